#!/usr/bin/env bash
# The benchmark of dauys serve (issue 17; docs/PERFORMANCE.md): not run by the tests.
#
#   bench/serve_bench.sh [-n N] [--interval S] [--concurrency C] [--read-seconds S]
#                        [--no-nginx] [--no-build] [--dir DIR]
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
#   4. prints the table, the ratios and the issue's targets, met or missed.
# Raw output in DIR (default /var/tmp/dauys-serve-bench). The machine is shared
# and noisy: the load average is printed before and after; the ratios count.
set -euo pipefail
cd "$(dirname "$0")/.."

n=100000 interval=1s conc=64 read_s=10 use_nginx=1 build=1
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
    *) echo "usage: bench/serve_bench.sh [-n N] [--interval S] [--concurrency C]" \
        "[--read-seconds S] [--no-nginx] [--no-build] [--dir DIR]" >&2; exit 2 ;;
    esac
done
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
