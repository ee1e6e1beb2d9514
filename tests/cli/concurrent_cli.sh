#!/usr/bin/env bash
# concurrent_cli.sh: four `dauys ingest` processes at once on overlapping
# inputs (issue 7, "Faults").
#
#   usage: bash tests/cli/concurrent_cli.sh /path/to/dauys /path/to/dauys-audit
#
# A mock referendum of DAUYS_CONCURRENT_PROTOCOLS precincts (default 20,000,
# with the demo's planted trouble: an altered count, a replay, a duplicate, a
# conflict, corrections, a stale version, a broken relation) is ingested once
# serially: the reference. Then four ingests start together into one
# workspace, each with its own order of overlapping inputs: incoming/ then
# later/; later/ then incoming/; every file in reverse order; every second
# file. Each of them must finish (exit 0 or 1, never 2), no SQLITE_BUSY or
# "locked" may reach the user, every input file must be recorded exactly once
# (no protocol lost, none twice), the outcomes the four report must add up to
# the rows, the workspace must be whole (faults.sh, ws_consistent), and the
# counting protocols and the tally must equal the serial run's. The order of
# arrival may change an outcome (a late version 1 is stale, not superseded)
# but never what counts. DAUYS_CONCURRENT_ROUNDS repeats it (default 1).
#
# Needs bash, coreutils, util-linux (setsid), sqlite3. Prints every failing
# check, ends with "N passed, M failed", exits 1 if M > 0.
set -u

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 2
# shellcheck source-path=SCRIPTDIR source=faults.sh
. "$(dirname "${BASH_SOURCE[0]}")/faults.sh" || exit 2

cli_args "$@"
for tool in sqlite3 setsid sha256sum; do
    command -v "$tool" >/dev/null 2>&1 || { echo "$0: $tool is needed" >&2; exit 2; }
done
cli_workdir concurrent
run() { run_split "$@"; }

N=${DAUYS_CONCURRENT_PROTOCOLS:-20000}
ROUNDS=${DAUYS_CONCURRENT_ROUNDS:-1}

# What counts, whatever the order of arrival: each precinct's current protocol.
counting() {
    q "$1/dauys.db" "SELECT p.precinct, p.version, hex(s.protocol_sha256) FROM protocol p
                     JOIN submission s ON s.seq = p.submission
                     WHERE p.state = 'current' ORDER BY 1"
}

section "the inputs and a serial ingest (the reference)"
fault_inputs "$N"
fresh_ws "$WORK/serial"
run "$DAUYS" ingest -q -w "$WORK/serial" "$IN/incoming" "$IN/later"
expect_eq "the serial ingest exits 1 (the planted rejections)" 1 "$RC"
SERIAL_COUNTING=$(counting "$WORK/serial")
SERIAL_TALLY=$("$DAUYS" tally -w "$WORK/serial" 2>&1)
check "the serial run counts every precinct" \
    test "$(printf '%s\n' "$SERIAL_COUNTING" | wc -l)" -eq "$N"

# The four orders of the same inputs.
(cd "$IN" && ls incoming/*.txt later/*.txt) >"$WORK/files"
INPUTS=$(sort -u <(cd "$IN" && sha256sum incoming/*.txt later/*.txt | cut -d' ' -f1))
mapfile -t REVERSED < <(sed "s|^|$IN/|" "$WORK/files" | sort -r)
mapfile -t EVERY_SECOND < <(sed "s|^|$IN/|" "$WORK/files" | sed -n 'p;n')

for round in $(seq "$ROUNDS"); do
    section "round $round: four ingests at once"
    fresh_ws "$WORK/ws"
    "$DAUYS" ingest -q -w "$WORK/ws" "$IN/incoming" "$IN/later" >"$WORK/p1" 2>&1 &
    p1=$!
    "$DAUYS" ingest -q -w "$WORK/ws" "$IN/later" "$IN/incoming" >"$WORK/p2" 2>&1 &
    p2=$!
    "$DAUYS" ingest -q -w "$WORK/ws" "${REVERSED[@]}" >"$WORK/p3" 2>&1 &
    p3=$!
    "$DAUYS" ingest -q -w "$WORK/ws" "${EVERY_SECOND[@]}" >"$WORK/p4" 2>&1 &
    p4=$!
    sum=0
    for p in 1 2 3 4; do
        pid_var=p$p
        wait "${!pid_var}"
        status=$?
        OUT=$(cat "$WORK/p$p") CMD="ingest $p of 4"
        check "round $round: ingest $p of 4 finished (exit $status: 0 or 1, not 2)" test "$status" -le 1
        check "round $round: ingest $p of 4 saw no busy or locked database" \
            eval '! grep -qiE "busy|locked" "$WORK/p$p"'
        recorded=$(recorded_in "$WORK/p$p")
        check "round $round: ingest $p of 4 printed its summary" test -n "$recorded"
        sum=$((sum + ${recorded:-0}))
    done
    CMD='' OUT=''
    rows=$(q "$WORK/ws/dauys.db" 'SELECT count(*) FROM submission')
    expect_eq "round $round: the outcomes the four reported add up to the rows" "$rows" "$sum"
    expect_eq "round $round: every input file is recorded (none lost)" "$INPUTS" \
        "$(q "$WORK/ws/dauys.db" 'SELECT DISTINCT lower(hex(protocol_sha256)) FROM submission ORDER BY 1')"
    expect_eq "round $round: no file is recorded twice" "$rows" \
        "$(q "$WORK/ws/dauys.db" "SELECT count(*) FROM (SELECT DISTINCT protocol_sha256,
                                  signature_sha256, manifest_version FROM submission)")"
    expect_eq "round $round: the same protocols count as in the serial run" \
        "$SERIAL_COUNTING" "$(counting "$WORK/ws")"
    expect_eq "round $round: the tally equals the serial run's" \
        "$SERIAL_TALLY" "$("$DAUYS" tally -w "$WORK/ws" 2>&1)"
    ws_consistent "round $round" "$WORK/ws"
done
summary
