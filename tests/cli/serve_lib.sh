# shellcheck shell=bash
# serve_lib.sh: helpers for the end-to-end tests of dauys serve (issue 17),
# sourced after lib.sh (cli_args and cli_workdir done):
#
#   . "$(dirname "${BASH_SOURCE[0]}")/serve_lib.sh" || exit 2
#
# Everything listens on 127.0.0.1 only, on ports the kernel picks (port 0,
# read back from --port-file): no fixed port, no sleeping-and-hoping.

# serve_on_exit CMD: runs CMD (a string for eval) when the script exits,
# before WORK is removed: every process a test starts in the background is
# stopped, whatever path the script leaves by.
SERVE_ON_EXIT=""
serve_on_exit() {
    SERVE_ON_EXIT="$1; $SERVE_ON_EXIT"
    # shellcheck disable=SC2064 # expanded now, on purpose
    trap "$SERVE_ON_EXIT"' rm -rf "$WORK"' EXIT
}

# serve_inputs N [DIR]: a mock referendum of N precincts, files only, in DIR
# (default "in"): keys/, manifest.txt (signed), incoming/, later/.
serve_inputs() {
    local n=$1 dir=${2:-in}
    "$DAUYS" demo --precincts "$n" --files-only --out "$dir" >/dev/null 2>&1 ||
        { echo "serve_lib: dauys demo --files-only failed" >&2; exit 2; }
}

# serve_workspace INPUTS WS: a workspace WS from INPUTS' manifest.
serve_workspace() {
    "$DAUYS" init -w "$2" --manifest "$1/manifest.txt" --central-key "$1/keys/central.pub" \
        >/dev/null 2>&1 || { echo "serve_lib: dauys init failed" >&2; exit 2; }
}

# serve_start WS KEY [OPTIONS...]: starts dauys serve on WS in the
# background (its stderr in WS.serve.log, appended), waits until it listens,
# and sets SERVE_PID, SERVE_PORT and SERVE_URL (http://127.0.0.1:PORT).
# Fails the test (exit 2) if it does not listen within 30 s or exits first.
serve_start() {
    local ws=$1 key=$2 deadline
    shift 2
    rm -f "$ws.port"
    "$DAUYS" serve -w "$ws" -k "$key" --listen 127.0.0.1:0 --port-file "$ws.port" \
        --interval "${SERVE_INTERVAL:-200ms}" "$@" 2>>"$ws.serve.log" &
    SERVE_PID=$!
    serve_on_exit "{ kill -9 $SERVE_PID; wait $SERVE_PID; } 2>/dev/null"
    deadline=$(($(date +%s) + 30))
    while [ ! -s "$ws.port" ]; do
        if ! kill -0 "$SERVE_PID" 2>/dev/null; then
            echo "serve_lib: dauys serve exited before listening:" >&2
            tail -5 "$ws.serve.log" >&2
            exit 2
        fi
        [ "$(date +%s)" -lt "$deadline" ] || { echo "serve_lib: no port after 30 s" >&2; exit 2; }
        sleep 0.05
    done
    SERVE_PORT=$(cat "$ws.port")
    SERVE_URL="http://127.0.0.1:$SERVE_PORT"
}

# serve_stop [SIGNAL]: stops the server started last (default SIGTERM: a
# clean stop) and waits for it; sets SERVE_RC to its exit status.
serve_stop() {
    kill "-${1:-TERM}" "$SERVE_PID" 2>/dev/null
    wait "$SERVE_PID"
    SERVE_RC=$?
}

# serve_post FILE [SIG]: POSTs FILE (and SIG, default FILE.minisig if it
# exists) with curl; sets HTTP (the status) and BODY (the answer).
serve_post() {
    local file=$1 sig=${2:-$1.minisig} args
    args=(-F "protocol=@$file")
    [ -e "$sig" ] && args+=(-F "signature=@$sig")
    BODY=$(curl -s -S -w '\n%{http_code}' "${args[@]}" "$SERVE_URL/v1/protocols")
    HTTP=${BODY##*$'\n'}
    BODY=${BODY%$'\n'*}
}

# serve_log_size WS: the number of entries in WS's log (sqlite3, read-only).
serve_log_size() {
    sqlite3 "file:$1/dauys.db?mode=ro" "SELECT count(*) FROM log_entry"
}

# serve_wait_checkpoint MIN [SECONDS]: waits until $SERVE_URL/checkpoint
# names a tree of at least MIN entries (default 30 s); sets CHECKPOINT_SIZE.
# Returns 1 on the deadline.
serve_wait_checkpoint() {
    local min=$1 deadline=$(($(date +%s) + ${2:-30}))
    while :; do
        CHECKPOINT_SIZE=$(curl -s "$SERVE_URL/checkpoint" | sed -n 2p)
        [ -n "$CHECKPOINT_SIZE" ] && [ "$CHECKPOINT_SIZE" -ge "$min" ] && return 0
        [ "$(date +%s)" -lt "$deadline" ] || return 1
        sleep 0.05
    done
}
