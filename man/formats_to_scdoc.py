#!/usr/bin/env python3
"""formats_to_scdoc.py: docs/FORMATS.md as the scdoc source of dauys-formats(5).

    python3 man/formats_to_scdoc.py docs/FORMATS.md > dauys-formats.5.scd

The build runs it (man/CMakeLists.txt), so that the man page is the document
itself, never a second copy to keep in step. It converts the Markdown that
FORMATS.md uses, and nothing more: headings (## to a section, ### to a
subsection), paragraphs, `code`, **bold**, *emphasis*, [links](target), bullet
and numbered lists (nested once), fenced code blocks, pipe tables and "> "
quoted lines. Anything scdoc would read as its own syntax (*, _, \\, a line
starting with ; or a table or list marker) is escaped. A construct it does not
know (a heading deeper than ###, a table row of the wrong width, a code block
that never ends) is an error, with its line: extend the
converter rather than let the page lose text.
"""
import re
import sys

HEADING = re.compile(r"^(#{1,6}) (.*)$")
BULLET = re.compile(r"^( *)[-*] (.*)$")
NUMBERED = re.compile(r"^( *)[0-9]+\. (.*)$")
FENCE = re.compile(r"^( *)```")
TABLE_RULE = re.compile(r"^\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
INLINE = re.compile(r"`([^`]+)`|\*\*(.+?)\*\*|(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])"
                    r"|\[([^\]]+)\]\(([^)]+)\)")


class ConvertError(Exception):
    pass


def escape(text):
    """Plain text with scdoc's formatting characters made literal."""
    return re.sub(r"([\\*_])", r"\\\1", text)


def inline(text):
    """One line of Markdown text as scdoc text: code and bold in bold,
    emphasis underlined, a link as its text and, when it leaves the document,
    its target."""
    out, pos = [], 0
    for m in INLINE.finditer(text):
        out.append(escape(text[pos:m.start()]))
        code, bold, emph, label, target = m.groups()
        if code is not None:
            out.append("*" + escape(code) + "*")
        elif bold is not None:
            out.append("*" + inline_plain(bold) + "*")
        elif emph is not None:
            out.append("_" + inline_plain(emph) + "_")
        elif target.startswith("#"):
            out.append(inline(label))
        elif target.endswith(".md") or ".md#" in target:
            doc = target.split("#")[0]
            out.append(inline(label) + ("" if label == doc else " (" + escape(doc) + ")"))
        else:
            out.append(inline(label) + " (" + escape(target) + ")")
        pos = m.end()
    out.append(escape(text[pos:]))
    return "".join(out)


def inline_plain(text):
    """Text inside bold or emphasis: code spans lose their backquotes (scdoc
    does not nest formatting)."""
    return escape(text.replace("`", ""))


def line_start(text):
    """A text line that scdoc must not read as a comment, a table row or a
    list item: its first character escaped."""
    if re.match(r"^(; |[|:\[]|- |\. )", text):
        return "\\" + text
    return text


def table_cells(line):
    """The cells of a pipe table row, split at unescaped |."""
    body = line.strip()
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") and not body.endswith("\\|") else body
    cells, cur, in_code = [], "", False
    i = 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body) and body[i + 1] == "|":
            cur += "|"
            i += 2
            continue
        if c == "`":
            in_code = not in_code
        if c == "|" and not in_code:
            cells.append(cur.strip())
            cur = ""
        else:
            cur += c
        i += 1
    cells.append(cur.strip())
    return cells


def table(rows):
    """A Markdown pipe table (header, rule, rows) as an scdoc table with
    borders; the header in bold, every column left-aligned but the last,
    which takes the room left."""
    header, body = table_cells(rows[0]), [table_cells(r) for r in rows[2:]]
    width = len(header)
    out = []
    for n, cells in enumerate([header] + body):
        if len(cells) != width:
            raise ConvertError(f"a table row with {len(cells)} cells, not {width}: {cells}")
        for k, cell in enumerate(cells):
            text = inline(cell)
            if n == 0 and text:
                text = "*" + inline_plain(cell) + "*"
            first = ("[" if n == 0 else "|") if k == 0 else ":"
            align = "<" if k == width - 1 else "["
            out.append((first + align + " " + text).rstrip())
    return out


PREAMBLE = [
    "dauys-formats(5)", "",
    "; Generated from docs/FORMATS.md by man/formats_to_scdoc.py: edit that file.", "",
    "# NAME", "", "dauys-formats - the file formats of dauys and dauys-audit", "",
    "# DESCRIPTION", "",
    "This page is docs/FORMATS.md of the dauys sources, converted at build time;",
    "the packages install it as /usr/share/doc/dauys/FORMATS.md too. The other",
    "documents it names (RULES.md, FORENSICS.md, ...) are installed beside it.", ""]


def code_block(lines, i, indent):
    """The fenced block whose body starts at lines[i] (its fence indented by
    `indent` spaces) as an scdoc literal block, and the index after its
    closing fence. scdoc reads backslashes even there: they are doubled."""
    out = ["```"]
    while i < len(lines) and not FENCE.match(lines[i]):
        out.append(lines[i].rstrip("\n")[indent:].replace("\\", "\\\\"))
        i += 1
    if i == len(lines):
        raise ConvertError("a code block that never ends")
    return out + ["```", ""], i + 1


def heading(level, title, where):
    """A ## heading as a section, ### as a subsection; # (the title) as
    nothing: the NAME section says it."""
    if level == 1:
        return []
    if level > 3:
        raise ConvertError(f"line {where}: a heading deeper than ###")
    # scdoc copies a heading as it is (no formatting, no escapes)
    return ["#" * (level - 1) + " " + title.replace("`", ""), ""]


def ends_list(next_line):
    """After an empty line, whether next_line ends the list before it: it is
    neither indented (the item goes on) nor an item."""
    return not next_line.startswith(" ") and not BULLET.match(next_line) \
        and not NUMBERED.match(next_line)


class Lists:
    """Where the text is in a list: the Markdown indent of its items' text
    (None outside a list) and the scdoc indent of a paragraph inside an item
    ("" when none)."""

    def __init__(self):
        self.indent = None
        self.para = ""

    def item(self, match, line):
        """An item line: "- text" or "\t- text" (nested), ". text" numbered."""
        depth = 0 if len(match.group(1)) < 2 else 1
        marker = "-" if BULLET.match(line) else "."
        self.para = ""
        self.indent = len(match.group(1)) + (2 if marker == "-" else len(line.split()[0]) + 1)
        return "\t" * depth + marker + " " + inline(match.group(2))

    def text(self, line, after_blank):
        """A text line inside a list: the item going on, or a paragraph of it."""
        indent = len(line) - len(line.lstrip(" "))
        text = inline(line.strip())
        depth = 1 if indent >= 4 and self.indent >= 4 else 0
        if after_blank:
            self.para = "\t" * (depth + 1)             # a paragraph in an item
            return self.para + line_start(text)
        if self.para:
            return self.para + text                    # that paragraph goes on
        return "\t" * depth + "  " + text              # the item goes on


def convert(lines):
    """The scdoc source of dauys-formats(5), as a list of lines, from the
    lines of FORMATS.md. Raises ConvertError on what it cannot convert."""
    out = list(PREAMBLE)
    lists = Lists()
    i, n = 0, len(lines)

    def blank():
        if out and out[-1] != "":
            out.append("")

    while i < n:
        line = lines[i].rstrip("\n").rstrip()
        where = i + 1
        i += 1
        if not line:
            blank()
            lists.para = ""
            if i < n and ends_list(lines[i]):
                lists.indent = None
            continue
        fence = FENCE.match(line)
        if fence:
            blank()
            try:
                block, i = code_block(lines, i, len(fence.group(1)))
            except ConvertError as e:
                raise ConvertError(f"line {where}: {e}") from None
            out.extend(block)
            continue
        head = HEADING.match(line)
        if head:
            blank()
            out.extend(heading(len(head.group(1)), head.group(2), where))
            lists.indent = None
            continue
        if line.startswith("|") and i < n and TABLE_RULE.match(lines[i].strip()):
            rows = [line]
            while i < n and lines[i].strip().startswith("|"):
                rows.append(lines[i].strip())
                i += 1
            blank()
            out.extend(table(rows) + [""])
            continue
        if line.startswith(">"):
            if not out or not out[-1].startswith("\t"):
                blank()
            out.append("\t" + line_start(inline(line[1:].strip())))
            continue
        while (line.count("`") % 2 or line.count("**") % 2) and i < n and lines[i].strip():
            line += " " + lines[i].strip()      # a code span or bold goes on: one line
            i += 1
        item = BULLET.match(line) or NUMBERED.match(line)
        if item:
            if lists.indent is None:
                blank()
            out.append(lists.item(item, line))
        elif lists.indent is not None:
            out.append(lists.text(line, bool(out) and out[-1] == ""))
        else:
            out.append(line_start(inline(line.strip())))
    return out


def main(argv):
    if len(argv) != 2:
        print("usage: formats_to_scdoc.py docs/FORMATS.md", file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        lines = f.readlines()
    try:
        out = convert(lines)
    except ConvertError as e:
        print(f"formats_to_scdoc.py: {argv[1]}: {e}", file=sys.stderr)
        return 1
    while out and out[-1] == "":
        out.pop()
    sys.stdout.write("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
