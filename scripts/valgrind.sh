#!/usr/bin/env bash
# Runs the command-line end-to-end tests (tests/cli/*_cli.sh) with every
# dauys, dauys-audit and reseal process under valgrind memcheck, and fails if
# any of them has a memory error or a leak ("definitely" or "indirectly lost").
#
#   scripts/valgrind.sh [TEST...]   TEST: a name such as keys or audit
#                                   (tests/cli/keys_cli.sh ...); default all
#   scripts/valgrind.sh --subset    the default test tier's representative
#                                   subset (subset_tests below), every 4th
#                                   run of each command (VALGRIND_EVERY)
#
# Run over all the tests or the subset, it also checks from the logs that
# every program (dauys, dauys-audit, reseal) and every command of dauys and
# dauys-audit (as their usage lists them) ran under valgrind at least once,
# other than for --help, and fails naming any that did not.
#
# Uses the gcc build (build/gcc, RelWithDebInfo: optimised, with debug
# information), brought up to date first by scripts/build.sh gcc, and runs
# copies of its programs (a rebuild during the run changes nothing). Writes
# build/gcc/valgrind/: bin/ (wrappers that exec valgrind on the copies in
# real/), src/ (a copy of the test scripts: an edit during the run changes
# nothing either), logs/TEST/ (one valgrind log per process) and TEST.out
# (the test's own output). The tests run in parallel, $VALGRIND_JOBS at a time (default:
# the number of CPUs), the slowest first.
#
# The logs are the evidence. A process with a memory error exits with
# valgrind's code 99, which a test expecting some other status reports as its
# own failure, but a test expecting any failure may not notice. So every log
# is read: it must say "ERROR SUMMARY: 0 errors" (with the options below a
# definite or indirect leak counts as an error), and its LEAK SUMMARY, if any,
# must have 0 bytes definitely and indirectly lost. A log with no summary is
# a process that ended without valgrind's report: killed by SIGKILL, still
# running when its test ended, or valgrind itself gave up (its message is in
# the test's output): that fails too, since the process was not checked,
# except in the tests that kill dauys with SIGKILL on purpose (sigkill_tests
# below), where such logs are only counted; an error such a log did report
# before the kill still fails. `dauys demo` runs its steps by exec'ing dauys
# and dauys-audit (found through /proc/self/exe, which valgrind answers with
# the real program): --trace-children=yes follows them, each into its own log.
#
# Exits 0 only if every test passed and every log is clean; 1 otherwise; 2 if
# it could not run. Environment:
#   VALGRIND_JOBS           tests at once (default: the number of CPUs)
#   VALGRIND_TIMEOUT        seconds per test script (default 2400)
#   VALGRIND_TRACK_ORIGINS  yes: say where each uninitialised value came from
#                           (about twice as slow); default no
#   VALGRIND_NO_BUILD=1     use build/gcc as it is
#   VALGRIND_EVERY          N: in each test, only the 1st, (N+1)th, (2N+1)th ...
#                           run of each program and command goes under
#                           valgrind, the others run natively (default 1:
#                           every run; with --subset, 4)
#   VALGRIND_SUBSET         the tests --subset runs (default: subset_tests below)
# and the fault tests' sizes, smaller here than their defaults (valgrind runs
# dauys 20 to 30 times slower; what is checked is every code path, not the
# volume): DAUYS_CONCURRENT_PROTOCOLS (default here 2000), DAUYS_CRASH_PROTOCOLS
# (2000), DAUYS_CRASH_KILLS (4), DAUYS_DISKFULL_PROTOCOLS (2000, its own),
# DAUYS_REPLAY_COPIES (1: replay_cli.sh's large file is the CSV once, 7,896
# rows), DAUYS_FORENSICS_PRECINCTS (400), DAUYS_SERVE_PRECINCTS (300: dauys
# serve, dauys submit and dauys-audit follow at once), DAUYS_WITNESS_E2E_PRECINCTS
# (120: serve, three witnesses, follow, publish and verify), DAUYS_COPIES_PRECINCTS
# (500: more than the 300 wrong rows copies_cli.sh plants), DAUYS_SUMMARIZE_PRECINCTS
# (2 a district); and DAUYS_PROBE_TIMEOUT (600 s
# here) for tests/tools/coredump_probe.py.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

if [ "${VALGRIND_NO_BUILD:-}" != 1 ]; then
    scripts/build.sh gcc
fi
command -v valgrind >/dev/null ||
    { echo "valgrind.sh: valgrind is not installed (scripts/setup.sh installs it)" >&2; exit 2; }

build=$root/build/gcc
for p in bin/dauys bin/dauys-audit tests/reseal; do
    [ -x "$build/$p" ] || { echo "valgrind.sh: $build/$p is missing (scripts/build.sh gcc)" >&2; exit 2; }
done

export DAUYS_CONCURRENT_PROTOCOLS=${DAUYS_CONCURRENT_PROTOCOLS:-2000}
export DAUYS_CRASH_PROTOCOLS=${DAUYS_CRASH_PROTOCOLS:-2000}
export DAUYS_CRASH_KILLS=${DAUYS_CRASH_KILLS:-4}
export DAUYS_DISKFULL_PROTOCOLS=${DAUYS_DISKFULL_PROTOCOLS:-2000}
export DAUYS_REPLAY_COPIES=${DAUYS_REPLAY_COPIES:-1}
export DAUYS_FORENSICS_PRECINCTS=${DAUYS_FORENSICS_PRECINCTS:-400}
export DAUYS_SERVE_PRECINCTS=${DAUYS_SERVE_PRECINCTS:-300}
export DAUYS_WITNESS_E2E_PRECINCTS=${DAUYS_WITNESS_E2E_PRECINCTS:-120}
export DAUYS_COPIES_PRECINCTS=${DAUYS_COPIES_PRECINCTS:-500}
export DAUYS_SUMMARIZE_PRECINCTS=${DAUYS_SUMMARIZE_PRECINCTS:-2}
# secrets_cli.sh's probe waits for import-csv's first line (60 s natively).
export DAUYS_PROBE_TIMEOUT=${DAUYS_PROBE_TIMEOUT:-600}

# Tests that kill dauys with SIGKILL on purpose (crash_cli.sh: kill -9 during
# an ingest; serve_crash_cli.sh: of dauys serve under load): the killed
# processes' logs end without valgrind's report.
sigkill_tests=" crash serve_crash witness_crash "

# The default tier's subset (scripts/test.sh): every program and every command
# of both at least once, chosen by measuring which test runs which command
# (docs/TESTING.md, "Memory checking"). consistency and check-consistency run
# only in audit (with reseal), proof only in ingest, verify-signatures only in
# keys; publish has report, archive has archive and demo, import import-csv;
# witness_e2e has dauys-audit witness, and the cosigner in serve and publish;
# copies has compare-copies; summarize has dauys summarize.
subset_tests="audit keys ingest publish archive import serve witness_e2e copies summarize"

tests=()
whole=0 # 1: all the tests or the subset, so every command must have run
default_every=1
if [ "${1:-}" = --subset ]; then
    [ "$#" -eq 1 ] || { echo "valgrind.sh: --subset takes no test names" >&2; exit 2; }
    read -r -a tests <<<"${VALGRIND_SUBSET:-$subset_tests}"
    whole=1 default_every=4
elif [ "$#" -eq 0 ]; then
    whole=1
    # The slowest first (as measured on 2 CPUs), then the others by name.
    for t in audit replay hostile crash keys ingest diskfull publish archive secrets demo concurrent; do
        [ -f "tests/cli/${t}_cli.sh" ] && tests+=("$t")
    done
    for f in tests/cli/*_cli.sh; do
        t=${f##*/} t=${t%_cli.sh}
        [[ " ${tests[*]} " == *" $t "* ]] || tests+=("$t")
    done
else
    for t in "$@"; do
        t=${t##*/} t=${t%.sh} t=${t%_cli}
        [ -f "tests/cli/${t}_cli.sh" ] || { echo "valgrind.sh: no tests/cli/${t}_cli.sh" >&2; exit 2; }
        tests+=("$t")
    done
fi

out=$build/valgrind
rm -rf "$out"
mkdir -p "$out/bin" "$out/logs/other" "$out/real" "$out/run"
# dauys-audit beside dauys: where dauys demo looks for it.
cp "$build/bin/dauys" "$build/bin/dauys-audit" "$build/tests/reseal" "$out/real/"
# And the test scripts as they are now: bash reads a script as it runs it,
# so an edit during the run would take effect midway.
mkdir -p "$out/src/tests"
cp -R tests/cli tests/tools "$out/src/tests/"
# setup_cli.sh checks the scripts and the README of the tree it is in.
cp -R scripts README.md "$out/src/"
ln -s "$root/tests/data" "$out/src/tests/data"
ln -s "$root/sql" "$out/src/sql"

# --error-exitcode=99: no dauys program exits 99 of its own. --trace-children:
# dauys demo's steps. --child-silent-after-fork=no: a forked child that fails
# to exec reports too. Suppressions, if any: scripts/valgrind.supp.
supp=()
[ -f scripts/valgrind.supp ] && supp=(--suppressions="$root/scripts/valgrind.supp")
vg_opts=(--tool=memcheck --error-exitcode=99
    --leak-check=full --errors-for-leak-kinds=definite,indirect
    --show-leak-kinds=definite,indirect
    --track-origins="${VALGRIND_TRACK_ORIGINS:-no}"
    --trace-children=yes --child-silent-after-fork=no
    --num-callers=40 "${supp[@]}")

# wrapper NAME PROGRAM: bin/NAME execs valgrind on PROGRAM, logging into the
# directory $VALGRIND_LOG_DIR (each test has its own; logs/other when run by
# hand: check_log below reads only the tests' directories). A log is named by the
# wrapper's start time in microseconds and the process id, so that a process
# id used again (they wrap at 32768) never overwrites a log.
wrapper() {
    {
        printf '#!/bin/bash\n'
        printf '# Made by scripts/valgrind.sh: %s under valgrind memcheck.\n' "$2"
        printf 'dir=${VALGRIND_LOG_DIR:-%q}\n' "$out/logs/other"
        if [ "$every" -gt 1 ]; then
            # Runs number n of this program and command (first argument) in
            # this test: a directory made for each (mkdir is atomic, so two
            # at once never take one number); valgrind for the 1st, the
            # (1 + every)th, ...; the others run the program itself.
            printf 'c=${1:-}; c=${c//[^A-Za-z0-9-]/_}; key=%q-${c:0:40} n=1\n' "$1"
            printf 'mkdir -p "$dir/.runs"\n'
            printf 'until mkdir "$dir/.runs/$key.$n" 2>/dev/null; do n=$((n + 1)); done\n'
            printf '[ $(((n - 1) %% %d)) -eq 0 ] || exec %q "$@"\n' "$every" "$2"
        fi
        printf 'exec valgrind'
        printf ' %q' "${vg_opts[@]}"
        printf ' --log-file="$dir/${EPOCHREALTIME/./}-%%p.log"'
        printf ' %q "$@"\n' "$2"
    } >"$out/bin/$1"
    chmod +x "$out/bin/$1"
}
every=${VALGRIND_EVERY:-$default_every}
[[ $every =~ ^[1-9][0-9]*$ ]] || { echo "valgrind.sh: VALGRIND_EVERY must be a whole number from 1, not '$every'" >&2; exit 2; }
wrapper dauys "$out/real/dauys"
wrapper dauys-audit "$out/real/dauys-audit"
wrapper reseal "$out/real/reseal"

# On an interrupt, stop the tests still running (each in the process group
# its `timeout` makes; the commands a test runs under setsid end by
# themselves).
stop_tests() {
    local f
    for f in "$out"/run/*.pgid; do
        [ -e "$f" ] && kill -TERM -- "-$(cat "$f")" 2>/dev/null
    done
    exit 130
}
trap stop_tests INT TERM

# run_test T: runs tests/cli/T_cli.sh with the wrappers; writes T.out, T.rc
# and T.time (wall, user and system seconds, the test's children included).
run_test() {
    local t=$1 rc=0 TIMEFORMAT='%0R %0U %0S'
    mkdir -p "$out/logs/$t"
    {
        time {
            VALGRIND_LOG_DIR=$out/logs/$t RESEAL=$out/bin/reseal \
                timeout -k 30 "${VALGRIND_TIMEOUT:-2400}" \
                bash "$out/src/tests/cli/${t}_cli.sh" "$out/bin/dauys" "$out/bin/dauys-audit" \
                >"$out/$t.out" 2>&1 </dev/null &
            echo $! >"$out/run/$t.pgid"
            wait $! || rc=$?
        }
    } 2>"$out/$t.time"
    rm -f "$out/run/$t.pgid"
    echo "$rc" >"$out/$t.rc"
    read -r wall user sys <"$out/$t.time"
    printf '  %-10s %5d s (CPU %5d s), exit %d\n' "$t" "$wall" $((user + sys)) "$rc"
}

jobs=${VALGRIND_JOBS:-$(nproc)}
start=$(date +%s)
echo "== valgrind memcheck: ${tests[*]} ($jobs at a time; logs in ${out#"$root"/})"
running=0
for t in "${tests[@]}"; do
    if [ "$running" -ge "$jobs" ]; then
        wait -n || true
        running=$((running - 1))
    fi
    run_test "$t" &
    running=$((running + 1))
done
wait || true
total=$(($(date +%s) - start))

# check_log LOG: prints nothing if LOG is clean, else what is wrong; "cut
# short" alone if it only lacks valgrind's final report.
check_log() {
    awk '
        /ERROR SUMMARY: / { summary = 1; if ($0 !~ /ERROR SUMMARY: 0 errors/) bad = bad "  " $0 "\n" }
        /(definitely|indirectly) lost: / {
            line = $0; sub(/^==[0-9]+== */, "", line)
            if (line !~ /lost: 0 bytes in 0 blocks/) bad = bad "  " line "\n"
        }
        # an error reported before the process was killed
        /^==[0-9]+== (Invalid|Conditional|Use of uninit|Syscall param|Mismatched|Source and destination|Argument .* of function|Process terminating)/ {
            errors++
        }
        END {
            if (!summary && errors) bad = bad "  cut short, after " errors " error(s)\n"
            else if (!summary) bad = bad "cut short\n"
            printf "%s", bad
        }' "$1"
}

echo "== the tests' own results"
failed_tests=0
for t in "${tests[@]}"; do
    rc=$(cat "$out/$t.rc" 2>/dev/null || echo '?')
    printf '  %-10s exit %-3s %s\n' "$t" "$rc" \
        "$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out/$t.out" | tail -n 1 || true)"
    if [ "$rc" != 0 ]; then
        failed_tests=$((failed_tests + 1))
        case $rc in 124 | 137) echo "    timed out after ${VALGRIND_TIMEOUT:-2400} s" ;; esac
        { grep -A 12 '^FAIL: ' "$out/$t.out" || tail -n 20 "$out/$t.out"; } | head -n 200 | sed 's/^/    | /'
    fi
done

echo "== valgrind's logs"
bad_logs=0 nlogs=0
for t in "${tests[@]}"; do
    n=0 short=0
    for log in "$out/logs/$t"/*.log; do
        [ -e "$log" ] || continue
        n=$((n + 1))
        why=$(check_log "$log")
        [ -z "$why" ] && continue
        if [ "$why" = "cut short" ] && [[ $sigkill_tests == *" $t "* ]]; then
            short=$((short + 1))
            continue
        fi
        [ "$why" = "cut short" ] && why="  no ERROR SUMMARY: the process ended without valgrind's report (SIGKILL, still running, or valgrind gave up: see ${out#"$root"/}/$t.out)"
        bad_logs=$((bad_logs + 1))
        printf -- '-- %s: %s\n%s\n' "$t" "${log#"$root"/}" "$why"
        if [ "$bad_logs" -le 20 ]; then
            head -n 400 "$log" | sed 's/^/  | /'
        fi
    done
    nlogs=$((nlogs + n))
    # .runs exists only when runs are sampled (every > 1): none is no failure
    runs=$({ find "$out/logs/$t/.runs" -mindepth 1 -maxdepth 1 2>/dev/null || true; } | wc -l)
    printf '  %-10s %4d processes%s%s\n' "$t" "$n" \
        "$([ "$every" -eq 1 ] || echo " (every ${every}th run of each command: $runs runs)")" \
        "$([ "$short" -eq 0 ] || echo ", $short killed by the test (SIGKILL) before valgrind's report")"
done

# What ran under valgrind: "PROGRAM COMMAND" from each log's command line
# (valgrind's "Command: /path/PROGRAM COMMAND ..."), --help left out.
missing=()
if [ "$whole" -eq 1 ]; then
    ran=$(for t in "${tests[@]}"; do
        for log in "$out/logs/$t"/*.log; do
            [ -e "$log" ] || continue
            awk '/^==[0-9]+== Command: / {
                    prog = $3; sub(".*/", "", prog)
                    if ($0 !~ / --help( |$)/) print prog, (prog == "reseal" ? "" : $4)
                    exit
                }' "$log"
        done
    done | sort -u)
    for prog in dauys dauys-audit reseal; do
        grep -q "^$prog " <<<"$ran" || missing+=("$prog")
    done
    for prog in dauys dauys-audit; do
        for cmd in $("$build/bin/$prog" --help |
            awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { on = 0 }'); do
            grep -qx "$prog $cmd" <<<"$ran" || missing+=("$prog $cmd")
        done
    done
    echo "== every program and command under valgrind: $([ "${#missing[@]}" -eq 0 ] && echo yes ||
        printf 'no: never ran%s' "$(printf ' [%s]' "${missing[@]}")")"
fi

echo "== valgrind.sh: $((${#tests[@]} - failed_tests)) of ${#tests[@]} tests passed;" \
    "$bad_logs of $nlogs processes with errors, leaks or no report ($total s)"
[ "$failed_tests" -eq 0 ] && [ "$bad_logs" -eq 0 ] && [ "${#missing[@]}" -eq 0 ]
