#!/usr/bin/env bash
# Checks that every tracked .c and .h file is formatted as the repository's
# .clang-format says (clang-format 14, Debian 12's, which scripts/setup.sh
# installs): `clang-format --dry-run -Werror` on each. Fails naming every file
# that is not, each with the start of the change clang-format would make.
#
#   scripts/check-format.sh         check (the quick tier's ctest test "format")
#   scripts/check-format.sh --fix   format those files in place
#
# The files are git's tracked .c and .h files; outside a git checkout, every
# .c and .h file but those under build/. Exits 0 if all are formatted, 1 if
# some are not, 2 if it could not run.
set -euo pipefail
cd "$(dirname "$0")/.."

fix=0
case "${1:-}" in
    "") ;;
    --fix) fix=1 ;;
    *) echo "check-format.sh: unknown argument '$1' (--fix or nothing)" >&2; exit 2 ;;
esac
command -v clang-format >/dev/null ||
    { echo "check-format.sh: clang-format is not installed (scripts/setup.sh installs it)" >&2; exit 2; }
[ -f .clang-format ] || { echo "check-format.sh: no .clang-format in $PWD" >&2; exit 2; }

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    mapfile -t files < <(git ls-files -- '*.c' '*.h')
else
    mapfile -t files < <(find . -path ./build -prune -o -type f \( -name '*.c' -o -name '*.h' \) -print |
        sed 's|^\./||' | sort)
fi
[ "${#files[@]}" -gt 0 ] || { echo "check-format.sh: no .c or .h file found" >&2; exit 2; }

# One clang-format for all (one per file is slow on a loaded machine); it names
# each file it would change in "FILE:LINE:COL: error: code should be
# clang-formatted".
report=$(clang-format --style=file --dry-run -Werror "${files[@]}" 2>&1 >/dev/null) && status=0 || status=$?
mapfile -t bad < <(sed -n 's/^\(.*\):[0-9]*:[0-9]*: error: code should be clang-formatted.*/\1/p' <<<"$report" | sort -u)
if [ "$status" -ne 0 ] && [ "${#bad[@]}" -eq 0 ]; then
    echo "check-format.sh: clang-format failed:" >&2
    echo "$report" | head -n 20 >&2
    exit 2
fi
if [ "${#bad[@]}" -eq 0 ]; then
    echo "check-format.sh: all ${#files[@]} .c and .h files are formatted ($(clang-format --version))"
    exit 0
fi
if [ "$fix" -eq 1 ]; then
    clang-format --style=file -i "${bad[@]}"
    printf 'check-format.sh: formatted %s\n' "${bad[@]}"
    exit 0
fi
for f in "${bad[@]}"; do
    echo "-- $f: not formatted; clang-format would change:"
    clang-format --style=file "$f" | diff -u "$f" - | sed -n '3,22p' || true
done
echo "check-format.sh: ${#bad[@]} of ${#files[@]} files not formatted ($(clang-format --version)):" >&2
printf '  %s\n' "${bad[@]}" >&2
echo "check-format.sh: scripts/check-format.sh --fix formats them" >&2
exit 1
