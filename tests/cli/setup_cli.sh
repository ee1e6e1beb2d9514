#!/usr/bin/env bash
# setup_cli.sh: what a fresh machine needs (issue 15, items 16 and 17).
#
#   usage: bash tests/cli/setup_cli.sh /path/to/dauys /path/to/dauys-audit
#
# 1. Every external command that scripts/*.sh and tests/cli/*.sh run (found
#    by tests/tools/command_words.py: command words, wrapped commands, tools
#    checked with `command -v`, variables' defaults) is a shell builtin or
#    comes, by `dpkg -S`, from a package that scripts/setup.sh installs (one
#    of its list or their dependencies) or that every Debian system has
#    (Priority: required, which `debootstrap --variant=minbase` installs).
#    A command word that is no command on this machine fails too: either a
#    tool setup.sh does not install, or a word the scan should not list.
# 2. scripts/demo.sh says on stderr what each stage does before it does it
#    (packages, the build and where its programs are, the demo): run in a copy
#    of the tree whose setup.sh, build.sh, dauys and minisign only record that
#    they ran.
# 3. README.md says where the programs are after the build (and the build's
#    layout is the one it says).
# 4. tests/cli/diskfull_cli.sh where no mount namespace can be made (a chroot,
#    an unprivileged container: unshare fails with "Operation not
#    permitted", played by a stub unshare first on PATH): it says so, runs
#    the full-file-system cases under a file-size limit instead, and passes.
#
# Needs bash, coreutils, dpkg, python3. Prints every failing check, ends with
# "N passed, M failed", exits 1 if M > 0.
set -u

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 2

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cli_args "$@"
for tool in python3 dpkg dpkg-query setsid; do
    command -v "$tool" >/dev/null 2>&1 || { echo "$0: $tool is needed" >&2; exit 2; }
done
cli_workdir setup
run() { run_split "$@"; }

section "the external commands of scripts/*.sh and tests/cli/*.sh"

# setup.sh's packages: the words of its packages=( ... ) list.
SETUP_PACKAGES=$(sed -n '/^packages=(/,/^)/p' "$SRC/scripts/setup.sh" | sed 's/#.*//; s/packages=(//; s/)//' |
    tr -s ' \t' '\n' | sed '/^$/d' | sort -u)
check "scripts/setup.sh lists its packages in packages=( ... )" test -n "$SETUP_PACKAGES"

# What setup.sh's packages bring: them and everything they depend on
# (Depends, Pre-Depends, recursively, as installed here; an alternative
# counts if installed), one name a line.
PROVIDED=$(python3 - "$SETUP_PACKAGES" <<'PY'
import re, sys
status = open("/var/lib/dpkg/status", encoding="utf-8", errors="replace").read()
deps, provides = {}, {}
for para in status.split("\n\n"):
    fields = dict(re.findall(r"^([A-Za-z-]+): ?(.*(?:\n .*)*)", para, re.M))
    if "install ok installed" not in fields.get("Status", ""):
        continue
    name = fields["Package"]
    names = []
    for f in ("Depends", "Pre-Depends"):
        for alt in fields.get(f, "").split(","):
            names += [re.sub(r"[\s(:].*", "", a.strip()) for a in alt.split("|") if a.strip()]
    deps[name] = names
    for p in fields.get("Provides", "").split(","):
        if p.strip():
            provides.setdefault(re.sub(r"[\s(].*", "", p.strip()), []).append(name)
todo, seen = sys.argv[1].split(), set()
while todo:
    p = todo.pop()
    for q in [p] + provides.get(p, []):
        if q not in seen and q in deps:
            seen.add(q)
            todo += deps[q]
print("\n".join(sorted(seen)))
PY
)

# Commands are looked up on the system's PATH (not this user's: a pyenv
# shim or /usr/local is not what a fresh machine has).
SYSTEM_PATH=/usr/sbin:/usr/bin:/sbin:/bin
# Commands that no package of setup.sh can provide, and why.
declare -A NOT_INSTALLED=(
    [sudo]="setup.sh uses it only when not run as root, to install, and says so if it is missing"
)

# candidates PATH: the names dpkg may know the file PATH by (merged /usr:
# /usr/bin/x is /bin/x in some packages' lists; a link's target).
candidates() {
    printf '%s\n' "$1" "$(readlink -f "$1")" "${1/#\/usr\/bin//bin}" "${1/#\/usr\/sbin//sbin}" \
        "${1/#\/bin//usr/bin}" "${1/#\/sbin//usr/sbin}" | sort -u
}

WORDS=$(cd "$SRC" && python3 tests/tools/command_words.py scripts/*.sh tests/cli/*.sh)
check "the scan finds command words (xxd among them)" grep -q '^xxd ' <<<"$WORDS"
NAMES=$(awk '{ print $1 }' <<<"$WORDS" | sort -u)
declare -A PATH_OF OWNER
for name in $NAMES; do
    case $(type -t "$name") in
    builtin | keyword) continue ;;
    esac
    PATH_OF[$name]=$(PATH=$SYSTEM_PATH type -P "$name") || PATH_OF[$name]=''
done
# One dpkg -S for every file (it is slow to start): "package: file" lines.
mapfile -t FILES < <(for name in "${!PATH_OF[@]}"; do
    [ -n "${PATH_OF[$name]}" ] && candidates "${PATH_OF[$name]}"
done | sort -u)
while IFS= read -r line; do
    OWNER[${line#*: }]=${line%%: *}
done < <(dpkg -S "${FILES[@]}" 2>/dev/null | grep -v '^diversion' | grep -v ', ')

checked=0
for name in $(printf '%s\n' "${!PATH_OF[@]}" | sort); do
    where=$(awk -v n="$name" '$1 == n { print $2 }' <<<"$WORDS" | head -n 3 | tr '\n' ' ')
    path=${PATH_OF[$name]}
    if [ -n "${NOT_INSTALLED[$name]:-}" ]; then
        echo "# $name (run at $where) is not installed by setup.sh: ${NOT_INSTALLED[$name]}"
        continue
    fi
    if [ -z "$path" ]; then
        fail_value "$name is a command" "$name (run at $where) is no command on this machine ($SYSTEM_PATH): scripts/setup.sh must install it (or the scan mistook a word for a command)"
        continue
    fi
    pkg=''
    for cand in $(candidates "$path"); do
        [ -n "${OWNER[$cand]:-}" ] && { pkg=${OWNER[$cand]%%:*}; break; }
    done
    if [ -z "$pkg" ]; then
        fail_value "$name comes from a Debian package" "$path (run at $where) belongs to no Debian package"
        continue
    fi
    checked=$((checked + 1))
    if grep -qx -- "$pkg" <<<"$PROVIDED"; then
        pass
    elif [ "$(dpkg-query -W -f='${Priority}' "$pkg" 2>/dev/null)" = required ]; then
        pass
    else
        fail_value "$name: its package $pkg is installed by scripts/setup.sh" \
            "$name (run at $where) is in package $pkg, which is neither in scripts/setup.sh's list (nor a dependency of it) nor on every Debian system (Priority: required)"
    fi
done
echo "# $checked external commands, each from a package setup.sh installs or every system has"
check "the scan checked the usual tools (at least 40 commands)" test "$checked" -ge 40

section "scripts/demo.sh says what each stage does"
# A copy of the scripts in a tree whose helpers only record that they ran.
mkdir -p tree/scripts tree/build/release/bin stubs
cp "$SRC/scripts/demo.sh" tree/scripts/
cat >tree/scripts/setup.sh <<'EOF'
#!/usr/bin/env bash
echo "STUB setup.sh ran" >&2
EOF
cat >tree/scripts/build.sh <<'EOF'
#!/usr/bin/env bash
echo "STUB build.sh $* ran" >&2
EOF
cat >tree/build/release/bin/dauys <<'EOF'
#!/usr/bin/env bash
echo "STUB dauys $1 ran" >&2
out=$3
mkdir -p "$out/bundle" "$out/keys/precincts" "$out/incoming"
EOF
cat >stubs/minisign <<'EOF'
#!/usr/bin/env bash
echo "STUB minisign ran" >&2
EOF
chmod +x tree/scripts/*.sh tree/build/release/bin/dauys stubs/minisign
run env PATH="$WORK/stubs:$PATH" DAUYS_DEMO_DIR="$WORK/demo-out" bash tree/scripts/demo.sh
expect_eq "the demo with stub helpers exits 0" 0 "$RC"
# The stage lines, each before what it announces, in this order.
expect_stderr "it says it checks the packages, then runs setup.sh" \
    "demo.sh: *packages*STUB setup.sh ran"
expect_stderr "it says it builds (how long, where), then builds" \
    "STUB setup.sh ran*demo.sh: building $WORK/tree/build/release*minutes*STUB build.sh release ran"
expect_stderr "it names the programs after the build" \
    "STUB build.sh release ran*$WORK/tree/build/release/bin/dauys*$WORK/tree/build/release/bin/dauys-audit"
expect_stderr "it says it runs the demo, then runs it" \
    "STUB build.sh release ran*demo.sh: running the demo*STUB dauys demo ran"

section "the README says where the programs are after the build"
README=$(cat "$SRC/README.md")
for prog in build/release/bin/dauys build/release/bin/dauys-audit; do
    check "README.md names $prog" matches "$README" "$prog"
done
# The builds share one layout: the programs under test are at the same places
# (or, under scripts/valgrind.sh, its wrappers side by side in one directory).
build_layout() {
    if [ -n "${VALGRIND_LOG_DIR:-}" ]; then
        [ "$(dirname "$DAUYS")" = "$(dirname "$AUDIT")" ]
    else
        [ "${DAUYS%/bin/dauys}" = "${AUDIT%/bin/dauys-audit}" ] && [ "${DAUYS%/bin/dauys}" != "$DAUYS" ]
    fi
}
check "the programs under test are at BUILD/bin/dauys and BUILD/bin/dauys-audit" build_layout

section "diskfull_cli.sh without a mount namespace (unshare refused)"
mkdir nons
cat >nons/unshare <<'EOF'
#!/bin/sh
echo "unshare: unshare failed: Operation not permitted" >&2
exit 1
EOF
chmod +x nons/unshare
run env PATH="$WORK/nons:$PATH" bash "$SRC/tests/cli/diskfull_cli.sh" "$DAUYS" "$AUDIT"
expect_eq "diskfull_cli.sh passes with its fallback (exit 0)" 0 "$RC"
expect_stderr "it says why it has no tmpfs, with unshare's reason" \
    "cannot make a private mount namespace*Operation not permitted*file-size limit (RLIMIT_FSIZE) instead"
expect_stdout "its output says the full file system was replaced" \
    "NO full file system*file-size limit (RLIMIT_FSIZE) instead"
expect_stdout "the fallback's checks ran and passed" "*passed, 0 failed"
expect_no_stderr "the stub was the unshare it tried" "unshare: command not found"
summary
