#!/usr/bin/env bash
# The README's two commands on a fresh Debian 12 machine, as a reviewer runs
# them: a minimal Debian 12 root made by debootstrap (--variant=minbase
# bookworm), git installed in it, a fresh clone of this repository's HEAD
# commit (as CI checks it out), then, as root in a chroot, scripts/demo.sh and
# scripts/test.sh. Nothing of this machine's build or packages is used.
# Then the package (README, "Installing"): cpack -G DEB in that root's
# release build (the one demo.sh made), and a SECOND minimal Debian 12 root
# with nothing else in it (no build dependencies, none of the libraries: the
# .deb's declared dependencies must bring them), where apt installs
# ./dauys_VERSION_ARCH.deb and dauys demo from /usr/bin must pass its audit.
#
#   sudo scripts/fresh-machine.sh [DIR]
#
# DIR (default: a new directory under ${TMPDIR:-/var/tmp}) must not exist; the
# roots are made in DIR/root and DIR/root-deb, the .deb is kept in DIR, and
# every step's log in DIR/logs (the progress, with times, also goes to
# stdout). /proc, /sys, /dev, /dev/pts and a fresh /dev/shm are mounted for
# each chroot and always unmounted, whatever happened (an interrupt too);
# processes still running in a chroot then are killed first. The first root
# is removed once the .deb is out of it, the second at the end (logs are
# kept), unless DAUYS_FRESH_KEEP=1. DAUYS_FRESH_MIRROR sets the Debian mirror
# (default http://deb.debian.org/debian); DAUYS_FRESH_SKIP_TESTS=1 runs the
# demo but not test.sh in the first root (a quick check of the script
# itself); DAUYS_FRESH_DEB=FILE runs only the package's part, with FILE (a
# .deb built elsewhere, e.g. by cpack -G DEB in build/release): no first
# root, no clone.
#
# Needs root, debootstrap and git (scripts/setup.sh installs them), network
# access to the mirror, and about 6 GB of disk. test.sh inside (the default tier) takes about
# 20 minutes on 2 quiet cores; the package's part about 10 minutes (3 to 4 with
# DAUYS_FRESH_DEB, most of it debootstrap). In a chroot, user namespaces are
# refused, so tests/cli/diskfull_cli.sh uses its fallback (it says so in its
# output). Exits 0 only if every step passed and
# everything was unmounted; on a failure it names the step and its log.
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

deb=${DAUYS_FRESH_DEB:-}
if [ -n "$deb" ]; then
    if [ ! -f "$deb" ] || [[ $deb != *.deb ]]; then
        echo "fresh-machine.sh: DAUYS_FRESH_DEB=$deb is no .deb file" >&2
        exit 2
    fi
    deb=$(cd "$(dirname "$deb")" && pwd)/$(basename "$deb")
fi
if [ "$#" -ge 1 ]; then
    dir=$1
    [ ! -e "$dir" ] || { echo "fresh-machine.sh: $dir exists; give a new directory" >&2; exit 2; }
    mkdir -p "$dir"
else
    dir=$(mktemp -d "${TMPDIR:-/var/tmp}/dauys-fresh.XXXXXX")
fi
dir=$(cd "$dir" && pwd)
root=$dir/root debroot=$dir/root-deb logs=$dir/logs
mkdir "$logs"

rev=$(git -C "$repo" rev-parse HEAD)
if [ -z "$deb" ] && [ -n "$(git -C "$repo" status --porcelain --untracked-files=no)" ]; then
    say "note: $repo has uncommitted changes; they are not tested (only commit $rev is)"
fi

roots=()     # the roots made and not yet removed
mounted=()   # the chroots' mounts, in the order made
step_pid=''  # the step running (see step)

# in_root PID ROOT: true if process PID runs inside ROOT (its / is ROOT).
in_root() { [ "$(readlink "/proc/$1/root" 2>/dev/null)" = "$2" ]; }

# teardown ROOT: kills what still runs in ROOT (only processes this script
# started can be there), unmounts its mounts in reverse order, then removes
# it unless asked to keep it or a mount is left (then it fails).
teardown() {
    local r=$1 pid i left keep=() all=("${mounted[@]}") live=() start=$SECONDS
    say "unmounting and removing $r (minutes for a big root) ..."
    for pid in /proc/[0-9]*; do
        pid=${pid#/proc/}
        in_root "$pid" "$r" && kill -KILL "$pid" 2>/dev/null
    done
    for ((i = ${#all[@]} - 1; i >= 0; i--)); do
        if [[ ${all[i]} == "$r"/* ]]; then
            umount "${all[i]}" 2>/dev/null || { sleep 1; umount "${all[i]}"; } ||
                say "could not unmount ${all[i]}" >&2
        else
            keep=("${all[i]}" "${keep[@]}")
        fi
    done
    mounted=("${keep[@]}")
    for i in "${roots[@]}"; do
        [ "$i" = "$r" ] || live+=("$i")
    done
    roots=("${live[@]}")
    left=$(findmnt -rn -o TARGET | grep -F "$r/" || true)
    if [ -n "$left" ]; then
        say "FAILED: still mounted under $r: $left (not removing it)" >&2
        return 1
    elif [ "${DAUYS_FRESH_KEEP:-0}" = 1 ]; then
        say "kept the root: $r"
    else
        rm -rf --one-file-system "$r"
        say "removed $r in $((SECONDS - start)) s"
    fi
}

# cleanup: stops the running step and tears down every root left. Runs on
# every exit.
cleanup() {
    local status=$? r
    trap - EXIT INT TERM
    [ -n "$step_pid" ] && kill -TERM "$step_pid" 2>/dev/null
    for r in "${roots[@]}"; do
        teardown "$r" || status=1
    done
    say "logs: $logs (exit $status)"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# step NAME LOG CMD...: runs CMD with its output in LOGS/LOG; on failure
# names the step, shows the end of its log and exits 1. CMD runs in the
# background and is waited for, so that an interrupt is acted on at once
# (bash defers traps while a foreground command runs).
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

# make_root ROOT LOG: a minimal Debian 12 root by debootstrap in ROOT (its
# log in LOGS/LOG), with the host's resolv.conf, and /proc, /sys, /dev,
# /dev/pts and a fresh /dev/shm mounted for the chroot.
make_root() {
    local r=$1
    mkdir "$r"
    roots+=("$r")
    step "debootstrap --variant=minbase bookworm into $r" "$2" \
        debootstrap --variant=minbase bookworm "$r" "$mirror"
    cp /etc/resolv.conf "$r/etc/resolv.conf"
    mount_into "$r/proc" -t proc proc
    mount_into "$r/sys" -t sysfs sysfs
    mount_into "$r/dev" --bind /dev
    mount_into "$r/dev/pts" --bind /dev/pts
    mount_into "$r/dev/shm" -t tmpfs -o mode=1777 shm
}

# in_chroot ROOT CMD: CMD run by bash as root in the chroot ROOT, with a clean
# environment as a root login would have.
in_chroot() {
    chroot "$1" /usr/bin/env -i HOME=/root TERM=dumb \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        bash -c "$2"
}

if [ -z "$deb" ]; then
    say "commit $rev of $repo on a fresh Debian 12 root in $root"
    make_root "$root" debootstrap.log
    step "apt-get install git (in the chroot)" git.log in_chroot "$root" \
        'export DEBIAN_FRONTEND=noninteractive && apt-get update -qq && apt-get install -y -qq git'
    # shellcheck disable=SC2016 # expanded by the inner bash
    step "a fresh clone of $rev" clone.log \
        bash -c 'git clone --quiet --no-local "$1" "$2" && git -C "$2" checkout --quiet --detach "$3"' \
        _ "$repo" "$root/root/dauys" "$rev"

    step "README command 1: scripts/demo.sh (in the chroot)" demo.log \
        in_chroot "$root" 'cd /root/dauys && scripts/demo.sh'
    if [ "${DAUYS_FRESH_SKIP_TESTS:-0}" = 1 ]; then
        say "DAUYS_FRESH_SKIP_TESTS=1: scripts/test.sh NOT run"
    else
        step "README command 2: scripts/test.sh (in the chroot; about 20 minutes)" test.log \
            in_chroot "$root" 'cd /root/dauys && scripts/test.sh'
        grep -h 'fresh-machine\|cannot make a private mount namespace' "$logs/test.log" | head -n 5 || true
        say "both README commands passed on a fresh Debian 12 root (commit $rev)"
    fi

    # The package, from the release build that demo.sh made (README, "Installing").
    step "the .deb: cpack -G DEB in build/release (in the chroot)" cpack.log \
        in_chroot "$root" 'cd /root/dauys/build/release && cpack -G DEB'
    debs=("$root"/root/dauys/build/release/dauys_*.deb)
    if [ "${#debs[@]}" -ne 1 ] || [ ! -f "${debs[0]}" ]; then
        die "cpack made no single dauys_*.deb in build/release (log: $logs/cpack.log)"
    fi
    deb=$dir/$(basename "${debs[0]}")
    cp "${debs[0]}" "$deb"
    say "the package: $deb"
    teardown "$root" || die "the first root could not be unmounted"
else
    say "DAUYS_FRESH_DEB: only the package's part, with $deb"
fi

# A second fresh root: Debian 12 base and nothing else, so that what the
# package needs comes from its own Depends.
make_root "$debroot" debootstrap-deb.log
cp "$deb" "$debroot/tmp/" # where apt's unprivileged user (_apt) may read it
pkg=$(basename "$deb")
# shellcheck disable=SC2016 # expanded by the inner bash
step "the second root has none of dauys's libraries before the install" bare.log \
    in_chroot "$debroot" 'for p in libsodium23 libssl3 libsqlite3-0; do
        if dpkg-query -W -f="\${Status}" "$p" 2>/dev/null | grep -q "ok installed"; then
            echo "$p is installed already"; exit 1; fi; done; echo "none of them installed"'
step "apt install ./$pkg (in the second root)" apt-deb.log in_chroot "$debroot" \
    "export DEBIAN_FRONTEND=noninteractive && apt-get update -qq && cd /tmp &&
     apt-get install -y -q ./$pkg && dpkg-query -W libsodium23 libssl3 libsqlite3-0 dauys"
# shellcheck disable=SC2016 # expanded by the inner bash
step "dauys demo from the installed /usr/bin (in the second root)" demo-deb.log \
    in_chroot "$debroot" 'set -e
        test "$(command -v dauys)" = /usr/bin/dauys
        test "$(command -v dauys-audit)" = /usr/bin/dauys-audit
        dauys --version && dauys-audit --version
        for f in man1/dauys.1 man1/dauys-audit.1 man5/dauys-formats.5; do test -s "/usr/share/man/$f"; done
        cd /root && dauys demo --out /root/demo'
grep -q '^The audit passed' "$logs/demo-deb.log" ||
    die "dauys demo exited 0 but did not say that the audit passed (log: $logs/demo-deb.log)"
say "the .deb installed on a fresh Debian 12 root and dauys demo passed its audit ($pkg)"
exit 0
}
