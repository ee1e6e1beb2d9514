#!/usr/bin/env bash
# The benchmark (README, docs/PERFORMANCE.md): not run by the tests.
#
#   scripts/bench.sh [N...]        default: 10000 100000 1000000
#
# For each N, on the same generated data and in one run (these machines are
# shared and noisy, so the ratios count, not the absolute times):
#   - `dauys demo --precincts N` makes the keys, manifest and N signed
#     protocols, then runs and times dauys init, ingest, tally, publish and
#     dauys-audit verify, each with its peak RSS (the demo's --timings);
#   - the floor: bench_floor verifies the same N minisign signatures with
#     libsodium alone on every core, from memory, nothing else;
#   - the audit warm (the demo's own run, right after publish wrote the
#     bundle) and cold: again after dropping the page cache (root only:
#     echo 3 > /proc/sys/vm/drop_caches; otherwise "n/a");
#   - a naive peer on a sample of 1,000 protocols: per protocol, stock
#     `minisign -V` and one `sqlite3` CLI insert;
#   - the bundle as one archive (`dauys archive`, FORMATS.md 17.4): reading
#     it cold (cat), auditing it cold and warm; the cold audit's target is
#     1.5 x (archive read + floor).
# Prints one table with the ratios; raw numbers go to $DAUYS_BENCH_DIR
# (default /var/tmp/dauys-bench), made afresh. Needs minisign, sqlite3,
# python3 (for peak RSS of child processes).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null
scripts/build.sh release >/dev/null

bin=$PWD/build/release
work=${DAUYS_BENCH_DIR:-/var/tmp/dauys-bench}
cpus=$(nproc)
sizes=("$@")
[ "${#sizes[@]}" -gt 0 ] || sizes=(10000 100000 1000000)
rm -rf "$work"
mkdir -p "$work"

# measure CMD...: runs CMD, prints "SECONDS PEAK_RSS_KIB" (and fails as CMD does).
measure() {
    python3 - "$@" <<'PY'
import os, subprocess, sys, time
t0 = time.monotonic()
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
_, status, ru = os.wait4(p.pid, 0)
print("%.6f %d" % (time.monotonic() - t0, ru.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
PY
}

# step FILE NAME: "SECONDS RSS_KIB" of the demo step NAME in its timings FILE.
step() { awk -F'\t' -v s="$2" '$1 == s { print $2, $3 }' "$1"; }

# naive DIR: seconds per protocol for stock minisign -V + one sqlite3 insert,
# over a sample of 1,000 protocols (their public keys taken from the manifest).
naive() {
    local dir=$1 pubs=$1/naive-keys db=$1/naive.db n=0 t0 t1 id key
    mkdir -p "$pubs"
    sqlite3 "$db" "CREATE TABLE protocol (precinct TEXT PRIMARY KEY, text BLOB NOT NULL)"
    awk '$1 == "precinct:" { print $2, $5 }' "$dir/manifest.txt" |
        awk -v n="$(grep -c '^precinct: ' "$dir/manifest.txt")" 'NR % int(n / 1000 > 1 ? n / 1000 : 1) == 0' |
        head -n 1000 >"$dir/naive-sample.txt"
    while read -r id key; do
        printf 'untrusted comment: naive peer key\n%s\n' "$key" >"$pubs/$id.pub"
    done <"$dir/naive-sample.txt"
    t0=$(date +%s.%N)
    while read -r id key; do
        minisign -Vqm "$dir/incoming/$id.txt" -p "$pubs/$id.pub" &&
            sqlite3 "$db" "INSERT INTO protocol VALUES ('$id', readfile('$dir/incoming/$id.txt'))"
        n=$((n + 1))
    done <"$dir/naive-sample.txt"
    t1=$(date +%s.%N)
    echo "$t0 $t1 $n" | awk '{ printf "%.6f\n", ($2 - $1) / $3 }'
}

# timed CMD...: sets T (seconds) and RSS (KiB) of CMD; the bench stops if CMD fails
# (an audit that does not pass has not done the work it is timed for).
timed() {
    local out
    out=$(measure "$@") || { echo "bench: failed (exit $?): $*" >&2; exit 1; }
    read -r T RSS <<<"$out"
}

# cold CMD...: timed, with an empty page cache first (T and RSS "n/a" if not root).
cold() {
    if [ "$(id -u)" -eq 0 ] && sync && echo 3 >/proc/sys/vm/drop_caches 2>/dev/null; then
        timed "$@"
    else
        T=n/a RSS=n/a
    fi
}

printf '%-9s %9s %9s %7s %9s %7s %9s %9s %7s %10s %9s %9s %11s %9s\n' N floor_s ingest_s \
    x_floor audit_s x_floor audit_cold x_floor tally_ms naive_ms x_faster ingest_MiB audit_MiB keys+sign_s
archive_rows=()
for n in "${sizes[@]}"; do
    dir=$work/n$n
    "$bin/bin/dauys" demo --precincts "$n" --out "$dir" --timings "$dir.timings.tsv" >"$dir.demo.log" 2>&1 ||
        { echo "demo of $n precincts failed: $dir.demo.log" >&2; exit 1; }
    read -r floor _ < <("$bin/bench/bench_floor" "$dir" "$cpus" | awk '{ print $4, $3 }')
    read -r ingest ingest_rss < <(step "$dir.timings.tsv" "dauys ingest incoming/")
    read -r tally _ < <(step "$dir.timings.tsv" "dauys tally")
    read -r gen _ < <(step "$dir.timings.tsv" "keys, manifest, signed protocols")
    read -r audit audit_rss < <(step "$dir.timings.tsv" "dauys-audit verify")
    cold "$bin/bin/dauys-audit" verify -p "$dir/keys/central.pub" "$dir/bundle"
    cold=$T
    timed "$bin/bin/dauys" archive "$dir/bundle" "$dir/bundle.tar"
    pack=$T
    cold cat "$dir/bundle.tar"
    read_cold=$T
    cold "$bin/bin/dauys-audit" verify -p "$dir/keys/central.pub" "$dir/bundle.tar"
    tar_cold=$T tar_rss=$RSS
    timed "$bin/bin/dauys-audit" verify -p "$dir/keys/central.pub" "$dir/bundle.tar"
    tar_warm=$T
    tar_mib=$(($(stat -c %s "$dir/bundle.tar") >> 20))
    archive_rows+=("$(awk -v n="$n" -v f="$floor" -v p="$pack" -v m="$tar_mib" -v r="$read_cold" \
        -v c="$tar_cold" -v w="$tar_warm" -v rss="$tar_rss" 'BEGIN {
        x = c == "n/a" ? "n/a" : sprintf("%.2f", c / (r + f))
        printf "%-9d %9.1f %9d %9s %9s %10s %9.2f %7.2f %9.1f\n",
            n, p, m, r, c, x, w, w / f, rss == "n/a" ? 0 : rss / 1024
    }')")
    per_naive=$(naive "$dir")
    awk -v n="$n" -v f="$floor" -v i="$ingest" -v a="$audit" -v c="$cold" -v t="$tally" \
        -v nv="$per_naive" -v ir="$ingest_rss" -v ar="$audit_rss" -v g="$gen" 'BEGIN {
        cx = c == "n/a" ? "n/a" : sprintf("%.2f", c / f)
        printf "%-9d %9.2f %9.2f %7.2f %9.2f %7.2f %9s %9s %7.1f %10.1f %9.0f %9.1f %11.1f %9.1f\n",
            n, f, i, i / f, a, a / f, c, cx, t * 1000, nv * 1000, nv / (i / n), ir / 1024, ar / 1024, g
    }'
done
echo "(seconds wall-clock on $cpus CPUs; x_floor = time / floor; x_faster = naive peer per protocol /"
echo " dauys ingest per protocol; MiB = peak RSS; raw data in $work)"
echo
printf '%-9s %9s %9s %9s %9s %10s %9s %7s %9s\n' N pack_s tar_MiB read_cold audit_cold x_read+fl \
    audit_warm x_floor audit_MiB
printf '%s\n' "${archive_rows[@]}"
echo "(the bundle as one archive: pack_s = dauys archive; read_cold = cat of it with an empty page"
echo " cache; audit_cold / x_read+fl = dauys-audit verify of it, cold, and its ratio to read_cold +"
echo " floor (target <= 1.5); audit_warm / x_floor = the same, cached; audit_MiB = its peak RSS, cold)"
