#!/usr/bin/env bash
# serve_crash_cli.sh: kill -9 of dauys serve under load, then restart
# (issue 17: "every submission that got a 2xx answer is in the log, none is
# half in, the clients' retries converge to the same accepted set and root
# as an uninterrupted run").
#
#   usage: bash tests/cli/serve_crash_cli.sh /path/to/dauys /path/to/dauys-audit
#
# A mock referendum of DAUYS_SERVE_CRASH_PRECINCTS precincts (default 3,000,
# with the demo's planted trouble: an altered count, another referendum's
# protocol, a conflict, corrections, a stale version, a broken correction, a
# duplicate) is ingested offline once, uninterrupted: the reference. Then a
# server on a copy of the same empty workspace takes every file over HTTP
# from DAUYS_SERVE_CRASH_CLIENTS concurrent clients (tests/tools/serve_load.py,
# default 12; each precinct's files in the offline ingest's order, precincts
# racing), which retry on no answer and on 5xx with backoff, never on 4xx.
#
# Meanwhile the server is killed with SIGKILL DAUYS_SERVE_CRASH_KILLS times
# (default 20) and restarted at once on the same port (picked free once, below
# the kernel's ephemeral range, so no client's connection can take it while
# the server is down). The moments are fixed by work, not by time: kill K
# comes once the clients have seen its target number of 200 answers (looked
# at every 20-60 ms): the target is a random share (half to one and a half
# times an even one) of what is left to 80% of the files, counted from the
# restart before it, and at least one answer past it. Until a quarter of the
# kills have landed inside a publication round, each kill but the first
# first waits up to 3 s for one (serve_crash_check.py kill-when-publishing:
# a temporary file of the server's in the tiles directory, there or made
# later, seen by inotify, then SIGSTOP; if one is still there, SIGKILL: the
# round is cut where it stands, whatever the machine's load; else SIGCONT
# and wait again), the clients paused (SIGSTOP) while the log holds more
# than the tiles' checkpoint (a round is due), so the wait costs no answers. After each kill, before the restart: the
# kill landed (exit 137); the tiles directory holds a checkpoint signed by
# the central key whose every tile and entry bundle is there, whole, hashing
# to its root (serve_crash_check.py published); the database is whole
# (faults.sh ws_consistent, the database checks: integrity, every submission
# wholly in or absent, totals equal a recount). Every checkpoint served (GET
# /checkpoint just before each kill and just after each restart) and left
# on disk by a kill is kept. A restart must listen within 30 s.
#
# When every file has its answer, and every file has been sent again, the
# server is stopped (SIGTERM: exit 0), and serve_crash_check.py final checks,
# from the files, the answers and the rows (its own SHA-256, RFC 6962 tree
# and Ed25519 checks, nothing of dauys's C code):
#   1. every 200 answer is in the log: the entry at its log_index hashes to
#      its entry_sha256 and names the file's and the signature's SHA-256, its
#      outcome, precinct and version;
#   2. none is half in: the stored Merkle nodes are the tree of the entries,
#      the hash chain holds (and ws_consistent on the final workspace, with a
#      bundle published from it passing dauys-audit verify);
#   3. each file's final answer is the outcome the offline ingest gave it (a
#      file refused 422 was recorded offline with a roster-key reason), and
#      the log's submissions are the offline ingest's, but the refused; here:
#      the same tally (dauys tally --json) and the same counting protocols
#      (precinct, version, file hash);
#   4. every file is sent once more after the last restart (nothing more is
#      recorded), and every answer to the same bytes is the same: a live
#      answer, one told on a retry after a kill, the duplicate's, the second
#      pass's;
#   5. every checkpoint seen is signed and is the final log's root at its
#      size, sizes never shrinking; the tiles after the last stop verify, every
#      bundle holding the log's entries (and their checkpoint is `dauys
#      checkpoint`'s); tests/tools/tiles.py verifies them too, over HTTP from
#      the last server and from the directory.
# Then each check of serve_crash_check.py must catch a tamper made to a copy
# of what it checks, and only that check.
#
# DAUYS_SERVE_CRASH_SEED seeds the moments (default: the process id; printed).
# Needs bash, coreutils, util-linux (setsid), sqlite3, curl, and Python 3 with
# PyNaCl ($PYTHON3_NACL, default /usr/bin/python3: Debian's python3-nacl).
# Prints every failing check, ends with "N passed, M failed", exits 1 if M > 0.
set -u

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 2
# shellcheck source-path=SCRIPTDIR source=faults.sh
. "$(dirname "${BASH_SOURCE[0]}")/faults.sh" || exit 2
TOOLS=$(cd "$(dirname "${BASH_SOURCE[0]}")/../tools" && pwd)

cli_args "$@"
PYTHON=${PYTHON3_NACL:-/usr/bin/python3}
for tool in sqlite3 setsid curl "$PYTHON"; do
    command -v "$tool" >/dev/null 2>&1 || { echo "$0: $tool is needed" >&2; exit 2; }
done
"$PYTHON" -c 'import nacl.signing' 2>/dev/null ||
    { echo "$0: $PYTHON lacks nacl (python3-nacl)" >&2; exit 2; }
cli_workdir serve-crash
# On any exit, the server and the clients still running (this shell's
# children, never another's) are stopped before WORK is removed.
trap '{ kill -9 $(jobs -p); wait; } 2>/dev/null; rm -rf "$WORK"' EXIT
run() { run_split "$@"; }

N=${DAUYS_SERVE_CRASH_PRECINCTS:-3000}
KILLS=${DAUYS_SERVE_CRASH_KILLS:-20}
CLIENTS=${DAUYS_SERVE_CRASH_CLIENTS:-12}
SEED=${DAUYS_SERVE_CRASH_SEED:-$$}
RANDOM=$SEED
echo "# $N precincts, $KILLS kills, $CLIENTS clients, seed $SEED" \
    "(DAUYS_SERVE_CRASH_SEED=$SEED replays the moments)"
CHECK=("$PYTHON" "$TOOLS/serve_crash_check.py")

now_ms() { echo $(($(date +%s%N) / 1000000)); }
random_below() { echo $(((RANDOM * 32768 + RANDOM) % $1)); }

# checked NAME CMD...: runs a serve_crash_check.py command; each of its
# "PASS: " lines passes, each "FAIL: " line fails (named NAME: ...); its "# "
# lines are printed. Exit 2 (it could not run) fails too.
checked() {
    local name=$1 line status
    shift
    "$@" >"$WORK/checked.out" 2>&1
    status=$?
    while IFS= read -r line; do
        case $line in
            'PASS: '*) pass ;;
            'FAIL: '*) fail_value "$name: ${line#FAIL: }" "$line" ;;
            '# '*) printf '# %s: %s\n' "$name" "${line#\# }" ;;
            *) printf '  | %s\n' "$line" ;;
        esac
    done <"$WORK/checked.out"
    [ "$status" -le 1 ] || fail_value "$name: the check ran" "exit $status"
}

section "the inputs and an uninterrupted offline ingest (the reference)"
fault_inputs "$N"
# The files in the order dauys ingest takes them: incoming/, then later/,
# each in byte order of the path.
for dir in incoming later; do
    find "$IN/$dir" -type f ! -name '*.minisig' | LC_ALL=C sort
done >"$WORK/files.list"
FILES=$(wc -l <"$WORK/files.list")
fresh_ws "$WORK/ref"
run "$DAUYS" ingest -q -w "$WORK/ref" "$IN/incoming" "$IN/later"
expect_eq "the reference ingest exits 1 (the planted rejections)" 1 "$RC"
ORIGIN=$(cp -a "$PRISTINE" "$WORK/origin" &&
    "$DAUYS" checkpoint -w "$WORK/origin" -k "$KEY" 2>/dev/null | sed -n 1p)
rm -rf "$WORK/origin"
check "the log's origin is known ($ORIGIN)" test -n "$ORIGIN"

# A free port below the ephemeral range (net.ipv4.ip_local_port_range starts
# at 32768 by default): while the server is down, a client's connection
# cannot be given it as its own port.
PORT=$("$PYTHON" -c '
import random, socket, sys
rng = random.Random(int(sys.argv[1]))
for _ in range(200):
    port = rng.randrange(20000, 32000)
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
    print(port)
    break' "$SEED")
check "a free port was found ($PORT)" test -n "$PORT"
URL=http://127.0.0.1:$PORT
WS=$WORK/ws TILES=$WORK/ws/tiles CPS=$WORK/checkpoints
fresh_ws "$WS"
mkdir "$CPS"
: >"$WORK/kills"

# start_server: starts dauys serve on $WS at $PORT (stderr appended to
# $WS.serve.log) and waits until it listens (its --port-file), at most 30 s:
# a server that hangs or exits on restart ends the test (exit 2). Sets SERVE_PID.
start_server() {
    local deadline=$(($(date +%s) + 30))
    rm -f "$WS.port"
    "$DAUYS" serve -w "$WS" -k "$KEY" --listen "127.0.0.1:$PORT" --port-file "$WS.port" \
        --interval 100ms -q 2>>"$WS.serve.log" &
    SERVE_PID=$!
    while [ ! -s "$WS.port" ]; do
        if ! kill -0 "$SERVE_PID" 2>/dev/null; then
            echo "$0: dauys serve exited before listening:" >&2
            tail -5 "$WS.serve.log" >&2
            exit 2
        fi
        [ "$(date +%s)" -lt "$deadline" ] || { echo "$0: dauys serve: no port after 30 s" >&2; exit 2; }
        sleep 0.02
    done
}

# save_checkpoint NAME: GET /checkpoint into $CPS/NNN.NAME (numbered in the
# order seen); nothing if the server does not answer 200 (not published yet).
CP_SEEN=0
save_checkpoint() {
    local file
    file=$CPS/$(printf '%03d' "$CP_SEEN").$1
    if curl -s -f --max-time 30 -o "$file" "$URL/checkpoint"; then
        CP_SEEN=$((CP_SEEN + 1))
    else
        rm -f "$file"
    fi
}

# answered_200: how many 200 answers the clients have had so far.
answered_200() {
    if [ -f "$WORK/answers" ]; then grep -c '^{"status": 200,' "$WORK/answers"; else echo 0; fi
}

# The kills' targets, in 200 answers seen: each after a random share of what
# is left to 80% of the files (half to one and a half times its even share;
# one answer more at least), counted from the restart before it, so that a
# kill that waited long for a publication round does not crowd the rest.
HI=$((FILES * 80 / 100))
if [ "$HI" -lt "$((KILLS * 4))" ]; then
    echo "$0: $FILES files are too few for $KILLS kills" >&2
    exit 2
fi
# next_target FROM KILLS_LEFT: sets TARGET (no subshell: RANDOM stays seeded).
next_target() {
    local left=$((HI - $1)) kills_left=$2 gap=1
    [ "$left" -gt "$kills_left" ] && gap=$((left * (50 + RANDOM % 101) / 100 / kills_left))
    TARGET=$(($1 + (gap > 0 ? gap : 1)))
}

# Kills to land inside a publication round: a quarter.
ROUNDS=$(((KILLS + 3) / 4))

section "the load, and $KILLS kills"
start_server
save_checkpoint start
t0=$(now_ms)
"$PYTHON" "$TOOLS/serve_load.py" --url "$URL" --files "$WORK/files.list" \
    --out "$WORK/answers" --threads "$CLIENTS" --seed "$SEED" >"$WORK/load.out" 2>&1 &
LOAD_PID=$!
kills=0 landed=0 in_round=0 round_tries=0 tmp_left=0 tmp_seen=0 restart_ms=0 restarted_at=0
for ((k = 0; k < KILLS; k++)); do
    next_target "$restarted_at" $((KILLS - k))
    target=$TARGET
    while kill -0 "$LOAD_PID" 2>/dev/null && [ "$(answered_200)" -lt "$target" ]; do
        sleep "0.0$((20 + RANDOM % 41))"
    done
    kill -0 "$LOAD_PID" 2>/dev/null ||
        fail_value "kill $((k + 1)) comes while the clients still submit" "they ended first"
    save_checkpoint "before-kill-$((k + 1))"
    kill_time=$(date +%s.%N)
    # Until ROUNDS kills have landed inside a publication round, each kill
    # but the first waits 3 s at most for one (then it is a kill at random),
    # the clients paused while a round is due.
    if [ "$k" -gt 0 ] && [ "$in_round" -lt "$ROUNDS" ]; then
        round_tries=$((round_tries + 1))
        how=$("${CHECK[@]}" kill-when-publishing "$TILES" "$SERVE_PID" --within 3 \
            --db "$WS/dauys.db" --pause "$LOAD_PID")
        [ "${how%% *}" = inside ] && in_round=$((in_round + 1))
    else
        how=random
        kill -KILL "$SERVE_PID"
    fi
    { wait "$SERVE_PID"; } 2>/dev/null
    STATUS=$?
    kills=$((kills + 1))
    [ "$STATUS" -eq 137 ] && landed=$((landed + 1))
    size=$(q "$WS/dauys.db" 'SELECT count(*) FROM log_entry')
    echo "$kill_time $size" >>"$WORK/kills"
    echo "# kill $kills (${how}) at $(answered_200) answers 200 (target $target): exit $STATUS, $size log entries"
    [ -f "$TILES/checkpoint" ] && cp "$TILES/checkpoint" "$CPS/$(printf '%03d' "$CP_SEEN").disk-$kills" &&
        CP_SEEN=$((CP_SEEN + 1))
    tmp=$(find "$TILES" -name '*.tmp.*' | wc -l)
    [ "$tmp" -gt "$tmp_seen" ] && tmp_left=$((tmp_left + 1))
    tmp_seen=$tmp
    checked "kill $kills: the tiles" "${CHECK[@]}" published "$TILES" --pub "$PUB" --origin "$ORIGIN"
    ws_consistent "kill $kills" "$WS" rows
    t=$(now_ms)
    start_server
    restart_ms=$((restart_ms + $(now_ms) - t))
    restarted_at=$(answered_200)
    save_checkpoint "after-restart-$kills"
done
wait "$LOAD_PID"
LOAD_RC=$?
LOAD_MS=$(($(now_ms) - t0))
OUT=$(cat "$WORK/load.out") CMD="serve_load.py"
expect_eq "the clients got every answer (serve_load.py exits 0)" 0 "$LOAD_RC"
echo "# $(cat "$WORK/load.out")"

section "every file again, after the last restart: the same answers, nothing recorded"
LOGGED=$(q "$WS/dauys.db" 'SELECT count(*) FROM log_entry')
run "$PYTHON" "$TOOLS/serve_load.py" --url "$URL" --files "$WORK/files.list" \
    --out "$WORK/answers.again" --threads "$CLIENTS" --seed "$((SEED + 1))"
expect_eq "the clients got every answer again (serve_load.py exits 0)" 0 "$RC"
expect_eq "sending every file again records nothing" \
    "$LOGGED" "$(q "$WS/dauys.db" 'SELECT count(*) FROM log_entry')"
save_checkpoint final-served
# Check 5 by another hand too: tests/tools/tiles.py (h17-tiles's verifier)
# over HTTP from the server that came back last.
expect_ok "tiles.py verifies the tiles served after the last restart" "tiles.py: ok: " \
    "$PYTHON" "$TOOLS/tiles.py" verify --pub "$PUB" --origin "$ORIGIN" "$URL"
kill -TERM "$SERVE_PID"
wait "$SERVE_PID"
expect_eq "the last server stops cleanly on SIGTERM" 0 "$?"
# A sanitizer build's servers report into their log (stderr), and a killed
# one exits 137 whatever it found before: the log must hold no report.
OUT=$(grep -n -i -E 'sanitizer|runtime error' "$WS.serve.log" | head -5) CMD="grep $WS.serve.log"
check "the servers' log holds no sanitizer report" test -z "$OUT"
cp "$TILES/checkpoint" "$CPS/$(printf '%03d' "$CP_SEEN").final-disk"
expect_ok "tiles.py verifies the tiles directory after the last stop" "tiles.py: ok: " \
    "$PYTHON" "$TOOLS/tiles.py" verify --pub "$PUB" --origin "$ORIGIN" "$TILES"
# A round cut by a kill leaves its temporary files; each restart removes those
# of writers no longer running, so none is left for a web server to serve.
expect_eq "no temporary file left in the tiles after the restarts" "" \
    "$(find "$TILES" -name '.*.tmp.*' | head -3)"

section "where the kills landed"
echo "# $kills kills in $LOAD_MS ms of load; restarts took $((restart_ms / (kills > 0 ? kills : 1))) ms on average"
echo "# $in_round of the $round_tries kills aimed at a publication round landed in one;" \
    "$tmp_left kills left a new temporary tile or checkpoint file ($tmp_seen in all)"
expect_eq "every one of the $KILLS kills landed in a running server (exit 137)" "$KILLS" "$landed"
expect_eq "$ROUNDS kills landed inside a publication round (a new temporary file there)" \
    "$ROUNDS" "$in_round"

section "the final state against the answers and the offline reference"
ws_consistent "after the last restart" "$WS"
# final_args DB REF ANSWERS AGAIN TILES [CHECKPOINT...]: serve_crash_check.py final's.
final_args() {
    local db=$1 ref=$2 answers=$3 again=$4 tiles=$5
    shift 5
    FINAL=("${CHECK[@]}" final --db "$db" --ref "$ref" --answers "$answers" --again "$again"
        --files "$WORK/files.list" --kills "$WORK/kills" --pub "$PUB" --origin "$ORIGIN"
        --tiles "$tiles" "$@")
}
final_args "$WS/dauys.db" "$WORK/ref/dauys.db" "$WORK/answers" "$WORK/answers.again" "$TILES" \
    "$CPS"/*
checked "final" "${FINAL[@]}"
cp "$WORK/checked.out" "$WORK/final.out" # its failures, if any, are not the tampers'

expect_eq "the tally equals the offline ingest's (dauys tally --json)" \
    "$("$DAUYS" tally -w "$WORK/ref" --json 2>&1)" "$("$DAUYS" tally -w "$WS" --json 2>&1)"
COUNTING="SELECT p.precinct, p.version, hex(s.protocol_sha256) FROM protocol p
          JOIN submission s ON s.seq = p.submission ORDER BY 1, 2"
expect_eq "the counting protocols equal the offline ingest's (precinct, version, file hash)" \
    "$(q "$WORK/ref/dauys.db" "$COUNTING")" "$(q "$WS/dauys.db" "$COUNTING")"
cp -a "$WS" "$WORK/signed"
expect_eq "the final tiles' checkpoint is the one dauys checkpoint signs" \
    "$("$DAUYS" checkpoint -w "$WORK/signed" -k "$KEY" 2>/dev/null | sed -n 1,3p)" \
    "$(sed -n 1,3p "$TILES/checkpoint")"

section "each check catches its tamper (on copies)"
# caught NAME WANT... -- CMD...: CMD (a serve_crash_check.py command) exits 1
# and its FAIL lines, but those the untampered final check printed, are
# exactly one a WANT, in order, each holding its WANT.
caught() {
    local name=$1 want=() got=() i
    shift
    while [ "$1" != -- ]; do want+=("$1") && shift; done
    shift
    "$@" >"$WORK/caught.out" 2>&1
    RC=$?
    mapfile -t got < <(grep -v -x -F -f "$WORK/final.out" "$WORK/caught.out" | sed -n 's/^FAIL: //p')
    OUT=$(cat "$WORK/caught.out") CMD=$(printf '%q ' "$@")
    if [ "$RC" -ne 1 ] || [ "${#got[@]}" -ne "${#want[@]}" ]; then
        fail "$name" "exit $RC with ${#got[@]} failures, not exit 1 with ${#want[@]}"
        return
    fi
    for ((i = 0; i < ${#want[@]}; i++)); do
        [[ ${got[i]} == *"${want[i]}"* ]] || { fail "$name" "failure $i is not \"${want[i]}\""; return; }
    done
    pass
}
T=$WORK/tamper
mkdir "$T"
# Check 1: an answer 200 (and every copy of it) naming an entry hash the log lacks.
hash=$(sed -n 's/^{"status": 200,.*entry_sha256\\": \\"\([0-9a-f]\{64\}\).*/\1/p' "$WORK/answers" | sed -n 100p)
sed "s/$hash/$(printf '%064d' 0)/" "$WORK/answers" >"$T/answers"
sed "s/$hash/$(printf '%064d' 0)/" "$WORK/answers.again" >"$T/answers.again"
final_args "$WS/dauys.db" "$WORK/ref/dauys.db" "$T/answers" "$T/answers.again" "$TILES" "$CPS"/*
caught "check 1 catches an answer 200 whose entry is not in the log" \
    "answers 200 is in the log" -- "${FINAL[@]}"
# Check 2: a stored Merkle node not the entries' tree's.
cp "$WS/dauys.db" "$T/merkle.db"
q "$T/merkle.db" "UPDATE merkle_node SET hash = zeroblob(32) WHERE level = 3 AND idx = 7"
final_args "$T/merkle.db" "$WORK/ref/dauys.db" "$WORK/answers" "$WORK/answers.again" "$TILES" \
    "$CPS"/*
caught "check 2 catches a stored Merkle node altered" "stored Merkle nodes" -- "${FINAL[@]}"
# Check 3: the offline ingest gave one file another outcome.
cp "$WORK/ref/dauys.db" "$T/ref.db"
q "$T/ref.db" "UPDATE submission SET outcome = 'stale', reason_code = 'stale'
               WHERE seq = (SELECT min(seq) FROM submission WHERE outcome = 'accepted')"
final_args "$WS/dauys.db" "$T/ref.db" "$WORK/answers" "$WORK/answers.again" "$TILES" "$CPS"/*
caught "check 3 catches a file whose outcome is not the offline ingest's" \
    "got the outcome the offline ingest gave it" "are the offline ingest's" -- "${FINAL[@]}"
# Check 4: the answer to the same bytes, sent again, differs.
sed '50s/\\"warnings\\": 0}/\\"warnings\\": 1}/' "$WORK/answers.again" >"$T/answers.again"
final_args "$WS/dauys.db" "$WORK/ref/dauys.db" "$WORK/answers" "$T/answers.again" "$TILES" \
    "$CPS"/*
caught "check 4 catches an answer that differs when the same bytes come again" \
    "the same bytes got the same answer" -- "${FINAL[@]}"
# Check 5: a checkpoint, signed by the central key, of another log of the
# same size (the offline ingest's: its order differs), seen last.
cp -a "$WORK/ref" "$T/fork"
"$DAUYS" checkpoint -w "$T/fork" -k "$KEY" 2>/dev/null >"$T/fork.checkpoint"
final_args "$WS/dauys.db" "$WORK/ref/dauys.db" "$WORK/answers" "$WORK/answers.again" "$TILES" \
    "$CPS"/* "$T/fork.checkpoint"
caught "check 5 catches a signed checkpoint of another log" \
    "checkpoints seen is signed and is the final log's root" -- "${FINAL[@]}"
# Check 5: a byte of a tile altered; a bundle missing.
cp -a "$TILES" "$T/tiles"
flip "$T/tiles/tile/0/000" 100
final_args "$WS/dauys.db" "$WORK/ref/dauys.db" "$WORK/answers" "$WORK/answers.again" "$T/tiles" \
    "$CPS"/*
caught "check 5 catches a tile altered" "the final tiles verify" -- "${FINAL[@]}"
rm "$T/tiles/tile/entries/000"
caught "the check after each kill catches a bundle missing" \
    "every tile and bundle of checkpoint" -- \
    "${CHECK[@]}" published "$T/tiles" --pub "$PUB" --origin "$ORIGIN"
summary
