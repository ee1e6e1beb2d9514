#!/usr/bin/env bash
# The benchmark of dauys serve (issue 17; docs/PERFORMANCE.md): not run by the tests.
#
#   bench/serve_bench.sh [-n N] [--interval S] [--concurrency C] [--read-seconds S]
#                        [--no-nginx] [--no-build] [--dir DIR] [--witnesses K]
#
# In one run on the same files (N precincts, default 100,000: `dauys demo
# --precincts N --files-only`, kept in DIR/nN and reused by later runs):
#   1. the references: the offline `dauys ingest` of every file (incoming/,
#      then later/) into a fresh workspace, and the verify floor (bench_floor:
#      libsodium alone verifying the N signatures on every core, from memory);
#   2. `dauys serve` on a fresh workspace (port 0, --interval S, default 1s),
#      every file submitted by bench_serve with C concurrent submitters (default
#      64, keep-alive, multipart "protocol" and "signature"), while a watcher
#      polls /checkpoint every 20 ms: throughput, and the delay from each 2xx
#      answer to the first checkpoint covering its log_index (median, p99);
#      the server's VmRSS at 25/50/75/100 % of the submissions, its VmHWM;
#   3. tile reads per second: C concurrent readers fetching random full and
#      partial tiles and entry bundles the final checkpoint names, for S
#      seconds (default 10), from dauys serve and from nginx serving the same
#      tiles directory as static files (if nginx is installed; its own config
#      in DIR, on a free loopback port, not as a daemon);
#   4. prints the table, the ratios and the issue's targets, met or missed;
#   5. with --witnesses K (K > 0; default 0: nothing of this), step 2 again on
#      a fresh workspace whose manifest names K witnesses (issue 18; quorum
#      K-1, or 1 if K is 1; the manifest copied into DIR/witnesses and signed
#      again with the central key), each a `dauys-audit witness` on a free
#      loopback port with a fresh state directory, and dauys serve given their
#      URLs (--witness): both rows (throughput, delay, VmHWM, CPU, rounds) and
#      the ratios with/without, the witnesses' round from the server's log,
#      each witness's requests answered (its log lines), VmHWM and CPU, and the
#      floor of what each answer waits for: a state file written as the
#      witness writes it (temporary file, fsync, rename, fsync of the
#      directory), timed 50 times in DIR/witnesses.
# Raw output in DIR (default /var/tmp/dauys-serve-bench). The machine is shared
# and noisy: the load average is printed before and after; the ratios count.
set -euo pipefail
cd "$(dirname "$0")/.."

n=100000 interval=1s conc=64 read_s=10 use_nginx=1 build=1 witnesses=0
work=${DAUYS_BENCH_DIR:-/var/tmp/dauys-serve-bench}
while [ $# -gt 0 ]; do
    case "$1" in
    -n) n=$2; shift 2 ;;
    --interval) interval=$2; shift 2 ;;
    --concurrency) conc=$2; shift 2 ;;
    --read-seconds) read_s=$2; shift 2 ;;
    --no-nginx) use_nginx=0; shift ;;
    --no-build) build=0; shift ;;
    --dir) work=$2; shift 2 ;;
    --witnesses) witnesses=$2; shift 2 ;;
    *) echo "usage: bench/serve_bench.sh [-n N] [--interval S] [--concurrency C]" \
        "[--read-seconds S] [--no-nginx] [--no-build] [--dir DIR] [--witnesses K]" >&2; exit 2 ;;
    esac
done
case "$witnesses" in
'' | *[!0-9]*) echo "serve_bench: --witnesses $witnesses: not a number (0 to 32)" >&2; exit 2 ;;
esac
[ "$witnesses" -le 32 ] || { echo "serve_bench: --witnesses $witnesses: at most 32" >&2; exit 2; }
if [ "$build" = 1 ]; then
    scripts/build.sh release >/dev/null
fi
bin=$PWD/build/release
dauys=$bin/bin/dauys
cpus=$(nproc)
in=$work/n$n
mkdir -p "$work"
chmod 755 "$work" # nginx's workers (nobody) read the tiles under it
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# interval in seconds, as dauys serve reads it ("1", "1s", "500ms", "0.5")
interval_s=$(awk -v i="$interval" 'BEGIN {
    if (i ~ /ms$/) { sub(/ms$/, "", i); print i / 1000 } else { sub(/s$/, "", i); print i + 0 } }')

# measure CMD...: runs CMD, prints "SECONDS PEAK_RSS_KIB EXIT CPU_SECONDS".
measure() {
    python3 - "$@" <<'PY'
import os, subprocess, sys, time
t0 = time.monotonic()
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
_, status, ru = os.wait4(p.pid, 0)
print("%.6f %d %d %.3f" % (time.monotonic() - t0, ru.ru_maxrss, os.waitstatus_to_exitcode(status),
                         ru.ru_utime + ru.ru_stime))
PY
}

# kv FILE KEY: the value of "KEY value" in FILE.
kv() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }

# free_port: a loopback port nobody listens on now (bound, then released).
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_for CMD...: retries CMD every 50 ms for 30 s; fails the bench then.
wait_for() {
    local deadline=$(($(date +%s) + 30))
    until "$@" >/dev/null 2>&1; do
        [ "$(date +%s)" -lt "$deadline" ] || { echo "serve_bench: timed out: $*" >&2; exit 2; }
        sleep 0.05
    done
}

# 0. The inputs, made once for each N (about a minute and 800 MB at 100,000).
if [ ! -e "$in/.complete" ]; then
    rm -rf "$in"
    "$dauys" demo --precincts "$n" --files-only --out "$in" >"$in.demo.log" 2>&1 ||
        { echo "serve_bench: dauys demo failed: $in.demo.log" >&2; exit 2; }
    touch "$in/.complete"
fi
{ find "$in/incoming" -name '*.txt' | sort; find "$in/later" -name '*.txt' | sort; } >"$in.list"
files=$(wc -l <"$in.list")

# 1. The references: offline ingest of the same files, and the verify floor.
rm -rf "$work/ws-offline"
"$dauys" init -w "$work/ws-offline" --manifest "$in/manifest.txt" \
    --central-key "$in/keys/central.pub" >/dev/null
read -r ingest_s ingest_rss ingest_rc ingest_cpu < <(measure "$dauys" ingest -q -w "$work/ws-offline" \
    "$in/incoming" "$in/later")
[ "$ingest_rc" -le 1 ] || { echo "serve_bench: dauys ingest failed ($ingest_rc)" >&2; exit 2; }
read -r floor_n floor_s < <("$bin/bench/bench_floor" "$in" "$cpus" | awk '{ print $2, $4 }')

# 2. dauys serve: every file by CONC submitters, a watcher on /checkpoint.
rm -rf "$work/ws-serve" "$work/tiles" "$work/serve.port"
"$dauys" init -w "$work/ws-serve" --manifest "$in/manifest.txt" \
    --central-key "$in/keys/central.pub" >/dev/null
"$dauys" serve -w "$work/ws-serve" -k "$in/keys/central.key" --tiles "$work/tiles" \
    --listen 127.0.0.1:0 --port-file "$work/serve.port" --interval "$interval" \
    2>"$work/serve.log" &
serve_pid=$!
stop_serve() { kill -TERM "$serve_pid" 2>/dev/null && wait "$serve_pid" || true; }
trap stop_serve EXIT
wait_for test -s "$work/serve.port"
url=http://127.0.0.1:$(cat "$work/serve.port")
"$bin/bench/bench_serve" submit "$url" "$in.list" "$conc" "$work/submit" "$serve_pid" \
    >"$work/submit.txt" || { echo "serve_bench: submissions failed: $work/submit.txt" >&2; exit 1; }

# 3. Tile reads from dauys serve, then from nginx over the same directory.
"$bin/bench/bench_serve" read "$url" "$conc" "$read_s" >"$work/read-serve.txt" ||
    { echo "serve_bench: reads failed: $work/read-serve.txt" >&2; exit 1; }
hwm_after_reads=$(awk '$1 == "VmHWM:" { print $2 }' "/proc/$serve_pid/status")
trap - EXIT
stop_serve
pub_stats=$(sed -n 's/.*published checkpoint .* in \([0-9]*\) ms, its status.*/\1/p' "$work/serve.log" | sort -n |
    awk '{ ms[NR] = $1 } END { printf "%d %d %d", NR, NR ? ms[int((NR + 1) / 2)] : 0, ms[NR] }')
read -r pub_count pub_median_ms pub_max_ms <<<"$pub_stats"

nginx_rate=n/a
if [ "$use_nginx" = 1 ] && command -v nginx >/dev/null; then
    ng=$work/nginx
    rm -rf "$ng"
    mkdir -p "$ng/tmp"
    port=$(free_port)
    cat >"$ng/nginx.conf" <<EOF
daemon off;
worker_processes $cpus;
pid $ng/nginx.pid;
error_log $ng/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_body_temp_path $ng/tmp/body;
    proxy_temp_path $ng/tmp/proxy;
    fastcgi_temp_path $ng/tmp/fastcgi;
    uwsgi_temp_path $ng/tmp/uwsgi;
    scgi_temp_path $ng/tmp/scgi;
    default_type application/octet-stream;
    server {
        listen 127.0.0.1:$port;
        root $work/tiles;
        location = /checkpoint { add_header Cache-Control "no-cache"; }
        location /tile/ { add_header Cache-Control "public, max-age=31536000, immutable"; }
    }
}
EOF
    nginx -p "$ng" -c "$ng/nginx.conf" -e "$ng/error.log" &
    nginx_pid=$!
    trap 'kill -QUIT $nginx_pid 2>/dev/null; wait $nginx_pid || true' EXIT
    wait_for curl -sf "http://127.0.0.1:$port/checkpoint"
    "$bin/bench/bench_serve" read "http://127.0.0.1:$port" "$conc" "$read_s" \
        >"$work/read-nginx.txt" || { echo "serve_bench: nginx reads failed" >&2; exit 1; }
    nginx_rate=$(kv "$work/read-nginx.txt" reads_per_s)
    kill -QUIT "$nginx_pid"
    wait "$nginx_pid" || true
    trap - EXIT
fi
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# 4. The table.
s=$work/submit.txt
# the server's threads, by creation: main, the committer, the publisher, then MHD's
read -r committer_cpu publisher_cpu http_cpu < <(awk -v pid="$serve_pid" '$1 == "thread_cpu_s" {
    if ($3 ~ /^MHD/) http += $4; else if ($2 != pid) { if (++k == 1) c = $4; else if (k == 2) p = $4 } }
    END { print c + 0, p + 0, http + 0 }' "$s")
awk -v n="$n" -v files="$files" -v conc="$conc" -v cpus="$cpus" -v iv="$interval_s" \
    -v ingest_s="$ingest_s" -v ingest_rss="$ingest_rss" -v floor_n="$floor_n" \
    -v floor_s="$floor_s" -v wall="$(kv "$s" submit_wall_s)" -v ok="$(kv "$s" answered_2xx)" \
    -v refused="$(kv "$s" answered_4xx)" -v retries="$(kv "$s" retries)" \
    -v med="$(kv "$s" delay_median_ms)" -v p99="$(kv "$s" delay_p99_ms)" \
    -v dmax="$(kv "$s" delay_max_ms)" -v unc="$(kv "$s" uncovered)" \
    -v r0="$(kv "$s" rss_0_kib)" -v r25="$(kv "$s" rss_25_kib)" -v r50="$(kv "$s" rss_50_kib)" \
    -v r75="$(kv "$s" rss_75_kib)" -v r100="$(kv "$s" rss_100_kib)" -v hwm="$(kv "$s" hwm_kib)" \
    -v hwm2="$hwm_after_reads" -v sread="$(kv "$work/read-serve.txt" reads_per_s)" \
    -v smib="$(kv "$work/read-serve.txt" read_mib_per_s)" -v nread="$nginx_rate" \
    -v nmib="$([ "$nginx_rate" = n/a ] && echo 0 || kv "$work/read-nginx.txt" read_mib_per_s)" \
    -v pubs="$pub_count" -v pubmed="$pub_median_ms" -v pubmax="$pub_max_ms" \
    -v lb="$load_before" -v la="$load_after" -v read_s="$read_s" -v ingest_cpu="$ingest_cpu" \
    -v server_cpu="$(kv "$s" server_cpu_s)" -v client_cpu="$(kv "$s" client_cpu_s)" \
    -v c_cpu="$committer_cpu" -v p_cpu="$publisher_cpu" -v h_cpu="$http_cpu" 'BEGIN {
    thr = files / wall; ing = files / ingest_s; flo = floor_n / floor_s
    x_ing = thr / ing; x_flo = thr / flo
    grow = r100 - r50
    printf "dauys serve, %d precincts (%d files), %d submitters, --interval %ss, %d CPUs\n",
        n, files, conc, iv, cpus
    printf "load average before: %s; after: %s\n\n", lb, la
    printf "%-44s %14s\n", "ratio", "value"
    printf "%-44s %14.2f\n", "submissions/s / offline ingest files/s", x_ing
    printf "%-44s %14.2f\n", "submissions/s / verify floor files/s", x_flo
    printf "%-44s %14.2f\n", "offline ingest / floor (time per file)", flo / ing
    printf "%-44s %14.2f\n", "CPU per file: dauys serve / offline ingest", server_cpu / ingest_cpu
    printf "%-44s %14s\n", "nginx reads/s / dauys serve reads/s",
        nread == "n/a" ? "n/a" : sprintf("%.2f", nread / sread)
    printf "\n%-44s %14s\n", "this machine (absolute)", "value"
    printf "%-44s %14.2f\n", "offline ingest, s", ingest_s
    printf "%-44s %14.0f\n", "offline ingest, files/s", ing
    printf "%-44s %14.0f\n", "offline ingest peak RSS, MiB", ingest_rss / 1024
    printf "%-44s %14.2f\n", "verify floor, s (" floor_n " signatures)", floor_s
    printf "%-44s %14.0f\n", "verify floor, files/s", flo
    printf "%-44s %14.2f\n", "submission phase, s", wall
    printf "%-44s %14.0f\n", "submissions/s", thr
    printf "%-44s %14s\n", "answered 2xx / 4xx / retries (5xx, none)", ok " / " refused " / " retries
    printf "%-44s %14s\n", "CPU us/file: ingest / serve / load generator",
        sprintf("%.0f / %.0f / %.0f", ingest_cpu / files * 1e6, server_cpu / files * 1e6,
            client_cpu / files * 1e6)
    printf "%-44s %14s\n", "serve CPU s: HTTP+verify / commit / publish",
        sprintf("%.1f / %.1f / %.1f", h_cpu, c_cpu, p_cpu)
    printf "%-44s %14.0f\n", "2xx -> covering checkpoint, median ms", med
    printf "%-44s %14.0f\n", "2xx -> covering checkpoint, p99 ms", p99
    printf "%-44s %14.0f\n", "2xx -> covering checkpoint, max ms", dmax
    printf "%-44s %14s\n", "publications: count / median ms / max ms", pubs " / " pubmed " / " pubmax
    printf "%-44s %14.0f\n", "tile reads/s, dauys serve", sread
    printf "%-44s %14.0f\n", "tile MiB/s, dauys serve", smib
    printf "%-44s %14s\n", "tile reads/s, nginx", nread == "n/a" ? "n/a" : sprintf("%.0f", nread)
    printf "%-44s %14s\n", "tile MiB/s, nginx", nread == "n/a" ? "n/a" : sprintf("%.0f", nmib)
    printf "%-44s %14s\n", "server VmRSS MiB at 0/25/50/75/100 %",
        sprintf("%.0f/%.0f/%.0f/%.0f/%.0f", r0 / 1024, r25 / 1024, r50 / 1024, r75 / 1024, r100 / 1024)
    printf "%-44s %14s\n", "server VmHWM MiB: submissions / + reads",
        sprintf("%.0f / %.0f", hwm / 1024, hwm2 / 1024)
    printf "\n%-40s %-22s %s\n", "target (issue 17)", "measured", "status"
    target("throughput >= 0.7 x offline ingest", sprintf("%.2f x", x_ing), x_ing >= 0.7,
        sprintf("short by %.0f %%", (1 - x_ing / 0.7) * 100))
    target("p99 2xx -> checkpoint <= interval + 1 s", sprintf("%.2f s", p99 / 1000),
        p99 <= (iv + 1) * 1000 && unc == 0, sprintf("over by %.2f s", p99 / 1000 - iv - 1))
    target(">= 10,000 tile reads/s (dauys serve)", sprintf("%.0f/s", sread), sread >= 10000,
        sprintf("short by %.0f %%", (1 - sread / 10000) * 100))
    target("memory bounded (50 % -> 100 %)", sprintf("%+.1f MiB", grow / 1024),
        grow <= 0.1 * r50, sprintf("grew %.0f %%", grow / r50 * 100))
    if (unc > 0) printf "%d answered submissions were never covered by a checkpoint seen\n", unc
}
function target(name, got, ok, miss) {
    printf "%-40s %-22s %s\n", name, got, ok ? "met" : "MISSED (" miss ")"
}'
echo "(raw output in $work: submit.txt, read-serve.txt, read-nginx.txt, serve.log," \
    "submit.subs.tsv, submit.checkpoints.tsv)"
[ "$witnesses" -gt 0 ] || exit 0

# 5. With K witnesses: step 2 again, on a fresh workspace whose manifest names them.
wd=$work/witnesses
quorum=$((witnesses > 1 ? witnesses - 1 : 1))
rm -rf "$wd" "$work/ws-witnesses" "$work/tiles-witnesses" "$work/serve-witnesses.port"
mkdir -p "$wd"
origin=$(awk '$1 == "referendum:" { r = $2 } $1 == "mode:" { m = $2 } END { print "dauys/" r "/" m }' \
    "$in/manifest.txt")
wpid=() wurl=() wflags=()
vkeys=$wd/vkeys
: >"$vkeys"
for ((i = 1; i <= witnesses; i++)); do
    "$dauys" keygen --unencrypted --witness "bench.witness$i.example/w" -o "$wd/w$i" >/dev/null 2>&1 ||
        { echo "serve_bench: dauys keygen --witness failed" >&2; exit 2; }
    head -1 "$wd/w$i.vkey" >>"$vkeys"
done
# witness-quorum and witness lines right after the last ballot:/list-allowance: line
awk -v q="$quorum" -v vkeys="$vkeys" 'NR == FNR { if ($0 ~ /^(ballot|list-allowance): /) at = FNR; next }
    { print } FNR == at { print "witness-quorum: " q; while ((getline v <vkeys) > 0) print "witness: " v }' \
    "$in/manifest.txt" "$in/manifest.txt" >"$wd/manifest.txt"
"$dauys" sign "$wd/manifest.txt" -k "$in/keys/central.key" >/dev/null 2>&1 ||
    { echo "serve_bench: dauys sign of $wd/manifest.txt failed" >&2; exit 2; }
"$dauys" init -w "$work/ws-witnesses" --manifest "$wd/manifest.txt" \
    --central-key "$in/keys/central.pub" >/dev/null
stop_witnessed() {
    local p
    for p in ${serve_pid:+"$serve_pid"} "${wpid[@]}"; do
        { kill -TERM "$p" 2>/dev/null && wait "$p"; } || true
    done
}
serve_pid=
trap stop_witnessed EXIT
for ((i = 1; i <= witnesses; i++)); do
    "$bin/bin/dauys-audit" witness --listen 127.0.0.1:0 --port-file "$wd/w$i.port" --key "$wd/w$i.key" \
        --name "bench.witness$i.example/w" --log "$in/keys/central.pub" --origin "$origin" \
        --state "$wd/state$i" 2>"$wd/w$i.log" &
    wpid+=($!)
done
for ((i = 1; i <= witnesses; i++)); do
    wait_for test -s "$wd/w$i.port"
    wurl+=("http://127.0.0.1:$(cat "$wd/w$i.port")")
    wflags+=(--witness "${wurl[i - 1]}")
done
"$dauys" serve -w "$work/ws-witnesses" -k "$in/keys/central.key" --tiles "$work/tiles-witnesses" \
    --listen 127.0.0.1:0 --port-file "$work/serve-witnesses.port" --interval "$interval" \
    "${wflags[@]}" 2>"$work/serve-witnesses.log" &
serve_pid=$!
wait_for test -s "$work/serve-witnesses.port"
"$bin/bench/bench_serve" submit "http://127.0.0.1:$(cat "$work/serve-witnesses.port")" "$in.list" \
    "$conc" "$work/submit-witnesses" "$serve_pid" >"$work/submit-witnesses.txt" ||
    { echo "serve_bench: submissions failed: $work/submit-witnesses.txt" >&2; exit 1; }
{ kill -TERM "$serve_pid" && wait "$serve_pid"; } || true
serve_pid=
# each witness: "200s 409s others VmHWM_KiB CPU_s", then stopped
clk=$(getconf CLK_TCK)
: >"$wd/witnesses.txt"
for ((i = 1; i <= witnesses; i++)); do
    p=${wpid[i - 1]}
    hwm=$(awk '$1 == "VmHWM:" { print $2 }' "/proc/$p/status")
    cpu=$(sed 's/.*) //' "/proc/$p/stat" | awk -v t="$clk" '{ printf "%.2f", ($12 + $13) / t }')
    awk -v hwm="$hwm" -v cpu="$cpu" '/POST \/add-checkpoint: / {
        if ($0 ~ /: 200 cosigned$/) ok++; else if ($0 ~ /: 409 /) c++; else other++ }
        END { print ok + 0, c + 0, other + 0, hwm, cpu }' "$wd/w$i.log" >>"$wd/witnesses.txt"
done
trap - EXIT
stop_witnessed
load_witnessed=$(cut -d' ' -f1-3 /proc/loadavg)
# what each answer waits for at least: the state file written as the witness writes it
fsync_ms=$(python3 - "$wd/fsync" <<'PY'
import os, sys, time
d = sys.argv[1]
os.makedirs(d, exist_ok=True)
note = b"x" * 200  # a checkpoint note as a witness keeps it (about 200 bytes)
dfd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
ms = []
for i in range(50):
    t = time.monotonic()
    fd = os.open(d + "/state.tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.write(fd, note)
    os.fsync(fd)
    os.close(fd)
    os.rename(d + "/state.tmp", d + "/state")
    os.fsync(dfd)
    ms.append((time.monotonic() - t) * 1000)
ms.sort()
print("%.2f %.2f" % (ms[len(ms) // 2], ms[-1]))
PY
)
rounds() { # LOG SED_PATTERN: "count median max" of the numbers the pattern keeps
    sed -n "$2" "$1" | sort -n |
        awk '{ ms[NR] = $1 } END { printf "%d %d %d", NR, NR ? ms[int((NR + 1) / 2)] : 0, ms[NR] }'
}
pub_pattern='s/.*published checkpoint .* in \([0-9]*\) ms, its status.*/\1/p'
w=$work/submit-witnesses.txt
awk -v k="$witnesses" -v q="$quorum" -v files="$files" -v lw="$load_witnessed" \
    -v s0="$(kv "$s" submit_wall_s)" -v s1="$(kv "$w" submit_wall_s)" \
    -v m0="$(kv "$s" delay_median_ms)" -v m1="$(kv "$w" delay_median_ms)" \
    -v p0="$(kv "$s" delay_p99_ms)" -v p1="$(kv "$w" delay_p99_ms)" \
    -v x0="$(kv "$s" delay_max_ms)" -v x1="$(kv "$w" delay_max_ms)" \
    -v h0="$(kv "$s" hwm_kib)" -v h1="$(kv "$w" hwm_kib)" \
    -v c0="$(kv "$s" server_cpu_s)" -v c1="$(kv "$w" server_cpu_s)" \
    -v ok1="$(kv "$w" answered_2xx)" -v no1="$(kv "$w" answered_4xx)" -v re1="$(kv "$w" retries)" \
    -v unc1="$(kv "$w" uncovered)" \
    -v pub0="$pub_stats" -v pub1="$(rounds "$work/serve-witnesses.log" "$pub_pattern")" \
    -v wr="$(rounds "$work/serve-witnesses.log" \
        's/.*witnesses: checkpoint [0-9]* cosigned by .*, in \([0-9]*\) ms.*/\1/p')" \
    -v cosig="$(sed -n 's/.*witnesses: checkpoint [0-9]* cosigned by \([0-9]*\) of.*/\1/p' \
        "$work/serve-witnesses.log" | sort -n | sed -n '1p;$p' | paste -sd' ')" \
    -v fs="$fsync_ms" -v wfile="$wd/witnesses.txt" 'BEGIN {
    split(pub0, a); split(pub1, b); split(wr, r); split(cosig, cs); split(fs, f)
    printf "\ndauys serve with %d witnesses (quorum %d), the same files, a fresh workspace\n", k, q
    printf "load average after: %s\n\n", lw
    printf "%-44s %10s %10s %8s\n", "measure", "without", "with", "with/w/o"
    row("submissions/s", files / s0, files / s1, "%.0f")
    row("2xx -> covering checkpoint, median ms", m0, m1, "%.0f")
    row("2xx -> covering checkpoint, p99 ms", p0, p1, "%.0f")
    row("2xx -> covering checkpoint, max ms", x0, x1, "%.0f")
    row("server VmHWM MiB (submissions)", h0 / 1024, h1 / 1024, "%.0f")
    row("server CPU us/file", c0 / files * 1e6, c1 / files * 1e6, "%.0f")
    row("publications", a[1], b[1], "%d")
    row("publication round, median ms", a[2], b[2], "%d")
    row("publication round, max ms", a[3], b[3], "%d")
    printf "%-44s %21s\n", "with: answered 2xx / 4xx / retries", ok1 " / " no1 " / " re1
    printf "%-44s %21s\n", "with: witnesses round, count / median / max ms",
        r[1] " / " r[2] " / " r[3]
    printf "%-44s %21s\n", "with: cosignatures per checkpoint, min / max",
        (r[1] ? cs[1] " / " (cs[2] == "" ? cs[1] : cs[2]) " of " k : "n/a")
    printf "%-44s %21s\n", "state write + 2 fsyncs, median / max ms", f[1] " / " f[2]
    printf "\n%-10s %8s %8s %8s %10s %8s\n", "witness", "200", "409", "other", "VmHWM MiB", "CPU s"
    i = 0
    while ((getline line < wfile) > 0) {
        split(line, v)
        printf "%-10s %8d %8d %8d %10.1f %8.2f\n", "w" ++i, v[1], v[2], v[3], v[4] / 1024, v[5]
    }
    if (unc1 > 0) printf "%d answered submissions were never covered by a checkpoint seen\n", unc1
}
function row(name, x, y, fmt) {
    printf "%-44s %10s %10s %8s\n", name, sprintf(fmt, x), sprintf(fmt, y),
        (x > 0 ? sprintf("%.2f", y / x) : "n/a")
}'
echo "(raw output in $work: submit-witnesses.txt, serve-witnesses.log, witnesses/w*.log," \
    "submit-witnesses.subs.tsv, submit-witnesses.checkpoints.tsv)"
