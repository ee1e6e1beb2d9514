#!/usr/bin/env bash
# diskfull_cli.sh: ingest and publish when the disk fills up (issue 7, "Faults").
#
#   usage: bash tests/cli/diskfull_cli.sh /path/to/dauys /path/to/dauys-audit
#
# A mock referendum of DAUYS_DISKFULL_PROTOCOLS precincts (default 2,000, with
# the demo's planted trouble) is ingested once with room to spare: the
# reference. Then the same ingest runs out of room two ways:
#   - a file-size limit (ulimit -f, RLIMIT_FSIZE): writes past it fail with
#     EFBIG ("File too large"), as dauys ignores SIGXFSZ;
#   - a full file system: the workspace on a small tmpfs, mounted in a
#     private mount namespace (unshare -rm; this script re-runs itself there),
#     so writes fail with ENOSPC ("No space left on device").
# Each time the ingest must stop with exit 2 and a message naming the cause
# and the database; the workspace must be whole (faults.sh, ws_consistent:
# integrity, every protocol wholly in or absent, the log and the rows agree,
# a bundle published from it passes the audit); and once there is room again
# the same ingest must complete and leave exactly what the reference left
# (the same submissions in the same order, log size and Merkle root, tally).
# Last, dauys publish into a full file system fails with exit 2 naming the
# cause, leaves the workspace whole, and publishing again with room gives a
# bundle that passes the audit.
#
# Needs bash, coreutils, util-linux (setsid, unshare, mount), sqlite3. The
# tmpfs needs a private mount namespace: unprivileged user namespaces
# (unshare -rm, Debian's default) or root (unshare -m). Where neither works (a
# chroot or an unprivileged container: "unshare failed: Operation not
# permitted"), the script says so on stderr and in its output, and the two
# full-file-system cases run under a file-size limit instead (EFBIG, not
# ENOSPC): the same stop, checks and resumption, but not the disk-full message.
# DAUYS_DISKFULL_NS tells the re-run which namespace it is in (user, root) or
# that there is none (none; set it to force the fallback). Prints every
# failing check, ends with "N passed, M failed", exits 1 if M > 0.
set -u

# A private mount namespace for the tmpfs: probed with `true` first, since an
# exec that fails cannot fall back.
if [ -z "${DAUYS_DISKFULL_NS:-}" ]; then
    if ns_why=$(unshare --map-root-user --mount true 2>&1); then
        DAUYS_DISKFULL_NS=user exec unshare --map-root-user --mount bash "$0" "$@"
    elif [ "$(id -u)" -eq 0 ] && ns_why_root=$(unshare --mount true 2>&1); then
        DAUYS_DISKFULL_NS=root exec unshare --mount bash "$0" "$@"
    fi
    DAUYS_DISKFULL_NS=none
    NS_WHY="unshare -rm: ${ns_why:-no reason given}${ns_why_root:+; unshare -m: $ns_why_root}"
    echo "$0: cannot make a private mount namespace ($NS_WHY):" \
        "the full-file-system cases run under a file-size limit (RLIMIT_FSIZE) instead" >&2
fi

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 2
# shellcheck source-path=SCRIPTDIR source=faults.sh
. "$(dirname "${BASH_SOURCE[0]}")/faults.sh" || exit 2

cli_args "$@"
for tool in sqlite3 setsid mount umount; do
    command -v "$tool" >/dev/null 2>&1 || { echo "$0: $tool is needed" >&2; exit 2; }
done
cli_workdir diskfull
# The tmpfs mounts go before the directory that holds them.
trap 'umount "$WORK/full" "$WORK/pubfull" 2>/dev/null; rm -rf "$WORK"' EXIT
run() { run_split "$@"; }

N=${DAUYS_DISKFULL_PROTOCOLS:-2000}

section "the inputs and an ingest with room to spare (the reference)"
fault_inputs "$N"
fresh_ws "$WORK/ref"
run "$DAUYS" ingest -q -w "$WORK/ref" "$IN/incoming" "$IN/later"
expect_eq "the reference ingest exits 1 (the planted rejections)" 1 "$RC"
REF=$(ws_fingerprint "$WORK/ref")
TOTAL=$(q "$WORK/ref/dauys.db" 'SELECT count(*) FROM log_entry')
EMPTY_KIB=$(($(stat -c %s "$PRISTINE/dauys.db") / 1024))
GROWTH_KIB=$(($(stat -c %s "$WORK/ref/dauys.db") / 1024 - EMPTY_KIB))
echo "# the reference: $TOTAL log entries; the database grows by $GROWTH_KIB KiB from $EMPTY_KIB KiB"
# Room for about half of what the ingest writes.
ROOM_KIB=$((EMPTY_KIB + GROWTH_KIB / 2))

# stopped_whole NAME WS CAUSE: the ingest just run stopped with exit 2, naming
# CAUSE and the database, and WS is whole and part way.
stopped_whole() {
    local entries
    expect_eq "$1: the ingest stops with exit 2" 2 "$RC"
    expect_stderr "$1: the message names the cause" "$3"
    expect_stderr "$1: the message names the database" "$2/dauys.db"
    expect_stderr "$1: the message says how to go on" "*run the same command again"
    entries=$(q "$2/dauys.db" 'SELECT count(*) FROM log_entry')
    check "$1: it stopped part way ($entries of $TOTAL log entries)" \
        test "$entries" -gt 1 -a "$entries" -lt "$TOTAL"
    printf '%s\n' "$STDOUT" >"$WORK/summary"
    expect_eq "$1: the summary counts only what was recorded" \
        "$(q "$2/dauys.db" 'SELECT count(*) FROM submission')" \
        "$(($(recorded_in "$WORK/summary")))"
    ws_consistent "$1" "$2"
}

# resumed NAME WS: the same ingest, with room, completes as the reference did.
resumed() {
    run "$DAUYS" ingest -q -w "$2" "$IN/incoming" "$IN/later"
    check "$1: with room again the ingest completes (exit 0 or 1, not 2)" test "$RC" -le 1
    expect_eq "$1: the same submissions, log, Merkle root and tally as the reference" \
        "$REF" "$(ws_fingerprint "$2")"
}

section "a file-size limit (RLIMIT_FSIZE)"
fresh_ws "$WORK/limited"
run bash -c 'ulimit -f "$1" && exec "$2" ingest -q -w "$3" "$4/incoming" "$4/later"' _ \
    "$ROOM_KIB" "$DAUYS" "$WORK/limited" "$IN"
stopped_whole "file-size limit" "$WORK/limited" "File too large"
resumed "file-size limit" "$WORK/limited"

if [ "$DAUYS_DISKFULL_NS" != none ]; then
    section "a full file system (a small tmpfs)"
    mkdir "$WORK/full"
    mount -t tmpfs -o "size=$((ROOM_KIB))k" dauys-full "$WORK/full" ||
        { echo "$0: cannot mount a tmpfs" >&2; exit 2; }
    cp -a "$PRISTINE" "$WORK/full/ws"
    run "$DAUYS" ingest -q -w "$WORK/full/ws" "$IN/incoming" "$IN/later"
    stopped_whole "disk full" "$WORK/full/ws" "the disk is full"
    mount -o remount,size=256m "$WORK/full"
    resumed "disk full" "$WORK/full/ws"

    section "publish onto a full file system"
    mkdir "$WORK/pubfull"
    mount -t tmpfs -o size=64k dauys-pubfull "$WORK/pubfull" ||
        { echo "$0: cannot mount a tmpfs" >&2; exit 2; }
    PUBLISH_FULL=("$DAUYS" publish -w "$WORK/full/ws" -k "$KEY" "$WORK/pubfull/bundle")
    PUBLISH_CAUSE="No space left on device"
else
    # No tmpfs without a mount namespace (see the top): the publish runs out
    # of room under a file-size limit instead. Said again here, in the output.
    section "NO full file system: ${NS_WHY:-DAUYS_DISKFULL_NS=none}; a file-size limit (RLIMIT_FSIZE) instead"
    mkdir "$WORK/full"
    fresh_ws "$WORK/full/ws"
    run "$DAUYS" ingest -q -w "$WORK/full/ws" "$IN/incoming" "$IN/later"
    check "the ingest for the publish case completes (exit 0 or 1, not 2)" test "$RC" -le 1
    section "publish under a file-size limit"
    mkdir "$WORK/pubfull"
    PUBLISH_FULL=(bash -c 'ulimit -f 64 && exec "$@"' _
                  "$DAUYS" publish -w "$WORK/full/ws" -k "$KEY" "$WORK/pubfull/bundle")
    # Publish names the file it could not write; not always the errno (a
    # write to the log copy says only "write failed").
    PUBLISH_CAUSE="$WORK/pubfull/bundle"
fi
expect_exit "publish out of room stops with exit 2 naming the cause" 2 \
    "*$PUBLISH_CAUSE" "${PUBLISH_FULL[@]}"
ws_consistent "after a publish that ran out of room" "$WORK/full/ws"
expect_ok "publishing again with room succeeds" '' \
    "$DAUYS" publish -w "$WORK/full/ws" -k "$KEY" "$WORK/bundle"
expect_ok "and its bundle passes the audit" '' "$AUDIT" verify -p "$PUB" "$WORK/bundle"
summary
