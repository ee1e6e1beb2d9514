# shellcheck shell=bash
# lib.sh: helpers shared by the end-to-end tests in tests/cli/, sourced (not
# run) by each of them before anything else:
#
#   . "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 2
#
# A test script then calls cli_args "$@" (checks the usage and sets DAUYS,
# AUDIT and START) and cli_workdir NAME (a hermetic working directory), and
# must define run: run [OPTIONS] CMD... runs CMD in a new session and sets
# OUT (its output), RC (its exit status) and CMD (the command, quoted).
# expect_exit and expect_ok pass their OPTIONS and CMD to run. The script
# ends with summary, whose status is the script's exit status.

# cli_args ARGS...: exactly two arguments, the dauys and dauys-audit programs;
# otherwise prints the usage and exits 2. Sets DAUYS and AUDIT (absolute
# paths) and START (the time, for section and summary).
cli_args() {
    if [ "$#" -ne 2 ]; then
        echo "usage: $0 /path/to/dauys /path/to/dauys-audit" >&2
        exit 2
    fi
    # shellcheck disable=SC2034 # used by the scripts that source this file
    DAUYS=$(abspath "$1") AUDIT=$(abspath "$2")
    START=$(date +%s)
}

abspath() { case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$PWD/$1" ;; esac; }

# cli_workdir NAME: makes the directory WORK (mktemp -d, removed on exit),
# changes to it, and makes the environment hermetic: HOME is WORK/home,
# LC_ALL=C, no DAUYS_PASSWORD or SOURCE_DATE_EPOCH, umask 022. Exits 2 if
# it cannot.
cli_workdir() {
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/dauys-$1-cli.XXXXXX") || exit 2
    trap 'rm -rf "$WORK"' EXIT
    trap 'exit 130' INT TERM
    cd "$WORK" || exit 2
    mkdir home
    export HOME="$WORK/home" LC_ALL=C
    unset DAUYS_PASSWORD SOURCE_DATE_EPOCH
    umask 022
}

PASSED=0 FAILED=0
OUT='' RC=0 CMD=''

section() { printf '# %s (%d s)\n' "$*" $(($(date +%s) - START)); }

# fail NAME WHY: records a failure and prints it with the last command's output.
fail() {
    FAILED=$((FAILED + 1))
    printf 'FAIL: %s\n  %s\n' "$1" "$2"
    [ -n "$CMD" ] && printf '  command: %s\n' "$CMD"
    [ -n "$OUT" ] && printf '%s\n' "$OUT" | sed 's/^/  | /'
    return 0
}

pass() { PASSED=$((PASSED + 1)); }

# summary: prints the time taken and "N passed, M failed"; fails if M > 0.
summary() {
    printf '# took %d s\n' $(($(date +%s) - START))
    printf '%d passed, %d failed\n' "$PASSED" "$FAILED"
    [ "$FAILED" -eq 0 ]
}

# matches TEXT PATTERN: the pieces of PATTERN between '*'s occur in TEXT, in
# order; everything but '*' is literal. An empty PATTERN matches anything.
matches() {
    local text=$1 rest=$2 piece
    while :; do
        piece=${rest%%\**}
        [[ $text == *"$piece"* ]] || return 1
        text=${text#*"$piece"}
        [[ $rest == *\** ]] || return 0
        rest=${rest#*\*}
    done
}

# expect_exit NAME CODE PATTERN [OPTIONS] CMD...: run [OPTIONS] CMD must exit
# with CODE and its output (OUT) match PATTERN (see matches).
expect_exit() {
    local name=$1 want=$2 pat=$3
    shift 3
    run "$@"
    if [ "$RC" != "$want" ]; then
        fail "$name" "expected exit $want, got $RC"
    elif ! matches "$OUT" "$pat"; then
        fail "$name" "exit $RC as expected, but the output lacks \"$pat\""
    else
        pass
    fi
}

expect_ok() { local name=$1 pat=$2; shift 2; expect_exit "$name" 0 "$pat" "$@"; }

# check NAME CMD...: a predicate run in this shell (test, cmp, a function).
check() {
    local name=$1
    shift
    if "$@"; then
        pass
    else
        local keep_cmd=$CMD keep_out=$OUT
        CMD=$(printf '%q ' "$@") OUT=''
        fail "$name" "check failed"
        CMD=$keep_cmd OUT=$keep_out
    fi
}

absent() { local f; for f in "$@"; do [ ! -e "$f" ] && [ ! -L "$f" ] || return 1; done; }
pub_b64() { sed -n 2p "$1" 2>/dev/null; }

# flip FILE OFFSET [MASK]: XORs the byte at OFFSET with MASK (default 1), so
# the byte always changes. (Writing a fixed byte instead leaves the file as it
# was one time in 256: a tamper test that then flakes.)
flip() {
    local byte
    byte=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
    [ -n "$byte" ] || return 1
    # shellcheck disable=SC2059 # the format is the byte
    printf "$(printf '\\%03o' $((byte ^ ${3:-1})))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}


# --- for scripts that look at stdout and stderr apart --------------------------

STDOUT='' STDERR=''

# run_split CMD...: runs CMD in a new session (no controlling terminal) with
# nothing on stdin; sets STDOUT, STDERR, OUT (both, stdout first) and RC. A
# script whose run is this one defines: run() { run_split "$@"; }
run_split() {
    CMD=$(printf '%q ' "$@")
    setsid -w "$@" </dev/null >"$WORK/.stdout" 2>"$WORK/.stderr"
    RC=$?
    IFS= read -r -d '' STDOUT <"$WORK/.stdout"
    IFS= read -r -d '' STDERR <"$WORK/.stderr"
    STDOUT=${STDOUT%$'\n'} STDERR=${STDERR%$'\n'}
    OUT=$STDOUT${STDERR:+$'\n'$STDERR}
}

# expect_stdout / expect_stderr NAME PATTERN: the last command's stdout or
# stderr matches PATTERN (see matches).
expect_stdout() { if matches "$STDOUT" "$2"; then pass; else fail "$1" "stdout lacks \"$2\""; fi; }
expect_stderr() { if matches "$STDERR" "$2"; then pass; else fail "$1" "stderr lacks \"$2\""; fi; }
# expect_no_stderr NAME TEXT: the last command's stderr lacks TEXT.
expect_no_stderr() {
    if [[ $STDERR != *"$2"* ]]; then pass; else fail "$1" "stderr has \"$2\""; fi
}

# expect_eq NAME WANT GOT: two strings (often query results) are equal.
expect_eq() {
    if [ "$2" = "$3" ]; then
        pass
    else
        fail_value "$1" "$(printf 'want: %s\ngot:  %s' "${2//$'\n'/$'\n      '}" "${3//$'\n'/$'\n      '}")"
    fi
}

# fail_value NAME DETAIL: a failure about values, not about the last command.
fail_value() {
    local keep_cmd=$CMD keep_out=$OUT
    CMD='' OUT=$2
    fail "$1" "values differ"
    CMD=$keep_cmd OUT=$keep_out
}

# q DB SQL: runs a query with $SQLITE (default sqlite3); never creates a
# missing database.
q() {
    if [ ! -f "$1" ]; then
        echo "(no database $1)"
        return 1
    fi
    "${SQLITE:-sqlite3}" -batch -noheader "$1" "$2" 2>&1
}
