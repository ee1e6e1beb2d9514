#!/usr/bin/env bash
# The benchmark of dauys-audit compare-copies (issue 19: "on 10,388 precincts
# with a few hundred deliberately wrong transcriptions it finds exactly those,
# in under 2 s"): not run by the tests, which check the same finding on the
# same files (tests/cli/copies_cli.sh) without a clock.
#
#   bench/copies_bench.sh [-n N] [--wrong W] [--runs R] [--no-build] [--dir DIR]
#
# Builds the release build (scripts/build.sh release), makes the demo bundle
# of N precincts (default 10,388, `dauys demo --out DIR/demo`, reused by later
# runs), transcribes every counted protocol with W wrong rows (default 300,
# tests/tools/copies_gen.py), then times R runs (default 5) of
# compare-copies --json, checks that each finds exactly the planted rows
# (tests/tools/copies_check.py), and prints each time, the best and the
# median against the issue's 2 s. Raw output in DIR (default
# /var/tmp/dauys-copies-bench). The machine is shared: the load average is
# printed before and after.
set -euo pipefail
cd "$(dirname "$0")/.."

n=10388 wrong=300 runs=5 build=1
work=${DAUYS_BENCH_DIR:-/var/tmp/dauys-copies-bench}
while [ $# -gt 0 ]; do
    case "$1" in
    -n) n=$2; shift 2 ;;
    --wrong) wrong=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    --dir) work=$2; shift 2 ;;
    *) echo "usage: bench/copies_bench.sh [-n N] [--wrong W] [--runs R] [--no-build] [--dir DIR]" >&2
       exit 2 ;;
    esac
done
py=/usr/bin/python3
[ "$build" = 1 ] && scripts/build.sh release >/dev/null
bin=$PWD/build/release/bin
mkdir -p "$work"
if [ ! -f "$work/demo-$n/bundle/checkpoint" ]; then
    rm -rf "$work/demo-$n"
    "$bin/dauys" demo --precincts "$n" --out "$work/demo-$n" >"$work/demo-$n.log" 2>&1 || true
fi
b=$work/demo-$n/bundle
$py tests/tools/copies_gen.py "$b" "$work/copies.csv" "$work/expected.json" --wrong "$wrong"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
times=()
for r in $(seq 1 "$runs"); do
    start=$(date +%s.%N)
    rc=0
    "$bin/dauys-audit" compare-copies -p "$work/demo-$n/keys/central.pub" "$b" "$work/copies.csv" \
        --json >"$work/out.json" 2>"$work/err.txt" || rc=$?
    end=$(date +%s.%N)
    t=$(echo "$end - $start" | bc)
    [ "$rc" = 1 ] || { echo "run $r: exit $rc, expected 1" >&2; exit 1; }
    $py tests/tools/copies_check.py "$work/expected.json" "$work/out.json" >"$work/check.txt" ||
        { cat "$work/check.txt" >&2; exit 1; }
    printf 'run %d: %.3f s  (%s)\n' "$r" "$t" "$(cat "$work/check.txt")"
    times+=("$t")
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
best=$(printf '%s\n' "$sorted" | head -n1)
median=$(printf '%s\n' "$sorted" | sed -n "$(((runs + 1) / 2))p")
printf 'compare-copies, %d precincts, %d wrong: best %.3f s, median %.3f s (target: under 2 s): %s\n' \
    "$n" "$wrong" "$best" "$median" "$(echo "$median < 2" | bc | sed 's/1/met/;s/0/MISSED/')"
