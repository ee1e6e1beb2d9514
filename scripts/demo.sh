#!/usr/bin/env bash
# The main job (README command 1): installs what is missing, builds dauys, and
# walks through what exists today:
#   1. the central commission's key pair (scrypt-encrypted, minisign's format);
#   2. key pairs for ~10,400 precinct commissions, shaped like Kazakhstan's
#      20 regions (../shared/data/kz-regions/regions.csv), timed;
#   3. a precinct signs its protocol; dauys and stock minisign both verify it;
#   4. a count is altered after signing: dauys and minisign both reject it;
#   5. dauys-audit checks a batch of signed files and names every bad one.
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

step "Done. Keys, protocols and signatures are in $out/"
echo "Next issues grow this into the full pipeline: manifest, ingestion, log, tally, audit."
