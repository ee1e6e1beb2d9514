# shellcheck shell=bash
# faults.sh: helpers shared by the fault tests (crash_cli.sh, diskfull_cli.sh,
# concurrent_cli.sh), sourced after lib.sh, cli_args and cli_workdir:
#
#   fault_inputs N      a mock referendum's signed inputs in $WORK/in
#                       (dauys demo --files-only: N precincts and the planted
#                       trouble), and a workspace created from them in
#                       $WORK/pristine; sets IN, PRISTINE, KEY (the central
#                       secret key) and PUB.
#   fresh_ws DIR        DIR becomes a copy of the pristine workspace.
#   ingest_all WS       the whole ingest: dauys ingest -q -w WS incoming later.
#   ws_consistent NAME WS [rows]
#                       the checks after a fault: integrity, every protocol
#                       wholly in or absent, the log and the rows agree, the
#                       running totals equal a recount, and (unless "rows" is
#                       given: the database checks only) a bundle published
#                       from a copy of WS passes dauys-audit verify.
#   recorded_in FILE    the outcomes an ingest's summary line in FILE reports,
#                       added up (duplicates aside), as an expression "a+b+...".
#   ws_fingerprint WS   what an ingest leaves, for comparing runs: every
#                       submission in log order, the counting protocols, the
#                       log's size and Merkle root (from a checkpoint signed on
#                       a copy), and the tally.

FAULT_SQL=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../sql" && pwd)

fault_inputs() {
    IN=$WORK/in PRISTINE=$WORK/pristine
    KEY=$IN/keys/central.key PUB=$IN/keys/central.pub
    "$DAUYS" demo --precincts "$1" --files-only --out "$IN" >"$WORK/demo.log" 2>&1 &&
        "$DAUYS" init -w "$PRISTINE" --manifest "$IN/manifest.txt" --central-key "$PUB" \
            >>"$WORK/demo.log" 2>&1 || {
        cat "$WORK/demo.log"
        echo "$0: could not make the inputs" >&2
        exit 2
    }
}

recorded_in() {
    sed -n 's/.* files in .*: \([0-9]*\) accepted, \([0-9]*\) corrections, \([0-9]*\) rejected, \([0-9]*\) replays, \([0-9]*\) conflicts, \([0-9]*\) stale,.*/\1+\2+\3+\4+\5+\6/p' "$1"
}

fresh_ws() { rm -rf "$1" && cp -a "$PRISTINE" "$1"; }

ingest_all() { "$DAUYS" ingest -q -w "$1" "$IN/incoming" "$IN/later"; }

# The rows every fault must leave whole. Each query returns 0 when all is well.
FAULT_CHECKS=(
    "log entries without their record (a submission, manifest or result)|
     SELECT (SELECT count(*) FROM log_entry) - (SELECT count(*) FROM submission)
          - (SELECT count(*) FROM manifest)
          - (SELECT count(*) FROM log_entry
              WHERE instr(CAST(entry AS TEXT), 'event: result' || char(10)) > 0)"
    "submissions whose log entry names another outcome or file|
     SELECT count(*) FROM submission s LEFT JOIN log_entry l ON l.idx = s.log_index
      WHERE l.idx IS NULL
         OR instr(CAST(l.entry AS TEXT), 'event: ' || s.outcome || char(10)) = 0
         OR instr(CAST(l.entry AS TEXT),
                  'file-sha256: ' || lower(hex(s.protocol_sha256)) || char(10)) = 0"
    "log entries out of sequence|
     SELECT count(*) FROM log_entry WHERE idx >= (SELECT count(*) FROM log_entry)"
    "Merkle leaves not matching the log|
     SELECT (SELECT count(*) FROM log_entry) - (SELECT count(*) FROM merkle_node WHERE level = 0)"
    "counting submissions without their protocol|
     SELECT count(*) FROM submission s LEFT JOIN protocol p ON p.submission = s.seq
      WHERE s.outcome IN ('accepted', 'correction') AND p.submission IS NULL"
    "protocols of a submission that does not count|
     SELECT count(*) FROM protocol p JOIN submission s ON s.seq = p.submission
      WHERE s.outcome NOT IN ('accepted', 'correction')"
    "protocols without an answer to every question|
     SELECT count(*) FROM protocol p
      WHERE (SELECT count(*) FROM protocol_answer a
              WHERE a.precinct = p.precinct AND a.version = p.version)
         != (SELECT count(*) FROM question)"
    "answers without their protocol|
     SELECT count(*) FROM protocol_answer a LEFT JOIN protocol p
         ON p.precinct = a.precinct AND p.version = a.version WHERE p.precinct IS NULL"
)

# ws_consistent NAME WS [rows]: see the top of this file. Works on copies, so
# WS is left exactly as the fault left it (but for SQLite's own recovery of it).
ws_consistent() {
    local name=$1 ws=$2 only=${3:-} check sql recount totals copy=$WORK/check
    expect_eq "$name: PRAGMA integrity_check" ok "$(q "$ws/dauys.db" 'PRAGMA integrity_check')"
    expect_eq "$name: PRAGMA foreign_key_check" '' "$(q "$ws/dauys.db" 'PRAGMA foreign_key_check')"
    for check in "${FAULT_CHECKS[@]}"; do
        sql=${check#*|}
        expect_eq "$name: no ${check%%|*}" 0 "$(q "$ws/dauys.db" "$sql")"
    done
    recount=$(q "$ws/dauys.db" "$(grep -v "^--" "$FAULT_SQL/tally_recount.sql") ORDER BY 1, 2")
    totals=$(q "$ws/dauys.db" "SELECT district, question, reporting, eligible, took_part, yes,
                               no, not_counted, invalid FROM district_total
                               WHERE reporting OR eligible OR took_part OR yes OR no
                                  OR not_counted OR invalid ORDER BY 1, 2")
    expect_eq "$name: the running totals equal a recount" "$recount" "$totals"
    [ "$only" = rows ] && return 0
    rm -rf "$copy" && cp -a "$ws" "$copy"
    expect_exit "$name: a bundle can be published" 0 '' \
        "$DAUYS" publish -w "$copy" -k "$KEY" "$copy.bundle"
    expect_exit "$name: the audit of the bundle passes" 0 '' \
        "$AUDIT" verify -p "$PUB" "$copy.bundle"
    rm -rf "$copy" "$copy.bundle"
}

ws_fingerprint() {
    local ws=$1 copy=$WORK/fingerprint
    q "$ws/dauys.db" "SELECT log_index, outcome, precinct, version, hex(protocol_sha256),
                      reason_code FROM submission ORDER BY log_index"
    q "$ws/dauys.db" "SELECT precinct, version, state FROM protocol ORDER BY 1, 2"
    rm -rf "$copy" && cp -a "$ws" "$copy"
    "$DAUYS" checkpoint -w "$copy" -k "$KEY" 2>&1 | sed -n '1,3p'
    "$DAUYS" tally -w "$copy" 2>&1
    rm -rf "$copy"
}
