#!/usr/bin/env bash
# crash_cli.sh: kill -9 during ingest (issue 7, "Faults").
#
#   usage: bash tests/cli/crash_cli.sh /path/to/dauys /path/to/dauys-audit
#
# A mock referendum of DAUYS_CRASH_PROTOCOLS precincts (default 10,000, with
# the demo's planted trouble) is ingested once without interruption: the
# reference. Then DAUYS_CRASH_KILLS times (default 20; scripts/soak.sh asks for
# many more) `dauys ingest` is killed with SIGKILL, at moments fixed by work,
# not by time: the first kill once the ingest has verified files for a while
# (a random moment in the first tenth of the reference's run: start-up, the
# first chunk), each other kill as soon as the log is seen (looked at every
# 20-60 ms) to have reached its target size. The targets are spread evenly
# over the log's growth, each at a random place in its share, and all below
# the last chunk the ingest commits (it commits CHUNK = 512 files at a time,
# ingest/ingest.c), so every such kill lands in a running ingest, strictly
# inside the log's growth. The kills are taken in order of target and dealt
# out to trials of three (the last may have fewer): each trial starts from a
# fresh workspace and each kill of a trial hits the ingest that resumes the
# last. After every kill the workspace must be whole (faults.sh,
# ws_consistent: PRAGMA integrity_check, every protocol wholly in or absent,
# the log and the rows agree, totals equal a recount), and after the last
# kill of a trial a bundle published from it must pass dauys-audit verify
# (the costly check: once per trial). Then an ingest of the same inputs runs
# to the end and must leave exactly what the reference left: the same
# submissions in the same log order, the same counting protocols, the same
# log size and Merkle root, the same tally.
#
# The work is fixed, whatever the machine's speed: KILLS kills, no retries,
# in ceil(KILLS / 3) trials, each ending with one publish, audit and whole
# ingest; each kill waits only for the log to grow (or the ingest to end).
# Every kill must land (exit 137), and all but the start-up kill strictly
# inside the log's growth (after its first commit and before its last).
# DAUYS_CRASH_SEED seeds the targets (default: the process id; printed). No
# check depends on timing: the start-up kill's moment only picks where it
# lands, and it must land too.
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

N=${DAUYS_CRASH_PROTOCOLS:-10000}
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

# Files the ingest commits per transaction (ingest/ingest.c, HALF): a log
# seen short of its last chunk belongs to an ingest with work left.
CHUNK=512

# poll_ms: the next wait between two looks at the log, 20-60 ms (varies where
# in a chunk's work the kill lands).
poll_ms() { printf '0.%03d' $((20 + RANDOM % 41)); }

# log_size WS: the log's entries as committed (0 if it cannot be read now).
log_size() {
    sqlite3 -cmd '.timeout 2000' "$1/dauys.db" \
        'SELECT ifnull(max(idx) + 1, 0) FROM log_entry' 2>/dev/null || echo 0
}

# kill_at WS TARGET MS: starts the whole ingest into WS and kills it with
# SIGKILL: MS milliseconds after the start if TARGET is 0, else as soon as
# the log has TARGET entries (or the ingest has ended). Sets STATUS to its
# exit status (137 if the kill landed).
kill_at() {
    (exec "$DAUYS" ingest -q -w "$1" "$IN/incoming" "$IN/later" >"$WORK/killed.log" 2>&1) &
    local pid=$!
    if [ "$2" -eq 0 ]; then
        sleep "$(printf '%d.%03d' $(($3 / 1000)) $(($3 % 1000)))"
    else
        while kill -0 "$pid" 2>/dev/null && [ "$(log_size "$1")" -lt "$2" ]; do
            sleep "$(poll_ms)"
        done
    fi
    kill -KILL "$pid" 2>/dev/null
    { wait "$pid"; } 2>/dev/null
    STATUS=$?
}

random_below() { echo $(((RANDOM * 32768 + RANDOM) % $1)); }

# The targets: one share of the log's growth (entries 2 to TOTAL - 3 CHUNKs)
# for each kill but the first, a random place in each; ascending. Three
# chunks of margin: on a fast machine a poll may see the log only after the
# commit past its target and the next one, and the ingest must still have a
# chunk to commit when the kill comes (a fresh-clone run missed with one).
SPAN=$((TOTAL - 3 * CHUNK - 2))
if [ "$SPAN" -lt "$KILLS" ]; then
    echo "$0: $TOTAL log entries are too few for $KILLS kills inside the log's growth" \
        "(DAUYS_CRASH_PROTOCOLS: at least $((KILLS + 3 * CHUNK + 2)))" >&2
    exit 2
fi
SHARES=$((KILLS > 1 ? KILLS - 1 : 1))
TARGETS=(0)
for ((k = 1; k < KILLS; k++)); do
    TARGETS+=($((2 + SPAN * (k - 1) / SHARES + $(random_below $((SPAN / SHARES))))))
done
echo "# kill targets (log entries; 0: at start-up):${TARGETS[*]/#/ }"

kills=0 inside=0 trials=0 landed=''
next=0
while [ "$next" -lt "$KILLS" ]; do
    trials=$((trials + 1))
    section "trial $trials"
    fresh_ws "$WORK/ws"
    for slot in 1 2 3; do
        [ "$next" -lt "$KILLS" ] || break
        target=${TARGETS[next]} ms=0
        next=$((next + 1))
        [ "$target" -eq 0 ] && ms=$(random_below $((DURATION / 10 + 1)))
        kill_at "$WORK/ws" "$target" "$ms"
        entries=$(q "$WORK/ws/dauys.db" 'SELECT count(*) FROM log_entry')
        if [ "$STATUS" -ne 137 ]; then
            OUT=$(cat "$WORK/killed.log") CMD="dauys ingest (kill at $target entries, $ms ms)"
            fail_value "trial $trials: the kill at $target entries (+$ms ms) lands in a running ingest" \
                "the ingest ended first, with exit $STATUS and $entries of $TOTAL log entries"
            continue
        fi
        kills=$((kills + 1))
        landed="$landed $entries"
        [ "$entries" -gt 1 ] && [ "$entries" -lt "$TOTAL" ] && inside=$((inside + 1))
        # The bundle's audit (the costly check) after the trial's last kill;
        # the database checks after each.
        [ "$slot" -lt 3 ] && [ "$next" -lt "$KILLS" ] && depth=rows || depth=''
        ws_consistent "kill $kills (trial $trials, at $target entries + $ms ms: $entries of $TOTAL)" \
            "$WORK/ws" "$depth"
    done
    run "$DAUYS" ingest -q -w "$WORK/ws" "$IN/incoming" "$IN/later"
    # 1 if it rejects something, 0 if the rejections were recorded before a kill
    check "trial $trials: the ingest after the kills completes (exit 0 or 1, not 2)" \
        test "$RC" -le 1
    expect_eq "trial $trials: the same submissions, log, Merkle root and tally as the reference" \
        "$REF" "$(ws_fingerprint "$WORK/ws")"
done

section "where the kills landed"
echo "# log entries committed at each kill (of $TOTAL):$landed"
expect_eq "every one of the $KILLS kills landed in a running ingest" "$KILLS" "$kills"
check "the $((KILLS - 1)) kills at a log size landed after the first and before the last commit ($inside inside)" \
    test "$inside" -ge $((KILLS - 1))
summary
