#!/usr/bin/env python3
"""The architecture, checked: who may link and include whom (docs/ARCHITECTURE.md).

    layout.py SOURCE_DIR LINKS_FILE

LINKS_FILE is written by CMake at generate time (tests/CMakeLists.txt): one
line per dauys target, "target: lib;lib;...", its direct link libraries.
Checks, each failure named with its file and line (or its target):
  1. every target reaches (transitively) only the libraries its stage may
     use; above all, dauys-audit and the audit library reach nothing of the
     organisers' path (store, ingest, tally, report, publish, inputs);
  2. every quoted #include names its folder ("store/workspace.h"), the header
     exists, and a stage includes only headers of the stages it may use;
  3. no two headers share a name;
  4. an internal header (*_internal.h) is included only from its own folder
     (and the tests and fuzz targets, which may look inside);
  5. library code never prints or exits: no printf, puts, perror, exit,
     abort, stdout or stderr outside cmd/ (it returns errors to its caller).
Exits 0 if all hold, 1 otherwise (every failure listed), 2 on a usage error.
"""
import os
import re
import sys

# What each stage may reach, transitively: the data flows one way,
# inputs -> parse -> verify -> store/log -> tally -> report -> publish,
# and the audit shares parsing, crypto and the rules only.
BASE = {"core"}
REACH = {
    "core": set(),
    "sql": set(),
    "keys": BASE,
    "forensics": BASE,
    "net": BASE,
    "referendum": {"keys"} | BASE,
}
REACH["inputs"] = {"referendum"} | REACH["referendum"]
REACH["store"] = {"referendum", "sql"} | REACH["referendum"]
REACH["ingest"] = {"store"} | REACH["store"]
REACH["tally"] = {"store"} | REACH["store"]
REACH["report"] = {"tally", "forensics"} | REACH["tally"] | REACH["forensics"]
REACH["publish"] = {"report", "net"} | REACH["report"]
REACH["serve"] = {"publish", "ingest"} | REACH["publish"] | REACH["ingest"]
REACH["audit"] = {"referendum", "forensics", "sql", "net"} | REACH["referendum"]
REACH["cmd"] = {"keys"} | REACH["keys"]  # dauys_cmd: what both programs share
ORGANISERS = {"store", "ingest", "tally", "report", "publish", "serve", "inputs"}
EVERY_STAGE = set(REACH) - {"cmd"}
# The programs (folders cmd/dauys and cmd/audit).
REACH["cmd/dauys"] = EVERY_STAGE - {"audit"} | {"cmd"}
REACH["cmd/audit"] = {"audit", "cmd"} | REACH["audit"]
TARGET_STAGE = {"dauys": "cmd/dauys", "dauys-audit": "cmd/audit"}
LIBRARY_FOLDERS = sorted(EVERY_STAGE)
SOURCE_FOLDERS = LIBRARY_FOLDERS + ["cmd", "cmd/dauys", "cmd/audit"]
FREE_FOLDERS = ["tests", "tests/tools", "fuzz", "bench"]  # may include anything

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
PRINTS = re.compile(r"\b(printf|puts|perror|exit|abort|stdout|stderr)\b")


def stage_of_target(name):
    if name in TARGET_STAGE:
        return TARGET_STAGE[name]
    return name[len("dauys_"):] if name.startswith("dauys_") else None


def read_links(path):
    links = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            target, _, libs = line.rstrip("\n").partition(": ")
            links[target] = [lib for lib in libs.split(";") if lib.startswith("dauys_")]
    return links


def check_reach_closed():
    # Checking each direct link is enough only if what a stage may reach
    # includes everything its stages may reach in turn.
    for stage, reach in REACH.items():
        for other in reach:
            assert REACH[other] <= reach, f"REACH[{stage}] lacks what {other} reaches"


def check_links(links, fail):
    # Each direct link, so one breach is one failure; with REACH closed,
    # what a target reaches transitively is then allowed too.
    for target in sorted(links):
        stage = stage_of_target(target)
        if stage not in REACH:
            fail(f"{target}: a target of no stage (add it to tests/tools/layout.py)")
            continue
        for lib in links[target]:
            used = stage_of_target(lib)
            if used not in REACH[stage]:
                why = "the organisers' path" if used in ORGANISERS and (
                    stage == "audit" or stage == "cmd/audit") else f"{stage}/ may not use {used}/"
                fail(f"{target} links {lib} ({why})")


def strip_comments(text):
    # Comments may name anything ("never calls exit"); string literals stay.
    text = re.sub(r"/\*.*?\*/", lambda m: re.sub(r"[^\n]", " ", m.group(0)), text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def check_sources(src, fail):
    headers = {}
    for folder in SOURCE_FOLDERS + FREE_FOLDERS:
        for name in sorted(os.listdir(os.path.join(src, folder))):
            if name.endswith(".h"):
                if name in headers:
                    fail(f"{folder}/{name}: a second header named {name} (also {headers[name]}/)")
                headers[name] = folder
    for folder in SOURCE_FOLDERS + FREE_FOLDERS:
        for name in sorted(os.listdir(os.path.join(src, folder))):
            if name.endswith((".c", ".h")):
                check_file(src, folder, name, fail)


def check_file(src, folder, name, fail):
    path = f"{folder}/{name}"
    with open(os.path.join(src, path), encoding="utf-8") as f:
        text = f.read()
    for number, line in enumerate(text.split("\n"), 1):
        m = INCLUDE.match(line)
        if m:
            check_include(src, folder, f"{path}:{number}", m.group(1), fail)
    if folder in LIBRARY_FOLDERS:
        for number, line in enumerate(strip_comments(text).split("\n"), 1):
            code = re.sub(r'"(\\.|[^"\\])*"', '""', line)
            m = PRINTS.search(re.sub(r"format\s*\(\s*printf", "", code))
            if m:
                fail(f"{path}:{number}: library code uses {m.group(1)} (only cmd/ prints or exits)")


def check_include(src, folder, where, header, fail):
    owner = os.path.dirname(header)
    if owner == "":
        fail(f'{where}: #include "{header}" does not name its folder')
        return
    if not os.path.isfile(os.path.join(src, header)):
        fail(f'{where}: #include "{header}": no such header')
        return
    if folder in FREE_FOLDERS:
        return
    if header.endswith("_internal.h") and owner != folder:
        fail(f'{where}: #include "{header}": another stage\'s internal header')
        return
    if owner != folder and owner not in REACH[folder]:
        fail(f'{where}: #include "{header}": {folder}/ may not use {owner}/')


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    check_reach_closed()
    failures = []
    check_links(read_links(argv[2]), failures.append)
    check_sources(argv[1], failures.append)
    for failure in failures:
        print("FAIL " + failure)
    if failures:
        print(f"layout: {len(failures)} failures (docs/ARCHITECTURE.md says what may use what)")
        return 1
    print("layout: every link and include follows docs/ARCHITECTURE.md")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
