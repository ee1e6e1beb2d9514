#!/usr/bin/env bash
# Configures and builds dauys into build/NAME.
#   scripts/build.sh release   optimised build with gcc (the demo uses it)
#   scripts/build.sh gcc       RelWithDebInfo, gcc
#   scripts/build.sh asan      clang, AddressSanitizer + UndefinedBehaviorSanitizer
#   scripts/build.sh fuzz      clang, the libFuzzer targets of fuzz/ (scripts/fuzz.sh)
# Installs missing Debian packages first (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

name=${1:-release}
case "$name" in
  release) args=(-DCMAKE_C_COMPILER=gcc -DCMAKE_BUILD_TYPE=Release) ;;
  gcc)     args=(-DCMAKE_C_COMPILER=gcc -DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
  asan)    args=(-DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug -DDAUYS_SANITIZE=ON) ;;
  fuzz)    args=(-DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDAUYS_FUZZ=ON) ;;
  *) echo "build.sh: unknown build '$name' (release, gcc, asan, fuzz)" >&2; exit 2 ;;
esac
cmake -S . -B "build/$name" "${args[@]}" >/dev/null
cmake --build "build/$name" -j "$(nproc)" >/dev/null
