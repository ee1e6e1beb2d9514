#!/usr/bin/env python3
"""livepage.py: checks the live results page of `dauys serve` in headless
Chromium against GET /v1/status.

  livepage.py URL --status-json FILE_OR_URL --screenshot OUT.png
              [--js-off] [--budget MS] [--chromium PROGRAM] [--min-polls N]
  livepage.py --png-only FILE.png

Loads URL (the page) in `chromium --headless --no-sandbox --disable-gpu`
with a virtual-time budget (default 8000 ms, so the page's script polls
/v1/status at least twice), dumps the DOM the script left, and compares every
number the page marks (serve/livepage.h: data-n, data-p, data-b, data-s, each
naming a path into the status JSON) with the status, formatted here
independently: counts with "," every three digits, percentages with two
decimals rounded half up in integers ("-" of nothing), yes/no as the
element's data-t / data-f, null as "none yet".

Which status: the page says which checkpoint its numbers cover (the
data-checkpoint-size of <html>, which the script sets with the numbers).
When --status-json is a URL, it is fetched before Chromium starts and every
100 ms while it runs, and once after; each answer is kept by its
checkpoint's size. The page is compared with the answer of the same size,
so a checkpoint published while Chromium runs is no race; and the page's
size must be at least that of the answer fetched before Chromium started
(the page is not older than the server). A FILE is the one status.

With JavaScript on (the default) the script must have applied a status at
least --min-polls times (default 1; <html data-polls>) and say it is live;
--js-off runs Chromium with JavaScript blocked (a content setting of its
profile) and checks the numbers the
server wrote into the HTML. Then a screenshot (1200x1600) goes to OUT.png
and must not be blank: its pixels (the top 480 rows), decoded here with
zlib, are not all one colour and at least 0.5% of them differ from the
commonest.

Exit status: 0 the page matches and the screenshot is not blank; 1 a
mismatch, a page that did not update, a blank screenshot; 2 could not run
(no Chromium, the URL or the status unreachable, a status that is not JSON).
"""
import argparse
import html.parser
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import zlib


class CannotRun(Exception):
    pass


# --- the status ------------------------------------------------------------


def fetch(source):
    """The status document at SOURCE (a URL or a file), parsed."""
    try:
        if source.startswith(("http://", "https://")):
            req = urllib.request.Request(source, headers={"Cache-Control": "no-store"})
            with urllib.request.urlopen(req, timeout=10) as r:
                body = r.read()
        else:
            with open(source, "rb") as f:
                body = f.read()
    except OSError as e:
        raise CannotRun("%s: %s" % (source, e))
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise CannotRun("%s: not JSON: %s" % (source, e))


def checkpoint_size(doc):
    """The size of the checkpoint DOC covers, or None."""
    cp = doc.get("checkpoint") if isinstance(doc, dict) else None
    return cp.get("size") if isinstance(cp, dict) else None


class Poller(threading.Thread):
    """Fetches a status URL every 100 ms until stopped; keeps one answer per
    checkpoint size (the first seen; the server makes one per checkpoint)."""

    def __init__(self, url):
        super().__init__(daemon=True)
        self.url, self.seen, self.errors = url, {}, []
        self.stop = threading.Event()

    def take(self):
        doc = fetch(self.url)
        self.seen.setdefault(checkpoint_size(doc), doc)
        return doc

    def run(self):
        while not self.stop.wait(0.1):
            try:
                self.take()
            except CannotRun as e:
                self.errors.append(str(e))


# --- what the page shows ---------------------------------------------------


class Marked(html.parser.HTMLParser):
    """The marked elements of a page (attribute, path, data-t, data-f, text),
    and the attributes of <html> and of #live-state."""

    MARKS = ("data-n", "data-p", "data-b", "data-s")
    VOID = {"meta", "br", "img", "link", "input", "hr", "wbr", "col", "area", "base", "source"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.items, self.root, self.state, self.open = [], {}, {}, []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.root = a
        if a.get("id") == "live-state":
            self.state = a
        if tag in self.VOID:
            return
        mark = next((m for m in self.MARKS if m in a), None)
        self.open.append((tag, mark, a, []))

    def handle_endtag(self, tag):
        while self.open:
            t, mark, a, text = self.open.pop()
            if self.open:
                self.open[-1][3].extend(text)
            if mark is not None:
                self.items.append((mark, a[mark], a.get("data-t"), a.get("data-f"), "".join(text)))
            if t == tag:
                return

    def handle_data(self, data):
        if self.open:
            self.open[-1][3].append(data)


def resolve(doc, path):
    for part in path.split("."):
        if isinstance(doc, list):
            if not part.isdigit() or int(part) >= len(doc):
                return KeyError
            doc = doc[int(part)]
        elif isinstance(doc, dict):
            if part not in doc:
                return KeyError
            doc = doc[part]
        else:
            return KeyError
    return doc


def is_count(v):
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def group(n):
    return "{:,}".format(n)


def percent(part, whole):
    if whole == 0:
        return "-"
    hundredths = (part * 20000 + whole) // (whole * 2)
    return "%d.%02d%%" % (hundredths // 100, hundredths % 100)


def expected_text(doc, mark, path, t, f):
    """What an element marked MARK with PATH should show for DOC, or an error string."""
    if mark == "data-p":
        paths = path.split(" ")
        if len(paths) != 2:
            return None, "data-p=%r is not two paths" % path
        a, b = resolve(doc, paths[0]), resolve(doc, paths[1])
        if not (is_count(a) and is_count(b)):
            return None, "%s / %s are not counts in the status" % tuple(paths)
        return percent(a, b), None
    v = resolve(doc, path)
    if v is KeyError:
        return None, "%s is not in the status" % path
    if v is None:
        return "none yet", None
    if mark == "data-n" and is_count(v):
        return group(v), None
    if mark == "data-b" and isinstance(v, bool):
        return (t if v else f), None
    if mark == "data-s" and isinstance(v, str):
        return v, None
    return None, "%s is %r, not what %s shows" % (path, v, mark)


def compare(items, doc):
    """Mismatches between the marked ITEMS and DOC, as lines."""
    problems = []
    for mark, path, t, f, text in items:
        want, why = expected_text(doc, mark, path, t, f)
        if why is not None:
            problems.append(why)
        elif text != want:
            problems.append("%s=%r shows %r, the status says %r" % (mark, path, text, want))
    return problems


# --- Chromium --------------------------------------------------------------


def budget(args):
    """The virtual time Chromium gives the page: without JavaScript nothing
    happens after the load, so a second is plenty."""
    return min(args.budget, 1000) if args.js_off else args.budget


def chromium(args, program, profile, extra, timeout=120):
    flags = [program, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-background-networking", "--no-first-run",
             "--user-data-dir=" + profile] + extra
    try:
        return subprocess.run(flags + [args.url], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise CannotRun("%s: %s" % (program, e))


def block_javascript(profile):
    """Makes PROFILE block the pages' JavaScript, as a reader who turned it
    off. (--blink-settings=scriptEnabled=false would also stop --dump-dom and
    --screenshot, which run through the DevTools protocol; a content setting
    stops only the page's own scripts.)"""
    os.makedirs(os.path.join(profile, "Default"), exist_ok=True)
    with open(os.path.join(profile, "Default", "Preferences"), "w", encoding="ascii") as f:
        json.dump({"profile": {"default_content_setting_values": {"javascript": 2}}}, f)


# --- the screenshot --------------------------------------------------------


def png_pixels(path, max_rows):
    """The pixels of the first MAX_ROWS rows of an 8-bit, non-interlaced PNG,
    as bytes objects (each row is unfiltered from the one above it only, so
    the first rows decode without the rest)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise CannotRun("%s: not a PNG" % path)
    pos, idat, ihdr = 8, [], None
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        pos += 12 + length
    if ihdr is None:
        raise CannotRun("%s: no IHDR" % path)
    width, height, depth, colour, _, _, interlace = ihdr
    channels = {0: 1, 2: 3, 4: 2, 6: 4}.get(colour)
    if depth != 8 or channels is None or interlace != 0:
        raise CannotRun("%s: only 8-bit non-interlaced grey/RGB(A) PNGs are read" % path)
    raw = zlib.decompress(b"".join(idat))
    stride, bpp, rows, prev = width * channels, channels, [], bytearray(width * channels)
    height = min(height, max_rows)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up, corner = prev[i], (prev[i - bpp] if i >= bpp else 0)
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                pred = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[i] = (line[i] + pred) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, channels, rows


def png_problem(path, max_rows=480):
    """Why the PNG at PATH is blank, or None. Only its top MAX_ROWS rows are
    looked at (the banner, the title and the first table are there): pure
    Python decodes about three megabytes a second."""
    width, height, channels, rows = png_pixels(path, max_rows)
    counts = {}
    for row in rows:
        for x in range(0, width * channels, channels):
            px = row[x:x + channels]
            counts[px] = counts.get(px, 0) + 1
    total = width * height
    common = max(counts.values()) if counts else 0
    if len(counts) < 2:
        return "%s: blank: every pixel is one colour" % path
    if total - common < total // 200:
        return "%s: nearly blank: %d of %d pixels differ from the commonest colour" % (
            path, total - common, total)
    return None


# --- main ------------------------------------------------------------------


def check_page(args, profile):
    is_url = args.status_json.startswith(("http://", "https://"))
    poller = Poller(args.status_json) if is_url else None
    before = poller.take() if poller else fetch(args.status_json)
    if poller:
        poller.start()
    try:
        run = chromium(args, args.chromium, profile,
                       ["--virtual-time-budget=%d" % budget(args), "--dump-dom"])
    finally:
        if poller:
            poller.stop.set()
            poller.join()
    if run.returncode != 0 or not run.stdout.strip():
        raise CannotRun("chromium could not load %s (exit %d)" % (args.url, run.returncode))
    if poller:
        poller.take()
    seen = poller.seen if poller else {checkpoint_size(before): before}
    page = Marked()
    page.feed(run.stdout.decode("utf-8", "replace"))
    page.close()
    problems = []
    shown = page.root.get("data-checkpoint-size")
    size = int(shown) if shown and shown.isdigit() else None
    if shown is None:
        problems.append("the page does not say which checkpoint it shows")
    if not args.js_off:
        polls = page.root.get("data-polls", "0")
        if not polls.isdigit() or int(polls) < args.min_polls or page.state.get("data-state") != "live":
            problems.append("the page's script did not update it from /v1/status "
                            "(data-polls %r, live-state %r)" % (polls, page.state.get("data-state")))
    first = checkpoint_size(before)
    if size is not None and first is not None and size < first:
        problems.append("the page shows checkpoint %d, older than the status before it loaded (%d)"
                        % (size, first))
    doc = seen.get(size)
    if doc is None:
        problems.append("the page shows checkpoint %s; the status served %s" % (
            shown, sorted(seen, key=lambda k: -1 if k is None else k)))
    elif not page.items:
        problems.append("the page marks no numbers")
    else:
        problems += compare(page.items, doc)
    return page, size, problems


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("url", nargs="?")
    ap.add_argument("--status-json")
    ap.add_argument("--screenshot")
    ap.add_argument("--js-off", action="store_true")
    ap.add_argument("--budget", type=int, default=8000)
    ap.add_argument("--min-polls", type=int, default=1)
    ap.add_argument("--chromium", default=os.environ.get("CHROMIUM", "chromium"))
    ap.add_argument("--png-only")
    args = ap.parse_args(argv)
    try:
        if args.png_only:
            why = png_problem(args.png_only)
            print(why or "%s: not blank" % args.png_only)
            return 1 if why else 0
        if not (args.url and args.status_json and args.screenshot):
            ap.print_usage(sys.stderr)
            return 2
        if shutil.which(args.chromium) is None:
            raise CannotRun("%s: not found" % args.chromium)
        with tempfile.TemporaryDirectory(prefix="livepage-") as profile:
            if args.js_off:
                block_javascript(profile)
            page, size, problems = check_page(args, profile)
            if os.path.exists(args.screenshot):
                os.unlink(args.screenshot)
            chromium(args, args.chromium, profile,
                     ["--virtual-time-budget=%d" % budget(args), "--window-size=1200,1600",
                      "--hide-scrollbars", "--screenshot=" + os.path.abspath(args.screenshot)])
            if not os.path.exists(args.screenshot):
                raise CannotRun("chromium wrote no screenshot of %s" % args.url)
            why = png_problem(args.screenshot)
            if why:
                problems.append(why)
    except CannotRun as e:
        print("livepage.py: cannot check: %s" % e, file=sys.stderr)
        return 2
    for p in problems[:20]:
        print("livepage.py: %s" % p)
    if len(problems) > 20:
        print("livepage.py: ... and %d more" % (len(problems) - 20))
    if problems:
        return 1
    print("livepage.py: %d marked values match the status of checkpoint %s%s; screenshot not blank"
          % (len(page.items), size, "" if args.js_off else
             " (the script applied %s statuses)" % page.root.get("data-polls")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
