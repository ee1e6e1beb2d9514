#!/usr/bin/python3
"""witness_tool.py: an independent side for the witness's tests
(tests/cli/witness_cli.sh, witness_crash_cli.sh), written from the C2SP
specifications with PyNaCl, sharing nothing with dauys's C code.

    witness_tool.py verify WITNESS.pub NAME CHECKPOINT ANSWER [LO HI]
        ANSWER (a witness's 200 body) holds one cosignature line by NAME
        that verifies over CHECKPOINT's text (cosignature/v1), with a time
        in [LO, HI] if given. Exit 0 if so, 1 otherwise (saying why).
    witness_tool.py sign KEY ORIGIN SIZE ROOT_B64
        prints a checkpoint note signed with the unencrypted minisign secret
        key KEY under ORIGIN (the insider, or another key).
    witness_tool.py flip BODY
        prints request BODY with one bit of its first proof hash flipped.
    witness_tool.py slowloris PORT N SECONDS BODY
        holds N connections trickling headers (and N trickling a body) for
        SECONDS while posting BODY once a second; prints legit=STATUS MS
        lines and slow_alive=K, the slow connections the witness left open.
"""

import base64
import hashlib
import socket
import struct
import sys
import threading
import time

import nacl.exceptions
import nacl.signing

EM_DASH = "\u2014"


def pub_key(path):
    """The 32-byte Ed25519 key of a minisign public key file."""
    with open(path, encoding="utf-8") as f:
        raw = base64.b64decode(f.read().splitlines()[1])
    if len(raw) != 42 or raw[:2] != b"Ed":
        raise SystemExit(f"{path}: not a minisign public key")
    return raw[10:42]


def secret_seed(path):
    """The Ed25519 seed of an unencrypted minisign secret key file."""
    with open(path, encoding="utf-8") as f:
        raw = base64.b64decode(f.read().splitlines()[1])
    if len(raw) != 158 or raw[:2] != b"Ed" or raw[2:4] != b"\0\0":
        raise SystemExit(f"{path}: not an unencrypted minisign secret key")
    return raw[54 + 8:54 + 8 + 32]


def note_text(note):
    """A signed note's text: up to and including the newline before the last blank line."""
    i = note.rindex(b"\n\n")
    return note[:i + 1]


def cmd_verify(args):
    pub, name, cp_path, answer_path = args[:4]
    lo, hi = (int(args[4]), int(args[5])) if len(args) >= 6 else (0, 2**63 - 1)
    pk = pub_key(pub)
    with open(cp_path, "rb") as f:
        text = note_text(f.read())
    with open(answer_path, "rb") as f:
        answer = f.read().decode("utf-8")
    key_id = hashlib.sha256(name.encode() + b"\n\x04" + pk).digest()[:4]
    lines = answer.split("\n")
    if lines[-1] != "" or not lines[:-1]:
        print("verify: the answer is not newline-terminated signature lines")
        return 1
    found = 0
    for line in lines[:-1]:
        if not line.startswith(EM_DASH + " "):
            print(f"verify: not a signature line: {line!r}")
            return 1
        who, _, b64 = line[2:].rpartition(" ")
        sig = base64.b64decode(b64, validate=True)
        if who != name or sig[:4] != key_id:
            continue
        if len(sig) != 76:
            print(f"verify: a cosignature is 76 bytes, not {len(sig)}")
            return 1
        (t,) = struct.unpack(">Q", sig[4:12])
        msg = b"cosignature/v1\ntime %d\n" % t + text
        try:
            nacl.signing.VerifyKey(pk).verify(msg, sig[12:])
        except nacl.exceptions.BadSignatureError:
            print("verify: the cosignature does not verify")
            return 1
        if not lo <= t <= hi or t >= 2**63:
            print(f"verify: time {t} is not in [{lo}, {hi}]")
            return 1
        found += 1
    if found != 1:
        print(f"verify: {found} cosignatures by {name}, not 1")
        return 1
    print(f"verify: cosignature by {name} verifies")
    return 0


def sign_note(seed, origin, text):
    """TEXT signed as a note under key name ORIGIN (signed-note, Ed25519)."""
    sk = nacl.signing.SigningKey(seed)
    pk = bytes(sk.verify_key)
    key_id = hashlib.sha256(origin.encode() + b"\n\x01" + pk).digest()[:4]
    sig = sk.sign(text).signature
    line = f"{EM_DASH} {origin} {base64.b64encode(key_id + sig).decode()}\n"
    return text + b"\n" + line.encode()


def cmd_sign(args):
    key, origin, size, root = args
    text = f"{origin}\n{int(size)}\n{root}\n".encode()
    sys.stdout.buffer.write(sign_note(secret_seed(key), origin, text))
    return 0


def cmd_flip(args):
    with open(args[0], "rb") as f:
        lines = f.read().split(b"\n")
    h = bytearray(base64.b64decode(lines[1], validate=True))
    h[7] ^= 0x10
    lines[1] = base64.b64encode(bytes(h))
    sys.stdout.buffer.write(b"\n".join(lines))
    return 0


def post(port, body, timeout=10.0):
    """POSTs BODY to /add-checkpoint: (status, seconds)."""
    t0 = time.monotonic()
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.sendall(b"POST /add-checkpoint HTTP/1.1\r\nHost: w\r\nConnection: close\r\n"
              + b"Content-Length: %d\r\n\r\n" % len(body) + body)
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    return int(data.split(b" ")[1]), time.monotonic() - t0


def cmd_slowloris(args):
    port, n, seconds, body_path = int(args[0]), int(args[1]), float(args[2]), args[3]
    with open(body_path, "rb") as f:
        body = f.read()
    slow = []
    for i in range(2 * n):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        if i % 2:
            s.sendall(b"POST /add-checkpoint HTTP/1.1\r\nHost: w\r\nContent-Length: 60000\r\n\r\n")
        else:
            s.sendall(b"POST /add-checkpoint HTTP/1.1\r\nHost: w\r\n")
        slow.append(s)
    stop = time.monotonic() + seconds
    def trickle():
        while time.monotonic() < stop:
            for s in slow:
                try:
                    s.send(b"x")
                except OSError:
                    pass
            time.sleep(0.5)

    t = threading.Thread(target=trickle)
    t.start()
    while time.monotonic() < stop:
        status, secs = post(port, body)
        print(f"legit={status} {int(secs * 1000)}")
        time.sleep(1.0)
    t.join()
    alive = 0
    for s in slow:
        s.setblocking(False)
        try:
            if s.recv(4096) != b"":
                alive += 1  # answered, still open
        except BlockingIOError:
            alive += 1  # nothing to read: still open
        except OSError:
            pass
        s.close()
    print(f"slow_alive={alive}")
    return 0


COMMANDS = {"verify": cmd_verify, "sign": cmd_sign, "flip": cmd_flip, "slowloris": cmd_slowloris}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.stderr.write(__doc__)
        sys.exit(2)
    sys.exit(COMMANDS[sys.argv[1]](sys.argv[2:]))
