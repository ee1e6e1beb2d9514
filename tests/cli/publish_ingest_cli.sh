#!/usr/bin/env bash
# publish_ingest_cli.sh: `dauys publish` while a large `dauys ingest` runs in
# another process (issue 15, item 4: the normal election-night workflow).
#
#   usage: bash tests/cli/publish_ingest_cli.sh /path/to/dauys /path/to/dauys-audit
#
# One ingest of a mock referendum of DAUYS_PUBLISH_INGEST_PROTOCOLS precincts
# (default 6,000, about 12 chunks of 512 files) runs in the background with
# one verifying thread (-j 1: the writer then holds no lock while the next
# chunk is verified, as where verifying is the bottleneck; where writing is,
# as under the sanitizers with -j 2, the writer goes from one transaction to
# the next and a probe for a moment without its lock would be luck), and
# DAUYS_PUBLISH_INGEST_ROUNDS times (default 3) a publication lands in the
# middle of it, paced by the ingest's own progress, never by the clock:
#
#   1. wait until the ingest has committed two more chunks (the log grew by
#      1,024 entries since the last round), then stop it (SIGSTOP) at a moment
#      it holds no lock (a BEGIN IMMEDIATE probe succeeds), so the publication
#      gets the workspace at once;
#   2. start `dauys publish` and wait until its transaction has committed (the
#      checkpoint table has one more row); stop it there, before or while it
#      reads what goes into the bundle;
#   3. let the ingest go on until it has committed at least one more chunk
#      after the publication's result: the race of the issue, made certain;
#   4. stop the ingest again, let the publication finish.
#
# Every publication must exit 0, its bundle must pass `dauys-audit verify`
# with the central key, its checkpoint must be the log size at its commit
# (not a later one), each round's must be larger than the last (the log grew
# between publications), and the ingest must have gone on past every one of
# them (each landed mid-way) and finished as a serial ingest does. Before the
# fix, publish read the log, the protocols and the database after its
# transaction in separate reads, and its bundles failed their own audit.
#
# Needs bash, coreutils, util-linux (setsid), sqlite3, Linux's /proc. Prints
# every failing check, ends with "N passed, M failed", exits 1 if M > 0.
set -u

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 2
# shellcheck source-path=SCRIPTDIR source=faults.sh
. "$(dirname "${BASH_SOURCE[0]}")/faults.sh" || exit 2

cli_args "$@"
for tool in sqlite3 setsid; do
    command -v "$tool" >/dev/null 2>&1 || { echo "$0: $tool is needed" >&2; exit 2; }
done
cli_workdir publish-ingest
run() { run_split "$@"; }

N=${DAUYS_PUBLISH_INGEST_PROTOCOLS:-6000}
ROUNDS=${DAUYS_PUBLISH_INGEST_ROUNDS:-3}
CHUNK=512 # files per ingest transaction (FORMATS.md 11.4)

# A query of the live workspace; waits out a writer's lock for up to 10 s.
live() { sqlite3 -batch -noheader -cmd '.timeout 10000' "$WS/dauys.db" "$1"; }
log_size() { live 'SELECT count(*) FROM log_entry'; }
signed() { live 'SELECT count(*) FROM checkpoint'; }
# 0 if no process holds the workspace's write lock (a probe that takes it, with no wait).
unlocked() { sqlite3 -batch -cmd '.timeout 0' "$WS/dauys.db" 'BEGIN IMMEDIATE; ROLLBACK;' >/dev/null 2>&1; }
# 0 while process $1 exists and has not exited (a zombie has exited).
running() { local state; state=$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) && [ "$state" != Z ]; }
# poll COND...: runs COND every 10 ms until it succeeds (each COND below also
# succeeds once the process it waits on has exited, so none waits for ever).
poll() { until "$@"; do sleep 0.01; done; }
grown_to() { [ "$(log_size)" -ge "$1" ] || ! running "$INGEST"; }
published() { [ "$(signed)" -gt "$1" ] || ! running "$2"; }

# Stops the ingest at a moment it holds no lock; 1 if it ended first.
stop_ingest_unlocked() {
    while running "$INGEST"; do
        kill -STOP "$INGEST"
        unlocked && return 0
        kill -CONT "$INGEST"
        sleep 0.005
    done
    return 1
}

section "the inputs: $N precincts"
fault_inputs "$N"
WS=$WORK/ws
fresh_ws "$WS"

section "one ingest in the background"
"$DAUYS" ingest -q -j 1 -w "$WS" "$IN/incoming" "$IN/later" >"$WORK/ingest.out" 2>&1 &
INGEST=$!

last=$(log_size) mid=0 prev_cp=0
declare -a COVERED=()
for round in $(seq "$ROUNDS"); do
    section "round $round: a publication in the middle of the ingest"
    kill -CONT "$INGEST" 2>/dev/null
    poll grown_to $((last + 2 * CHUNK))
    if ! stop_ingest_unlocked; then
        fail_value "round $round: the ingest is still running" \
            "it ended before this round (log size $(log_size)); raise DAUYS_PUBLISH_INGEST_PROTOCOLS"
        break
    fi
    before=$(signed)
    "$DAUYS" publish -w "$WS" -k "$KEY" "$WORK/bundle$round" >"$WORK/publish$round.out" 2>&1 &
    pub=$!
    poll published "$before" "$pub"
    at=$(log_size) # the publication's result and checkpoint are in: the log it covers
    held=0
    kill -STOP "$pub" 2>/dev/null && running "$pub" && held=1
    kill -CONT "$INGEST"
    poll grown_to $((at + 1))
    grown=$(log_size)
    kill -STOP "$INGEST" 2>/dev/null
    kill -CONT "$pub" 2>/dev/null
    wait "$pub"
    rc=$?
    OUT=$(cat "$WORK/publish$round.out") CMD="dauys publish, round $round"
    expect_eq "round $round: the publication exits 0" 0 "$rc"
    check "round $round: it was stopped after its commit, still running" test "$held" -eq 1
    check "round $round: the ingest committed more ($at -> $grown entries) while the publication held" \
        test "$grown" -gt "$at"
    CMD='' OUT=''
    cp_size=$(sed -n 2p "$WORK/bundle$round/checkpoint" 2>/dev/null)
    expect_eq "round $round: the bundle's checkpoint is the log at the publication's commit" \
        "$at" "${cp_size:-none}"
    check "round $round: the log grew since the last publication ($prev_cp -> ${cp_size:-none})" \
        test "${cp_size:-0}" -gt "$prev_cp"
    prev_cp=${cp_size:-0} last=$grown
    COVERED+=("${cp_size:-0}")
    mid=$((mid + 1))
done

section "the ingest ends"
kill -CONT "$INGEST" 2>/dev/null
wait "$INGEST"
status=$?
OUT=$(cat "$WORK/ingest.out") CMD="dauys ingest"
expect_eq "the ingest exits 1, as a serial one does (the planted rejections)" 1 "$status"
CMD='' OUT=''
expect_eq "every round published in the middle of the ingest" "$ROUNDS" "$mid"
final=$(log_size)
for c in "${COVERED[@]}"; do
    check "a bundle of $c entries is mid-way: the ingest went on to $final" test "$c" -lt "$final"
done

section "every bundle passes its audit"
for round in $(seq "$mid"); do
    expect_ok "round $round: dauys-audit verify passes" 'all checks pass' \
        "$AUDIT" verify -p "$PUB" "$WORK/bundle$round"
done
summary
