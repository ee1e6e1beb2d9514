#!/usr/bin/env python3
"""report_check.py: checks on the HTML report (tests/cli/report_cli.sh).

  report_check.py static PAGE          the page is self-contained
  report_check.py numbers DOM RESULT   every number of the result statement
                                       RESULT is in the rendered DOM, equal
  report_check.py forensics DOM JSON   the page's forensics table and flags
                                       are dauys-audit forensics --json's
  report_check.py png FILE             a screenshot is not blank
  report_check.py pdf FILE             a printout has pages

Each prints one line per problem found and exits 1 if there was any, 0
(printing a one-line summary) if not, 2 on bad usage or unreadable input.
Only the standard library: the PNG reader below decodes what headless
Chromium writes (8-bit RGB or RGBA, not interlaced).
"""
import html.parser
import json
import re
import struct
import sys
import zlib


def problems_exit(problems, summary):
    for p in problems:
        print(p)
    if problems:
        return 1
    print(summary)
    return 0


# --- static: nothing outside the file ------------------------------------

LOADING = {"script", "link", "iframe", "frame", "object", "embed", "img", "image", "video", "audio",
           "source", "track", "use", "foreignobject", "form", "base", "feimage"}
RESOURCE_ATTRS = {"src", "srcset", "action", "formaction", "poster", "data", "background", "xlink:href"}


class Markup(html.parser.HTMLParser):
    """Collects what in the markup (not the text) could load or run anything."""

    def __init__(self):
        super().__init__()
        self.problems, self.style, self.in_style, self.csp, self.svgs = [], [], False, None, 0

    def where(self):
        return f"line {self.getpos()[0]}"

    def handle_starttag(self, tag, attrs):
        if tag in LOADING:
            self.problems.append(f"{self.where()}: a <{tag}> element")
        self.svgs += tag == "svg"
        self.in_style = tag == "style"
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.problems.append(f"{self.where()}: an event handler {name}=")
            elif name in RESOURCE_ATTRS or (name == "href" and not value.startswith("#")):
                self.problems.append(f"{self.where()}: {name}={value[:40]!r}")
            elif name == "style" and re.search(r"url\(|@import|expression\(", value, re.I):
                self.problems.append(f"{self.where()}: a style attribute that loads: {value[:40]!r}")
            elif "javascript:" in value.lower():
                self.problems.append(f"{self.where()}: a javascript: URL in {name}=")
        if tag == "meta" and dict(attrs).get("http-equiv", "").lower() == "content-security-policy":
            self.csp = dict(attrs).get("content", "")

    def handle_endtag(self, tag):
        self.in_style = self.in_style and tag != "style"

    def handle_data(self, data):
        if self.in_style:
            self.style.append(data)


def check_static(path):
    page = open(path, encoding="utf-8").read()
    markup = Markup()
    markup.feed(page)
    problems = [f"{path}: {p}" for p in markup.problems]
    if re.search(r"url\(|@import|@font-face", "".join(markup.style), re.I):
        problems.append(f"{path}: the style sheet loads something (url(), @import or @font-face)")
    if markup.csp is None or not markup.csp.startswith("default-src 'none';"):
        problems.append(f"{path}: no Content-Security-Policy forbidding every load ({markup.csp!r})")
    if not page.startswith("<!DOCTYPE html>"):
        problems.append(f"{path}: does not start with <!DOCTYPE html>")
    if markup.svgs < 4:
        problems.append(f"{path}: {markup.svgs} inline charts, expected at least 4 per question")
    return problems_exit(problems, f"self-contained: {len(page)} bytes, {markup.svgs} inline SVG charts, "
                                   "nothing that loads or runs")


# --- numbers: the DOM against the result statement -----------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Dom(html.parser.HTMLParser):
    """Collects the text of every element with a data-field, by its
    enclosing table id and data-area, and the elements seen."""

    def __init__(self):
        super().__init__()
        self.stack = []  # (tag, attrs)
        self.fields = {}  # (table, area, field) -> text
        self.rules = []  # (question, rule, passed, text)
        self.flags = []  # (question section, data-flag, text)
        self.tags = set()
        self.capture = None  # [key, text parts, depth]

    def context(self, name):
        for tag, attrs in reversed(self.stack):
            if name in attrs:
                return attrs[name]
        return None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.add(tag)
        if tag in VOID:
            return
        self.stack.append((tag, attrs))
        if self.capture is None and ("data-field" in attrs or "data-rule" in attrs or "data-flag" in attrs):
            key = ("field", attrs.get("data-field")) if "data-field" in attrs else \
                  ("rule", attrs.get("data-rule"), attrs.get("data-passed")) if "data-rule" in attrs else \
                  ("flag", attrs.get("data-flag"))
            self.capture = [key, [], len(self.stack), self.context("id"), self.context("data-area")]

    def handle_endtag(self, tag):
        while self.stack:
            t, _ = self.stack.pop()
            if self.capture is not None and len(self.stack) < self.capture[2]:
                self.finish()
            if t == tag:
                break

    def handle_data(self, data):
        if self.capture is not None:
            self.capture[1].append(data)

    def finish(self):
        key, parts, _, where, area = self.capture
        text = "".join(parts).strip()
        if key[0] == "field":
            self.fields[(where, area, key[1])] = text
        elif key[0] == "rule":
            self.rules.append((where, key[1], key[2], text))
        else:
            self.flags.append((where, key[1], text))
        self.capture = None


def group(n):
    return f"{n:,}"


def percent(part, whole):
    if whole == 0:
        return "-"
    hundredths = (part * 20000 + whole) // (whole * 2)
    return f"{hundredths // 100}.{hundredths % 100:02d}%"


def parse_result(path):
    """The statement's header and, per question, its areas and rules."""
    head, questions, q = {}, [], None
    for line in open(path, encoding="utf-8"):
        key, _, value = line.rstrip("\n").partition(": ")
        if key == "question":
            q = {"id": value, "areas": {}, "order": [], "rules": [], "profile": None}
            questions.append(q)
        elif q is None:
            head[key] = value
        elif key == "profile":
            q["profile"] = value
        elif key in ("national", "region"):
            words = value.split(" ")
            area = "national" if key == "national" else words.pop(0)
            nums = dict(zip(words[0::2], words[1::2]))
            reporting, expected = nums.pop("precincts").split("/")
            nums = {k: int(v) for k, v in nums.items()}
            nums["precincts-reporting"], nums["precincts-expected"] = int(reporting), int(expected)
            q["areas"][area] = nums
            q["order"].append(area)
        elif key == "rule":
            w = value.split(" ")
            q["rules"].append({"name": w[0], "met": w[1] == "met", "needed": int(w[3]),
                               "have": int(w[5]), "of": int(w[7])})
        elif key in ("valid", "adopted"):
            q[key] = value == "yes"
    return head, questions


COUNT = re.compile(r"^\d{1,3}(,\d{3})*$")


def shares(q, nums):
    """The turnout and yes share the page must show, from the statement."""
    of_valid = q["profile"] in ("simple-majority", "quorum-majority") or \
        (q["profile"].startswith("custom:") and "valid" in q["profile"])
    base = nums["yes"] + nums["no"] if of_valid else nums["took-part"]
    return {"turnout": percent(nums["took-part"], nums["eligible"]), "yes-share": percent(nums["yes"], base)}


def check_area(dom, q, area, nums, problems, where):
    table = f"areas-{q['id']}"
    for field, want in shares(q, nums).items():
        got = dom.fields.get((table, area, field))
        if got != want:
            problems.append(f"{where}: {area} {field}: the page says {got!r}, the statement's numbers give {want!r}")
    for field, want in nums.items():
        got = dom.fields.get((table, area, field))
        if got is None:
            problems.append(f"{where}: {area} {field}: not on the page")
        elif not COUNT.match(got):
            problems.append(f"{where}: {area} {field}: {got!r} is not a count with thousands separators")
        elif int(got.replace(",", "")) != want:
            problems.append(f"{where}: {area} {field}: the page says {got}, the statement {group(want)}")
    return 1


def check_question(dom, q, problems, where):
    checked = 0
    table_areas = {a for (t, a, f) in dom.fields if t == f"areas-{q['id']}"}
    if table_areas != set(q["areas"]):
        problems.append(f"{where}: the page's areas {sorted(table_areas)} are not the statement's {sorted(q['areas'])}")
    for area, nums in q["areas"].items():
        checked += check_area(dom, q, area, nums, problems, where)
    decision = {"valid": "VALID" if q["valid"] else "NOT VALID",
                "adopted": "ADOPTED" if q["adopted"] else "NOT ADOPTED"}
    for field, want in decision.items():
        got = dom.fields.get((f"decision-{q['id']}", None, field))
        if got != want:
            problems.append(f"{where}: {field}: the page says {got!r}, the statement {want!r}")
    page_rules = [r for r in dom.rules if r[0] == f"decision-{q['id']}"]
    for rule in q["rules"]:
        hits = [r for r in page_rules if r[1] == rule["name"]]
        if not hits:
            problems.append(f"{where}: rule {rule['name']}: not on the page")
            continue
        text = hits[0][3]
        numbers = [int(n.replace(",", "")) for n in re.findall(r"\d[\d,]*", text)]
        for k in ("needed", "have", "of"):
            if rule[k] not in numbers:
                problems.append(f"{where}: rule {rule['name']}: {k} {group(rule[k])} is not in {text!r}")
        if (hits[0][2] == "1") != rule["met"]:
            problems.append(f"{where}: rule {rule['name']}: met on the page {hits[0][2]}, in the statement {rule['met']}")
    return checked


def check_numbers(dom_path, result_path):
    dom = Dom()
    dom.feed(open(dom_path, encoding="utf-8").read())
    head, questions = parse_result(result_path)
    problems, checked = [], 0
    where = dom_path
    if "script" in dom.tags:
        problems.append(f"{where}: the DOM has a <script> element")
    header = {"precincts-reporting": int(head["precincts-reporting"]),
              "precincts-expected": int(head["precincts-expected"]),
              "log-size": int(head["log-size"])}
    for field, want in header.items():
        got = dom.fields.get(("status" if field.startswith("precincts") else "log", None, field))
        if got is None or int(got.replace(",", "")) != want:
            problems.append(f"{where}: {field}: the page says {got!r}, the statement {group(want)}")
    got_root = dom.fields.get(("log", None, "log-root"))
    if got_root != head["log-root"]:
        problems.append(f"{where}: log-root: the page says {got_root!r}, the statement {head['log-root']!r}")
    for q in questions:
        checked += check_question(dom, q, problems, where)
    return problems_exit(problems, f"numbers: {checked} areas in {len(questions)} question(s), "
                                   f"the decision, {sum(len(q['rules']) for q in questions)} rules, "
                                   "the precincts and the log state equal the statement")


# --- forensics: the page's against dauys-audit forensics --json ----------

def check_forensics(dom_path, json_path):
    dom = Dom()
    dom.feed(open(dom_path, encoding="utf-8").read())
    audit = json.load(open(json_path, encoding="utf-8"))
    problems, areas = [], 0
    for q in audit["questions"]:
        table = f"forensics-{q['question']}"
        for a in q["regions"] + [dict(q["national"], id="national")]:
            areas += 1
            for field, key in (("integer-turnout", "integer_turnout"), ("integer-yes", "integer_yes")):
                want = f"{a[key]['observed']:,}"
                got = dom.fields.get((table, a["id"], field))
                if got != want:
                    problems.append(f"{a['id']} {field}: the page says {got!r}, the audit {want!r}")
                want = f"{a[key]['expected']:.1f} ({a[key]['p999']:,})"
                got = dom.fields.get((table, a["id"], field + "-expected"))
                if got != want:
                    problems.append(f"{a['id']} {field} expected: the page says {got!r}, the audit {want!r}")
            got = dom.fields.get((table, a["id"], "digits"))
            if got != f"{a['last_digit']['counts']:,}":
                problems.append(f"{a['id']} last digits: the page says {got!r}, the audit {a['last_digit']['counts']}")
        names = {r["id"]: r["name"] for r in q["regions"]}
        want_flags = sorted(("national" if f["area"] is None else names[f["area"]], f["flag"]) for f in q["flags"])
        got_flags = sorted((text.split(": ")[0], flag) for (_, flag, text) in dom.flags)
        if got_flags != want_flags:
            problems.append(f"flags: the page has {got_flags}, the audit {want_flags}")
    return problems_exit(problems, f"forensics: {areas} areas and {len(dom.flags)} flags equal dauys-audit forensics'")


# --- png: a screenshot that is not blank ---------------------------------

def png_pixels(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG file")
    pos, chunks = 8, {}
    idat = b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IDAT":
            idat += body
        else:
            chunks[kind] = body
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    if depth != 8 or colour not in (2, 6) or interlace:
        raise ValueError(f"unsupported PNG (depth {depth}, colour type {colour}, interlace {interlace})")
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        unfilter(f, line, prev, bpp)
        rows.append(line)
        prev = line
    return width, height, bpp, rows


def unfilter(f, line, prev, bpp):
    for i in range(len(line)):
        a = line[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        if f == 1:
            line[i] = (line[i] + a) & 255
        elif f == 2:
            line[i] = (line[i] + b) & 255
        elif f == 3:
            line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255


def check_png(path):
    width, height, bpp, rows = png_pixels(path)
    ink = chart = 0
    colours = set()
    for line in rows[::2]:
        for x in range(0, width * bpp, bpp * 2):
            r, g, b = line[x], line[x + 1], line[x + 2]
            colours.add((r >> 4, g >> 4, b >> 4))
            if r < 200 or g < 200 or b < 200:
                ink += 1
            if abs(r - 0x21) < 24 and abs(g - 0x66) < 24 and abs(b - 0xac) < 24:
                chart += 1  # the charts' blue
    sampled = len(rows[::2]) * len(range(0, width * bpp, bpp * 2))
    problems = []
    if ink < sampled // 100:
        problems.append(f"{path}: {ink} of {sampled} sampled pixels are not near white: blank")
    if chart < 200:
        problems.append(f"{path}: {chart} sampled pixels in the charts' blue: no chart drawn")
    if len(colours) < 8:
        problems.append(f"{path}: only {len(colours)} colours")
    return problems_exit(problems, f"screenshot {width}x{height}: {100 * ink / sampled:.1f}% ink, "
                                   f"{chart} sampled chart pixels, {len(colours)} colours")


def check_pdf(path):
    data = open(path, "rb").read()
    pages = len(re.findall(rb"/Type\s*/Page\b", data))
    problems = []
    if not data.startswith(b"%PDF-"):
        problems.append(f"{path}: not a PDF")
    if pages < 2:
        problems.append(f"{path}: {pages} pages")
    return problems_exit(problems, f"printout: {pages} pages, {len(data)} bytes")


def main(argv):
    try:
        if len(argv) == 3 and argv[1] == "static":
            return check_static(argv[2])
        if len(argv) == 4 and argv[1] == "numbers":
            return check_numbers(argv[2], argv[3])
        if len(argv) == 4 and argv[1] == "forensics":
            return check_forensics(argv[2], argv[3])
        if len(argv) == 3 and argv[1] == "png":
            return check_png(argv[2])
        if len(argv) == 3 and argv[1] == "pdf":
            return check_pdf(argv[2])
    except (OSError, ValueError, KeyError) as e:
        print(f"report_check.py: {e}", file=sys.stderr)
        return 2
    print(__doc__.strip().splitlines()[2], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
