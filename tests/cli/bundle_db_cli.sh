#!/usr/bin/env bash
# bundle_db_cli.sh: the bundle's dauys.db against C3 (issue 15, item 2).
#
#   usage: bash tests/cli/bundle_db_cli.sh /path/to/dauys /path/to/dauys-audit
#
# A demo referendum of 300 precincts (dauys demo: corrections, a conflict, a
# stale version, rejections, a replay) is published. Then:
#   1. the issue's attack: a question's profile changed to
#      custom:m>9/10:of=took-part in the database's manifest text and question
#      table. `dauys tally -w` on a copy of the bundle then says NOT ADOPTED
#      against the signed result; the audit must fail C3 naming the manifest
#      row's text column and the question row's profile column;
#   2. one edit of every table and column a dauys command reads (FORMATS.md
#      19.2, "The bundle's database"), each on a fresh copy of the database:
#      C3, and only C3, fails, naming the table, the row and the column;
#   3. a correction with a warning (W1) is ingested and published: the
#      warning rows are compared with the findings the numbers give;
#   4. the columns no command reads (submission.source, precinct.name,
#      checkpoint.note) may change: the audit still passes;
#   5. a reason the log cut or made one line is shipped as the log has it,
#      and the audit passes (publish writes the log's copy into the bundle).
#
# Needs bash, coreutils, util-linux (setsid), sqlite3. Prints every failing
# check, ends with "N passed, M failed", exits 1 if M > 0.
set -u

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 2

cli_args "$@"
for tool in sqlite3 setsid; do
    command -v "$tool" >/dev/null 2>&1 || { echo "$0: $tool is needed" >&2; exit 2; }
done
cli_workdir bundle-db
run() { run_split "$@"; }

section "a published demo referendum"
"$DAUYS" demo --precincts 300 --out demo >demo.log 2>&1 || { cat demo.log; exit 2; }
PUB=$WORK/demo/keys/central.pub
cp demo/bundle/dauys.db pristine.db
expect_ok "the genuine bundle passes" 'all checks pass' "$AUDIT" verify -p "$PUB" demo/bundle

# tampered SQL PATTERN...: the bundle with its dauys.db edited by SQL must
# fail C3 alone, with every PATTERN among the findings.
tampered() {
    local sql=$1 pat
    shift
    cp pristine.db demo/bundle/dauys.db
    sqlite3 demo/bundle/dauys.db "$sql" || { fail_value "$sql" "the edit failed"; return; }
    run "$AUDIT" verify -p "$PUB" demo/bundle
    CMD="$sql"
    if [ "$RC" != 1 ]; then
        fail "C3 catches: $sql" "expected exit 1, got $RC"
        return
    fi
    for pat in "$@"; do
        if matches "$OUT" "$pat"; then pass; else fail "C3 catches: $sql" "no finding \"$pat\""; fi
    done
    if printf '%s\n' "$OUT" | grep '^FAIL ' | grep -qv '^FAIL C3 '; then
        fail "C3 catches: $sql" "a check other than C3 failed"
    else
        pass
    fi
}

# untouched SQL: an edit of a column no command reads; the audit passes.
untouched() {
    cp pristine.db demo/bundle/dauys.db
    sqlite3 demo/bundle/dauys.db "$1" || { fail_value "$1" "the edit failed"; return; }
    expect_ok "not read, not compared: $1" 'all checks pass' "$AUDIT" verify -p "$PUB" demo/bundle
}

section "the issue's attack: a question's profile in manifest and question"
ATTACK="UPDATE manifest SET text = CAST(replace(CAST(text AS TEXT), 'question: q1 kz-constitutional ',
            'question: q1 custom:m>9/10:of=took-part ') AS BLOB);
        UPDATE question SET profile = 'custom:m>9/10:of=took-part' WHERE id = 'q1'"
cp pristine.db demo/bundle/dauys.db
sqlite3 demo/bundle/dauys.db "$ATTACK"
rm -rf copy && cp -a demo/bundle copy
run "$DAUYS" tally -w copy
expect_stdout "the attack matters: dauys tally -w on a copy of the bundle" 'NOT ADOPTED'
check "  ... against a signed result that says adopted" grep -qx 'adopted: yes' demo/bundle/result.txt
tampered "$ATTACK" 'FAIL C3 dauys.db manifest of entry 0: column text' \
    'FAIL C3 dauys.db question q1: column profile'

section "every table and column a dauys command reads"
D1="(SELECT min(id) FROM district)" P1="(SELECT min(id) FROM precinct)"
R1="(SELECT id FROM region WHERE position = 0)"
ACC="(SELECT min(log_index) FROM submission WHERE outcome = 'accepted')"
REJ="(SELECT min(log_index) FROM submission WHERE outcome = 'rejected')"
PRC="(SELECT precinct FROM protocol WHERE state = 'superseded')"
tampered "UPDATE meta SET value = 'dauys/x/test' WHERE key = 'origin'" 'FAIL C3 dauys.db meta origin: column value'
tampered "UPDATE meta SET value = '2' WHERE key = 'schema_version'" 'FAIL C3 dauys.db meta schema_version: column value'
tampered "INSERT INTO meta VALUES ('zz', '1')" 'FAIL C3 dauys.db meta: has 6 rows'
tampered "UPDATE manifest SET signature = signature || x'0a'" 'FAIL C3 dauys.db manifest of entry 0: column signature'
tampered "UPDATE manifest SET version = 2" 'FAIL C3 dauys.db manifest of entry 0: column version'
tampered "UPDATE manifest SET text_sha256 = zeroblob(32)" 'column text_sha256'
tampered "UPDATE question SET text = 'Another question?'" 'FAIL C3 dauys.db question q1: column text'
tampered "UPDATE question SET position = 7" 'FAIL C3 dauys.db question q1: column position'
tampered "UPDATE region SET name = 'Atlantis' WHERE id = $R1" 'column name: not what the manifest in force gives'
tampered "UPDATE region SET kind = 'abroad' WHERE id = $R1" 'column kind'
tampered "DELETE FROM region WHERE position = 19" 'FAIL C3 dauys.db region: has 19 rows'
tampered "UPDATE district SET precincts = precincts + 1 WHERE id = $D1" 'column precincts'
tampered "UPDATE district SET region = 'AST' WHERE id = $D1" 'column region'
tampered "UPDATE district SET name = 'Elsewhere' WHERE id = $D1" 'column name'
tampered "UPDATE precinct SET voters = voters * 1000 WHERE id = $P1" 'column voters'
tampered "UPDATE precinct SET public_key = 'AAAA' WHERE id = $P1" 'column public_key'
tampered "UPDATE precinct SET district = 'X' WHERE id = $P1" 'column district'
tampered "INSERT INTO precinct SELECT id || 'x', district, region, voters, public_key, name FROM precinct
          WHERE id = $P1" 'column id: not in the manifest in force' 'FAIL C3 dauys.db precinct: has 301 rows'
tampered "UPDATE submission SET outcome = 'rejected' WHERE log_index = $ACC" 'column outcome'
tampered "UPDATE submission SET seq = seq + 1000 WHERE log_index = (SELECT max(log_index) FROM submission)" 'column seq'
tampered "UPDATE submission SET protocol = CAST(replace(CAST(protocol AS TEXT), 'yes:', 'yes: ') AS BLOB)
          WHERE log_index = $ACC" 'column protocol'
tampered "UPDATE submission SET signature = NULL WHERE log_index = $ACC" 'column signature'
tampered "UPDATE submission SET precinct = 'ALM-0001' WHERE log_index = $REJ" 'column precinct'
tampered "UPDATE submission SET version = 9 WHERE log_index = $ACC" 'column version'
tampered "UPDATE submission SET reason_code = 'R1' WHERE log_index = $REJ" 'column reason_code'
tampered "UPDATE submission SET reason = 'all fine' WHERE log_index = $REJ" 'column reason'
tampered "UPDATE submission SET manifest_version = 2 WHERE log_index = $ACC" 'column manifest_version'
tampered "UPDATE submission SET signature_sha256 = NULL WHERE log_index = $ACC" 'column signature_sha256'
tampered "UPDATE protocol SET on_list = on_list + 1 WHERE submission = 1" 'FAIL C3 dauys.db protocol of entry 1: column on_list'
tampered "UPDATE protocol SET state = 'conflicted' WHERE state = 'superseded'" 'column state: the log leaves the protocol of entry'
tampered "UPDATE protocol SET state = 'superseded' WHERE state = 'conflicted'" 'column state'
tampered "UPDATE protocol SET version = 5 WHERE precinct = $PRC AND state = 'superseded'" 'column version'
tampered "UPDATE protocol_answer SET received = received + 1 WHERE precinct = $P1" \
    'column received'
tampered "UPDATE protocol_answer SET issued = issued + 1 WHERE precinct = $P1" 'column issued'
tampered "UPDATE protocol_answer SET cancelled = cancelled + 1 WHERE precinct = $P1" 'column cancelled'
tampered "UPDATE protocol_answer SET in_boxes = in_boxes + 1 WHERE precinct = $P1" 'column in_boxes'
tampered "UPDATE protocol_answer SET not_counted = not_counted + 1 WHERE precinct = $P1" 'column not_counted'
tampered "UPDATE protocol_answer SET invalid = invalid + 1 WHERE precinct = $P1" 'column invalid'
tampered "UPDATE protocol_answer SET yes = yes + 1, no = no - 1 WHERE precinct = $PRC" 'column yes, no'
tampered "INSERT INTO warning VALUES (1, 'W1', 'odd')" 'has 1 warning rows; its numbers give 0'
tampered "UPDATE log_entry SET sha256 = zeroblob(32) WHERE idx = 3" 'FAIL C3 dauys.db log_entry 3: differs' 'column sha256'
tampered "UPDATE merkle_node SET hash = zeroblob(32) WHERE level = 2 AND idx = 1" \
    'FAIL C3 dauys.db merkle_node level 2 idx 1: column hash'
tampered "DELETE FROM merkle_node WHERE level = 0 AND idx = 5" 'FAIL C3 dauys.db merkle_node level 0 idx 5'
tampered "INSERT INTO merkle_node VALUES (40, 0, zeroblob(32))" 'dauys.db merkle_node has'
tampered "UPDATE checkpoint SET root = zeroblob(32)" 'FAIL C3 dauys.db checkpoint size' 'column root'
tampered "INSERT INTO checkpoint VALUES (5, zeroblob(32), 'x')" 'FAIL C3 dauys.db checkpoint size 5: column root'
tampered "UPDATE district_total SET yes = yes + 1 WHERE district = $D1" 'FAIL C3 dauys.db district_total'
tampered "CREATE TRIGGER later AFTER INSERT ON log_entry BEGIN DELETE FROM protocol; END" \
    'FAIL C3 dauys.db schema trigger later: not one dauys creates'
tampered "DROP INDEX precinct_region" 'FAIL C3 dauys.db schema index precinct_region: missing'

section "warnings: a correction with W1 (23 ballots missing from the boxes)"
rm -rf ws1 && cp -a demo/workspace ws1 && mkdir w1
printf '%s\n' 'format: dauys-protocol 1' 'referendum: kz-2026-demo' 'precinct: ABA-0001' 'version: 2' \
    'reason: recount' 'citizens_on_list: 1203' 'ballots_received: 1250' 'ballots_issued: 923' \
    'ballots_cancelled: 327' 'ballots_in_boxes: 900' 'q1_yes: 575' 'q1_no: 320' \
    'q1_not_counted: 1' 'q1_invalid: 4' >w1/ABA-0001-v2.txt
"$DAUYS" sign -k demo/keys/precincts/ABA-0001.key w1/ABA-0001-v2.txt >/dev/null 2>&1
"$DAUYS" ingest -q -w ws1 w1 >/dev/null 2>&1
expect_ok "publish with the warning" 'published to' "$DAUYS" publish -w ws1 -k demo/keys/central.key b1
expect_eq "the bundle has one warning, W1" W1 "$(sqlite3 b1/dauys.db 'SELECT code FROM warning')"
expect_ok "the audit passes: the warning is the one the numbers give" 'all checks pass' \
    "$AUDIT" verify -p "$PUB" b1
cp b1/dauys.db pristine.db
rm -rf demo/bundle && mv b1 demo/bundle
tampered "UPDATE warning SET message = 'nothing odd'" 'warning 1 (columns code, message)'
tampered "UPDATE warning SET code = 'W4'" 'warning 1 (columns code, message)'
tampered "DELETE FROM warning" 'has 0 warning rows; its numbers give 1'

section "what no dauys command reads"
untouched "UPDATE submission SET source = '/elsewhere/file.txt'"
untouched "UPDATE precinct SET name = 'Another name'"
untouched "UPDATE checkpoint SET note = 'not read'"

section "a reason the log cut: the bundle ships the log's copy"
rm -rf ws2 && cp -a demo/workspace ws2
long=$(printf 'x%.0s' $(seq 600))
sqlite3 ws2/dauys.db "UPDATE submission SET reason = reason || '$long' || char(10) || 'line two'
                      WHERE log_index = (SELECT min(log_index) FROM submission WHERE reason IS NOT NULL)"
expect_ok "publish from a workspace with a long, two-line reason" 'published to' \
    "$DAUYS" publish -w ws2 -k demo/keys/central.key b2
expect_eq "the bundle's reasons are the log's" 0 "$(sqlite3 b2/dauys.db "SELECT count(*) FROM submission
    WHERE reason LIKE '%line two%' OR length(reason) > 400")"
expect_ok "and the audit passes" 'all checks pass' "$AUDIT" verify -p "$PUB" b2
summary
