#!/usr/bin/env bash
# crash_cli.sh: kill -9 during ingest (issue 7, "Faults").
#
#   usage: bash tests/cli/crash_cli.sh /path/to/dauys /path/to/dauys-audit
#
# A mock referendum of DAUYS_CRASH_PROTOCOLS precincts (default 20,000, with
# the demo's planted trouble) is ingested once without interruption: the
# reference. Then, again and again from a fresh workspace, `dauys ingest` is
# started and killed with SIGKILL at a random moment (one kill in four at a
# time drawn over the reference's run, the others a random time up to 300 ms
# after the log reached a random size, so that the kills land throughout the
# run however slow the build or the machine); up to three kills in a row hit the same workspace,
# each one killing the ingest that resumes the last. After every kill the
# workspace must be whole (faults.sh, ws_consistent: PRAGMA integrity_check,
# every protocol wholly in or absent, the log and the rows agree, totals equal
# a recount, a bundle published from it passes dauys-audit verify). Then an
# ingest of the same inputs runs to the end and must leave exactly what the
# reference left: the same submissions in the same log order, the same
# counting protocols, the same log size and Merkle root, the same tally.
#
# DAUYS_CRASH_KILLS kills land inside a running ingest (default 20; the soak,
# scripts/soak.sh, asks for many more); a kill that comes after the ingest
# finished does not count. The trials go on until at least a quarter of the
# kills have also landed strictly inside the log's growth (after its first and
# before its last commit), and fail if that takes more than 4 * KILLS + 20
# attempts: small runs commit in few chunks, so a run of kills that all land
# at the very start or after the last commit is a matter of luck, not a fault
# to report; kills that can never land inside one are. DAUYS_CRASH_SEED seeds the moments (default: the
# process id; printed). The waiting before each kill only picks the moment:
# no check depends on timing.
#
# Needs bash, coreutils, util-linux (setsid), sqlite3. Prints every failing
# check, ends with "N passed, M failed", exits 1 if M > 0.
set -u

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 2
# shellcheck source-path=SCRIPTDIR source=faults.sh
. "$(dirname "${BASH_SOURCE[0]}")/faults.sh" || exit 2

cli_args "$@"
for tool in sqlite3 setsid; do
    command -v "$tool" >/dev/null 2>&1 || { echo "$0: $tool is needed" >&2; exit 2; }
done
cli_workdir crash
run() { run_split "$@"; }

N=${DAUYS_CRASH_PROTOCOLS:-20000}
KILLS=${DAUYS_CRASH_KILLS:-20}
SEED=${DAUYS_CRASH_SEED:-$$}
RANDOM=$SEED
echo "# $N precincts, $KILLS kills, seed $SEED (DAUYS_CRASH_SEED=$SEED replays the moments)"

now_ms() { echo $(($(date +%s%N) / 1000000)); }

section "the inputs and an uninterrupted ingest (the reference)"
fault_inputs "$N"
fresh_ws "$WORK/ref"
t0=$(now_ms)
ingest_all "$WORK/ref" >"$WORK/ref.log" 2>&1
REF_RC=$?
DURATION=$(($(now_ms) - t0))
OUT=$(cat "$WORK/ref.log") CMD="dauys ingest (reference)"
expect_eq "the reference ingest exits 1 (the planted rejections)" 1 "$REF_RC"
ws_consistent "reference" "$WORK/ref"
REF=$(ws_fingerprint "$WORK/ref")
TOTAL=$(q "$WORK/ref/dauys.db" 'SELECT count(*) FROM log_entry')
echo "# the reference: $TOTAL log entries in $DURATION ms"

# kill_at WS TARGET MS: starts the whole ingest into WS; once the log has
# TARGET entries (looked at every 50 ms; 0: at once) waits MS milliseconds
# more and kills it with SIGKILL. Sets STATUS to its exit status (137 if the
# kill landed).
kill_at() {
    (exec "$DAUYS" ingest -q -w "$1" "$IN/incoming" "$IN/later" >"$WORK/killed.log" 2>&1) &
    local pid=$!
    if [ "$2" -gt 0 ]; then
        while kill -0 "$pid" 2>/dev/null &&
            [ "$(sqlite3 -cmd '.timeout 2000' "$1/dauys.db" \
                'SELECT ifnull(max(idx) + 1, 0) FROM log_entry' 2>/dev/null || echo 0)" -lt "$2" ]; do
            sleep 0.05
        done
    fi
    sleep "$(printf '%d.%03d' $(($3 / 1000)) $(($3 % 1000)))"
    kill -KILL "$pid" 2>/dev/null
    { wait "$pid"; } 2>/dev/null
    STATUS=$?
}

random_ms() { echo $(((RANDOM * 32768 + RANDOM) % ($1 + 1))); }

# more_kills: true while fewer than KILLS kills have landed, or fewer than a
# quarter of KILLS inside the log's growth.
more_kills() { [ "$kills" -lt "$KILLS" ] || [ $((4 * inside)) -lt "$KILLS" ]; }

kills=0 inside=0 attempts=0 trials=0 landed=''
while more_kills; do
    trials=$((trials + 1))
    section "trial $trials"
    fresh_ws "$WORK/ws"
    for _ in $(seq $((1 + RANDOM % 3))); do
        more_kills || break
        attempts=$((attempts + 1))
        # One kill in four at a moment drawn over the reference's whole run
        # (start-up included); the others once the log has reached a random
        # size, plus up to 300 ms: anywhere in the run however slow it is.
        if [ $((RANDOM % 4)) -eq 0 ]; then
            target=0 ms=$(random_ms "$DURATION")
        else
            target=$((2 + RANDOM % (TOTAL - 2))) ms=$(random_ms 300)
        fi
        kill_at "$WORK/ws" "$target" "$ms"
        if [ "$STATUS" -ne 137 ]; then
            # It finished before the kill: it must have finished properly.
            OUT=$(cat "$WORK/killed.log") CMD="dauys ingest (not killed: $target entries + $ms ms)"
            check "trial $trials: an ingest that was not killed ends with 0 or 1, not 2" \
                test "$STATUS" -le 1
            break
        fi
        kills=$((kills + 1))
        entries=$(q "$WORK/ws/dauys.db" 'SELECT count(*) FROM log_entry')
        landed="$landed $entries"
        [ "$entries" -gt 1 ] && [ "$entries" -lt "$TOTAL" ] && inside=$((inside + 1))
        ws_consistent "kill $kills (trial $trials, $target entries + $ms ms: $entries of $TOTAL)" \
            "$WORK/ws"
        # Killing an ingest that only finds everything recorded proves nothing new.
        [ "$entries" -lt "$TOTAL" ] || break
    done
    run "$DAUYS" ingest -q -w "$WORK/ws" "$IN/incoming" "$IN/later"
    # 1 if it rejects something, 0 if the rejections were recorded before a kill
    check "trial $trials: the ingest after the kills completes (exit 0 or 1, not 2)" \
        test "$RC" -le 1
    expect_eq "trial $trials: the same submissions, log, Merkle root and tally as the reference" \
        "$REF" "$(ws_fingerprint "$WORK/ws")"
    if [ "$attempts" -gt $((4 * KILLS + 20)) ]; then
        fail_value "kills land inside an ingest" "after $attempts attempts only $kills kills landed, $inside inside the log's growth"
        break
    fi
done

section "where the kills landed"
echo "# log entries committed at each kill (of $TOTAL):$landed"
check "at least a quarter of $KILLS kills ($inside of $kills) landed after the first and before the last commit" \
    test $((4 * inside)) -ge "$KILLS"
summary
