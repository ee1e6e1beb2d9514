#!/usr/bin/env bash
# keys_cli.sh: end-to-end test of the key and signature features of the
# dauys and dauys-audit command-line programs, including interoperability
# with Debian's stock minisign (0.11).
#
#   usage: bash tests/cli/keys_cli.sh /path/to/dauys /path/to/dauys-audit
#
# Hermetic (everything happens in a mktemp -d directory removed on exit),
# non-interactive (every command runs under `setsid -w` with no controlling
# terminal, so nothing can prompt on /dev/tty) and needs only bash, coreutils,
# util-linux (setsid) and minisign. Encrypted dauys keys use --kdf interactive
# except one made at the default (sensitive) cost, which is not decrypted;
# minisign's own encrypted key (scrypt at 1 GiB, several seconds per use) is
# made once and used twice. About 30 s in all. Prints every failing check with the
# command's output, ends with "N passed, M failed", exits 1 if M > 0.
set -u

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 2

cli_args "$@"
MINISIGN=${MINISIGN:-minisign}
cli_workdir keys

# --- helpers specific to this test (the shared ones are in lib.sh) -------------

# run [--input TEXT] CMD...: runs CMD in a new session (no controlling
# terminal) with TEXT (printf %b escapes) or nothing on stdin; sets OUT
# (stdout and stderr) and RC.
run() {
    local input=''
    if [ "$1" = --input ]; then
        input=$2
        shift 2
    fi
    CMD=$(printf '%q ' "$@")
    OUT=$(printf '%b' "$input" | setsid -w "$@" 2>&1)
    RC=$?
}

# expect_reject NAME PATTERN [--input TEXT] CMD...: for minisign, whose exact
# failure codes are not part of its contract: exit 1..125 (not 0, not a crash,
# not "command not found") and PATTERN in the output.
expect_reject() {
    local name=$1 pat=$2
    shift 2
    run "$@"
    if [ "$RC" -eq 0 ] || [ "$RC" -gt 125 ]; then
        fail "$name" "expected a failure exit status (1..125), got $RC"
    elif ! matches "$OUT" "$pat"; then
        fail "$name" "exit $RC as expected, but the output lacks \"$pat\""
    else
        pass
    fi
}

# expect_output NAME PATTERN: the last command's output matches PATTERN.
expect_output() {
    if matches "$OUT" "$2"; then pass; else fail "$1" "output lacks \"$2\""; fi
}

mode_is() { [ "$(stat -c %a "$2" 2>/dev/null)" = "$1" ]; }
same_file() { cmp -s "$1" "$2"; }
nfiles() { find "$1" -mindepth 1 2>/dev/null | wc -l; }
empty_or_absent() { [ ! -e "$1" ] || [ "$(nfiles "$1")" -eq 0 ]; }

# A digest of a directory: names, modes, sizes, inodes, mtimes and contents.
dir_digest() {
    (cd "$1" 2>/dev/null && find . -mindepth 1 -printf '%p %m %s %i %T@\n' | sort &&
        find . -type f -print0 | sort -z | xargs -0 cat) | sha256sum
}

# copy_pair SRC DST: copies SRC and SRC.minisig to DST and DST.minisig.
copy_pair() { cp "$1" "$2" && cp "$1.minisig" "$2.minisig" 2>/dev/null; }

# set_line FILE N TEXT: replaces line N of FILE with TEXT.
set_line() {
    NEW_LINE=$3 awk -v n="$2" 'NR == n { $0 = ENVIRON["NEW_LINE"] } { print }' "$1" >"$1.tmp" &&
        mv "$1.tmp" "$1"
}

# tweak_char FILE N COL: changes the character at column COL (from 1) of line N.
tweak_char() {
    awk -v n="$2" -v c="$3" 'NR == n { x = substr($0, c, 1); y = (x == "A") ? "B" : "A";
        $0 = substr($0, 1, c - 1) y substr($0, c + 1) } { print }' "$1" >"$1.tmp" &&
        mv "$1.tmp" "$1"
}

# retag_sig FILE TAG: re-encodes the signature line (line 2) of the signature
# file FILE with the 2-byte algorithm tag TAG instead of its own.
retag_sig() {
    local line
    line=$({ printf '%s' "$2"; sed -n 2p "$1" | base64 -d | tail -c +3; } | base64 -w0)
    set_line "$1" 2 "$line"
}

# noncanonical_sig FILE: sets a padding bit in the signature line's base64
# (74 bytes: 100 characters ending in one '='), leaving the bytes decoded by a
# lenient decoder unchanged.
noncanonical_sig() {
    local alpha='ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
    local line c rest idx
    line=$(sed -n 2p "$1")
    c=${line:98:1}
    rest=${alpha%%"$c"*}
    idx=${#rest}
    set_line "$1" 2 "${line:0:98}${alpha:$((idx ^ 1)):1}${line:99}"
}

# kdf_params KEYFILE: the scrypt opslimit and memlimit bytes of a secret key, in hex.
kdf_params() { sed -n 2p "$1" 2>/dev/null | base64 -d | od -An -tx1 -j 38 -N 16 2>/dev/null | tr -d ' \n'; }

# --- preflight ------------------------------------------------------------------

section "preflight"
check "dauys is an executable file ($DAUYS)" test -x "$DAUYS"
check "dauys-audit is an executable file ($AUDIT)" test -x "$AUDIT"
if ! command -v "$MINISIGN" >/dev/null 2>&1; then
    echo "keys_cli.sh: minisign not found: install it (scripts/setup.sh); interop checks will FAIL" >&2
fi
expect_ok "minisign is installed and is version 0.x" "minisign 0." "$MINISIGN" -v

printf 'correct horse battery staple\n' >pw
printf 'wrong horse\n' >wrongpw
printf 'minisign pw\n' >mpw
chmod 600 pw wrongpw mpw
printf 'Precinct 17 protocol\nregistered 1500\nyes 1234\nno 56\n' >doc
seq 1 400000 >big # ~2.6 MB, more than one read chunk

# --- usage ----------------------------------------------------------------------

section "usage"
expect_ok "dauys --help" "usage" "$DAUYS" --help
for c in keygen sign verify; do
    expect_ok "dauys $c --help" "usage" "$DAUYS" "$c" --help
done
expect_ok "dauys-audit --help" "usage" "$AUDIT" --help
expect_ok "dauys-audit verify-signatures --help" "usage" "$AUDIT" verify-signatures --help
expect_exit "dauys with no command" 2 "usage" "$DAUYS"
expect_exit "dauys unknown command" 2 "unknown command" "$DAUYS" frobnicate
expect_exit "dauys-audit unknown command" 2 "unknown command" "$AUDIT" frobnicate
expect_exit "dauys verify unknown option" 2 "usage" "$DAUYS" verify --bogus doc -p x
expect_exit "dauys verify with neither -p nor -P" 2 "exactly one" "$DAUYS" verify doc
expect_exit "dauys keygen with both -o and --precincts" 2 "usage" \
    "$DAUYS" keygen --unencrypted -o x --precincts l -d d
expect_exit "dauys keygen with an unknown --kdf" 2 "--kdf" \
    "$DAUYS" keygen --kdf bogus --password-file pw -o kdfx
check "  ... and writes nothing" absent kdfx.pub kdfx.key
expect_exit "dauys sign without -k" 2 "usage" "$DAUYS" sign doc
expect_exit "dauys sign -x with two files" 2 "usage" "$DAUYS" sign doc big -k u.key -x s

# --- keygen ---------------------------------------------------------------------

section "keygen"
expect_ok "keygen --unencrypted -o u" "key id" "$DAUYS" keygen --unencrypted -o u
expect_output "  ... says the key is unencrypted" "UNENCRYPTED"
expect_output "  ... prints the minisign -P command with the public key" \
    "minisign -Vm FILE -P $(pub_b64 u.pub 2>/dev/null)"
check "u.pub has mode 644" mode_is 644 u.pub
check "u.key has mode 600" mode_is 600 u.key
expect_ok "keygen encrypted (--kdf interactive, --password-file)" "encrypted" \
    "$DAUYS" keygen --kdf interactive --password-file pw -o ei
check "ei.pub has mode 644" mode_is 644 ei.pub
check "ei.key has mode 600" mode_is 600 ei.key
expect_ok "keygen encrypted at the default (sensitive) cost, password from DAUYS_PASSWORD" \
    "encrypted" env DAUYS_PASSWORD='sensitive pw' "$DAUYS" keygen -o es

umask 000
expect_ok "keygen under umask 000" "" "$DAUYS" keygen --unencrypted -o um0
umask 077
expect_ok "keygen under umask 077" "" "$DAUYS" keygen --unencrypted -o um7
umask 022
check "umask 000: secret key still mode 600" mode_is 600 um0.key
check "umask 000: public key mode 644" mode_is 644 um0.pub
check "umask 077: secret key mode 600" mode_is 600 um7.key
check "umask 077: public key mode 644" mode_is 644 um7.pub

cp u.pub u.pub.orig
cp u.key u.key.orig
expect_exit "keygen refuses to overwrite an existing key pair" 2 "already exists" \
    "$DAUYS" keygen --unencrypted -o u
check "  ... u.pub unchanged" same_file u.pub u.pub.orig
check "  ... u.key unchanged" same_file u.key u.key.orig
echo keep >half1.pub
expect_exit "keygen refuses when only PREFIX.pub exists" 2 "already exists" \
    "$DAUYS" keygen --unencrypted -o half1
check "  ... and leaves no PREFIX.key behind" absent half1.key
check "  ... and the existing PREFIX.pub untouched" test "$(cat half1.pub)" = keep
echo keep >half2.key
chmod 600 half2.key
expect_exit "keygen refuses when only PREFIX.key exists" 2 "already exists" \
    "$DAUYS" keygen --unencrypted -o half2
check "  ... and leaves no PREFIX.pub behind" absent half2.pub
ln -s victim sl.key
expect_exit "keygen refuses a dangling symlink at PREFIX.key" 2 "already exists" \
    "$DAUYS" keygen --unencrypted -o sl
check "  ... and does not create the symlink's target" absent victim

# --- witness keys (issue 18) ----------------------------------------------------

section "witness keys"
NACL_PYTHON=${NACL_PYTHON:-/usr/bin/python3}
WNAME=observers.example.org/witness-1
expect_ok "keygen --witness NAME -o wk" "witness: $WNAME+" \
    "$DAUYS" keygen --unencrypted --witness "$WNAME" -o wk
expect_output "  ... names the verifier key file" "verifier key: wk.vkey"
check "wk.vkey has mode 644" mode_is 644 wk.vkey
check "wk.key has mode 600" mode_is 600 wk.key
check "  ... wk.vkey is one line, the verifier key printed as the manifest's witness line" \
    test "witness: $(cat wk.vkey)" = "$(grep '^witness: ' <<<"$OUT")" -a "$(wc -l <wk.vkey)" = 1
check "  ... and wk.pub's comment names the witness" \
    grep -qx "untrusted comment: dauys public key [0-9A-F]\{16\} witness $WNAME" wk.pub
# Independently (PyNaCl): the vkey is NAME+KEYID+base64(0x04 || PK), KEYID is
# SHA-256(NAME || 0x0A || 0x04 || PK)[:4], PK is the Ed25519 key of wk.pub
# (bytes 10..42 of its second line) and verifies a signature by wk.key.
expect_ok "dauys sign with the witness's secret key" "signed" "$DAUYS" sign doc -k wk.key -x doc.wk
cat >vkey_check.py <<'PY'
import base64, hashlib, sys
from nacl.signing import VerifyKey
vkey_file, pub_file, doc, sig_file, want_name = sys.argv[1:6]
text = open(vkey_file, "rb").read()
assert text.endswith(b"\n") and text.count(b"\n") == 1, "one line"
name, key_id, b64 = text[:-1].decode().split("+", 2)
raw = base64.b64decode(b64, validate=True)
assert base64.b64encode(raw).decode() == b64, "canonical base64"
assert name == want_name, name
assert len(raw) == 33 and raw[0] == 0x04, "type 0x04 and a 32-byte key"
pk = raw[1:]
want_id = hashlib.sha256(name.encode() + b"\n\x04" + pk).digest()[:4].hex()
assert key_id == want_id, (key_id, want_id)
pub = base64.b64decode(open(pub_file).read().splitlines()[1])
assert pub[10:42] == pk, "the .pub file's Ed25519 key"
sig_line = base64.b64decode(open(sig_file).read().splitlines()[1])
assert sig_line[:2] == b"ED"
VerifyKey(pk).verify(hashlib.blake2b(open(doc, "rb").read()).digest(), sig_line[10:74])
print("vkey ok")
PY
expect_ok "  ... the vkey checked with PyNaCl: its id, its key, that key is wk.pub's and verifies wk.key's signature" \
    "vkey ok" "$NACL_PYTHON" vkey_check.py wk.vkey wk.pub doc doc.wk "$WNAME"
# The vkey parses back: a manifest naming the witness is accepted by init.
printf '%s\n' "format: dauys-manifest 1" "referendum: wtest" "title: Witness keys" \
    "date: 2026-03-15" "mode: test" "version: 1" "ballot: single" "witness-quorum: 1" \
    "witness: $(cat wk.vkey)" "question: q1 simple-majority Yes?" "region: R1 city One" \
    "district: D1 R1 One" "precinct: P1 D1 100 $(pub_b64 um0.pub) School 1" >wm.txt
setsid -w "$DAUYS" sign wm.txt -k u.key >/dev/null 2>&1
expect_ok "  ... and a manifest with its witness line is accepted by init" "workspace created" \
    "$DAUYS" init -w wws --manifest wm.txt --central-key u.pub
expect_ok "keygen --witness, encrypted (--kdf interactive)" "witness: w2+" \
    "$DAUYS" keygen --kdf interactive --password-file pw --witness w2 -o wk2
expect_ok "  ... its secret key signs with the password" "signed" \
    "$DAUYS" sign doc -k wk2.key --password-file pw -x doc.wk2
for bad in "two words:contains a space" "a+b:contains '+'" ":is empty"; do
    expect_exit "keygen --witness refuses the key name \"${bad%%:*}\"" 2 "witness name: ${bad#*:}" \
        "$DAUYS" keygen --unencrypted --witness "${bad%%:*}" -o wbad
    check "  ... and writes nothing" absent wbad.pub wbad.key wbad.vkey
done
expect_exit "keygen --witness without -o (with --precincts)" 2 "usage" \
    "$DAUYS" keygen --unencrypted --witness w3 --precincts l -d d
echo keep >wk3.vkey
expect_exit "keygen --witness refuses an existing PREFIX.vkey" 2 "wk3.vkey: already exists" \
    "$DAUYS" keygen --unencrypted --witness w3 -o wk3
check "  ... and writes no key pair" absent wk3.pub wk3.key
check "  ... and leaves the file as it was" test "$(cat wk3.vkey)" = keep
cp u.pub u.pub.witness
expect_exit "keygen --witness refuses an existing key pair" 2 "u.key: already exists" \
    "$DAUYS" keygen --unencrypted --witness w4 -o u
check "  ... and writes no vkey" absent u.vkey
check "  ... and leaves the key pair as it was" same_file u.pub u.pub.witness

# --- passwords ------------------------------------------------------------------

section "passwords"
expect_ok "sign with an encrypted key, --password-file" "signed" \
    "$DAUYS" sign doc -k ei.key --password-file pw -x doc.ei1
expect_ok "sign with an encrypted key, DAUYS_PASSWORD" "signed" \
    env DAUYS_PASSWORD='correct horse battery staple' "$DAUYS" sign doc -k ei.key -x doc.ei2
expect_ok "--password-file takes precedence over DAUYS_PASSWORD" "signed" \
    env DAUYS_PASSWORD=nope "$DAUYS" sign doc -k ei.key --password-file pw -x doc.ei3
printf 'correct horse battery staple\r\nsecond line\n' >pwcrlf
chmod 600 pwcrlf
expect_ok "password file: only the first line counts, CRLF accepted" "signed" \
    "$DAUYS" sign doc -k ei.key --password-file pwcrlf -x doc.ei4
expect_exit "wrong password (--password-file)" 2 "wrong password" \
    "$DAUYS" sign doc -k ei.key --password-file wrongpw -x doc.bad1
expect_exit "wrong password (DAUYS_PASSWORD)" 2 "wrong password" \
    env DAUYS_PASSWORD=nope "$DAUYS" sign doc -k ei.key -x doc.bad2
check "  ... no signature written after a wrong password" absent doc.bad1 doc.bad2
expect_exit "encrypted key, no password source, no terminal" 2 "no terminal" \
    "$DAUYS" sign doc -k ei.key -x doc.bad3
check "  ... no signature written" absent doc.bad3
expect_exit "keygen encrypted, no password source, no terminal" 2 "no terminal" \
    "$DAUYS" keygen --kdf interactive -o notty
check "  ... writes nothing" absent notty.pub notty.key
expect_exit "keygen refuses an empty password (DAUYS_PASSWORD=)" 2 "empty password" \
    env DAUYS_PASSWORD= "$DAUYS" keygen --kdf interactive -o empty1
printf '\nsecond line\n' >emptypw
chmod 600 emptypw
expect_exit "keygen refuses an empty password (empty first line of the file)" 2 \
    "empty password" "$DAUYS" keygen --kdf interactive --password-file emptypw -o empty2
check "  ... writes nothing" absent empty1.pub empty1.key empty2.pub empty2.key
cp pw pw644
chmod 644 pw644
expect_exit "password file readable by others refused (sign)" 2 "chmod 600" \
    "$DAUYS" sign doc -k ei.key --password-file pw644 -x doc.bad4
expect_exit "password file readable by others refused (keygen)" 2 "chmod 600" \
    "$DAUYS" keygen --kdf interactive --password-file pw644 -o pwbad
check "  ... writes nothing" absent doc.bad4 pwbad.pub pwbad.key
ln -s pw pwlink
expect_exit "password file behind a symlink refused" 2 "symbolic link" \
    "$DAUYS" sign doc -k ei.key --password-file pwlink -x doc.bad5
expect_exit "missing password file" 2 "nonexistent-pw" \
    "$DAUYS" sign doc -k ei.key --password-file nonexistent-pw -x doc.bad6
expect_ok "an unencrypted key needs no password (none given, no terminal)" "signed" \
    "$DAUYS" sign doc -k u.key -x doc.u0

# --- secret key file protection ---------------------------------------------------

section "secret key file protection"
for m in 644 640 604 660; do
    cp u.key "u$m.key"
    chmod "$m" "u$m.key"
    expect_exit "sign refuses a secret key with mode $m" 2 "chmod 600" \
        "$DAUYS" sign doc -k "u$m.key" -x "doc.m$m"
    check "  ... and writes no signature" absent "doc.m$m"
done
ln -s u.key ulink.key
expect_exit "sign refuses a secret key behind a symlink" 2 "symbolic link" \
    "$DAUYS" sign doc -k ulink.key -x doc.link
check "  ... and writes no signature" absent doc.link
expect_exit "sign with a missing secret key" 2 "nokey.key" "$DAUYS" sign doc -k nokey.key
expect_exit "sign a missing file" 2 "no-such-doc" "$DAUYS" sign no-such-doc -k u.key
check "  ... and writes no signature" absent no-such-doc.minisig
expect_exit "sign refuses a trusted comment with a newline" 2 "one line" \
    "$DAUYS" sign doc -k u.key -t "$(printf 'a\nb')" -x doc.nl
check "  ... and writes no signature" absent doc.nl

# --- interoperability with minisign ---------------------------------------------------

section "interop: dauys signs, minisign verifies"
expect_ok "dauys sign (unencrypted key)" "signed" "$DAUYS" sign doc -k u.key
check "  ... writes doc.minisig with mode 644" mode_is 644 doc.minisig
expect_ok "minisign verifies it with the dauys public key file" \
    "Signature and comment signature verified" "$MINISIGN" -Vm doc -p u.pub
expect_ok "minisign verifies it with -P BASE64" "Signature and comment signature verified" \
    "$MINISIGN" -Vm doc -P "$(pub_b64 u.pub)"
expect_ok "dauys verify -p" "signature verified" "$DAUYS" verify doc -p u.pub
expect_ok "dauys verify -P BASE64" "signature verified" "$DAUYS" verify doc -P "$(pub_b64 u.pub)"
expect_ok "dauys verify -q prints nothing" "" "$DAUYS" verify -q doc -p u.pub
check "  ... (output empty)" test -z "$OUT"
expect_ok "minisign verifies a signature by an encrypted dauys key" \
    "Signature and comment signature verified" "$MINISIGN" -Vm doc -p ei.pub -x doc.ei1
expect_ok "minisign verifies a signature made with DAUYS_PASSWORD" \
    "Signature and comment signature verified" "$MINISIGN" -Vm doc -p ei.pub -x doc.ei2
expect_ok "dauys sign a multi-megabyte file" "signed" "$DAUYS" sign big -k u.key
expect_ok "minisign verifies the multi-megabyte signature" \
    "Signature and comment signature verified" "$MINISIGN" -Vm big -p u.pub
expect_ok "dauys sign -t/-c custom comments" "signed" \
    "$DAUYS" sign doc -k u.key -t "precinct 17 final" -c "from the test" -x doc.custom
expect_ok "minisign shows the custom trusted comment" "Trusted comment: precinct 17 final" \
    "$MINISIGN" -Vm doc -p u.pub -x doc.custom
check "  ... and the untrusted comment is written" \
    test "$(head -n 1 doc.custom)" = "untrusted comment: from the test"
cp doc d1
cp doc d2
expect_ok "dauys sign two files at once" "" "$DAUYS" sign d1 d2 -k u.key
expect_ok "  ... minisign verifies the first" "" "$MINISIGN" -Vm d1 -p u.pub
expect_ok "  ... minisign verifies the second" "" "$MINISIGN" -Vm d2 -p u.pub
expect_ok "minisign -R recreates the dauys public key from the dauys secret key" "" \
    "$MINISIGN" -R -s u.key -p u.recreated.pub
check "  ... same public key" test "$(pub_b64 u.recreated.pub)" = "$(pub_b64 u.pub)"

section "interop: minisign signs with dauys keys"
expect_ok "minisign -S with an unencrypted dauys secret key" "" \
    "$MINISIGN" -S -s u.key -m doc -x doc.ms.u
expect_ok "  ... dauys verify accepts it" "signature verified" \
    "$DAUYS" verify doc -p u.pub -x doc.ms.u
expect_ok "minisign -S with an encrypted dauys key (interactive cost), right password" "" \
    --input 'correct horse battery staple\n' "$MINISIGN" -S -s ei.key -m doc -x doc.ms.ei
expect_ok "  ... dauys verify accepts it" "signature verified" \
    "$DAUYS" verify doc -p ei.pub -x doc.ms.ei
expect_reject "minisign -S with an encrypted dauys key, wrong password" "Wrong password" \
    --input 'wrong horse\n' "$MINISIGN" -S -s ei.key -m doc -x doc.ms.bad
check "  ... no signature written" absent doc.ms.bad

section "interop: minisign keys, dauys signs and verifies"
expect_ok "minisign -G -W (unencrypted key pair)" "" "$MINISIGN" -G -W -p m.pub -s m.key
expect_ok "minisign -S with it" "" "$MINISIGN" -S -s m.key -m doc -x doc.ms.m
expect_ok "  ... dauys verify accepts it" "signature verified" \
    "$DAUYS" verify doc -p m.pub -x doc.ms.m
expect_ok "minisign -S -l (legacy, unhashed) signature" "" \
    "$MINISIGN" -S -l -s m.key -m doc -x doc.ms.legacy
expect_ok "  ... dauys verify accepts the legacy signature" "signature verified" \
    "$DAUYS" verify doc -p m.pub -x doc.ms.legacy
expect_ok "dauys sign with the minisign-made unencrypted key" "signed" \
    "$DAUYS" sign doc -k m.key -x doc.d.m
expect_ok "  ... minisign verifies it" "Signature and comment signature verified" \
    "$MINISIGN" -Vm doc -p m.pub -x doc.d.m
expect_ok "minisign -G (encrypted key pair, password from stdin)" "" \
    --input 'minisign pw\nminisign pw\n' "$MINISIGN" -G -p me.pub -s me.key
# opslimit 2^25, memlimit 2^30 (1 GiB), little-endian: minisign's default.
check "dauys keygen's default cost is minisign's (opslimit 2^25, memlimit 1 GiB)" \
    test "$(kdf_params es.key)" = 00000002000000000000004000000000
check "  ... and minisign -G's key says the same" \
    test "$(kdf_params me.key)" = 00000002000000000000004000000000
check "the interactive cost differs from the sensitive one" \
    test "$(kdf_params ei.key)" != "$(kdf_params me.key)"
expect_ok "minisign -S with its encrypted key" "" \
    --input 'minisign pw\n' "$MINISIGN" -S -s me.key -m doc -x doc.ms.me
expect_ok "  ... dauys verify accepts it" "signature verified" \
    "$DAUYS" verify doc -p me.pub -x doc.ms.me
expect_ok "dauys sign with the minisign-made encrypted key (--password-file)" "signed" \
    "$DAUYS" sign doc -k me.key --password-file mpw -x doc.d.me
expect_ok "  ... minisign verifies it" "Signature and comment signature verified" \
    "$MINISIGN" -Vm doc -p me.pub -x doc.d.me

section "verify: could not check (exit 2)"
expect_exit "missing signature file" 2 "nosig.minisig" "$DAUYS" verify doc -p u.pub -x nosig.minisig
check "  ... is not reported as a bad signature" test "${OUT#*BAD SIGNATURE}" = "$OUT"
expect_exit "missing signed file" 2 "no-such-doc" \
    "$DAUYS" verify no-such-doc -p u.pub -x doc.minisig
expect_exit "missing public key file" 2 "nokey.pub" "$DAUYS" verify doc -p nokey.pub
printf 'untrusted comment: junk\nnot base64 at all\n' >junk.pub
expect_exit "malformed public key file" 2 "public key" "$DAUYS" verify doc -p junk.pub
expect_exit "malformed -P public key" 2 "public key" "$DAUYS" verify doc -P not-a-key
{
    echo "untrusted comment: wrong algorithm"
    { printf 'Xx'; pub_b64 u.pub | base64 -d | tail -c +3; } | base64 -w0
    echo
} >alg.pub
expect_exit "public key with an unknown algorithm tag" 2 "unknown algorithm" \
    "$DAUYS" verify doc -p alg.pub

# --- tampering ----------------------------------------------------------------------

section "tamper detection"
SOURCE_DATE_EPOCH=1700000000 setsid -w "$DAUYS" sign doc -k u.key >/dev/null 2>&1

# tampered NAME PATTERN MINISIGN FILE: dauys verify FILE must exit 1 with
# "BAD SIGNATURE" and PATTERN; with MINISIGN=yes minisign -V must fail too.
tampered() {
    expect_exit "$1: dauys verify" 1 "BAD SIGNATURE*$2" "$DAUYS" verify "$4" -p u.pub
    if [ "$3" = yes ]; then
        expect_reject "$1: minisign -V" "" "$MINISIGN" -Vm "$4" -p u.pub
    fi
}

copy_pair doc t_bit0 && flip t_bit0 0
tampered "one flipped bit, first byte of the file" "does not match the file" yes t_bit0
copy_pair doc t_bit && flip t_bit 30
tampered "one flipped bit inside the file" "does not match the file" yes t_bit
copy_pair doc t_app && printf ' ' >>t_app
tampered "one byte appended to the file" "does not match the file" yes t_app
copy_pair doc t_trunc && truncate -s -1 t_trunc
tampered "last byte of the file cut off" "does not match the file" yes t_trunc
copy_pair doc t_sig && tweak_char t_sig.minisig 2 40
tampered "changed character in the signature line (signature bytes)" \
    "does not match the file" yes t_sig
copy_pair doc t_sigid && tweak_char t_sigid.minisig 2 6
tampered "changed character in the signature line (key id bytes)" "signed by key" yes t_sigid
copy_pair doc t_tc && tweak_char t_tc.minisig 3 28
tampered "changed character in the trusted comment" "global signature" yes t_tc
copy_pair doc t_tcx && set_line t_tcx.minisig 3 "$(sed -n 3p doc.minisig)x"
tampered "character appended to the trusted comment" "global signature" yes t_tcx
copy_pair doc t_gs && tweak_char t_gs.minisig 4 20
tampered "changed character in the global signature line" "global signature" yes t_gs
copy_pair doc t_short && sed -i '$d' t_short.minisig
tampered "signature file missing its last line" "missing" yes t_short
copy_pair doc t_empty && : >t_empty.minisig
tampered "empty signature file" "missing" yes t_empty
copy_pair doc t_alg && retag_sig t_alg.minisig EX
tampered "signature with an unknown algorithm tag" "unknown algorithm" yes t_alg
copy_pair doc t_legacy && retag_sig t_legacy.minisig Ed
tampered "prehashed signature relabelled legacy (\"Ed\")" "" yes t_legacy
copy_pair doc t_garbage && echo garbage >>t_garbage.minisig
# minisign 0.11 ignores data after the fourth line, so only dauys is asserted.
tampered "garbage after the last line" "unexpected data" no t_garbage
copy_pair doc t_canon && noncanonical_sig t_canon.minisig
# minisign's base64 decoder accepts this; dauys insists on canonical base64.
tampered "non-canonical base64 in the signature line" "base64" no t_canon
check "(setup: a signature over the same file with another trusted comment)" \
    test "$(sed -n 3p doc.custom)" != "$(sed -n 3p doc.minisig)"
copy_pair doc t_mix && set_line t_mix.minisig 3 "$(sed -n 3p doc.custom)"
tampered "trusted comment taken from another valid signature" "global signature" yes t_mix
expect_exit "wrong public key: dauys verify" 1 "signed by key" "$DAUYS" verify doc -p m.pub
expect_reject "wrong public key: minisign -V" "key id" "$MINISIGN" -Vm doc -p m.pub
expect_exit "wrong public key via -P: dauys verify" 1 "signed by key" \
    "$DAUYS" verify doc -P "$(pub_b64 ei.pub)"
copy_pair doc t_uc && set_line t_uc.minisig 1 "untrusted comment: anything goes here"
expect_ok "a changed untrusted comment still verifies (dauys)" "signature verified" \
    "$DAUYS" verify t_uc -p u.pub
expect_ok "a changed untrusted comment still verifies (minisign)" "" \
    "$MINISIGN" -Vm t_uc -p u.pub

# --- determinism ------------------------------------------------------------------

section "determinism"
expect_ok "sign with SOURCE_DATE_EPOCH (1)" "" \
    env SOURCE_DATE_EPOCH=1700000000 "$DAUYS" sign doc -k u.key -x det1.minisig
expect_ok "sign with SOURCE_DATE_EPOCH (2)" "" \
    env SOURCE_DATE_EPOCH=1700000000 "$DAUYS" sign doc -k u.key -x det2.minisig
check "the two signature files are byte-identical" same_file det1.minisig det2.minisig
check "trusted comment is timestamp:1700000000<TAB>file:doc<TAB>hashed" \
    test "$(sed -n 3p det1.minisig)" = "$(printf 'trusted comment: timestamp:1700000000\tfile:doc\thashed')"
expect_ok "dauys verify prints the trusted comment" "trusted comment: timestamp:1700000000" \
    "$DAUYS" verify doc -p u.pub -x det1.minisig
mkdir -p sub/dir
cp doc sub/dir/doc
expect_ok "sign a file in a subdirectory" "" \
    env SOURCE_DATE_EPOCH=1700000000 "$DAUYS" sign sub/dir/doc -k u.key
check "  ... file: in the trusted comment is the base name, signature identical" \
    same_file sub/dir/doc.minisig det1.minisig
expect_ok "encrypted key: same deterministic signature across decryptions (1)" "" \
    env SOURCE_DATE_EPOCH=1700000000 "$DAUYS" sign doc -k ei.key --password-file pw -x det3.minisig
expect_ok "encrypted key: same deterministic signature across decryptions (2)" "" \
    env SOURCE_DATE_EPOCH=1700000000 "$DAUYS" sign doc -k ei.key --password-file pw -x det4.minisig
check "  ... byte-identical" same_file det3.minisig det4.minisig

# --- bulk key generation ----------------------------------------------------------

section "bulk keygen"
{
    echo "# 2,000 precincts, with comments and blank lines"
    for i in $(seq 1 2000); do
        printf 'p%04d\n' "$i"
        [ $((i % 500)) -eq 0 ] && printf '\n# after %d\n' "$i"
    done
} >ids2000
t0=$(date +%s%N)
expect_ok "keygen --unencrypted --precincts (2,000 ids)" "2000 precinct key pairs" \
    "$DAUYS" keygen --unencrypted --precincts ids2000 -d keys
ms=$((($(date +%s%N) - t0) / 1000000))
printf '  (2,000 unencrypted key pairs in %d ms)\n' "$ms"
check "  ... took less than 30 s (took ${ms} ms)" test "$ms" -lt 30000
check "  ... wrote 4,000 files" test "$(nfiles keys)" -eq 4000
check "  ... 2,000 .pub files" test "$(find keys -name '*.pub' | wc -l)" -eq 2000
check "  ... 2,000 .key files" test "$(find keys -name '*.key' | wc -l)" -eq 2000
check "  ... every .key is mode 600" test -z "$(find keys -name '*.key' ! -perm 600)"
check "  ... every .pub is mode 644" test -z "$(find keys -name '*.pub' ! -perm 644)"
check "  ... first and last ids present" test -f keys/p0001.key -a -f keys/p2000.pub
check "  ... all 2,000 public keys distinct" \
    test "$(awk 'FNR == 2' keys/*.pub | sort -u | wc -l)" -eq 2000
expect_ok "sign with a bulk key (p1234)" "signed" \
    "$DAUYS" sign doc -k keys/p1234.key -x doc.p1234
expect_ok "  ... dauys verify with p1234.pub" "signature verified" \
    "$DAUYS" verify doc -p keys/p1234.pub -x doc.p1234
expect_ok "  ... minisign verifies with p1234.pub" "" \
    "$MINISIGN" -Vm doc -p keys/p1234.pub -x doc.p1234
expect_exit "  ... p1235.pub rejects it" 1 "signed by key" \
    "$DAUYS" verify doc -p keys/p1235.pub -x doc.p1234

before=$(dir_digest keys)
expect_exit "re-running into the same directory fails" 2 "already exist" \
    "$DAUYS" keygen --unencrypted --precincts ids2000 -d keys
check "  ... and changes nothing" test "$(dir_digest keys)" = "$before"
printf 'new1\nnew2\np0007\nnew3\n' >overlap
expect_exit "a list overlapping existing keys fails" 2 "already exist" \
    "$DAUYS" keygen --unencrypted --precincts overlap -d keys
check "  ... and writes none of the new ids (all or nothing)" \
    absent keys/new1.key keys/new1.pub keys/new2.key keys/new3.pub
check "  ... and changes nothing" test "$(dir_digest keys)" = "$before"

printf 'alpha\nbravo\n# comment\ncharlie\nbravo\ndelta\n' >dup
expect_exit "duplicate id names both lines" 2 "dup:5:*bravo*listed twice*line 2" \
    "$DAUYS" keygen --unencrypted --precincts dup -d dupkeys
check "  ... and creates no files" empty_or_absent dupkeys

badid() { # NAME LIST-TEXT LINE PROBLEM
    printf '%b' "$2" >"bad_$1"
    expect_exit "bad id ($1) is refused with its line number" 2 "bad_$1:$3: precinct id*$4" \
        "$DAUYS" keygen --unencrypted --precincts "bad_$1" -d "badkeys_$1"
    check "  ... and creates no files" empty_or_absent "badkeys_$1"
    check "  ... nor anything outside the directory" absent x.key x.pub
}
badid dotdot 'ok1\n\n../x\nok2\n' 3 "start with a letter or digit"
badid slash 'a/b\n' 1 "only letters"
badid dash '# leading dash\nok1\n-rf\n' 3 "start with a letter or digit"
badid space 'ok1\nok 2\n' 2 "only letters"
badid long "ok1\n$(printf 'a%.0s' $(seq 1 65))\n" 2 "longer than 64"
printf '# nothing here\n\n' >noids
expect_exit "a list with no ids is refused" 2 "no precinct ids" \
    "$DAUYS" keygen --unencrypted --precincts noids -d nokeys

{
    for i in $(seq 1 17); do printf 'enc-%02d\r\n' "$i"; done
    printf 'a.b_c-d\r\n'
    printf 'x%.0s' $(seq 1 64)
    printf '\r\n9lives\r\n'
} >ids20
expect_ok "encrypted bulk (20 ids, CRLF list, --password-file, -j 2)" "20 precinct key pairs" \
    "$DAUYS" keygen --password-file pw -j 2 --precincts ids20 -d enckeys
expect_output "  ... says encrypted" "(encrypted)"
check "  ... wrote 40 files" test "$(nfiles enckeys)" -eq 40
check "  ... 64-character id accepted" test -f "enckeys/$(printf 'x%.0s' $(seq 1 64)).key"
check "  ... the secret keys are encrypted (\"Sc\" scrypt tag)" \
    test "$(sed -n 2p enckeys/enc-07.key | base64 -d | head -c 4)" = "EdSc"
expect_ok "  ... a bulk key signs with the password" "signed" \
    "$DAUYS" sign doc -k enckeys/enc-07.key --password-file pw -x doc.enc07
expect_ok "  ... and the signature verifies" "signature verified" \
    "$DAUYS" verify doc -p enckeys/enc-07.pub -x doc.enc07
expect_exit "  ... a wrong password is refused" 2 "wrong password" \
    "$DAUYS" sign doc -k enckeys/enc-07.key --password-file wrongpw -x doc.enc07b
expect_ok "  ... minisign signs with a dauys bulk key" "" \
    --input 'correct horse battery staple\n' "$MINISIGN" -S -s enckeys/9lives.key -m doc -x doc.ms.9
expect_ok "  ... dauys verifies that" "signature verified" \
    "$DAUYS" verify doc -p enckeys/9lives.pub -x doc.ms.9

# --- dauys-audit verify-signatures ---------------------------------------------------

section "dauys-audit verify-signatures"
mkdir audit
for n in a b c d f g h; do printf 'protocol %s\n' "$n" >"audit/$n"; done
printf 'unsigned\n' >audit/e
setsid -w "$DAUYS" sign audit/a audit/b audit/c audit/d audit/g audit/h -k u.key >/dev/null 2>&1
setsid -w "$DAUYS" sign audit/f -k m.key >/dev/null 2>&1
printf 'tampered\n' >>audit/d
tweak_char audit/g.minisig 3 28
sed -i '$d' audit/h.minisig
expect_exit "mixed good, tampered, unsigned, foreign and malformed files" 1 \
    "3 verified, 5 bad, 0 could not be checked" \
    "$AUDIT" verify-signatures -p u.pub audit/a audit/b audit/c audit/d audit/e audit/f \
    audit/g audit/h
for n in a b c; do expect_output "  ... lists audit/$n as ok" "ok   audit/$n"$'\n'; done
expect_output "  ... lists the tampered file" "BAD  audit/d: [signature]"
expect_output "  ... lists the unsigned file" "BAD  audit/e: no signature file"
expect_output "  ... lists the file signed by another key" "BAD  audit/f: [key-id]"
expect_output "  ... lists the tampered trusted comment" "BAD  audit/g: [comment-signature]"
expect_output "  ... lists the truncated signature" "BAD  audit/h: [format]"
check "  ... exactly 3 ok lines and 5 BAD lines" \
    test "$(grep -c '^ok ' <<<"$OUT"),$(grep -c '^BAD ' <<<"$OUT")" = "3,5"
expect_ok "all good: exit 0" "3 verified, 0 bad, 0 could not be checked" \
    "$AUDIT" verify-signatures -p u.pub audit/a audit/b audit/c
expect_ok "all good with -P BASE64" "3 verified, 0 bad, 0 could not be checked" \
    "$AUDIT" verify-signatures -P "$(pub_b64 u.pub)" audit/a audit/b audit/c
cp audit/a.minisig audit/gone.minisig
expect_exit "signature present but the file missing: could not be checked" 2 \
    "1 verified, 0 bad, 1 could not be checked" \
    "$AUDIT" verify-signatures -p u.pub audit/a audit/gone
expect_output "  ... listed as FAIL" "FAIL audit/gone"
expect_exit "bad and could-not-check together: exit 1" 1 \
    "0 verified, 1 bad, 1 could not be checked" \
    "$AUDIT" verify-signatures -p u.pub audit/d audit/gone
expect_exit "no files given" 2 "usage" "$AUDIT" verify-signatures -p u.pub
expect_exit "malformed public key" 2 "public key" "$AUDIT" verify-signatures -p junk.pub audit/a
expect_exit "neither -p nor -P" 2 "exactly one" "$AUDIT" verify-signatures audit/a

# --- summary ----------------------------------------------------------------------

summary
