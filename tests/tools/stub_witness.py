#!/usr/bin/python3
"""A witness for tests: C2SP tlog-witness's add-checkpoint, written apart
from dauys (Python's http.server and PyNaCl), so the log's cosigner
(publish/witness.c) is tested against an implementation that shares none of
its code, and cosignatures made here are checked by dauys's verifier.

    stub_witness.py --port-file F --name NAME --seed HEX --origin ORIGIN
                    --log-pk HEX [--mode MODE] [--slow SECONDS]

It trusts one log: checkpoints of ORIGIN signed under the key name ORIGIN
by the Ed25519 key LOG_PK (hex). Its key is the Ed25519 key of the 32-byte
SEED (hex). It keeps its state (the size and root it last cosigned) in
memory only. It listens on 127.0.0.1, a free port written to F.

MODE (changed at run time by POST /mode with the mode as body) makes it
misbehave:
  ok          the spec's witness
  500         answers 500 to everything
  429         answers 429 (Retry-After: 1) to everything
  503-wait    answers 503 (Retry-After: 30) to everything
  flaky       answers 500 to one request in two (the first of each pair)
  422         answers 422 (a bad proof) to everything
  conflict    answers 409 text/x.tlog.size with its size to everything
  size-big    answers 409 text/x.tlog.size with a size beyond any checkpoint
  size-junk   answers 409 text/x.tlog.size with "twelve\\n"
  garbage     answers 200 with a body that is not signature lines
  slow        waits --slow seconds (default 5), then does as ok
  wrong-key   cosigns (as ok) with another key under its name
  bad-sig     cosigns with its key id but a signature over other bytes
GET /stats answers "requests N\\nsize S\\nold O\\npeer P\\n": the add-checkpoint
requests seen, its size, the old size of the last request and the client's
port it came from (the same port: the connection was kept).
"""

import argparse
import base64
import hashlib
import http.server
import os
import sys
import threading
import time

import nacl.exceptions
import nacl.signing

EM_DASH = "\u2014"


def b64d(s):
    return base64.b64decode(s, validate=True)


def leaf_parent(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def verify_consistency(old, new, old_root, new_root, proof):
    """RFC 9162 2.1.4.2, written from the RFC."""
    if old > new:
        return False
    if old == new:
        return old_root == new_root and not proof
    if old == 0:
        return not proof
    if not proof:
        return False
    if old & (old - 1) == 0:  # a power of two
        proof = [old_root] + proof
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = leaf_parent(c, fr)
            sr = leaf_parent(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = leaf_parent(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == old_root and sr == new_root and sn == 0


def key_id(name, type_byte, pk):
    return hashlib.sha256(name.encode() + b"\n" + bytes([type_byte]) + pk).digest()[:4]


class Witness:
    def __init__(self, args):
        self.name = args.name
        self.sk = nacl.signing.SigningKey(bytes.fromhex(args.seed))
        self.other = nacl.signing.SigningKey(hashlib.sha256(bytes.fromhex(args.seed)).digest())
        self.origin = args.origin
        self.log_pk = bytes.fromhex(args.log_pk)
        self.log_vk = nacl.signing.VerifyKey(self.log_pk)
        self.log_id = key_id(self.origin, 1, self.log_pk)
        self.mode = args.mode
        self.slow = args.slow
        self.size, self.root = 0, None
        self.requests, self.last_old, self.peer = 0, -1, 0
        self.lock = threading.Lock()

    def cosign(self, text, key):
        t = int(time.time())
        msg = b"cosignature/v1\ntime " + str(t).encode() + b"\n" + text
        sig = key.sign(msg).signature
        if self.mode == "bad-sig":
            sig = key.sign(msg + b"x").signature
        kid = key_id(self.name, 4, bytes(key.verify_key))
        blob = kid + t.to_bytes(8, "big") + sig
        return (EM_DASH + " " + self.name + " " + base64.b64encode(blob).decode() + "\n").encode()

    def add_checkpoint(self, body):
        """Returns (status, content type, body bytes)."""
        head, sep, note = body.partition(b"\n\n")
        if not sep:
            return 400, "text/plain", b"no blank line\n"
        lines = head.split(b"\n")
        if not lines[0].startswith(b"old "):
            return 400, "text/plain", b"no old size line\n"
        try:
            old = int(lines[0][4:].decode())
            proof = [b64d(x) for x in lines[1:]]
        except ValueError:
            return 400, "text/plain", b"bad old size or proof line\n"
        if lines[0][4:] != str(old).encode() or any(len(h) != 32 for h in proof):
            return 400, "text/plain", b"bad old size or proof line\n"
        text, sep, sigs = note.partition(b"\n\n")
        if not sep or not sigs.endswith(b"\n"):
            return 400, "text/plain", b"not a signed note\n"
        text += b"\n"
        cp = text.split(b"\n")
        if len(cp) < 4:
            return 400, "text/plain", b"not a checkpoint\n"
        if cp[0].decode() != self.origin:
            return 404, "text/plain", b"unknown log\n"
        try:
            size = int(cp[1].decode())
            root = b64d(cp[2])
        except ValueError:
            return 400, "text/plain", b"bad checkpoint\n"
        signed = False
        for line in sigs[:-1].split(b"\n"):
            parts = line.decode().split(" ")
            if len(parts) != 3 or parts[0] != EM_DASH:
                return 400, "text/plain", b"bad signature line\n"
            blob = b64d(parts[2])
            if parts[1] != self.origin or blob[:4] != self.log_id or len(blob) != 68:
                continue  # the spec: signatures by unknown keys are ignored
            try:
                self.log_vk.verify(text, blob[4:])
                signed = True
            except nacl.exceptions.BadSignatureError:
                pass
        if not signed:
            return 403, "text/plain", b"not signed by the log\n"
        if old > size:
            return 400, "text/plain", b"old size beyond the checkpoint\n"
        with self.lock:
            self.last_old = old
            if old != self.size:
                return 409, "text/x.tlog.size", b"%d\n" % self.size
            if old == size and self.root is not None and root != self.root:
                return 409, "text/plain", b"another root for this size\n"
            if old > 0 and old < size and not verify_consistency(old, size, self.root, root, proof):
                return 422, "text/plain", b"the proof does not verify\n"
            if (old == 0 or old == size) and proof:
                return 422, "text/plain", b"a proof where none belongs\n"
            self.size, self.root = size, root
        key = self.other if self.mode == "wrong-key" else self.sk
        return 200, "text/plain; charset=utf-8", self.cosign(text, key)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: every answer has a length

    def log_message(self, *args):
        pass

    def reply(self, status, ctype, body, extra=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test): nothing to tell

    def do_GET(self):
        w = self.server.witness
        if self.path == "/stats":
            with w.lock:
                s = "requests %d\nsize %d\nold %d\npeer %d\n" % (w.requests, w.size, w.last_old, w.peer)
            return self.reply(200, "text/plain", s.encode())
        self.reply(404, "text/plain", b"not found\n")

    def do_POST(self):
        w = self.server.witness
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path == "/mode":
            w.mode = body.decode().strip()
            return self.reply(200, "text/plain", b"ok\n")
        if self.path != "/add-checkpoint":
            return self.reply(404, "text/plain", b"not found\n")
        with w.lock:
            w.requests += 1
            w.peer = self.client_address[1]
            n = w.requests
        mode = w.mode
        if mode == "500" or (mode == "flaky" and n % 2 == 1):
            return self.reply(500, "text/plain", b"down\n")
        if mode == "429":
            return self.reply(429, "text/plain", b"busy\n", [("Retry-After", "1")])
        if mode == "503-wait":
            return self.reply(503, "text/plain", b"later\n", [("Retry-After", "30")])
        if mode == "422":
            return self.reply(422, "text/plain", b"bad proof\n")
        if mode == "conflict":
            return self.reply(409, "text/x.tlog.size", b"%d\n" % w.size)
        if mode == "size-big":
            return self.reply(409, "text/x.tlog.size", b"99999999999\n")
        if mode == "size-junk":
            return self.reply(409, "text/x.tlog.size", b"twelve\n")
        if mode == "garbage":
            return self.reply(200, "text/plain", b"hello, log\n")
        if mode == "slow":
            time.sleep(w.slow)
        status, ctype, out = w.add_checkpoint(body)
        self.reply(status, ctype, out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--name", required=True)
    ap.add_argument("--seed", required=True)
    ap.add_argument("--origin", required=True)
    ap.add_argument("--log-pk", required=True)
    ap.add_argument("--mode", default="ok")
    ap.add_argument("--slow", type=float, default=5.0)
    args = ap.parse_args()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.witness = Witness(args)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(tmp, args.port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
