#!/usr/bin/env bash
# witness_cli.sh: dauys-audit witness over loopback (docs/FORMATS.md section
# 22), with a log made by dauys (a workspace grown in steps, a checkpoint
# after each, consistency proofs from dauys proof). A good sequence is
# cosigned, each cosignature verified by PyNaCl (tests/tools/witness_tool.py,
# from the C2SP specifications); hostile requests are each refused with the
# spec's code; a fork is kept as evidence; the state survives a restart; a
# state file that does not verify stops it from starting; slow connections
# do not hold up a log's requests.
#
#   witness_cli.sh /path/to/dauys /path/to/dauys-audit
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/lib.sh" || exit 2
cli_args "$@"
cli_workdir witness
. "$HERE/serve_lib.sh" || exit 2
TOOL=$HERE/../tools/witness_tool.py
PY=/usr/bin/python3
NAME=witness.example/w1

run() {
    CMD=$(printf '%q ' "$@")
    OUT=$("$@" 2>&1 </dev/null)
    RC=$?
}

section "a log grown in steps by dauys, a checkpoint and proof at each step"
serve_inputs 20 in
serve_workspace in ws
KEY=in/keys/central.key PUB=in/keys/central.pub
"$DAUYS" keygen --unencrypted -o w1 >/dev/null 2>&1 || { echo "keygen failed" >&2; exit 2; }
"$DAUYS" keygen --unencrypted -o other >/dev/null 2>&1 || { echo "keygen failed" >&2; exit 2; }
mapfile -t PROTOCOLS < <(ls in/incoming/*.txt)
SIZES=()
for step in 1 2 3; do
    from=$(((step - 1) * 6))
    "$DAUYS" ingest -q -w ws "${PROTOCOLS[@]:from:6}" >/dev/null 2>&1
    "$DAUYS" checkpoint -w ws -k "$KEY" >/dev/null 2>&1 || { echo "checkpoint failed" >&2; exit 2; }
    cp ws/checkpoint.txt "cp$step"
    SIZES+=("$(sed -n 2p "cp$step")")
done
ORIGIN=$(head -1 cp1)
S1=${SIZES[0]} S2=${SIZES[1]} S3=${SIZES[2]}
check "three growing checkpoints ($S1 < $S2 < $S3)" test "$S1" -gt 0 -a "$S1" -lt "$S2" -a "$S2" -lt "$S3"

# body OLD NEW CHECKPOINT: a request body, the proof from dauys proof.
body() {
    printf 'old %s\n' "$1"
    if [ "$1" -gt 0 ]; then
        "$DAUYS" proof -w ws --consistency "$1" --size "$2" | sed -n 's/^hash: //p'
    fi
    echo
    cat "$3"
}

section "the witness starts and prints its verifier key"
witness_start() {
    rm -f port
    "$AUDIT" witness --listen 127.0.0.1:0 -k w1.key --name "$NAME" --log "$PUB" \
        --origin "$ORIGIN" --state state --port-file port "$@" 2>>witness.log &
    WPID=$!
    serve_on_exit "{ kill -9 $WPID; wait $WPID; } 2>/dev/null"
    local deadline=$(($(date +%s) + 20))
    while [ ! -s port ]; do
        kill -0 "$WPID" 2>/dev/null || { echo "witness exited:" >&2; tail -3 witness.log >&2; exit 2; }
        [ "$(date +%s)" -lt "$deadline" ] || { echo "witness: no port" >&2; exit 2; }
        sleep 0.05
    done
    URL="http://127.0.0.1:$(cat port)/add-checkpoint"
}
witness_start
WPK=$(sed -n 2p w1.pub | base64 -d | tail -c 32 | base64)
check "verifier key on stderr" grep -q "verifier key: $NAME+[0-9a-f]\{8\}+" witness.log
VKEY_B64=$(sed -n "s|.*verifier key: $NAME+[0-9a-f]*+||p" witness.log)
check "verifier key is 0x04 and the key of w1.pub" \
    test "$(printf '%s' "$VKEY_B64" | base64 -d | tail -c 32 | base64)" = "$WPK" -a \
    "$(printf '%s' "$VKEY_B64" | base64 -d | head -c 1 | od -An -tx1 | tr -d ' ')" = 04

# post FILE [CURL OPTIONS]: HTTP, TYPE and the body in answer.
post() {
    local f=$1
    shift
    set -- $(curl -s -o answer -w '%{http_code} %{content_type}' --data-binary "@$f" "$@" "$URL")
    HTTP=$1 TYPE=${2:-}
}

# expect_status NAME CODE FILE: posting FILE is answered CODE.
expect_status() {
    post "$3"
    if [ "$HTTP" = "$2" ]; then pass; else
        OUT=$(cat answer) CMD="POST $3"
        fail "$1" "expected $2, got $HTTP"
    fi
}

section "a good sequence: cosigned, each verified by PyNaCl"
T0=$(date +%s)
body 0 "$S1" cp1 >req1
expect_status "first checkpoint (old 0)" 200 req1
check "answer is text/plain" test "$TYPE" = "text/plain;" -o "$TYPE" = "text/plain"
expect_ok "cosignature 1 verifies (PyNaCl)" "verifies" $PY "$TOOL" verify w1.pub "$NAME" cp1 answer \
    "$T0" "$(($(date +%s) + 1))"
cp answer cosig1
expect_exit "the cosignature is not another key's" 1 "0 cosignatures" $PY "$TOOL" verify other.pub \
    "$NAME" cp1 answer
expect_exit "the cosignature is not another checkpoint's" 1 "does not verify" $PY "$TOOL" verify \
    w1.pub "$NAME" cp2 answer

section "hostile requests, each refused with the spec's code (state: $S1)"
body "$S1" "$S2" cp2 >req2
$PY "$TOOL" flip req2 >flipped
check "flip changed the proof only" test "$(cmp -l req2 flipped | wc -l)" -ge 1
expect_status "flipped bit in a proof hash: 422" 422 flipped
body "$((S1 - 1))" "$S2" cp2 >wrong_old
post wrong_old
check "wrong old size: 409" test "$HTTP" = 409
check "409 is text/x.tlog.size" test "$TYPE" = "text/x.tlog.size"
check "409 body is the size cosigned" test "$(cat answer)" = "$S1"
check "409 body ends in one newline" test "$(od -An -c answer | tr -d ' ')" = "$(printf '%s' "$S1" | od -An -c | tr -d ' ')\\n"
{ printf 'old %s\n\n' "$((S2 + 1))"; cat cp2; } >old_over
expect_status "old > size: 400" 400 old_over
head -c "$(($(wc -c <req2) - 40))" req2 >truncated
expect_status "truncated body: 400" 400 truncated
head -c 30 req2 >truncated2
expect_status "body cut in the proof: 400" 400 truncated2
{ sed -n 1p req2; sed -n 2p req2; sed '1d' req2; } >extended
expect_status "an extra proof line: 422" 422 extended
{ echo "old $S1"; for _ in $(seq 64); do sed -n 2p req2; done; echo; cat cp2; } >proof64
expect_status "64 proof lines: 400" 400 proof64
{ echo "old $S1"; for _ in $(seq 63); do sed -n 2p req2; done; echo; cat cp2; } >proof63
expect_status "63 proof lines (allowed, but wrong): 422" 422 proof63
sed "s|^$ORIGIN\$|dauys/another-referendum/test|" cp2 >other_origin_cp
body "$S1" "$S2" other_origin_cp >other_origin
expect_status "checkpoint of another origin: 404" 404 other_origin
$PY "$TOOL" sign other.key "$ORIGIN" "$S2" "$(sed -n 3p cp2)" >other_key_cp
body "$S1" "$S2" other_key_cp >other_key
expect_status "signed by another key: 403" 403 other_key
sed '$d' cp2 >unsigned_cp
echo "— $ORIGIN AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" >>unsigned_cp
body "$S1" "$S2" unsigned_cp >bad_sig
expect_status "the log's signature line wrong: 403" 403 bad_sig
head -c 70000 /dev/zero | tr '\0' 'a' >big
expect_status "oversized body (70,000 bytes): 413" 413 big
head -c 3000 /dev/urandom >garbage
expect_status "garbage: 400" 400 garbage
printf 'old 0\n\n' >empty_cp
expect_status "no checkpoint: 400" 400 empty_cp
{ printf 'old 0\n'; sed -n 2p req2; echo; cat cp2; } >proof_from_0
expect_status "a proof with old 0: 400" 400 proof_from_0
HTTP=$(curl -s -o answer -w '%{http_code}' "$URL")
check "GET: 405" test "$HTTP" = 405
HTTP=$(curl -s -o answer -w '%{http_code}' --data-binary @req2 "${URL%/add-checkpoint}/other")
check "another path: 404" test "$HTTP" = 404
check "the failed proofs of checkpoint 2: one evidence file" test "$(ls state/evidence | wc -l)" = 1
check "named inconsistent-$S1-$S2" test -n "$(ls state/evidence/*-inconsistent-"$S1-$S2"-*.txt)"

section "the insider's fork: the same size, another root, signed by the log's key"
$PY "$TOOL" sign "$KEY" "$ORIGIN" "$S1" "$(sed -n 3p cp3)" >fork_cp
{ printf 'old %s\n\n' "$S1"; cat fork_cp; } >fork
EVIDENCE_BEFORE=$(ls state/evidence | wc -l)
expect_status "fork of size $S1: 409" 409 fork
check "a new evidence file" test "$(ls state/evidence | wc -l)" = "$((EVIDENCE_BEFORE + 1))"
EV=$(ls state/evidence/*-fork-"$S1-$S1"-*.txt 2>/dev/null | head -1)
check "evidence named fork-$S1-$S1" test -n "$EV"
check "evidence holds the cosigned checkpoint" grep -qF "$(sed -n 3p cp1)" "$EV"
check "evidence holds the fork" grep -qF "$(sed -n 3p fork_cp)" "$EV"
check "evidence says so" grep -qx "kind fork" "$EV"
check "evidence is not writable by others" test "$(stat -c %a "$EV")" = 644

section "the good sequence goes on; the state survives a restart"
expect_status "checkpoint 2 (old $S1, proof by dauys)" 200 req2
expect_ok "cosignature 2 verifies (PyNaCl)" "verifies" $PY "$TOOL" verify w1.pub "$NAME" cp2 answer
body "$S2" "$S3" cp3 >req3
expect_status "checkpoint 3" 200 req3
expect_ok "cosignature 3 verifies (PyNaCl)" "verifies" $PY "$TOOL" verify w1.pub "$NAME" cp3 answer
expect_status "the same again (old = size = $S3)" 409 req3
{ printf 'old %s\n\n' "$S3"; cat cp3; } >again
expect_status "the same checkpoint, old $S3, no proof: 200" 200 again
expect_status "an older checkpoint (back to $S2): 409" 409 req2
check "the refusal names $S3" test "$(cat answer)" = "$S3"
kill -TERM "$WPID"
wait "$WPID"
check "SIGTERM: exit 0" test $? = 0
witness_start
expect_status "after a restart: old $S2 refused" 409 req3
check "the size kept across the restart" test "$(cat answer)" = "$S3"
expect_status "after a restart: the fork again refused" 409 fork
expect_status "after a restart: the same checkpoint again" 200 again

section "slow connections do not hold up the log's requests, and are cut"
kill -TERM "$WPID"
wait "$WPID"
witness_start --request-deadline 2
run $PY "$TOOL" slowloris "$(cat port)" 20 5 again
check "every legit request was answered 200 (slowloris)" \
    test "$(grep -c '^legit=200 ' <<<"$OUT")" -ge 3 -a "$(grep -c '^legit=' <<<"$OUT")" = "$(grep -c '^legit=200 ' <<<"$OUT")"
check "each within 2 s" test -z "$(awk '/^legit=/ && $2 > 2000' <<<"$OUT")"
check "the 40 slow connections were cut (--request-deadline 2)" grep -qx "slow_alive=0" <<<"$OUT"

section "a second witness on the same state, a state that does not verify"
expect_exit "a second witness on the same state" 2 "another witness uses this state directory" \
    "$AUDIT" witness --listen 127.0.0.1:0 -k w1.key --name "$NAME" --log "$PUB" \
    --origin "$ORIGIN" --state state
{ kill -9 "$WPID"; wait "$WPID"; } 2>/dev/null
STATE=$(ls state/log-*.checkpoint)
check "one state file, the last checkpoint as received" cmp "$STATE" cp3
sed -i "2s/.*/$((S3 + 1))/" "$STATE"
expect_exit "a state that does not verify: refuses to start" 2 "log-*refusing to start" \
    "$AUDIT" witness --listen 127.0.0.1:0 -k w1.key --name "$NAME" --log "$PUB" \
    --origin "$ORIGIN" --state state
expect_exit "usage: --log without --origin" 2 "in pairs" \
    "$AUDIT" witness --listen 127.0.0.1:0 -k w1.key --name "$NAME" --log "$PUB" --state s2
expect_exit "a bad witness name" 2 "" \
    "$AUDIT" witness --listen 127.0.0.1:0 -k w1.key --name "bad name" --log "$PUB" \
    --origin "$ORIGIN" --state s2
expect_ok "--help" "--state DIR" "$AUDIT" witness --help
check "one log line per request, none from a sanitizer" \
    test "$(grep -c 'POST /add-checkpoint: ' witness.log)" -ge 20 -a -z "$(grep -i sanitizer witness.log)"

summary
