#!/usr/bin/env python3
"""Checks dauys-audit compare-copies --json output against the outcomes
copies_gen.py planted: exactly those rows, outcomes and fields.

  copies_check.py EXPECTED.json OUTPUT.json
"""
import json
import sys


def main():
    expected = json.load(open(sys.argv[1], encoding="utf-8"))
    got = json.load(open(sys.argv[2], encoding="utf-8"))
    want = {(e["line"], e["precinct"] if e["outcome"] != "malformed" else "", e["outcome"],
             tuple(e["fields"])) for e in expected}
    have = set()
    for r in got["rows"]:
        fields = tuple(sorted(f["field"] for f in r["fields"]))
        precinct = r["precinct"] if r["outcome"] != "malformed" else ""
        have.add((r["line"], precinct, r["outcome"], fields))
        for f in r["fields"]:
            if f["copy"] == f["counted"]:
                print("equal numbers reported as a difference:", r)
                return 1
    if want != have:
        for x in sorted(want - have):
            print("not found:", x)
        for x in sorted(have - want):
            print("not planted:", x)
        return 1
    s = got["summary"]
    counts = {}
    for e in expected:
        counts[e["outcome"]] = counts.get(e["outcome"], 0) + 1
    if s["rows"] - s["agrees"] != len(expected):
        print("summary: %d rows not agreeing, %d planted" % (s["rows"] - s["agrees"],
                                                              len(expected)))
        return 1
    for k, v in counts.items():
        if s[k.replace("-", "_")] != v:
            print("summary: %s %d, planted %d" % (k, s[k.replace("-", "_")], v))
            return 1
    print("ok: %d rows, exactly the %d planted found" % (s["rows"], len(expected)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
