#!/usr/bin/env bash
# The main job (README command 1): installs what is missing, builds dauys, and
# walks through what exists today:
#   1. the central commission's key pair (scrypt-encrypted, minisign's format);
#   2. key pairs for ~10,400 precinct commissions, shaped like Kazakhstan's
#      20 regions (../shared/data/kz-regions/regions.csv), timed;
#   3. a precinct signs its protocol; dauys and stock minisign both verify it;
#   4. a count is altered after signing: dauys and minisign both reject it;
#   5. dauys-audit checks a batch of signed files and names every bad one;
#   6. the centre signs a manifest (the roster), creates a workspace, ingests
#      protocols from 400 precincts with planted trouble (an altered count, a
#      duplicate, a correction, a replay, a broken relation), shows the
#      status and the provisional tally under the constitution's rules,
#      signs a checkpoint of the log, prints a proof, and publishes the
#      signed result and the evidence bundle (verified with stock minisign);
#   7. dauys-audit verifies the bundle from its signed files alone (the demo
#      fails unless every check passes), and an observer checks offline that
#      their precinct's protocol was counted unchanged.
# Everything is written under demo-out/ (or $DAUYS_DEMO_DIR), made afresh.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh release

bin=$PWD/build/release
dauys=$bin/tally/dauys
audit=$bin/audit/dauys-audit
out=${DAUYS_DEMO_DIR:-$PWD/demo-out}
regions=../shared/data/kz-regions/regions.csv
precincts=${DAUYS_DEMO_PRECINCTS:-10388}

rm -rf "$out"
mkdir -p "$out/keys" "$out/protocols"
step() { printf '\n== %s\n' "$*"; }

step "1. Central commission key pair (encrypted: scrypt at minisign's cost, ~2-4 s)"
# A real commission types its password at the prompt; the demo supplies one.
DAUYS_PASSWORD="demo central password" "$dauys" keygen -o "$out/keys/central"

step "2. Precinct commission key pairs: $precincts precincts over Kazakhstan's 20 regions"
if [ -r "$regions" ]; then
  # Precincts per region in proportion to population, rounded so that the
  # counts add up exactly (cumulative rounding): AST-0001 ...
  awk -F, -v total_precincts="$precincts" '
    NR > 1 { code[NR] = $1; pop[NR] = $5; sum += $5; n = NR }
    END {
      done = 0; acc = 0
      for (i = 2; i <= n; i++) {
        acc += pop[i]
        upto = int(acc * total_precincts / sum + 0.5)
        for (j = 1; j <= upto - done; j++) printf "%s-%04d\n", code[i], j
        done = upto
      }
    }' "$regions" > "$out/precincts.txt"
else
  echo "($regions not found: numbering precincts without regions)"
  seq -f "P-%05g" 1 "$precincts" > "$out/precincts.txt"
fi
echo "$(wc -l < "$out/precincts.txt") precinct ids in $out/precincts.txt, e.g. $(head -n 1 "$out/precincts.txt")"
"$dauys" keygen --unencrypted --precincts "$out/precincts.txt" -d "$out/keys/precincts"

step "3. Precinct AST-0001 signs its protocol"
p=$out/protocols/AST-0001.txt
cat > "$p" <<'PROTOCOL'
referendum: kz-2026-demo
precinct: AST-0001
version: 1
citizens_on_list: 1480
ballots_received: 1500
ballots_issued: 1123
ballots_cancelled: 377
ballots_in_boxes: 1121
q1_yes: 902
q1_no: 187
q1_not_counted: 9
q1_invalid: 23
PROTOCOL
SOURCE_DATE_EPOCH=1773532800 "$dauys" sign "$p" -k "$out/keys/precincts/AST-0001.key"
cat "$p.minisig"

step "4. The centre verifies it with dauys, an observer with stock minisign"
"$dauys" verify "$p" -p "$out/keys/precincts/AST-0001.pub"
minisign -Vm "$p" -p "$out/keys/precincts/AST-0001.pub"

step "5. Someone changes 'q1_yes: 902' to 'q1_yes: 992' after signing"
t=$out/protocols/AST-0001-tampered.txt
sed 's/^q1_yes: 902$/q1_yes: 992/' "$p" > "$t"
cp "$p.minisig" "$t.minisig"
set +e
"$dauys" verify "$t" -p "$out/keys/precincts/AST-0001.pub"; rc=$?
minisign -Vm "$t" -p "$out/keys/precincts/AST-0001.pub" >/dev/null 2>&1; mrc=$?
set -e
echo "dauys verify exit status: $rc (1 = bad signature); minisign: $mrc"
[ "$rc" -eq 1 ] && [ "$mrc" -ne 0 ] || { echo "demo: tampering was NOT detected" >&2; exit 1; }

step "6. dauys-audit checks every protocol file against the key, listing each bad one"
set +e
"$audit" verify-signatures -p "$out/keys/precincts/AST-0001.pub" "$p" "$t"; arc=$?
set -e
[ "$arc" -eq 1 ] || { echo "demo: the audit should have reported one discrepancy" >&2; exit 1; }

step "7. The central commission writes the manifest (the roster) and signs it"
# Regions from regions.csv; a district per 60 precincts; each precinct with its
# public key (the second line of its .pub file) and voters on the list.
awk -v seed=2026 '
  BEGIN { srand(seed); FS = "," }
  FILENAME ~ /regions.csv$/ { if (FNR > 1) { kind = ($4 ~ /oblast/) ? "oblast" : "city"; rname[$1] = $3; rkind[$1] = kind; order[++nr] = $1 } next }
  FNR == 2 { split(FILENAME, parts, "/"); id = parts[length(parts)]; sub(/[.]pub$/, "", id); key[id] = $0; ids[++n] = id }
  END {
    print "format: dauys-manifest 1"; print "referendum: kz-2026-demo"
    print "title: Mock republican referendum on the Constitution (demo)"
    print "date: 2026-03-15"; print "mode: test"; print "version: 1"; print "ballot: single"
    print "question: q1 kz-constitutional Do you accept the new Constitution of the Republic of Kazakhstan?"
    for (i = 1; i <= nr; i++) printf "region: %s %s %s\n", order[i], rkind[order[i]], rname[order[i]]
    for (i = 1; i <= n; i++) { split(ids[i], a, "-"); d = sprintf("%s-%02d", a[1], int((a[2] - 1) / 60) + 1); if (!(d in seen)) { seen[d] = 1; printf "district: %s %s District %s\n", d, a[1], d } }
    for (i = 1; i <= n; i++) { split(ids[i], a, "-"); d = sprintf("%s-%02d", a[1], int((a[2] - 1) / 60) + 1); printf "precinct: %s %s %d %s Polling station %s\n", ids[i], d, 600 + int(rand() * 1800), key[ids[i]], ids[i] }
  }' FS=, "$regions" FS=' ' $(sed "s|.*|$out/keys/precincts/&.pub|" "$out/precincts.txt") > "$out/manifest.txt"
echo "$(grep -c '^precinct: ' "$out/manifest.txt") precincts, $(grep -c '^district: ' "$out/manifest.txt") districts, $(grep -c '^region: ' "$out/manifest.txt") regions"
DAUYS_PASSWORD="demo central password" "$dauys" sign "$out/manifest.txt" -k "$out/keys/central.key" >/dev/null

step "8. A workspace: the manifest's signature is checked, the roster stored, the log begun"
"$dauys" init -w "$out/workspace" --manifest "$out/manifest.txt" --central-key "$out/keys/central.pub"

step "9. Protocols arrive from ${DAUYS_DEMO_SAMPLE:-400} precincts, with every kind of trouble"
in=$out/incoming
late=$out/later # what arrives later in the night, ingested after incoming/
mkdir -p "$in" "$late"
# Counts for each protocol, from the manifest's voters: a few added on the day,
# turnout 60-85 %, yes 70-85 % of those who took part.
awk -v seed=15 -v sample="${DAUYS_DEMO_SAMPLE:-400}" -v total="$precincts" '
  BEGIN { srand(seed); step = int(total / sample); if (step < 1) step = 1 }
  /^precinct: / && (k++ % step) == 0 && n < sample { n++
    list = $4 + int(rand() * 5); issued = int(list * (0.60 + rand() * 0.25)); box = issued - int(rand() * 3)
    yes = int(box * (0.70 + rand() * 0.15)); nc = int(rand() * 5); inv = int(rand() * 10)
    printf "%s %d %d %d %d %d %d %d %d %d\n", $2, list, issued + 100, issued, 100, box, yes, box - yes - nc - inv, nc, inv }' \
  "$out/manifest.txt" |
while read -r id list rec iss can box yes no nc inv; do
  printf 'format: dauys-protocol 1\nreferendum: kz-2026-demo\nprecinct: %s\nversion: 1\ncitizens_on_list: %s\nballots_received: %s\nballots_issued: %s\nballots_cancelled: %s\nballots_in_boxes: %s\nq1_yes: %s\nq1_no: %s\nq1_not_counted: %s\nq1_invalid: %s\n' \
    "$id" "$list" "$rec" "$iss" "$can" "$box" "$yes" "$no" "$nc" "$inv" > "$in/$id.txt"
  "$dauys" sign "$in/$id.txt" -k "$out/keys/precincts/$id.key" >/dev/null
done
first=$(ls "$in" | grep -v minisig | sed -n 1p | sed 's/[.]txt$//')
second=$(ls "$in" | grep -v minisig | sed -n 2p | sed 's/[.]txt$//')
third=$(ls "$in" | grep -v minisig | sed -n 3p | sed 's/[.]txt$//')
# a count altered after signing
sed 's/^q1_no: /q1_no: 1/' "$in/$first.txt" > "$late/$first-altered.txt"
cp "$in/$first.txt.minisig" "$late/$first-altered.txt.minisig"
# the same protocol twice
cp "$in/$second.txt" "$late/$second-copy.txt"; cp "$in/$second.txt.minisig" "$late/$second-copy.txt.minisig"
# a correction: version 2 with a reason
sed 's/^version: 1$/version: 2\nreason: recount of the invalid ballots/' "$in/$third.txt" > "$late/$third-v2.txt"
"$dauys" sign "$late/$third-v2.txt" -k "$out/keys/precincts/$third.key" >/dev/null
# replayed from another referendum
sed 's/^referendum: kz-2026-demo$/referendum: kz-2022/' "$in/$second.txt" > "$late/$second-2022.txt"
"$dauys" sign "$late/$second-2022.txt" -k "$out/keys/precincts/$second.key" >/dev/null
# a broken relation: one more yes than ballots in the boxes allow (version 3)
awk -F': ' -v OFS=': ' '/^q1_yes: / { $2 = $2 + 1 } /^version: / { $2 = 3; print; print "reason: typo"; next } { print }' \
  "$in/$third.txt" > "$late/$third-v3-R4.txt"
"$dauys" sign "$late/$third-v3-R4.txt" -k "$out/keys/precincts/$third.key" >/dev/null
set +e
"$dauys" ingest -w "$out/workspace" "$in" "$late" | tee "$out/ingest-summary.txt"; irc=${PIPESTATUS[0]}
set -e
echo "dauys ingest exit status: $irc (1: something was rejected, as planted)"
sample=${DAUYS_DEMO_SAMPLE:-400}
want="$sample accepted, 1 corrections, 2 rejected, 1 replays, 0 conflicts, 0 stale, 1 duplicates"
if [ "$irc" -ne 1 ] || ! grep -q "$want" "$out/ingest-summary.txt"; then
  echo "demo: expected \"$want\" and exit status 1" >&2
  exit 1
fi

step "10. Where things stand (PROVISIONAL until every precinct has reported)"
"$dauys" status -w "$out/workspace"

step "11. The tally so far: the constitution's rules on the protocols that count"
"$dauys" tally -w "$out/workspace" | tail -n 6
"$dauys" tally -w "$out/workspace" --csv > "$out/tally.csv"
"$dauys" tally -w "$out/workspace" --json > "$out/tally.json"
echo "(per region and district: $out/tally.csv, $out/tally.json)"

step "12. The log, checkpointed and signed by the central key; a proof for precinct $second"
DAUYS_PASSWORD="demo central password" "$dauys" checkpoint -w "$out/workspace" -k "$out/keys/central.key"
"$dauys" proof -w "$out/workspace" --precinct "$second" | head -n 5

step "13. The provisional result is published: signed, logged, and bundled for auditors"
DAUYS_PASSWORD="demo central password" "$dauys" publish -w "$out/workspace" -k "$out/keys/central.key" "$out/bundle"
minisign -Vm "$out/bundle/result.txt" -p "$out/bundle/central.pub"
grep -E '^(status|valid|adopted): ' "$out/bundle/result.txt"

step "14. The independent audit re-derives everything from the bundle (exit 0: all checks pass)"
"$audit" verify -p "$out/keys/central.pub" "$out/bundle"

step "15. An observer of precinct $first checks their own copy was counted unchanged"
"$audit" prove "$out/bundle" "$first" > "$out/receipt-$first.txt"
"$audit" check -p "$out/keys/central.pub" "$in/$first.txt" "$out/receipt-$first.txt" "$out/bundle/checkpoint"

step "Done. Everything is in $out/ (workspace: $out/workspace, usable with -w; bundle: $out/bundle)"
