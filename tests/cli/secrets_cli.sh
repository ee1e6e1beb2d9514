#!/usr/bin/env bash
# secrets_cli.sh: no secret key in a core dump, and no secret key file that
# others can read (issue 7, "Bad input and hostile strings").
#
#   usage: bash tests/cli/secrets_cli.sh /path/to/dauys /path/to/dauys-audit
#
# Every command that holds a secret key (keygen, sign, checkpoint, publish,
# demo and import-csv, which make keys) is started on a pseudo-terminal
# with its core-file limit raised as far as it goes, caught at the moment it
# holds the secret (asking for the key's password: the encrypted key file has
# been read; or, for the commands that make keys, once it has started
# printing), and killed with SIGSEGV (tests/tools/coredump_probe.py). It must
# have set its own core-file limit to 0 and must leave no core file. A
# control, a plain `sleep` killed the same way, must leave one: that proves
# the probe would see a dump. The same commands refuse a secret key file that
# group or others may read, or that is a symbolic link.
#
# Needs bash, coreutils, util-linux (setsid), python3, and a core_pattern
# that writes a file (Debian's default, "core"): with a pipe to a crash
# collector no core file can be looked for, and the test says so and fails.
set -u

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 2

cli_args "$@"
PROBE=$(abspath "$(dirname "${BASH_SOURCE[0]}")/../tools/coredump_probe.py")
CSV=$(abspath "$(dirname "${BASH_SOURCE[0]}")/../data/it-2026/municipalities.csv")
for tool in python3 setsid; do
    command -v "$tool" >/dev/null 2>&1 || { echo "$0: $tool is needed" >&2; exit 2; }
done
cli_workdir secrets
run() { run_split "$@"; }

case $(cat /proc/sys/kernel/core_pattern) in
'|'*)
    echo "$0: kernel.core_pattern pipes core dumps to $(cat /proc/sys/kernel/core_pattern);" \
        "this test needs a file pattern (e.g. core) to look for them" >&2
    exit 2
    ;;
esac

section "fixtures: an encrypted key, a small workspace"
export DAUYS_PASSWORD='probe password'
expect_ok "an encrypted key pair" "" "$DAUYS" keygen --kdf interactive -o "$WORK/enc"
unset DAUYS_PASSWORD
expect_ok "a small mock referendum's inputs" "" \
    "$DAUYS" demo --precincts 20 --files-only --out "$WORK/in"
expect_ok "its workspace" "" "$DAUYS" init -w "$WORK/ws" --manifest "$WORK/in/manifest.txt" \
    --central-key "$WORK/in/keys/central.pub"
echo 'a file to sign' >"$WORK/file"
printf 'ABA-0001\nABA-0002\n' >"$WORK/ids"

# probe NAME MODE WANT CMD...: runs the probe on CMD in a new empty directory;
# its report must match WANT.
probe() {
    local name=$1 mode=$2 want=$3 dir
    shift 3
    dir=$WORK/cores/$(printf '%s' "$name" | tr -c 'a-z0-9' _)
    mkdir -p "$dir"
    expect_exit "$name" 0 "$want" python3 "$PROBE" "$mode" "$dir" "$@"
}

section "the control: a process that may dump does"
probe "a plain sleep killed by SIGSEGV leaves a core file" line "signal=11 dumped=1 files=1" \
    bash -c 'echo ready; exec sleep 60'

section "no core dump while a secret is held"
# Under AddressSanitizer the sanitizer catches the SIGSEGV and aborts (signal
# 6), and forbids core dumps itself: that build proves less; the gcc build is
# where this section bites.
signal=11
grep -q AddressSanitizer "$DAUYS" && signal=6
NONE="limit=0 signal=$signal dumped=0 files=0"
probe "sign, asking for the key's password" prompt "$NONE" \
    "$DAUYS" sign "$WORK/file" -k "$WORK/enc.key"
probe "checkpoint, asking for the key's password" prompt "$NONE" \
    "$DAUYS" checkpoint -w "$WORK/ws" -k "$WORK/enc.key"
probe "publish, asking for the key's password" prompt "$NONE" \
    "$DAUYS" publish -w "$WORK/ws" -k "$WORK/enc.key" "$WORK/bundle"
probe "keygen -o, asking for the new key's password" prompt "$NONE" \
    "$DAUYS" keygen --kdf interactive -o "$WORK/new"
probe "keygen --precincts, asking for the new keys' password" prompt "$NONE" \
    "$DAUYS" keygen --precincts "$WORK/ids" -d "$WORK/newkeys"
probe "demo, making its keys" line "$NONE" \
    "$DAUYS" demo --precincts 20000 --files-only --out "$WORK/bigdemo"
probe "import-csv, making every precinct's key" line "$NONE" \
    "$DAUYS" import-csv --preset it-eligendo "$CSV" -o "$WORK/imported"
check "no key was written by the killed keygen" absent "$WORK/new.key" "$WORK/newkeys/ABA-0001.key"

section "secret key files others may read are refused"
cp "$WORK/in/keys/central.key" "$WORK/open.key"
for mode in 640 604 644 660; do
    chmod "$mode" "$WORK/open.key"
    expect_exit "checkpoint refuses a central key of mode $mode" 2 "*chmod 600" \
        "$DAUYS" checkpoint -w "$WORK/ws" -k "$WORK/open.key"
    expect_exit "publish refuses a central key of mode $mode" 2 "*chmod 600" \
        "$DAUYS" publish -w "$WORK/ws" -k "$WORK/open.key" "$WORK/bundle-$mode"
    check "... and publishes nothing" absent "$WORK/bundle-$mode/result.txt"
done
chmod 600 "$WORK/open.key"
ln -s "$WORK/open.key" "$WORK/link.key"
expect_exit "checkpoint refuses a central key behind a symbolic link" 2 "*symbolic link" \
    "$DAUYS" checkpoint -w "$WORK/ws" -k "$WORK/link.key"
expect_exit "publish refuses a central key behind a symbolic link" 2 "*symbolic link" \
    "$DAUYS" publish -w "$WORK/ws" -k "$WORK/link.key" "$WORK/bundle-link"
expect_eq "the workspace logged nothing from the killed or refused commands" 1 \
    "$("${SQLITE3:-sqlite3}" -batch "$WORK/ws/dauys.db" 'SELECT count(*) FROM log_entry')"
expect_ok "the same key, mode 600, signs a checkpoint" "" \
    "$DAUYS" checkpoint -w "$WORK/ws" -k "$WORK/open.key"
summary
