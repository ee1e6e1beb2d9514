#!/usr/bin/env bash
# tiles_cli.sh: end-to-end test of the log published as C2SP tiles (issue
# 17): `dauys checkpoint --tiles` and `dauys publish --tiles`, checked by
# tests/tools/tiles.py, a verifier that shares no code with dauys.
#
#   usage: bash tests/cli/tiles_cli.sh /path/to/dauys /path/to/dauys-audit
#
#  1. A 530-precinct demo referendum ingested in three steps, a checkpoint
#     with --tiles after each and dauys publish --tiles at the end: tiles.py
#     verifies the directory every time (the signature, every leaf, tile and
#     the root), also served over HTTP (python3 -m http.server on 127.0.0.1,
#     a port it picks).
#  2. The directory written step by step holds every file of one written
#     from scratch at the final size, byte for byte; it has only older
#     partial tiles besides.
#  3. Each tamper is caught by exactly its check: a byte of a full tile and
#     of an entry bundle (tiles.py names the file and the index, exit 1), a
#     partial tile of the wrong length, a byte after a bundle's entries, the
#     checkpoint's size changed (its signature); a missing tile (exit 2); a full tile already in the directory that
#     differs (the writer refuses, status proof, exit 2, the checkpoint left
#     as it was); a directory holding another log (refused before anything
#     is written); a directory holding more entries than the log (refused).
# Hermetic (mktemp -d, removed on exit); waits only on a condition with a
# deadline (the HTTP server's port). About 10 s (gcc build).
set -u

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 2

cli_args "$@"
TILES_PY=$(abspath "$(dirname "${BASH_SOURCE[0]}")/../tools/tiles.py")
PYTHON=${PYTHON3_NACL:-/usr/bin/python3} # Debian's, with python3-nacl
for tool in "$PYTHON" cmp find sort setsid; do
    command -v "$tool" >/dev/null 2>&1 || { echo "$0: $tool is needed" >&2; exit 2; }
done
"$PYTHON" -c 'import nacl.signing' 2>/dev/null || { echo "$0: $PYTHON lacks nacl (python3-nacl)" >&2; exit 2; }
cli_workdir tiles
run() { run_split "$@"; }

ORIGIN=dauys/kz-2026-demo/test
VERIFY=("$PYTHON" "$TILES_PY" verify --pub central.pub --origin "$ORIGIN") # then DIR or URL

# same_files FROM TO: every file below FROM is in TO with the same bytes
same_files() {
    local f
    while IFS= read -r f; do
        cmp -s "$1/$f" "$2/$f" || { echo "differs or missing: $f"; return 1; }
    done < <(cd "$1" && find . -type f | sort)
}

section "a referendum in three steps, a checkpoint with --tiles after each"

expect_ok "demo --files-only: 530 precincts" "" "$DAUYS" demo --precincts 530 --seed 7 --files-only --out demo
cp demo/keys/central.key demo/keys/central.pub .
mkdir in1 in2 in3
n=0
for f in demo/incoming/*.txt; do
    n=$((n + 1))
    dest=in$((n <= 100 ? 1 : n <= 400 ? 2 : 3))
    mv "$f" "$dest/" && { [ ! -e "$f.minisig" ] || mv "$f.minisig" "$dest/"; }
done
expect_ok "init" "workspace created" "$DAUYS" init -w ws --manifest demo/manifest.txt --central-key central.pub
sizes=()
for step in 1 2 3; do
    run "$DAUYS" ingest -w ws "in$step" # the demo plants rejections: exit 0 or 1
    [ "$RC" -le 1 ] && pass || fail "ingest in$step" "exit $RC"
    expect_ok "checkpoint --tiles after step $step" "tiles of * entries written to T" \
        "$DAUYS" checkpoint -w ws -k central.key --tiles T
    sizes+=("$(sed -n 2p T/checkpoint)")
    expect_ok "tiles.py verifies T after step $step" "ok: $ORIGIN at ${sizes[-1]} entries" "${VERIFY[@]}" T
done
check "the steps grew the log past two full tiles (${sizes[*]})" \
    test "${sizes[0]}" -lt 256 -a "${sizes[1]}" -gt 256 -a "${sizes[2]}" -gt 512
expect_ok "publish --tiles" "tiles of * entries written to T (${sizes[2]} published there before)" \
    "$DAUYS" publish -w ws -k central.key --tiles T bundle
expect_ok "tiles.py verifies T after publish" "ok: $ORIGIN at $((sizes[2] + 1)) entries" "${VERIFY[@]}" T
check "T/checkpoint is the bundle's checkpoint" cmp -s T/checkpoint bundle/checkpoint

section "served over HTTP"

"$PYTHON" -u -m http.server 0 --bind 127.0.0.1 --directory T >http.log 2>&1 &
HTTP_PID=$!
trap 'kill "$HTTP_PID" 2>/dev/null; rm -rf "$WORK"' EXIT
PORT=''
for _ in $(seq 1 500); do # until it says its port (5 s at most), never a guess
    PORT=$(sed -n 's/^Serving HTTP on 127.0.0.1 port \([0-9]*\).*/\1/p' http.log)
    [ -n "$PORT" ] && break
    kill -0 "$HTTP_PID" 2>/dev/null || break
    sleep 0.01
done
if [ -n "$PORT" ]; then
    expect_ok "tiles.py verifies http://127.0.0.1:PORT/" "ok: $ORIGIN at $((sizes[2] + 1)) entries" \
        "${VERIFY[@]}" "http://127.0.0.1:$PORT/"
    expect_exit "a URL with nothing behind it: exit 2" 2 "cannot read: http://127.0.0.1:$PORT/nothing/checkpoint: HTTP 404" \
        "${VERIFY[@]}" "http://127.0.0.1:$PORT/nothing"
else
    fail "http.server" "did not say its port: $(cat http.log)"
fi
kill "$HTTP_PID" 2>/dev/null
wait "$HTTP_PID" 2>/dev/null

section "step by step = from scratch"

expect_ok "checkpoint --tiles S (from scratch, same size)" "(0 published there before)" \
    "$DAUYS" checkpoint -w ws -k central.key --tiles S
check "every file of S is in T, byte for byte" same_files S T
OUT=$(cd T && find . -type f | sort | while IFS= read -r f; do [ -e "../S/$f" ] || echo "$f"; done)
only_partial=1
while IFS= read -r f; do [[ -z $f || $f == */*.p/* ]] || only_partial=0; done <<<"$OUT"
check "T has besides only older partial tiles" test "$only_partial" = 1 -a -n "$OUT"

section "tampers, each caught by its own check"

cp -r T X
flip X/tile/0/001 100 # hash 3 of the second level-0 tile
expect_exit "a bit of a full tile: tiles.py names it" 1 "MISMATCH: tile/0/001: hash 3 is wrong" "${VERIFY[@]}" X
rm -rf X && cp -r T X
flip X/tile/entries/001 100 # inside its first entry
expect_exit "a bit of a bundle: tiles.py names it" 1 \
    "MISMATCH: tile/entries/001: entry 0 (log entry 256) does not hash to hash 0 of tile/0/001" "${VERIFY[@]}" X
rm -rf X && cp -r T X
P=$(cd X && find tile/0 -path '*.p/*' -type f | sort | tail -n 1) # the current partial tile
head -c 64 "T/$P" >"X/$P"
expect_exit "a partial tile of the wrong length: tiles.py names it" 1 "MISMATCH: $P: 64 bytes, not" "${VERIFY[@]}" X
rm -rf X && cp -r T X
printf 'x' >>X/tile/entries/000
expect_exit "a byte after a bundle's entries: tiles.py names it" 1 \
    "MISMATCH: tile/entries/000: 1 bytes after its 256 entries" "${VERIFY[@]}" X
rm -rf X && cp -r T X
awk 'NR == 2 { $0 = $0 - 1 } 1' T/checkpoint >X/checkpoint # one entry less, signed no more
expect_exit "the checkpoint's size changed: its signature fails" 1 "MISMATCH: checkpoint:5: the signature does not verify" \
    "${VERIFY[@]}" X
rm -rf X && cp -r T X
rm X/tile/0/000
expect_exit "a missing tile: tiles.py cannot read it, exit 2" 2 "cannot read: X/tile/0/000" "${VERIFY[@]}" X
rm -rf X && cp -r T X
rm X/checkpoint # as if lost: everything published is compared
flip X/tile/0/000 64
expect_exit "a full tile in the directory that differs: the writer refuses" 2 \
    "the log changed under a published tile: X/tile/0/000" \
    "$DAUYS" checkpoint -w ws -k central.key --tiles X
check "and writes no checkpoint" absent X/checkpoint

expect_ok "init ws2, the same referendum" "workspace created" \
    "$DAUYS" init -w ws2 --manifest demo/manifest.txt --central-key central.pub
run "$DAUYS" ingest -w ws2 in1
cp -r T Y
expect_exit "ws2's log into T, which holds more entries: refused" 2 "Y holds a checkpoint of $((sizes[2] + 1)) entries, more than the ${sizes[0]} to publish" \
    "$DAUYS" checkpoint -w ws2 -k central.key --tiles Y
run "$DAUYS" ingest -w ws2 in3 # another order: another log
run "$DAUYS" ingest -w ws2 in2
expect_ok "publish ws2: as many entries as T" "checkpoint of $((sizes[2] + 1)) entries" \
    "$DAUYS" publish -w ws2 -k central.key bundle2
expect_exit "ws2's other log over T: refused" 2 "Y/checkpoint: not this log at $((sizes[2] + 1)) entries" \
    "$DAUYS" checkpoint -w ws2 -k central.key --tiles Y
check "Y is left as it was" same_files T Y
check "Y has nothing more than T" same_files Y T

summary
