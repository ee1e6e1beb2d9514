#!/usr/bin/env bash
# witness_e2e_cli.sh: election night with witnesses, end to end over
# loopback (issue 18). Three observer organisations run dauys-audit witness;
# the manifest names them with a quorum of 2; dauys serve sends every new
# checkpoint to all three.
#   - every checkpoint the server publishes while all three are up carries
#     three cosignatures, checked by an independent implementation
#     (tests/tools/cosig_check.py, PyNaCl); an observer's follow with the
#     witness policy accepts them;
#   - one witness down: the checkpoints still carry the quorum; two down: a
#     checkpoint without the quorum is published as such, the status says
#     so and the observer's follow refuses to trust it; both back up on their
#     kept state: they catch up (409, then a consistency proof) and cosign;
#   - after a clean stop, dauys publish --witness gets the final checkpoint
#     and the statement's checkpoint cosigned; the bundle passes every audit
#     check, W1 included, and with --witness naming one witness;
#   - the insider's rewrite: the central key re-signs a log in which one
#     counted protocol is logged as a too-large rejection instead (all other
#     checks pass, as before witnesses existed); every witness refuses to
#     cosign its checkpoint (409, a fork of the size they cosigned) and keeps
#     both signed checkpoints as evidence; the audit of the forged bundle fails
#     exactly W1, and still W1 when the genuine cosignatures are pasted on.
#
#   witness_e2e_cli.sh /path/to/dauys /path/to/dauys-audit
#
# Needs RESEAL (tests/tools/reseal.c), curl, /usr/bin/python3 with PyNaCl.
# Hermetic, loopback only, ports from --port-file. About 30 s.
set -u

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 2
. "$(dirname "${BASH_SOURCE[0]}")/serve_lib.sh" || exit 2
. "$(dirname "${BASH_SOURCE[0]}")/insider.sh" || exit 2
TOOLS=$(cd "$(dirname "${BASH_SOURCE[0]}")/../tools" && pwd)
cli_args "$@"
: "${RESEAL:?RESEAL: the tests/tools/reseal program}"
PYTHON=/usr/bin/python3
"$PYTHON" -c 'import nacl.signing' 2>/dev/null || { echo "$0: python3-nacl is needed" >&2; exit 2; }
cli_workdir witness-e2e
run() { run_split "$@"; }

N=${DAUYS_WITNESS_E2E_PRECINCTS:-240}
ORIGIN=dauys/kz-2026-demo/test
NAMES=(witness.observers.kz/w1 witness.press.kz/w1 witness.party-a.kz/w1)

# cosigned NOTE_FILE: the number of the three witnesses whose cosignature on
# the note verifies independently, or "bad: ..." if one present does not.
cosigned() {
    local out
    out=$("$PYTHON" "$TOOLS/cosig_check.py" "$1" "${VKEY[@]}" 2>&1) || { echo "bad: $out"; return; }
    printf '%s\n' "$out" | grep -c ' ok '
}

# witness_start I: starts witness I on its state dir (kept across restarts),
# on the port it had before if it ran already (the server knows that URL).
witness_start() {
    local i=$1 deadline port=0
    [ -s "w$i.port" ] && port=$(cat "w$i.port")
    rm -f "w$i.port"
    "$AUDIT" witness --listen "127.0.0.1:$port" --port-file "w$i.port" --key "w$i.key" \
        --name "${NAMES[$i]}" --log in/keys/central.pub --origin "$ORIGIN" --state "wstate$i" \
        2>>"w$i.log" &
    WPID[$i]=$!
    serve_on_exit "kill -9 ${WPID[$i]} 2>/dev/null"
    deadline=$(($(date +%s) + 20))
    while [ ! -s "w$i.port" ]; do
        kill -0 "${WPID[$i]}" 2>/dev/null || { tail -3 "w$i.log" >&2; echo "witness $i died" >&2; exit 2; }
        [ "$(date +%s)" -lt "$deadline" ] || { echo "witness $i: no port" >&2; exit 2; }
        sleep 0.05
    done
    WURL[$i]="http://127.0.0.1:$(cat "w$i.port")"
}

witness_stop() { kill -TERM "${WPID[$1]}" 2>/dev/null; wait "${WPID[$1]}" 2>/dev/null; }

# wait_round MIN: waits for a published checkpoint of at least MIN entries
# and saves it as cp.K (K counting); sets CP to its file.
ROUND=0
wait_round() {
    serve_wait_checkpoint "$1" 60 || { fail_value "checkpoint of $1 entries" "not published within 60 s"; return 1; }
    ROUND=$((ROUND + 1))
    CP="cp.$ROUND"
    curl -s "$SERVE_URL/checkpoint" >"$CP"
}

section "three witness keys, a manifest naming them with a quorum of 2"
serve_inputs "$N"
VKEY=()
for i in 0 1 2; do
    run_split "$DAUYS" keygen --unencrypted --witness "${NAMES[$i]}" -o "w$i"
    [ -s "w$i.vkey" ] || { echo "keygen --witness wrote no w$i.vkey: $STDERR" >&2; exit 2; }
    VKEY+=("$(head -1 "w$i.vkey")")
done
# an observer whose follower is a witness too (not in the manifest: a pull-mode witness)
"$DAUYS" keygen --unencrypted --witness follower.observers.kz/w -o fw >/dev/null 2>&1 ||
    { echo "keygen --witness failed" >&2; exit 2; }
FVKEY=$(head -1 fw.vkey)
"$PYTHON" - in/manifest.txt "${VKEY[@]}" <<'PY'
import sys
path, vkeys = sys.argv[1], sys.argv[2:]
lines = open(path).read().split("\n")
at = max(i for i, l in enumerate(lines) if l.startswith(("ballot: ", "list-allowance: "))) + 1
lines[at:at] = ["witness-quorum: 2"] + ["witness: " + v for v in vkeys]
open(path, "w").write("\n".join(lines))
PY
rm -f in/manifest.txt.minisig
"$DAUYS" sign in/manifest.txt -k in/keys/central.key >/dev/null 2>&1 || { echo "sign failed" >&2; exit 2; }
serve_workspace in ws

section "the witnesses and dauys serve with all three"
for i in 0 1 2; do witness_start "$i"; done
serve_start ws in/keys/central.key --witness "${WURL[0]}" --witness "${WURL[1]}" --witness "${WURL[2]}"
POLICY=(--witness "${VKEY[0]}" --witness "${VKEY[1]}" --witness "${VKEY[2]}" --witness-quorum 2)

ls in/incoming/*.txt | head -n $((N / 2)) >first
ls in/incoming/*.txt | tail -n +$((N / 2 + 1)) >second
# (submit exits 1: the demo plants a replay and a conflict among its files)
"$DAUYS" submit --server "$SERVE_URL" -q $(cat first) >/dev/null 2>&1
size1=$(serve_log_size ws)
check "the first half logged" test "$size1" -gt $((N / 4))
wait_round "$size1"
expect_eq "a checkpoint of the first half, cosigned by all three" 3 "$(cosigned "$CP")"
check "  ... and signed by the central key" "$AUDIT" follow "$SERVE_URL" -p in/keys/central.pub \
    --origin "$ORIGIN" --state obs --once "${POLICY[@]}"
expect_ok "/v1/status reports the quorum met" '"quorum_met": true' curl -s "$SERVE_URL/v1/status"
expect_ok "a follower cosigns as a witness of its own (--cosign)" "cosigned checkpoint $size1 as" \
    "$AUDIT" follow "$SERVE_URL" -p in/keys/central.pub --origin "$ORIGIN" --state fobs --once \
    --cosign fw.key --cosign-name follower.observers.kz/w
check "  ... its cosigned checkpoint verifies independently" \
    test "$("$PYTHON" "$TOOLS/cosig_check.py" fobs/cosigned "$FVKEY" | cut -d' ' -f2)" = ok
check "  ... and it is the checkpoint kept" test "$(sed -n 2p fobs/cosigned)" = "$size1"

section "one witness down: the quorum holds"
witness_stop 2
head -n $((N / 4)) second >second.a
tail -n +$((N / 4 + 1)) second >second.b
"$DAUYS" submit --server "$SERVE_URL" -q $(cat second.a) >/dev/null 2>&1
wait_round "$(serve_log_size ws)"
expect_eq "two cosignatures with witness 3 down" 2 "$(cosigned "$CP")"
check "  ... the observer accepts it" "$AUDIT" follow "$SERVE_URL" -p in/keys/central.pub \
    --origin "$ORIGIN" --state obs --once "${POLICY[@]}"
size2=$(sed -n 2p "$CP")
expect_ok "the follower-witness cosigns the grown log (a proof from its own leaves)" \
    "cosigned checkpoint $size2 as" "$AUDIT" follow "$SERVE_URL" -p in/keys/central.pub \
    --origin "$ORIGIN" --state fobs --once --cosign fw.key --cosign-name follower.observers.kz/w
check "  ... verifies" test "$("$PYTHON" "$TOOLS/cosig_check.py" fobs/cosigned "$FVKEY" | cut -d' ' -f2)" = ok
check "  ... its witness state holds that size" grep -qx "$size2" fobs/witness/log-*.checkpoint
# Another history signed by the same key (the second half logged before the first),
# published as tiles: a follower of it, as the same witness, is refused.
serve_workspace in ws-fork
"$DAUYS" ingest -w ws-fork $(cat second) >/dev/null 2>&1
"$DAUYS" ingest -w ws-fork $(cat first) >/dev/null 2>&1
"$DAUYS" checkpoint -w ws-fork -k in/keys/central.key --tiles fork-tiles >/dev/null 2>&1
check "  (the other history is longer)" test "$(sed -n 2p fork-tiles/checkpoint)" -gt "$size2"
expect_exit "a follower-witness offered another history refuses it (422: its proof fails)" 1 \
    "refused checkpoint *: * 422 * does not verify" "$AUDIT" follow fork-tiles -p in/keys/central.pub \
    --origin "$ORIGIN" --state fobs-fork --once --cosign fw.key \
    --cosign-name follower.observers.kz/w --cosign-state fobs/witness
check "  ... keeps both checkpoints as evidence" grep -rqF "$(sed -n 3p fork-tiles/checkpoint)" \
    fobs/witness/evidence
check "  ... and writes no cosigned checkpoint" absent fobs-fork/cosigned

section "two down: published without a quorum, and said so"
witness_stop 1
"$DAUYS" submit --server "$SERVE_URL" -q $(cat second.b) >/dev/null 2>&1
wait_round "$(serve_log_size ws)"
expect_eq "one cosignature with two witnesses down" 1 "$(cosigned "$CP")"
expect_ok "/v1/status says the quorum is not met" '"quorum_met": false' curl -s "$SERVE_URL/v1/status"
expect_exit "the observer refuses to trust it" 1 "quorum" \
    "$AUDIT" follow "$SERVE_URL" -p in/keys/central.pub --origin "$ORIGIN" --state obs --once \
    "${POLICY[@]}"

section "both back on their kept state: they catch up and cosign"
witness_start 1
witness_start 2
"$DAUYS" submit --server "$SERVE_URL" -q in/later >/dev/null 2>&1
target=$(serve_log_size ws)
deadline=$(($(date +%s) + 60))
while :; do
    wait_round "$target" || break
    [ "$(cosigned "$CP")" = 3 ] && break
    [ "$(date +%s)" -lt "$deadline" ] || break
    sleep 0.2
done
expect_eq "all three cosign again" 3 "$(cosigned "$CP")"
check "  ... and the observer trusts the log again" "$AUDIT" follow "$SERVE_URL" \
    -p in/keys/central.pub --origin "$ORIGIN" --state obs --once "${POLICY[@]}"
serve_stop
expect_eq "serve stops cleanly" 0 "$SERVE_RC"

section "dauys publish --witness: the bundle carries the cosigned checkpoint"
run_split "$DAUYS" publish -w ws -k in/keys/central.key --witness "${WURL[0]}" \
    --witness "${WURL[1]}" --witness "${WURL[2]}" bundle
expect_eq "publish exits 0" 0 "$RC"
expect_eq "the bundle's checkpoint cosigned by all three" 3 "$(cosigned bundle/checkpoint)"
check "  ... the statement carries three cosignature lines" \
    test "$(grep -c '^cosignature: ' bundle/result.txt)" = 3
expect_ok "the bundle passes every check, W1 included" "all checks pass" \
    "$AUDIT" verify -p in/keys/central.pub --origin "$ORIGIN" bundle
check "  ... W1 was counted" test -n "$("$AUDIT" verify --json -p in/keys/central.pub bundle |
    "$PYTHON" -c 'import json,sys; c=json.load(sys.stdin)["checks"]["W1"]; print(c["passed"] or "")')"
expect_ok "and with --witness naming one witness" "all checks pass" \
    "$AUDIT" verify -p in/keys/central.pub --witness "${VKEY[1]}" bundle

section "the insider's rewrite: a counted protocol logged as a too-large rejection"
cp in/keys/central.key central.key
cp in/keys/central.pub central.pub
cp -r bundle forged
rm forged/dauys.db # C3 would compare it; an insider would rewrite it too
"$PYTHON" - forged <<'PY'
import os, sys
d = sys.argv[1]
parts = open(d + "/log/entries.txt").read().split("format: dauys-log 1\n")[1:]
# the first accepted protocol no later entry corrects
for i, e in enumerate(parts):
    if "event: accepted\n" in e:
        pid = [l for l in e.split("\n") if l.startswith("precinct: ")][0]
        if not any(pid + "\n" in later for later in parts[i + 1:]):
            break
lines = [l for l in e.split("\n") if l and not l.startswith(("precinct: ", "version: "))]
lines = [l.replace("event: accepted", "event: rejected") for l in lines]
at = [k for k, l in enumerate(lines) if l.startswith("previous: ")][0]
lines.insert(at, "reason: too-large file over the 65536-byte limit")
parts[i] = "\n".join(lines) + "\n"
open(d + "/log/entries.txt", "w").write("".join("format: dauys-log 1\n" + p for p in parts))
name = "%s/protocols/%08d.txt" % (d, i)
open(name, "w").close()
print(pid, file=open(d + ".dropped", "w"))
PY
insider forged
expect_eq "the forged log is as long as the genuine one" "$(sed -n 2p bundle/checkpoint)" \
    "$(sed -n 2p forged/checkpoint)"
check "  ... with another root" test "$(sed -n 3p bundle/checkpoint)" != "$(sed -n 3p forged/checkpoint)"
expect_eq "without witnesses, every other check passes: only W1 fails" "W1" "$(failing forged)"
for i in 0 1 2; do
    size=$(sed -n 2p forged/checkpoint)
    { printf 'old %s\n\n' "$size"; cat forged/checkpoint; } >request.$i
    code=$(curl -s -o answer.$i -w '%{http_code}' --data-binary "@request.$i" "${WURL[$i]}/add-checkpoint")
    expect_eq "witness $((i + 1)) refuses the forged checkpoint (409, a fork)" 409 "$code"
    check "  ... keeps the genuine and the forged checkpoint as evidence" \
        grep -rqF "$(sed -n 3p forged/checkpoint)" "wstate$i/evidence"
    check "  ... both" grep -rqF "$(sed -n 3p bundle/checkpoint)" "wstate$i/evidence"
done
cp forged/checkpoint pasted
grep "^$(printf '\xe2\x80\x94') witness\." bundle/checkpoint >>forged/checkpoint
check "the genuine cosignatures pasted on the forged checkpoint do not verify" \
    test "$("$PYTHON" "$TOOLS/cosig_check.py" forged/checkpoint "${VKEY[@]}" | grep -c ' bad')" = 3
expect_eq "  ... and the audit fails exactly W1" "W1" "$(failing forged)"

for i in 0 1 2; do witness_stop "$i"; done
summary
