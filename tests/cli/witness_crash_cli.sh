#!/usr/bin/env bash
# witness_crash_cli.sh: kill -9 of dauys-audit witness at random moments
# while two clients submit a growing log's checkpoints and forks
# (tests/tools/witness_crash.py), DAUYS_WITNESS_KILLS times (default 25),
# restarted on the same state each time: its state verifies after every
# kill and never lags a cosignature given; never two roots cosigned for one
# size, never a fork, never a smaller tree after a larger one.
#
#   witness_crash_cli.sh /path/to/dauys /path/to/dauys-audit
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/lib.sh" || exit 2
cli_args "$@"
cli_workdir witness-crash
KILLS=${DAUYS_WITNESS_KILLS:-25}

run() {
    CMD=$(printf '%q ' "$@")
    OUT=$("$@" 2>&1 </dev/null)
    RC=$?
}

section "keys: the log's and the witness's"
"$DAUYS" keygen --unencrypted -o log >/dev/null 2>&1 || { echo "keygen failed" >&2; exit 2; }
"$DAUYS" keygen --unencrypted -o w1 >/dev/null 2>&1 || { echo "keygen failed" >&2; exit 2; }

section "$KILLS kills while checkpoints arrive"
run /usr/bin/python3 "$HERE/../tools/witness_crash.py" "$AUDIT" log.key log.pub w1.pub \
    witness.example/crash "$WORK" "$KILLS"
printf '%s\n' "$OUT" | sed 's/^/  /'
check "the driver ran and found no violation" test "$RC" = 0
check "$KILLS kills" grep -qx "kills=$KILLS" <<<"$OUT"
COSIGNED=$(sed -n 's/^cosigned=//p' <<<"$OUT")
check "at least $KILLS cosignatures" test "${COSIGNED:-0}" -ge "$KILLS"
FORKS=$(sed -n 's/^forks_sent=\([0-9]*\) .*/\1/p' <<<"$OUT")
check "forks were attempted, each refused" test "${FORKS:-0}" -ge 5 -a \
    "$(sed -n 's/.*forks_refused=//p' <<<"$OUT")" = "$FORKS"
check "fork evidence was kept" test "$(ls state/evidence | wc -l)" -ge 1
check "the witness restarted every time (no refusal to start)" \
    test -z "$(grep -i 'refusing\|corrupt' witness.log)"
check "no sanitizer report in the witness's log" test -z "$(grep -i 'sanitizer' witness.log)"

summary
