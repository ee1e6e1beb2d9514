#!/usr/bin/env bash
# summary_ingest_cli.sh: summary protocols (FORMATS 9A) through `dauys ingest`
# and `dauys serve`: every outcome ingestion gives a summary (accepted,
# correction, conflict, stale, duplicate; rejected for a signature by a
# precinct's key, by another level's or another area's commission, for a
# broken relation, for a parse error; replay for another referendum, an
# unknown area and an area without a commission), each checked in the log
# entry (`summary: LEVEL AREA`), the submission row and the summary tables;
# then the same files through the server, whose intake gate takes a summary
# signed by its commission and refuses one that is not, recording nothing.
#
#   usage: bash tests/cli/summary_ingest_cli.sh /path/to/dauys /path/to/dauys-audit
#
# Hermetic, non-interactive; needs sqlite3, curl and python3. About 5 s.
set -u

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 2

# shellcheck source-path=SCRIPTDIR source=serve_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/serve_lib.sh" || exit 2

cli_args "$@"
cli_workdir summary-ingest
SQLITE=${SQLITE3:-sqlite3}
for tool in "$SQLITE" curl python3 setsid; do
    command -v "$tool" >/dev/null 2>&1 || {
        echo "$0: $tool is needed" >&2
        exit 2
    }
done

REF=kz-sum-2026
run() { run_split "$@"; }
sign() { "$DAUYS" sign "$1" -k "$2" </dev/null >/dev/null 2>&1 || echo "could not sign $1" >&2; }

# --- keys, manifest, protocols --------------------------------------------------
section "keys, a manifest with commissions, six precincts' protocols"

PRECINCTS=(AST-0001 AST-0002 AST-0003 KAR-0001 KAR-0002 KAR-0003)
printf '%s\n' "${PRECINCTS[@]}" >ids.txt
printf '%s\n' d-AST-D1 d-KAR-D1 d-KAR-D2 r-AST r-KAR >com.txt
expect_ok "keygen: central" "" "$DAUYS" keygen --unencrypted -o central
expect_ok "keygen: precincts" "" "$DAUYS" keygen --unencrypted --precincts ids.txt -d keys
expect_ok "keygen: commissions" "" "$DAUYS" keygen --unencrypted --precincts com.txt -d com
district_of() { case $1 in AST-*) echo AST-D1 ;; KAR-0001) echo KAR-D1 ;; *) echo KAR-D2 ;; esac; }
{
    printf 'format: dauys-manifest 1\nreferendum: %s\ntitle: Summaries\n' "$REF"
    printf 'date: 2026-03-15\nmode: test\nversion: 1\nballot: single\n'
    printf 'question: q1 kz-constitutional Do you approve?\n'
    printf 'region: AST city Astana\nregion: KAR region Karaganda region\n'
    printf 'district: AST-D1 AST Astana district\ndistrict: KAR-D1 KAR Karaganda\n'
    printf 'district: KAR-D2 KAR Temirtau\ndistrict: KAR-D3 KAR Saran\n'
    # KAR-D3 has no commission
    for c in d-AST-D1 d-KAR-D1 d-KAR-D2 r-AST r-KAR; do
        level=district
        [ "${c%%-*}" = r ] && level=region
        printf 'commission: %s %s %s\n' "$level" "${c#?-}" "$(pub_b64 "com/$c.pub")"
    done
    for p in "${PRECINCTS[@]}"; do
        printf 'precinct: %s %s 1000 %s Precinct %s\n' "$p" "$(district_of "$p")" \
            "$(pub_b64 "keys/$p.pub")" "$p"
    done
} >manifest.txt
sign manifest.txt central.key
expect_ok "init" "workspace created" "$DAUYS" init -w ws --manifest manifest.txt --central-key central.pub

# proto FILE PRECINCT YES NO: a lawful protocol (1000 on the list).
proto() {
    printf 'format: dauys-protocol 1\nreferendum: %s\nprecinct: %s\nversion: 1\n' "$REF" "$2" >"$1"
    printf 'citizens_on_list: 1000\nballots_received: 900\nballots_issued: %s\n' $(($3 + $4 + 10)) >>"$1"
    printf 'ballots_cancelled: %s\nballots_in_boxes: %s\n' $((900 - $3 - $4 - 10)) $(($3 + $4 + 10)) >>"$1"
    printf 'q1_yes: %s\nq1_no: %s\nq1_not_counted: 4\nq1_invalid: 6\n' "$3" "$4" >>"$1"
}
mkdir -p p
i=0
for pc in "${PRECINCTS[@]}"; do
    i=$((i + 1))
    proto "p/$pc.txt" "$pc" $((400 + i)) $((300 - i))
    sign "p/$pc.txt" "keys/$pc.key"
done
expect_ok "the six protocols are accepted" "6 accepted" "$DAUYS" ingest -w ws p

# mksummary FILE LEVEL AREA VERSION ITEMS...: the sum of the protocols (or
# district summaries) named "ID:VERSION" in ITEMS, from the files in p/ and
# s/ (for a region: s/district-ID-vVERSION.txt); REF may be overridden.
mksummary() {
    python3 - "$@" <<'PY'
import os, sys
out, level, area, version, *items = sys.argv[1:]
keys = ["citizens_on_list", "ballots_received", "ballots_issued", "ballots_cancelled",
        "ballots_in_boxes", "q1_yes", "q1_no", "q1_not_counted", "q1_invalid"]
sums = dict.fromkeys(keys, 0)
for it in items:
    iid, iv = it.split(":")
    path = f"p/{iid}.txt" if level == "district" else f"s/district-{iid}-v{iv}.txt"
    for line in open(path):
        k, v = line.rstrip("\n").split(": ", 1)
        if k in sums:
            sums[k] += int(v)
with open(out, "w") as f:
    f.write(f"format: dauys-summary 1\nreferendum: {os.environ.get('SREF', 'kz-sum-2026')}\n")
    f.write(f"level: {level}\narea: {area}\nversion: {version}\n")
    if int(version) > 1:
        f.write("reason: recounted\n")
    for it in items:
        f.write("sums: " + it.replace(":", " ") + "\n")
    for k in keys:
        f.write(f"{k}: {sums[k]}\n")
PY
}
mkdir -p s bad
mksummary s/district-AST-D1-v1.txt district AST-D1 1 AST-0001:1 AST-0002:1 AST-0003:1
sign s/district-AST-D1-v1.txt com/d-AST-D1.key
mksummary s/district-KAR-D1-v1.txt district KAR-D1 1 KAR-0001:1
sign s/district-KAR-D1-v1.txt com/d-KAR-D1.key
mksummary s/district-KAR-D2-v1.txt district KAR-D2 1 KAR-0002:1 KAR-0003:1
sign s/district-KAR-D2-v1.txt com/d-KAR-D2.key

# --- accepted -------------------------------------------------------------------
section "district summaries signed by their commissions: accepted"

expect_ok "three district summaries are accepted" "3 accepted" \
    "$DAUYS" ingest -w ws s/district-AST-D1-v1.txt s/district-KAR-D1-v1.txt s/district-KAR-D2-v1.txt
expect_eq "the summary rows: one current per district" \
    "district|AST-D1|1|current|3000 district|KAR-D1|1|current|1000 district|KAR-D2|1|current|2000" \
    "$(q ws/dauys.db "SELECT level, area, version, state, on_list FROM summary ORDER BY area" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "their items" "AST-0001 1,AST-0002 1,AST-0003 1" \
    "$(q ws/dauys.db "SELECT group_concat(item || ' ' || item_version, ',') FROM
        (SELECT * FROM summary_item WHERE area = 'AST-D1' ORDER BY item)")"
expect_eq "their numbers: AST-D1's yes the sum of its three protocols" "1206" \
    "$(q ws/dauys.db "SELECT yes FROM summary_answer WHERE area = 'AST-D1'")"
expect_eq "the submission rows name the level and area, not a precinct" "district|AST-D1||1|accepted" \
    "$(q ws/dauys.db "SELECT level, area, ifnull(precinct, ''), version, outcome FROM submission
        WHERE area = 'AST-D1'")"
ENTRY=$(q ws/dauys.db "SELECT entry FROM log_entry WHERE idx = (SELECT log_index FROM submission
        WHERE area = 'AST-D1')")
check "the log entry says 'summary: district AST-D1' and its version" \
    matches "$ENTRY" "*referendum: $REF
summary: district AST-D1
version: 1
file-sha256: *"
check "... and has no precinct line" test "${ENTRY/precinct:/}" = "$ENTRY"
expect_eq "no summary counts: the district totals are the protocols' alone" "6|2421" \
    "$(q ws/dauys.db "SELECT sum(reporting), sum(yes) FROM district_total")"

mksummary s/region-KAR-v1.txt region KAR 1 KAR-D1:1 KAR-D2:1
sign s/region-KAR-v1.txt com/r-KAR.key
expect_ok "a region summary over its districts' summaries is accepted" "1 accepted" \
    "$DAUYS" ingest -w ws s/region-KAR-v1.txt
expect_eq "... its items are districts" "KAR-D1 1,KAR-D2 1" \
    "$(q ws/dauys.db "SELECT group_concat(item || ' ' || item_version, ',') FROM
        (SELECT * FROM summary_item WHERE area = 'KAR' ORDER BY item)")"
expect_ok "the same bytes again: a duplicate, nothing recorded" "1 duplicate" \
    "$DAUYS" ingest -w ws s/district-AST-D1-v1.txt
expect_eq "... (still 4 summary submissions)" 4 \
    "$(q ws/dauys.db "SELECT count(*) FROM submission WHERE level IS NOT NULL")"

# --- rejected and replays -------------------------------------------------------
section "the wrong key, the wrong area, broken numbers: rejected or replay"

# reject NAME FILE KEY OUTCOME CODE PATTERN: FILE (a copy of a good summary,
# perhaps altered by the caller) signed with KEY is OUTCOME with CODE.
reject() {
    local name=$1 f=$2 key=$3 outcome=$4 code=$5 pat=$6 row
    [ -n "$key" ] && sign "$f" "$key"
    expect_exit "$name: $outcome [$code]" 1 "$outcome:*$code] *$pat" "$DAUYS" ingest -w ws "$f"
    row=$(q ws/dauys.db "SELECT outcome || ' ' || reason_code || ' ' || ifnull(level, '-') || ' ' ||
        ifnull(area, '-') FROM submission ORDER BY seq DESC LIMIT 1")
    expect_eq "$name: recorded with its reason" "$outcome $code" "${row% * *}"
}
mksummary bad/precinct-key.txt district AST-D1 2 AST-0001:1 AST-0002:1 AST-0003:1
reject "a summary signed with a precinct's key" bad/precinct-key.txt keys/AST-0001.key \
    rejected signature "not signed by the key of the district commission of AST-D1"
mksummary bad/region-key.txt district AST-D1 2 AST-0001:1 AST-0002:1 AST-0003:1
reject "a district summary signed with its region's commission key" bad/region-key.txt \
    com/r-AST.key rejected signature "district commission of AST-D1"
mksummary bad/other-district.txt district AST-D1 2 AST-0001:1 AST-0002:1 AST-0003:1
reject "a summary signed by another district's commission" bad/other-district.txt \
    com/d-KAR-D1.key rejected signature "district commission of AST-D1"
mksummary bad/region-by-district.txt region AST 1 AST-D1:1
reject "a region summary signed by a district commission" bad/region-by-district.txt \
    com/d-AST-D1.key rejected signature "region commission of AST"
mksummary bad/unsigned.txt district KAR-D1 2 KAR-0001:1
expect_exit "a summary with no signature file: rejected [signature]" 1 \
    "rejected:*signature] no readable signature" "$DAUYS" ingest -w ws bad/unsigned.txt
mksummary bad/no-commission.txt district KAR-D3 1 KAR-0001:1
sed -i 's/^sums: KAR-0001 1$/sums: KAR-0001 1/' bad/no-commission.txt
reject "a district without a commission" bad/no-commission.txt com/d-KAR-D1.key replay area \
    "the district KAR-D3 has no commission in the manifest"
mksummary bad/unknown.txt district XXX-D9 1 KAR-0001:1
reject "an unknown district" bad/unknown.txt com/d-KAR-D1.key replay area "no district XXX-D9"
SREF=kz-other-2026 mksummary bad/other-ref.txt district AST-D1 1 AST-0001:1
reject "another referendum" bad/other-ref.txt com/d-AST-D1.key replay referendum "is kz-other-2026"
mksummary bad/r4.txt district KAR-D1 2 KAR-0001:1
sed -i 's/^q1_yes: \([0-9]*\)$/q1_yes: 1\1/' bad/r4.txt
reject "a summary whose sums break R4" bad/r4.txt com/d-KAR-D1.key rejected R4 ""
mksummary bad/parse.txt district KAR-D1 2 KAR-0001:1
sed -i 's/^sums: KAR-0001 1$/sums: KAR-0002 1/' bad/parse.txt
reject "a summary naming a precinct of another district" bad/parse.txt com/d-KAR-D1.key \
    rejected parse "precinct KAR-0002 is in district KAR-D2, not in KAR-D1"
printf 'format: dauys-summary 1\nreferendum: %s\nlevel: county\n' "$REF" >bad/header.txt
reject "a summary whose header does not parse" bad/header.txt com/d-KAR-D1.key rejected parse \
    'level: "county" is not district or region'
expect_eq "... logged without a summary or version line" "" \
    "$(q ws/dauys.db "SELECT entry FROM log_entry ORDER BY idx DESC LIMIT 1" | grep -E '^(summary|version|precinct):')"
expect_eq "nothing rejected became a summary row" 4 "$(q ws/dauys.db "SELECT count(*) FROM summary")"

# --- versions -------------------------------------------------------------------
section "versions: correction, stale, conflict"

mksummary s/district-AST-D1-v2.txt district AST-D1 2 AST-0001:1 AST-0002:1 AST-0003:1
sign s/district-AST-D1-v2.txt com/d-AST-D1.key
expect_ok "version 2 of AST-D1's summary: a correction" "1 correction" \
    "$DAUYS" ingest -w ws s/district-AST-D1-v2.txt
expect_eq "... version 1 superseded, version 2 current" "1|superseded 2|current" \
    "$(q ws/dauys.db "SELECT version, state FROM summary WHERE area = 'AST-D1' ORDER BY version" | tr '\n' ' ' | sed 's/ $//')"
cp s/district-AST-D1-v1.txt bad/stale.txt # other bytes, lawful: a yes moved to no
awk -F': ' '$1 == "q1_yes" { $2 = $2 - 1 } $1 == "q1_no" { $2 = $2 + 1 } { print $1 ": " $2 }' \
    s/district-AST-D1-v1.txt >bad/stale.txt
reject "an older version now" bad/stale.txt com/d-AST-D1.key stale stale "older than version 2"
mksummary bad/conflict.txt district KAR-D2 1 KAR-0002:1
reject "the same version, other bytes" bad/conflict.txt com/d-KAR-D2.key conflict conflict \
    "neither is the area's summary until a higher version arrives"
expect_eq "... KAR-D2 has no current summary" "conflicted" \
    "$(q ws/dauys.db "SELECT group_concat(state) FROM summary WHERE area = 'KAR-D2'")"
expect_eq "the protocols are untouched by all of it" "6|6" \
    "$(q ws/dauys.db "SELECT count(*), sum(state = 'current') FROM protocol")"

# --- the log --------------------------------------------------------------------
section "the log"
expect_eq "one log entry per submission, in order" \
    "$(q ws/dauys.db "SELECT count(*) FROM submission")" \
    "$(q ws/dauys.db "SELECT count(*) - 1 FROM log_entry")"
expect_eq "every summary submission's entry names its area" "" \
    "$(q ws/dauys.db "SELECT s.seq FROM submission s JOIN log_entry l ON l.idx = s.log_index
        WHERE s.level IS NOT NULL AND instr(l.entry, 'summary: ' || s.level || ' ' || s.area || char(10)) = 0")"

# --- the server -----------------------------------------------------------------
section "the server's intake gate"

expect_ok "a second workspace for the server" "workspace created" \
    "$DAUYS" init -w wsv --manifest manifest.txt --central-key central.pub
serve_start wsv central.key
URL=$SERVE_URL
expect_ok "submit: the protocols" "accepted" "$DAUYS" submit --server "$URL" -q p/*.txt
OUT=$(curl -s -F protocol=@s/district-KAR-D1-v1.txt -F signature=@s/district-KAR-D1-v1.txt.minisig \
    "$URL/v1/protocols" 2>&1)
check "a signed summary through the server: accepted, its summary named" matches "$OUT" \
    '*"outcome": "accepted", "precinct": null, "summary": {"level": "district", "area": "KAR-D1"}, "version": 1*'
before=$(q wsv/dauys.db "SELECT count(*) FROM log_entry")
OUT=$(curl -s -w ' %{http_code}' -F protocol=@bad/precinct-key.txt \
    -F signature=@bad/precinct-key.txt.minisig "$URL/v1/protocols")
check "a summary signed by a precinct's key: refused at the gate (422)" matches "$OUT" \
    '*"outcome": "refused", "reason_code": "signature"*district commission of AST-D1* 422'
for f in bad/region-by-district.txt bad/no-commission.txt bad/unsigned.txt; do
    OUT=$(curl -s -o /dev/null -w '%{http_code}' -F protocol=@$f "$URL/v1/protocols")
    expect_eq "$f (without its signature): refused (422)" 422 "$OUT"
done
expect_eq "... and nothing recorded" "$before" "$(q wsv/dauys.db "SELECT count(*) FROM log_entry")"
serve_stop
expect_eq "the server stops cleanly" 0 "$SERVE_RC"

summary
