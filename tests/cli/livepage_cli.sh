#!/usr/bin/env bash
# livepage_cli.sh FIXTURE: tests/tools/livepage.py, the headless Chromium check
# of the live results page, without the server: livepage_fixture renders two
# states of a small referendum (page and /v1/status JSON of each, and the
# CSP), tests/tools/livepage_serve.py serves them on a free 127.0.0.1 port,
# the CSP in a header as dauys serve sends it.
#   - the first page against the first status: its numbers, and the script
#     applied the status (JavaScript on) under the strict CSP;
#   - a second, larger status swapped in: the page fetched first still shows
#     the old numbers (JavaScript off: they differ from the new status), and
#     its script updates them to the new ones (JavaScript on: they equal it);
#   - the tool fails when it should: a status of other numbers, a script the
#     CSP does not allow (its hash wrong: the page never updates), a blank
#     screenshot; and cannot run against a closed port.
# Needs chromium and python3.
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 2
TOOLS=$(abspath "$(dirname "${BASH_SOURCE[0]}")/../tools")
if [ "$#" -ne 1 ]; then
    echo "usage: $0 /path/to/livepage_fixture" >&2
    exit 2
fi
FIXTURE=$(abspath "$1")
START=$(date +%s)
cli_workdir livepage

run() {
    CMD=$(printf '%q ' "$@")
    OUT=$(setsid -w "$@" </dev/null 2>&1)
    RC=$?
}

SERVER_PID=''
stop_server() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null; SERVER_PID=''; }
trap 'stop_server; rm -rf "$WORK"' EXIT

# serve: starts livepage_serve.py on site/ and waits (10 s at most) for its port.
serve() {
    rm -f port
    python3 "$TOOLS/livepage_serve.py" "$WORK/site" "$WORK/port" &
    SERVER_PID=$!
    local deadline=$(($(date +%s) + 10))
    while [ ! -s port ]; do
        if [ "$(date +%s)" -ge "$deadline" ] || ! kill -0 "$SERVER_PID" 2>/dev/null; then
            echo "livepage_serve.py did not start" >&2
            exit 2
        fi
        sleep 0.05
    done
    URL="http://127.0.0.1:$(cat port)"
}

# lp NAME CODE PATTERN ARGS...: livepage.py ARGS... (a virtual-time budget of
# 3.5 s: the script polls at load and 3 s later)
lp() { expect_exit "$1" "$2" "$3" python3 "$TOOLS/livepage.py" --budget 3500 "${@:4}"; }

section "render two states"
expect_ok "fixture renders" "" "$FIXTURE" render "$WORK"
mkdir site
cp page1.html site/page.html
cp status1.json site/status.json
cp csp.txt site/csp.txt
serve

section "the first page against the first status"
lp "page 1 with JavaScript on matches status 1" 0 \
    "marked values match the status of checkpoint 6 (the script applied" \
    "$URL/live" --status-json "$URL/v1/status" --screenshot shot1.png
lp "page 1 with JavaScript off matches status 1" 0 "match the status of checkpoint 6;" \
    "$URL/" --status-json "$URL/v1/status" --screenshot shot1-static.png --js-off
lp "the screenshot is not blank" 0 "not blank" --png-only shot1.png

section "a larger status swapped in"
cp status2.json site/status.json.new && mv site/status.json.new site/status.json
lp "page 1 without its script shows the old numbers" 1 \
    "the page shows checkpoint 6; the status served [15]" \
    "$URL/live" --status-json "$URL/v1/status" --screenshot shot2-static.png --js-off
lp "page 1's script updates it to status 2" 0 \
    "marked values match the status of checkpoint 15 (the script applied" \
    "$URL/live" --status-json "$URL/v1/status" --screenshot shot2.png
cp page2.html site/page.html
lp "page 2 as served matches status 2 (a file)" 0 "checkpoint 15;" \
    "$URL/live" --status-json status2.json --screenshot shot4.png --js-off

section "the tool fails when it should"
python3 - status2.json status2-off.json <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
doc["questions"][0]["regions"][1]["yes"] += 1
json.dump(doc, open(sys.argv[2], "w"))
PY
lp "a number off by one is caught" 1 \
    "data-n='questions.0.regions.1.yes' shows '1,0*', the status says '1,0" \
    "$URL/live" --status-json status2-off.json --screenshot shot5.png
sed "s/script-src 'sha256-[^']*'/script-src 'sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='/" \
    csp.txt >site/csp.txt
lp "a script the CSP does not allow never updates the page" 1 \
    "the page's script did not update it from /v1/status (data-polls '0', live-state 'static')" \
    "$URL/live" --status-json "$URL/v1/status" --screenshot shot6.png
cp csp.txt site/csp.txt
python3 - blank.png <<'PY'
import struct, sys, zlib
def chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
w, h = 64, 32
raw = b"".join(b"\x01" + b"\xff\xff\xff" + b"\x00" * (3 * w - 3) for _ in range(h))  # Sub filter
open(sys.argv[1], "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                              + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
PY
lp "a blank screenshot is caught" 1 "blank: every pixel is one colour" --png-only blank.png
stop_server
lp "a closed port: cannot check" 2 "cannot check:" \
    "$URL/live" --status-json "$URL/v1/status" --screenshot shot7.png

summary
