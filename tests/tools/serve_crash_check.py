#!/usr/bin/python3
"""serve_crash_check.py: the checks of tests/cli/serve_crash_cli.sh (kill -9
of dauys serve under load), computed independently of dauys's C code: the
hashes, the Merkle tree (RFC 6962), the tiles (c2sp.org/tlog-tiles) and the
checkpoint signatures (c2sp.org/signed-note, Ed25519 by PyNaCl) from the
files, the answers and the databases' rows.

  serve_crash_check.py kill-when-publishing TILES PID --within S --db DB
                      --pause CLIENTS
      Kills PID with SIGKILL inside a publication round: once PID has a
      temporary file (".NAME.tmp.PID.N") in TILES, there already or made
      later (inotify), stops PID (SIGSTOP) and, if one is still there, kills
      it; else lets it go on (SIGCONT) and waits again. The process CLIENTS
      is stopped meanwhile while the log in DB holds more entries than the
      checkpoint in TILES (a round is due), so that the wait costs no load. Prints "inside", or "outside" if no round was caught in
      S seconds (then kills it all the same), and how long it looked.

  serve_crash_check.py published TILES --pub PUB --origin ORIGIN
      The tiles directory as a kill left it: its checkpoint's signature,
      and every tile and entry bundle that checkpoint needs is there, of the
      right length, the bundles' entries hashing to the level-0 tiles.

  serve_crash_check.py final --db WS.db --ref REF.db --answers ANSWERS
      --again ANSWERS2 --files LIST --kills KILLS --pub PUB --origin ORIGIN
      --tiles TILES CHECKPOINT...
      The checks after the last restart (tests/cli/serve_crash_cli.sh says
      which). ANSWERS are serve_load.py's during the kills, ANSWERS2 when
      every file was sent again after them; KILLS has a line "TIME SIZE" a
      kill (when, and the log's size after it); CHECKPOINT... are every
      checkpoint seen during the run, in the order they were seen.

Prints one line a check: "PASS: what" or "FAIL: what: why", and lines
beginning "# " that say what was seen. Exit status: 0 all passed, 1 a check
failed, 2 bad usage or an unreadable file. Needs PyNaCl (python3-nacl).
"""
import argparse
import base64
import ctypes
import hashlib
import json
import os
import select
import signal
import sqlite3
import struct
import sys
import time

import nacl.exceptions
import nacl.signing

WIDTH = 256
HASH = 32
ROSTER_REFUSALS = ("signature", "referendum", "precinct")  # answered 422 over HTTP


class Report:
    def __init__(self):
        self.failed = 0

    def check(self, ok, what, why=""):
        if ok:
            print(f"PASS: {what}")
        else:
            self.failed += 1
            print(f"FAIL: {what}: {why}")
        return ok

    def note(self, text):
        print(f"# {text}")


def sha256(data):
    return hashlib.sha256(data).digest()


def read(path):
    with open(path, "rb") as f:
        return f.read()


# --- the Merkle tree (RFC 6962) -------------------------------------------------


def leaf_hash(entry):
    return sha256(b"\x00" + entry)


def node_hash(left, right):
    return sha256(b"\x01" + left + right)


class Tree:
    """Every complete subtree of the leaves: levels[l][i] is the hash of
    leaves [i * 2^l, (i + 1) * 2^l); root(n) is MTH of the first n."""

    def __init__(self, leaves):
        self.levels = [list(leaves)]
        while len(self.levels[-1]) > 1:
            below = self.levels[-1]
            self.levels.append(
                [node_hash(below[2 * i], below[2 * i + 1]) for i in range(len(below) // 2)]
            )

    def root(self, n, lo=0):
        """MTH(D[lo:lo + n]), lo aligned to the largest power of two below n."""
        if n == 0:
            return sha256(b"")
        level = n.bit_length() - 1
        if n == 1 << level:
            return self.levels[level][lo >> level]
        k = 1 << level
        return node_hash(self.root(k, lo), self.root(n - k, lo + k))

    def subtree(self, level, index):
        return self.levels[level][index]


# --- checkpoints (c2sp.org/tlog-checkpoint, signed-note) -------------------------


def read_pubkey(path):
    """The Ed25519 key of a minisign public key file."""
    raw = base64.b64decode(read(path).split(b"\n")[1], validate=True)
    if len(raw) != 42 or raw[:2] != b"Ed":
        raise ValueError(f"{path}: not a minisign Ed25519 public key")
    return raw[10:]


def open_checkpoint(note, pubkey, origin):
    """(size, root) of signed note NOTE, or raises ValueError saying why."""
    end = note.rfind(b"\n\n")
    if end < 0:
        raise ValueError("not a signed note (no blank line)")
    text, sigs = note[: end + 1], note[end + 2 :]
    key_id = sha256(origin.encode() + b"\n\x01" + pubkey)[:4]
    verified = False
    for line in sigs.rstrip(b"\n").split(b"\n"):
        parts = line.split(b" ")
        if len(parts) != 3 or parts[0] != "\u2014".encode():
            raise ValueError(f"not a signature line: {line!r}")
        sig = base64.b64decode(parts[2], validate=True)
        if parts[1] != origin.encode() or sig[:4] != key_id:
            continue
        try:
            nacl.signing.VerifyKey(pubkey).verify(text, sig[4:])
        except nacl.exceptions.BadSignatureError as e:
            raise ValueError("the central key's signature does not verify") from e
        verified = True
    if not verified:
        raise ValueError(f"no signature by {origin}")
    lines = text.split(b"\n")
    if lines[0] != origin.encode():
        raise ValueError(f"the origin is {lines[0]!r}, not {origin!r}")
    return int(lines[1]), base64.b64decode(lines[2], validate=True)


# --- tiles (c2sp.org/tlog-tiles) -------------------------------------------------


def tile_path(level, index, width):
    groups = f"{index % 1000:03d}"
    index //= 1000
    while index > 0:
        groups = f"x{index % 1000:03d}/" + groups
        index //= 1000
    return f"tile/{level}/{groups}" + ("" if width == WIDTH else f".p/{width}")


def tiles_at(level, size):
    nodes = size // WIDTH**level
    tiles = [(n, WIDTH) for n in range(nodes // WIDTH)]
    if nodes % WIDTH:
        tiles.append((nodes // WIDTH, nodes % WIDTH))
    return tiles


def split_bundle(data, width):
    """The WIDTH entries of an entry bundle, or raises ValueError."""
    entries, at = [], 0
    for i in range(width):
        if at + 2 > len(data) or at + 2 + int.from_bytes(data[at : at + 2], "big") > len(data):
            raise ValueError(f"ends inside entry {i} of {width}")
        n = int.from_bytes(data[at : at + 2], "big")
        entries.append(data[at + 2 : at + 2 + n])
        at += 2 + n
    if at != len(data):
        raise ValueError(f"{len(data) - at} bytes after its {width} entries")
    return entries


def read_tiles(tiles, size):
    """(entries, {(level, index): hashes}) of every bundle and tile a tree of
    SIZE needs, or raises ValueError naming the first missing or short one."""
    entries, hashes = [], {}
    for index, width in tiles_at(0, size):
        name = tile_path("entries", index, width)
        try:
            entries += split_bundle(read(os.path.join(tiles, name)), width)
        except (OSError, ValueError) as e:
            raise ValueError(f"{name}: {e}") from e
    level = 0
    while size // WIDTH**level > 0:
        for index, width in tiles_at(level, size):
            name = tile_path(level, index, width)
            try:
                data = read(os.path.join(tiles, name))
            except OSError as e:
                raise ValueError(f"{name}: {e.strerror}") from e
            if len(data) != width * HASH:
                raise ValueError(f"{name}: {len(data)} bytes, not {width * HASH}")
            hashes[(level, index)] = [data[i : i + HASH] for i in range(0, len(data), HASH)]
        level += 1
    return entries, hashes


def check_tile_hashes(tree, hashes):
    """The first (name, i) whose hash is not the tree's, or None. Hash I of
    tile (L, N) is the subtree of 256^L leaves at N * 256 + I."""
    for (level, index), got in sorted(hashes.items()):
        for i, h in enumerate(got):
            if h != tree.subtree(8 * level, index * WIDTH + i):
                return tile_path(level, index, len(got)), i
    return None


def temporary_files(tiles):
    found = []
    for where, _, names in os.walk(tiles):
        found += [os.path.join(where, n) for n in names if ".tmp." in n]
    return found


# --- kill-when-publishing ---------------------------------------------------------


def stopped(pid, deadline):
    """Waits until every thread of PID is stopped (SIGSTOP taken: a thread in
    a system call, an fsync, stops when it returns); False on DEADLINE."""
    while time.monotonic() < deadline:
        try:
            states = []
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/stat", encoding="ascii") as f:
                    states.append(f.read().rsplit(")", 1)[1].split()[0])
        except OSError:
            return False
        if all(s in "tT" for s in states):
            return True
        time.sleep(0.0005)
    return False


class Inotify:
    """Files made in a tree of directories (inotify(7), by ctypes): wait()
    returns the paths made since the last call, those in a directory made
    meanwhile included."""

    IN_CREATE, IN_MOVED_TO, IN_ISDIR = 0x100, 0x80, 0x40000000

    def __init__(self, top):
        self.libc = ctypes.CDLL(None, use_errno=True)
        self.fd = self.libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if self.fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1")
        self.dirs = {}
        self.watch(top)

    def watch(self, top):
        """Watches TOP and the directories below; returns the files there."""
        files = []
        for where, _, names in os.walk(top):
            wd = self.libc.inotify_add_watch(
                self.fd, os.fsencode(where), self.IN_CREATE | self.IN_MOVED_TO
            )
            if wd >= 0:
                self.dirs[wd] = where
            files += [os.path.join(where, n) for n in names]
        return files

    def wait(self, timeout):
        made = []
        if not select.select([self.fd], [], [], max(timeout, 0))[0]:
            return made
        try:
            data = os.read(self.fd, 65536)
        except BlockingIOError:
            return made
        at = 0
        while at + 16 <= len(data):
            wd, mask, _, size = struct.unpack_from("iIII", data, at)
            name = data[at + 16 : at + 16 + size].rstrip(b"\0").decode()
            at += 16 + size
            path = os.path.join(self.dirs.get(wd, "?"), name)
            made += self.watch(path) if mask & self.IN_ISDIR else [path]
        return made

    def close(self):
        os.close(self.fd)


def sizes(args):
    """(the log's size in the database, the size of the checkpoint in TILES)."""
    db = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True, timeout=5)
    try:
        (logged,) = db.execute("SELECT count(*) FROM log_entry").fetchone()
    finally:
        db.close()
    try:
        published = int(read(os.path.join(args.tiles, "checkpoint")).split(b"\n")[1])
    except (OSError, IndexError, ValueError):
        published = 0
    return logged, published


def kill_when_publishing(args):
    """Waits for a temporary file of PID's in TILES (".NAME.tmp.PID.N": a tile,
    a bundle or the checkpoint being written, a publication round under way;
    those of servers killed before have other PIDs), there already or made
    later (inotify); then stops the server (SIGSTOP) and, if one is still
    there, the round is cut where it stands: SIGKILL. Otherwise the round
    ended meanwhile: SIGCONT and wait again. At the deadline, SIGKILL all
    the same. The clients (--pause) are stopped while the log holds more
    than the tiles' checkpoint (a round is due or under way: the wait costs
    them nothing), and let go on when it does not (a round needs the log to
    grow)."""
    start = time.monotonic()
    deadline = start + args.within
    mark = f".tmp.{args.pid}."
    watch = Inotify(args.tiles)
    os.kill(args.pause, signal.SIGSTOP)
    paused = True
    made = [p for p in temporary_files(args.tiles) if mark in p]
    inside = False
    events = stops = 0
    try:
        while True:
            events += len(made)
            if made:
                stops += 1
                os.kill(args.pid, signal.SIGSTOP)
                if stopped(args.pid, deadline + 5) and any(
                    mark in p for p in temporary_files(args.tiles)
                ):
                    inside = True
                    break
                os.kill(args.pid, signal.SIGCONT)
            if time.monotonic() >= deadline:
                break
            logged, published = sizes(args)
            if paused and logged <= published:
                os.kill(args.pause, signal.SIGCONT)
                paused = False
            elif not paused and logged > published:
                os.kill(args.pause, signal.SIGSTOP)
                paused = True
            made = [p for p in watch.wait(min(0.05, deadline - time.monotonic())) if mark in p]
    finally:
        os.kill(args.pid, signal.SIGKILL)
        os.kill(args.pause, signal.SIGCONT)
        watch.close()
    print(
        f"{'inside' if inside else 'outside'} after {events} temporary files, {stops} stops, "
        f"{(time.monotonic() - start) * 1000:.0f} ms"
    )
    return 0


# --- published: the tiles directory as a kill left it -----------------------------


def published(args, rep):
    pubkey = read_pubkey(args.pub)
    path = os.path.join(args.tiles, "checkpoint")
    if not os.path.exists(path):
        rep.note("no checkpoint published yet")
        return
    try:
        size, root = open_checkpoint(read(path), pubkey, args.origin)
    except ValueError as e:
        rep.check(False, "the checkpoint on disk is signed by the central key", str(e))
        return
    rep.check(True, "the checkpoint on disk is signed by the central key")
    try:
        entries, hashes = read_tiles(args.tiles, size)
    except ValueError as e:
        rep.check(False, f"every tile and bundle of checkpoint {size} is there, whole", str(e))
        return
    rep.check(True, f"every tile and bundle of checkpoint {size} is there, whole")
    tree = Tree([leaf_hash(e) for e in entries])
    bad = check_tile_hashes(tree, hashes)
    rep.check(
        bad is None and tree.root(size) == root,
        f"the tiles and bundles of checkpoint {size} give its root",
        f"hash {bad[1]} of {bad[0]}" if bad else "the bundles' root differs",
    )
    tmp = temporary_files(args.tiles)
    rep.note(
        f"published {size}; temporary files in the directory: {len(tmp)}"
        + (" (a checkpoint's among them)" if any(".checkpoint.tmp." in t for t in tmp) else "")
    )


# --- final -----------------------------------------------------------------------


def load_answers(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def entry_field(entry, key):
    prefix = key.encode() + b": "
    for line in entry.split(b"\n"):
        if line.startswith(prefix):
            return line[len(prefix) :].decode()
    return None


def check_200s(rep, answers, entries, file_sha, sig_sha):
    """Check 1: every 200 is in the log, at its log_index, with its hashes."""
    bad, n = [], 0
    for a in answers:
        if a["status"] != 200:
            continue
        n += 1
        ans = json.loads(a["body"])
        i, path = ans["log_index"], a["file"]
        entry = entries[i] if 0 <= i < len(entries) else None
        if entry is None:
            bad.append(f"{path}: log_index {i} is not in the log ({len(entries)} entries)")
        elif sha256(entry).hex() != ans["entry_sha256"]:
            bad.append(f"{path}: entry {i} does not hash to the answer's entry_sha256")
        elif entry_field(entry, "file-sha256") != file_sha[path].hex():
            bad.append(f"{path}: entry {i}'s file-sha256 is not the file's SHA-256")
        elif entry_field(entry, "signature-sha256") != (
            sig_sha[path].hex() if sig_sha[path] else "none"
        ):
            bad.append(f"{path}: entry {i}'s signature-sha256 is not its signature's")
        elif (entry_field(entry, "event"), entry_field(entry, "precinct")) != (
            ans["outcome"],
            ans["precinct"],
        ) or entry_field(entry, "version") != str(ans["version"]):
            bad.append(f"{path}: entry {i} names another outcome, precinct or version")
    rep.check(
        not bad,
        f"each of the {n} answers 200 is in the log: the entry at its log_index has its "
        "entry_sha256, the file's and the signature's SHA-256, its outcome, precinct, version",
        "; ".join(bad[:5]),
    )


def check_same_answers(rep, answers, file_sha, sig_sha):
    """Check 4: every answer (below 500) for the same bytes is the same."""
    seen, bad, twice = {}, [], 0
    for a in answers:
        if a["status"] is None or a["status"] >= 500:
            continue
        key = (file_sha[a["file"]], sig_sha[a["file"]])
        got = (a["status"], a["body"])
        if key in seen:
            twice += 1
            if seen[key][0] != got:
                bad.append(f"{a['file']} got {got}, {seen[key][1]} got {seen[key][0]}")
        else:
            seen[key] = (got, a["file"])
    rep.check(
        not bad,
        f"the same bytes got the same answer every time ({twice} answers repeated one)",
        "; ".join(bad[:3]),
    )


def check_finals(rep, answers, files, when):
    """Every file has exactly one final answer, below 500; nobody gave up."""
    final = {}
    for a in answers:
        if a["final"]:
            final.setdefault(a["file"], []).append(a)
    bad = [f for f in files if len(final.get(f, [])) != 1 or final[f][0].get("gave_up")]
    rep.check(
        not bad,
        f"each of the {len(files)} files has its final answer (4xx or 200){when}, "
        "nobody gave up",
        f"{len(bad)} without: {bad[:3]}",
    )
    return {f: final[f][0] for f in files if len(final.get(f, [])) == 1}


def offline_rows(db):
    rows = {}
    for r in db.execute(
        "SELECT protocol_sha256, signature_sha256, outcome, reason_code, precinct, version "
        "FROM submission"
    ):
        rows.setdefault((bytes(r[0]), bytes(r[1]) if r[1] is not None else None), []).append(
            r[2:]
        )
    return rows


def check_outcomes(rep, final, file_sha, sig_sha, ws, ref):
    """Check 3: each file's final answer is what the offline ingest decided,
    and the log's submissions are the offline ingest's but the refused."""
    offline = offline_rows(ref)
    bad, refused = [], set()
    for path, a in sorted(final.items()):
        key = (file_sha[path], sig_sha[path])
        rows = offline.get(key, [])
        if len(rows) != 1:
            bad.append(f"{path}: {len(rows)} offline submissions of its bytes, not 1")
            continue
        outcome, code, precinct, version = rows[0]
        ans = json.loads(a["body"]) if a["status"] in (200, 422) else None
        if a["status"] == 422:
            refused.add(key)
            if outcome in ("accepted", "correction") or code not in ROSTER_REFUSALS or (
                ans["reason_code"] != code
            ):
                bad.append(f"{path}: refused ({ans['reason_code']}), offline {outcome} ({code})")
        elif a["status"] != 200:
            bad.append(f"{path}: answered {a['status']}")
        elif (ans["outcome"], ans["reason_code"], ans["precinct"], ans["version"]) != (
            outcome,
            code,
            precinct,
            version,
        ):
            bad.append(
                f"{path}: {ans['outcome']} ({ans['reason_code']}), offline {outcome} ({code})"
            )
    rep.check(
        not bad,
        f"each of the {len(final)} files got the outcome the offline ingest gave it "
        f"({len(refused)} refused over HTTP, recorded offline with a roster-key reason)",
        "; ".join(bad[:5]),
    )
    online = {k: sorted(v) for k, v in offline_rows(ws).items()}
    want = {k: sorted(v) for k, v in offline.items() if k not in refused}
    rep.check(
        online == want,
        f"the log's {sum(map(len, online.values()))} submissions are the offline ingest's "
        "(outcome, reason, precinct, version, file and signature hashes), but the refused",
        f"{len(set(online) ^ set(want))} differ in files, "
        f"{sum(online[k] != want[k] for k in set(online) & set(want))} in outcome",
    )


def check_tree(rep, ws, entries, tree):
    """Check 2 (the Merkle half): the stored nodes are the entries' tree."""
    stored = {}
    for level, idx, h in ws.execute("SELECT level, idx, hash FROM merkle_node"):
        stored[(level, idx)] = bytes(h)
    want = {
        (level, i): h for level, hashes in enumerate(tree.levels) for i, h in enumerate(hashes)
    }
    diff = sorted(set(stored) ^ set(want)) + sorted(
        k for k in set(stored) & set(want) if stored[k] != want[k]
    )
    rep.check(
        not diff and entries,
        f"the {len(stored)} stored Merkle nodes are the tree of the {len(entries)} entries",
        f"{len(diff)} nodes missing, extra or different: {diff[:3]}",
    )
    chain = [
        i
        for i in range(len(entries))
        if entry_field(entries[i], "previous") != (sha256(entries[i - 1]).hex() if i else "0" * 64)
        or entry_field(entries[i], "index") != str(i)
    ]
    rep.check(not chain, "each entry has its index and the hash of the one before", f"{chain[:5]}")


def check_checkpoints(rep, paths, pubkey, origin, tree, size):
    """Check 5: every checkpoint seen is signed, of the final log, in order."""
    bad, last = [], 0
    for path in paths:
        try:
            n, root = open_checkpoint(read(path), pubkey, origin)
        except (OSError, ValueError) as e:
            bad.append(f"{os.path.basename(path)}: {e}")
            continue
        if n > size or tree.root(n) != root:
            bad.append(f"{os.path.basename(path)}: size {n}: not the final log's root at {n}")
        if n < last:
            bad.append(f"{os.path.basename(path)}: size {n} after one of {last}")
        last = max(last, n)
    rep.check(
        not bad,
        f"each of the {len(paths)} checkpoints seen is signed and is the final log's root at "
        "its size, the sizes never shrinking",
        "; ".join(bad[:5]),
    )


def check_final_tiles(rep, tiles, pubkey, origin, entries, tree):
    """Check 5: the tiles after the last stop verify and hold the log."""
    try:
        size, root = open_checkpoint(read(os.path.join(tiles, "checkpoint")), pubkey, origin)
        got, hashes = read_tiles(tiles, size)
    except (OSError, ValueError) as e:
        rep.check(False, "the final tiles verify", str(e))
        return
    bad = check_tile_hashes(tree, hashes)
    rep.check(
        size == len(entries) and got == entries and bad is None and tree.root(size) == root,
        f"the final tiles verify: checkpoint {size} signed, its root the log's, every bundle "
        "the log's entries, every tile hash the tree's",
        f"size {size} of {len(entries)}; bundles {'equal' if got == entries else 'differ'}; "
        f"tile {bad}; root {'equal' if tree.root(size) == root else 'differs'}",
    )


def kills_report(rep, answers, kills_path):
    """What the kills interrupted: answers lost (recorded, then told on a
    retry) and submissions lost before being recorded."""
    kills = []
    with open(kills_path, encoding="utf-8") as f:
        for line in f:
            when, size = line.split()
            kills.append((float(when), int(size)))
    by_file = {}
    for a in answers:
        by_file.setdefault(a["file"], []).append(a)
    lost_answer = lost_before = 0
    for attempts in by_file.values():
        last = attempts[-1]
        if last["status"] != 200:
            continue
        index = json.loads(last["body"])["log_index"]
        for a in attempts[:-1]:
            if a["status"] is not None:
                continue
            hit = [s for t, s in kills if a["began"] <= t <= a["ended"]]
            if hit:
                if index < hit[0]:
                    lost_answer += 1
                else:
                    lost_before += 1
                break
    rep.note(
        f"submissions in flight at a kill: {lost_answer} recorded before it (the answer "
        f"lost, told on a retry), {lost_before} not recorded (recorded on a retry)"
    )


def final(args, rep):
    pubkey = read_pubkey(args.pub)
    with open(args.files, encoding="utf-8") as f:
        files = [line.rstrip("\n") for line in f if line.strip()]
    file_sha = {p: sha256(read(p)) for p in files}
    sig_sha = {
        p: sha256(read(p + ".minisig")) if os.path.exists(p + ".minisig") else None for p in files
    }
    answers = load_answers(args.answers)
    again = load_answers(args.again)
    ws = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
    ref = sqlite3.connect(f"file:{args.ref}?mode=ro", uri=True)
    entries = [bytes(e) for (e,) in ws.execute("SELECT entry FROM log_entry ORDER BY idx")]
    tree = Tree([leaf_hash(e) for e in entries])
    statuses = {}
    for a in answers:
        key = a["status"] if a["status"] is not None else "no answer"
        statuses[key] = statuses.get(key, 0) + 1
    rep.note(
        f"{len(files)} files, {len(answers)} attempts, {len(answers) - len(files)} retries: "
        + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items(), key=str))
    )
    final_answers = check_finals(rep, answers, files, "")
    check_finals(rep, again, files, " when sent again")
    check_200s(rep, answers + again, entries, file_sha, sig_sha)
    check_same_answers(rep, answers + again, file_sha, sig_sha)
    check_outcomes(rep, final_answers, file_sha, sig_sha, ws, ref)
    check_tree(rep, ws, entries, tree)
    check_checkpoints(rep, args.checkpoints, pubkey, args.origin, tree, len(entries))
    check_final_tiles(rep, args.tiles, pubkey, args.origin, entries, tree)
    rep.note(f"the log's root: {base64.b64encode(tree.root(len(entries))).decode()}")
    kills_report(rep, answers, args.kills)


def main(argv):
    p = argparse.ArgumentParser(prog="serve_crash_check.py", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    k = sub.add_parser("kill-when-publishing")
    k.add_argument("tiles")
    k.add_argument("pid", type=int)
    k.add_argument("--within", type=float, required=True)
    k.add_argument("--db", required=True)
    k.add_argument("--pause", type=int, required=True, metavar="PID")
    pb = sub.add_parser("published")
    pb.add_argument("tiles")
    f = sub.add_parser("final")
    f.add_argument("--db", required=True)
    f.add_argument("--ref", required=True)
    f.add_argument("--answers", required=True)
    f.add_argument("--again", required=True)
    f.add_argument("--files", required=True)
    f.add_argument("--kills", required=True)
    f.add_argument("--tiles", required=True)
    f.add_argument("checkpoints", nargs="*")
    for s in (pb, f):
        s.add_argument("--pub", required=True)
        s.add_argument("--origin", required=True)
    args = p.parse_args(argv)
    if args.command == "kill-when-publishing":
        return kill_when_publishing(args)
    rep = Report()
    try:
        (published if args.command == "published" else final)(args, rep)
    except (OSError, ValueError, sqlite3.Error, json.JSONDecodeError, KeyError) as e:
        print(f"serve_crash_check.py: {type(e).__name__}: {e}", file=sys.stderr)
        return 2
    return 1 if rep.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
