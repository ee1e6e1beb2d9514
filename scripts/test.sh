#!/usr/bin/env bash
# Builds dauys twice and runs every test (cmocka unit tests and command-line
# end-to-end tests, via ctest) in each build:
#   1. gcc, -Wall -Wextra -Werror, RelWithDebInfo
#   2. clang, -Wall -Wextra -Werror, AddressSanitizer + UndefinedBehaviorSanitizer
#      (leak checking on, any report fails the run)
# and first compiles the optimised release build the demo uses (gcc -O3 finds
# warnings the other builds do not); then runs the end-to-end tests again with
# every dauys process under valgrind memcheck (scripts/valgrind.sh: 0 errors,
# nothing definitely or indirectly lost); then every fuzz target for 30 s
# (scripts/fuzz.sh, docs/TESTING.md); at the end the README's main command,
# scripts/demo.sh, on 300 precincts (its audit must pass).
# Exits non-zero if any build, test or the demo fails.
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
echo "== valgrind memcheck: the end-to-end tests"
scripts/valgrind.sh
echo "== fuzzing: every parser of outside input, 30 s each"
scripts/fuzz.sh 30
# The README's main command itself, small: it must exit 0 (its audit passed).
echo "== the main command: scripts/demo.sh --precincts 300"
demo_dir=$(mktemp -d)
DAUYS_DEMO_DIR=$demo_dir/out scripts/demo.sh --precincts 300 >"$demo_dir/log" 2>&1 ||
  { tail -n 40 "$demo_dir/log"; rm -rf "$demo_dir"; echo "scripts/demo.sh failed" >&2; exit 1; }
rm -rf "$demo_dir"
echo "== all tests passed in both builds and under valgrind, the fuzzers found nothing, and the demo ran ($(( $(date +%s) - start )) s)"
