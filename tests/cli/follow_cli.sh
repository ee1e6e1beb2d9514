#!/usr/bin/env bash
# follow_cli.sh: dauys-audit follow, an observer following a live log
# published as C2SP tlog-tiles (issue 17).
#
#   usage: bash tests/cli/follow_cli.sh /path/to/dauys /path/to/dauys-audit
#
# A mock referendum of 700 precincts (dauys demo --files-only) is ingested in
# three steps, each followed by `dauys checkpoint --tiles T`; after each step
# the log is followed with --once from the directory and over http:// (a
# python3 http.server on a free 127.0.0.1 port), and the follower's own copy
# of the log must be the workspace's, byte for byte. Then each attack is
# caught by exactly its check, from the state kept after step 2 and leaving
# it untouched: a fork (a second workspace with another history, signed by
# the same central key; both checkpoints kept as evidence), a smaller tree, a
# checkpoint signed by another key, another origin, a flipped byte in an
# entry bundle, in a full tile and in a partial tile, a truncated bundle, an
# entry whose chain link is wrong (tlogforge, $TLOGFORGE: an insider with the
# central key publishing a log of their choosing). Partial tiles gone are
# replaced by the full ones. --copies: counted unchanged, superseded (with
# and without the file counting now), logged but not counted, missing.
# --bundle: the final bundle agrees; another history's does not. The state
# after a crash: kill -9 of follow at each request of a round (a slowed
# server), then resumed; the data files running past the checkpoint; a lost
# checkpoints/ copy; a damaged state; a second follower refused. --interval:
# a growing log followed until SIGTERM; a server that is down is retried.
#
# Hermetic (mktemp -d, removed on exit), loopback only. Needs bash,
# coreutils, util-linux (setsid, flock), sqlite3, awk, python3 (the HTTP
# servers). About 30 s.
set -u

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 2

cli_args "$@"
PYTHON=${PYTHON3:-python3}
FORGE=${TLOGFORGE:?TLOGFORGE: the tests/tools/tlogforge program}
for tool in "$PYTHON" "${SQLITE:-sqlite3}" setsid flock basenc od dd awk; do
    command -v "$tool" >/dev/null 2>&1 || { echo "$0: $tool is needed" >&2; exit 2; }
done

cli_workdir follow
run() { run_split "$@"; }

# --- helpers -------------------------------------------------------------------

# entries WS OUT: the workspace's log entries, one after the other.
entries() {
    "${SQLITE:-sqlite3}" -batch -noheader "file:$1/dauys.db?mode=ro" \
        "SELECT hex(entry) FROM log_entry ORDER BY idx" | tr -d '\n' | basenc --base16 -d >"$2"
}

# size_of CHECKPOINT: its tree size (second line).
size_of() { sed -n 2p "$1"; }

SERVERS=()
# serve DIR DELAY LOG: an HTTP server of DIR on a free loopback port, each
# answer DELAY seconds late, each request path appended to LOG; sets URL.
serve() {
    local portfile=$WORK/port.$RANDOM
    setsid "$PYTHON" - "$1" "$portfile" "$2" "$3" >/dev/null 2>&1 <<'EOF' &
import functools, http.server, os, sys, time
root, portfile, delay, log = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
class Handler(http.server.SimpleHTTPRequestHandler):
    def do_GET(self):
        with open(log, "a") as f:
            f.write(self.path + "\n")
        time.sleep(delay)
        super().do_GET()
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=root))
with open(portfile + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(portfile + ".tmp", portfile)
server.serve_forever()
EOF
    SERVERS+=($!)
    local deadline=$((SECONDS + 20))
    while [ ! -s "$portfile" ] && [ $SECONDS -lt $deadline ]; do sleep 0.05; done
    URL="http://127.0.0.1:$(cat "$portfile" 2>/dev/null)"
}
stop_servers() { local p; for p in "${SERVERS[@]}"; do kill "$p" 2>/dev/null; done; SERVERS=(); }
trap 'stop_servers; rm -rf "$WORK"' EXIT

# wait_for DEADLINE_S CMD...: CMD succeeds before the deadline.
wait_for() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@"; do
        [ $SECONDS -lt $deadline ] || return 1
        sleep 0.05
    done
}

# ./fl ARGS...: dauys-audit follow ARGS with the pinned central key (a program,
# so that run can start it in a session of its own).
make_fl() {
    printf '#!/bin/sh\nexec "%s" follow "$@" -p "%s"\n' "$AUDIT" "$WORK/keys/central.pub" >fl
    chmod +x fl
}

# same_state STATE TILES ENTRIES: the state holds the log of TILES (its
# checkpoint, kept in checkpoints/ too) and exactly the entries ENTRIES.
same_state() {
    cmp -s "$1/checkpoint" "$2/checkpoint" &&
        cmp -s "$1/checkpoint" "$1/checkpoints/$(size_of "$2/checkpoint")" &&
        cmp -s "$1/entries" "$3" &&
        [ "$(stat -c %s "$1/leaves")" = $(($(size_of "$2/checkpoint") * 32)) ] &&
        [ "$(stat -c %s "$1/ends")" = $(($(size_of "$2/checkpoint") * 8)) ]
}

# --- a log growing in three steps --------------------------------------------------

section "the log grows in three steps; followed from the directory and over http"
"$DAUYS" demo --precincts 700 --out demo --files-only >/dev/null 2>&1 || { echo "demo failed"; exit 2; }
mv demo/keys keys
make_fl
ORIGIN=dauys/kz-2026-demo/test
"$DAUYS" init -w ws --manifest demo/manifest.txt --central-key keys/central.pub >/dev/null 2>&1
mkdir www
# part N: the protocols of step N (their .minisig beside them), as ingest's arguments.
ls demo/incoming/*.txt | sed -n 1,100p >part1
ls demo/incoming/*.txt | sed -n 101,400p >part2
ls demo/incoming/*.txt | sed -n '401,$p' >part3
serve "$WORK/www" 0 "$WORK/www.log"
HTTP=$URL
for step in 1 2 3; do
    xargs "$DAUYS" ingest -w ws -q <"part$step" >/dev/null 2>&1
    [ "$step" = 3 ] && "$DAUYS" ingest -w ws -q demo/later >/dev/null 2>&1 # corrections after
    expect_ok "step $step: dauys checkpoint --tiles" "" "$DAUYS" checkpoint -w ws -k keys/central.key --tiles T
    rm -rf www/* && cp -a T/. www/
    cp -a T "T$step"
    entries ws "entries$step"
    if [ "$step" = 1 ]; then
        expect_ok "step 1: the first checkpoint, its origin trusted on first use" \
            "+101, *origin $ORIGIN: first checkpoint; origin trusted on first use" \
            ./fl T --state S --once
        expect_ok "step 1 over http, origin pinned" "first checkpoint" \
            ./fl "$HTTP/" --state H --origin "$ORIGIN" --once
        expect_no_stderr "step 1 over http: no trust on first use when pinned" "trusted on first use"
    else
        expect_ok "step $step: it extends the kept checkpoint" "extends the" ./fl T --state S --once
        expect_ok "step $step over http: it extends the kept one" "extends the" \
            ./fl "$HTTP" --state H --once
    fi
    check "step $step: the directory follower's state is the workspace's log" same_state S T "entries$step"
    check "step $step: the http follower's state is the workspace's log" same_state H T "entries$step"
    [ "$step" = 2 ] && cp -a S G2
done
N1=$(size_of T1/checkpoint) N2=$(size_of T2/checkpoint) N3=$(size_of T3/checkpoint)
expect_ok "nothing new: unchanged" "follow: unchanged, $N3 entries" ./fl T --state S --once
check "the log crossed two full tiles" test "$N3" -gt 512 -a "$N2" -gt 256 -a "$N2" -lt 512
expect_ok "http: unchanged too" "unchanged" ./fl "$HTTP" --state H --once
expect_exit "a state pinned to another origin is refused" 2 "follows the log of origin $ORIGIN" \
    ./fl T --state S --origin dauys/other/test --once

# --- attacks, each from the state of step 2 ----------------------------------------

# attack NAME TILES CODE PATTERN: following TILES from a copy of step 2's state
# exits CODE with PATTERN, and leaves the state as it was.
attack() {
    rm -rf A && cp -a G2 A
    expect_exit "$1" "$3" "$4" ./fl "$2" --state A --once
    check "$1: the state is unchanged" same_state A T2 entries2
}

section "attacks"
# A fork: a second workspace with another history, the same central key and origin.
"$DAUYS" init -w ws2 --manifest demo/manifest.txt --central-key keys/central.pub >/dev/null 2>&1
for p in part2 part1 part3; do xargs "$DAUYS" ingest -w ws2 -q <"$p" >/dev/null 2>&1; done
"$DAUYS" ingest -w ws2 -q demo/later >/dev/null 2>&1
"$DAUYS" checkpoint -w ws2 -k keys/central.key --tiles F >/dev/null 2>&1
attack "a fork: another history signed by the same key" F 1 \
    "FORK: the checkpoint of $(size_of F/checkpoint) entries served by F does not extend the one of $N2*history rewritten"
check "the fork's evidence: the kept checkpoint" cmp -s A/forks/"$N2-$(size_of F/checkpoint)"-*/kept T2/checkpoint
check "the fork's evidence: the new checkpoint" cmp -s A/forks/"$N2-$(size_of F/checkpoint)"-*/new F/checkpoint
rm -rf www/* && cp -a F/. www/
rm -rf A && cp -a G2 A
expect_exit "a fork over http" 1 "FORK*history rewritten*kept as evidence" ./fl "$HTTP" --state A --once
rm -rf www/* && cp -a T/. www/

attack "a smaller tree: rolled back" T1 1 "FORK*rolled back: the log serves a checkpoint of $N1 entries, fewer than the $N2"
# the same size, another root: the fork's log cut to the kept size
entries ws2 entries-fork
"$FORGE" entries-fork keys/central.key "$ORIGIN" Fsame "$N2" || exit 2
attack "the same size, another root" Fsame 1 "FORK*two trees of $N2 entries"

"$DAUYS" keygen --unencrypted -o other >/dev/null 2>&1
"$FORGE" entries3 other.key "$ORIGIN" Kother || exit 2
attack "a checkpoint signed by another key" Kother 1 "no signature by key $ORIGIN"
"$FORGE" entries3 keys/central.key dauys/kz-2026-other/test Oother || exit 2
attack "a checkpoint of another origin" Oother 1 "is for origin dauys/kz-2026-other/test, not $ORIGIN"

W=$((N3 % 256))
rm -rf X && cp -a T X && flip "X/tile/entries/002.p/$W" 100 255
attack "a flipped byte in an entry bundle" X 1 "X/tile/entries/002.p/$W, entry 512: its leaf hash is not hash 0 of the level 0 tile"
rm -rf X && cp -a T X && flip X/tile/0/001 $(((N2 - 256 + 5) * 32)) 255
attack "a flipped byte in a full tile" X 1 "X/tile/0/001: its hashes do not hash to hash 1 of the level 1 tile above"
rm -rf X && cp -a T X && flip "X/tile/0/002.p/$W" 7 255
attack "a flipped byte in a partial tile" X 1 "the partial tiles of the tree of $N3 entries do not hash to the root"
rm -rf X && cp -a T X && truncate -s -10 "X/tile/entries/002.p/$W"
attack "a truncated entry bundle" X 1 "X/tile/entries/002.p/$W: cut short: entry $((W - 1))"
# an insider rewrites one new entry's chain link and publishes the log, signed
awk -v k=$((N2 + 7)) '/^index: / { i = $2 } i == k && /^previous: / { $2 = (substr($2, 1, 1) == "0" ? "1" : "0") substr($2, 2) } { print }' \
    entries3 >chain
"$FORGE" chain keys/central.key "$ORIGIN" Chain || exit 2
attack "an entry whose chain link is wrong" Chain 1 \
    "entry $((N2 + 7)): its previous is not the SHA-256 of entry $((N2 + 6)): the hash chain is broken"
check "the forger's log without the change is the workspace's (control)" \
    sh -c "'$FORGE' entries3 keys/central.key '$ORIGIN' Control && cmp -s Control/checkpoint T/checkpoint"

section "partial tiles gone: the full ones"
# The log at N2 served from a directory where the partial tiles of N2 were
# deleted once the full ones of a bigger tree came.
"$FORGE" entries3 keys/central.key "$ORIGIN" P "$N2" || exit 2
"$FORGE" entries3 keys/central.key "$ORIGIN" P 512 || exit 2
cp T2/checkpoint P/checkpoint
rm -rf "P/tile/0/001.p" "P/tile/entries/001.p"
expect_ok "a partial tile gone: the full tile is read instead" "+$N2" ./fl P --state Pst --once
check "... and the state is the log of step 2" same_state Pst T2 entries2

# --- the observer's copies ---------------------------------------------------------

section "--copies"
counted=$(ls demo/incoming/*.txt | sed -n 3p)
v2=$(ls demo/later/*-v2.txt | tail -1)            # a correction: its v1 is superseded
v1=demo/incoming/$(basename "$v2" -v2.txt).txt
broken=$(ls demo/later/*-v2-broken.txt | head -1) # rejected: logged, never counted
mkdir c-ok c-missing c-superseded c-uncounted
cp "$counted" "$counted.minisig" "$v1" "$v1.minisig" "$v2" c-ok/
expect_ok "copies: counted, superseded by a file held" \
    "counted unchanged*superseded*counts now, a file you hold*copies: 3: 2 counted unchanged, 1 superseded, 0 logged but not counted, 0 missing; 0 fail" \
    ./fl T --state S --once --copies c-ok
cp c-ok/* c-missing/ && { cat "$counted"; echo "# altered"; } >"c-missing/$(basename "$counted" .txt)-altered.txt"
expect_exit "copies: one missing from the log" 1 "FAIL *-altered.txt: missing from the log*1 missing; 1 fail" \
    ./fl T --state S --once --copies c-missing
cp "$v1" c-superseded/
expect_exit "copies: superseded by a file not held" 1 "FAIL $(basename "$v1"): superseded*a file you do not hold*1 fail" \
    ./fl T --state S --once --copies c-superseded
cp "$broken" "$broken.minisig" c-uncounted/
expect_exit "copies: logged but not counted" 1 "FAIL $(basename "$broken"): logged but not counted (entry*rejected*1 logged but not counted" \
    ./fl T --state S --once --copies c-uncounted

# --- the final bundle --------------------------------------------------------------

section "--bundle"
"$DAUYS" publish -w ws -k keys/central.key bundle >/dev/null 2>&1 || { echo "publish failed"; exit 2; }
expect_ok "the final bundle agrees with every checkpoint kept" \
    "$((N3 + 1)) entries, same key and origin, consistent with all 3 checkpoints kept" \
    ./fl T --state S --once --bundle bundle
"$DAUYS" publish -w ws2 -k keys/central.key bundle2 >/dev/null 2>&1 || { echo "publish 2 failed"; exit 2; }
expect_exit "another history's bundle disagrees" 1 "bundle2: its first $N1 entries do not give the root of the checkpoint of $N1 entries the follower kept" \
    ./fl T --state S --once --bundle bundle2
"$DAUYS" keygen --unencrypted -o K2 >/dev/null 2>&1
rm -rf bundle3 && cp -a bundle bundle3 && cp K2.pub bundle3/central.pub
expect_exit "a bundle naming another central key" 1 "bundle3/central.pub is not the pinned central key" \
    ./fl T --state S --once --bundle bundle3

# --- crashes -------------------------------------------------------------------------

section "kill -9 in a round, then resume"
# Each round is killed while the server holds its K-th request (answers are
# 0.1 s late), from the state of step 2 (the entries of bundle 1 are already
# appended by request 6) and from nothing; the next run must end at the log.
rm -f slow.log
serve "$WORK/T" 0.1 "$WORK/slow.log"
SLOW=$URL
landed=0
for trial in G2:1 G2:2 G2:3 G2:4 G2:5 G2:6 new:5 new:7 new:8; do
    from=${trial%:*} k=${trial#*:}
    rm -rf K && : >slow.log
    [ "$from" = G2 ] && cp -a G2 K
    setsid "$AUDIT" follow "$SLOW" -p keys/central.pub --state K --once >/dev/null 2>&1 &
    pid=$!
    rc=none
    if wait_for 20 sh -c "[ \$(wc -l <slow.log) -ge $k ]"; then
        kill -9 "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        rc=$?
    fi
    check "from $from, killed at request $k: the kill landed in the round" test "$rc" = 137
    [ "$rc" = 137 ] && landed=$((landed + 1))
    expect_ok "from $from, killed at request $k: the next run resumes" "$N3 entries" \
        ./fl "$SLOW" --state K --once
    check "from $from, killed at request $k: the state is the log" same_state K T entries3
done
check "every kill landed" test "$landed" = 9
rm -rf K && cp -a G2 K
head -c 1234 entries3 >>K/entries && head -c 100 entries3 >>K/leaves && head -c 13 entries3 >>K/ends
expect_ok "data files past the checkpoint (a round cut short) are cut back" "extends the $N2 kept" \
    ./fl T --state K --once
check "... and the state is the log" same_state K T entries3
rm -rf K && cp -a G2 K && rm "K/checkpoints/$N2" && : >"K/checkpoint.tmp.Abc123" && : >"K/checkpoints/$N3.tmp.Xyz789"
expect_ok "a lost checkpoints/ copy and temporary files" "extends" ./fl T --state K --once
check "... the lost copy is written again" cmp -s "K/checkpoints/$N2" T2/checkpoint
expect_ok "... and --bundle reads past the temporary file" "consistent with all 3 checkpoints kept" \
    ./fl T --state K --once --bundle bundle
rm -rf K && cp -a G2 K && flip K/leaves 40 255
expect_exit "a damaged state is refused" 2 "K/leaves: the state is damaged" ./fl T --state K --once
rm -rf K && cp -a G2 K
flock K/lock sleep 5 &
lockpid=$!
wait_for 10 sh -c '! flock -n K/lock true'
expect_exit "a second follower of one state is refused" 2 "K: in use by another dauys-audit follow" \
    ./fl T --state K --once
kill "$lockpid" 2>/dev/null

# --- polling ---------------------------------------------------------------------------

section "--interval: polling until SIGTERM; a server down is retried"
rm -rf Poll && cp -a G2 Poll && rm -rf Live && cp -a T2 Live
setsid "$AUDIT" follow Live -p keys/central.pub --state Poll --interval 1 >poll.out 2>&1 &
pid=$!
# published as a writer does: the tiles first, the checkpoint last (renamed into place)
cp -a T/tile Live/ && cp T/checkpoint Live/.checkpoint.new && mv Live/.checkpoint.new Live/checkpoint
check "polling: the growth is followed" wait_for 20 cmp -s Poll/checkpoint T/checkpoint
kill -TERM "$pid"
wait "$pid"
rc=$?
OUT=$(cat poll.out)
check "polling: SIGTERM ends it cleanly (exit 0)" test "$rc" = 0
check "polling: it said it stopped" matches "$OUT" "extends the $N2 kept*stopped by signal 15, $N3 entries kept"
# A damaged file (a CDN's broken copy) is not the end of a night's watch:
# nothing is kept, the round is tried again, and the repaired file followed.
rm -rf Poll && cp -a G2 Poll && rm -rf Live && cp -a T2 Live
cp -a T/tile Live/ && flip "Live/tile/entries/002.p/$W" 100 255 &&
    cp T/checkpoint Live/.checkpoint.new && mv Live/.checkpoint.new Live/checkpoint
setsid "$AUDIT" follow Live -p keys/central.pub --state Poll --interval 1 >poll.out 2>&1 &
pid=$!
check "polling: a damaged bundle is said, and retried" \
    wait_for 20 grep -q "a check failed (above); nothing was kept; retrying in" poll.out
check "polling: nothing of it kept" cmp -s Poll/checkpoint G2/checkpoint
cp "T/tile/entries/002.p/$W" "Live/tile/entries/002.p/$W"
check "polling: the repaired bundle is followed" wait_for 30 cmp -s Poll/checkpoint T/checkpoint
kill -TERM "$pid"
wait "$pid"
rc=$?
OUT=$(cat poll.out)
check "polling: a check failed during the run: exit 1 at the end" test "$rc" = 1
check "polling: ... and said so" matches "$OUT" "a check failed during the run (exit 1)"
stop_servers
setsid "$AUDIT" follow "$HTTP" -p keys/central.pub --state Poll --interval 1 >poll.out 2>&1 &
pid=$!
check "a server down: retried with backoff, and said" wait_for 20 grep -q "retrying in 2 s" poll.out
kill -INT "$pid"
wait "$pid"
check "... SIGINT ends it (exit 0)" test "$?" = 0
run "$AUDIT" follow "$HTTP" -p keys/central.pub --state Poll --once
check "--once with the server down: exit 2" test "$RC" = 2
expect_exit "usage: no --state" 2 "usage: dauys-audit follow" "$AUDIT" follow T -p keys/central.pub --once

summary
