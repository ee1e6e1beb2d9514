#!/usr/bin/env bash
# Installs every Debian 12 package dauys needs to build, test and demo: every
# command that scripts/*.sh and tests/cli/*.sh call comes from one of these or
# from a package every Debian system has (Priority: required), which
# tests/cli/setup_cli.sh checks.
# Idempotent and non-interactive: packages already present are skipped, and
# apt is only touched when something is missing.
set -euo pipefail

packages=(
  build-essential cmake pkg-config clang libclang-rt-14-dev
  libsodium-dev libssl-dev libsqlite3-dev libcmocka-dev
  sqlite3 minisign python3 util-linux
  xxd                       # tests/cli/ingest_cli.sh (its own package since Debian 12)
  git debootstrap           # scripts/fresh-machine.sh: a fresh Debian 12 root from a clone
  valgrind                  # scripts/valgrind.sh: memcheck over the end-to-end tests
  chromium fonts-dejavu-core  # tests/cli/report_cli.sh renders the HTML report headless
  clang-format              # the quick tier checks the tree's format (.clang-format)
  scdoc                     # the man pages (man/*.scd) for cmake --install and the .deb
  file                      # cpack -G DEB: its dependencies from dpkg-shlibdeps need file
  lcov                      # scripts/coverage.sh: line coverage per test tier
  libmicrohttpd-dev         # dauys serve (serve/): the HTTP server
  libcurl4-openssl-dev      # dauys submit, dauys-audit follow (net/): the HTTP clients
  curl                      # tests/cli/serve_*.sh submit with stock curl -F
  nginx-light openssl       # tests/cli/nginx_cli.sh: the tiles and /v1/ behind nginx, with TLS
  python3-nacl              # independent checks of signatures and tiles in the tests
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

echo "setup: installing ${missing[*]} (apt-get; a few minutes on a fresh machine)" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 2; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
