#!/usr/bin/env bash
# archive_cli.sh: a bundle as one archive (docs/FORMATS.md 17.4): `dauys
# archive` and `dauys publish --archive` write it, `tar` reads it, and
# `dauys-audit verify` audits it directly with the same findings as the
# directory. Then the archive is tampered with, byte by byte, every way its
# form allows (a changed, missing, moved, doubled, extra or linked member, a
# cut or broken header, an edited database inside it), and the test asserts
# the exact set of checks that fail.
#
#   usage: bash tests/cli/archive_cli.sh /path/to/dauys /path/to/dauys-audit
#
# Then the archive's member names are spelled every way GNU tar unpacks to the
# same path, or a way it refuses, and each archive is unpacked by the real
# tar -xf: what the audit accepts is exactly what tar unpacks (the issue-15
# attack: /result.txt appended with a forged result signed by another key).
#
# Hermetic (mktemp -d), non-interactive. Needs bash, coreutils, util-linux
# (setsid), GNU tar, python3 and minisign.
set -u

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 2

cli_args "$@"
PYTHON=${PYTHON3:-python3}
for tool in "$PYTHON" tar setsid minisign; do
    command -v "$tool" >/dev/null 2>&1 || { echo "$0: $tool is needed" >&2; exit 2; }
done
cli_workdir archive
run() { run_split "$@"; }

# The surgeon: edits a ustar archive member by member, fixing header
# checksums, so that only the change under test differs.
cat >surgeon.py <<'EOF'
import sys

def members(data):
    """(header offset, name, type, size) of each member, up to the end blocks."""
    out, at = [], 0
    while at + 512 <= len(data) and data[at:at + 512] != bytes(512):
        h = data[at:at + 512]
        name = h[0:100].rstrip(b"\0").decode()
        prefix = h[345:500].rstrip(b"\0").decode() if h[257:263] == b"ustar\0" else ""
        size = int(h[124:136].rstrip(b"\0 ").decode() or "0", 8)
        out.append((at, (prefix + "/" if prefix else "") + name, chr(h[156]), size))
        at += 512 + (size + 511) // 512 * 512
    return out, at

def header(name, size, typ="0"):
    h = bytearray(512)
    h[0:len(name)] = name.encode()
    h[100:108] = b"0000644\0"; h[108:116] = b"0000000\0"; h[116:124] = b"0000000\0"
    h[124:136] = b"%011o\0" % size; h[136:148] = b"00000000000\0"
    h[156] = ord(typ); h[257:265] = b"ustar\x0000"
    return fix(h)

def fix(h):
    h[148:156] = b"        "
    h[148:156] = b"%06o\0 " % sum(h)
    return h

def block(name, content):
    pad = (len(content) + 511) // 512 * 512 - len(content)
    return bytes(header(name, len(content))) + content + bytes(pad)

def find(ms, name):
    return next(m for m in ms if m[1] == name)

def span(m):
    return m[0], m[0] + 512 + (m[3] + 511) // 512 * 512

op, src, dst = sys.argv[1], sys.argv[2], sys.argv[3]
args = sys.argv[4:]
data = bytearray(open(src, "rb").read())
ms, end = members(data)
if op == "flip":          # flip a byte of member NAME's data at OFFSET
    m = find(ms, args[0]); data[m[0] + 512 + int(args[1])] ^= 0x01
elif op == "drop":        # remove members NAME...
    for name in sorted(args, key=lambda n: -find(ms, n)[0]):
        a, b = span(find(ms, name)); del data[a:b]
elif op == "swap":        # exchange the places of members A and B (A before B)
    (a0, a1), (b0, b1) = span(find(ms, args[0])), span(find(ms, args[1]))
    data[a0:b1] = data[b0:b1] + data[a1:b0] + data[a0:a1]
elif op == "insert":      # a new member NAME with CONTENT before member BEFORE
    at = find(ms, args[2])[0]
    data[at:at] = block(args[0], args[1].encode())
elif op == "append":      # a new member NAME with CONTENT at the end
    data[end:end] = block(args[0], args[1].encode())
elif op == "retype":      # member NAME's type flag becomes T
    m = find(ms, args[0]); h = bytearray(data[m[0]:m[0] + 512]); h[156] = ord(args[1])
    data[m[0]:m[0] + 512] = fix(h)
elif op == "cut":         # the archive ends in the middle of member NAME
    m = find(ms, args[0]); del data[m[0] + 512 + m[3] // 2:]
elif op == "smash":       # member NAME's header checksum is wrong
    m = find(ms, args[0]); data[m[0] + 148] ^= 0x01
elif op == "dbedit":      # a log entry's digit inside the dauys.db member changes
    m = find(ms, "dauys.db"); at = data.find(b"\nindex: 3\n", m[0] + 512, m[0] + 512 + m[3])
    assert at > 0; data[at + 8] = ord("4")
elif op == "lonezero":    # one zero block before member NAME (GNU tar reads on past it)
    at = find(ms, args[0])[0]; data[at:at] = bytes(512)
elif op == "sub":         # in member NAME's data, OLD becomes NEW (its size follows)
    m = find(ms, args[0]); a, b = span(m)
    content = bytes(data[m[0] + 512:m[0] + 512 + m[3]])
    assert args[1].encode() in content
    data[a:b] = block(args[0], content.replace(args[1].encode(), args[2].encode(), 1))
elif op == "appendfile":  # new members NAME with FILE's bytes, at the end (pairs NAME FILE)
    for name, path in zip(args[0::2], args[1::2]):
        data[end:end] = block(name, open(path, "rb").read()); end = members(data)[1]
elif op == "hide":        # a directory member DIR whose data is the member NAME with FILE's bytes
    inner = block(args[1], open(args[2], "rb").read())
    data[end:end] = bytes(header(args[0], len(inner), "5")) + inner
elif op == "respell":     # each member's name N becomes the Python expression EXPR of N
    for at, name, _, _ in ms:
        h = bytearray(data[at:at + 512]); new = eval(args[0], {"n": name}).encode()
        assert len(new) <= 100 and h[345] == 0
        h[0:100] = new + bytes(100 - len(new)); data[at:at + 512] = fix(h)
elif op == "names":       # print the member names, one per line
    print("\n".join(n for _, n, _, _ in ms)); sys.exit(0)
else:
    sys.exit("unknown op " + op)
open(dst, "wb").write(data)
EOF
surgeon() { "$PYTHON" surgeon.py "$@" || fail_value "surgeon $*" "the edit could not be made"; }

# failing ARCHIVE: the ids of the checks with failures, from verify --json.
failing() {
    "$AUDIT" verify --json -p w/keys/central.pub "$1" 2>/dev/null | "$PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
print(" ".join(k for k, v in d["checks"].items() if v["failed"]))' 2>/dev/null
}

# expect_fails NAME ARCHIVE "IDS" [PATTERN]: verify exits 1, exactly IDS fail,
# and the output matches PATTERN.
expect_fails() {
    local name=$1 file=$2 ids=$3 pat=${4:-}
    expect_exit "$name: verify exits 1${pat:+ and says where}" 1 "$pat" \
        "$AUDIT" verify -p w/keys/central.pub "$file"
    expect_eq "$name: exactly $ids fail" "$ids" "$(failing "$file")"
}

section "a bundle to archive"
expect_ok "dauys demo --precincts 40" "The audit passed" "$DAUYS" demo --precincts 40 --seed 3 --out w
B=w/bundle

section "dauys archive"
expect_ok "dauys archive --help" "usage: dauys archive BUNDLE FILE" "$DAUYS" archive --help
expect_ok "dauys archive BUNDLE a.tar" "archived" "$DAUYS" archive "$B" a.tar
expect_ok "  ... GNU tar lists it" "protocols/00000001.txt" tar -tf a.tar
mkdir x && tar -xf a.tar -C x
expect_ok "  ... and unpacks the bundle exactly" "" diff -r x "$B"
order=$(surgeon names a.tar a.tar)
expect_eq "  ... the head first, sorted; protocols in log order; index.tsv last" \
    "central.pub checkpoint dauys.db log/ log/entries.txt" "$(echo $order | cut -d' ' -f1-5)"
check "  ... the protocol run: each protocol, then its signature" matches "$order" \
    "result.txt.minisig*protocols/*protocols/00000001.txt*protocols/00000001.txt.minisig*protocols/00000002.txt"
expect_eq "  ... protocols/index.tsv is the last member" "protocols/index.tsv" "$(echo "$order" | tail -n 1)"
expect_ok "  ... the same bundle gives the same bytes" "" "$DAUYS" archive "$B" b.tar
check "  ... (compared)" cmp -s a.tar b.tar
expect_exit "an existing archive is refused" 2 "b.tar: File exists" "$DAUYS" archive "$B" b.tar
check "  ... and left as it was" cmp -s a.tar b.tar
expect_exit "not a bundle" 2 "not a bundle (no protocols/ directory)" "$DAUYS" archive w/keys c.tar
check "  ... nothing written" absent c.tar
cp -a "$B" linked && ln -s ../../result.txt linked/protocols/00000999.txt
expect_exit "a symbolic link in the bundle" 2 "linked/protocols/00000999.txt: not a plain file" \
    "$DAUYS" archive linked c.tar
check "  ... no half archive left" absent c.tar
expect_exit "a missing bundle" 2 "nowhere: No such file" "$DAUYS" archive nowhere c.tar
cp -a "$B" inside
expect_exit "an archive written inside the bundle" 2 "the archive itself; write it outside" \
    "$DAUYS" archive inside inside/protocols/self.tar
check "  ... and removed" absent inside/protocols/self.tar

section "dauys publish --archive"
cp -a w/workspace ws2
expect_ok "publish again with --archive" "archived to p.tar" \
    "$DAUYS" publish -w ws2 -k w/keys/central.key --archive p.tar p
check "  ... the same archive as dauys archive of that bundle" cmp -s p.tar a.tar
expect_exit "an existing --archive is refused before anything is logged" 2 "p.tar: exists" \
    "$DAUYS" publish -w ws2 -k w/keys/central.key --archive p.tar q
check "  ... no bundle directory made" absent q

section "dauys-audit reads the archive directly"
expect_ok "verify a.tar" "all checks pass" "$AUDIT" verify -p w/keys/central.pub a.tar
archive_table=$STDOUT
expect_ok "verify the directory" "all checks pass" "$AUDIT" verify -p w/keys/central.pub "$B"
expect_eq "  ... the same table, check by check" "$STDOUT" "${archive_table//a.tar/$B}"
expect_ok "retally a.tar" "" "$AUDIT" retally -p w/keys/central.pub a.tar
check "  ... is result.txt byte for byte" test "$STDOUT" = "$(cat "$B/result.txt")"
precinct=$(awk -F'\t' 'NR == 2 { print $2 }' "$B/protocols/index.tsv")
expect_ok "prove from the archive" "" "$AUDIT" prove -p w/keys/central.pub a.tar "$precinct"
from_archive=$STDOUT
expect_ok "prove from the directory" "" "$AUDIT" prove -p w/keys/central.pub "$B" "$precinct"
expect_eq "  ... the same receipt" "$STDOUT" "$from_archive"
expect_ok "-j 1 reads it the same" "all checks pass" "$AUDIT" verify -j 1 -p w/keys/central.pub a.tar
tar --sort=name --format=gnu -cf gnu.tar -C "$B" .
expect_ok "an archive made by GNU tar --sort=name (./ names, GNU headers)" "all checks pass" \
    "$AUDIT" verify -p w/keys/central.pub gnu.tar

section "tampering with the archive"
surgeon flip a.tar t1.tar protocols/00000005.txt 40
expect_fails "a protocol's byte changed" t1.tar "I3" "protocols/00000005.txt"
surgeon drop a.tar t2.tar protocols/00000006.txt protocols/00000006.txt.minisig
expect_fails "a protocol and its signature removed" t2.tar "I3" "protocols/00000006.txt"
surgeon swap a.tar t3.tar protocols/00000007.txt.minisig protocols/00000008.txt
expect_fails "two members out of log order" t3.tar "I3 I4" "not in log order"
surgeon insert a.tar t4.tar protocols/00000009.txt.bak "x" protocols/00000010.txt
expect_fails "an unlogged file inside the protocols" t4.tar "I4" "protocols/00000009.txt.bak: not a protocol"
surgeon insert a.tar t4b.tar notes.txt "x" protocols/00000010.txt
expect_fails "an unlogged file elsewhere, inside the run (ends it: what follows is out of place)" \
    t4b.tar "I3 I4" "notes.txt*is not named by the log"
surgeon append a.tar t5.tar evil.sh "echo owned"
expect_fails "an unlogged file at the end" t5.tar "I4" "evil.sh"
surgeon append a.tar t6.tar result.txt "status: final"
expect_fails "result.txt twice (tar -x would keep the second)" t6.tar "I4" "appears twice"
surgeon insert a.tar t7.tar protocols/00000011.txt "$(cat "$B/protocols/00000011.txt")" protocols/00000012.txt
expect_fails "a protocol member twice" t7.tar "I4" "00000011.txt: appears twice"
surgeon retype a.tar t8.tar manifest.txt 2
expect_fails "manifest.txt made a symbolic link" t8.tar "I4" "manifest.txt*not a plain file"
surgeon retype a.tar t9.tar protocols/00000013.txt 1
expect_fails "a protocol made a hard link" t9.tar "I3 I4" "00000013.txt: not a plain file"
surgeon cut a.tar t10.tar protocols/00000030.txt
expect_fails "the archive cut short" t10.tar "I3 I4" "ends inside protocols/00000030.txt"
surgeon smash a.tar t11.tar protocols/00000020.txt.minisig
expect_fails "a broken header" t11.tar "I3 I4" "not a readable member header"
surgeon dbedit a.tar t12.tar
expect_fails "the database inside edited" t12.tar "C3" "dauys.db log_entry 3"
surgeon lonezero a.tar t14.tar protocols/00000025.txt
expect_fails "a lone zero block hides the members after it from the audit, not from tar" \
    t14.tar "I3 I4" "a lone zero block"
surgeon sub a.tar t15.tar log/entries.txt $'index: 5\n' $'index: 999999999\n'
expect_exit "a wild index in the log: reported, not followed into the archive" 1 \
    "I1 log entry 5*index 999999999" "$AUDIT" verify -p w/keys/central.pub t15.tar
check "  ... its protocol is reported out of place, nothing else is lost" \
    test "$(failing t15.tar)" = "I1 I2 I3 I4 C3"
head -c 300 a.tar >t13.tar
expect_exit "only the first bytes" 2 "t13.tar: log/entries.txt is not in the archive" "$AUDIT" verify -p w/keys/central.pub t13.tar
expect_exit "an empty file" 2 "" "$AUDIT" verify -p w/keys/central.pub /dev/null

section "member names as tar unpacks them (FORMATS.md 17.4)"
# judge NAME ARCHIVE pass|fail [PATTERN]: the audit's verdict on ARCHIVE;
# then real tar -xf unpacks it into a fresh directory. What the audit accepts
# must unpack to exactly the bundle it read, and that directory passes too.
judge() {
    local name=$1 file=$2 verdict=$3 pat=${4:-}
    if [ "$verdict" = pass ]; then
        expect_ok "$name: verify accepts it" "all checks pass" \
            "$AUDIT" verify -p w/keys/central.pub "$file"
    else
        expect_fails "$name: verify refuses it" "$file" "I4" "$pat"
    fi
    mkdir "x.$file" && tar -xf "$file" -C "x.$file" 2>/dev/null
    if [ "$verdict" = pass ]; then
        expect_ok "  ... tar -xf unpacks exactly the bundle the audit read" "" diff -r "x.$file" "$B"
        expect_ok "  ... which passes the audit too" "all checks pass" \
            "$AUDIT" verify -p w/keys/central.pub "x.$file"
    fi
}
# unpacked_forged ARCHIVE: tar -xf put the forged result in place of the
# genuine one, and the audit of what it unpacked fails as the archive's did.
unpacked_forged() {
    check "  ... tar -xf unpacks the forged result" cmp -s "x.$1/result.txt" forged/result.txt
    expect_exit "  ... and the audit of that directory fails too" 1 "result.txt" \
        "$AUDIT" verify -p w/keys/central.pub "x.$1"
}
mkdir forged
minisign -G -W -p forged/other.pub -s forged/other.key >/dev/null 2>&1 ||
    fail_value "minisign -G" "no key pair made"
sed 's/^national: eligible 48104 took-part 33970 yes 26789 no 6530 /national: eligible 48104 took-part 33970 yes 6530 no 26789 /' \
    "$B/result.txt" >forged/result.txt
expect_exit "a forged result (the national yes and no exchanged)" 1 "" \
    cmp -s forged/result.txt "$B/result.txt"
minisign -S -s forged/other.key -m forged/result.txt \
    -t "$(sed -n 's/^trusted comment: //p' "$B/result.txt.minisig")" >/dev/null 2>&1 ||
    fail_value "minisign -S" "the forged result not signed"

surgeon appendfile a.tar evil.tar /central.pub forged/other.pub /result.txt forged/result.txt \
    /result.txt.minisig forged/result.txt.minisig
judge "the forged central.pub, result.txt and its signature appended as /NAME" evil.tar fail \
    'central.pub: appears twice in the archive, as "central.pub" and "/central.pub"*result.txt: appears twice*result.txt.minisig: appears twice'
unpacked_forged evil.tar
expect_ok "  ... which stock minisign verifies against the unpacked central.pub" "" \
    minisign -Vm x.evil.tar/result.txt -p x.evil.tar/central.pub
n=0
for spelling in ./result.txt //result.txt .//result.txt /./result.txt ././/./result.txt; do
    surgeon appendfile a.tar "s$((++n)).tar" "$spelling" forged/result.txt \
        "$spelling.minisig" forged/result.txt.minisig
    judge "a second result.txt spelled $spelling" "s$n.tar" fail \
        "result.txt: appears twice in the archive, as \"result.txt\" and \"$spelling\""
    unpacked_forged "s$n.tar"
done
surgeon appendfile a.tar s_log.tar log//entries.txt "$B/log/entries.txt"
judge "log/entries.txt again as log//entries.txt (the same bytes)" s_log.tar fail \
    'log/entries.txt: appears twice in the archive, as "log/entries.txt" and "log//entries.txt"'
surgeon appendfile a.tar s_dir.tar ./log/ forged/other.pub
judge "a plain file named ./log/ (tar makes a directory and reads its data as members)" \
    s_dir.tar fail "member ./log/: a file whose name ends in '/'"
surgeon appendfile a.tar s_dot.tar reports/../result.txt forged/result.txt
judge "reports/../result.txt (tar refuses a '..' component)" s_dot.tar fail \
    "reports/../result.txt: a name with a '..' component, which tar refuses"
surgeon appendfile a.tar s_dot2.tar result.txt/. forged/result.txt
judge "result.txt/. (tar cannot unpack it)" s_dot2.tar fail "result.txt/.: a file whose name ends in '.'"
surgeon appendfile a.tar s_run.tar /protocols/00000003.txt "$B/protocols/00000003.txt"
judge "a protocol again as /protocols/00000003.txt" s_run.tar fail \
    "/protocols/00000003.txt: outside the protocols' run"
surgeon hide a.tar s_hide.tar reports/ result.txt forged/result.txt
judge "a directory member whose data is a member (tar unpacks it; a reader by sizes skips it)" \
    s_hide.tar fail "member reports/: a directory with*bytes of data, which tar reads as"
unpacked_forged s_hide.tar
surgeon respell a.tar r1.tar '"/" + n'
judge "every name with a leading /" r1.tar pass
surgeon respell a.tar r2.tar '"./" + n'
judge "every name with a leading ./" r2.tar pass
surgeon respell a.tar r3.tar 'n.replace("/", "//") if n.count("/") == 1 and not n.endswith("/") else n'
judge "every / inside a file's name doubled" r3.tar pass
surgeon respell a.tar r4.tar '"/./" + n.replace("/", "/./", 1)'
judge "/./ before and inside every name" r4.tar pass

summary
