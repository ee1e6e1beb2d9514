#!/usr/bin/env python3
"""tests/tools/layout.py catches each breach of the architecture, alone.

    layout_test.py SOURCE_DIR LINKS_FILE

Copies the sources layout.py reads into a scratch tree, checks the copy
passes, then makes one breach at a time (a link, an include, a header's
name, a print in library code) and checks layout.py fails naming exactly
that breach and nothing else. Exits 0 if every case is caught, 1 otherwise.
"""
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
LAYOUT = os.path.join(HERE, "layout.py")
FOLDERS = ["core", "keys", "referendum", "forensics", "sql", "store", "ingest", "tally",
           "report", "publish", "serve", "net", "inputs", "audit", "cmd", "cmd/dauys", "cmd/audit", "tests",
           "tests/tools", "fuzz", "bench"]


def copy_tree(src, dst):
    for folder in FOLDERS:
        os.makedirs(os.path.join(dst, folder), exist_ok=True)
        for name in os.listdir(os.path.join(src, folder)):
            if name.endswith((".c", ".h")):
                shutil.copy(os.path.join(src, folder, name), os.path.join(dst, folder, name))


def run(tree, links):
    p = subprocess.run([sys.executable, LAYOUT, tree, links], capture_output=True, text=True)
    return p.returncode, [l for l in p.stdout.splitlines() if l.startswith("FAIL ")]


def append(path, text):
    with open(path, "a", encoding="utf-8") as f:
        f.write(text)


def relink(links_in, links_out, target, extra):
    with open(links_in, encoding="utf-8") as f:
        lines = f.read().splitlines()
    with open(links_out, "w", encoding="utf-8") as f:
        for line in lines:
            if line.startswith(target + ": "):
                line += ";" + extra
            f.write(line + "\n")


CASES = [
    # (what, change(tree, links_out, links_in), the one failure expected)
    ("the audit library links the store",
     lambda t, lo, li: relink(li, lo, "dauys_audit", "dauys_store"),
     "FAIL dauys_audit links dauys_store (the organisers' path)"),
    ("dauys-audit links the ingest",
     lambda t, lo, li: relink(li, lo, "dauys-audit", "dauys_ingest"),
     "FAIL dauys-audit links dauys_ingest (the organisers' path)"),
    ("the shared command library links the tally (dauys-audit would reach it)",
     lambda t, lo, li: relink(li, lo, "dauys_cmd", "dauys_tally"),
     "FAIL dauys_cmd links dauys_tally (cmd/ may not use tally/)"),
    ("the tally links the report (data flowing backwards)",
     lambda t, lo, li: relink(li, lo, "dauys_tally", "dauys_report"),
     "FAIL dauys_tally links dauys_report (tally/ may not use report/)"),
    ("an include without its folder",
     lambda t, lo, li: append(os.path.join(t, "store/db.c"), '#include "db.h"\n'),
     'FAIL store/db.c:{n}: #include "db.h" does not name its folder'),
    ("the audit includes the workspace's header",
     lambda t, lo, li: append(os.path.join(t, "audit/bundle.c"), '#include "store/workspace.h"\n'),
     'FAIL audit/bundle.c:{n}: #include "store/workspace.h": audit/ may not use store/'),
    ("a header that does not exist",
     lambda t, lo, li: append(os.path.join(t, "tally/tally.c"), '#include "tally/nothing.h"\n'),
     'FAIL tally/tally.c:{n}: #include "tally/nothing.h": no such header'),
    ("another stage's internal header",
     lambda t, lo, li: append(os.path.join(t, "publish/publish.c"),
                              '#include "ingest/ingest_internal.h"\n'),
     'FAIL publish/publish.c:{n}: #include "ingest/ingest_internal.h": another stage\'s '
     'internal header'),
    ("two headers with one name",
     lambda t, lo, li: shutil.copy(os.path.join(t, "store/db.h"), os.path.join(t, "report/db.h")),
     "FAIL store/db.h: a second header named db.h (also report/)"),
    ("library code printing",
     lambda t, lo, li: append(os.path.join(t, "tally/result.c"),
                              'void f(void); void f(void) { puts("x"); }\n'),
     "FAIL tally/result.c:{n}: library code uses puts (only cmd/ prints or exits)"),
]


def main(argv):
    src, links = argv[1], argv[2]
    failed = 0
    with tempfile.TemporaryDirectory() as scratch:
        clean = os.path.join(scratch, "clean")
        copy_tree(src, clean)
        rc, fails = run(clean, links)
        if rc != 0 or fails:
            print(f"FAIL the untouched copy does not pass: {fails}")
            return 1
        print("ok   the untouched copy passes")
        for what, change, expected in CASES:
            tree = os.path.join(scratch, "case")
            shutil.rmtree(tree, ignore_errors=True)
            shutil.copytree(clean, tree)
            links_out = os.path.join(scratch, "links.txt")
            shutil.copy(links, links_out)
            change(tree, links_out, links)
            path = expected.split()[1].split(":")[0]
            if "{n}" in expected:
                with open(os.path.join(tree, path), encoding="utf-8") as f:
                    expected = expected.format(n=len(f.read().splitlines()))
            rc, fails = run(tree, links_out)
            if rc == 1 and fails == [expected]:
                print(f"ok   {what}: caught, alone")
            else:
                failed += 1
                print(f"FAIL {what}: exit {rc}, failures {fails}, expected [{expected}]")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
