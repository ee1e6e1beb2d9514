#!/usr/bin/env bash
# The long run of the reliability suite (docs/TESTING.md), for a quiet
# machine and a free evening; the test command runs the same tests short.
#
#   scripts/soak.sh
#
# Settings (environment), with their defaults:
#   SOAK_FUZZ_SECONDS=3600   each fuzz target's time (scripts/fuzz.sh); the
#                            corpus is kept in DAUYS_FUZZ_DIR (default
#                            /var/tmp/dauys-fuzz) and grows from run to run
#   SOAK_CRASH_KILLS=500     kill -9 landed inside a 20,000-protocol ingest
#   SOAK_CONCURRENT_ROUNDS=20  rounds of four concurrent ingests
# Builds the gcc build (the fault tests' build) and the fuzz build first.
# Exits non-zero as soon as a part fails; prints each part's summary.
set -euo pipefail
cd "$(dirname "$0")/.."

fuzz_seconds=${SOAK_FUZZ_SECONDS:-3600}
kills=${SOAK_CRASH_KILLS:-500}
rounds=${SOAK_CONCURRENT_ROUNDS:-20}
export DAUYS_FUZZ_DIR=${DAUYS_FUZZ_DIR:-/var/tmp/dauys-fuzz}

scripts/build.sh gcc
bin=(build/gcc/bin/dauys build/gcc/bin/dauys-audit)
start=$(date +%s)

logs=$(mktemp -d /var/tmp/dauys-soak.XXXXXX)
# part NAME CMD...: runs CMD with its output in $logs/NAME.log; prints the
# summary, or every failure and stops.
part() {
    local name=$1
    shift
    if "$@" >"$logs/$name.log" 2>&1; then
        tail -n 3 "$logs/$name.log"
    else
        grep -A 8 '^FAIL' "$logs/$name.log" || tail -n 40 "$logs/$name.log"
        echo "soak: $name failed (all of it in $logs/$name.log)" >&2
        exit 1
    fi
}

echo "== kill -9 during ingest: $kills kills (logs in $logs)"
part crash env DAUYS_CRASH_KILLS="$kills" bash tests/cli/crash_cli.sh "${bin[@]}"
echo "== four concurrent ingests: $rounds rounds"
part concurrent env DAUYS_CONCURRENT_ROUNDS="$rounds" bash tests/cli/concurrent_cli.sh "${bin[@]}"
echo "== disk full and the file-size limit"
part diskfull bash tests/cli/diskfull_cli.sh "${bin[@]}"
echo "== fuzzing: every target for $fuzz_seconds s (corpus in $DAUYS_FUZZ_DIR)"
scripts/fuzz.sh "$fuzz_seconds"
echo "== the soak passed ($(( $(date +%s) - start )) s)"
