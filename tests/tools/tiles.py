#!/usr/bin/python3
"""tiles.py: an independent verifier of a log published as C2SP tiles.

  tiles.py verify DIR_OR_URL --pub CENTRAL.pub --origin ORIGIN

DIR_OR_URL is a tiles directory (dauys checkpoint --tiles DIR) or the URL
prefix of a server that serves one (http:// or https://). The verifier:

  1. reads DIR_OR_URL/checkpoint, a signed note (c2sp.org/signed-note), and
     verifies its Ed25519 signature by the key in CENTRAL.pub (a minisign
     public key file) under the key name ORIGIN: key ID =
     SHA-256(ORIGIN || 0x0A || 0x01 || public key)[:4]; other signature lines
     are ignored. The note's text is a checkpoint (c2sp.org/tlog-checkpoint):
     ORIGIN, the tree size, the base64 root;
  2. fetches every entry bundle and every tile the size implies
     (c2sp.org/tlog-tiles), full or partial, and checks their lengths: a
     tile of width W is exactly W * 32 bytes, a bundle exactly W entries,
     each a big-endian uint16 length and that many bytes;
  3. recomputes every leaf hash (RFC 6962: SHA-256(0x00 || entry)), the root
     (RFC 6962 MTH) from those leaves, and every tile hash, level by level
     (hash I of tile (L, N) is the root of the 256 hashes of tile
     (L - 1, N * 256 + I)), and compares them with the checkpoint and the
     tiles.

Prints one line: the summary, or the first mismatch, naming the file and
the hash or entry index. Exit status: 0 everything holds; 1 a mismatch (a
signature, a root, a hash, a length); 2 bad usage, or a file or URL that
could not be read. Only the standard library and PyNaCl (python3-nacl);
nothing is shared with dauys's C code.
"""
import argparse
import base64
import gzip
import hashlib
import os
import sys
import urllib.error
import urllib.request

import nacl.exceptions
import nacl.signing

WIDTH = 256  # hashes in a full tile, entries in a full bundle
HASH = 32  # bytes of a SHA-256 hash


class Mismatch(Exception):
    """Something published does not hold: exit 1."""


class Unreadable(Exception):
    """A file or URL could not be read, or bad usage: exit 2."""


# --- fetching ---------------------------------------------------------------


class Source:
    """A tiles directory or a URL prefix; get(PATH) returns the bytes."""

    def __init__(self, where):
        self.url = where.startswith("http://") or where.startswith("https://")
        self.where = where.rstrip("/") if self.url else where
        self.fetched = 0

    def get(self, path):
        self.fetched += 1
        if not self.url:
            full = os.path.join(self.where, *path.split("/"))
            try:
                with open(full, "rb") as f:
                    return f.read()
            except OSError as e:
                raise Unreadable(f"{full}: {e.strerror}") from e
        url = f"{self.where}/{path}"
        req = urllib.request.Request(url, headers={"Accept-Encoding": "gzip, identity"})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                body = r.read()
                if r.headers.get("Content-Encoding", "identity").lower() == "gzip":
                    body = gzip.decompress(body)
                return body
        except urllib.error.HTTPError as e:
            raise Unreadable(f"{url}: HTTP {e.code}") from e
        except (urllib.error.URLError, OSError, EOFError) as e:
            raise Unreadable(f"{url}: {e}") from e


def tile_path(level, index, width):
    """The tile's path: 'tile/0/x001/x234/067', 'tile/entries/040.p/149'."""
    groups = f"{index % 1000:03d}"
    index //= 1000
    while index > 0:
        groups = f"x{index % 1000:03d}/" + groups
        index //= 1000
    name = "entries" if level is None else str(level)
    return f"tile/{name}/{groups}" + ("" if width == WIDTH else f".p/{width}")


def tiles_at(level, size):
    """(index, width) of every tile at LEVEL in a tree of SIZE leaves."""
    nodes = size // WIDTH**level
    tiles = [(n, WIDTH) for n in range(nodes // WIDTH)]
    if nodes % WIDTH:
        tiles.append((nodes // WIDTH, nodes % WIDTH))
    return tiles


# --- the checkpoint -----------------------------------------------------------


def read_pubkey(path):
    """The 32-byte Ed25519 key of a minisign public key file."""
    try:
        with open(path, "rb") as f:
            lines = f.read().split(b"\n")
        raw = base64.b64decode(lines[1], validate=True)
    except (OSError, IndexError, ValueError) as e:
        raise Unreadable(f"{path}: not a minisign public key file ({e})") from e
    if len(raw) != 42 or raw[:2] != b"Ed":
        raise Unreadable(f"{path}: not a minisign Ed25519 public key")
    return raw[10:]


def open_checkpoint(note, pubkey, origin, name):
    """Verifies the signed note NOTE; returns (size, root) of its checkpoint."""
    end = note.rfind(b"\n\n")
    if end < 0:
        raise Mismatch(f"{name}: not a signed note (no blank line)")
    text, sigs = note[: end + 1], note[end + 2 :]
    if not sigs.endswith(b"\n"):
        raise Mismatch(f"{name}: the signature lines do not end in a newline")
    key_id = hashlib.sha256(origin.encode() + b"\n\x01" + pubkey).digest()[:4]
    verified = 0
    for number, line in enumerate(sigs[:-1].split(b"\n"), start=text.count(b"\n") + 2):
        parts = line.split(b" ")
        if len(parts) != 3 or parts[0] != "\u2014".encode():
            raise Mismatch(f"{name}:{number}: not a signature line")
        try:
            sig = base64.b64decode(parts[2], validate=True)
        except ValueError as e:
            raise Mismatch(f"{name}:{number}: bad base64") from e
        if parts[1] != origin.encode() or sig[:4] != key_id:
            continue  # another key's: ignored
        if len(sig) != 68:
            raise Mismatch(f"{name}:{number}: an Ed25519 signature is 68 bytes, not {len(sig)}")
        try:
            nacl.signing.VerifyKey(pubkey).verify(text, sig[4:])
        except nacl.exceptions.BadSignatureError as e:
            raise Mismatch(f"{name}:{number}: the signature does not verify") from e
        verified += 1
    if verified == 0:
        raise Mismatch(f"{name}: no signature by key {origin}")
    lines = text.split(b"\n")[:-1]
    if len(lines) < 3 or any(not line for line in lines):
        raise Mismatch(f"{name}: a checkpoint has an origin, a size and a root, no empty line")
    if lines[0] != origin.encode():
        raise Mismatch(f"{name}:1: the origin is {lines[0]!r}, not {origin!r}")
    size_text = lines[1].decode("ascii", "replace")
    if not size_text.isascii() or not size_text.isdigit() or (size_text[0] == "0" and size_text != "0"):
        raise Mismatch(f"{name}:2: not a tree size: {size_text!r}")
    try:
        root = base64.b64decode(lines[2], validate=True)
    except ValueError as e:
        raise Mismatch(f"{name}:3: bad base64 root") from e
    if len(root) != HASH or base64.b64encode(root) != lines[2]:
        raise Mismatch(f"{name}:3: not the canonical base64 of a 32-byte root")
    return int(size_text), root


# --- the tree -----------------------------------------------------------------


def leaf_hash(entry):
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def mth(hashes, lo, hi):
    """RFC 6962 MTH of the leaves whose hashes are HASHES[lo:hi] (hi > lo)."""
    if hi - lo == 1:
        return hashes[lo]
    k = 1
    while k * 2 < hi - lo:
        k *= 2
    return node_hash(mth(hashes, lo, lo + k), mth(hashes, lo + k, hi))


def split_bundle(data, width, name, first):
    """The WIDTH entries of bundle DATA (named NAME, entries from FIRST)."""
    entries, at = [], 0
    for i in range(width):
        if at + 2 > len(data):
            raise Mismatch(f"{name}: ends before entry {i} (log entry {first + i}) of {width}")
        n = int.from_bytes(data[at : at + 2], "big")
        if at + 2 + n > len(data):
            raise Mismatch(f"{name}: entry {i} (log entry {first + i}) runs past the end")
        entries.append(data[at + 2 : at + 2 + n])
        at += 2 + n
    if at != len(data):
        raise Mismatch(f"{name}: {len(data) - at} bytes after its {width} entries")
    return entries


def fetch_tile(src, level, index, width):
    """The hashes of tile (LEVEL, INDEX) of WIDTH, its length checked."""
    name = tile_path(level, index, width)
    data = src.get(name)
    if len(data) != width * HASH:
        raise Mismatch(f"{name}: {len(data)} bytes, not {width} hashes ({width * HASH} bytes)")
    return name, [data[i : i + HASH] for i in range(0, len(data), HASH)]


def verify(src, pubkey, origin):
    size, root = open_checkpoint(src.get("checkpoint"), pubkey, origin, "checkpoint")
    leaves, bundles = [], []
    for index, width in tiles_at(0, size):
        name = tile_path(None, index, width)
        bundles.append(name)
        leaves += [leaf_hash(e) for e in split_bundle(src.get(name), width, name, index * WIDTH)]
    leaves_give_root = size > 0 and mth(leaves, 0, size) == root
    if size == 0:
        leaves_give_root = root == hashlib.sha256(b"").digest()
    below, tiles = leaves, 0
    level = 0
    while size // WIDTH**level > 0:
        if level > 0:  # each hash the root of 256 hashes of the level below
            below = [mth(below, j * WIDTH, (j + 1) * WIDTH) for j in range(len(below) // WIDTH)]
        for index, width in tiles_at(level, size):
            name, hashes = fetch_tile(src, level, index, width)
            tiles += 1
            for i, h in enumerate(hashes):
                if h == below[index * WIDTH + i]:
                    continue
                if level == 0 and not leaves_give_root:
                    entry = index * WIDTH + i
                    raise Mismatch(
                        f"{tile_path(None, index, width)}: entry {i} (log entry {entry}) does not "
                        f"hash to hash {i} of {name}, and the entries do not give the checkpoint's root"
                    )
                raise Mismatch(f"{name}: hash {i} is wrong (the recomputed hash differs)")
        level += 1
    if not leaves_give_root:
        raise Mismatch(f"checkpoint: the root is not the root of the {size} entries in the bundles")
    return size, root, len(bundles), tiles


def main(argv):
    parser = argparse.ArgumentParser(prog="tiles.py", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    v = sub.add_parser("verify", help="verify a tiles directory or URL prefix")
    v.add_argument("where", metavar="DIR_OR_URL")
    v.add_argument("--pub", required=True, metavar="CENTRAL.pub")
    v.add_argument("--origin", required=True)
    args = parser.parse_args(argv)  # bad usage: exit 2
    src = Source(args.where)
    try:
        size, root, bundles, tiles = verify(src, read_pubkey(args.pub), args.origin)
    except Mismatch as e:
        print(f"tiles.py: MISMATCH: {e}")
        return 1
    except Unreadable as e:
        print(f"tiles.py: cannot read: {e}")
        return 2
    print(
        f"tiles.py: ok: {args.origin} at {size} entries, root {base64.b64encode(root).decode()}: "
        f"{bundles} entry bundles and {tiles} tiles verified ({src.fetched} files)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
