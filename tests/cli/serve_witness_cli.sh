#!/usr/bin/env bash
# serve_witness_cli.sh: dauys serve --witness (issue 18) against three stub
# witnesses (tests/tools/stub_witness.py: C2SP tlog-witness in Python with
# PyNaCl, apart from dauys), the manifest naming them with a quorum of 2:
#
#  1. every checkpoint published carries the three cosignatures; /v1/status
#     says named 3, quorum 2, cosigned 3, quorum met; each round logs one
#     witnesses line; the stubs saw a proof from the size they cosigned;
#  2. two witnesses answering 500: the checkpoint goes out with one
#     cosignature, the status and the live page say the quorum is not met,
#     the log line names each failing witness; back up, the same checkpoint
#     is offered again (the log not growing) and goes out with three;
#  3. a slow witness (it sleeps 4 s, --witness-timeout 1s): submissions are
#     answered at once all the same (the witnesses hold up the publisher,
#     never the intake), the checkpoint goes out without it;
#  4. a restart: the new server knows no witness's size, learns it from
#     their 409s and has the next checkpoint cosigned by all three;
#  5. -q: no witnesses line; a manifest naming witnesses and no --witness:
#     said at start, every checkpoint without its quorum.
#
#   usage: bash tests/cli/serve_witness_cli.sh /path/to/dauys /path/to/dauys-audit
#
# Loopback only, ports from --port-file. Needs curl, sqlite3 and
# /usr/bin/python3 with PyNaCl. About 25 s with the gcc build.
set -u

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 2
# shellcheck source-path=SCRIPTDIR source=serve_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/serve_lib.sh" || exit 2

cli_args "$@"
PYTHON=/usr/bin/python3
STUB=$(cd "$(dirname "${BASH_SOURCE[0]}")/../tools" && pwd)/stub_witness.py
"$PYTHON" -c 'import nacl.signing' 2>/dev/null || { echo "$0: python3-nacl is needed" >&2; exit 2; }
for tool in curl sqlite3; do
    command -v "$tool" >/dev/null 2>&1 || { echo "$0: $tool is needed" >&2; exit 2; }
done
cli_workdir serve-witness
run() { run_split "$@"; }

N=60
ORIGIN=dauys/kz-2026-demo/test
NAMES=(w1.observers.test w2.press.test w3.party.test)
SEEDS=("$(printf 'a1%.0s' {1..32})" "$(printf 'b2%.0s' {1..32})" "$(printf 'c3%.0s' {1..32})")

serve_inputs "$N"
LOG_PK=$("$PYTHON" -c 'import base64,sys; print(base64.b64decode(open(sys.argv[1]).read().split("\n")[1])[10:42].hex())' in/keys/central.pub)

# vkey NAME SEED: the witness's verifier key (C2SP signed-note), computed here.
vkey() {
    "$PYTHON" - "$1" "$2" <<'PY'
import base64, hashlib, sys
import nacl.signing
name, seed = sys.argv[1], bytes.fromhex(sys.argv[2])
pk = bytes(nacl.signing.SigningKey(seed).verify_key)
kid = hashlib.sha256(name.encode() + b"\n\x04" + pk).digest()[:4]
print("%s+%s+%s" % (name, kid.hex(), base64.b64encode(b"\x04" + pk).decode()))
PY
}

# stub_start I: starts stub witness I (in memory: a restart forgets).
stub_start() {
    local i=$1 deadline
    rm -f "w$i.port"
    "$PYTHON" "$STUB" --port-file "w$i.port" --name "${NAMES[$i]}" --seed "${SEEDS[$i]}" \
        --origin "$ORIGIN" --log-pk "$LOG_PK" --slow 4 2>>"w$i.log" &
    WPID[$i]=$!
    serve_on_exit "kill ${WPID[$i]} 2>/dev/null"
    deadline=$(($(date +%s) + 20))
    while [ ! -s "w$i.port" ]; do
        kill -0 "${WPID[$i]}" 2>/dev/null || { cat "w$i.log" >&2; echo "stub $i died" >&2; exit 2; }
        [ "$(date +%s)" -lt "$deadline" ] || { echo "stub $i: no port" >&2; exit 2; }
        sleep 0.05
    done
    WURL[$i]="http://127.0.0.1:$(cat "w$i.port")"
}
mode() { curl -s -o /dev/null --data-binary "$2" "${WURL[$1]}/mode"; }
stat_of() { curl -s "${WURL[$1]}/stats" | sed -n "s/^$2 //p"; }

# status_witnesses: the witnesses object of /v1/status, as one line, once
# the status is of the checkpoint CHECKPOINT_SIZE (the status is swapped in
# a moment after the checkpoint; 10 s at most).
status_witnesses() {
    local deadline=$(($(date +%s) + 10)) out
    while :; do
        out=$(curl -s "$SERVE_URL/v1/status" | "$PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
w, cp = d.get("witnesses"), d.get("checkpoint") or {"size": -1}
print(cp["size"], "none" if w is None else "%(named)d %(quorum)d %(cosigned)d %(quorum_met)s" % w)')
        [ "${out%% *}" = "$CHECKPOINT_SIZE" ] || [ "$(date +%s)" -ge "$deadline" ] && break
        sleep 0.05
    done
    printf '%s\n' "${out#* }"
}

# submit FILES...: submits with dauys submit, then waits for a checkpoint
# covering the whole log; sets CP to the checkpoint's text.
submit() {
    "$DAUYS" submit --server "$SERVE_URL" -q "$@" >submit.out 2>&1
    # 1: the demo's planted troubles (a replay, a conflict...) are refused
    [ $? -le 1 ] || { fail_value "submit" "$(cat submit.out)"; return 1; }
    serve_wait_checkpoint "$(serve_log_size ws)" 30 || { fail_value "checkpoint" "none within 30 s"; return 1; }
    CP=$(curl -s "$SERVE_URL/checkpoint")
}
lines_by() { printf '%s\n' "$CP" | grep -c "^— $1 "; }

section "a manifest naming three witnesses, quorum 2"
VKEY=()
for i in 0 1 2; do VKEY+=("$(vkey "${NAMES[$i]}" "${SEEDS[$i]}")"); done
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
ls in/incoming/*.txt >all
split -n l/6 all part.

section "1. three witnesses cosign every checkpoint"
for i in 0 1 2; do stub_start "$i"; done
serve_start ws in/keys/central.key --witness "${WURL[0]}" --witness "${WURL[1]}/" \
    --witness "${WURL[2]}" --witness-timeout 2s
submit $(cat part.aa)
first=$CHECKPOINT_SIZE
for i in 0 1 2; do
    expect_eq "witness $((i + 1))'s cosignature on the checkpoint" 1 "$(lines_by "${NAMES[$i]}")"
done
expect_eq "the status: 3 named, quorum 2, 3 cosigned, met" "3 2 3 True" "$(status_witnesses)"
expect_ok "the live page: the quorum met" 'data-b="witnesses.quorum_met"*quorum met</strong>' \
    curl -s "$SERVE_URL/"
check "a witnesses line in the log" grep -q "witnesses: checkpoint $first cosigned by 3 of 3, quorum 2 met" ws.serve.log
submit $(cat part.ab)
expect_eq "the next: three cosignatures" "1 1 1" \
    "$(lines_by "${NAMES[0]}") $(lines_by "${NAMES[1]}") $(lines_by "${NAMES[2]}")"
for i in 0 1 2; do
    old=$(stat_of "$i" old)
    check "witness $((i + 1)) verified a proof from the size it cosigned ($old)" \
        test "$old" -ge "$first" -a "$old" -lt "$CHECKPOINT_SIZE"
    expect_eq "  ... and cosigned the checkpoint's size" "$CHECKPOINT_SIZE" "$(stat_of "$i" size)"
done

section "2. two witnesses answer 500: published without the quorum, and said so"
mode 1 500
mode 2 500
submit $(cat part.ac)
expect_eq "one cosignature" "1 0 0" \
    "$(lines_by "${NAMES[0]}") $(lines_by "${NAMES[1]}") $(lines_by "${NAMES[2]}")"
expect_eq "the status: not met" "3 2 1 False" "$(status_witnesses)"
expect_ok "the live page: no quorum" 'class="no" data-b="witnesses.quorum_met"*>NO QUORUM' \
    curl -s "$SERVE_URL/"
check "the log line says so and names both" grep -q \
    "witnesses: checkpoint $CHECKPOINT_SIZE cosigned by 1 of 3, quorum 2 NOT MET.*${WURL[1]}/: refused with 500.*${WURL[2]}: refused with 500" \
    ws.serve.log
mode 1 ok
mode 2 ok
# the log does not grow: the checkpoint out is offered again (every 30
# intervals: 6 s here) until the witnesses that failed cosign it
deadline=$(($(date +%s) + 20))
while [ "$(status_witnesses)" != "3 2 3 True" ] && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.2; done
expect_eq "back up, the same checkpoint cosigned by three" "3 2 3 True" "$(status_witnesses)"
CP=$(curl -s "$SERVE_URL/checkpoint")
expect_eq "  ... and published so" "1 1 1 $CHECKPOINT_SIZE" \
    "$(lines_by "${NAMES[0]}") $(lines_by "${NAMES[1]}") $(lines_by "${NAMES[2]}") $(printf '%s\n' "$CP" | sed -n 2p)"
check "  ... in the tiles too" cmp -s <(printf '%s\n' "$CP") ws/tiles/checkpoint
submit $(cat part.ad)
expect_eq "the next: three" "3 2 3 True" "$(status_witnesses)"

section "3. a slow witness holds up the publisher, not the intake"
mode 2 slow
start=$(date +%s%N)
"$DAUYS" submit --server "$SERVE_URL" -q $(head -3 part.ae) >/dev/null 2>&1
check "three submissions answered" test $? -le 1
took=$((($(date +%s%N) - start) / 1000000))
check "  ... answered in under 3 s ($took ms) while the witness sleeps 4 s a request" test "$took" -lt 3000
submit $(tail -n +4 part.ae)
expect_eq "the checkpoint goes out without it" "3 2 2 True" "$(status_witnesses)"
check "  ... its timeout in the log" grep -q "${WURL[2]}/add-checkpoint: Timeout" ws.serve.log
mode 2 ok

section "4. a restart: sizes learned from the witnesses' 409s"
serve_stop
expect_eq "a clean stop" 0 "$SERVE_RC"
before=$(stat_of 0 requests)
serve_start ws in/keys/central.key --witness "${WURL[0]}" --witness "${WURL[1]}" \
    --witness "${WURL[2]}"
submit $(head -5 part.af)
expect_eq "all three cosign" "3 2 3 True" "$(status_witnesses)"
check "  ... witness 1 was asked with old 0 first (409), then from its size" \
    test "$(($(stat_of 0 requests) - before))" -ge 3

section "5. -q, and witnesses named but none asked"
serve_stop
: >ws.serve.log
serve_start ws in/keys/central.key -q --witness "${WURL[0]}" --witness "${WURL[1]}" \
    --witness "${WURL[2]}"
submit $(sed -n 6,8p part.af)
expect_eq "cosigned" "3 2 3 True" "$(status_witnesses)"
check "-q: no witnesses line" test "$(grep -c 'witnesses:' ws.serve.log)" = 0
serve_stop
serve_start ws in/keys/central.key
submit $(tail -n +9 part.af)
check "said at start" grep -q "the manifest names 3 witnesses (quorum 2) but no witness is asked" ws.serve.log
expect_eq "the checkpoint without its quorum" "3 2 0 False" "$(status_witnesses)"
serve_stop
expect_eq "a clean stop" 0 "$SERVE_RC"

summary
