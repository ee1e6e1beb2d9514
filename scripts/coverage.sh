#!/usr/bin/env bash
# Measures the line coverage of a test tier (docs/TESTING.md, "Test tiers").
#
#   scripts/coverage.sh [quick|default|full]   (default: default)
#
# Builds build/coverage (gcc, RelWithDebInfo, --coverage with atomic counters:
# the demo signs on every core), runs the tier's ctest tests there at the
# tier's sizes (quick: those labelled quick; default and full: all of them)
# and, for default and full, the README's main command on 300 precincts with
# those programs. Valgrind and the fuzzers do not count: they run other builds
# of the same tests and parsers. Then reports with lcov the line coverage of
# the library code (every folder but cmd/, tests/, fuzz/ and bench/), folder
# by folder, and of cmd/ apart. Writes build/coverage/TIER/: lib.info,
# cmd.info (lcov's tracefiles) and summary.txt (what it printed). A test that
# fails fails the run, after the report.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
tier=${1:-default}
case "$tier" in
    quick | default | full) ;;
    *) echo "coverage.sh: unknown tier '$tier' (quick, default, full)" >&2; exit 2 ;;
esac
scripts/setup.sh
command -v lcov >/dev/null || { echo "coverage.sh: lcov is not installed (scripts/setup.sh installs it)" >&2; exit 2; }

build=$root/build/coverage
out=$build/$tier
# -Werror as in every build (store/checkpoint.c initialises what gcc -O2
# --coverage could not prove set).
flags="--coverage -fprofile-update=atomic"
cmake -S . -B "$build" -DCMAKE_C_COMPILER=gcc -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS=--coverage -DCMAKE_SHARED_LINKER_FLAGS=--coverage \
    -DDAUYS_TEST_TIER="$tier" >/dev/null
cmake --build "$build" -j "$(nproc)" >/dev/null
rm -rf "$out"
mkdir -p "$out"
lcov --quiet --zerocounters --directory "$build"
# Every line compiled, run or not: a file no test ran still counts, at 0%.
lcov --quiet --capture --initial --directory "$build" \
    --output-file "$out/base.info" 2>"$out/lcov.log" || { cat "$out/lcov.log" >&2; exit 2; }

labels=()
[ "$tier" = quick ] && labels=(-L quick)
start=$(date +%s)
rc=0
(cd "$build" && ctest --output-on-failure -j "$(nproc)" --timeout 600 "${labels[@]}") || rc=1
if [ "$tier" != quick ]; then
    demo=$(mktemp -d)
    "$build/bin/dauys" demo --precincts 300 --out "$demo/out" >"$demo/log" 2>&1 ||
        { tail -n 40 "$demo/log"; rc=1; }
    rm -rf "$demo"
fi
secs=$(($(date +%s) - start))

lcov --quiet --capture --directory "$build" --output-file "$out/run.info" 2>"$out/lcov.log" ||
    { cat "$out/lcov.log" >&2; exit 2; }
lcov --quiet --add-tracefile "$out/base.info" --add-tracefile "$out/run.info" --output-file "$out/all.info"
lcov --quiet --extract "$out/all.info" "$root/*" --output-file "$out/tree.info"
lcov --quiet --remove "$out/tree.info" "$root/cmd/*" "$root/tests/*" "$root/fuzz/*" "$root/bench/*" \
    "$root/build/*" --output-file "$out/lib.info"
lcov --quiet --extract "$out/tree.info" "$root/cmd/*" --output-file "$out/cmd.info"

# folders INFO: lines hit and found per top folder, then in all, from lcov's
# SF (file), LH (lines hit) and LF (lines found) records.
folders() {
    awk -v root="$root/" '
        /^SF:/ { f = substr($0, 4); sub("^" root, "", f); sub("/.*", "", f) }
        /^LH:/ { hit[f] += substr($0, 4) }
        /^LF:/ { found[f] += substr($0, 4) }
        END { for (f in found) print f, hit[f], found[f] }' "$1" |
        sort | awk '
        { printf "  %-12s %6d of %6d lines  %5.1f%%\n", $1, $2, $3, 100 * $2 / $3; hit += $2; found += $3 }
        END { printf "  %-12s %6d of %6d lines  %5.1f%%\n", "in all", hit, found, found ? 100 * hit / found : 0 }'
}
{
    echo "== line coverage of the $tier tier (tests: $secs s, gcc --coverage, $(lcov --version | sed 's/.*: //'))"
    echo "the library (every folder but cmd/, tests/, fuzz/, bench/):"
    folders "$out/lib.info"
    echo "the programs (cmd/):"
    folders "$out/cmd.info"
} | tee "$out/summary.txt"
[ "$rc" -eq 0 ] || { echo "coverage.sh: a test failed (above); the coverage counts what ran" >&2; exit 1; }
