#!/usr/bin/env bash
# Builds dauys twice and runs every test (cmocka unit tests and command-line
# end-to-end tests, via ctest) in each build:
#   1. gcc, -Wall -Wextra -Werror, RelWithDebInfo
#   2. clang, -Wall -Wextra -Werror, AddressSanitizer + UndefinedBehaviorSanitizer
#      (leak checking on, any report fails the run)
# and first compiles the optimised release build the demo uses (gcc -O3 finds
# warnings the other builds do not).
# Exits non-zero if any build or test fails.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

run_suite() {
  local name=$1
  echo "== build: $name"
  scripts/build.sh "$name"
  echo "== tests: $name"
  (cd "build/$name" && ctest --output-on-failure -j "$(nproc)" --timeout 600)
}

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

start=$(date +%s)
echo "== build: release (compile only; the demo's build)"
scripts/build.sh release
run_suite gcc
run_suite asan
echo "== all tests passed in both builds ($(( $(date +%s) - start )) s)"
