#!/usr/bin/env python3
"""Makes an observers' copies CSV from a bundle's counted protocols, with
deliberate mistakes, and the outcomes dauys-audit compare-copies must find.

  copies_gen.py BUNDLE OUT.csv EXPECTED.json [--wrong N] [--seed S] [--clean]

The counted protocol of each precinct is found from protocols/index.tsv
(the latest accepted or correction, a conflict stopping it), independently
of dauys. Mistakes: N rows with one or two fields changed (different fields
in turn), the demo's corrected precincts transcribed from their first
version (superseded, once with and once without a version column value),
rows for precincts not in the roster, a duplicate row, a malformed count.
--clean: every row agrees. EXPECTED.json lists every non-agreeing row: line, precinct, outcome, fields.
"""
import csv
import json
import random
import sys


def protocol(path):
    fields = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            key, _, value = line.rstrip("\n").partition(": ")
            fields[key] = value
    return fields


def main():
    args = sys.argv[1:]
    wrong, seed = 300, 19
    if "--wrong" in args:
        i = args.index("--wrong")
        wrong = int(args[i + 1])
        del args[i:i + 2]
    if "--seed" in args:
        i = args.index("--seed")
        seed = int(args[i + 1])
        del args[i:i + 2]
    clean = "--clean" in args
    if clean:
        args.remove("--clean")
        wrong = 0
    bundle, out_csv, out_expected = args
    rng = random.Random(seed)
    counting, versions = {}, {}
    with open(bundle + "/protocols/index.tsv", encoding="utf-8") as f:
        next(f)
        for line in f:
            index, precinct, version, outcome, _ = line.rstrip("\n").split("\t")
            if ":" in precinct:  # a summary protocol (LEVEL:AREA): no observer copies it
                continue
            if outcome in ("accepted", "correction"):
                counting[precinct] = index
                versions.setdefault(precinct, []).append(index)
            elif outcome == "conflict":
                counting.pop(precinct, None)
    order = sorted(counting)
    first = protocol("%s/protocols/%s.txt" % (bundle, counting[order[0]]))
    names = [k for k in first if k not in ("format", "referendum", "precinct", "version",
                                            "reason")]
    header = ["precinct", "version"] + names
    rows, expected = [], []
    superseded = [p for p in order if len(versions[p]) > 1]
    plain = [n for n, p in enumerate(order) if p not in superseded]
    wrong_rows = set(rng.sample(plain, min(wrong, len(plain))))
    for n, precinct in enumerate(order):
        p = protocol("%s/protocols/%s.txt" % (bundle, counting[precinct]))
        values = [p[k] for k in names]
        version = p["version"]
        line = len(rows) + 2
        if precinct in superseded and not clean:
            old = protocol("%s/protocols/%s.txt" % (bundle, versions[precinct][0]))
            values = [old[k] for k in names]
            give = superseded.index(precinct) % 2 == 0
            version = old["version"] if give else ""
            if [old[k] for k in names] != [p[k] for k in names] or give:
                expected.append({"line": line, "precinct": precinct, "outcome": "superseded",
                                 "fields": []})
            rows.append([precinct, version] + values)
            continue
        if n in wrong_rows:
            changed = {}
            for k in rng.sample(range(len(names)), 1 + (n % 2)):
                v = int(values[k])
                nv = v + rng.choice([1, 2, 10, 100]) if v < 5 or rng.random() < 0.5 else v - 1
                values[k] = str(nv)
                changed[names[k]] = [nv, v]
            expected.append({"line": line, "precinct": precinct, "outcome": "differs",
                             "fields": sorted(changed)})
        if n % 7 == 3:
            version = ""  # the version column is optional in a row
        rows.append([precinct, version] + values)
    # precincts not in the roster, a duplicate and a malformed count
    for k in range(0 if clean else 3):
        rows.append(["ZZZ-%04d" % k, "1"] + ["1"] * len(names))
        expected.append({"line": len(rows) + 1, "precinct": "ZZZ-%04d" % k,
                         "outcome": "unknown", "fields": []})
    if not clean:
        rows.append(list(rows[0]))
        expected.append({"line": len(rows) + 1, "precinct": rows[0][0],
                         "outcome": "duplicate", "fields": []})
        bad = list(rows[1])
        bad[0] = "ZZY-0001"
        bad[2] = "12a"
        rows.append(bad)
        expected.append({"line": len(rows) + 1, "precinct": "", "outcome": "malformed",
                         "fields": []})
    with open(out_csv, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    with open(out_expected, "w", encoding="utf-8") as f:
        json.dump(expected, f, indent=1)


if __name__ == "__main__":
    main()
