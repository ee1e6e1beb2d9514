#!/usr/bin/env bash
# Runs the tests, in one of three tiers (docs/TESTING.md, "Test tiers"):
#
#   scripts/test.sh quick   a few minutes: the gcc build (-Wall -Wextra -Werror),
#                           its tests labelled quick: the cmocka unit tests (the
#                           out-of-memory loop at every 20th allocation), the
#                           format check (scripts/check-format.sh) and the
#                           layout check
#   scripts/test.sh         the default, the README's test command and CI's
#                           (.ci/run): at most 20 minutes on 2 cores. Compiles
#                           the optimised release build the demo uses (gcc -O3
#                           finds warnings the other builds do not), then every
#                           test through ctest in two builds:
#                             1. gcc, -Wall -Wextra -Werror, RelWithDebInfo
#                             2. clang, -Wall -Wextra -Werror, AddressSanitizer +
#                                UndefinedBehaviorSanitizer (leak checking on,
#                                any report fails the run)
#                           the heavy tests (kill -9, full disk, concurrent
#                           writers, publish during ingest, the large replay,
#                           forensics, the out-of-memory loop) on less work but
#                           with every check; then valgrind memcheck over the
#                           representative subset of the end-to-end tests
#                           (scripts/valgrind.sh --subset: every program and
#                           every command under valgrind at least once); every
#                           fuzz target for 10 s (scripts/fuzz.sh); at the end
#                           the README's main command, scripts/demo.sh, on 300
#                           precincts (its audit must pass)
#   scripts/test.sh full    the same steps at full size: the heavy tests at
#                           their full sizes, valgrind over every end-to-end
#                           test, every fuzz target for 60 s
#
# scripts/soak.sh is the fourth, longest tier (hours). The tier picks the heavy
# tests' sizes through the CMake cache variable DAUYS_TEST_TIER (set here on
# each build it runs; tests/CMakeLists.txt). Exits non-zero if any build, test
# or the demo fails.
set -euo pipefail
cd "$(dirname "$0")/.."
tier=${1:-default}
case "$tier" in
    quick | default | full) ;;
    *) echo "test.sh: unknown tier '$tier' (quick, full, or nothing for the default)" >&2; exit 2 ;;
esac
scripts/setup.sh

start=$(date +%s)
step_name= step_start=$start
# step TITLE: announces a step, after the time the last one took.
step() {
    local now
    now=$(date +%s)
    [ -z "$step_name" ] || echo "   ($step_name: $((now - step_start)) s)"
    step_name=$1 step_start=$now
    echo "== $1"
}

# run_suite BUILD [CTEST-ARGS...]: builds BUILD, sets its tests' sizes to the
# tier's, runs its tests.
run_suite() {
    local name=$1
    shift
    step "build: $name"
    scripts/build.sh "$name"
    cmake -S . -B "build/$name" -DDAUYS_TEST_TIER="$tier" >/dev/null
    step "tests: $name ($tier tier${1:+: ctest $*})"
    (cd "build/$name" && ctest --output-on-failure -j "$(nproc)" --timeout 600 "$@")
}

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

if [ "$tier" = quick ]; then
    run_suite gcc -L quick
    step "done"
    echo "== the quick tier passed: unit tests, format and layout ($(($(date +%s) - start)) s)"
    exit 0
fi

step "build: release (compile only; the demo's build)"
scripts/build.sh release
run_suite gcc
run_suite asan
if [ "$tier" = full ]; then
    step "valgrind memcheck: every end-to-end test"
    scripts/valgrind.sh
    fuzz_secs=60
else
    step "valgrind memcheck: the representative subset of the end-to-end tests"
    scripts/valgrind.sh --subset
    fuzz_secs=10
fi
step "fuzzing: every parser of outside input, $fuzz_secs s each"
scripts/fuzz.sh "$fuzz_secs"
# The README's main command itself, small: it must exit 0 (its audit passed).
step "the main command: scripts/demo.sh --precincts 300"
demo_dir=$(mktemp -d)
DAUYS_DEMO_DIR=$demo_dir/out scripts/demo.sh --precincts 300 >"$demo_dir/log" 2>&1 ||
    { tail -n 40 "$demo_dir/log"; rm -rf "$demo_dir"; echo "scripts/demo.sh failed" >&2; exit 1; }
rm -rf "$demo_dir"
step "done"
echo "== the $tier tier passed: all tests in both builds and under valgrind, the fuzzers found nothing, and the demo ran ($(($(date +%s) - start)) s)"
