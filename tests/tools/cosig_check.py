#!/usr/bin/python3
"""cosig_check.py: an independent check of C2SP tlog-cosignature v1 (Ed25519)
cosignatures on a checkpoint, with Debian's python3-nacl, sharing no code
with dauys.

    cosig_check.py NOTE VKEY...

NOTE is a signed checkpoint note; each VKEY a witness's verifier key
NAME+KEYID+BASE64(0x04 || PK). Prints, for each VKEY in order, "NAME ok T"
(T the cosignature's time) or "NAME missing" or "NAME bad"; exits 0 if every
line by a known witness that is present verifies, 1 if one does not, 2 on
malformed input. The message checked is, per the spec:
"cosignature/v1\\ntime T\\n" followed by the note's text.
"""
import base64
import hashlib
import struct
import sys

import nacl.exceptions
import nacl.signing

DASH = "\u2014 "


def parse_vkey(vkey):
    name, keyid, b64 = vkey.split("+")
    raw = base64.b64decode(b64, validate=True)
    if len(raw) != 33 or raw[0] != 4:
        raise ValueError("not a cosignature/v1 Ed25519 vkey: " + vkey)
    pk = raw[1:]
    want = hashlib.sha256(name.encode() + b"\n\x04" + pk).digest()[:4]
    if want.hex() != keyid:
        raise ValueError("key id mismatch in " + vkey)
    return name, want, pk


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    data = open(argv[1], "rb").read().decode("utf-8")
    text, sep, sigs = data.rpartition("\n\n")
    if not sep:
        print("no blank line in the note", file=sys.stderr)
        return 2
    text += "\n"
    lines = [l for l in sigs.split("\n") if l]
    status = 0
    for vkey in argv[2:]:
        name, keyid, pk = parse_vkey(vkey)
        found = None
        for line in lines:
            if not line.startswith(DASH):
                print("malformed signature line: " + line, file=sys.stderr)
                return 2
            lname, _, b64 = line[len(DASH):].partition(" ")
            raw = base64.b64decode(b64, validate=True)
            if lname == name and raw[:4] == keyid:
                found = raw
        if found is None:
            print(name, "missing")
            continue
        if len(found) != 76:
            print(name, "bad")
            status = 1
            continue
        (t,) = struct.unpack(">Q", found[4:12])
        msg = ("cosignature/v1\ntime %d\n" % t).encode() + text.encode()
        try:
            nacl.signing.VerifyKey(pk).verify(msg, found[12:])
            print(name, "ok", t)
        except nacl.exceptions.BadSignatureError:
            print(name, "bad")
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
