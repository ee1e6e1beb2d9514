#!/usr/bin/env bash
# Fuzzes every parser of outside input with libFuzzer (clang, ASan + UBSan,
# -fno-sanitize-recover): protocol, manifest, minisign key and signature
# files, signed notes and checkpoints, log entries, proofs, the CSV reader of
# the importer, the bundle archive's headers, the audit's scanner of the
# HTML report and its splitting of the log into entries, tile paths, the
# clients' reader of a server's JSON answers, the follower's entry bundle splitter,
# the witness's requests, summary protocols (fuzz/); as many targets at once
# as there are CPUs.
#
#   scripts/fuzz.sh [SECONDS]   each target for SECONDS (default 30)
#
# Seeds: the files of a 20-precinct `dauys demo` (protocols, manifest, keys,
# signatures, checkpoint, log entries, proofs, archive, HTML report, witness
# requests), the Italian CSV of tests/data; a dictionary of the formats' keys taken from those seeds.
# Fails on any crash, leak, timeout (10 s an input) or memory over 2 GiB, and
# leaves the input that did it in $DAUYS_FUZZ_DIR/artifacts. Prints each
# target's runs and runs per second. The corpus grows in $DAUYS_FUZZ_DIR
# (default: a new temporary directory, removed when all passed).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-30}
scripts/build.sh release >/dev/null
scripts/build.sh fuzz >/dev/null
bin=$PWD/build
work=${DAUYS_FUZZ_DIR:-$(mktemp -d)}
mkdir -p "$work"
targets=(protocol manifest keys note logentry proof csv importmap tar page logstream decimal tilepath
    answer bundle)
targets+=(cosigline) # issue 18: the audit's reading of the statement's cosignature lines
targets+=(witness) # issue 18: the witness's requests (dauys-audit witness)
targets+=(summary) # issue 19: district and region summary protocols (referendum/summary.c)
targets+=(copies) # issue 19: the observers' copies CSV and map (dauys-audit compare-copies)
targets+=(crosscheck) # issue 19: the audit's comparison of the statement's crosscheck lines (X1)

seed() { # seed TARGET FILE...: copies FILEs into TARGET's corpus
    local t=$1
    shift
    mkdir -p "$work/corpus/$t"
    cp "$@" "$work/corpus/$t/"
}

rm -rf "$work/demo" "$work/corpus" "$work/artifacts"
mkdir -p "$work/artifacts"
"$bin/release/bin/dauys" demo --precincts 20 --seed 5 --out "$work/demo" >/dev/null 2>&1
d=$work/demo
seed protocol "$d"/incoming/*.txt "$d"/later/*.txt
seed manifest "$d/manifest.txt"
rm -f "$work"/witness[12].* # and one with two witnesses, quorum 2 (FORMATS.md 8.1)
for w in 1 2; do
    "$bin/release/bin/dauys" keygen --unencrypted --witness "w$w.example" -o "$work/witness$w" >/dev/null
done
sed "s|^ballot: \(.*\)\$|ballot: \1\nwitness-quorum: 2\nwitness: $(cat "$work/witness1.vkey")\nwitness: $(cat "$work/witness2.vkey")|" \
    "$d/manifest.txt" >"$work/corpus/manifest/witnesses"
# and one with a district and a region commission (FORMATS.md 8.2); the summaries
# of that district and region over the demo's roster (9A), counts from one protocol
dist=$(awk '$1 == "precinct:" && $2 == "AST-0001" { print $3 }' "$d/manifest.txt")
reg=$(awk -v x="$dist" '$1 == "district:" && $2 == x { print $3 }' "$d/manifest.txt")
rm -f "$work"/commission[12].*
for c in 1 2; do "$bin/release/bin/dauys" keygen --unencrypted -o "$work/commission$c" >/dev/null; done
awk -v a="commission: district $dist $(sed -n 2p "$work/commission1.pub")" \
    -v b="commission: region $reg $(sed -n 2p "$work/commission2.pub")" \
    '/^precinct: / && !n { print a; print b; n = 1 } { print }' "$d/manifest.txt" \
    >"$work/corpus/manifest/commissions"
mkdir -p "$work/corpus/summary"
{
    printf 'format: dauys-summary 1\n%s\nlevel: district\narea: %s\nversion: 1\n' \
        "$(grep '^referendum: ' "$d/manifest.txt")" "$dist"
    awk -v x="$dist" '$1 == "precinct:" && $3 == x { print "sums: " $2 " 1" }' "$d/manifest.txt" |
        LC_ALL=C sort
    sed -n '/^citizens_on_list: /,$p' "$d/incoming/AST-0001.txt"
} >"$work/corpus/summary/district"
{
    printf 'format: dauys-summary 1\n%s\nlevel: region\narea: %s\nversion: 2\nreason: again\n' \
        "$(grep '^referendum: ' "$d/manifest.txt")" "$reg"
    awk -v x="$reg" '$1 == "district:" && $3 == x { print "sums: " $2 " 1" }' "$d/manifest.txt" |
        LC_ALL=C sort
    sed -n '/^citizens_on_list: /,$p' "$d/incoming/AST-0001.txt"
} >"$work/corpus/summary/region"
seed keys "$d/keys/central.pub" "$d/keys/central.key" "$d/manifest.txt.minisig" \
    "$d"/incoming/AST-000[1-3].txt.minisig "$d"/keys/precincts/AST-000[1-3].pub
seed note "$d/bundle/checkpoint"
# the cosigned checkpoint of C2SP tlog-cosignature's example (keys/cosig.c)
printf 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n\xe2\x80\x94 example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n\xe2\x80\x94 witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n' \
    >"$work/corpus/note/cosigned"
mkdir -p "$work/corpus/logentry"
awk -v dir="$work/corpus/logentry" '/^format: dauys-log 1$/ { n++ } { print > (dir "/entry" n) }' \
    "$d/bundle/log/entries.txt"
# a summary protocol's entry (issue 19): "summary: LEVEL AREA" for "precinct:"
sed 's/^precinct: .*/summary: district AST-ESL/' "$work/corpus/logentry/entry3" \
    >"$work/corpus/logentry/summary"
mkdir -p "$work/corpus/proof"
"$bin/release/bin/dauys" proof -w "$d/workspace" --entry 3 >"$work/corpus/proof/inclusion"
"$bin/release/bin/dauys" proof -w "$d/workspace" --consistency 10 >"$work/corpus/proof/consistency"
mkdir -p "$work/corpus/csv"
for f in tests/data/it-2026/*.csv; do head -n 40 "$f" >"$work/corpus/csv/$(basename "$f")"; done
mkdir -p "$work/corpus/importmap" # a map, an empty line, the first rows of its table
{ cat tests/data/it-2026/it-eligendo.map; echo; head -n 20 tests/data/it-2026/municipalities.csv; } \
    >"$work/corpus/importmap/it-eligendo"
"$bin/release/bin/dauys" archive "$d/bundle" "$work/bundle.tar" >/dev/null
mkdir -p "$work/corpus/tar"
head -c 8192 "$work/bundle.tar" >"$work/corpus/tar/head"
seed page "$d/bundle/reports/report.html"
mkdir -p "$work/corpus/copies" # issue 19: copies of fuzz_copies.c's protocols; a map, then a table
h=precinct,version,citizens_on_list,ballots_received,ballots_issued,ballots_cancelled,ballots_in_boxes
printf '%s,q1_yes,q1_no,q1_not_counted,q1_invalid\nP-1,1,1000,1000,950,50,950,600,300,10,40\n%s\n%s\n' \
    "$h" 'P-2,,1000,1000,950,50,950,500,400,10,40' 'P-3,1,"1000",,,,,1,2,3,4' >"$work/corpus/copies/csv"
printf 'format: dauys-copies-map 1\nprecinct: P-{n}\nversion: -\nq1_yes: {a} + {b}\n\nn,a,b\n1,500,100\n' \
    >"$work/corpus/copies/map"
mkdir -p "$work/corpus/crosscheck" # issue 19: fuzz_crosscheck.c's statement, two lines changed
printf '%s\n' 'format: dauys-result 1' 'log-root: AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' \
    'adopted: yes' 'crosscheck: district D1 version 2 items 3 differs' \
    'crosscheck-item: P2 listed - counted 1' 'crosscheck-field: q1_yes summary 10 counted 9' \
    'crosscheck: region R1 version 1 items 2 agrees' 'crosscheck: district D2 none' \
    >"$work/corpus/crosscheck/result"
mkdir -p "$work/corpus/logstream"
head -c 4096 "$d/bundle/log/entries.txt" >"$work/corpus/logstream/head"
mkdir -p "$work/corpus/decimal" # the numbers at their edges (core/decimal)
for n in 0 00 01 7 1000 1000000000000 18446744073709551615 18446744073709551616 -1 +1 ' 1'; do
    printf '%s' "$n" >"$work/corpus/decimal/n$(printf '%s' "$n" | od -An -tx1 | tr -d ' \n')"
done
mkdir -p "$work/corpus/answer" # the server's JSON answers (net/answer.c)
printf '%s' '{"outcome": "accepted", "precinct": "P-001", "version": 2, "reason_code": null, "reason": null, "log_index": 1234, "entry_sha256": "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", "warnings": 0}' \
    >"$work/corpus/answer/accepted"
printf '%s' '{"outcome":"refused","reason_code":"signature","reason":"caf\u00e9 \ud83d\ude00 \"x\"\n","ok":false,"n":-9223372036854775808}' \
    >"$work/corpus/answer/refused"
printf '%s' '{"error": "not found"}' >"$work/corpus/answer/error"

mkdir -p "$work/corpus/tilepath" # tile paths (core/tiles), canonical and near misses
for p in tile/0/000 tile/0/x001/x234/067 tile/1/000.p/17 tile/entries/040.p/149 \
    tile/0/x018/x446/x744/x073/x709/x551/615 tile/63/x000/001 tile/0/000.p/256; do
    printf '%s' "$p" >"$work/corpus/tilepath/$(printf '%s' "$p" | tr '/.' '_-')"
done
mkdir -p "$work/corpus/bundle" # an entry bundle of the demo's log (C2SP tiles), its count first
"$bin/release/bin/dauys" checkpoint -w "$d/workspace" -k "$d/keys/central.key" --tiles "$work/tiles" \
    >/dev/null 2>&1
for b in "$work"/tiles/tile/entries/000.p/*; do
    # shellcheck disable=SC2059 # the format is the count's byte
    { printf "$(printf '\\%03o' "$(basename "$b")")"; cat "$b"; } >"$work/corpus/bundle/000-p"
done
mkdir -p "$work/corpus/cosigline" # the demo's statement with a cosignature line (W1)
awk '{ print } /^log-root: / { print "cosignature: fuzz.example/w AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" }' \
    "$d/bundle/result.txt" >"$work/corpus/cosigline/result"
mkdir -p "$work/corpus/witness" # tlog-witness requests (audit/witness.c): a first, a proof, 64 lines
{ printf 'old 0\n\n'; cat "$d/bundle/checkpoint"; } >"$work/corpus/witness/first"
{
    printf 'old 10\n'
    sed -n 's/^hash: //p' "$work/corpus/proof/consistency"
    printf '\n'
    cat "$d/bundle/checkpoint"
} >"$work/corpus/witness/proof"
{
    printf 'old 10\n'
    for _ in $(seq 64); do echo 'PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw='; done
    printf '\n'
    cat "$d/bundle/checkpoint"
} >"$work/corpus/witness/long"
printf 'old 20852014\nPlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\njrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=\n5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=\n/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=\n\nexample.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n\xe2\x80\x94 example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n' \
    >"$work/corpus/witness/spec" # the spec's example request
# The dictionary: every "key: " the seeds use, and a few tokens of the formats.
{
    cat "$d"/incoming/*.txt "$work/corpus/manifest/witnesses" "$work/corpus/manifest/commissions" \
        "$work/corpus/summary/district" "$d/bundle/log/entries.txt" \
        "$d/bundle/checkpoint" "$d/keys/central.pub" "$d/manifest.txt.minisig" "$work/corpus/proof/inclusion" |
        grep -o '^[a-z0-9_-]*: ' | sort -u | sed 's/.*/"&"/'
    printf '"%s"\n' 'untrusted comment: ' 'trusted comment: ' 'RWS' 'RWQ' '\x0a' '\xe2\x80\x94' \
        'tile/' 'entries/' '.p/' 'x' \
        'ustar\x0000' 'ustar  \x00' '0000644\x00' '00000000000\x00' '"' '""' ';' '0' '-1' \
        '18446744073709551616' '1000000000000' '<!--' '-->' ' data-field=\"' ' data-area=\"' \
        ' data-rule=\"' ' data-passed=\"' '<table id=\"areas-' '<div id=\"decision-' '</tr>' '</table>' \
        'null' 'true' 'false' '\\u' '\\ud800' '\\udc00' '\":' '{\"' '\"}' '9223372036854775807' '1e3' '1.5'
} >"$work/dauys.dict"

# One fuzzer is one single-threaded process: as many run at once as there
# are CPUs ($FUZZ_JOBS), each for its full SECONDS; the results are then
# reported in the targets' order.
fuzz_one() {
    local t=$1 log=$work/fuzz_$1.log
    if "$bin/fuzz/fuzz/fuzz_$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -dict="$work/dauys.dict" -print_final_stats=1 -artifact_prefix="$work/artifacts/$t-" \
        "$work/corpus/$t" >"$log" 2>&1; then
        echo 0 >"$work/rc_$t"
    else
        echo 1 >"$work/rc_$t"
    fi
}
jobs_max=${FUZZ_JOBS:-$(nproc)}
for t in "${targets[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do
        wait -n || true
    done
    fuzz_one "$t" &
done
wait
failed=0
printf '%-10s %12s %10s %8s\n' target runs runs/s corpus
for t in "${targets[@]}"; do
    log=$work/fuzz_$t.log
    if [ "$(cat "$work/rc_$t" 2>/dev/null)" != 0 ]; then
        echo "fuzz_$t: FAILED (crash, leak or timeout); see $log and $work/artifacts" >&2
        tail -n 30 "$log" >&2
        failed=1
        continue
    fi
    runs=$(awk '/stat::number_of_executed_units/ { print $2 }' "$log")
    rate=$(awk '/stat::average_exec_per_sec/ { print $2 }' "$log")
    printf '%-10s %12s %10s %8s\n' "$t" "$runs" "$rate" "$(ls "$work/corpus/$t" | wc -l)"
done
if [ "$failed" -ne 0 ]; then
    exit 1
fi
[ -n "${DAUYS_FUZZ_DIR:-}" ] || rm -rf "$work"
echo "fuzz: ${#targets[@]} targets, $secs s each: no crash, leak or timeout"
