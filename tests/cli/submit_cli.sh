#!/usr/bin/env bash
# submit_cli.sh: end-to-end test of `dauys submit` (issue 17) against
# tests/tools/stub_server.py, a programmable HTTP server on 127.0.0.1 (a
# free port each time), which records every request and answers from a
# script.
#
#   usage: STUB=tests/tools/stub_server.py bash tests/cli/submit_cli.sh DAUYS DAUYS-AUDIT
#
# Checked: the parts arrive byte for byte as `curl -F protocol=@P -F
# signature=@P.minisig` sends them (names, filenames, bytes), the files of a
# directory in byte order as dauys ingest takes them; retries on HTTP 5xx, on
# 429 with Retry-After (the wait at least what it says), on a dropped
# connection and on a server that is not up yet (started once the client has
# failed to connect twice), with waits that grow; no retry on any other 4xx
# (the stub counts the requests) nor after a TLS failure; exit codes 0/1/2
# for each outcome; the
# retries spent, an answer over the cap, malformed JSON, a slow answer past
# --timeout: exit 2, no crash; untrusted text shown safely; -j N requests at
# a time (the stub sees them overlap), and one precinct's files one after the
# other; secret keys and unreadable files never sent.
#
# Needs bash, coreutils, util-linux (setsid), python3, curl. Under a minute.
# Prints every failing check, ends with "N passed, M failed", exits 1 if M > 0.
set -u

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 2

cli_args "$@"
STUB=${STUB:-$(dirname "${BASH_SOURCE[0]}")/../tools/stub_server.py}
STUB=$(abspath "$STUB")
for tool in python3 setsid curl; do
    command -v "$tool" >/dev/null 2>&1 || { echo "$0: $tool is needed" >&2; exit 2; }
done
[ -f "$STUB" ] || { echo "$0: no stub server at $STUB (set STUB)" >&2; exit 2; }
cli_workdir submit
run() { run_split "$@"; }

# --- the stub ---------------------------------------------------------------------

STUB_PID='' STUB_DIR='' STUB_PORT='' STUBS=0
stop_stub() {
    if [ -n "$STUB_PID" ]; then
        kill "$STUB_PID" 2>/dev/null
        wait "$STUB_PID" 2>/dev/null
    fi
    STUB_PID=''
}
trap 'stop_stub; rm -rf "$WORK"' EXIT

# wait_for SECONDS CMD...: runs CMD every 20 ms until it succeeds (0) or
# SECONDS pass (1).
wait_for() {
    local deadline=$(($(date +%s%N) + $1 * 1000000000))
    shift
    until "$@"; do
        [ "$(date +%s%N)" -lt "$deadline" ] || return 1
        sleep 0.02
    done
}

# start_stub SCRIPT [PORT]: a stub answering from SCRIPT (JSON) on PORT
# (default: any free one), recording into a new STUB_DIR; sets STUB_PORT,
# STUB_PID, URL. A stub already running on any port is reprogrammed (PUT
# /_stub): a new process costs more than the rest of a case on a busy machine.
start_stub() {
    STUBS=$((STUBS + 1))
    STUB_DIR=$WORK/stub$STUBS
    mkdir -p "$STUB_DIR"
    printf '%s\n' "$1" >"$STUB_DIR/script.json"
    if [ -n "$STUB_PID" ] && [ -z "${2:-}" ] &&
        curl -sSf -X PUT --data-binary "@$STUB_DIR/script.json" \
            "$URL/_stub?dir=$STUB_DIR" >/dev/null; then
        return 0
    fi
    stop_stub
    python3 "$STUB" --dir "$STUB_DIR" --port "${2:-0}" "$STUB_DIR/script.json" \
        2>"$STUB_DIR/stderr" &
    STUB_PID=$!
    if ! wait_for 10 test -s "$STUB_DIR/port"; then
        echo "$0: the stub did not start:" >&2
        cat "$STUB_DIR/stderr" >&2
        exit 2
    fi
    STUB_PORT=$(cat "$STUB_DIR/port")
    URL=http://127.0.0.1:$STUB_PORT
}

# requests: how many requests the stub has recorded.
requests() { if [ -f "$STUB_DIR/requests.jsonl" ]; then wc -l <"$STUB_DIR/requests.jsonl"; else echo 0; fi; }

requests_at_least() { [ "$(requests)" -ge "$1" ]; }

# jq_requests PYTHON_EXPR: evaluates EXPR over R, the list of recorded requests.
jq_requests() {
    python3 -c 'import json, sys
R = [json.loads(l) for l in open(sys.argv[1])] if __import__("os").path.exists(sys.argv[1]) else []
print(eval(sys.argv[2]))' "$STUB_DIR/requests.jsonl" "$1"
}

# free_port: a port nothing listens on now (bound to 0 by the system, closed).
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# answer OUTCOME [PRECINCT VERSION CODE REASON]: a 200 step with that answer.
answer() {
    python3 -c 'import json, sys
a = [x or None for x in sys.argv[1:]] + [None] * 5
print(json.dumps({"status": 200, "json": {"outcome": a[0], "precinct": a[1],
    "version": int(a[2]) if a[2] else None, "reason_code": a[3], "reason": a[4],
    "log_index": 41, "entry_sha256": "ab" * 32, "warnings": 0}}))' "$@"
}

# protocol FILE PRECINCT VERSION [NOSIG]: a file with a protocol's header and
# bytes of every kind after it (NUL, 0xff, CR LF), and FILE.minisig with
# binary bytes too, unless NOSIG.
protocol() {
    printf 'format: dauys-protocol 1\nreferendum: kz-2026-mock\nprecinct: %s\nversion: %s\n' "$2" "$3" >"$1"
    printf 'citizens_on_list: 7\r\n\x00\xff\xfe binary tail \x01\x7f\n' >>"$1"
    head -c 300 /dev/urandom >>"$1"
    if [ -z "${4:-}" ]; then
        { printf 'untrusted comment: signature\n'; head -c 120 /dev/urandom; printf '\x00\r\n'; } >"$1.minisig"
    fi
}

# --- usage --------------------------------------------------------------------------

section "usage"
protocol one.txt P-001 1
expect_ok "--help" "usage: dauys submit --server URL" "$DAUYS" submit --help
for opt in --server --retries --timeout --cacert -j -q; do
    check "--help lists $opt" matches "$STDOUT" "$opt"
done
expect_ok "dauys --help lists submit" "submit" "$DAUYS" --help
expect_exit "no --server: exit 2" 2 "--server URL is required" "$DAUYS" submit one.txt
expect_exit "no FILE: exit 2" 2 "usage: dauys submit" "$DAUYS" submit --server http://127.0.0.1:1
expect_exit "not http(s): exit 2" 2 "expected an http:// or https:// URL" \
    "$DAUYS" submit --server ftp://127.0.0.1/ one.txt
expect_exit "-j 0: exit 2" 2 "-j: expected a number from 1 to 64" \
    "$DAUYS" submit --server http://127.0.0.1:1 -j 0 one.txt
expect_exit "--retries x: exit 2" 2 "--retries: expected a number" \
    "$DAUYS" submit --server http://127.0.0.1:1 --retries x one.txt
expect_exit "--timeout 0: exit 2" 2 "--timeout: expected a number from 1" \
    "$DAUYS" submit --server http://127.0.0.1:1 --timeout 0 one.txt
expect_exit "a FILE that is not there: exit 2" 2 "missing.txt: No such file" \
    "$DAUYS" submit --server http://127.0.0.1:1 missing.txt

# --- the parts, byte for byte -----------------------------------------------------

section "the parts arrive byte for byte, as curl -F sends them"
mkdir -p in/sub
protocol in/P-002.txt P-002 1
protocol in/P-001.txt P-001 1
protocol in/.hidden.txt P-009 1
protocol in/sub/P-003.txt P-003 1
printf 'orphan signature\n' >in/lonely.txt.minisig
ln -s P-001.txt in/link.txt
start_stub '[{"accept": true}]'
expect_ok "a directory: exit 0" "" "$DAUYS" submit --server "$URL/" -j 1 in
expect_stdout "each outcome on one line" \
    "in/P-001.txt: accepted (precinct P-001, version 1, log entry 0)*in/P-002.txt: accepted (precinct P-002, version 1, log entry 1)"
expect_stdout "then the summary" "2 files in * s: 2 accepted, 0 corrections, 0 rejected, 0 conflicts, 0 stale, 0 refused; 0 warnings"
expect_eq "two requests (not the hidden file, the subdirectory, the link, a lone .minisig)" 2 "$(requests)"
expect_eq "POST /v1/protocols, multipart, in byte order of the paths" \
    "POST /v1/protocols True P-001.txt|POST /v1/protocols True P-002.txt" \
    "$(jq_requests '"|".join("%s %s %s %s" % (r["method"], r["path"], r["multipart"], r["parts"][0]["filename"]) for r in R)')"
expect_eq "the parts: protocol then signature, named as curl names them" \
    "protocol:P-001.txt signature:P-001.txt.minisig" \
    "$(jq_requests '" ".join("%s:%s" % (p["name"], p["filename"]) for p in R[0]["parts"])')"
check "request 1: the protocol's bytes exactly" cmp -s in/P-001.txt "$STUB_DIR/req-1-protocol"
check "request 1: the signature's bytes exactly" cmp -s in/P-001.txt.minisig "$STUB_DIR/req-1-signature"
check "request 2: the protocol's bytes exactly" cmp -s in/P-002.txt "$STUB_DIR/req-2-protocol"
check "request 2: the signature's bytes exactly" cmp -s in/P-002.txt.minisig "$STUB_DIR/req-2-signature"
# stock curl to the same stub: the same parts, names and filenames
(cd in && curl -sS -o /dev/null -F protocol=@P-001.txt -F signature=@P-001.txt.minisig \
    "$URL/v1/protocols")
expect_eq "curl -F sends the same parts (names, filenames, sizes, hashes)" \
    "$(jq_requests '[(p["name"], p["filename"], p["size"], p["sha256"]) for p in R[0]["parts"]]')" \
    "$(jq_requests '[(p["name"], p["filename"], p["size"], p["sha256"]) for p in R[2]["parts"]]')"
check "curl's request went to the same path" test "$(jq_requests 'R[2]["path"]')" = /v1/protocols
expect_ok "-q: only the summary" "" "$DAUYS" submit --server "$URL" -q in/P-001.txt
check "-q: no outcome line" test "$STDOUT" = "$(printf '%s' "$STDOUT" | grep -v ': accepted (')"
expect_stdout "-q: the summary" "1 files in * s: 1 accepted"

# --- retries --------------------------------------------------------------------

# gaps: the seconds between the stub's requests, one a line.
gaps() { jq_requests '"\n".join("%.3f" % (R[i]["came"] - R[i-1]["answered"]) for i in range(1, len(R)))'; }
# growing A B C...: every number at least the one before it.
growing() { python3 -c 'import sys; g = [float(x) for x in sys.argv[1:]]; sys.exit(any(b < a for a, b in zip(g, g[1:])))' "$@"; }

section "retries: 5xx, with growing waits"
start_stub '[{"status": 503, "times": 1}, {"status": 500}, {"status": 502}, {"accept": true}]'
expect_ok "503, 500, 502, then accepted: exit 0" "accepted (precinct P-001" \
    "$DAUYS" submit --server "$URL" one.txt
expect_eq "four requests" 4 "$(requests)"
expect_stderr "each retry told" "attempt 1 of 9: HTTP 503; retrying in*attempt 2 of 9: HTTP 500*attempt 3 of 9: HTTP 502"
G=$(gaps)
check "the waits grow ($(echo $G))" growing $G
check "the first wait at least 0.1 s, the third at least 0.4 s ($(echo $G))" \
    python3 -c 'import sys; g = [float(x) for x in sys.argv[1:]]; sys.exit(not (g[0] >= 0.1 and g[2] >= 0.4))' $G
check "the same bytes each time" cmp -s "$STUB_DIR/req-1-protocol" "$STUB_DIR/req-4-protocol"

section "retries: 429 with Retry-After"
start_stub '[{"status": 429, "retry_after": 1, "times": 1}, {"accept": true}]'
expect_ok "429 Retry-After: 1, then accepted: exit 0" "accepted" "$DAUYS" submit --server "$URL" one.txt
expect_eq "two requests" 2 "$(requests)"
check "the client waited at least the second Retry-After asks ($(gaps))" \
    python3 -c 'import sys; sys.exit(not float(sys.argv[1]) >= 1.0)' "$(gaps)"
expect_stderr "the retry told" "HTTP 429; retrying in 1."

section "retries: a dropped connection"
start_stub '[{"drop": true, "times": 1}, {"accept": true}]'
expect_ok "dropped, then accepted: exit 0" "accepted" "$DAUYS" submit --server "$URL" one.txt
expect_eq "two requests" 2 "$(requests)"
expect_stderr "the retry told" "attempt 1 of 9: *retrying in"

section "retries: a server not up yet"
PORT=$(free_port)
setsid -w "$DAUYS" submit --server "http://127.0.0.1:$PORT" one.txt >late.out 2>late.err </dev/null &
SUBMIT=$!
# the client has failed to connect twice (it is retrying) before the server starts
if wait_for 20 grep -q 'attempt 2 of 9' late.err; then pass; else fail "the client retries connecting" "late.err: $(cat late.err)"; fi
start_stub '[{"accept": true}]' "$PORT"
wait "$SUBMIT"
RC=$? CMD="dauys submit (server started late)" OUT=$(cat late.out late.err)
expect_eq "a server that came up late: exit 0" 0 "$RC"
check "... accepted" matches "$(cat late.out)" "one.txt: accepted (precinct P-001, version 1"
check "... after connections refused" matches "$(cat late.err)" "attempt 1 of 9: *onnect*retrying in"
expect_eq "... one request reached it" 1 "$(requests)"
G=$(grep -o 'retrying in [0-9.]* s' late.err | awk '{ print $3 }')
check "the announced waits grow ($(echo $G))" growing $G

section "retries spent: exit 2"
start_stub '[{"status": 503}]'
expect_exit "always 503, --retries 2: exit 2" 2 "not recorded: still busy or failing after 3 attempts: HTTP 503" \
    "$DAUYS" submit --server "$URL" --retries 2 one.txt
expect_eq "three requests" 3 "$(requests)"
expect_stdout "the summary counts it" "1 NOT ANSWERED"
expect_exit "--retries 0: one request" 2 "after 1 attempt: HTTP 503" "$DAUYS" submit --server "$URL" --retries 0 one.txt
expect_eq "one more request" 4 "$(requests)"
stop_stub
expect_exit "nobody listening, --retries 1: exit 2" 2 "still no answer after 2 attempts" \
    "$DAUYS" submit --server "http://127.0.0.1:$(free_port)" --retries 1 one.txt

section "failures that will not pass: no retry"
start_stub '[{"accept": true}]'
expect_exit "https:// to a server that speaks http: exit 2" 2 "one.txt: https://127.0.0.1:$STUB_PORT/v1/protocols: " \
    "$DAUYS" submit --server "https://127.0.0.1:$STUB_PORT" one.txt
check "... not retried (a TLS failure)" test "${STDERR/retrying/}" = "$STDERR"
expect_stdout "... counted" "1 FAILED"
expect_exit "--cacert FILE that is not there: exit 2" 2 "one.txt: https://" \
    "$DAUYS" submit --server "https://127.0.0.1:$STUB_PORT" --cacert "$WORK/none.pem" one.txt
check "... not retried" test "${STDERR/retrying/}" = "$STDERR"
expect_eq "no request accepted by the stub" 0 "$(jq_requests 'sum(1 for r in R if r["path"] == "/v1/protocols")')"

section "a slow answer past --timeout: exit 2"
start_stub '[{"accept": true, "delay": 2}]'
expect_exit "--timeout 1 --retries 1: exit 2" 2 "no answer after 2 attempts: *imeout" \
    "$DAUYS" submit --server "$URL" --timeout 1 --retries 1 one.txt
wait_for 10 requests_at_least 2 # the stub records a request once it has answered it
expect_eq "tried twice (a timeout may pass)" 2 "$(requests)"

# --- never a retry on 4xx; exit codes ----------------------------------------------

section "no retry on 4xx"
refused_json='{"outcome": "refused", "reason_code": "signature", "reason": "not signed by a key of the roster"}'
while IFS='|' read -r status code want step; do
    start_stub "[$step, {\"accept\": true}]"
    expect_exit "HTTP $status: exit $code" "$code" "$want" "$DAUYS" submit --server "$URL" one.txt
    expect_eq "HTTP $status: one request, no retry" 1 "$(requests)"
    check "HTTP $status: no retry told" test "${STDERR/retrying/}" = "$STDERR"
    if [ "$code" = 1 ]; then
        expect_stdout "HTTP $status: counted as refused" "0 stale, 1 refused;"
    fi
done <<EOF
422|1|refused (HTTP 422): [signature] not signed by a key of the roster|{"status": 422, "json": $refused_json}
413|1|refused (HTTP 413): [too-large] too large|{"status": 413, "json": {"error": "too large"}}
400|1|refused (HTTP 400): a part missing|{"status": 400, "json": {"error": "a part missing"}}
404|2|the server refused the request (HTTP 404): not found|{"status": 404, "json": {"error": "not found"}}
405|2|the server refused the request (HTTP 405)|{"status": 405, "body": "no"}
409|2|the server refused the request (HTTP 409)|{"status": 409, "json": {}}
401|2|the server refused the request (HTTP 401)|{"status": 401, "json": {}}
EOF

section "exit codes as dauys ingest's"
protocol two.txt P-002 1
for case in \
    "0 accepted (precinct P-001, version 1, log entry 41)|$(answer accepted P-001 1)" \
    "0 correction (precinct P-001, version 2, log entry 41)|$(answer correction P-001 2)" \
    "1 rejected (precinct P-001, version 1, log entry 41): [R3] ballots do not add up|$(answer rejected P-001 1 R3 'ballots do not add up')" \
    "1 conflict (precinct P-001, version 1, log entry 41)|$(answer conflict P-001 1)" \
    "1 stale (precinct P-001, version 1, log entry 41)|$(answer stale P-001 1)" \
    "1 rejected (log entry 41): [parse] line 3|$(answer rejected '' '' parse 'line 3')"; do
    code=${case%% *} want=${case#* } want=${want%%|*}
    start_stub "[${case#*|}]"
    expect_exit "$want: exit $code" "$code" "one.txt: $want" "$DAUYS" submit --server "$URL" one.txt
done
start_stub "[$(answer accepted P-001 1), $(answer rejected P-002 1 R3 'no')]"
expect_exit "one accepted, one rejected: exit 1" 1 "1 accepted, 0 corrections, 1 rejected" \
    "$DAUYS" submit --server "$URL" -j 1 one.txt two.txt
expect_stdout "the reasons counted" "reasons: R3 1"

section "malformed or oversized answers: exit 2, no crash"
for case in \
    "not JSON|{\"status\": 200, \"body\": \"<html>ok</html>\"}|expected a JSON object" \
    "cut short|{\"status\": 200, \"body\": \"{\\\"outcome\\\": \\\"accepted\\\",\"}|expected a string" \
    "nested|{\"status\": 200, \"json\": {\"outcome\": {\"a\": 1}}}|a nested object" \
    "no entry_sha256|{\"status\": 200, \"json\": {\"outcome\": \"accepted\", \"precinct\": \"P-001\", \"version\": 1, \"log_index\": 1}}|the field \"entry_sha256\" is missing" \
    "an outcome none records|$(answer refused P-001 1)|is none a server records" \
    "accepted without a precinct|$(answer accepted)|comes without its precinct and version" \
    "a version not a number|{\"status\": 200, \"json\": {\"outcome\": \"accepted\", \"precinct\": \"P-001\", \"version\": \"1\", \"log_index\": 1, \"entry_sha256\": \"$(printf 'ab%.0s' {1..32})\"}}|the field \"version\" is out of range or of another type" \
    "an entry_sha256 not 64 hex digits|{\"status\": 200, \"json\": {\"outcome\": \"accepted\", \"precinct\": \"P-001\", \"version\": 1, \"log_index\": 1, \"entry_sha256\": \"$(printf 'AB%.0s' {1..32})\"}}|comes with an entry_sha256 that is not 64 hex digits" \
    "422 without an outcome|{\"status\": 422, \"body\": \"no\"}|HTTP 422 without the outcome" \
    "HTTP 204|{\"status\": 204, \"body\": \"\"}|answered HTTP 204" \
    "HTTP 302|{\"status\": 302, \"json\": {}}|answered HTTP 302" \
    "over the cap|{\"oversized\": 200000}|the answer is over 65536 bytes"; do
    IFS='|' read -r name step want <<<"$case"
    start_stub "[$step]"
    expect_exit "$name: exit 2" 2 "$want" "$DAUYS" submit --server "$URL" one.txt
    expect_eq "$name: one request" 1 "$(requests)"
done
start_stub "[$(answer rejected $'P\e[2J' 1 $'R3\e[31m' $'evil \e]0;title\a \xe2\x80\xae reversed')]"
expect_exit "untrusted text in an answer: exit 1" 1 \
    "one.txt: rejected (precinct P?[2J, version 1, log entry 41): [R3?[31m] evil ?]0;title? ? reversed" \
    "$DAUYS" submit --server "$URL" one.txt
for c in $'\e' $'\a' $'\xe2\x80\xae'; do
    check "no $(printf '%q' "$c") from the answer reaches the terminal" test "${OUT/"$c"/}" = "$OUT"
done

# --- files that are not sent ---------------------------------------------------------

section "files not sent: unreadable, secret keys; a missing signature"
start_stub "[{\"accept\": true}]"
mkdir -p bad
protocol bad/P-001.txt P-001 1
rm bad/P-001.txt.minisig
mkdir bad/P-001.txt.minisig # a signature that cannot be read
expect_exit "an unreadable signature: exit 2" 2 "bad/P-001.txt: not sent: *P-001.txt.minisig: not a regular file" \
    "$DAUYS" submit --server "$URL" bad/P-001.txt
expect_stdout "counted" "1 UNREADABLE"
expect_eq "nothing sent" 0 "$(requests)"
run "$DAUYS" keygen --unencrypted -o commission
expect_eq "keygen" 0 "$RC"
cp commission.key secret.txt
expect_exit "a secret key as a protocol: exit 2" 2 "secret.txt: the file is a minisign secret key: NOTHING SENT" \
    "$DAUYS" submit --server "$URL" secret.txt
protocol leak.txt P-004 1
cp commission.key leak.txt.minisig
expect_exit "a secret key as a signature: exit 2" 2 "leak.txt: its signature file leak.txt.minisig is a minisign secret key" \
    "$DAUYS" submit --server "$URL" leak.txt
expect_stdout "counted" "1 SECRET KEYS NOT SENT"
ln -s one.txt alias.txt
expect_exit "a symbolic link named: exit 2, as ingest" 2 "not sent: alias.txt: refusing a symbolic link" \
    "$DAUYS" submit --server "$URL" alias.txt
expect_eq "none of them sent" 0 "$(requests)"
start_stub '[{"status": 400, "json": {"error": "the part signature is missing"}}]'
protocol nosig.txt P-005 1 nosig
expect_exit "no signature: sent alone, refused: exit 1" 1 "nosig.txt: refused (HTTP 400): the part signature is missing" \
    "$DAUYS" submit --server "$URL" nosig.txt
expect_stderr "said so" "nosig.txt: no signature beside it (nosig.txt.minisig): sent without one"
expect_eq "one part, the protocol" "protocol" "$(jq_requests '" ".join(p["name"] for p in R[0]["parts"])')"

# --- concurrency ---------------------------------------------------------------------

section "-j: requests at a time"
mkdir -p many
for i in 1 2 3 4 5 6 7 8; do protocol "many/P-00$i.txt" "P-00$i" 1; done
start_stub '[{"accept": true, "delay": 0.4}]'
expect_ok "-j 4, 8 files: exit 0" "8 accepted" "$DAUYS" submit --server "$URL" -j 4 many
expect_eq "at most 4 at a time, and 4 at once" 4 "$(jq_requests 'max(r["inflight"] for r in R)')"
check "they overlapped in time" test "$(jq_requests 'sum(1 for a in R for b in R if a["n"] < b["n"] and b["came"] < a["answered"])')" -gt 0
expect_stdout "outcomes printed in the files' order" \
    "P-001.txt: accepted*P-002.txt: accepted*P-003.txt: accepted*P-004.txt: accepted*P-005.txt: accepted*P-006.txt: accepted*P-007.txt: accepted*P-008.txt: accepted"
start_stub '[{"accept": true, "delay": 0.1}]'
expect_ok "-j 1: exit 0" "4 accepted" "$DAUYS" submit --server "$URL" -j 1 many/P-00[1-4].txt
expect_eq "-j 1: one at a time" 1 "$(jq_requests 'max(r["inflight"] for r in R)')"

section "-j: one precinct's files one after the other"
mkdir -p corr
protocol corr/a-P-001.txt P-001 1
protocol corr/b-P-001.txt P-001 2
protocol corr/c-P-002.txt P-002 1
protocol corr/d-P-003.txt P-003 1
start_stub '[{"accept": true, "delay": 0.4}]'
expect_ok "-j 4, a version 1 and its version 2: exit 0" "4 accepted" "$DAUYS" submit --server "$URL" -j 4 corr
check "version 2 was sent only once version 1 was answered" test "$(jq_requests '
[r for r in R if r["parts"][0]["filename"] == "b-P-001.txt"][0]["came"] >= [r for r in R if r["parts"][0]["filename"] == "a-P-001.txt"][0]["answered"]')" = True
check "the other precincts went meanwhile" test "$(jq_requests 'max(r["inflight"] for r in R)')" -ge 2

stop_stub
summary
