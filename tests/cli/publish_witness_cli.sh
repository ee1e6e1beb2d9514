#!/usr/bin/env bash
# publish_witness_cli.sh: `dauys checkpoint --witness` and `dauys publish
# --witness` (issue 18) against three witnesses written apart from dauys
# (tests/tools/stub_witness.py, Python and PyNaCl), whose cosignatures are
# checked here by a verifier of a few lines that shares no code with dauys
# (PyNaCl: Ed25519 over "cosignature/v1\ntime T\n" and the checkpoint's text).
#
#   usage: bash tests/cli/publish_witness_cli.sh /path/to/dauys /path/to/dauys-audit
#
#  1. A 30-precinct demo referendum whose manifest names three witnesses,
#     quorum 2 (`witness-quorum` and `witness` lines, FORMATS.md 8.1), keys
#     made here. A manifest without witnesses refuses --witness (exit 2,
#     nothing signed).
#  2. dauys checkpoint --witness x3: the note printed, DIR/checkpoint.txt and
#     the stored note carry three cosignatures that verify; asked again at the
#     same size, the witnesses are not asked (their request counts).
#  3. dauys publish --witness x3 (URLs not in the manifest's order): result.txt
#     has, right after log-root, three `cosignature` lines in the manifest's
#     order, each verifying over the checkpoint of log-size entries; the
#     bundle's checkpoint and DIR/checkpoint.txt carry three that verify.
#     Publishing again: byte for byte the same bundle (dauys.db included),
#     nobody asked.
#  4. The log grows while the witnesses are asked (one witness answers
#     after 3 s, an ingest commits meanwhile): step 1 is done again, the
#     statement covers the grown log and carries its three cosignatures.
#  5. One witness down: the quorum still met, the statement and the bundle
#     carry two. Two down: the bundle's checkpoint carries one, the warning
#     says WITHOUT a quorum, exit 0; dauys publish without --witness then
#     gives the same bundle again.
#  6. dauys-audit verify: the bundles with a quorum pass every check, W1
#     (the checkpoint's and the statement's cosignatures) and C3 (the
#     database copy, rebuilt) included; the one without fails exactly W1.
# Hermetic (mktemp -d, removed on exit; the witnesses killed on exit); waits
# only on conditions with a deadline (the witnesses' port files, their request
# counts). About 10 s.
set -u

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 2

cli_args "$@"
STUB=$(abspath "$(dirname "${BASH_SOURCE[0]}")/../tools/stub_witness.py")
PYTHON=${PYTHON3_NACL:-/usr/bin/python3} # Debian's, with python3-nacl
for tool in "$PYTHON" sqlite3 setsid cmp diff curl; do
    command -v "$tool" >/dev/null 2>&1 || { echo "$0: $tool is needed" >&2; exit 2; }
done
"$PYTHON" -c 'import nacl.signing' 2>/dev/null || { echo "$0: $PYTHON lacks nacl (python3-nacl)" >&2; exit 2; }
cli_workdir publish-witness
run() { run_split "$@"; }

PIDS=()
stop_witnesses() { local p; for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; }
trap 'stop_witnesses; rm -rf "$WORK"' EXIT

ORIGIN=dauys/kz-2026-demo/test

# The independent verifier: keys, and checks of notes and statements.
cat >cosig.py <<'EOF'
import base64, hashlib, sys
import nacl.signing, nacl.exceptions

DASH = "\u2014 "

def key_id(name, t, pk):
    return hashlib.sha256(name.encode() + b"\n" + bytes([t]) + pk).digest()[:4]

def witnesses():  # name seed-hex pk-hex vkey, three fixed keys
    out = []
    for i in (1, 2, 3):
        name = "w%d.example/witness" % i
        seed = hashlib.sha256(b"publish_witness_cli %d" % i).digest()
        pk = bytes(nacl.signing.SigningKey(seed).verify_key)
        vkey = "%s+%s+%s" % (name, key_id(name, 4, pk).hex(), base64.b64encode(b"\x04" + pk).decode())
        out.append((name, seed.hex(), pk.hex(), vkey))
    return out

def check_cosig(name, b64, text):
    """the cosignature NAME BASE64 over the checkpoint TEXT: 'ok' or why not."""
    keys = {w[0]: bytes.fromhex(w[2]) for w in witnesses()}
    if name not in keys:
        return "unknown witness " + name
    blob = base64.b64decode(b64, validate=True)
    if len(blob) != 76 or blob[:4] != key_id(name, 4, keys[name]):
        return "not a cosignature/v1 by " + name
    t = int.from_bytes(blob[4:12], "big")
    msg = b"cosignature/v1\ntime %d\n" % t + text
    try:
        nacl.signing.VerifyKey(keys[name]).verify(msg, blob[12:])
    except nacl.exceptions.BadSignatureError:
        return "bad signature by " + name
    return "ok"

cmd = sys.argv[1]
if cmd == "keys":
    for w in witnesses():
        print(" ".join(w))
elif cmd == "note":  # note FILE CENTRAL.pub: the witnesses whose cosignature verifies
    note = open(sys.argv[2], "rb").read().decode()
    pk = base64.b64decode(open(sys.argv[3]).read().split("\n")[1])[10:42]
    text, sigs = note.split("\n\n", 1)
    text = (text + "\n").encode()
    lines = sigs.rstrip("\n").split("\n")
    assert lines[0].startswith(DASH + text.decode().split("\n")[0] + " "), "first line not the log's"
    central = base64.b64decode(lines[0].split(" ")[2])
    nacl.signing.VerifyKey(pk).verify(text, central[4:])
    names = []
    for line in lines[1:]:
        assert line.startswith(DASH), line
        _, name, b64 = line.split(" ")
        why = check_cosig(name, b64, text)
        if why != "ok":
            sys.exit(why)
        names.append(name)
    print(" ".join(names))
elif cmd == "statement":  # statement RESULT ORIGIN: the cosignature lines' witnesses, in order
    lines = open(sys.argv[2]).read().split("\n")
    kv = [l.split(": ", 1) for l in lines if l]
    at = [k for k, _ in kv].index("log-root")
    size, root = kv[at - 1][1], kv[at][1]
    assert kv[at - 1][0] == "log-size"
    text = ("%s\n%s\n%s\n" % (sys.argv[3], size, root)).encode()
    names = []
    for k, v in kv[at + 1:]:
        if k != "cosignature":
            break
        name, b64 = v.split(" ")
        why = check_cosig(name, b64, text)
        if why != "ok":
            sys.exit(why)
        names.append(name)
    assert all(k != "cosignature" for k, _ in kv[at + 1 + len(names):]), "a cosignature line elsewhere"
    print(" ".join(names) if names else "none")
EOF
cosig() { "$PYTHON" cosig.py "$@"; }
# ingest DIR: into ws; the demo plants rejections, so exit 0 or 1
ingest() {
    run "$DAUYS" ingest -w ws "$1"
    if [ "$RC" -le 1 ]; then pass; else fail "ingest $1" "exit $RC"; fi
}

# the names of the cosigners of note FILE (verified), or the failure
cosigners() { cosig note "$1" central.pub 2>&1; }
statement_cosigners() { cosig statement "$1/result.txt" "$ORIGIN" 2>&1; }
stored_note() { sqlite3 -batch ws/dauys.db "SELECT note FROM checkpoint WHERE size = $1"; }
requests() { curl -s "http://127.0.0.1:${PORT[$1]}/stats" | sed -n 's/^requests //p'; }

section "a referendum with three witnesses, quorum 2"

expect_ok "demo --files-only: 30 precincts" "" "$DAUYS" demo --precincts 30 --seed 3 --files-only --out demo
cp demo/keys/central.key demo/keys/central.pub .
mapfile -t WITNESS < <(cosig keys)
check "three witness keys" test "${#WITNESS[@]}" = 3
# the manifest with the witnesses, after the header's last line (ballot)
{
    sed -n '1,/^ballot: /p' demo/manifest.txt
    echo "witness-quorum: 2"
    for w in "${WITNESS[@]}"; do echo "witness: ${w##* }"; done
    sed '1,/^ballot: /d' demo/manifest.txt
} >manifest.txt
"$DAUYS" sign manifest.txt -k central.key </dev/null >/dev/null 2>&1 || echo "could not sign the manifest" >&2
mkdir in1 in2 in3 in4 in5 in6
n=0
for f in demo/incoming/*.txt; do
    n=$((n + 1))
    dest=in$((n <= 10 ? 1 : n <= 20 ? 2 : n <= 22 ? 5 : n <= 24 ? 6 : n <= 29 ? 3 : 4))
    mv "$f" "$dest/" && { [ ! -e "$f.minisig" ] || mv "$f.minisig" "$dest/"; }
done
expect_ok "init without witnesses" "workspace created" "$DAUYS" init -w ws0 --manifest demo/manifest.txt --central-key central.pub
expect_ok "init with three witnesses" "workspace created" "$DAUYS" init -w ws --manifest manifest.txt --central-key central.pub
ingest in1

LOG_PK=$("$PYTHON" -c 'import base64,sys; print(base64.b64decode(open(sys.argv[1]).read().split("\n")[1])[10:42].hex())' central.pub)
PORT=() URL=()
for i in 0 1 2; do
    read -r name seed _ _ <<<"${WITNESS[$i]}"
    "$PYTHON" "$STUB" --port-file "port$i" --name "$name" --seed "$seed" --origin "$ORIGIN" \
        --log-pk "$LOG_PK" --slow 3 >"witness$i.log" 2>&1 &
    PIDS+=($!)
done
for i in 0 1 2; do
    for _ in $(seq 1 500); do # until it writes its port (5 s at most)
        [ -s "port$i" ] && break
        sleep 0.01
    done
    PORT[i]=$(cat "port$i" 2>/dev/null)
    URL[i]=http://127.0.0.1:${PORT[i]}
done
check "three witnesses listening" test -n "${PORT[0]}" -a -n "${PORT[1]}" -a -n "${PORT[2]}"

expect_exit "checkpoint --witness: a manifest without witnesses is refused" 2 \
    "dauys: --witness: the manifest in force names no witnesses" \
    "$DAUYS" checkpoint -w ws0 -k central.key --witness "${URL[0]}"
expect_eq "... before anything is signed" 0 "$(sqlite3 ws0/dauys.db 'SELECT count(*) FROM checkpoint')"
expect_exit "--witness-timeout 0 is refused" 2 "--witness-timeout: expected a number of seconds from 1 to 3600" \
    "$DAUYS" checkpoint -w ws -k central.key --witness "${URL[0]}" --witness-timeout 0

section "dauys checkpoint --witness"

expect_ok "checkpoint --witness x3" "checkpoint (* entries) cosigned by 3 of 3 witnesses (quorum 2)" \
    "$DAUYS" checkpoint -w ws -k central.key --witness "${URL[0]}" --witness "${URL[1]}" \
    --witness "${URL[2]}" --witness-timeout 20
printf '%s\n' "$STDOUT" >printed.txt
size=$(sed -n 2p printed.txt)
expect_eq "the printed note: three cosignatures that verify" \
    "w1.example/witness w2.example/witness w3.example/witness" "$(cosigners printed.txt | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//')"
check "ws/checkpoint.txt is the printed note" cmp -s printed.txt ws/checkpoint.txt
expect_eq "the stored note is the printed one" "$(cat printed.txt)" "$(stored_note "$size")"
before=$(($(requests 0) + $(requests 1) + $(requests 2)))
expect_ok "checkpoint --witness again at the same size: not asked again" \
    "cosigned by 3 of 3 witnesses (quorum 2), as stored before: the witnesses were not asked again" \
    "$DAUYS" checkpoint -w ws -k central.key --witness "${URL[0]}" --witness "${URL[1]}" --witness "${URL[2]}"
expect_eq "... no request reached them" "$before" "$(($(requests 0) + $(requests 1) + $(requests 2)))"
expect_eq "... the same note printed" "$(cat printed.txt)" "$STDOUT"
expect_ok "checkpoint without --witness prints the stored, cosigned note" "" \
    "$DAUYS" checkpoint -w ws -k central.key
expect_eq "... the same note" "$(cat printed.txt)" "$STDOUT"

section "dauys publish --witness: the statement and the bundle"

ingest in2
ALL=(--witness "${URL[2]}" --witness "${URL[0]}" --witness "${URL[1]}") # not the manifest's order
expect_ok "publish --witness x3" "the final checkpoint (* entries) cosigned by 3 of 3 witnesses (quorum 2)" \
    "$DAUYS" publish -w ws -k central.key "${ALL[@]}" b1
expect_stderr "... the checkpoint before the result cosigned" "the checkpoint before the result (* entries) cosigned by 3 of 3 witnesses (quorum 2)"
expect_stderr "... the statement carries 3" "result.txt carries 3 cosignatures of the checkpoint of"
expect_no_stderr "... no warning" "WITHOUT"
expect_eq "result.txt: three cosignature lines in the manifest's order, verified" \
    "w1.example/witness w2.example/witness w3.example/witness" "$(statement_cosigners b1)"
expect_eq "... right after log-root" "log-root cosignature cosignature cosignature status" \
    "$(sed -n '/^log-root: /,/^status: /p' b1/result.txt | cut -d: -f1 | tr '\n' ' ' | sed 's/ $//')"
expect_eq "the bundle's checkpoint: three cosignatures that verify" 3 "$(cosigners b1/checkpoint | wc -w)"
check "ws/checkpoint.txt is the bundle's checkpoint" cmp -s b1/checkpoint ws/checkpoint.txt
final=$(sed -n 2p b1/checkpoint)
expect_eq "the stored final checkpoint is the bundle's" "$(cat b1/checkpoint)" "$(stored_note "$final")"
expect_eq "the bundle's dauys.db holds it too" "$(cat b1/checkpoint)" \
    "$(sqlite3 -batch "file:b1/dauys.db?immutable=1" "SELECT note FROM checkpoint WHERE size = $final")"
covered=$(sed -n 's/^log-size: //p' b1/result.txt)
check "the result covers the entries before its own ($covered + 1 = $final)" test "$((covered + 1))" = "$final"
expect_eq "the stored checkpoint of log-size carries the statement's cosignatures" 3 \
    "$(stored_note "$covered" >covered.txt; cosigners covered.txt | wc -w)"

before=$(($(requests 0) + $(requests 1) + $(requests 2)))
expect_ok "publish --witness again" "(unchanged since the last publication)" \
    "$DAUYS" publish -w ws -k central.key "${ALL[@]}" b2
expect_stderr "... the stored notes reused" "the final checkpoint ($final entries) cosigned by 3 of 3 witnesses (quorum 2), as stored before"
expect_eq "... nobody asked" "$before" "$(($(requests 0) + $(requests 1) + $(requests 2)))"
run diff -r b1 b2
expect_eq "... the same bundle, byte for byte (dauys.db included)" "0" "$RC"

section "the log grows while the witnesses are asked: asked again"

mode() { curl -s --data-binary "$2" "http://127.0.0.1:${PORT[$1]}/mode" >/dev/null; }
ingest in5 # something new to publish
r0=$(requests 0)
mode 0 slow # w1 answers after 3 s: time for an ingest meanwhile
setsid -w "$DAUYS" publish -w ws -k central.key "${ALL[@]}" b6 </dev/null >race.out 2>race.err &
race=$!
for _ in $(seq 1 1000); do # until w1 has the request of step 1 (10 s at most), then an ingest
    [ "$(requests 0)" -gt "$r0" ] && break
    kill -0 "$race" 2>/dev/null || break
    sleep 0.01
done
grown=$(sqlite3 ws/dauys.db 'SELECT count(*) FROM log_entry')
ingest in6
mode 0 ok
wait "$race"
RC=$? CMD="dauys publish ... b6 (while in6 is ingested)" OUT=$(cat race.out race.err)
expect_eq "publish while the log grows: exit 0" 0 "$RC"
check "... the ingest grew the log during step 1" test "$(sqlite3 ws/dauys.db 'SELECT count(*) FROM log_entry')" -gt "$((grown + 1))"
check "... it said it asked again" grep -qF "the log grew while the witnesses were asked: asked 2 times" race.err
check "... no warning" sh -c '! grep -q "warning" race.err'
expect_eq "... the result covers the grown log, cosigned by the three" \
    "w1.example/witness w2.example/witness w3.example/witness" "$(statement_cosigners b6)"
expect_eq "... its log-size is the size before its own entry" "$(($(sed -n 2p b6/checkpoint) - 1))" \
    "$(sed -n 's/^log-size: //p' b6/result.txt)"
expect_eq "... the bundle's checkpoint: three that verify" 3 "$(cosigners b6/checkpoint | wc -w)"

section "one witness down, then two"

kill "${PIDS[2]}" && wait "${PIDS[2]}" 2>/dev/null
ingest in3
expect_ok "publish with w3 down: a quorum still" "the final checkpoint (* entries) cosigned by 2 of 3 witnesses (quorum 2)" \
    "$DAUYS" publish -w ws -k central.key "${ALL[@]}" --witness-timeout 2 b3
expect_stderr "... w3 reported" "witness ${URL[2]}: no cosignature"
expect_no_stderr "... no warning" "WITHOUT"
expect_eq "... result.txt: w1 and w2, verified" "w1.example/witness w2.example/witness" "$(statement_cosigners b3)"
expect_eq "... the bundle's checkpoint: two that verify" 2 "$(cosigners b3/checkpoint | wc -w)"

kill "${PIDS[1]}" && wait "${PIDS[1]}" 2>/dev/null
ingest in4
expect_ok "publish with w2 and w3 down: exit 0" "WITHOUT a quorum (2 needed)" \
    "$DAUYS" publish -w ws -k central.key "${ALL[@]}" --witness-timeout 2 b4
expect_stderr "... the final checkpoint without a quorum" "warning: the final checkpoint (* entries) is cosigned by 1 of 3 witnesses, WITHOUT a quorum (2 needed)"
expect_eq "... result.txt: w1 only" "w1.example/witness" "$(statement_cosigners b4)"
expect_eq "... the bundle's checkpoint: one that verifies" "w1.example/witness" "$(cosigners b4/checkpoint)"
check "... ws/checkpoint.txt is the bundle's checkpoint" cmp -s b4/checkpoint ws/checkpoint.txt
expect_ok "publish without --witness: nobody asked" "(unchanged since the last publication)" \
    "$DAUYS" publish -w ws -k central.key b5
run diff -r b4 b5
expect_eq "... the same bundle as the last, byte for byte" "0" "$RC"

section "the audit (W1 and every other check)"

for b in b1 b3 b6; do
    expect_ok "dauys-audit verify $b: every check passes, W1 included" "all checks pass" \
        "$AUDIT" verify -p central.pub --origin "$ORIGIN" "$b"
done
expect_exit "dauys-audit verify b4: fails, without a quorum" 1 \
    "FAIL W1 checkpoint: cosigned by 1 of 3 witnesses, quorum 2 not met" \
    "$AUDIT" verify -p central.pub --origin "$ORIGIN" b4
expect_eq "... and only W1" 1 "$(grep -c '^FAIL ' <<<"$STDOUT$STDERR")"

summary
