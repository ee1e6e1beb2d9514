#!/usr/bin/env python3
"""Checks the names the static libraries export (issue 16).

    symbols.py NM LIBRARY.a...

Every global symbol a library defines must be dauys_<module>_... (or
dauys_<word>, e.g. dauys_malloc), and each <module> must belong to one
library: a name's prefix tells which library defines it. A helper used in
one file only is static; one shared between a library's files carries the
library's prefix. Symbols beginning with "__" are the compiler's (the
sanitizers' and coverage's instrumentation) and are passed over.

Prints each problem and exits 1 if there is any; exits 0 otherwise.
"""
import os
import subprocess
import sys


def exported(nm, library):
    """The global symbols LIBRARY defines, as (symbol, member) pairs."""
    out = subprocess.run([nm, "-g", "--defined-only", "-P", library], check=True,
                         capture_output=True, text=True).stdout
    member = library
    for line in out.splitlines():
        if line.endswith(":"):  # "lib.a[file.c.o]:" starts a member's symbols
            member = line[:-1]
            continue
        fields = line.split()
        if len(fields) >= 2 and not fields[0].startswith("__"):
            yield fields[0], member


def module_of(symbol):
    """dauys_log_append -> "log"; dauys_malloc -> "malloc"."""
    return symbol[len("dauys_"):].split("_", 1)[0]


def main(argv):
    if len(argv) < 3:
        print("usage: symbols.py NM LIBRARY.a...", file=sys.stderr)
        return 2
    nm, libraries = argv[1], argv[2:]
    problems = []
    owners = {}  # module -> {library: an example symbol}
    for library in libraries:
        name = os.path.basename(library)
        count = 0
        for symbol, member in exported(nm, library):
            count += 1
            if not symbol.startswith("dauys_") or module_of(symbol) == "":
                problems.append(f"{member}: exports {symbol}, not dauys_-prefixed "
                                "(make it static, or give it its library's prefix)")
                continue
            owners.setdefault(module_of(symbol), {}).setdefault(name, symbol)
        if count == 0:
            problems.append(f"{library}: exports nothing (not a library of dauys?)")
    for module, by_library in sorted(owners.items()):
        if len(by_library) > 1:
            where = ", ".join(f"{lib} ({sym})" for lib, sym in sorted(by_library.items()))
            problems.append(f"dauys_{module}_ is defined in {len(by_library)} libraries: "
                            f"{where}")
    for problem in problems:
        print(problem)
    print(f"{len(libraries)} libraries, {len(owners)} prefixes, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
