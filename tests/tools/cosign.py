#!/usr/bin/python3
"""cosign.py: witnesses' cosignatures made independently of dauys, for the tests.

C2SP tlog-cosignature, cosignature/v1 over Ed25519, with PyNaCl (Debian's
python3-nacl), sharing no code with dauys. A witness is NAME or NAME=SEED
(64 hex digits); without a seed its key is derived from its name
(SHA-256 of "dauys test witness " NAME), so tests need not keep key files.
A witness may be followed by @TIME (the cosignature's time, default now)
and by ! (one bit of the signature flipped after signing: a bad cosignature).

  cosign.py vkey WITNESS                      its verifier key NAME+KEYID+BASE64
  cosign.py note NOTE WITNESS...              appends "— NAME BASE64" lines to the
                                              signed note NOTE (a checkpoint), in place
  cosign.py result RESULT ORIGIN WITNESS...   writes "cosignature: NAME BASE64" lines
                                              right after RESULT's log-root line, each
                                              over "ORIGIN\\nLOG-SIZE\\nLOG-ROOT\\n" with
                                              RESULT's own log-size and log-root
                                              (RESULT must then be signed again)

A cosignature line is "— " NAME " " base64(key_id[4] || time[8] || sig[64]),
key_id = SHA-256(NAME || 0x0A || 0x04 || PK)[:4], time big-endian, and sig the
Ed25519 signature of "cosignature/v1\\ntime " TIME "\\n" followed by the note's
text (its lines up to the blank line before the signatures, newline included).
"""
import base64
import hashlib
import struct
import sys
import time

from nacl.signing import SigningKey

DASH = "\u2014"


def witness(spec):
    """(name, signing key, time, flip) from NAME[=SEED][@TIME][!]."""
    flip = spec.endswith("!")
    spec = spec.rstrip("!")
    when = int(time.time())
    if "@" in spec:
        spec, at = spec.split("@", 1)
        when = int(at)
    if "=" in spec:
        name, seed = spec.split("=", 1)
        seed = bytes.fromhex(seed)
    else:
        name = spec
        seed = hashlib.sha256(b"dauys test witness " + name.encode()).digest()
    return name, SigningKey(seed), when, flip


def key_id(name, key):
    pk = bytes(key.verify_key)
    return hashlib.sha256(name.encode() + b"\n" + b"\x04" + pk).digest()[:4]


def vkey(spec):
    name, key, _, _ = witness(spec)
    pk = bytes(key.verify_key)
    return "%s+%s+%s" % (name, key_id(name, key).hex(), base64.b64encode(b"\x04" + pk).decode())


def cosign(text, spec):
    """NAME and the base64 of the cosignature of note text TEXT (bytes)."""
    name, key, when, flip = witness(spec)
    msg = b"cosignature/v1\ntime %d\n" % when + text
    sig = bytearray(key.sign(msg).signature)
    if flip:
        sig[17] ^= 0x08
    blob = key_id(name, key) + struct.pack(">Q", when) + bytes(sig)
    return name, base64.b64encode(blob).decode()


def note(path, specs):
    data = open(path, "rb").read()
    cut = data.rindex(b"\n\n") + 1  # the text ends at the last blank line
    text = data[:cut]
    out = data if data.endswith(b"\n") else data + b"\n"
    for spec in specs:
        name, b64 = cosign(text, spec)
        out += ("%s %s %s\n" % (DASH, name, b64)).encode()
    open(path, "wb").write(out)


def result(path, origin, specs):
    lines = open(path, "rb").read().split(b"\n")
    value = {}
    for line in lines:
        for key in (b"log-size: ", b"log-root: "):
            if line.startswith(key):
                value[key] = line[len(key):]
    text = origin.encode() + b"\n" + value[b"log-size: "] + b"\n" + value[b"log-root: "] + b"\n"
    at = next(i for i, line in enumerate(lines) if line.startswith(b"log-root: ")) + 1
    added = []
    for spec in specs:
        name, b64 = cosign(text, spec)
        added.append(("cosignature: %s %s" % (name, b64)).encode())
    lines[at:at] = added
    open(path, "wb").write(b"\n".join(lines))


def main(argv):
    if len(argv) >= 3 and argv[1] == "vkey":
        for spec in argv[2:]:
            print(vkey(spec))
    elif len(argv) >= 4 and argv[1] == "note":
        note(argv[2], argv[3:])
    elif len(argv) >= 5 and argv[1] == "result":
        result(argv[2], argv[3], argv[4:])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
