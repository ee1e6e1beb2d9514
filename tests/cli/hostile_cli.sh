#!/usr/bin/env bash
# hostile_cli.sh: end-to-end test of bad input and hostile strings (issue 7):
# a corpus of hostile files, each given to the command that reads it.
#
#   usage: bash tests/cli/hostile_cli.sh /path/to/dauys /path/to/dauys-audit
#
# Every hostile file is made here from a small demo (`dauys demo --precincts
# 20`) by editing its good files, and signed again with the demo's own keys
# whenever the point is to get past the signature check to the parser. The
# corpus is the table CORPUS below, one line per case; the script runs each
# case once, prints how many it ran and fails if that is fewer than 50 or if
# a case of the table did not run.
#
# For each case it asserts the exit status that docs/FORMATS.md gives (1: a
# rejection, a bad signature, an audit finding; 2: an operational error), a
# message naming the file and, where the format has lines, the line and the
# field, and that the output is safe for a terminal: no control byte but TAB
# and LF, no C1 control (U+0080-U+009F, U+009B is CSI), no bidi control,
# only valid UTF-8.
# And that nothing else is affected: the hostile protocols are ingested in
# one directory together with good ones; the good ones are accepted, each
# hostile one gets a recorded outcome with its reason (a row of the
# submission table and a log entry: never dropped silently), the database
# passes PRAGMA integrity_check and keeps its tables after the SQL
# metacharacters, a second ingest is a no-op, no byte of the central secret
# key reaches the database or the bundle, and `dauys publish` then
# `dauys-audit verify` of the result pass. A refused manifest leaves no
# workspace (init) or the workspace as it was (update-manifest); a refused
# CSV leaves no output directory; the audit writes nothing, even for archive
# members named ../ or /.
#
# Hermetic (a mktemp -d directory removed on exit), non-interactive (every
# command runs under `setsid -w` with nothing on stdin; the two that could
# wait on a FIFO also under `timeout`), no sleeps. Needs bash, coreutils,
# util-linux (setsid), sed, iconv, sqlite3 and python3 (tar surgery). About
# 40 s with the gcc build, 100 s with ASan (2 busy cores). Prints every failing check with the command's
# output, ends with "N passed, M failed", exits 1 if M > 0.
set -u

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 2

cli_args "$@"
SQLITE=${SQLITE3:-sqlite3}
PYTHON=${PYTHON3:-python3}
CSV_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../data/it-2026" && pwd)/municipalities.csv
for tool in "$SQLITE" "$PYTHON" setsid timeout iconv mkfifo truncate sha256sum; do
    command -v "$tool" >/dev/null 2>&1 || { echo "$0: $tool is needed" >&2; exit 2; }
done
[ -f "$CSV_SRC" ] || { echo "$0: $CSV_SRC is needed" >&2; exit 2; }

cli_workdir hostile
run() { run_split "$@"; }

# --- the corpus -------------------------------------------------------------------

# ID, the command that reads the hostile input, and what the input is.
CORPUS=$(
    cat <<'EOF'
P01 ingest an empty protocol file (0 bytes)
P02 ingest a protocol of only spaces, a TAB and empty lines
P03 ingest a protocol over the 64 KiB limit
P04 ingest an oversized line: a 60,000-byte precinct id (file under the limit)
P05 ingest a NUL byte inside a count
P06 ingest invalid UTF-8 (a lone 0xff) in a count
P07 ingest an overlong UTF-8 encoding of '/' (0xc0 0xaf) in the precinct id
P08 ingest a UTF-16 surrogate encoded in UTF-8 (0xed 0xa0 0x80) in the referendum
P09 ingest a UTF-8 byte-order mark before the first line
P10 ingest CRLF line ends
P11 ingest no LF after the last line
P12 ingest a count with a '+' sign
P13 ingest a count with a '-' sign
P14 ingest a count with a leading zero
P15 ingest a count of 2^63
P16 ingest a count of 2^64
P17 ingest a count of 5,000 digits
P18 ingest a count of 10^12 + 1, just over the limit
P19 ingest version 0
P20 ingest version 2^32
P21 ingest version 2^64
P22 ingest SQL metacharacters in the precinct id
P23 ingest SQL metacharacters in the referendum id
P24 ingest SQL metacharacters in a correction's reason (lawful free text: accepted, stored verbatim)
P25 ingest SQL metacharacters in the file name (a good protocol: accepted, name recorded verbatim)
P26 ingest a line after the last count
P27 ingest a duplicated key (q1_yes twice)
P28 ingest a missing field (no q1_invalid)
P29 ingest a precinct id of 65 bytes
P30 ingest an unknown key in place of a known one
P31 ingest a terminal escape sequence (ESC [31m) in a count
P32 ingest a C1 control (U+009B, CSI) in a count
P33 ingest a file name with OSC and CSI escape sequences, BEL and a newline
P34 ingest a TAB between key and value
P35 ingest two spaces after the colon
P36 ingest a space before the colon
P37 ingest a lone CR inside a line
P38 ingest path traversal in the precinct id (../../etc/passwd)
P39 ingest a homoglyph precinct id (Cyrillic A)
P40 ingest a protocol that is a symbolic link (in a directory)
P41 ingest a .minisig that is a symbolic link to the central secret key
P42 ingest a directory where a protocol is expected
P43 ingest a directory where a .minisig is expected
P44 ingest a .minisig over the 9295-byte limit
P45 ingest an empty .minisig
P46 ingest a NUL byte in a .minisig
P47 ingest a UTF-8 byte-order mark in a .minisig
P48 ingest a .minisig with a fifth line
P49 ingest a .minisig with CRLF line ends (tolerated, FORMATS section 1: accepted)
P50 ingest a FIFO in a directory
P51 ingest a FIFO named on the command line
P52 ingest path traversal in the ingested path (in/../elsewhere/FILE)
P53 ingest SQL metacharacters in a .minisig's trusted comment (validly signed: accepted, stored verbatim)
P54 ingest a symbolic link named on the command line (refused: not followed)
M01 init an empty manifest, signed
M02 init a manifest of only whitespace, signed
M03 init a UTF-8 byte-order mark before the first line
M04 init CRLF line ends
M05 init a NUL byte in the title
M06 init invalid UTF-8 in a precinct's name
M07 init a duplicated header key (title twice)
M08 init a precinct listed twice
M09 init a voters count with a '+' sign
M10 init a voters count of 2^64
M11 init a version with a leading zero
M12 init SQL metacharacters in a precinct id
M13 init SQL metacharacters in the title (lawful free text: accepted, stored verbatim)
M14 init a terminal escape sequence in the title
M15 init a C1 control (U+009B) in the mode
M16 init a manifest over the 512 MiB limit (sparse)
M17 init an oversized line: a title of 100,000 bytes
M18 init a directory where the manifest is expected
M19 init a directory where the manifest's .minisig is expected
M20 init a directory where the central public key is expected
M21 update-manifest a version with a leading zero
M22 update-manifest a version of 2^32
M23 update-manifest the version line twice
M24 update-manifest an empty line among the precincts
M25 update-manifest a UTF-8 byte-order mark
M26 init an empty .minisig beside the manifest (named as the fault's file)
M27 init a .minisig over the 9295-byte limit beside the manifest (a bad signature: exit 1)
W01 status a directory where the workspace's dauys.db is expected
W02 status a dauys.db of random bytes
W03 status an empty dauys.db
W04 ingest -w naming a regular file
K01 sign -k naming a directory
K02 sign -k naming a symbolic link to the key
K03 sign -k a key readable by group and others (0644)
K04 sign -k an empty key file
K05 sign -k a key with a UTF-8 byte-order mark
K06 sign -k a key file over the 9295-byte limit
K07 sign -k two keys in one file (duplicated lines)
K08 sign -k a NUL byte in the key's base64
K09 sign -k an scrypt cost of 2^40 (asked before any password)
K10 sign -k a key in non-canonical base64
K11 sign a directory
K12 sign a FIFO
K13 sign a file whose .minisig is a symbolic link (the link is replaced, its target untouched)
K14 verify -p naming a directory
K15 verify -p a public key with its key line twice
K16 verify -p a public key with an unknown algorithm
K17 verify -P a key string with an escape sequence and a C1 control
K18 verify -x naming a directory
K19 verify -x an empty signature file
K20 verify -x a UTF-8 byte-order mark in the signature
K21 verify -x a NUL byte in the signature
K22 verify -x a signature file over the 9295-byte limit
K23 verify -x a signature with a fifth line
K24 verify -x an untrusted comment of 1001 bytes
K25 verify -x a trusted comment of 8001 bytes
K26 verify -x CRLF line ends (tolerated, FORMATS section 1)
K27 verify a FIFO
K28 verify a trusted comment holding OSC, CSI and C1 escape sequences (validly signed)
C01 import-csv an empty file
C02 import-csv a header and no rows
C03 import-csv a UTF-8 byte-order mark (skipped: accepted)
C04 import-csv a count with a '+' sign
C05 import-csv a count with a leading zero
C06 import-csv a count of 2^64
C07 import-csv path traversal in a precinct id (ids become file names)
C08 import-csv SQL metacharacters in a name (lawful: written verbatim)
C09 import-csv an escape sequence and a BEL in a name (control bytes become spaces)
C10 import-csv invalid UTF-8 in a name
C11 import-csv a quoted field never closed
C12 import-csv a stray quote
C13 import-csv more than 256 fields
C14 import-csv a precinct id twice
C15 import-csv a directory where the CSV is expected
C16 import-csv -o a directory that is not empty
C17 import-csv a NUL byte inside a count (was read as a shorter number)
C18 import-csv a NUL byte inside a precinct id (was cut short)
A01 audit-verify a bundle file named with OSC and CSI escape sequences
A02 audit-verify a bundle file named with invalid UTF-8 and a C1 control (text and --json)
A03 audit-verify a protocol's .minisig that is a symbolic link to /etc/passwd
A04 audit-verify a directory where a protocol is expected
A05 audit-verify a directory where log/entries.txt is expected
A06 audit-verify a directory where dauys.db is expected
A07 audit-verify a dauys.db of random bytes
A08 audit-verify an empty dauys.db
A09 audit-verify path traversal in protocols/index.tsv
A10 audit-verify SQL metacharacters in protocols/index.tsv
A11 audit-verify a CR in protocols/index.tsv
A12 audit-verify a UTF-8 byte-order mark in protocols/index.tsv
A13 audit-verify a 2 MB line in protocols/index.tsv
A14 audit-verify a version of 2^64 in protocols/index.tsv
A15 audit-verify a log entry with index 2^64
A16 audit-verify a NUL byte in result.txt
A17 audit-verify -p naming a directory
A18 archive a bundle holding a symbolic link
T01 audit-verify an archive member named ../evil.txt
T02 audit-verify an archive member with an absolute name
T03 audit-verify an archive member protocols/../../evil in the protocol run
T04 audit-verify an archive member named with escape sequences
T05 audit-verify a symbolic-link member in place of a protocol
T06 audit-verify a hard-link member in place of central.pub
T07 audit-verify a pax header naming ../../../pax-evil
T08 audit-verify a member header whose checksum is wrong
T09 audit-verify a member whose size runs past the end (checksum made right)
T10 audit-verify an archive cut inside a member
T11 audit-verify an archive without its end blocks
T12 audit-verify a first member header that is damaged
T13 audit-verify an empty archive file
T14 audit-verify a FIFO as the archive
T15 audit-verify 100 KB of random bytes as the archive
R01 audit-check a receipt with a UTF-8 byte-order mark
R02 audit-check a receipt with CRLF line ends
R03 audit-check a receipt index of 2^64
R04 audit-check a receipt index of 2^63
R05 audit-check a receipt index of -1
R06 audit-check a receipt index with a leading zero
R07 audit-check a receipt size of 29 digits
R08 audit-check a receipt with 70 hashes
R09 audit-check an empty receipt
R10 audit-check a terminal escape sequence in a receipt's hash
R11 audit-check a receipt over its size limit
R12 audit-check a directory where the receipt is expected
R13 audit-check a directory where the protocol is expected
R14 audit-check a NUL byte in the receipt's log entry
R15 audit-check a checkpoint with a UTF-8 byte-order mark
R16 audit-check a checkpoint with CRLF line ends
EOF
)

declare -A CASE_WHAT=() CASE_RAN=()
CASE_ORDER=()
while read -r id what; do
    [ -n "$id" ] || continue
    CASE_WHAT[$id]=$what
    CASE_ORDER+=("$id")
done <<<"$CORPUS"

# hcase ID: starts the corpus case ID (it must be in the table, and runs once);
# HC is then the prefix of its checks' names.
hcase() {
    if [ -z "${CASE_WHAT[$1]:-}" ]; then
        fail_value "corpus case $1" "is not in the corpus table"
    elif [ -n "${CASE_RAN[$1]:-}" ]; then
        fail_value "corpus case $1" "runs twice"
    fi
    CASE_RAN[$1]=1
    HC="$1 (${CASE_WHAT[$1]:-?})"
}
# hmore ID: more checks of the case ID, which has run.
hmore() { HC="$1 (${CASE_WHAT[$1]:-?})"; }

# --- helpers ------------------------------------------------------------------------

# clean TEXT: safe for a terminal: no control byte but TAB and LF, no C1
# control, no bidi control (U+061C, U+200E, U+200F, U+202A-U+202E,
# U+2066-U+2069), valid UTF-8.
clean() {
    local t=${1//[$'\t\n']/}
    [[ $t != *[$'\x01'-$'\x1f'$'\x7f']* && $t != *$'\xc2'[$'\x80'-$'\x9f']* ]] &&
        [[ $t != *$'\xd8\x9c'* && $t != *$'\xe2\x80'[$'\x8e'$'\x8f'$'\xaa'-$'\xae']* ]] &&
        [[ $t != *$'\xe2\x81'[$'\xa6'-$'\xa9']* ]] &&
        { [[ $t != *[$'\x80'-$'\xff']* ]] || iconv -f UTF-8 -t UTF-8 <<<"$t" >/dev/null 2>&1; }
}

# hexit NAME CODE PATTERN CMD...: expect_exit, and the output is clean.
hexit() {
    expect_exit "$@"
    check "$1: the output is safe for a terminal (no raw control bytes, C1 or bad UTF-8)" clean "$OUT"
}

# hex TEXT: its bytes in upper-case hex (as SQLite's hex()); shown TEXT: as
# dauys shows untrusted text, C0 controls but TAB and DEL as '?'. No processes.
hex() {
    local i x out=''
    for ((i = 0; i < ${#1}; i++)); do printf -v x '%02X' "'${1:i:1}" && out+=$x; done
    printf '%s' "$out"
}
shown() { printf '%s' "${1//[$'\x01'-$'\x08'$'\x0a'-$'\x1f'$'\x7f']/?}"; }
sha_of() { sha256sum "$1" | cut -d' ' -f1; }
same_file() { cmp -s "$1" "$2"; }

# sign FILE KEY: signs FILE (FILE.minisig) with the secret key file KEY.
sign() { "$DAUYS" sign "$1" -k "$2" </dev/null >/dev/null 2>&1 || echo "could not sign $1 with $2" >&2; }

# edit SRC DST SED-SCRIPT: DST is SRC edited by GNU sed (\xHH escapes allowed).
edit() { sed -e "$3" "$1" >"$2"; }

# row SOURCE: "outcome code" of the submission ingested from the path SOURCE.
row() {
    q "$DB" "SELECT outcome || ' ' || ifnull(reason_code, '-') FROM submission
             WHERE hex(source) = '$(hex "$1")'"
}
tables() { q "$1" "SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name)"; }
nsub() { q "$1/dauys.db" "SELECT count(*) FROM submission"; }
nlog() { q "$1/dauys.db" "SELECT count(*) FROM log_entry"; }

# --- set-up: a small demo -----------------------------------------------------------------

section "set-up: a demo of 20 precincts"

expect_ok "dauys demo --precincts 20" "all checks pass" "$DAUYS" demo --precincts 20 --out demo
PK=demo/keys/precincts
CENTRAL_PUB=$WORK/demo/keys/central.pub CENTRAL_KEY=$WORK/demo/keys/central.key
MANIFEST=demo/manifest.txt
TPL=demo/incoming/AST-0002.txt TPL_KEY=$PK/AST-0002.key
check "the demo's template protocol and keys are there" test -s "$TPL" -a -s "$TPL_KEY" -a -s "$CENTRAL_KEY"
# 60 base64 characters of the central key's id and secret seed (offset 54 on)
CENTRAL_SECRET=$(sed -n 2p "$CENTRAL_KEY" | cut -c73-132)
check "the central secret key is unencrypted (the test can look for its bytes)" \
    test "$(head -1 "$CENTRAL_KEY")" = "untrusted comment: dauys UNENCRYPTED secret key" -a ${#CENTRAL_SECRET} -eq 60

# --- 1. protocols: one directory of hostile files and good ones --------------------------

section "ingest: hostile protocols beside good ones"

expect_ok "init ws" "workspace created" "$DAUYS" init -w ws --manifest "$MANIFEST" --central-key "$CENTRAL_PUB"
expect_ok "init fresh (a workspace to compare tables with)" "" \
    "$DAUYS" init -w fresh --manifest "$MANIFEST" --central-key "$CENTRAL_PUB"
DB=ws/dauys.db
TABLES=$(tables fresh/dauys.db)
check "a workspace has its tables" matches "$TABLES" "log_entry*submission"

mkdir in elsewhere
for p in ABA-0001 AKT-0001 ALA-0001; do cp "demo/incoming/$p.txt" "demo/incoming/$p.txt.minisig" in/; done
GOOD="ABA-0001 AKT-0001 ALA-0001"

# Expectations, one per hostile file: case, file, outcome, reason code, reason pattern.
EXP_CASE=() EXP_FILE=() EXP_OUT=() EXP_CODE=() EXP_PAT=() EXP_HEADER=()
# expect CASE FILE OUTCOME CODE PATTERN [PRECINCT]: the FILE of in/ must get
# OUTCOME; its header names PRECINCT (default AST-0002; "-": unreadable).
expect() {
    EXP_CASE+=("$1") EXP_FILE+=("in/$2") EXP_OUT+=("$3") EXP_CODE+=("$4") EXP_PAT+=("$5")
    EXP_HEADER+=("${6:-AST-0002}")
}
# hostile CASE NAME SED-SCRIPT CODE PATTERN [-]: in/NAME is the template
# edited, signed by its precinct, and must be rejected with CODE and PATTERN.
hostile() {
    edit "$TPL" "in/$2" "$3"
    sign "in/$2" "$TPL_KEY"
    expect "$1" "$2" rejected "$4" "$5" "${6:-AST-0002}"
}
NC='is not a count (digits only, no sign or leading zero, at most 1000000000000)'
ID_CHARS="may hold only letters, digits, '.', '_' and '-'"

printf '' >in/p01-empty.txt
sign in/p01-empty.txt "$TPL_KEY"
expect P01 p01-empty.txt rejected parse "protocol:1: format: missing (the file ends early)" -
printf '   \n\n\t\n' >in/p02-blank.txt
sign in/p02-blank.txt "$TPL_KEY"
expect P02 p02-blank.txt rejected parse 'protocol:1: expected "key: value"' -
{ cat "$TPL"; head -c 65536 /dev/zero | tr '\0' x; } >in/p03-over-64k.txt
sign in/p03-over-64k.txt "$TPL_KEY"
expect P03 p03-over-64k.txt rejected too-large "the file is over the 64 KiB limit for a protocol" -
hostile P04 p04-long-line.txt "s/^precinct: .*/precinct: $(head -c 60000 /dev/zero | tr '\0' A)/" \
    parse "protocol:3: precinct: longer than 64 bytes" -
hostile P05 p05-nul.txt 's/^q1_yes: .*/q1_yes: 10\x0029/' parse \
    "protocol:10: control byte is not allowed (byte 0x00 at column 11)"
hostile P06 p06-invalid-utf8.txt 's/^q1_no: .*/q1_no: 29\xff8/' parse "protocol:11: not valid UTF-8"
hostile P07 p07-overlong.txt 's/^precinct: .*/precinct: AST\xc0\xaf0002/' parse "protocol:3: not valid UTF-8" -
hostile P08 p08-surrogate.txt 's/^referendum: .*/referendum: kz\xed\xa0\x80/' parse "protocol:2: not valid UTF-8" -
hostile P09 p09-bom.txt '1s/^/\xef\xbb\xbf/' parse 'protocol:1: a UTF-8 byte order mark (BOM) is not allowed: save the file as UTF-8 without it' -
hostile P10 p10-crlf.txt 's/$/\r/' parse \
    "protocol:1: CR is not allowed: lines end in LF only (byte 0x0d at column 25)" -
{ cat "$TPL"; } | head -c -1 >in/p11-no-final-lf.txt
sign in/p11-no-final-lf.txt "$TPL_KEY"
expect P11 p11-no-final-lf.txt rejected parse "protocol:13: the last line has no LF at its end"
hostile P12 p12-plus.txt 's/^q1_yes: .*/q1_yes: +1029/' parse "protocol:10: q1_yes: \"+1029\" $NC"
hostile P13 p13-minus.txt 's/^q1_no: .*/q1_no: -298/' parse "protocol:11: q1_no: \"-298\" $NC"
hostile P14 p14-leading-zero.txt 's/^ballots_issued: .*/ballots_issued: 01354/' parse \
    "protocol:7: ballots_issued: \"01354\" $NC"
hostile P15 p15-2p63.txt 's/^q1_yes: .*/q1_yes: 9223372036854775808/' parse \
    "protocol:10: q1_yes: \"9223372036854775808\" $NC"
hostile P16 p16-2p64.txt 's/^citizens_on_list: .*/citizens_on_list: 18446744073709551616/' parse \
    "protocol:5: citizens_on_list: \"18446744073709551616\" $NC"
hostile P17 p17-huge.txt "s/^q1_invalid: .*/q1_invalid: $(head -c 5000 /dev/zero | tr '\0' 9)/" parse \
    "protocol:13: q1_invalid: \"$(head -c 32 /dev/zero | tr '\0' 9)\" $NC"
hostile P18 p18-over-1e12.txt 's/^ballots_received: .*/ballots_received: 1000000000001/' parse \
    "protocol:6: ballots_received: \"1000000000001\" $NC"
hostile P19 p19-version-0.txt 's/^version: .*/version: 0/' parse \
    "protocol:4: version: must be from 1 to 4294967295" -
hostile P20 p20-version-2p32.txt 's/^version: .*/version: 4294967296/' parse \
    "protocol:4: version: must be from 1 to 4294967295" -
hostile P21 p21-version-2p64.txt 's/^version: .*/version: 18446744073709551616/' parse \
    "protocol:4: version: \"18446744073709551616\" $NC" -
hostile P22 p22-sql-precinct.txt "s/^precinct: .*/precinct: AST-0002'; DROP TABLE submission; --/" parse \
    "protocol:3: precinct: $ID_CHARS" -
hostile P23 p23-sql-referendum.txt "s/^referendum: .*/referendum: x' OR '1'='1/" parse \
    "protocol:2: referendum: $ID_CHARS" -
SQL_REASON="'; DROP TABLE submission; -- \"); DELETE FROM protocol; --"
edit demo/incoming/TUR-0002.txt in/p24-sql-reason.txt "s/^version: 1\$/version: 2\nreason: $SQL_REASON/"
sign in/p24-sql-reason.txt "$PK/TUR-0002.key"
expect P24 p24-sql-reason.txt accepted - ""
SQL_NAME="x'; DROP TABLE submission; --.txt"
cp demo/incoming/ALA-0002.txt "in/$SQL_NAME"
cp demo/incoming/ALA-0002.txt.minisig "in/$SQL_NAME.minisig"
expect P25 "$SQL_NAME" accepted - ""
{ cat "$TPL"; echo "q1_maybe: 3"; } >in/p26-extra-line.txt
sign in/p26-extra-line.txt "$TPL_KEY"
expect P26 p26-extra-line.txt rejected parse "protocol:14: unexpected line after the last count"
hostile P27 p27-duplicate-key.txt '/^q1_yes: /p' parse 'protocol:11: q1_no: expected here, found "q1_yes"'
hostile P28 p28-missing-field.txt '/^q1_invalid: /d' parse "protocol:13: q1_invalid: missing (the file ends early)"
hostile P29 p29-id-65.txt "s/^precinct: .*/precinct: $(head -c 65 /dev/zero | tr '\0' B)/" parse \
    "protocol:3: precinct: longer than 64 bytes" -
hostile P30 p30-unknown-key.txt 's/^q1_not_counted: /q1_maybe: /' parse \
    'protocol:12: q1_not_counted: expected here, found "q1_maybe"'
hostile P31 p31-esc.txt 's/^q1_yes: .*/q1_yes: \x1b[31m1029\x1b[0m/' parse \
    "protocol:10: control byte is not allowed (byte 0x1b at column 9)"
hostile P32 p32-c1.txt 's/^q1_yes: .*/q1_yes: \xc2\x9b31m1029/' parse "protocol:10: q1_yes: \"*31m1029\" $NC"
ESC_NAME=$'p33-\e]0;pwned\a-\e[2J-\n.txt'
edit "$TPL" "in/$ESC_NAME" 's/^q1_yes: .*/q1_yes: +1/'
# (the default trusted comment names the file, and may not hold a newline)
"$DAUYS" sign "in/$ESC_NAME" -k "$TPL_KEY" -t "a file name with a newline" </dev/null >/dev/null 2>&1 ||
    fail_value "$ESC_NAME" "could not be signed"
expect P33 "$ESC_NAME" rejected parse "protocol:10: q1_yes: \"+1\" $NC"
hostile P34 p34-tab.txt 's/^q1_no: /q1_no:\t/' parse "protocol:11: control byte is not allowed (byte 0x09 at column 7)"
hostile P35 p35-two-spaces.txt 's/^q1_yes: /q1_yes:  /' parse "protocol:10: q1_yes: value is empty or has spaces around it"
hostile P36 p36-space-colon.txt 's/^q1_yes: /q1_yes : /' parse 'protocol:10: q1_yes: expected here, found "q1_yes "'
hostile P37 p37-lone-cr.txt 's/^q1_no: \(.\)/q1_no: \1\r/' parse \
    "protocol:11: CR is not allowed: lines end in LF only (byte 0x0d at column 9)"
hostile P38 p38-dotdot.txt 's|^precinct: .*|precinct: ../../etc/passwd|' parse \
    "protocol:3: precinct: must start with a letter or digit" -
hostile P39 p39-homoglyph.txt 's/^precinct: A/precinct: \xd0\x90/' parse \
    "protocol:3: precinct: must start with a letter or digit" -
# P40: a link to a good protocol (its signature beside the link, to tempt)
cp demo/incoming/ABA-0002.txt demo/incoming/ABA-0002.txt.minisig elsewhere/
ln -s ../elsewhere/ABA-0002.txt in/p40-link.txt
cp demo/incoming/ABA-0002.txt.minisig in/p40-link.txt.minisig
# P41: a good protocol whose .minisig is a link to the central secret key
cp demo/incoming/KAR-0001.txt in/p41-siglink.txt
ln -s "$CENTRAL_KEY" in/p41-siglink.txt.minisig
expect P41 p41-siglink.txt rejected signature "the signature file is a symbolic link (not followed)" KAR-0001
mkdir in/p42-dir.txt
cp demo/incoming/KAR-0001.txt.minisig in/p42-dir.txt.minisig
cp demo/incoming/MAN-0001.txt in/p43-sigdir.txt
mkdir in/p43-sigdir.txt.minisig
expect P43 p43-sigdir.txt rejected signature "no readable signature file beside it" MAN-0001
cp demo/incoming/KUS-0001.txt in/p44-bigsig.txt
{ cat demo/incoming/KUS-0001.txt.minisig; head -c 10000 /dev/zero | tr '\0' A; } >in/p44-bigsig.txt.minisig
expect P44 p44-bigsig.txt rejected signature "the signature file is too large" KUS-0001
cp demo/incoming/KZY-0001.txt in/p45-emptysig.txt
printf '' >in/p45-emptysig.txt.minisig
expect P45 p45-emptysig.txt rejected signature \
    "not signed by precinct KZY-0001's key: signature:1: untrusted comment: missing (file ends early)" KZY-0001
cp demo/incoming/PAV-0001.txt in/p46-nulsig.txt
edit demo/incoming/PAV-0001.txt.minisig in/p46-nulsig.txt.minisig '1s/^untrusted/untr\x00usted/'
expect P46 p46-nulsig.txt rejected signature "signature:1: untrusted comment: contains a NUL or CR byte" PAV-0001
cp demo/incoming/SHY-0001.txt in/p47-bomsig.txt
edit demo/incoming/SHY-0001.txt.minisig in/p47-bomsig.txt.minisig '1s/^/\xef\xbb\xbf/'
expect P47 p47-bomsig.txt rejected signature 'signature:1: untrusted comment: line must start with "untrusted comment: "' SHY-0001
cp demo/incoming/TUR-0001.txt in/p48-longsig.txt
edit demo/incoming/TUR-0001.txt.minisig in/p48-longsig.txt.minisig "\$p"
expect P48 p48-longsig.txt rejected signature "signature:5: unexpected data after the last line" TUR-0001
cp demo/incoming/ALM-0002.txt in/p49-crlfsig.txt
edit demo/incoming/ALM-0002.txt.minisig in/p49-crlfsig.txt.minisig 's/$/\r/'
expect P49 p49-crlfsig.txt accepted - ""
mkfifo in/p50-fifo.txt
SQL_TC="'; DROP TABLE submission; -- \" OR 1=1"
cp demo/incoming/ATY-0001.txt in/p53-sql-comment.txt
"$DAUYS" sign in/p53-sql-comment.txt -k "$PK/ATY-0001.key" -t "$SQL_TC" </dev/null >/dev/null 2>&1 ||
    fail_value p53-sql-comment.txt "could not be signed"
expect P53 p53-sql-comment.txt accepted - ""

N_FILES=$(find in -maxdepth 1 -type f ! -name '*.minisig' ! -name '.*' -printf . | wc -c)
check "the directory holds 3 good files and the hostile ones" test "$N_FILES" -eq $((3 + ${#EXP_FILE[@]}))

run timeout 300 "$DAUYS" ingest -w ws in
expect_eq "ingest of the directory: exit 1 (something was rejected)" 1 "$RC"
check "ingest: the output is safe for a terminal" clean "$OUT"
expect_stdout "  ... every file but the 3 non-regular entries has an outcome" \
    "$N_FILES files in * s: 7 accepted, 0 corrections, $((N_FILES - 7)) rejected, 0 replays, 0 conflicts, 0 stale, 0 duplicates"
expect_stdout "  ... the link, the directory and the FIFO are skipped and counted" \
    "3 directory entries skipped (not regular files)"
INGEST_ERR=$STDERR
mapfile -t ERR_LINES <<<"$INGEST_ERR"

# The rows, by the hex of their source: "OUTCOME CODE|E|HEX(REASON)", E 1 when
# the submission's log entry names the same event and reason code.
declare -A ROW=()
while IFS='|' read -r h r; do ROW[$h]=$r; done < <(q "$DB" "
    SELECT hex(s.source), s.outcome || ' ' || ifnull(s.reason_code, '-') || '|' ||
           (instr(e.entry, char(10) || 'event: ' || s.outcome || char(10)) > 0 AND
            (s.reason_code IS NULL OR instr(e.entry, char(10) || 'reason: ' || s.reason_code) > 0)) ||
           '|' || hex(ifnull(s.reason, ''))
    FROM submission s JOIN log_entry e ON e.idx = s.log_index")
unhex() {
    local h=$1 o=''
    while [ -n "$h" ]; do o+="\\x${h:0:2}" h=${h:2}; done
    printf '%b' "$o"
}

for i in "${!EXP_FILE[@]}"; do
    hcase "${EXP_CASE[$i]}"
    f=${EXP_FILE[$i]} want=${EXP_OUT[$i]} code=${EXP_CODE[$i]} pat=${EXP_PAT[$i]}
    r=${ROW[$(hex "$f")]:-none||}
    expect_eq "$HC: recorded in the submission table as $want ($code)" "$want $code" "${r%%|*}"
    r=${r#*|}
    expect_eq "$HC: recorded in the log, with the same outcome and code" 1 "${r%%|*}"
    if [ "$want" = rejected ]; then
        got=$(unhex "${r#*|}")
        check "$HC: the recorded reason names the line and the field" matches "$got" "$pat"
        head="$want: $(shown "$f")"
        [ "${EXP_HEADER[$i]}" = - ] || head="$head (precinct ${EXP_HEADER[$i]}, version 1)"
        line=''
        for l in "${ERR_LINES[@]}"; do [[ $l == "$head"* ]] && line=$l && break; done
        check "$HC: reported on stderr, naming the file" matches "$line" "$head: [$code] "
        shown_pat=$(shown "$pat")
        check "$HC: the reported reason names the line and the field" \
            matches "$line" ": [$code] *${shown_pat//$'\xc2\x9b'/?}"
    fi
done

hmore P03
expect_eq "$HC: the too-large file is not kept; the SHA-256 of its first 65537 bytes (all that is read) is" \
    "0 $(head -c 65537 in/p03-over-64k.txt | sha256sum | cut -d' ' -f1)" \
    "$(q "$DB" "SELECT length(protocol) || ' ' || lower(hex(protocol_sha256)) FROM submission WHERE source = 'in/p03-over-64k.txt'")"
hmore P33
check "$HC: the path is shown with '?' for its control bytes" \
    matches "$INGEST_ERR" "rejected: in/p33-?]0;pwned?-?[2J-?.txt (precinct AST-0002"
expect_eq "$HC: and recorded byte for byte" 1 \
    "$(q "$DB" "SELECT count(*) FROM submission WHERE hex(source) = '$(hex "in/$ESC_NAME")'")"
hmore P32
check "$HC: the C1 control is shown as '?'" matches "$INGEST_ERR" "q1_yes: \"?31m1029\" is not a count"

hmore P24
expect_eq "$HC: counts as TUR-0002's version 2" "2 current" \
    "$(q "$DB" "SELECT version || ' ' || state FROM protocol WHERE precinct = 'TUR-0002'")"
expect_eq "$HC: the protocol's bytes are kept verbatim" "$(sha_of in/p24-sql-reason.txt)" \
    "$(q "$DB" "SELECT lower(hex(protocol_sha256)) FROM submission WHERE source = 'in/p24-sql-reason.txt'")"
check "$HC: the reason is in the stored bytes" matches \
    "$(q "$DB" "SELECT CAST(protocol AS TEXT) FROM submission WHERE source = 'in/p24-sql-reason.txt'")" "reason: $SQL_REASON"
hmore P25
expect_eq "$HC: ALA-0002 counts, from the file of that name" "1 current" \
    "$(q "$DB" "SELECT p.version || ' ' || p.state FROM protocol p JOIN submission s ON s.seq = p.submission
                WHERE p.precinct = 'ALA-0002' AND hex(s.source) = '$(hex "in/$SQL_NAME")'")"
hmore P53
expect_eq "$HC: the signature file is kept byte for byte" "$(sha_of in/p53-sql-comment.txt.minisig)" \
    "$(q "$DB" "SELECT lower(hex(signature_sha256)) FROM submission WHERE source = 'in/p53-sql-comment.txt'")"
check "$HC: its trusted comment is in the stored bytes" matches \
    "$(q "$DB" "SELECT CAST(signature AS TEXT) FROM submission WHERE source = 'in/p53-sql-comment.txt'")" \
    "trusted comment: $SQL_TC"
hmore P49
expect_eq "$HC: ALM-0002 counts" "1 current" "$(q "$DB" "SELECT version || ' ' || state FROM protocol WHERE precinct = 'ALM-0002'")"

hcase P40
expect_eq "$HC: not recorded (skipped, counted above)" 0 \
    "$(q "$DB" "SELECT count(*) FROM submission WHERE source LIKE '%p40%' OR precinct = 'ABA-0002'")"
STDERR=$INGEST_ERR
expect_stderr "$HC: named as skipped" "skipped: in/p40*: a symbolic link (not followed)"
hcase P42
expect_eq "$HC: not recorded (skipped, counted above)" 0 "$(q "$DB" "SELECT count(*) FROM submission WHERE source LIKE '%p42%'")"
STDERR=$INGEST_ERR
expect_stderr "$HC: named as skipped" "skipped: in/p42*: a directory (not searched)"
hcase P50
expect_eq "$HC: not recorded (skipped, counted above; the ingest did not wait on it)" 0 \
    "$(q "$DB" "SELECT count(*) FROM submission WHERE source LIKE '%p50%'")"
STDERR=$INGEST_ERR
expect_stderr "$HC: named as skipped" "skipped: in/p50*: not a regular file"
hmore P41
expect_eq "$HC: no signature stored for it" "" \
    "$(q "$DB" "SELECT ifnull(signature, '') FROM submission WHERE source = 'in/p41-siglink.txt'")"
expect_eq "$HC: the central secret key's bytes are nowhere in the database" 0 \
    "$(q "$DB" "SELECT count(*) FROM submission WHERE instr(CAST(ifnull(signature, '') AS TEXT), '$CENTRAL_SECRET') > 0
                OR instr(CAST(protocol AS TEXT), '$CENTRAL_SECRET') > 0")"

section "ingest: nothing else is affected"

for p in $GOOD; do
    expect_eq "good protocol $p is accepted and counts" "accepted -|1 current" \
        "$(row "in/$p.txt")|$(q "$DB" "SELECT version || ' ' || state FROM protocol WHERE precinct = '$p'")"
done
expect_eq "every regular file of in/ has exactly one submission row" \
    "$(find in -maxdepth 1 -type f ! -name '*.minisig' ! -name '.*' -print0 |
        while IFS= read -r -d '' f; do hex "$f"; echo; done | sort)" \
    "$(q "$DB" "SELECT hex(source) FROM submission ORDER BY 1" | sort)"
expect_eq "every rejected row has a reason code and a reason" 0 \
    "$(q "$DB" "SELECT count(*) FROM submission WHERE outcome <> 'accepted' AND (ifnull(reason_code, '') = '' OR ifnull(reason, '') = '')")"
expect_eq "one log entry per submission, and the manifest's" "$(($(nsub ws) + 1))" "$(nlog ws)"
expect_eq "PRAGMA integrity_check" ok "$(q "$DB" 'PRAGMA integrity_check')"
expect_eq "PRAGMA foreign_key_check is empty" "" "$(q "$DB" 'PRAGMA foreign_key_check')"
expect_eq "the tables are all there after the SQL metacharacters" "$TABLES" "$(tables "$DB")"
N_SUB=$(nsub ws) N_LOG=$(nlog ws)
expect_ok "the same directory again: only duplicates, exit 0" \
    "$N_FILES files in * s: 0 accepted, 0 corrections, 0 rejected, 0 replays, 0 conflicts, 0 stale, $N_FILES duplicates" \
    timeout 300 "$DAUYS" ingest -w ws in
expect_eq "  ... nothing added" "$N_SUB $N_LOG" "$(nsub ws) $(nlog ws)"

hcase P51
mkfifo fifo.txt
hexit "$HC: exit 2, unreadable, named" 2 "unreadable: fifo.txt: [io] fifo.txt: not a regular file" \
    timeout 60 "$DAUYS" ingest -w ws fifo.txt
expect_eq "$HC: nothing recorded" "$N_SUB $N_LOG" "$(nsub ws) $(nlog ws)"

hcase P52
cp demo/incoming/WKZ-0001.txt demo/incoming/WKZ-0001.txt.minisig elsewhere/
hexit "$HC: accepted" 0 "1 accepted" "$DAUYS" ingest -w ws in/../elsewhere/WKZ-0001.txt
expect_eq "$HC: the path is recorded as given" "accepted -" "$(row in/../elsewhere/WKZ-0001.txt)"

hcase W04
hexit "$HC: exit 2, no workspace" 2 "demo/manifest.txt: no workspace here" \
    "$DAUYS" ingest -w "$MANIFEST" demo/incoming/AST-0001.txt

section "ingest: publish and audit the result"

expect_ok "publish the workspace" "published to bundle/" "$DAUYS" publish -w ws -k "$CENTRAL_KEY" bundle
expect_ok "dauys-audit verify re-derives every outcome: all checks pass" "all checks pass" \
    "$AUDIT" verify -p "$CENTRAL_PUB" bundle
expect_eq "the bundle names its protocols by log index only" "" \
    "$(find bundle/protocols -type f | sed 's|^bundle/protocols/||' | grep -Ev '^([0-9]{8}\.txt(\.minisig)?|index\.tsv)$')"
expect_eq "no byte of the central secret key is in the bundle" "" \
    "$(grep -rlF -- "$CENTRAL_SECRET" bundle)"
expect_eq "the too-large protocol is an empty file in the bundle" 0 \
    "$(stat -c %s "bundle/protocols/$(printf '%08d' "$(q "$DB" "SELECT log_index FROM submission WHERE source = 'in/p03-over-64k.txt'")").txt")"

# --- 2. manifests: init and update-manifest -------------------------------------------

section "manifests: init"

mkdir m
# badman CASE NAME SED-SCRIPT PATTERN: m/NAME is the manifest edited and signed
# by the central key; init must exit 2 naming it, and leave no database.
badman() {
    hcase "$1"
    edit "$MANIFEST" "m/$2" "$3"
    sign "m/$2" "$CENTRAL_KEY"
    hexit "$HC: init exits 2" 2 "m/$2$4" "$DAUYS" init -w "m/ws-$2" --manifest "m/$2" --central-key "$CENTRAL_PUB"
    check "$HC: no workspace is left" absent "m/ws-$2/dauys.db"
}
LN_AST2=$(grep -n '^precinct: AST-0002 ' "$MANIFEST" | cut -d: -f1)
badman M01 empty.txt 'd' ":1: format: missing (the file ends early)"
badman M02 blank.txt 's/.*/   /' ':1: expected "key: value"'
badman M03 bom.txt '1s/^/\xef\xbb\xbf/' ':1: a UTF-8 byte order mark (BOM) is not allowed: save the file as UTF-8 without it'
badman M04 crlf.txt 's/$/\r/' ":1: CR is not allowed: lines end in LF only (byte 0x0d at column 25)"
badman M05 nul.txt '3s/^title: .*/title: a\x00b/' ":3: control byte is not allowed (byte 0x00 at column 9)"
badman M06 utf8.txt "${LN_AST2}s/\$/ \\xff/" ":$LN_AST2: not valid UTF-8"
badman M07 dup-title.txt '3p' ':4: date: expected here, found "title"'
badman M08 dup-precinct.txt "/^precinct: AST-0002 /p" ":$((LN_AST2 + 1)): precinct: precinct id \"AST-0002\" is listed twice"
badman M09 plus.txt 's/^\(precinct: AST-0002 [^ ]*\) [0-9]* /\1 +100 /' ":$LN_AST2: precinct: voters \"+100\" is not a count"
badman M10 2p64.txt 's/^\(precinct: AST-0002 [^ ]*\) [0-9]* /\1 18446744073709551616 /' \
    ":$LN_AST2: precinct: voters \"18446744073709551616\" is not a count"
badman M11 version-01.txt 's/^version: .*/version: 01/' ":6: version: \"01\" $NC"
badman M12 sql-id.txt "s/^precinct: AST-0002 /precinct: AST';DROP-TABLE-submission;-- /" \
    ":$LN_AST2: precinct: precinct id \"AST';DROP-TABLE-submission;--\": $ID_CHARS"
badman M14 esc.txt '3s/^title: /title: \x1b]0;pwned\x07/' ":3: control byte is not allowed (byte 0x1b at column 8)"
badman M15 c1.txt '5s/^mode: .*/mode: \xc2\x9b31mtest/' ':5: mode: "?31mtest" is not one of the allowed values (test, official)'
badman M17 long-title.txt "3s/^title: .*/title: $(head -c 100000 /dev/zero | tr '\0' T)/" ":3: title: longer than 255 bytes"

hcase M13
SQL_TITLE="'; DROP TABLE submission; -- \" OR 1=1; DELETE FROM precinct"
edit "$MANIFEST" m/sql-title.txt "3s/^title: .*/title: $SQL_TITLE/"
sign m/sql-title.txt "$CENTRAL_KEY"
hexit "$HC: init accepts the lawful title" 0 "workspace created" \
    "$DAUYS" init -w m/ws-sql --manifest m/sql-title.txt --central-key "$CENTRAL_PUB"
expect_eq "$HC: the tables are all there" "$TABLES" "$(tables m/ws-sql/dauys.db)"
expect_eq "$HC: the roster is whole" 20 "$(q m/ws-sql/dauys.db "SELECT count(*) FROM precinct")"
expect_ok "$HC: status prints the title as it is" "$SQL_TITLE" "$DAUYS" status -w m/ws-sql

hcase M16
cp "$MANIFEST.minisig" m/huge.txt.minisig
truncate -s 513M m/huge.txt
hexit "$HC: init exits 2" 2 "m/huge.txt: file is 537919488 bytes, over the limit of 536870912" \
    "$DAUYS" init -w m/ws-huge --manifest m/huge.txt --central-key "$CENTRAL_PUB"
check "$HC: no workspace is left" absent m/ws-huge/dauys.db
rm -f m/huge.txt

hcase M18
mkdir m/dir.txt
hexit "$HC: init exits 2" 2 "m/dir.txt: not a regular file" \
    "$DAUYS" init -w m/ws-dir --manifest m/dir.txt --central-key "$CENTRAL_PUB"
check "$HC: no workspace is left" absent m/ws-dir/dauys.db
hcase M19
cp "$MANIFEST" m/sigdir.txt
mkdir m/sigdir.txt.minisig
hexit "$HC: init exits 2" 2 "m/sigdir.txt.minisig: not a regular file" \
    "$DAUYS" init -w m/ws-sigdir --manifest m/sigdir.txt --central-key "$CENTRAL_PUB"
check "$HC: no workspace is left" absent m/ws-sigdir/dauys.db
hcase M26
cp "$MANIFEST" m/emptysig.txt
: >m/emptysig.txt.minisig
hexit "$HC: init exits 1 (a malformed signature file)" 1 \
    "m/emptysig.txt: the manifest's signature does not verify with the central key: m/emptysig.txt.minisig:1: untrusted comment: missing (file ends early)" \
    "$DAUYS" init -w m/ws-emptysig --manifest m/emptysig.txt --central-key "$CENTRAL_PUB"
check "$HC: no workspace is left" absent m/ws-emptysig/dauys.db
hcase M27
cp "$MANIFEST" m/bigsig.txt
head -c 12000 /dev/zero | tr '\0' 'A' >m/bigsig.txt.minisig
hexit "$HC: init exits 1 (a malformed signature file, not an I/O failure)" 1 \
    "m/bigsig.txt.minisig: over 9295 bytes, the limit of a signature file: not a signature" \
    "$DAUYS" init -w m/ws-bigsig --manifest m/bigsig.txt --central-key "$CENTRAL_PUB"
check "$HC: no workspace is left" absent m/ws-bigsig/dauys.db
hcase M20
mkdir m/central.pub
hexit "$HC: init exits 2" 2 "m/central.pub: not a regular file" \
    "$DAUYS" init -w m/ws-cdir --manifest "$MANIFEST" --central-key m/central.pub
check "$HC: no workspace is left" absent m/ws-cdir/dauys.db

section "manifests: update-manifest"

expect_ok "init wsu" "" "$DAUYS" init -w wsu --manifest "$MANIFEST" --central-key "$CENTRAL_PUB"
U_LOG=$(nlog wsu) U_DUMP=$(q wsu/dauys.db "SELECT version, lower(hex(sha256)) FROM manifest")
# badupdate CASE NAME SED-SCRIPT PATTERN: a version 2 edited and signed; refused, exit 2.
badupdate() {
    hcase "$1"
    edit "$MANIFEST" "m/$2" "s/^version: .*/version: 2/; $3"
    sign "m/$2" "$CENTRAL_KEY"
    hexit "$HC: update-manifest exits 2" 2 "m/$2$4" "$DAUYS" update-manifest -w wsu --manifest "m/$2"
    expect_eq "$HC: the workspace is as it was" "$U_LOG|$U_DUMP" \
        "$(nlog wsu)|$(q wsu/dauys.db "SELECT version, lower(hex(sha256)) FROM manifest")"
}
badupdate M21 u-02.txt 's/^version: .*/version: 02/' ":6: version: \"02\" $NC"
badupdate M22 u-2p32.txt 's/^version: .*/version: 4294967296/' ":6: version: must be from 1 to 4294967295"
badupdate M23 u-dup.txt '6p' ':7: ballot: expected here, found "version"'
badupdate M24 u-blank.txt "${LN_AST2}s/.*//" ":$LN_AST2: expected \"key: value\""
badupdate M25 u-bom.txt '1s/^/\xef\xbb\xbf/' ':1: a UTF-8 byte order mark (BOM) is not allowed: save the file as UTF-8 without it'
expect_eq "update-manifest: PRAGMA integrity_check" ok "$(q wsu/dauys.db 'PRAGMA integrity_check')"

# --- 3. workspaces --------------------------------------------------------------------

section "workspaces"

hcase W01
mkdir -p wsd/dauys.db
hexit "$HC: status exits 2, naming the database" 2 "wsd/dauys.db: unable to open database file" "$DAUYS" status -w wsd
hexit "$HC: ingest exits 2" 2 "wsd/dauys.db" "$DAUYS" ingest -w wsd demo/incoming/AST-0001.txt
hexit "$HC: init refuses it" 2 "wsd: a workspace exists here already" \
    "$DAUYS" init -w wsd --manifest "$MANIFEST" --central-key "$CENTRAL_PUB"
check "$HC: it is still an empty directory" test -d wsd/dauys.db -a -z "$(ls -A wsd/dauys.db)"
hcase W02
mkdir wsg
head -c 8192 /dev/urandom >wsg/dauys.db
cp wsg/dauys.db garbage.copy
hexit "$HC: status exits 2" 2 "file is not a database (database *wsg/dauys.db)" "$DAUYS" status -w wsg
hexit "$HC: ingest exits 2" 2 "file is not a database" "$DAUYS" ingest -w wsg demo/incoming/AST-0001.txt
check "$HC: the file is unchanged" same_file wsg/dauys.db garbage.copy
hcase W03
mkdir wse
: >wse/dauys.db
hexit "$HC: status exits 2: not a workspace" 2 "wse/dauys.db: not a dauys workspace" \
    "$DAUYS" status -w wse
hexit "$HC: ingest exits 2: not a workspace" 2 "wse/dauys.db: not a dauys workspace" \
    "$DAUYS" ingest -w wse demo/incoming/AST-0001.txt
check "$HC: the file is still empty" test -f wse/dauys.db -a ! -s wse/dauys.db
hcase P54
ln -s "$PWD/demo/incoming/AST-0001.txt" link-on-the-command-line.txt
cp demo/incoming/AST-0001.txt.minisig link-on-the-command-line.txt.minisig
hexit "$HC: a symbolic link named on the command line is refused, not followed" 2 \
    "link-on-the-command-line.txt: refusing a symbolic link" \
    "$DAUYS" ingest -w ws link-on-the-command-line.txt

# --- 4. keys and signatures --------------------------------------------------------

section "keys and signatures: sign and verify"

mkdir k
cp "$TPL" k/f.txt
KEY=$TPL_KEY PUB=$PK/AST-0002.pub
# badkey CASE FILE PATTERN: sign -k FILE exits 2 with PATTERN, writing no signature.
badkey() {
    hcase "$1"
    rm -f k/f.txt.minisig
    hexit "$HC: sign exits 2" 2 "$3" "$DAUYS" sign k/f.txt -k "$2"
    check "$HC: no signature is written" absent k/f.txt.minisig
}
# secret NAME: writes stdin to k/NAME with mode 0600.
secret() { cat >"k/$1" && chmod 600 "k/$1"; }
mkdir k/kdir
badkey K01 k/kdir "k/kdir: not a regular file"
ln -s "$WORK/$KEY" k/klink
badkey K02 k/klink "k/klink: refusing a secret file behind a symbolic link"
cp "$KEY" k/k644 && chmod 644 k/k644
badkey K03 k/k644 "k/k644: secret file is accessible by group or others (mode 0644); run: chmod 600 k/k644"
secret kempty </dev/null
badkey K04 k/kempty "k/kempty:1: untrusted comment: missing (file ends early)"
sed '1s/^/\xef\xbb\xbf/' "$KEY" | secret kbom
badkey K05 k/kbom 'k/kbom:1: untrusted comment: line must start with "untrusted comment: "'
{ cat "$KEY"; head -c 10000 /dev/zero | tr '\0' A; } | secret kbig
badkey K06 k/kbig "k/kbig: file is $(($(stat -c %s "$KEY") + 10000)) bytes, over the limit of 9295"
cat "$KEY" "$KEY" | secret kdup
badkey K07 k/kdup "k/kdup:3: unexpected data after the last line"
sed '2s/^\(.....\)/\1\x00/' "$KEY" | secret knul
badkey K08 k/knul "k/knul:2: secret key: contains a NUL or CR byte"
"$PYTHON" - "$KEY" <<'EOF' | secret kcost
import base64, sys
lines = open(sys.argv[1]).read().split('\n')
b = bytearray(base64.b64decode(lines[1]))
b[2:4] = b'Sc'                                # encrypted with scrypt...
b[38:46] = (1 << 40).to_bytes(8, 'little')    # ...at an opslimit of 2^40
print(lines[0]); print(base64.b64encode(bytes(b)).decode())
EOF
badkey K09 k/kcost "k/kcost:2: secret key: scrypt cost over this build's limit"
"$PYTHON" - "$KEY" <<'EOF' | secret knoncanon
import sys
lines = open(sys.argv[1]).read().split('\n')
b64 = lines[1]
alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
i = len(b64.rstrip('=')) - 1                  # the last character: its unused low bits set
b64 = b64[:i] + alphabet[alphabet.index(b64[i]) | 3] + b64[i + 1:]
print(lines[0]); print(b64)
EOF
badkey K10 k/knoncanon "k/knoncanon:2: secret key: not 158 bytes of base64"

hcase K11
mkdir k/dir.txt
hexit "$HC: sign exits 2" 2 "k/dir.txt: not a regular file" "$DAUYS" sign k/dir.txt -k "$KEY"
check "$HC: no signature is written" absent k/dir.txt.minisig
hcase K12
mkfifo k/fifo.txt
hexit "$HC: sign exits 2 at once" 2 "k/fifo.txt: not a regular file" timeout 60 "$DAUYS" sign k/fifo.txt -k "$KEY"
check "$HC: no signature is written" absent k/fifo.txt.minisig
hcase K13
cp "$TPL" k/g.txt
echo "not to be overwritten" >k/target.txt
ln -s target.txt k/g.txt.minisig
hexit "$HC: sign succeeds" 0 "k/g.txt: signed" "$DAUYS" sign k/g.txt -k "$KEY"
check "$HC: the link's target is untouched" test "$(cat k/target.txt)" = "not to be overwritten"
check "$HC: the link is replaced by a signature file" test ! -L k/g.txt.minisig -a -f k/g.txt.minisig
expect_ok "$HC: which verifies" "signature verified" "$DAUYS" verify k/g.txt -p "$PUB"

"$DAUYS" sign k/f.txt -k "$KEY" -x k/good.sig </dev/null >/dev/null 2>&1
expect_ok "a good signature verifies (the baseline)" "signature verified" "$DAUYS" verify k/f.txt -p "$PUB" -x k/good.sig

hcase K14
mkdir k/pdir
hexit "$HC: verify exits 2" 2 "k/pdir: not a regular file" "$DAUYS" verify k/f.txt -p k/pdir -x k/good.sig
hcase K15
{ cat "$PUB"; sed -n 2p "$PUB"; } >k/pdup.pub
hexit "$HC: verify exits 2" 2 "k/pdup.pub:3: unexpected data after the last line" \
    "$DAUYS" verify k/f.txt -p k/pdup.pub -x k/good.sig
hcase K16
"$PYTHON" - "$PUB" >k/palg.pub <<'EOF'
import base64, sys
lines = open(sys.argv[1]).read().split('\n')
b = bytearray(base64.b64decode(lines[1])); b[0:2] = b'Xx'
print(lines[0]); print(base64.b64encode(bytes(b)).decode())
EOF
hexit "$HC: verify exits 2" 2 'k/palg.pub:2: public key: unknown algorithm tag 0x5878 (expected "Ed")' \
    "$DAUYS" verify k/f.txt -p k/palg.pub -x k/good.sig
hcase K17
hexit "$HC: verify exits 2" 2 "(public key string):1: public key: not 42 bytes of base64" \
    "$DAUYS" verify k/f.txt -P $'\e]0;pwned\a\e[31mRWQ\xc2\x9b' -x k/good.sig

# badsig CASE NAME CODE PATTERN: verify -x k/NAME exits CODE with PATTERN.
badsig() {
    hcase "$1"
    hexit "$HC: verify exits $3" "$3" "$4" "$DAUYS" verify k/f.txt -p "$PUB" -x "k/$2"
}
mkdir k/sdir
badsig K18 sdir 2 "k/sdir: not a regular file"
: >k/empty.sig
badsig K19 empty.sig 1 "BAD SIGNATURE: k/empty.sig:1: untrusted comment: missing (file ends early)"
sed '1s/^/\xef\xbb\xbf/' k/good.sig >k/bom.sig
badsig K20 bom.sig 1 'BAD SIGNATURE: k/bom.sig:1: untrusted comment: line must start with "untrusted comment: "'
sed '3s/^trusted/trus\x00ted/' k/good.sig >k/nul.sig
badsig K21 nul.sig 1 "BAD SIGNATURE: k/nul.sig:3: trusted comment: contains a NUL or CR byte"
{ cat k/good.sig; head -c 10000 /dev/zero | tr '\0' A; } >k/big.sig
badsig K22 big.sig 1 "BAD SIGNATURE: k/big.sig: file is $(($(stat -c %s k/good.sig) + 10000)) bytes, over the limit of 9295"
sed '$p' k/good.sig >k/five.sig
badsig K23 five.sig 1 "BAD SIGNATURE: k/five.sig:5: unexpected data after the last line"
sed "1s/.*/untrusted comment: $(head -c 1001 /dev/zero | tr '\0' u)/" k/good.sig >k/ulong.sig
badsig K24 ulong.sig 1 "BAD SIGNATURE: k/ulong.sig:1: untrusted comment: 1001 bytes, over the limit of 1000"
sed "3s/.*/trusted comment: $(head -c 8001 /dev/zero | tr '\0' t)/" k/good.sig >k/tlong.sig
badsig K25 tlong.sig 1 "BAD SIGNATURE: k/tlong.sig:3: trusted comment: 8001 bytes, over the limit of 8000"
sed 's/$/\r/' k/good.sig >k/crlf.sig
badsig K26 crlf.sig 0 "signature verified"
hcase K27
hexit "$HC: verify exits 2 at once" 2 "k/fifo.txt: not a regular file" \
    timeout 60 "$DAUYS" verify k/fifo.txt -p "$PUB" -x k/good.sig
hcase K28
EVIL_TC=$'evil \e]0;pwned\a \e[2J \xc2\x9b31m end'
"$DAUYS" sign k/f.txt -k "$KEY" -t "$EVIL_TC" -x k/evil.sig </dev/null >/dev/null 2>&1
hexit "$HC: verify exits 0 and shows the comment with '?'" 0 "trusted comment: evil ?]0;pwned? ?[2J ?31m end" \
    "$DAUYS" verify k/f.txt -p "$PUB" -x k/evil.sig

# --- 5. import-csv ----------------------------------------------------------------------

section "import-csv"

mkdir c
head -4 "$CSV_SRC" >c/base.csv
expect_ok "import-csv of three good rows (the baseline)" "3 rows (1 regions, 1 districts)" \
    "$DAUYS" import-csv --preset it-eligendo c/base.csv -o c/out-base
# badcsv CASE NAME SED-SCRIPT PATTERN: c/NAME is the CSV edited; exit 2, no output.
badcsv() {
    hcase "$1"
    edit c/base.csv "c/$2" "$3"
    hexit "$HC: import-csv exits 2" 2 "$4" "$DAUYS" import-csv --preset it-eligendo "c/$2" -o "c/out-$2"
    check "$HC: no output directory is left" absent "c/out-$2"
}
badcsv C01 empty.csv 'd' "c/empty.csv: empty"
badcsv C02 header.csv "2,\$d" "c/header.csv: no data rows"
# C03: a leading byte order mark, as spreadsheets write "CSV UTF-8", is skipped.
hcase C03
edit c/base.csv c/bom.csv '1s/^/\xef\xbb\xbf/'
hexit "$HC: import-csv accepts it" 0 "" "$DAUYS" import-csv --preset it-eligendo c/bom.csv -o c/out-bom.csv
check "$HC: one precinct per data row" \
    test "$(grep -c '^precinct: ' c/out-bom.csv/manifest.txt)" -eq "$(($(wc -l <c/base.csv) - 1))"
badcsv C04 plus.csv '2s/,14833,/,+14833,/' 'c/plus.csv:2: elettori_t: "+14833" is not a count'
badcsv C05 zero.csv '2s/,14833,/,014833,/' 'c/zero.csv:2: elettori_t: "014833" is not a count'
badcsv C06 2p64.csv '2s/,14833,/,18446744073709551616,/' 'c/2p64.csv:2: elettori_t: "18446744073709551616" is not a count'
badcsv C07 trav.csv '2s|^010020010,|../../evil,|' 'c/trav.csv:2: precinct "../../evil" (from {cod}): must start with a letter or digit'
check "$HC: nothing is written outside" absent evil.txt ../evil.txt ../../evil.txt c/evil.txt
badcsv C10 utf8.csv '2s/ACQUI TERME/ACQUI\xffTERME/' "c/utf8.csv:2: precinct-name (from {desc_com}): not valid UTF-8"
badcsv C11 quote.csv "\$s/\$/,\"never closed/" "c/quote.csv:4:"
check "$HC: the reason" matches "$OUT" "quoted field never closed"
badcsv C12 stray.csv '2s/ACQUI TERME/ACQUI"TERME/' "c/stray.csv:2:42: stray quote"
badcsv C13 wide.csv "1s/\$/$(for i in $(seq 300); do printf ',x%d' "$i"; done)/" "c/wide.csv:1: more than 256 fields"
badcsv C17 nul-count.csv '2s/,14833,/,148\x0033,/' "c/nul-count.csv:2:77: NUL byte"
badcsv C18 nul-id.csv '2s/^010020010,/0100\x0020010,/' "c/nul-id.csv:2:5: NUL byte"
badcsv C14 dup.csv '3s/^010020020,/010020010,/' 'c/dup.csv:3: precinct "010020010" is also the precinct at c/dup.csv:2'
hcase C08
SQL_CSV="'; DROP TABLE submission; --"
edit c/base.csv c/sql.csv "2s/ACQUI TERME/$SQL_CSV/"
hexit "$HC: import-csv writes it" 0 "3 rows" "$DAUYS" import-csv --preset it-eligendo c/sql.csv -o c/out-sql
check "$HC: the name is in the manifest verbatim" grep -qF -- "precinct: 010020010 01-002 14833 " c/out-sql/manifest.txt
check "$HC: ... ending in the SQL text" grep -qF -- " $SQL_CSV" c/out-sql/manifest.txt
hcase C09
edit c/base.csv c/esc.csv '2s/ACQUI TERME/ACQUI\x1b[31m\x07TERME/'
hexit "$HC: import-csv writes it" 0 "3 rows" "$DAUYS" import-csv --preset it-eligendo c/esc.csv -o c/out-esc
check "$HC: the manifest holds no control byte" test -z "$(tr -d '\n' <c/out-esc/manifest.txt | tr -d '[:print:]\200-\377')"
check "$HC: the name's control bytes became spaces" grep -qF "ACQUI [31m TERME" c/out-esc/manifest.txt
hcase C15
mkdir c/dir.csv
hexit "$HC: import-csv exits 2" 2 "c/dir.csv: not a regular file" \
    "$DAUYS" import-csv --preset it-eligendo c/dir.csv -o c/out-dir
check "$HC: no output directory is left" absent c/out-dir
hcase C16
mkdir c/full
echo keep >c/full/keep
hexit "$HC: import-csv exits 2" 2 "c/full: must be a new or empty directory" \
    "$DAUYS" import-csv --preset it-eligendo c/base.csv -o c/full
expect_eq "$HC: the directory is as it was" keep "$(ls c/full)"

# --- 6. the audit of a bundle directory -------------------------------------------------

section "dauys-audit verify: hostile bundles"

B=demo/bundle
expect_ok "the demo's bundle passes (the baseline)" "all checks pass" "$AUDIT" verify -p "$CENTRAL_PUB" "$B"
# copyb DIR: a fresh copy of the demo's bundle.
copyb() { rm -rf "$1" && cp -a "$B" "$1"; }
# audit1 CASE DIR PATTERN...: verify DIR exits 1 and its output matches each PATTERN.
audit1() {
    local c=$1 dir=$2
    shift 2
    hcase "$c"
    hexit "$HC: verify exits 1" 1 "$1" "$AUDIT" verify -p "$CENTRAL_PUB" "$dir"
    shift
    for p in "$@"; do check "$HC: the output says \"$p\"" matches "$OUT" "$p"; done
}
copyb b1 && touch b1/$'\e]0;pwned\a\e[31mred'
audit1 A01 b1 "FAIL I4 ?]0;pwned??[31mred: is not named by the log nor one of the bundle's derived files"
copyb b2 && touch b2/$'bad\xff\xc2\x9bname'
audit1 A02 b2 "FAIL I4 bad??name: is not named by the log"
run "$AUDIT" verify --json -p "$CENTRAL_PUB" b2
check "$HC: --json is strict UTF-8 JSON naming the file" "$PYTHON" -c '
import json, sys
d = json.loads(sys.stdin.buffer.read().decode("utf-8"))
sys.exit(0 if "bad\ufffd\x9bname" in [f["where"] for f in d["failures"]] else 1)' <<<"$STDOUT"
copyb b3 && ln -sf /etc/passwd b3/protocols/00000001.txt.minisig
audit1 A03 b3 "FAIL I3 log entry 1: protocols/00000001.txt.minisig does not hash to what the log recorded" \
    "FAIL I4 protocols/00000001.txt.minisig: is not a plain file (a link, directory or device)"
copyb b4 && rm b4/protocols/00000003.txt && mkdir b4/protocols/00000003.txt
audit1 A04 b4 "FAIL I3 log entry 3: protocols/00000003.txt is missing from the bundle" \
    "FAIL I4 protocols/00000003.txt: is not a plain file"
hcase A05
copyb b5 && rm b5/log/entries.txt && mkdir b5/log/entries.txt
hexit "$HC: verify exits 2" 2 "b5/log/entries.txt: not a regular file" "$AUDIT" verify -p "$CENTRAL_PUB" b5
copyb b6 && rm b6/dauys.db && mkdir b6/dauys.db
audit1 A06 b6 "FAIL C3 dauys.db: is not a plain file"
copyb b7 && head -c 8192 /dev/urandom >b7/dauys.db
audit1 A07 b7 "FAIL C3 dauys.db: cannot be read as a dauys database: file is not a database"
copyb b8 && : >b8/dauys.db
audit1 A08 b8 "FAIL C3 dauys.db: cannot be read as a dauys database: it lacks the tables of a workspace"
copyb b9 && sed -i '2s|\tABA-0001\t|\t../../etc/passwd\t|' b9/protocols/index.tsv
audit1 A09 b9 "FAIL I4 protocols/index.tsv line 2: is \"00000001"$'\t'"../../etc/passwd"
copyb b10 && sed -i "2s|\\tABA-0001\\t|\\tABA'; DROP TABLE submission; --\\t|" b10/protocols/index.tsv
audit1 A10 b10 "FAIL I4 protocols/index.tsv line 2: is \"00000001"$'\t'"ABA'; DROP TABLE submission; --"
copyb b11 && sed -i '2s/$/\r/' b11/protocols/index.tsv
audit1 A11 b11 "FAIL I4 protocols/index.tsv line 2: is \"00000001"$'\t'"ABA-0001"$'\t'"1"$'\t'"accepted"$'\t'"-?\""
copyb b12 && sed -i '1s/^/\xef\xbb\xbf/' b12/protocols/index.tsv
audit1 A12 b12 "FAIL I4 protocols/index.tsv line 1: is not the header line"
copyb b13 && head -c 2000000 /dev/zero | tr '\0' A >>b13/protocols/index.tsv
audit1 A13 b13 "FAIL I4 protocols/index.tsv: has lines after the log's last submission"
copyb b14 && sed -i '2s/\t1\t/\t18446744073709551616\t/' b14/protocols/index.tsv
audit1 A14 b14 "FAIL I4 protocols/index.tsv line 2: is \"00000001"$'\t'"ABA-0001"$'\t'"18446744073709551616"
copyb b15 && sed -i '0,/^index: 1$/s//index: 18446744073709551616/' b15/log/entries.txt
audit1 A15 b15 "FAIL I1 log entry 1: malformed: entry:2: index: \"18446744073709551616\" $NC"
copyb b16 && sed -i '3s/^/\x00/' b16/result.txt
audit1 A16 b16 "FAIL I3 result.txt: the statement or its signature does not hash to what the log recorded"
hcase A17
mkdir pubdir
hexit "$HC: verify exits 2" 2 "pubdir: not a regular file" "$AUDIT" verify -p pubdir "$B"
hcase A18
copyb b18 && ln -s /etc/passwd b18/evil
hexit "$HC: archive exits 2, naming the link" 2 "b18/evil: not a plain file" "$DAUYS" archive b18 b18.tar
check "$HC: no archive is left" absent b18.tar

# --- 7. the audit of an archive ----------------------------------------------------------

section "dauys-audit verify: hostile archives"

expect_ok "dauys archive of the demo's bundle" "" "$DAUYS" archive "$B" good.tar
expect_ok "the archive passes (the baseline)" "all checks pass" "$AUDIT" verify -p "$CENTRAL_PUB" good.tar
# All the hostile archives in one run of Python (tar surgery).
cat >tarx.py <<'PY'
# tarx.py SRC [MODE NAME DST]...: SRC (a ustar archive) made hostile into each
# DST; prints the first member's name and where protocols/00000005.txt's
# header starts.
#   append NAME      a plain member NAME added at the end
#   symlink NAME     member NAME replaced by a symbolic link to /etc/passwd
#   hardlink NAME    member NAME replaced by a hard link to ../../etc/passwd
#   pax NAME         a member whose pax header sets its path to NAME
#   checksum NAME    member NAME's header checksum broken
#   size NAME        member NAME's size set to 8 GiB - 1, its checksum made right
import io, sys, tarfile

src = sys.argv[1]
enc = dict(encoding='utf-8', errors='surrogateescape')
with tarfile.open(src, **enc) as t:
    members = t.getmembers()
offset = {m.name: m.offset for m in members}


def make(mode, name, dst):
    if mode in ('checksum', 'size'):
        data = bytearray(open(src, 'rb').read())
        off = offset[name]
        if mode == 'size':
            data[off + 124:off + 136] = b'77777777777\0'
            data[off + 148:off + 156] = b' ' * 8
            data[off + 148:off + 156] = b'%06o\0 ' % sum(data[off:off + 512])
        else:
            data[off + 148:off + 156] = b'0000000\0'
        open(dst, 'wb').write(data)
        return
    tin = tarfile.open(src, **enc)
    fmt = tarfile.PAX_FORMAT if mode == 'pax' else tarfile.USTAR_FORMAT
    tout = tarfile.open(dst, 'w', format=fmt, **enc)

    def member(n, data=b'hostile\n', kind=tarfile.REGTYPE, link='', pax=None):
        ti = tarfile.TarInfo(n)
        ti.type, ti.linkname, ti.mode = kind, link, 0o644
        ti.size = len(data) if kind == tarfile.REGTYPE else 0
        if pax:
            ti.pax_headers = pax
        tout.addfile(ti, io.BytesIO(data) if kind == tarfile.REGTYPE else None)

    for m in tin.getmembers():
        if mode == 'symlink' and m.name == name:
            member(name, kind=tarfile.SYMTYPE, link='/etc/passwd')
        elif mode == 'hardlink' and m.name == name:
            member(name, kind=tarfile.LNKTYPE, link='../../etc/passwd')
        else:
            tout.addfile(m, tin.extractfile(m) if m.isfile() else None)
    if mode == 'append':
        member(name)
    if mode == 'pax':
        member('notes.txt', pax={'path': name})
    tout.close()
    tin.close()


jobs = sys.argv[2:]
for i in range(0, len(jobs), 3):
    make(*jobs[i:i + 3])
print(members[0].name)
print(offset['protocols/00000005.txt'])
PY
mkdir arch
FIRST='' PROTO5_AT=0
{ read -r FIRST && read -r PROTO5_AT; } < <("$PYTHON" tarx.py good.tar \
    append ../evil.txt arch/t01.tar \
    append "$WORK/abs-evil.txt" t02.tar \
    append protocols/../../evil.txt t03.tar \
    append $'\e]0;pwned\a\e[2Jesc.txt' t04.tar \
    symlink protocols/00000001.txt t05.tar \
    hardlink central.pub t06.tar \
    pax ../../../pax-evil t07.tar \
    checksum protocols/00000005.txt t08.tar \
    size protocols/00000005.txt t09.tar \
    checksum central.pub t12.tar)
check "tarx.py made the hostile archives" test "$FIRST" = central.pub -a "$PROTO5_AT" -gt 0 -a -s t12.tar
cd arch || exit 2
audit1 T01 t01.tar "FAIL I4 t01.tar: member ../evil.txt: a name with a '..' component, which tar refuses"
check "$HC: nothing is written at ../evil.txt" absent ../evil.txt
cd "$WORK" || exit 2
audit1 T02 t02.tar "FAIL I4 ${WORK#/}/abs-evil.txt: is not named by the log"
check "$HC: nothing is written at the absolute name" absent "$WORK/abs-evil.txt"
audit1 T03 t03.tar "FAIL I4 t03.tar: member protocols/../../evil.txt: a name with a '..' component, which tar refuses"
audit1 T04 t04.tar "FAIL I4 ?]0;pwned??[2Jesc.txt: is not named by the log"
audit1 T05 t05.tar "FAIL I3 log entry 1: protocols/00000001.txt is missing from the bundle" \
    "FAIL I4 t05.tar: member protocols/00000001.txt: not a plain file"
audit1 T06 t06.tar "FAIL I4 central.pub: is not a plain file (a link, directory or device)"
audit1 T07 t07.tar "FAIL I4 " "is not named by the log"
check "$HC: nothing is written at ../../../pax-evil" absent ../../../pax-evil pax-evil
audit1 T08 t08.tar "FAIL I3 log entry 5: protocols/00000005.txt is missing from the bundle" \
    "FAIL I4 t08.tar: byte $PROTO5_AT: not a readable member header (header checksum does not match)"
audit1 T09 t09.tar "FAIL I3 log entry 5: protocols/00000005.txt is missing from the bundle" \
    "FAIL I4 t09.tar: byte "
head -c $((PROTO5_AT + 600)) good.tar >t10.tar
audit1 T10 t10.tar "FAIL I4 t10.tar: byte $PROTO5_AT: the archive ends inside protocols/00000005.txt"
head -c $(($(stat -c %s good.tar) - 1024)) good.tar >t11.tar
audit1 T11 t11.tar "FAIL I4 t11.tar: byte * the archive ends without its end blocks (cut short?)"
hcase T12
hexit "$HC: verify exits 2, saying where the archive broke" 2 \
    "t12.tar: log/entries.txt is not in the archive; it is unreadable from byte 0: not a readable member header (header checksum does not match)" \
    "$AUDIT" verify -p "$CENTRAL_PUB" t12.tar
hcase T13
: >t13.tar
hexit "$HC: verify exits 2" 2 "t13.tar: log/entries.txt is not in the archive" "$AUDIT" verify -p "$CENTRAL_PUB" t13.tar
hcase T14
mkfifo t14.tar
hexit "$HC: verify exits 2 at once" 2 "t14.tar: not a regular file" timeout 60 "$AUDIT" verify -p "$CENTRAL_PUB" t14.tar
hcase T15
head -c 100000 /dev/urandom >t15.tar
hexit "$HC: verify exits 2" 2 "t15.tar: log/entries.txt is not in the archive" "$AUDIT" verify -p "$CENTRAL_PUB" t15.tar

# --- 8. receipts: dauys-audit check -------------------------------------------------------

section "dauys-audit check: hostile receipts and checkpoints"

mkdir r
expect_ok "prove AST-0002's protocol (the receipt)" "format: dauys-proof 1" "$AUDIT" prove -p "$CENTRAL_PUB" "$B" AST-0002
printf '%s\n' "$STDOUT" >r/good.txt
PROTO=$B/protocols/$(awk -F'\t' '$2 == "AST-0002" && $4 == "accepted" { print $1 }' "$B/protocols/index.tsv").txt
CP=$B/checkpoint
expect_ok "check: the good receipt holds (the baseline)" "OK: $PROTO is precinct AST-0002's protocol" \
    "$AUDIT" check -p "$CENTRAL_PUB" "$PROTO" r/good.txt "$CP"
# badreceipt CASE NAME CODE PATTERN: check with r/NAME exits CODE with PATTERN.
badreceipt() {
    hcase "$1"
    hexit "$HC: check exits $3" "$3" "$4" "$AUDIT" check -p "$CENTRAL_PUB" "$PROTO" "r/$2" "$CP"
}
sed '1s/^/\xef\xbb\xbf/' r/good.txt >r/bom.txt
badreceipt R01 bom.txt 1 'receipt:1: a UTF-8 byte order mark (BOM) is not allowed: save the file as UTF-8 without it'
sed 's/$/\r/' r/good.txt >r/crlf.txt
badreceipt R02 crlf.txt 1 "receipt: no log entry after the proof"
sed '3s/.*/index: 18446744073709551616/' r/good.txt >r/i2p64.txt
badreceipt R03 i2p64.txt 1 "receipt:3: index: not a number (no leading zero, at most 19 digits)"
sed '3s/.*/index: 9223372036854775808/' r/good.txt >r/i2p63.txt
badreceipt R04 i2p63.txt 1 "the receipt proves entry 9223372036854775808 in a log of"
sed '3s/.*/index: -1/' r/good.txt >r/ineg.txt
badreceipt R05 ineg.txt 1 "receipt:3: index: not a number"
sed '3s/.*/index: 09/' r/good.txt >r/i09.txt
badreceipt R06 i09.txt 1 "receipt:3: index: not a number (no leading zero, at most 19 digits)"
sed '4s/.*/size: 99999999999999999999999999999/' r/good.txt >r/size.txt
badreceipt R07 size.txt 1 "receipt:4: size: not a number (no leading zero, at most 19 digits)"
{ sed -n 1,4p r/good.txt; for _ in $(seq 70); do sed -n 5p r/good.txt; done; sed -n '/^format: dauys-log/,$p' r/good.txt; } >r/hashes.txt
badreceipt R08 hashes.txt 1 "receipt: more than 64 hashes"
: >r/empty.txt
badreceipt R09 empty.txt 1 "receipt: no log entry after the proof"
sed '5s/.*/hash: \x1b[31mAAAA/' r/good.txt >r/esc.txt
badreceipt R10 esc.txt 1 "receipt:5: control byte is not allowed (byte 0x1b at column 7)"
head -c 100000 /dev/zero | tr '\0' a >r/big.txt
badreceipt R11 big.txt 1 "r/big.txt: file is 100000 bytes, over the limit of"
mkdir r/dir.txt
badreceipt R12 dir.txt 2 "r/dir.txt: not a regular file"
sed 's/^precinct: AST-0002$/precinct: AST-0002\x00/' r/good.txt >r/nul.txt
badreceipt R14 nul.txt 1 "receipt entry:5: control byte is not allowed (byte 0x00 at column 19)"
hcase R13
hexit "$HC: check exits 2" 2 "$B/protocols: not a regular file" \
    "$AUDIT" check -p "$CENTRAL_PUB" "$B/protocols" r/good.txt "$CP"
hcase R15
sed '1s/^/\xef\xbb\xbf/' "$CP" >r/cp-bom
hexit "$HC: check exits 1" 1 "checkpoint: no signature by key" "$AUDIT" check -p "$CENTRAL_PUB" "$PROTO" r/good.txt r/cp-bom
hcase R16
sed 's/$/\r/' "$CP" >r/cp-crlf
hexit "$HC: check exits 1" 1 "checkpoint:1: origin: " "$AUDIT" check -p "$CENTRAL_PUB" "$PROTO" r/good.txt r/cp-crlf

# --- the corpus count -------------------------------------------------------------------

section "the corpus"

missing=''
for id in "${CASE_ORDER[@]}"; do
    [ -n "${CASE_RAN[$id]:-}" ] || missing="$missing $id"
done
expect_eq "every case of the corpus table ran" "" "$missing"
N_RAN=${#CASE_RAN[@]}
printf '%d hostile cases run (%d in the corpus table)\n' "$N_RAN" "${#CASE_ORDER[@]}"
check "at least 50 hostile cases ran" test "$N_RAN" -ge 50

summary
