#!/usr/bin/python3
"""witness_crash.py: kill -9 dauys-audit witness at random moments while
checkpoints arrive (tests/cli/witness_crash_cli.sh).

    witness_crash.py AUDIT LOG.key LOG.pub WITNESS.pub NAME DIR KILLS

A log of its own (RFC 6962 tree, checkpoints signed with LOG.key, an
unencrypted minisign key, under the origin "example.org/crash-log"),
written here from the specifications. Two clients submit a growing
sequence (old size, consistency proof, checkpoint) and now and then a fork
(the size last cosigned with another root, or a forked tree's checkpoint
with its own proof); each keeps every 200 and the time it sent the request
and got the answer, and checks the cosignature (PyNaCl). The witness (state
in DIR/state) is killed with SIGKILL KILLS times at random moments and
restarted on the same state each time; after each kill its state file must
verify and hold at least every size cosigned so far (with the same root).
At the end: never two roots cosigned for one size, never a fork cosigned,
never a smaller size, nor an earlier cosignature time, after a larger one
was answered (in causal order: a request sent after another's answer came
back). Prints a summary;
exits 0 if all hold, 1 with each violation listed, 2 if it could not run.
"""

import base64
import hashlib
import http.client
import os
import random
import signal
import struct
import subprocess
import sys
import threading
import time

import nacl.exceptions
import nacl.signing

ORIGIN = "example.org/crash-log"
EM_DASH = "\u2014"
LEAVES = 20000


def h(b):
    return hashlib.sha256(b).digest()


class Tree:
    """An RFC 6962 Merkle tree over fixed leaves, with memoised subtree hashes."""

    def __init__(self, leaves):
        self.leaf = [h(b"\0" + x) for x in leaves]
        self.memo = {}

    def mth(self, lo, hi):
        n = hi - lo
        if n == 0:
            return h(b"")
        if n == 1:
            return self.leaf[lo]
        key = (lo, hi)
        if key not in self.memo:
            k = 1 << ((n - 1).bit_length() - 1)
            self.memo[key] = h(b"\1" + self.mth(lo, lo + k) + self.mth(lo + k, hi))
        return self.memo[key]

    def subproof(self, m, lo, hi, b):
        n = hi - lo
        if m == n:
            return [] if b else [self.mth(lo, hi)]
        k = 1 << ((n - 1).bit_length() - 1)
        if m <= k:
            return self.subproof(m, lo, lo + k, b) + [self.mth(lo + k, hi)]
        return self.subproof(m - k, lo + k, hi, False) + [self.mth(lo, lo + k)]

    def proof(self, old, new):
        return [] if old == 0 else self.subproof(old, 0, new, True)


def secret_seed(path):
    with open(path, encoding="utf-8") as f:
        raw = base64.b64decode(f.read().splitlines()[1])
    return raw[62:94]


def pub_key(path):
    with open(path, encoding="utf-8") as f:
        return base64.b64decode(f.read().splitlines()[1])[10:42]


class Log:
    def __init__(self, key_path, pub_path):
        self.sk = nacl.signing.SigningKey(secret_seed(key_path))
        self.pk = pub_key(pub_path)
        if bytes(self.sk.verify_key) != self.pk:
            raise SystemExit("witness_crash: the log key's halves differ")
        self.key_id = h(ORIGIN.encode() + b"\n\x01" + self.pk)[:4]

    def checkpoint(self, tree, size):
        text = f"{ORIGIN}\n{size}\n{base64.b64encode(tree.mth(0, size)).decode()}\n".encode()
        sig = self.sk.sign(text).signature
        return text + f"\n{EM_DASH} {ORIGIN} {base64.b64encode(self.key_id + sig).decode()}\n".encode()

    def verify(self, note):
        """(size, root) of a checkpoint note signed by the log, or None."""
        try:
            i = note.rindex(b"\n\n")
            text, sigs = note[:i + 1], note[i + 2:].decode("utf-8").splitlines()
            for line in sigs:
                name, _, b64 = line[2:].rpartition(" ")
                raw = base64.b64decode(b64, validate=True)
                if name == ORIGIN and raw[:4] == self.key_id:
                    nacl.signing.VerifyKey(self.pk).verify(text, raw[4:])
                    lines = text.decode().split("\n")
                    if lines[0] == ORIGIN:
                        return int(lines[1]), base64.b64decode(lines[2], validate=True)
        except (ValueError, UnicodeDecodeError, nacl.exceptions.BadSignatureError, IndexError):
            pass
        return None


def body(old, proof, note):
    return (f"old {old}\n".encode() + b"".join(base64.b64encode(p) + b"\n" for p in proof)
            + b"\n" + note)


class Run:
    def __init__(self, args):
        (self.audit, key, pub, wpub, self.name, self.dir, kills) = args
        self.kills = int(kills)
        self.log = Log(key, pub)
        self.wpk = pub_key(wpub)
        self.wkey_id = h(self.name.encode() + b"\n\x04" + self.wpk)[:4]
        rng = random.Random(int.from_bytes(os.urandom(4), "big"))
        self.seed = rng.randrange(1 << 30)
        self.tree = Tree([b"entry %d" % i for i in range(LEAVES)])
        self.lock = threading.Lock()
        self.port = None
        self.stop = False
        self.cosigned = []  # (t_send, t_recv, size, root, timestamp, client)
        self.forks = {"sent": 0, "refused": 0}
        self.statuses = {}
        self.violations = []
        self.proc = None
        self.state = os.path.join(self.dir, "state")

    def violation(self, what):
        with self.lock:
            self.violations.append(what)

    # --- the witness ---------------------------------------------------------

    def start(self):
        port_file = os.path.join(self.dir, "port")
        if os.path.exists(port_file):
            os.unlink(port_file)
        with open(os.path.join(self.dir, "witness.log"), "ab") as err:
            self.proc = subprocess.Popen(
                [self.audit, "witness", "--listen", "127.0.0.1:0", "-k",
                 os.path.join(self.dir, "w1.key"), "--name", self.name, "--log",
                 os.path.join(self.dir, "log.pub"), "--origin", ORIGIN, "--state", self.state,
                 "--port-file", port_file, "-q"], stderr=err, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while True:
            try:
                with open(port_file, encoding="ascii") as f:
                    port = int(f.read())
                break
            except (OSError, ValueError):
                pass
            if self.proc.poll() is not None:
                raise RuntimeError(f"the witness exited ({self.proc.returncode}) on restart")
            if time.monotonic() > deadline:
                raise RuntimeError("the witness did not listen within 20 s")
            time.sleep(0.01)
        with self.lock:
            self.port = port

    def kill(self):
        with self.lock:
            self.port = None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def check_state(self):
        """The state file verifies and holds at least every size cosigned so far."""
        files = [f for f in os.listdir(self.state) if f.startswith("log-") and
                 f.endswith(".checkpoint")]
        with self.lock:
            best = max(self.cosigned, key=lambda c: c[2], default=None)
        if not files:
            if best is not None:
                self.violation(f"no state file after cosigning size {best[2]}")
            return
        with open(os.path.join(self.state, files[0]), "rb") as f:
            got = self.log.verify(f.read())
        if got is None:
            self.violation(f"the state file {files[0]} does not verify after a kill")
            return
        if best is not None and (got[0] < best[2] or (got[0] == best[2] and got[1] != best[3])):
            self.violation(f"the state ({got[0]}) is behind a cosigned size {best[2]}")

    # --- clients ---------------------------------------------------------------

    def post(self, data):
        with self.lock:
            port = self.port
        if port is None:
            raise ConnectionError("down")
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            c.request("POST", "/add-checkpoint", body=data)
            r = c.getresponse()
            return r.status, r.getheader("Content-Type", ""), r.read()
        finally:
            c.close()

    def check_cosignature(self, note, answer):
        text = note[:note.rindex(b"\n\n") + 1]
        for line in answer.decode("utf-8").splitlines():
            name, _, b64 = line[2:].rpartition(" ")
            raw = base64.b64decode(b64, validate=True)
            if name == self.name and raw[:4] == self.wkey_id and len(raw) == 76:
                (t,) = struct.unpack(">Q", raw[4:12])
                try:
                    nacl.signing.VerifyKey(self.wpk).verify(
                        b"cosignature/v1\ntime %d\n" % t + text, raw[12:])
                    return t
                except nacl.exceptions.BadSignatureError:
                    break
        self.violation(f"a 200 without a valid cosignature: {answer!r}")
        return None

    def client(self, who):
        rng = random.Random(self.seed + who)
        known = 0
        while not self.stop:
            fork = known > 1 and rng.random() < 0.12
            if fork:
                at = rng.randrange(1, known)
                size = known if rng.random() < 0.5 else min(known + rng.randint(1, 6), LEAVES)
                ftree = Tree([b"entry %d" % i if i < at else b"forged %d" % i
                              for i in range(size)])
                note = self.log.checkpoint(ftree, size)
                data = body(known, ftree.proof(known, size), note)
            else:
                size = min(known + rng.randint(0, 6), LEAVES)
                note = self.log.checkpoint(self.tree, size)
                data = body(known, self.tree.proof(known, size), note)
            t_send = time.monotonic()
            try:
                status, ctype, answer = self.post(data)
            except (OSError, ConnectionError, http.client.HTTPException):
                time.sleep(0.005)
                continue
            t_recv = time.monotonic()
            with self.lock:
                self.statuses[status] = self.statuses.get(status, 0) + 1
                if fork:
                    self.forks["sent"] += 1
                    self.forks["refused"] += status in (409, 422)
            if fork:
                if status == 200:
                    self.violation(f"a fork of size {size} (from leaf {at}) was cosigned")
                elif status == 409 and ctype == "text/x.tlog.size":
                    known = int(answer)
                continue
            if status == 200:
                t = self.check_cosignature(note, answer)
                with self.lock:
                    self.cosigned.append((t_send, t_recv, size, self.tree.mth(0, size), t, who))
                known = size
            elif status == 409 and ctype == "text/x.tlog.size":
                known = int(answer)
            else:
                self.violation(f"client {who}: {status} {answer!r} for old {known} size {size}")

    # --- the run -------------------------------------------------------------

    def run(self):
        rng = random.Random(self.seed)
        os.makedirs(self.state, exist_ok=True)
        self.start()
        clients = [threading.Thread(target=self.client, args=(i,)) for i in range(2)]
        for c in clients:
            c.start()
        try:
            for _ in range(self.kills):
                time.sleep(rng.uniform(0.05, 0.5))
                self.kill()
                self.check_state()
                self.start()
            time.sleep(0.3)
        finally:
            self.stop = True
            for c in clients:
                c.join()
            self.kill()
        self.check_state()
        self.final_checks()

    def final_checks(self):
        roots = {}
        for c in self.cosigned:
            roots.setdefault(c[2], set()).add(c[3])
        for size, rs in roots.items():
            if len(rs) > 1:
                self.violations.append(f"two roots cosigned for size {size}")
        # Causal order: a request sent after an answer came back is never
        # cosigned for a smaller size.
        by_recv = sorted(self.cosigned, key=lambda c: c[1])
        for x in self.cosigned:
            for y in by_recv:
                if y[1] >= x[0]:
                    break
                if x[2] < y[2]:
                    self.violations.append(
                        f"size {x[2]} cosigned after size {y[2]} was (went backwards)")
                    break
                if x[4] is not None and y[4] is not None and x[4] < y[4]:
                    self.violations.append(
                        f"a cosignature timed {x[4]} after one timed {y[4]} (time went back)")
                    break
        sizes = sorted(roots)
        print(f"kills={self.kills}")
        print(f"cosigned={len(self.cosigned)}")
        print(f"sizes_cosigned={len(sizes)} largest={sizes[-1] if sizes else 0}")
        print(f"forks_sent={self.forks['sent']} forks_refused={self.forks['refused']}")
        print("statuses=" + ",".join(f"{k}:{v}" for k, v in sorted(self.statuses.items())))
        for v in self.violations:
            print(f"VIOLATION: {v}")
        return 1 if self.violations else 0


def main(argv):
    if len(argv) != 8:
        sys.stderr.write(__doc__)
        return 2
    r = Run(argv[1:])
    try:
        r.run()
    except RuntimeError as e:
        print(f"witness_crash: {e}")
        return 2
    return 1 if r.violations else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
