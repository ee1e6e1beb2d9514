#!/usr/bin/env bash
# The main job (README command 1): installs what is missing, builds dauys,
# and runs `dauys demo`: a mock referendum shaped like Kazakhstan's of
# 15 March 2026 (20 regions, 10,388 precincts, ~12.48 M citizens on the lists,
# planted trouble of every kind), through keys, the signed manifest, signed
# protocols, ingest, tally, publish and the independent audit
# (dauys-audit verify), with each step's time and peak memory. Then stock
# minisign checks the signed result and a protocol, with no dauys code.
# Everything is kept in demo-out/ (or $DAUYS_DEMO_DIR), made afresh.
# Arguments are passed to dauys demo (--precincts N, --seed S, --profile P).
# Exit 0 only if the audit passed. Each stage says on stderr what it does
# first: the first run installs packages and builds for a few minutes.
# The programs are then build/release/bin/dauys and
# build/release/bin/dauys-audit.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$PWD/build/release

stage() { printf 'demo.sh: %s\n' "$*" >&2; }

stage "checking the Debian packages (scripts/setup.sh; installing any that are missing takes a few minutes)..."
scripts/setup.sh
stage "building $bin (scripts/build.sh release; about 1-2 minutes the first time)..."
scripts/build.sh release
stage "built: $bin/bin/dauys and $bin/bin/dauys-audit"
stage "running the demo (dauys demo)..."

out=${DAUYS_DEMO_DIR:-$PWD/demo-out}
rm -rf "$out"

"$bin/bin/dauys" demo --out "$out" "$@"

printf '\n== Stock minisign, no dauys code: the signed result and one protocol\n'
minisign -Vm "$out/bundle/result.txt" -p "$out/keys/central.pub"
for first in "$out"/incoming/*.txt; do break; done # the first protocol (no pipe: pipefail)
id=$(basename "$first" .txt)
if [ -f "$out/keys/precincts/$id.pub" ]; then
  minisign -Vm "$first" -p "$out/keys/precincts/$id.pub"
fi
