#!/usr/bin/env python3
"""command_words.py: the command names a bash script runs, for
tests/cli/setup_cli.sh (every tool the scripts and tests call comes from a
package scripts/setup.sh installs).

    python3 command_words.py FILE...

prints "NAME FILE:LINE" for every word in command position: the first word of
a simple command (after assignments and redirections), inside $(...), `...`,
<(...) and double quotes too, the command a wrapper runs (exec, command,
env, setsid, timeout, xargs, nohup, nice, sudo, chroot, unshare, valgrind,
ulimit-free `bash -c '...'` code), names tested with `command -v NAME`, the
words of a `for tool in ...` list checked with `command -v "$tool"`, and the
default of a variable run as a command (PYTHON=${PYTHON:-python3}, then
"$PYTHON"). Functions the files define are left out; so are words with a `$`
or `/` in them (variables and paths: the test's programs, not tools), shell
keywords, and heredoc bodies (other languages). This is a shell lexer, not a
parser: it errs on the side of listing a word, and the test treats a listed
word that is no command as an error to look at.
"""
import re
import sys

KEYWORDS = {"if", "then", "else", "elif", "fi", "do", "done", "while", "until",
            "case", "esac", "for", "select", "in", "function", "!", "time",
            "{", "}", "[[", "]]", "coproc"}
# wrapper: how many option arguments take a value (skipped with the option).
WRAPPERS = {
    "exec": set(), "command": set(), "nohup": set(), "sudo": {"-u", "-g"},
    "env": {"-u", "-C"}, "setsid": set(), "nice": {"-n"},
    "timeout": {"-s", "-k", "--signal", "--kill-after"},
    "xargs": {"-I", "-n", "-P", "-d", "-L", "-s", "-E", "-a"},
    "chroot": set(), "unshare": set(),
    "valgrind": set(), "time": set(),
}
# after the options, how many plain words come before the command
WRAPPER_ARGS = {"timeout": 1, "chroot": 1}
ASSIGN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?\+?=")
DEFAULT = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)=\$\{[A-Za-z_][A-Za-z0-9_]*:-([A-Za-z0-9_.+-]+)\}")
EMPTY = re.compile(r"(?:^|[\s;])([A-Za-z_][A-Za-z0-9_]*)=(?:\"\"|''|(?=[\s;]|$))", re.M)
INLINE_DEFAULT = re.compile(r'^"?\$\{[A-Za-z_][A-Za-z0-9_]*:-([A-Za-z0-9_.+-]+)\}"?$')
FUNCDEF = re.compile(r"^\s*(?:function\s+)?([A-Za-z_][A-Za-z0-9_:.-]*)\s*\(\)", re.M)
VARWORD = re.compile(r'^"?\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?"?$')
OPERATORS = ["&&", "||", ";;", "|&", "|", ";", "&", "(", ")"]


def matching(src, i, open_ch, close_ch):
    """Index just past the close_ch matching the open_ch before src[i],
    skipping quotes and nested pairs."""
    depth = 1
    n = len(src)
    while i < n:
        c = src[i]
        if c == "\\":
            i += 2
            continue
        if c == "'":
            j = src.find("'", i + 1)
            i = n if j < 0 else j + 1
            continue
        if c == '"':
            i = skip_double(src, i + 1)
            continue
        if c == open_ch:
            depth += 1
        elif c == close_ch:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return n


def skip_double(src, i):
    """Index just past the closing double quote of a string starting at i."""
    n = len(src)
    while i < n:
        c = src[i]
        if c == "\\":
            i += 2
            continue
        if c == '"':
            return i + 1
        if src.startswith("$(", i):
            i = matching(src, i + 2, "(", ")")
            continue
        if c == "`":
            j = src.find("`", i + 1)
            i = n if j < 0 else j + 1
            continue
        i += 1
    return n


class Scanner:
    def __init__(self, path, text, defaults, functions):
        self.path = path
        self.empties = set(EMPTY.findall(text))
        self.text = text
        self.defaults = defaults
        self.functions = functions
        self.found = []          # (name, line)

    def line_of(self, offset):
        return self.text.count("\n", 0, offset) + 1

    def add(self, name, offset):
        if not name or "$" in name or "/" in name or name in self.functions:
            return
        if name in KEYWORDS or not re.match(r"^[A-Za-z0-9_.+\[-]+$", name):
            return
        self.found.append((name, self.line_of(offset)))

    def nested(self, code, offset):
        """Scans code found at text offset `offset` (a substitution)."""
        self.scan(code, offset)

    def scan(self, src, base):
        """Scans shell code src, which is self.text[base:base+len(src)] or a
        piece of it (offsets are approximate inside quotes)."""
        i, n = 0, len(src)
        words = []               # the current simple command: (word, raw, offset)
        heredocs = []
        casepat = False          # in a case statement, before a pattern's ')'
        while i <= n:
            c = src[i] if i < n else "\n"
            if c == "\n" or any(src.startswith(op, i) for op in OPERATORS) and c != "\n":
                op = "\n" if c == "\n" else next(o for o in OPERATORS if src.startswith(o, i))
                if casepat and op == ")":
                    casepat = False
                    words = []
                    i += 1
                    continue
                self.command(words)
                if words and words[0][0] == "case":
                    casepat = True
                words = []
                if op == ";;":
                    casepat = True
                if op == "(" and i + 1 < n and src[i + 1] == "(":
                    i = matching(src, i + 2, "(", ")") + 1     # (( arithmetic ))
                    continue
                i += len(op)
                if op == "\n" and heredocs:
                    for tag, strip in heredocs:
                        while i < n:
                            j = src.find("\n", i)
                            j = n if j < 0 else j
                            line = src[i:j]
                            i = j + 1
                            if (line.lstrip("\t") if strip else line) == tag:
                                break
                    heredocs = []
                continue
            if c in " \t":
                i += 1
                continue
            if c == "\\" and i + 1 < n and src[i + 1] == "\n":
                i += 2
                continue
            if c == "#":
                j = src.find("\n", i)
                i = n if j < 0 else j
                continue
            m = re.match(r"[0-9]*(<<<|<<-|<<|<&|>&|&>>|&>|>>|<>|>\||<|>)", src[i:])
            if m and not src.startswith("<(", i) and not src.startswith(">(", i):
                i += m.end()
                while i < n and src[i] in " \t":
                    i += 1
                start = i
                i = self.word_end(src, i, base)
                target = src[start:i]
                if m.group(1) in ("<<", "<<-"):
                    heredocs.append((target.strip("'\""), m.group(1) == "<<-"))
                continue
            start = i
            i = self.word_end(src, i, base)
            word = src[start:i]
            if word.endswith("=") and i < n and src[i] == "(":
                i = matching(src, i + 1, "(", ")")              # an array
                word += "()"
            if word == "[[":
                j = src.find("]]", i)
                i = n if j < 0 else j + 2
                words.append(("[[", "[[", base + start))
                continue
            if not words and casepat:
                casepat = word != "esac"                        # a pattern
                continue
            words.append((unquote(word), word, base + start))
        return

    def word_end(self, src, i, base):
        """Index just past the word at i; scans the code inside it."""
        n = len(src)
        while i < n:
            c = src[i]
            if c in " \t\n;&|<>()":
                if c in "<>" and i + 1 < n and src[i + 1] == "(":
                    end = matching(src, i + 2, "(", ")")
                    self.nested(src[i + 2:end - 1], base + i + 2)
                    i = end
                    continue
                if c == "(" and i > 0 and src[i - 1] in "@?*+!":
                    i = matching(src, i + 1, "(", ")")       # extglob
                    continue
                return i
            if c == "\\":
                i += 2
            elif c == "'":
                j = src.find("'", i + 1)
                i = n if j < 0 else j + 1
            elif c == '"':
                end = skip_double(src, i + 1)
                self.inner_double(src[i + 1:end - 1], base + i + 1)
                i = end
            elif src.startswith("$((", i):
                i = matching(src, i + 3, "(", ")") + 1
            elif src.startswith("$(", i):
                end = matching(src, i + 2, "(", ")")
                self.nested(src[i + 2:end - 1], base + i + 2)
                i = end
            elif src.startswith("${", i):
                i = matching(src, i + 2, "{", "}")
            elif c == "`":
                j = src.find("`", i + 1)
                j = n if j < 0 else j
                self.nested(src[i + 1:j], base + i + 1)
                i = j + 1
            else:
                i += 1
        return i

    def inner_double(self, s, base):
        """The substitutions inside a double-quoted string."""
        i, n = 0, len(s)
        while i < n:
            if s[i] == "\\":
                i += 2
            elif s.startswith("$((", i):
                i = matching(s, i + 3, "(", ")") + 1
            elif s.startswith("$(", i):
                end = matching(s, i + 2, "(", ")")
                self.nested(s[i + 2:end - 1], base + i + 2)
                i = end
            elif s[i] == "`":
                j = s.find("`", i + 1)
                j = n if j < 0 else j
                self.nested(s[i + 1:j], base + i + 1)
                i = j + 1
            else:
                i += 1

    def command(self, words):
        """Records the command a simple command runs."""
        k = 0
        while k < len(words) and ASSIGN.match(words[k][1]):
            k += 1
        if k < len(words) and words[k][0] in ("for", "select"):
            self.for_list(words[k:])
            return
        while k < len(words) and words[k][0] in KEYWORDS:
            k += 1
        while k < len(words):
            name, raw, offset = words[k]
            if raw.endswith("()"):
                return
            if k + 1 < len(words) and words[k + 1][1] == "()":
                return                                          # a definition
            if raw.startswith("$") and raw[1:].strip("{}") in self.empties:
                k += 1                          # $sudo apt-get: a prefix that may be empty
                continue
            self.add(self.resolve(name, raw), offset)
            if name == "command" and k + 2 < len(words) and words[k + 1][0] in ("-v", "-V"):
                self.add(words[k + 2][0], words[k + 2][2])
                return
            if name in ("bash", "sh") and k + 2 < len(words) and words[k + 1][0] == "-c":
                self.nested(words[k + 2][0], words[k + 2][2])
                return
            if name not in WRAPPERS:
                return
            k += 1
            takes = WRAPPERS[name]
            while k < len(words) and (words[k][0].startswith("-") or
                                      (name == "env" and ASSIGN.match(words[k][0]))):
                if words[k][0] in takes:
                    k += 1
                k += 1
            k += WRAPPER_ARGS.get(name, 0)

    def for_list(self, words):
        """`for tool in a b c` where the file checks `command -v "$tool"`."""
        if len(words) < 3 or words[2][0] != "in":
            return
        var = words[1][0]
        if re.search(r'command -v "\$' + re.escape(var) + '"', self.text):
            for name, raw, offset in words[3:]:
                self.add(self.resolve(name, raw), offset)

    def resolve(self, name, raw):
        """The command a word names: a variable's default ("$PYTHON" with
        PYTHON=${PYTHON3:-python3}, "${SQLITE:-sqlite3}"), else the word."""
        var = VARWORD.match(raw)
        if var and var.group(1) in self.defaults:
            return self.defaults[var.group(1)]
        inline = INLINE_DEFAULT.match(raw)
        return inline.group(1) if inline else name


def unquote(word):
    out, i, n = [], 0, len(word)
    while i < n:
        c = word[i]
        if c == "\\" and i + 1 < n:
            out.append(word[i + 1])
            i += 2
        elif c in "'\"":
            i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def main(paths):
    texts = {p: open(p, encoding="utf-8", errors="replace").read() for p in paths}
    defaults, functions = {}, set()
    for text in texts.values():
        for m in DEFAULT.finditer(text):
            defaults[m.group(1)] = m.group(2)
        functions.update(FUNCDEF.findall(text))
    for path, text in texts.items():
        scanner = Scanner(path, text, defaults, functions)
        scanner.scan(text, 0)
        for name, line in scanner.found:
            print(f"{name} {path}:{line}")


if __name__ == "__main__":
    main(sys.argv[1:])
