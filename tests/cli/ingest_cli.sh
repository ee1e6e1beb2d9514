#!/usr/bin/env bash
# ingest_cli.sh: end-to-end test of `dauys init`, `dauys ingest` and
# `dauys status` on a small mock referendum (3 regions, 4 districts, 12
# precincts, one question on a single ballot).
#
#   usage: bash tests/cli/ingest_cli.sh /path/to/dauys /path/to/dauys-audit
#
# Every outcome an ingest can give is provoked in one directory of signed
# protocols (accepted, a warning, a correction, a conflict, bad and missing
# signatures, a key of another precinct, broken relations R1 and R4, a parse
# error, replays of another referendum and of an unknown precinct, a
# duplicate), and checked three ways: the command's exit status, summary and
# messages; the rows of WS/dauys.db (read with sqlite3); and the log, whose
# entries must agree with the rows and form an unbroken hash chain. Then: the
# same files in other orders give the same counting state, a second ingest is
# a no-op, status reports what the test computes itself, and the database
# stays consistent. dauys-audit is taken for symmetry with the other CLI tests
# and only asked for --help.
#
# Hermetic (a mktemp -d directory removed on exit), non-interactive (every
# dauys command runs under `setsid -w`, so nothing can prompt), needs bash,
# coreutils, util-linux (setsid), sqlite3, xxd and python3. About 10 s.
# Prints every failing check with the command's output, ends with
# "N passed, M failed", exits 1 if M > 0.
set -u

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 2

cli_args "$@"
SQLITE=${SQLITE3:-sqlite3}

for tool in "$SQLITE" xxd python3 setsid sha256sum; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "$0: $tool is needed" >&2
        exit 2
    fi
done

cli_workdir ingest

# --- helpers specific to this test (the shared ones are in lib.sh) -------------

run() { run_split "$@"; }

differ() { ! cmp -s "$1" "$2"; }
lacks() { [[ $1 != *"$2"* ]]; }
json_valid() { python3 -m json.tool <<<"$1" >/dev/null 2>&1; }
sha_of() { sha256sum "$1" 2>/dev/null | cut -d' ' -f1; }
hex_sha() { xxd -r -p | sha256sum | cut -d' ' -f1; }
lower() { tr 'A-F' 'a-f'; }

# copy_pair SRC DST: copies SRC (and SRC.minisig, when there is one) to DST.
copy_pair() {
    cp "$1" "$2" || return 1
    if [ -e "$1.minisig" ]; then cp "$1.minisig" "$2.minisig"; fi
}

# sign FILE PRECINCT_OR_KEY: signs FILE with keys/ID.key (or the key file given).
sign() {
    local key=$2
    [ -f "$key" ] || key=keys/$2.key
    "$DAUYS" sign "$1" -k "$key" </dev/null >/dev/null 2>&1 || echo "could not sign $1 with $key" >&2
}

# mkproto FILE REFERENDUM PRECINCT VERSION REASON ON_LIST RECEIVED ISSUED
#         CANCELLED IN_BOXES YES NO NOT_COUNTED INVALID: writes a protocol.
mkproto() {
    local f=$1
    shift
    {
        printf 'format: dauys-protocol 1\nreferendum: %s\nprecinct: %s\nversion: %s\n' "$1" "$2" "$3"
        if [ "$3" -gt 1 ]; then printf 'reason: %s\n' "$4"; fi
        printf 'citizens_on_list: %s\nballots_received: %s\nballots_issued: %s\n' "$5" "$6" "$7"
        printf 'ballots_cancelled: %s\nballots_in_boxes: %s\n' "$8" "$9"
        printf 'q1_yes: %s\nq1_no: %s\nq1_not_counted: %s\nq1_invalid: %s\n' "${10}" "${11}" "${12}" "${13}"
    } >"$f"
}

REF=kz-test-2026

# good FILE PRECINCT SEED [VERSION REASON]: a lawful protocol of this
# referendum, its numbers varied by SEED (0..99), unsigned.
good() {
    local s=$3
    mkproto "$1" "$REF" "$2" "${4:-1}" "${5:-}" 1000 800 $((700 - s)) $((100 + s)) $((700 - s)) \
        $((400 - s)) 250 30 20
}

# The state that counts, read back from a workspace's database.
current_set() { q "$1/dauys.db" "SELECT precinct || ' v' || version FROM protocol WHERE state = 'current' ORDER BY 1"; }
conflicted_set() {
    q "$1/dauys.db" "SELECT DISTINCT precinct FROM protocol x WHERE state = 'conflicted' AND NOT EXISTS
                     (SELECT 1 FROM protocol c WHERE c.precinct = x.precinct AND c.state = 'current') ORDER BY 1"
}
nsub() { q "$1/dauys.db" "SELECT count(*) FROM submission"; }
nlog() { q "$1/dauys.db" "SELECT count(*) FROM log_entry"; }

# status_row TEXT ID: "expected accepted conflict missing" from status's table.
status_row() { awk -v id="$2" '$1 == id { print $(NF - 3), $(NF - 2), $(NF - 1), $NF }' <<<"$1"; }

# json_load JSON: flattens status --json into the array J, one entry per
# scalar: J[regions.0.id]='"AST"', J[final]=true (values in JSON spelling).
# json_get PATH...: the values at PATHs, space-separated ("" if absent);
# json_place PATH: expected accepted conflicted missing of a place.
declare -A J
json_load() {
    local k v
    J=()
    while IFS='=' read -r k v; do [ -n "$k" ] && J[$k]=$v; done < <(python3 -c '
import json, sys
def walk(path, v):
    if isinstance(v, dict):
        for k, x in v.items(): walk(path + [k], x)
    elif isinstance(v, list):
        for i, x in enumerate(v): walk(path + [str(i)], x)
    else:
        print(".".join(path) + "=" + json.dumps(v))
walk([], json.load(sys.stdin))' <<<"$1" 2>/dev/null)
}
json_get() {
    local k out=''
    for k in "$@"; do out="$out${out:+ }${J[$k]:-}"; done
    printf '%s\n' "$out"
}
json_place() { json_get "$1.expected" "$1.accepted" "$1.conflicted" "$1.missing"; }

# --- keys and the manifest ------------------------------------------------------

section "keys and the manifest"

PRECINCTS=()
for r in AST ALA KAR; do
    for n in 1 2 3 4; do PRECINCTS+=("$r-000$n"); done
done
printf '%s\n' "${PRECINCTS[@]}" >ids.txt
printf 'ZZZ-0001\n' >ids-unknown.txt

expect_ok "keygen: central key" "" "$DAUYS" keygen --unencrypted -o central
expect_ok "keygen: another central key" "" "$DAUYS" keygen --unencrypted -o impostor
expect_ok "keygen: 12 precinct keys" "" "$DAUYS" keygen --unencrypted --precincts ids.txt -d keys
expect_ok "keygen: a key for a precinct outside the manifest" "" \
    "$DAUYS" keygen --unencrypted --precincts ids-unknown.txt -d keys

district_of() {
    case $1 in
    AST-*) echo AST-D1 ;;
    ALA-*) echo ALA-D1 ;;
    KAR-000[12]) echo KAR-D1 ;;
    *) echo KAR-D2 ;;
    esac
}

{
    printf 'format: dauys-manifest 1\nreferendum: %s\ntitle: Test referendum\n' "$REF"
    printf 'date: 2026-03-15\nmode: test\nversion: 1\nballot: single\n'
    printf 'question: q1 kz-constitutional Do you approve the amendments to the Constitution?\n'
    printf 'region: AST city Astana\nregion: ALA city Almaty\nregion: KAR region Karaganda region\n'
    printf 'district: AST-D1 AST Astana district\ndistrict: ALA-D1 ALA Almaty district\n'
    printf 'district: KAR-D1 KAR Karaganda district\ndistrict: KAR-D2 KAR Temirtau district\n'
    for p in "${PRECINCTS[@]}"; do
        printf 'precinct: %s %s 1000 %s Precinct %s\n' "$p" "$(district_of "$p")" \
            "$(pub_b64 "keys/$p.pub")" "$p"
    done
} >manifest.txt
sign manifest.txt central.key
check "the manifest is signed" test -s manifest.txt.minisig

# --- 1. init --------------------------------------------------------------------

section "init"

for c in init ingest status; do expect_ok "dauys $c --help" "usage: dauys $c" "$DAUYS" "$c" --help; done
expect_ok "dauys-audit --help" "usage" "$AUDIT" --help

expect_ok "init creates a workspace" "workspace created in ws1/" \
    "$DAUYS" init -w ws1 --manifest manifest.txt --central-key central.pub
check "  ... ws1/dauys.db exists" test -s ws1/dauys.db
expect_exit "a second init in the same directory fails" 2 "exists" \
    "$DAUYS" init -w ws1 --manifest manifest.txt --central-key central.pub
expect_eq "  ... and leaves the workspace as it was" 1 "$(nlog ws1)"

cp manifest.txt m-impostor.txt
sign m-impostor.txt impostor.key
expect_exit "init with a manifest signed by another key: exit 1" 1 "signature" \
    "$DAUYS" init -w ws-impostor --manifest m-impostor.txt --central-key central.pub
check "  ... creates no dauys.db" absent ws-impostor/dauys.db

cp manifest.txt m-altered.txt
sign m-altered.txt central.key
sed -i 's/^title: Test referendum$/title: Test referendum (altered)/' m-altered.txt
check "  (the altered manifest differs)" differ manifest.txt m-altered.txt
expect_exit "init with a manifest altered after signing: exit 1" 1 "signature" \
    "$DAUYS" init -w ws-altered --manifest m-altered.txt --central-key central.pub
check "  ... creates no dauys.db" absent ws-altered/dauys.db

cp manifest.txt m-unsigned.txt
expect_exit "init with no manifest signature: exit 2" 2 "m-unsigned.txt.minisig" \
    "$DAUYS" init -w ws-unsigned --manifest m-unsigned.txt --central-key central.pub
check "  ... creates no dauys.db" absent ws-unsigned/dauys.db

DB=ws1/dauys.db
expect_eq "init: PRAGMA integrity_check" ok "$(q $DB 'PRAGMA integrity_check')"
expect_eq "init: PRAGMA journal_mode is wal" wal "$(q $DB 'PRAGMA journal_mode')"
expect_eq "init: the log has exactly one entry" 1 "$(nlog ws1)"
ENTRY0=$(q $DB "SELECT entry FROM log_entry WHERE idx = 0")
check "  ... and it is the manifest's" matches "$ENTRY0" $'index: 0\nevent: manifest\n'
check "  ... naming the manifest's SHA-256" matches "$ENTRY0" "file-sha256: $(sha_of manifest.txt)"
check "  ... with zeros as previous" matches "$ENTRY0" "previous: $(printf '0%.0s' {1..64})"
expect_eq "init: the roster (regions, districts, precincts, questions)" "3 4 12 1" \
    "$(q $DB "SELECT (SELECT count(*) FROM region), (SELECT count(*) FROM district),
                     (SELECT count(*) FROM precinct), (SELECT count(*) FROM question)" | tr '|' ' ')"
expect_eq "init: the precincts' keys are the roster's" "$(for p in "${PRECINCTS[@]}"; do pub_b64 "keys/$p.pub"; done | sort)" \
    "$(q $DB 'SELECT public_key FROM precinct ORDER BY 1')"
expect_eq "init: no submissions yet" 0 "$(nsub ws1)"

# --- 2. one ingest with every outcome -----------------------------------------

section "ingest: every outcome"

mkdir in1
# accepted
for x in AST-0001:1 AST-0002:2 ALA-0001:11 ALA-0002:12; do
    good "in1/${x%%:*}.txt" "${x%%:*}" "${x#*:}"
    sign "in1/${x%%:*}.txt" "${x%%:*}"
done
good in1/KAR-0001-v1.txt KAR-0001 21
sign in1/KAR-0001-v1.txt KAR-0001
# duplicate: the same bytes and signature under another name (sorts after the original)
copy_pair in1/AST-0001.txt in1/copy-of-AST-0001.txt
# accepted with warning W1: 50 ballots issued but not in the boxes
mkproto in1/AST-0003-w1.txt $REF AST-0003 1 '' 1000 800 700 100 650 380 240 20 10
sign in1/AST-0003-w1.txt AST-0003
# bad signature: a count altered after signing
good in1/AST-0004-badsig.txt AST-0004 4
sign in1/AST-0004-badsig.txt AST-0004
sed -i 's/^q1_no: 250$/q1_no: 251/' in1/AST-0004-badsig.txt
# replay: another referendum, signed by the right precinct
mkproto in1/AST-0004-otherref.txt kz-other-2025 AST-0004 1 '' 1000 800 700 100 700 400 250 30 20
sign in1/AST-0004-otherref.txt AST-0004
# signed with another precinct's key
good in1/ALA-0003-wrongkey.txt ALA-0003 13
sign in1/ALA-0003-wrongkey.txt ALA-0004
# R1: received 800 != issued 700 + cancelled 50
mkproto in1/ALA-0004-R1.txt $REF ALA-0004 1 '' 1000 800 700 50 700 400 250 30 20
sign in1/ALA-0004-R1.txt ALA-0004
# correction: version 2 with a reason (sorts after version 1)
good in1/KAR-0001-v2.txt KAR-0001 22 2 "recount in the presence of observers"
sign in1/KAR-0001-v2.txt KAR-0001
# R4: yes + no + not counted + invalid = 701 != 700 in the boxes
mkproto in1/KAR-0002-R4.txt $REF KAR-0002 1 '' 1000 800 700 100 700 401 250 30 20
sign in1/KAR-0002-R4.txt KAR-0002
# conflict: two different version-1 protocols, both properly signed
good in1/KAR-0003-a.txt KAR-0003 23
good in1/KAR-0003-b.txt KAR-0003 24
sign in1/KAR-0003-a.txt KAR-0003
sign in1/KAR-0003-b.txt KAR-0003
# no signature file
good in1/KAR-0004-nosig.txt KAR-0004 25
# malformed: the ballots_cancelled line (line 8) is missing; properly signed
good in1/KAR-0004-malformed.txt KAR-0004 26
sed -i '/^ballots_cancelled: /d' in1/KAR-0004-malformed.txt
sign in1/KAR-0004-malformed.txt KAR-0004
# replay: a precinct not in the manifest
good in1/ZZZ-0001-unknown.txt ZZZ-0001 27
sign in1/ZZZ-0001-unknown.txt ZZZ-0001

# neither a protocol nor an error: a hidden file (ignored) and a subdirectory (skipped)
printf 'notes\n' >in1/.notes
mkdir in1/subdir

NFILES=$(find in1 -type f ! -name '*.minisig' ! -name '.*' | wc -l)
check "  (18 protocol files, 17 signed)" \
    test "$NFILES,$(find in1 -name '*.minisig' | wc -l)" = "18,17"

expect_exit "ingest of the directory: exit 1 (something was rejected)" 1 \
    "18 files in * s: 7 accepted, 1 corrections, 6 rejected, 2 replays, 1 conflicts, 0 stale, 1 duplicates; 1 warnings" \
    "$DAUYS" ingest -w ws1 in1
REASONS=$(grep '^reasons:' <<<"$STDOUT" | sed 's/^reasons://' | tr ',' '\n' | sed 's/^ *//' | sort | tr '\n' ';')
expect_eq "  ... the reasons line counts each code" \
    "R1 1;R4 1;conflict 1;parse 1;precinct 1;referendum 1;signature 3;" "$REASONS"
expect_stdout "  ... says the log now has 18 entries" "the log now has 18 entries"
expect_stdout "  ... counts the subdirectory as skipped" "1 directory entries skipped (not regular files)"
check "  ... and ignores the hidden file" lacks "$OUT" .notes

# The expected submission rows: FILE OUTCOME CODE PRECINCT VERSION ('-': NULL).
EXPECTED_ROWS="
ALA-0001.txt accepted - ALA-0001 1
ALA-0002.txt accepted - ALA-0002 1
ALA-0003-wrongkey.txt rejected signature ALA-0003 1
ALA-0004-R1.txt rejected R1 ALA-0004 1
AST-0001.txt accepted - AST-0001 1
AST-0002.txt accepted - AST-0002 1
AST-0003-w1.txt accepted - AST-0003 1
AST-0004-badsig.txt rejected signature AST-0004 1
AST-0004-otherref.txt replay referendum AST-0004 1
KAR-0001-v1.txt accepted - KAR-0001 1
KAR-0001-v2.txt correction - KAR-0001 2
KAR-0002-R4.txt rejected R4 KAR-0002 1
KAR-0003-a.txt accepted - KAR-0003 1
KAR-0003-b.txt conflict conflict KAR-0003 1
KAR-0004-malformed.txt rejected parse KAR-0004 1
KAR-0004-nosig.txt rejected signature KAR-0004 1
ZZZ-0001-unknown.txt replay precinct ZZZ-0001 1"
ROWS=$(q $DB "SELECT source, outcome, ifnull(reason_code, '-'), ifnull(precinct, '-'),
                     ifnull(version, '-') FROM submission ORDER BY seq" | tr '|' ' ')
while read -r file outcome code precinct version; do
    [ -n "$file" ] || continue
    got=$(grep "^in1/$file " <<<"$ROWS")
    expect_eq "submission $file: $outcome ($code)" "in1/$file $outcome $code $precinct $version" "$got"
    case $outcome in
    accepted | correction) expect_no_stderr "  ... not named on stderr" "in1/$file" ;;
    *) check "  ... named on stderr as $outcome" matches "$STDERR" "$outcome: in1/$file" ;;
    esac
done <<<"$EXPECTED_ROWS"
expect_eq "17 submission rows, in input (sorted) order" \
    "$(grep -v '^$' <<<"$EXPECTED_ROWS" | cut -d' ' -f1 | sed 's|^|in1/|')" \
    "$(cut -d' ' -f1 <<<"$ROWS")"
check "the stderr line of a rejection gives precinct, version, code and reason" matches "$STDERR" \
    "rejected: in1/ALA-0004-R1.txt (precinct ALA-0004, version 1): [R1] ballots received 800 != issued 700 + cancelled 50"
expect_stderr "the duplicate is reported on stderr" "duplicate: in1/copy-of-AST-0001.txt"
expect_stderr "  ... naming the submission it repeats" "the same bytes as submission #*(accepted)"
expect_eq "  ... and adds no row (one row has its bytes)" 1 \
    "$(q $DB "SELECT count(*) FROM submission WHERE lower(hex(protocol_sha256)) = '$(sha_of in1/AST-0001.txt)'")"
expect_eq "the stale count is 0 and no submission is stale" 0 \
    "$(q $DB "SELECT count(*) FROM submission WHERE outcome = 'stale'")"

# Reasons in detail.
reason_of() { q $DB "SELECT reason FROM submission WHERE source = 'in1/$1'"; }
check "the parse error's reason has LINE: (as protocol:LINE:, no local path)" \
    matches "$(reason_of KAR-0004-malformed.txt)" "protocol:8: "
check "  ... and no local path, so the log can be re-derived from the files" \
    test -z "$(reason_of KAR-0004-malformed.txt | grep -F in1/)"
check "  ... and names the missing field" matches "$(reason_of KAR-0004-malformed.txt)" "ballots_cancelled"
check "the wrong key's reason names the precinct" matches "$(reason_of ALA-0003-wrongkey.txt)" \
    "not signed by precinct ALA-0003's key"
check "the missing signature's reason says so" matches "$(reason_of KAR-0004-nosig.txt)" "no readable signature file"
check "the replay's reason names both referendums" matches "$(reason_of AST-0004-otherref.txt)" \
    "kz-other-2025*$REF"
check "the unknown precinct's reason names it" matches "$(reason_of ZZZ-0001-unknown.txt)" \
    "ZZZ-0001 is not in the manifest"
check "the R4 reason gives the sum" matches "$(reason_of KAR-0002-R4.txt)" "= 701 != ballots in the boxes 700"
check "the conflict's reason names the earlier log entry" matches "$(reason_of KAR-0003-b.txt)" \
    "version 1 was already received with different content (log entry $(q $DB "SELECT log_index FROM submission WHERE source = 'in1/KAR-0003-a.txt'"))"
expect_eq "accepted rows have no reason" "" \
    "$(q $DB "SELECT source FROM submission WHERE outcome IN ('accepted', 'correction') AND (reason IS NOT NULL OR reason_code IS NOT NULL)")"

# Counting state.
expect_eq "protocol rows: the accepted versions and their states" \
    "ALA-0001 1 current
ALA-0002 1 current
AST-0001 1 current
AST-0002 1 current
AST-0003 1 current
KAR-0001 1 superseded
KAR-0001 2 current
KAR-0003 1 conflicted" \
    "$(q $DB "SELECT precinct, version, state FROM protocol ORDER BY 1, 2" | tr '|' ' ')"
expect_eq "the correction: v1 from KAR-0001-v1.txt superseded, v2 from KAR-0001-v2.txt current" \
    "in1/KAR-0001-v1.txt superseded;in1/KAR-0001-v2.txt current;" \
    "$(q $DB "SELECT s.source, p.state FROM protocol p JOIN submission s ON s.seq = p.submission
              WHERE p.precinct = 'KAR-0001' ORDER BY p.version" | tr '|\n' ' ;')"
expect_eq "the conflict: KAR-0003 has no current row" 0 \
    "$(q $DB "SELECT count(*) FROM protocol WHERE precinct = 'KAR-0003' AND state = 'current'")"
expect_eq "one answer row per accepted version" 8 "$(q $DB 'SELECT count(*) FROM protocol_answer')"
expect_eq "the answers are the protocol's numbers (KAR-0001 v2)" "1000|800|678|122|678|378|250|30|20" \
    "$(q $DB "SELECT on_list, received, issued, cancelled, in_boxes, yes, no, not_counted, invalid
              FROM protocol JOIN protocol_answer USING (precinct, version)
              WHERE precinct = 'KAR-0001' AND version = 2 AND question = 'q1'")"
expect_eq "the warning: one W1 row, on AST-0003-w1.txt" "in1/AST-0003-w1.txt W1" \
    "$(q $DB "SELECT s.source, w.code FROM warning w JOIN submission s ON s.seq = w.submission" | tr '|' ' ')"
check "  ... its message gives the numbers" matches "$(q $DB 'SELECT message FROM warning')" \
    "50 ballots issued but not found in the boxes"
expect_eq "rejected, replayed and conflicting files store no numbers" "" \
    "$(q $DB "SELECT s.source FROM protocol p JOIN submission s ON s.seq = p.submission
              WHERE s.outcome NOT IN ('accepted', 'correction')")"
expect_eq "the unsigned file is stored with no signature" "1 1" \
    "$(q $DB "SELECT signature IS NULL, signature_sha256 IS NULL FROM submission
              WHERE source = 'in1/KAR-0004-nosig.txt'" | tr '|' ' ')"

# --- 3. the database and the log agree ------------------------------------------

section "the database and the log agree"

# check_log WS: the log of workspace WS against itself, its submissions and
# the files on disk. Entries, stored protocols and signatures are written out
# with sqlite3's writefile() and hashed with one sha256sum each.
check_log() {
    local ws=$1 db=$1/dauys.db dir=$WORK/.check-$1 zeros want got bad seq src outcome lidx psha fsha entry
    local -a lines
    local -A file_sha
    if [ ! -f "$db" ]; then
        fail_value "$ws: the log can be checked" "there is no $db"
        return
    fi
    rm -rf "$dir" && mkdir -p "$dir/e" "$dir/p" "$dir/s"
    expect_eq "$ws: log entries = 1 + submissions" "$(q "$db" 'SELECT count(*) + 1 FROM submission')" "$(nlog "$ws")"
    expect_eq "$ws: log indexes run 0..n-1" "$(q "$db" 'SELECT count(*) - 1 FROM log_entry')" \
        "$(q "$db" 'SELECT max(idx) FROM log_entry')"
    q "$db" "SELECT writefile('$dir/e/' || idx, entry) FROM log_entry;
             SELECT writefile('$dir/p/' || seq, protocol) FROM submission;
             SELECT writefile('$dir/s/' || seq, signature) FROM submission WHERE signature IS NOT NULL" >/dev/null
    # log_entry.sha256 = SHA-256(entry)
    (cd "$dir/e" && sha256sum -- *) | awk '{ print $2, $1 }' | sort -n >"$dir/entry.sha"
    expect_eq "$ws: log_entry.sha256 is SHA-256 of each entry" "$(cat "$dir/entry.sha")" \
        "$(q "$db" "SELECT idx || ' ' || lower(hex(sha256)) FROM log_entry ORDER BY idx")"
    # the chain: entry i's previous is SHA-256 of entry i-1; entry 0's is zeros
    zeros=$(printf '0%.0s' {1..64})
    want=$( (echo "0 $zeros" && awk '{ print $1 + 1, $2 }' "$dir/entry.sha") | sort -n | head -n "$(nlog "$ws")")
    got=$(cd "$dir/e" && grep -H '^previous: ' -- * | sed 's/:previous: / /' | sort -n)
    expect_eq "$ws: the hash chain holds (previous = SHA-256 of the entry before)" "$want" "$got"
    expect_eq "$ws: every entry starts with its format and its index" "" \
        "$(cd "$dir/e" && awk '{ f = FILENAME; sub(/^\.\//, "", f) }
                               FNR == 1 && $0 != "format: dauys-log 1" { print f }
                               FNR == 2 && $0 != "index: " f { print f }' ./*)"
    # every submission against its log entry and the file it came from
    while read -r fsha src; do file_sha[$src]=$fsha; done < <(
        q "$db" 'SELECT source FROM submission' | tr '\n' '\0' | xargs -0 sha256sum -- 2>/dev/null)
    bad=''
    while IFS='|' read -r seq src outcome lidx psha; do
        [ -n "$seq" ] || continue
        fsha=${file_sha[$src]:-missing}
        [ "$psha" = "$fsha" ] || bad="$bad#$seq ($src): protocol_sha256 $psha, the file's $fsha"$'\n'
        lines=()
        [ -f "$dir/e/$lidx" ] && mapfile -t lines <"$dir/e/$lidx"
        printf -v entry '\n%s' "${lines[@]}"
        entry=$entry$'\n'
        [[ $entry == *$'\n'"event: $outcome"$'\n'* ]] || bad="$bad#$seq ($src): entry $lidx lacks event: $outcome"$'\n'
        [[ $entry == *$'\n'"file-sha256: $fsha"$'\n'* ]] || bad="$bad#$seq ($src): entry $lidx lacks file-sha256: $fsha"$'\n'
        case $outcome in
        accepted | correction) [[ $entry != *$'\n'"reason: "* ]] || bad="$bad#$seq: entry $lidx has a reason"$'\n' ;;
        *) [[ $entry == *$'\n'"reason: "* ]] || bad="$bad#$seq: entry $lidx has no reason"$'\n' ;;
        esac
    done < <(q "$db" 'SELECT seq, source, outcome, log_index, lower(hex(protocol_sha256)) FROM submission ORDER BY seq')
    expect_eq "$ws: each submission's log entry names its outcome and its file's SHA-256" "" "$bad"
    # the bytes kept in the database
    expect_eq "$ws: the stored protocols hash to protocol_sha256" \
        "$(q "$db" "SELECT seq || ' ' || lower(hex(protocol_sha256)) FROM submission ORDER BY seq")" \
        "$( (cd "$dir/p" && sha256sum -- *) | awk '{ print $2, $1 }' | sort -n)"
    expect_eq "$ws: the stored signatures hash to signature_sha256" \
        "$(q "$db" "SELECT seq || ' ' || lower(hex(signature_sha256)) FROM submission WHERE signature IS NOT NULL ORDER BY seq")" \
        "$( (cd "$dir/s" && sha256sum -- * 2>/dev/null) | awk '{ print $2, $1 }' | sort -n)"
    expect_eq "$ws: the stored signatures are the .minisig files beside the protocols" \
        "$(q "$db" "SELECT lower(hex(signature_sha256)) || '  ' || source || '.minisig' FROM submission
                    WHERE signature IS NOT NULL ORDER BY seq")" \
        "$(q "$db" "SELECT source || '.minisig' FROM submission WHERE signature IS NOT NULL ORDER BY seq" |
            tr '\n' '\0' | xargs -0 sha256sum -- 2>&1)"
    expect_eq "$ws: log indexes of submissions are distinct and not 0" "" \
        "$(q "$db" 'SELECT log_index FROM submission WHERE log_index = 0 OR log_index IN
                    (SELECT log_index FROM submission GROUP BY log_index HAVING count(*) > 1)')"
    rm -rf "$dir"
}
check_log ws1
E=$(q $DB "SELECT entry FROM log_entry WHERE idx = (SELECT log_index FROM submission WHERE source = 'in1/KAR-0004-nosig.txt')")
check "the unsigned file's entry says signature-sha256: none" matches "$E" $'signature-sha256: none\n'
check "  ... and still names the precinct and version its header claims" matches "$E" $'\nprecinct: KAR-0004\nversion: 1\n'
E=$(q $DB "SELECT entry FROM log_entry WHERE idx = (SELECT log_index FROM submission WHERE source = 'in1/ALA-0004-R1.txt')")
check "the R1 entry gives precinct, version and reason" matches "$E" \
    $'event: rejected\nreferendum: '"$REF"$'\nprecinct: ALA-0004\nversion: 1\n*reason: R1 ballots received 800'
E=$(q $DB "SELECT entry FROM log_entry WHERE idx = (SELECT log_index FROM submission WHERE source = 'in1/KAR-0001-v2.txt')")
check "the correction's entry is event: correction, version 2" matches "$E" $'event: correction\n*version: 2\n'

# --- 4. the order of arrival does not change what counts ------------------------

section "order independence"

WANT_CURRENT=$(current_set ws1)
WANT_CONFLICTED=$(conflicted_set ws1)
expect_eq "ws1: the current versions" \
    "$(printf '%s\n' 'ALA-0001 v1' 'ALA-0002 v1' 'AST-0001 v1' 'AST-0002 v1' 'AST-0003 v1' 'KAR-0001 v2')" \
    "$WANT_CURRENT"
expect_eq "ws1: the conflicted precincts" KAR-0003 "$WANT_CONFLICTED"

# (a) one file per ingest, in reverse order
expect_ok "init ws2" "" "$DAUYS" init -w ws2 --manifest manifest.txt --central-key central.pub
rcs=""
for f in $(find in1 -type f ! -name '*.minisig' ! -name '.*' | sort -r); do
    run "$DAUYS" ingest -w ws2 "$f"
    rcs="$rcs$RC"
done
expect_eq "ws2 (one file per ingest, reverse order): exit codes" "011101101110001100" "$rcs"
expect_eq "ws2: the same current versions" "$WANT_CURRENT" "$(current_set ws2)"
expect_eq "ws2: the same conflicted precincts" "$WANT_CONFLICTED" "$(conflicted_set ws2)"
expect_eq "ws2: version 1 of KAR-0001 arrived after version 2: stale" "stale stale" \
    "$(q ws2/dauys.db "SELECT outcome, reason_code FROM submission WHERE source = 'in1/KAR-0001-v1.txt'" | tr '|' ' ')"
expect_eq "ws2: the copy came first, so the original is the duplicate" "in1/copy-of-AST-0001.txt" \
    "$(q ws2/dauys.db "SELECT source FROM submission WHERE precinct = 'AST-0001'")"
expect_eq "ws2: KAR-0003-b came first, so -a is the conflict" "conflict" \
    "$(q ws2/dauys.db "SELECT outcome FROM submission WHERE source = 'in1/KAR-0003-a.txt'")"
check_log ws2

# (b) shuffled into two directories, the second one ingested first
mkdir dA dB
i=0
for f in $(find in1 -type f ! -name '*.minisig' ! -name '.*' | sort); do
    i=$((i + 1))
    if [ $((i % 2)) -eq 0 ]; then copy_pair "$f" "dA/${f#in1/}"; else copy_pair "$f" "dB/${f#in1/}"; fi
done
expect_ok "init ws3" "" "$DAUYS" init -w ws3 --manifest manifest.txt --central-key central.pub
expect_exit "ws3: ingest dB" 1 "" "$DAUYS" ingest -w ws3 dB
expect_exit "ws3: ingest dA" 1 "" "$DAUYS" ingest -w ws3 dA
expect_eq "ws3 (two directories, the second first): the same current versions" "$WANT_CURRENT" "$(current_set ws3)"
expect_eq "ws3: the same conflicted precincts" "$WANT_CONFLICTED" "$(conflicted_set ws3)"
expect_eq "ws3: the same number of submissions" "$(nsub ws1)" "$(nsub ws3)"

# (c) the same directory on one verification thread: the same rows exactly
expect_ok "init ws4" "" "$DAUYS" init -w ws4 --manifest manifest.txt --central-key central.pub
expect_exit "ws4: ingest -j 1" 1 "18 files" "$DAUYS" ingest -w ws4 -j 1 in1
ROWS_SQL="SELECT seq, source, outcome, ifnull(reason_code, ''), ifnull(reason, ''), log_index,
                 hex(protocol_sha256) FROM submission ORDER BY seq"
expect_eq "ws4 (-j 1): the same submission rows as ws1" "$(q $DB "$ROWS_SQL")" "$(q ws4/dauys.db "$ROWS_SQL")"
expect_eq "ws4: the same protocol rows" "$(q $DB 'SELECT * FROM protocol ORDER BY 1, 2')" \
    "$(q ws4/dauys.db 'SELECT * FROM protocol ORDER BY 1, 2')"
expect_eq "ws4: the same log entries, byte for byte" "$(q $DB 'SELECT hex(entry) FROM log_entry ORDER BY idx' | sha256sum)" \
    "$(q ws4/dauys.db 'SELECT hex(entry) FROM log_entry ORDER BY idx' | sha256sum)"

# --- 5. idempotence -------------------------------------------------------------

section "idempotence"

N_SUB=$(nsub ws1) N_LOG=$(nlog ws1)
expect_ok "ingesting the same directory again: exit 0 (duplicates only)" \
    "18 files in * s: 0 accepted, 0 corrections, 0 rejected, 0 replays, 0 conflicts, 0 stale, 18 duplicates; 0 warnings" \
    "$DAUYS" ingest -w ws1 in1
expect_stdout "  ... the log still has 18 entries" "the log now has 18 entries"
check "  ... every file is reported as a duplicate" test "$(grep -c '^duplicate: in1/' <<<"$STDERR")" -eq 18
expect_eq "  ... no new submission rows" "$N_SUB" "$(nsub ws1)"
expect_eq "  ... no new log entries" "$N_LOG" "$(nlog ws1)"
expect_eq "  ... the counting state unchanged" "$WANT_CURRENT" "$(current_set ws1)"
expect_ok "ingesting one accepted file again with -q: exit 0, nothing on stderr" "1 duplicates" \
    "$DAUYS" ingest -w ws1 -q in1/AST-0002.txt
expect_eq "  ... stderr is empty" "" "$STDERR"
expect_exit "ingesting a path that does not exist: exit 2" 2 "in1/no-such-file" \
    "$DAUYS" ingest -w ws1 in1/no-such-file
expect_eq "  ... no new log entries" "$N_LOG" "$(nlog ws1)"
# Ten times each: a failure path that touches uninitialised memory may crash
# only now and then (address-space layout), so once is not enough.
for c in "status" "status --json" "ingest in1/AST-0002.txt"; do
    read -ra args <<<"$c"
    got=''
    for i in 1 2 3 4 5 6 7 8 9 10; do
        run "$DAUYS" "${args[0]}" -w in1 "${args[@]:1}"
        if [ "$RC" = 2 ] && matches "$OUT" "in1: no workspace here"; then got="$got ok"; else got="$got exit-$RC"; fi
    done
    expect_eq "dauys $c -w in1 (not a workspace): exit 2 and \"no workspace here\", 10 times out of 10" \
        " ok ok ok ok ok ok ok ok ok ok" "$got"
done
check "  ... creates no database there" absent in1/dauys.db

# --- 6. status --------------------------------------------------------------------

section "status"

# What status must say, computed here from the outcomes above:
#   AST: 4 expected; 0001, 0002, 0003 accepted; 0004 missing (bad signature, replay)
#   ALA: 4 expected; 0001, 0002 accepted; 0003 (wrong key), 0004 (R1) missing
#   KAR: 4 expected; 0001 accepted (v2); 0003 in conflict; 0002 (R4), 0004 missing
expect_ok "status" "PROVISIONAL" "$DAUYS" status -w ws1
expect_stdout "  ... names the referendum and the log" "Test referendum ($REF), log dauys/$REF/test with 18 entries"
expect_eq "  ... AST: expected accepted conflict missing" "4 3 0 1" "$(status_row "$STDOUT" AST)"
expect_eq "  ... ALA" "4 2 0 2" "$(status_row "$STDOUT" ALA)"
expect_eq "  ... KAR" "4 1 1 2" "$(status_row "$STDOUT" KAR)"
expect_eq "  ... national" "12 6 1 5" "$(status_row "$STDOUT" national)"
expect_eq "  ... regions in manifest order" "AST ALA KAR" \
    "$(awk '$1 ~ /^(AST|ALA|KAR)$/ { printf "%s%s", sep, $1; sep = " " }' <<<"$STDOUT")"
expect_stdout "  ... submissions by outcome" \
    "submissions: 7 accepted, 1 corrections, 6 rejected, 2 replays, 1 conflicts, 0 stale; 1 warnings"

expect_ok "status --json" "" "$DAUYS" status -w ws1 --json
JSON=$STDOUT
check "  ... parses with python3 -m json.tool" json_valid "$JSON"
json_load "$JSON"
expect_eq "  ... national: expected accepted conflicted missing" "12 6 1 5" "$(json_place national)"
expect_eq "  ... regions" '"AST" 4 3 0 1;"ALA" 4 2 0 2;"KAR" 4 1 1 2' \
    "$(for i in 0 1 2; do echo "$(json_get regions.$i.id) $(json_place regions.$i)"; done | tr '\n' ';' | sed 's/;$//')"
expect_eq "  ... no fourth region" "" "$(json_get regions.3.id)"
expect_eq "  ... final is false" false "$(json_get final)"
expect_eq "  ... referendum and origin" "\"$REF\" \"dauys/$REF/test\"" "$(json_get referendum origin)"
expect_eq "  ... submissions" "7 1 6 2 1 0" "$(json_get submissions.accepted submissions.correction \
    submissions.rejected submissions.replay submissions.conflict submissions.stale)"
expect_eq "  ... warnings and log size" "1 18" "$(json_get warnings log_size)"

# Every precinct gets an accepted protocol; KAR-0003's conflict is resolved by a version 2.
mkdir in2
good in2/AST-0004.txt AST-0004 31
good in2/ALA-0003.txt ALA-0003 32
good in2/ALA-0004.txt ALA-0004 33
good in2/KAR-0002.txt KAR-0002 34
good in2/KAR-0003-v2.txt KAR-0003 35 2 "the two version-1 protocols disagreed; recount"
good in2/KAR-0004.txt KAR-0004 36
for f in in2/*.txt; do
    p=${f#in2/}
    sign "$f" "${p:0:8}"
done
expect_ok "ingest of the missing protocols and the correction: exit 0" \
    "6 files in * s: 5 accepted, 1 corrections, 0 rejected, 0 replays, 0 conflicts, 0 stale, 0 duplicates" \
    "$DAUYS" ingest -w ws1 in2
expect_eq "  ... stderr is empty" "" "$STDERR"
expect_eq "KAR-0003: version 2 current, version 1 still conflicted" "1 conflicted;2 current;" \
    "$(q $DB "SELECT version, state FROM protocol WHERE precinct = 'KAR-0003' ORDER BY 1" | tr '|\n' ' ;')"
expect_eq "every precinct has exactly one current version" "12 12" \
    "$(q $DB "SELECT count(*), count(DISTINCT precinct) FROM protocol WHERE state = 'current'" | tr '|' ' ')"
expect_ok "status when every precinct has reported" "every precinct has an accepted protocol" \
    "$DAUYS" status -w ws1
check "  ... no longer PROVISIONAL" test "${STDOUT/PROVISIONAL/}" = "$STDOUT"
for r in AST ALA KAR; do
    expect_eq "  ... $r" "4 4 0 0" "$(status_row "$STDOUT" $r)"
done
expect_eq "  ... national" "12 12 0 0" "$(status_row "$STDOUT" national)"
expect_stdout "  ... submissions" "submissions: 12 accepted, 2 corrections, 6 rejected, 2 replays, 1 conflicts, 0 stale; 1 warnings"
expect_ok "status --json when every precinct has reported" "" "$DAUYS" status -w ws1 --json
JSON=$STDOUT
check "  ... parses with python3 -m json.tool" json_valid "$JSON"
json_load "$JSON"
expect_eq "  ... final is true" true "$(json_get final)"
expect_eq "  ... national" "12 12 0 0" "$(json_place national)"
for i in 0 1 2; do expect_eq "  ... region $i" "4 4 0 0" "$(json_place regions.$i)"; done
expect_eq "  ... log size" 24 "$(json_get log_size)"
check_log ws1

# --- 7. duplicates and resubmissions ---------------------------------------------

section "duplicates and resubmissions"

# A duplicate is the same protocol and signature files again, or the same
# protocol bytes as a version that already counts. The same bytes after a
# rejection for their signature (missing, or another precinct's key) are a
# new submission: otherwise anyone holding a protocol's text could block it
# by submitting it first without a valid signature.
expect_ok "init ws5" "" "$DAUYS" init -w ws5 --manifest manifest.txt --central-key central.pub
mkdir in5
good in5/AST-0001.txt AST-0001 41
good in5/ALA-0001.txt ALA-0001 42
sign in5/ALA-0001.txt ALA-0002
expect_exit "ws5: an unsigned and a wrongly signed protocol are rejected" 1 "2 rejected" \
    "$DAUYS" ingest -w ws5 in5
expect_eq "  ... both for their signature" "signature signature" \
    "$(q ws5/dauys.db "SELECT reason_code FROM submission ORDER BY seq" | tr '\n' ' ' | sed 's/ $//')"
expect_ok "  ... again, unchanged: duplicates, exit 0" "2 duplicates" "$DAUYS" ingest -w ws5 in5
expect_eq "  ... adding no rows" 2 "$(nsub ws5)"
mkdir in5b
cp in5/AST-0001.txt in5/ALA-0001.txt in5b/
sign in5b/AST-0001.txt AST-0001
sign in5b/ALA-0001.txt ALA-0001
expect_ok "the same protocols, now properly signed: accepted" \
    "2 files in * s: 2 accepted, 0 corrections, 0 rejected, 0 replays, 0 conflicts, 0 stale, 0 duplicates" \
    "$DAUYS" ingest -w ws5 in5b
expect_eq "  ... and they count" "ALA-0001 v1;AST-0001 v1" "$(current_set ws5 | tr '\n' ';' | sed 's/;$//')"
expect_eq "  ... each protocol has two rows, one per signature file" "2 2" \
    "$(q ws5/dauys.db "SELECT count(*) FROM submission GROUP BY protocol_sha256 ORDER BY 1" | tr '\n' ' ' | sed 's/ $//')"
cp in5b/AST-0001.txt in5-resigned.txt
"$DAUYS" sign in5-resigned.txt -k keys/AST-0001.key -t "signed again" >/dev/null 2>&1
check "  (a second signature of the same protocol)" differ in5b/AST-0001.txt.minisig in5-resigned.txt.minisig
expect_ok "the counting protocol with another valid signature: a duplicate" "1 duplicates" \
    "$DAUYS" ingest -w ws5 in5-resigned.txt
expect_stderr "  ... naming the accepted submission" "duplicate: in5-resigned.txt (precinct AST-0001, version 1): the same bytes as submission #*(accepted)"
expect_eq "  ... adding no rows" 4 "$(nsub ws5)"
check_log ws5

# --- 8. the databases are sound -------------------------------------------------

section "database consistency"

for ws in ws1 ws2 ws3 ws4 ws5; do
    expect_eq "$ws: PRAGMA integrity_check" ok "$(q $ws/dauys.db 'PRAGMA integrity_check')"
    expect_eq "$ws: PRAGMA foreign_key_check is empty" "" "$(q $ws/dauys.db 'PRAGMA foreign_key_check')"
done

# --- 9. secret keys never enter the log (issue 15, item 7) -----------------------

section "secret keys are refused, and nothing of them is recorded"

# leaks FILE...: names each FILE that holds the central secret key in any form
# ingest could have kept: its base64 line, its 158 bytes, or the SHA-256 of
# the key file (hex, as in a log entry, or binary, as in a row).
leaks() {
    python3 - central.key "$@" <<'PY'
import base64, hashlib, sys
key = open(sys.argv[1], 'rb').read()
line = key.split(b'\n')[1]
sha = hashlib.sha256(key)
needles = [line, base64.b64decode(line), sha.hexdigest().encode(), sha.digest()]
for name in sys.argv[2:]:
    data = open(name, 'rb').read()
    if any(n in data for n in needles):
        print(name)
PY
}

expect_ok "init ws-secret" "" "$DAUYS" init -w ws-secret --manifest manifest.txt --central-key central.pub
mkdir in-secret
good in-secret/AST-0001.txt AST-0001 51
sign in-secret/AST-0001.txt AST-0001
ln central.key in-secret/AST-0002.txt # a hard link planted among the protocols
good in-secret/ALA-0001.txt ALA-0001 52
ln central.key in-secret/ALA-0001.txt.minisig # and as a protocol's signature file
expect_exit "ingest of a directory holding the central secret key, and of the key's own path: exit 2" \
    2 "4 files in * s: 1 accepted, 0 corrections, 1 rejected, 0 replays, 0 conflicts, 0 stale, 0 duplicates, 3 SECRET KEYS REFUSED" \
    "$DAUYS" ingest -w ws-secret central.key in-secret
expect_stderr "  ... refuses the planted hard link, saying what it is" \
    "refused: in-secret/AST-0002.txt: [secret-key] the file is a minisign secret key"
expect_stderr "  ... and the key named as a path" "refused: central.key: [secret-key] the file is a minisign secret key"
expect_stderr "  ... rejects the protocol whose signature file is the key, saying so" \
    "rejected: in-secret/ALA-0001.txt (precinct ALA-0001, version 1): [signature] the signature file is a minisign secret key"
expect_stderr "  ... and tells the operator what to do" \
    "3 minisign secret key files refused (as protocols or signature files): nothing of them was recorded; move secret keys out of the protocols' directories"
expect_eq "  ... records the two protocols, nothing for the keys" \
    "in-secret/ALA-0001.txt rejected signature;in-secret/AST-0001.txt accepted ;" \
    "$(q ws-secret/dauys.db "SELECT source, outcome, ifnull(reason_code, '') FROM submission ORDER BY seq" | tr '|\n' ' ;')"
expect_eq "  ... the rejected protocol's signature is none, in its row and its log entry" "1 1" \
    "$(q ws-secret/dauys.db "SELECT signature IS NULL AND signature_sha256 IS NULL, instr(entry, 'signature-sha256: none')
                             > 0 FROM submission JOIN log_entry ON idx = log_index WHERE source = 'in-secret/ALA-0001.txt'" | tr '|' ' ')"
expect_eq "  ... no trace of the key in the workspace's files" "" "$(leaks ws-secret/*)"
q ws-secret/dauys.db "SELECT entry FROM log_entry ORDER BY idx" >secret-log.txt
expect_eq "  ... nor in the log" "" "$(leaks secret-log.txt)"
expect_ok "publish ws-secret" "published to bundle-secret/" \
    "$DAUYS" publish -w ws-secret -k central.key bundle-secret
expect_eq "  ... no trace of the key in any file of the bundle" "" \
    "$(find bundle-secret -type f -print0 | xargs -0 bash -c "$(declare -f leaks); leaks \"\$@\"" _)"
check "  (the search would find it: it finds the key in the key file)" test "$(leaks central.key)" = central.key
expect_ok "  ... and the bundle passes the audit" "all checks pass" "$AUDIT" verify -p central.pub bundle-secret
expect_exit "the protocols again: duplicates, the signature file refused again (exit 2)" 2 \
    "2 duplicates, 1 SECRET KEYS REFUSED" \
    "$DAUYS" ingest -w ws-secret in-secret/AST-0001.txt in-secret/ALA-0001.txt
expect_stderr "  ... the duplicate's line says its signature file is a secret key" \
    "duplicate: in-secret/ALA-0001.txt (precinct ALA-0001, version 1): the same bytes as submission #1 (rejected); its signature file is a minisign secret key"

# --- 10. a file over the limit is read only so far (issue 15, item 8) --------------

section "a file over the limit"

expect_ok "init ws-large" "" "$DAUYS" init -w ws-large --manifest manifest.txt --central-key central.pub
mkdir in-large
good in-large/AST-0001.txt AST-0001 53
head -c 70000 /dev/urandom >>in-large/AST-0001.txt
expect_exit "ingest of a 70 KB protocol: rejected, too-large" 1 "[too-large]" \
    "$DAUYS" ingest -w ws-large in-large
expect_eq "  ... its log entry's file-sha256 is that of the first 65537 bytes, as the reason says" "1 1" \
    "$(q ws-large/dauys.db "SELECT instr(entry, 'file-sha256: $(head -c 65537 in-large/AST-0001.txt | sha256sum | cut -d' ' -f1)') > 0,
                            instr(reason, 'only its first 65537 bytes were read') > 0
                            FROM submission JOIN log_entry ON idx = log_index" | tr '|' ' ')"

# --- 11. one order for all the inputs (issue 15, item 9) --------------------------

section "one order, whatever the order of the arguments"

# dA and dB (section 4) hold in1's files between them. Four spellings of the
# same set: two argument orders, directories with a trailing slash, and the
# files one by one in reverse order.
for n in 1 2 3 4; do
    expect_ok "init ws-order$n" "" "$DAUYS" init -w ws-order$n --manifest manifest.txt --central-key central.pub
done
run "$DAUYS" ingest -w ws-order1 dA dB
run "$DAUYS" ingest -w ws-order2 dB dA
run "$DAUYS" ingest -w ws-order3 dB/ dA//
mapfile -t ORDER_FILES < <(find dA dB -type f ! -name '*.minisig' | sort -r)
run "$DAUYS" ingest -w ws-order4 "${ORDER_FILES[@]}"
LOG_SQL="SELECT hex(entry) FROM log_entry ORDER BY idx"
SOURCE_SQL="SELECT source FROM submission ORDER BY seq"
expect_eq "  (the log has an entry for each file but the duplicate)" 18 "$(nlog ws-order1)"
for n in 2 3 4; do
    expect_eq "ws-order$n: the same log as ws-order1, byte for byte" \
        "$(q ws-order1/dauys.db "$LOG_SQL" | sha256sum)" "$(q ws-order$n/dauys.db "$LOG_SQL" | sha256sum)"
    expect_eq "ws-order$n: the same sources, in the same order" \
        "$(q ws-order1/dauys.db "$SOURCE_SQL")" "$(q ws-order$n/dauys.db "$SOURCE_SQL")"
done
expect_eq "  ... in byte order of the paths" "$(q ws-order1/dauys.db "$SOURCE_SQL" | LC_ALL=C sort)" \
    "$(q ws-order1/dauys.db "$SOURCE_SQL")"

# --- 12. a read-only workspace (issue 15, item 10) -----------------------------------

section "a read-only workspace"

# The workspace is made read-only with chmod. Modes do not stop root, so as
# root the commands run without any capability (setpriv: root then meets the
# modes as the files' owner; still uid 0, so valgrind's logs can be written
# as usual). When that cannot be done the checks below fail and say why.
RO=()
if [ "$(id -u)" = 0 ]; then
    RO=(setpriv --bounding-set -all --inh-caps -all)
fi
ro_copy() { # ro_copy SRC DST: a copy of the workspace SRC, read-only to that user
    cp -r "$1" "$2" && chmod -R a+rX,a-w "$2"
}
ro_copy ws1 ws-ro
check "the test's user may run dauys (${RO[*]:-this user})" "${RO[@]}" "$DAUYS" --help >/dev/null
check "  ... and may not write in the read-only copy (else this test proves nothing)" \
    bash -c '! "$@" touch ws-ro/probe 2>/dev/null' _ "${RO[@]}"
for c in "status" "status --json" "status --missing" "tally" "tally --json" "proof --entry 3" "proof --consistency 2"; do
    read -ra args <<<"$c"
    run "$DAUYS" "${args[0]}" -w ws1 "${args[@]:1}"
    want=$STDOUT
    expect_ok "dauys $c on the read-only workspace: exit 0" "" "${RO[@]}" "$DAUYS" "${args[0]}" -w ws-ro "${args[@]:1}"
    expect_eq "  ... the same output as on the writable one" "$want" "$STDOUT"
done
check "  ... and nothing was written there" test -z "$(find ws-ro -newer ws-ro/dauys.db ! -path ws-ro)"
# numbers of options are read by core/decimal: 2^64 once became 2^64 - 1 (issue 16)
expect_exit "proof --entry 2^64 is refused as not a number" 2 \
    '--entry: "18446744073709551616" is not a number' \
    "$DAUYS" proof -w ws1 --entry 18446744073709551616
expect_exit "dauys ingest on the read-only workspace: exit 2, saying it is read-only" 2 \
    "ws-ro: the workspace is read-only: ws-ro* cannot be written (Permission denied)" \
    "${RO[@]}" "$DAUYS" ingest -w ws-ro in2
expect_exit "dauys update-manifest on it: exit 2, the same" 2 "ws-ro: the workspace is read-only" \
    "${RO[@]}" "$DAUYS" update-manifest -w ws-ro --manifest manifest.txt
expect_exit "dauys checkpoint on it: exit 2, the same" 2 "ws-ro: the workspace is read-only" \
    "${RO[@]}" "$DAUYS" checkpoint -w ws-ro -k central.key
expect_eq "  ... and the log is as it was" "$(nlog ws1)" "$(nlog ws-ro)"

# A workspace whose write-ahead log holds a change not yet in dauys.db (a
# copy taken while a writer had it open): with its -shm beside it, the
# change is read; without, the command fails and says why rather than show
# the older state.
python3 - ws1/dauys.db ws-wal <<'PY'
import os, shutil, sqlite3, sys
os.mkdir(sys.argv[2])
shutil.copy(sys.argv[1], sys.argv[2])
db = sqlite3.connect(os.path.join(sys.argv[2], 'dauys.db'))
db.execute('PRAGMA wal_autocheckpoint=0')
db.execute("UPDATE submission SET outcome = 'stale' WHERE seq = (SELECT max(seq) FROM submission WHERE outcome = 'rejected')")
db.commit()
os._exit(0) # no close: the change stays in dauys.db-wal
PY
check "  (the change is in ws-wal/dauys.db-wal, with its -shm)" test -s ws-wal/dauys.db-wal -a -s ws-wal/dauys.db-shm
cp -r ws-wal ws-wal-noshm && rm ws-wal-noshm/dauys.db-shm
chmod -R a+rX,a-w ws-wal ws-wal-noshm
expect_ok "status on a read-only workspace with changes in its -wal: exit 0" "" "${RO[@]}" "$DAUYS" status -w ws-wal
expect_stdout "  ... and it shows the change" "5 rejected, 2 replays, 1 conflicts, 1 stale"
expect_exit "status on one whose -wal cannot be read (no -shm, none can be made): exit 2" 2 \
    "ws-wal-noshm/dauys.db: the workspace is read-only here, and its write-ahead log (ws-wal-noshm/dauys.db-wal) holds changes" \
    "${RO[@]}" "$DAUYS" status -w ws-wal-noshm
chmod -R u+w ws-ro ws-wal ws-wal-noshm # for the cleanup

# --- summary ----------------------------------------------------------------------

summary
