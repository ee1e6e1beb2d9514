#!/usr/bin/env python3
"""rules_tags.py: the requirement ids of docs/RULES.md against the code.

    usage: rules_tags.py SOURCE_DIR [AUDIT_LIBRARY]

docs/RULES.md section 8 defines each requirement once, as a list item that
starts with its id in bold ("- **R-VALIDITY-QUORUM**"). The code marks where
it implements one with a comment tag, SQLite's habit:

    /* IMPLEMENTATION-OF: R-VALIDITY-QUORUM */

Checks, and names every failure:
  - no id is defined twice, and every R-... id RULES.md mentions is defined;
  - every tag in the C code (every .c and .h file outside build trees) names
    a defined id;
  - every defined id is implemented twice: on the tally's side (referendum/
    and tally/) and on the audit's side (audit/), whose T2 decides again
    without the tally's rules code;
  - with AUDIT_LIBRARY (libdauys_audit.a): no object of the audit library
    calls the tally's deciding functions (nm's undefined symbols).

Exit status: 0 when all hold, 1 when one fails, 2 on a usage error.
"""
import os
import re
import subprocess
import sys

DEFINITION = re.compile(r"^- \*\*(R-[A-Z0-9]+(?:-[A-Z0-9]+)*)\*\*", re.M)
MENTION = re.compile(r"\bR-[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*")
TAG = re.compile(r"IMPLEMENTATION-OF:\s*(R-[A-Z0-9]+(?:-[A-Z0-9]+)*)")
TALLY_SIDE = ("referendum/", "tally/")
AUDIT_SIDE = ("audit/",)
# The tally's deciding code (referendum/rules.c): the audit must call none.
TALLY_DECIDERS = (
    "dauys_rules_decide",
    "dauys_rules_threshold",
    "dauys_rules_more_than_half",
    "dauys_rules_two_thirds",
    "dauys_rules_yes_base",
    "dauys_rules_majority_needed",
)


def sources(root):
    """Yields (path relative to ROOT, text) for every C file of the tree."""
    for top, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "build")))
        for name in sorted(files):
            if name.endswith((".c", ".h")):
                path = os.path.join(top, name)
                with open(path, encoding="utf-8") as f:
                    yield os.path.relpath(path, root).replace(os.sep, "/"), f.read()


def check_docs(rules_md, problems):
    """The ids RULES.md defines, each once; its mentions all defined."""
    defined = {}
    for m in DEFINITION.finditer(rules_md):
        line = rules_md.count("\n", 0, m.start()) + 1
        if m.group(1) in defined:
            problems.append(f"docs/RULES.md:{line}: {m.group(1)} is defined twice "
                            f"(first at line {defined[m.group(1)]})")
        defined.setdefault(m.group(1), line)
    if not defined:
        problems.append("docs/RULES.md defines no requirement id")
    for m in MENTION.finditer(rules_md):
        if m.group(0) not in defined:
            line = rules_md.count("\n", 0, m.start()) + 1
            problems.append(f"docs/RULES.md:{line}: {m.group(0)} is mentioned but not defined")
    return defined


def check_code(root, defined, problems):
    """Every tag defined; every id tagged on both sides."""
    sides = {rid: {"tally": [], "audit": []} for rid in defined}
    for path, text in sources(root):
        for m in TAG.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            rid = m.group(1)
            if rid not in defined:
                problems.append(f"{path}:{line}: {rid} is not defined in docs/RULES.md")
                continue
            if path.startswith(TALLY_SIDE):
                sides[rid]["tally"].append(f"{path}:{line}")
            elif path.startswith(AUDIT_SIDE):
                sides[rid]["audit"].append(f"{path}:{line}")
    for rid, where in sides.items():
        for side in ("tally", "audit"):
            if not where[side]:
                problems.append(f"{rid} (docs/RULES.md:{defined[rid]}) has no "
                                f"IMPLEMENTATION-OF tag on the {side}'s side")
    return sides


def check_library(library, problems):
    """No object of LIBRARY leaves a tally decider undefined (that is, calls it)."""
    out = subprocess.run(["nm", "-u", "-A", library], check=True, capture_output=True,
                         text=True).stdout
    for line in out.splitlines():
        symbol = line.split()[-1]
        if symbol in TALLY_DECIDERS:
            problems.append(f"{line.split(':')[-2]} in {os.path.basename(library)} "
                            f"calls the tally's {symbol}")


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    root = argv[1]
    problems = []
    with open(os.path.join(root, "docs", "RULES.md"), encoding="utf-8") as f:
        defined = check_docs(f.read(), problems)
    sides = check_code(root, defined, problems)
    if len(argv) == 3:
        check_library(argv[2], problems)
    for p in problems:
        print(f"FAIL: {p}")
    tags = sum(len(w["tally"]) + len(w["audit"]) for w in sides.values())
    print(f"{len(defined)} requirement ids, {tags} tags, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
