#!/usr/bin/env bash
# The README's two commands on a fresh Debian 12 machine, as a reviewer runs
# them: a minimal Debian 12 root made by debootstrap (--variant=minbase
# bookworm), git installed in it, a fresh clone of this repository's HEAD
# commit (as CI checks it out), then, as root in a chroot, scripts/demo.sh and
# scripts/test.sh. Nothing of this machine's build or packages is used.
#
#   sudo scripts/fresh-machine.sh [DIR]
#
# DIR (default: a new directory under ${TMPDIR:-/var/tmp}) must not exist; the
# root is made in DIR/root and every step's log kept in DIR/logs (the
# progress, with times, also goes to stdout). /proc, /sys, /dev, /dev/pts and
# a fresh /dev/shm are mounted for the chroot and always unmounted at the end,
# whatever happened (an interrupt too); processes still running in the chroot
# then are killed first. The root is removed afterwards (its logs are kept)
# unless DAUYS_FRESH_KEEP=1. DAUYS_FRESH_MIRROR sets the Debian mirror
# (default http://deb.debian.org/debian); DAUYS_FRESH_SKIP_TESTS=1 runs only
# the demo (a quick check of the script itself).
#
# Needs root, debootstrap and git (scripts/setup.sh installs them), network
# access to the mirror, and about 6 GB of disk. test.sh inside takes about an
# hour on 2 quiet cores. In a chroot, user namespaces are refused, so
# tests/cli/diskfull_cli.sh uses its fallback (it says so in its output).
# Exits 0 only if both commands exited 0 and everything was unmounted; on a
# failure it names the step and its log.
set -euo pipefail

# The whole script is one group, read before it runs: bash reads a script as
# it goes, and this one runs for an hour, while its file may change (a
# checkout, an edit). (Shellcheck cannot follow the traps' calls in a group.)
# shellcheck disable=SC2317
{
repo=$(cd "$(dirname "$0")/.." && pwd)
mirror=${DAUYS_FRESH_MIRROR:-http://deb.debian.org/debian}

say() { printf '[%s] fresh-machine: %s\n' "$(date -u +%H:%M:%S)" "$*"; }
die() { say "FAILED: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || { echo "fresh-machine.sh: run it as root (debootstrap, chroot, mount)" >&2; exit 2; }
for tool in debootstrap git chroot mount umount findmnt; do
    command -v "$tool" >/dev/null 2>&1 ||
        { echo "fresh-machine.sh: $tool is needed (scripts/setup.sh installs it)" >&2; exit 2; }
done

if [ "$#" -ge 1 ]; then
    dir=$1
    [ ! -e "$dir" ] || { echo "fresh-machine.sh: $dir exists; give a new directory" >&2; exit 2; }
    mkdir -p "$dir"
else
    dir=$(mktemp -d "${TMPDIR:-/var/tmp}/dauys-fresh.XXXXXX")
fi
dir=$(cd "$dir" && pwd)
root=$dir/root logs=$dir/logs
mkdir "$root" "$logs"

rev=$(git -C "$repo" rev-parse HEAD)
if [ -n "$(git -C "$repo" status --porcelain --untracked-files=no)" ]; then
    say "note: $repo has uncommitted changes; they are not tested (only commit $rev is)"
fi

mounted=()   # the chroot's mounts, in the order made

# in_root PID: true if process PID runs inside the root (its / is the root).
in_root() { [ "$(readlink "/proc/$1/root" 2>/dev/null)" = "$root" ]; }

# cleanup: kills what still runs in the chroot (only processes this script
# started can be there), unmounts everything in reverse order, then removes
# the root unless asked to keep it or a mount is left. Runs on every exit.
cleanup() {
    local status=$? pid i left
    trap - EXIT INT TERM
    [ -n "$step_pid" ] && kill -TERM "$step_pid" 2>/dev/null
    for pid in /proc/[0-9]*; do
        pid=${pid#/proc/}
        in_root "$pid" && kill -KILL "$pid" 2>/dev/null
    done
    for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
        umount "${mounted[i]}" 2>/dev/null || { sleep 1; umount "${mounted[i]}"; } ||
            say "could not unmount ${mounted[i]}" >&2
    done
    left=$(findmnt -rn -o TARGET | grep -F "$root" || true)
    if [ -n "$left" ]; then
        say "FAILED: still mounted under $root: $left (not removing it)" >&2
        status=1
    elif [ "${DAUYS_FRESH_KEEP:-0}" = 1 ]; then
        say "kept the root: $root"
    else
        rm -rf --one-file-system "$root"
    fi
    say "logs: $logs (exit $status)"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# step NAME LOG CMD...: runs CMD with its output in LOGS/LOG; on failure
# names the step, shows the end of its log and exits 1. CMD runs in the
# background and is waited for, so that an interrupt is acted on at once
# (bash defers traps while a foreground command runs).
step_pid=''
step() {
    local name=$1 log=$logs/$2 start=$SECONDS
    shift 2
    say "$name ... (log: $log)"
    "$@" >"$log" 2>&1 &
    step_pid=$!
    local rc=0
    wait "$step_pid" || rc=$?
    step_pid='' # ended: its number may go to another process
    if [ "$rc" -ne 0 ]; then
        tail -n 30 "$log" | sed 's/^/  | /' >&2
        die "$name (exit $rc after $((SECONDS - start)) s; log: $log)"
    fi
    say "$name: done in $((SECONDS - start)) s"
}

# mount_into TARGET MOUNT-ARGS...: mounts at TARGET, records it for cleanup,
# and makes it private, so that nothing mounted under it (by the next
# mount_into or a test in the chroot) propagates back to this machine's tree.
mount_into() {
    local target=$1
    shift
    mkdir -p "$target"
    mount "$@" "$target"
    mounted+=("$target")
    mount --make-private "$target"
}

# in_chroot CMD: CMD run by bash as root in the chroot, with a clean
# environment as a root login would have.
in_chroot() {
    chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        bash -c "$1"
}

say "commit $rev of $repo on a fresh Debian 12 root in $root"
step "debootstrap --variant=minbase bookworm" debootstrap.log \
    debootstrap --variant=minbase bookworm "$root" "$mirror"

cp /etc/resolv.conf "$root/etc/resolv.conf"
mount_into "$root/proc" -t proc proc
mount_into "$root/sys" -t sysfs sysfs
mount_into "$root/dev" --bind /dev
mount_into "$root/dev/pts" --bind /dev/pts
mount_into "$root/dev/shm" -t tmpfs -o mode=1777 shm

step "apt-get install git (in the chroot)" git.log in_chroot \
    'export DEBIAN_FRONTEND=noninteractive && apt-get update -qq && apt-get install -y -qq git'
# shellcheck disable=SC2016 # expanded by the inner bash
step "a fresh clone of $rev" clone.log \
    bash -c 'git clone --quiet --no-local "$1" "$2" && git -C "$2" checkout --quiet --detach "$3"' \
    _ "$repo" "$root/root/dauys" "$rev"

step "README command 1: scripts/demo.sh (in the chroot)" demo.log \
    in_chroot 'cd /root/dauys && scripts/demo.sh'
if [ "${DAUYS_FRESH_SKIP_TESTS:-0}" = 1 ]; then
    say "DAUYS_FRESH_SKIP_TESTS=1: scripts/test.sh NOT run"
    exit 0
fi
step "README command 2: scripts/test.sh (in the chroot; about an hour)" test.log \
    in_chroot 'cd /root/dauys && scripts/test.sh'
grep -h 'fresh-machine\|cannot make a private mount namespace' "$logs/test.log" | head -n 5 || true
say "both README commands passed on a fresh Debian 12 root (commit $rev)"
exit 0
}
