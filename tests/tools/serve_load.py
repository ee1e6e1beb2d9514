#!/usr/bin/python3
"""serve_load.py: concurrent clients of dauys serve that keep trying.

  serve_load.py --url http://127.0.0.1:PORT --files LIST --out ANSWERS
                [--threads N] [--timeout S] [--give-up S] [--seed N]

LIST names the protocol files to submit, one path a line, in the order
`dauys ingest` would take them; each is POSTed to URL/v1/protocols as
multipart/form-data with the parts "protocol" (the file's bytes) and
"signature" (PATH.minisig, when it exists), as `curl -F` does.

N threads (default 12) submit at once. The files of one precinct (the
"precinct:" line of the file's header; a file without one is its own
group) go in LIST's order, each only once the one before it has its
final answer: the order a commission sends a correction in, and the order
the offline ingest decides them in, so each file's outcome can be compared
with the offline ingest's. Files of different precincts race.

Like `dauys submit`, a client retries on no answer (the connection refused,
reset or closed without an answer, or silent for --timeout seconds,
default 30) and on 5xx, with exponential backoff (20 ms doubling to 500 ms,
jittered; at least Retry-After, at most 2 s of it), never on 4xx. It keeps
retrying while the server is killed and restarted on the same port, until
--give-up seconds (default 300) have passed since the file's first try.

Every attempt is one JSON line in ANSWERS, written when it ends (the file
is flushed each line, so another process can follow it):

  {"status": 200, "file": PATH, "attempt": K, "began": T0, "ended": T1,
   "final": true, "body": "<the answer's bytes as text>", "error": null}

status is null when there was no answer (error says what happened); began
and ended are when the attempt began and ended (seconds since the epoch,
to compare with the times of the kills); final is
true on the attempt that gave the file its answer (a status below 500), or
on the last one when the client gave up (then "gave_up": true).

Prints a summary line. Exit status: 0 every file has its final answer;
1 some client gave up; 2 bad usage or an unreadable file. Only the
standard library.
"""
import argparse
import http.client
import json
import os
import random
import sys
import threading
import time
import uuid

BACKOFF_FIRST = 0.02
BACKOFF_MAX = 0.5
RETRY_AFTER_MAX = 2.0


def read_file(path):
    with open(path, "rb") as f:
        return f.read()


def precinct_of(data):
    """The precinct the protocol's header names, or None."""
    for line in data.split(b"\n", 8)[:8]:
        if line.startswith(b"precinct: "):
            return line[len(b"precinct: ") :].decode("utf-8", "replace")
    return None


def multipart(protocol, signature):
    """(content type, body) of a submission, as curl -F makes it."""
    boundary = "dauys-load-" + uuid.uuid4().hex
    parts = [("protocol", "protocol.txt", protocol)]
    if signature is not None:
        parts.append(("signature", "protocol.txt.minisig", signature))
    body = b""
    for name, filename, data in parts:
        body += (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode() + data + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    return f"multipart/form-data; boundary={boundary}", body


class Load:
    """The shared state: the groups to submit, the answers file, counters."""

    def __init__(self, args, groups):
        self.host, self.port = parse_url(args.url)
        self.timeout = args.timeout
        self.give_up = args.give_up
        self.groups = groups
        self.next_group = 0
        self.lock = threading.Lock()
        self.out = open(args.out, "w", encoding="utf-8")
        self.start = time.monotonic()
        self.attempts = self.retries = self.gave_up = self.files = 0
        self.status = {}

    def take_group(self):
        with self.lock:
            if self.next_group == len(self.groups):
                return None
            self.next_group += 1
            return self.groups[self.next_group - 1]

    def record(self, entry):
        line = json.dumps(entry, sort_keys=False)
        with self.lock:
            self.out.write(line + "\n")
            self.out.flush()
            self.attempts += 1
            key = entry["status"] if entry["status"] is not None else "no answer"
            self.status[key] = self.status.get(key, 0) + 1

    def post(self, content_type, body):
        """(status, answer text, Retry-After) or raises OSError/HTTPException."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            conn.request(
                "POST",
                "/v1/protocols",
                body=body,
                headers={"Content-Type": content_type, "Connection": "close"},
            )
            r = conn.getresponse()
            text = r.read().decode("utf-8", "replace")
            retry_after = r.getheader("Retry-After")
            return r.status, text, retry_after
        finally:
            conn.close()

    def submit(self, path, rng):
        """Submits PATH until it has a final answer or the client gives up."""
        protocol = read_file(path)
        sig_path = path + ".minisig"
        signature = read_file(sig_path) if os.path.exists(sig_path) else None
        first = time.monotonic()
        backoff = BACKOFF_FIRST
        attempt = 0
        while True:
            attempt += 1
            content_type, body = multipart(protocol, signature)
            began = time.time()
            status = text = error = retry_after = None
            try:
                status, text, retry_after = self.post(content_type, body)
            except (OSError, http.client.HTTPException) as e:
                error = f"{type(e).__name__}: {e}"
            ended = time.time()
            entry = {
                "status": status,
                "file": path,
                "attempt": attempt,
                "began": round(began, 6),
                "ended": round(ended, 6),
                "final": status is not None and status < 500,
                "body": text,
                "error": error,
            }
            if not entry["final"] and time.monotonic() - first > self.give_up:
                entry["final"] = entry["gave_up"] = True
                with self.lock:
                    self.gave_up += 1
            self.record(entry)
            if entry["final"]:
                with self.lock:
                    self.files += 1
                return
            with self.lock:
                self.retries += 1
            delay = backoff * rng.uniform(0.5, 1.0)
            if retry_after is not None and retry_after.isdigit():
                delay = max(delay, min(float(retry_after), RETRY_AFTER_MAX))
            time.sleep(delay)
            backoff = min(backoff * 2, BACKOFF_MAX)

    def worker(self, seed):
        rng = random.Random(seed)
        while (group := self.take_group()) is not None:
            for path in group:
                self.submit(path, rng)


def parse_url(url):
    if not url.startswith("http://"):
        raise ValueError(f"{url}: not an http:// URL")
    hostport = url[len("http://") :].rstrip("/")
    host, _, port = hostport.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"{url}: not http://HOST:PORT")
    return host, int(port)


def groups_of(paths):
    """The files grouped by precinct, each group in LIST's order; the groups
    in the order of their first file."""
    groups, by_precinct = [], {}
    for path in paths:
        precinct = precinct_of(read_file(path))
        if precinct is None:
            groups.append([path])
        elif precinct in by_precinct:
            by_precinct[precinct].append(path)
        else:
            by_precinct[precinct] = [path]
            groups.append(by_precinct[precinct])
    return groups


def main(argv):
    p = argparse.ArgumentParser(prog="serve_load.py", description=__doc__.split("\n")[0])
    p.add_argument("--url", required=True)
    p.add_argument("--files", required=True, metavar="LIST")
    p.add_argument("--out", required=True, metavar="ANSWERS")
    p.add_argument("--threads", type=int, default=12)
    p.add_argument("--timeout", type=float, default=30.0)
    p.add_argument("--give-up", type=float, default=300.0)
    p.add_argument("--seed", type=int, default=None)
    args = p.parse_args(argv)
    try:
        with open(args.files, encoding="utf-8") as f:
            paths = [line.rstrip("\n") for line in f if line.strip()]
        load = Load(args, groups_of(paths))
    except (OSError, ValueError) as e:
        print(f"serve_load.py: {e}", file=sys.stderr)
        return 2
    seed = args.seed if args.seed is not None else os.getpid()
    threads = [
        threading.Thread(target=load.worker, args=(seed * 1000 + i,), daemon=True)
        for i in range(max(1, args.threads))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    load.out.close()
    status = ", ".join(f"{k}: {v}" for k, v in sorted(load.status.items(), key=str))
    print(
        f"serve_load.py: {load.files} of {len(paths)} files answered in "
        f"{time.monotonic() - load.start:.1f} s by {len(threads)} clients: "
        f"{load.attempts} attempts ({status}), {load.retries} retries, {load.gave_up} gave up"
    )
    return 1 if load.gave_up or load.files != len(paths) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
