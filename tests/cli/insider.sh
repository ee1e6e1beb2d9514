# shellcheck shell=bash
# insider.sh: the tamper suite's forger and its judge, sourced by the
# end-to-end tests that play an insider holding the central key
# (audit_cli.sh, roster_cli.sh) after lib.sh:
#
#   . "$(dirname "${BASH_SOURCE[0]}")/insider.sh" || exit 2
#
# Both work in the test's directory, where central.pub and central.key are
# the central commission's keys; they need AUDIT, PYTHON and RESEAL.

# failing BUNDLE: the ids of the checks with failures, from verify --json.
failing() {
    "$AUDIT" verify --json -p central.pub "$1" 2>/dev/null | "$PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
print(" ".join(k for k, v in d["checks"].items() if v["failed"]))' 2>/dev/null
}

# insider DIR: rewrites DIR's log and checkpoint, then publishes a result that
# adds up from the rewritten log, signed by the central key. The renderings
# of reports/ are removed: an insider would make them again from the forged
# result, and stale ones would fail T3 beside the check each forgery is for.
insider() {
    rm -rf "$1/reports"
    { "$RESEAL" "$1" central.key &&
        { "$AUDIT" retally -p central.pub "$1" >"$WORK/retally.txt" 2>/dev/null || [ $? = 1 ]; } &&
        cp "$WORK/retally.txt" "$1/result.txt" && "$RESEAL" "$1" central.key --sign-result; } ||
        fail_value "insider $1" "the forgery could not be made"
}
