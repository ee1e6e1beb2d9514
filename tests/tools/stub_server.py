#!/usr/bin/env python3
"""stub_server.py: a programmable HTTP server for the clients' tests
(tests/cli/submit_cli.sh). Python's standard library only; 127.0.0.1 only.

    python3 stub_server.py --dir DIR [--port N] SCRIPT

listens on 127.0.0.1:N (default 0: a free port the system picks), writes the
port to DIR/port once it listens (write-then-rename: a reader never sees half
a number), and answers every request from SCRIPT, a JSON list of steps taken
in order, one a request (the last one again and again once they are spent):

  {"status": 200, "json": {...}}            that status with that JSON body
  {"status": 503, "retry_after": 1}         ... with a Retry-After header
  {"status": 400, "body": "text"}           a raw body (not JSON)
  {"accept": true}                          200 and an "accepted" answer for
                                            the protocol part's precinct and
                                            version (its "precinct: " and
                                            "version: " lines), the log index
                                            counting up from 0
  {"drop": true}                            close the connection, no answer
  {"oversized": BYTES}                      200 with a JSON-looking body of
                                            BYTES bytes (the client must cut it)
  any step may add "delay": SECONDS         hold the request that long first
  any step may add "times": N               the step serves N requests

Every request is recorded: DIR/requests.jsonl gets one JSON line each, written
when its answer is decided (method, path, content type, the parts with their
names, filenames, sizes and sha256, the times it came and was answered, how
many requests were in flight when it came), and each part's bytes go to
DIR/req-K-NAME (K the request's number from 1). SIGTERM ends it at once.
PUT /_stub?dir=DIR with a script as its body starts again from that script,
recording into DIR (which must exist), without a new process.
"""
import argparse
import hashlib
import json
import os
import re
import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class State:
    def __init__(self, directory, steps):
        self.lock = threading.Lock()
        self.inflight = 0
        self.reset(directory, steps)

    def reset(self, directory, steps):
        """A new script and records directory, the counts from 0."""
        expanded = []
        for step in steps:
            expanded.extend([step] * int(step.get("times", 1)))
        with self.lock:
            self.dir = directory
            self.steps = expanded
            self.count = 0
            self.log_index = 0

    def next_step(self):
        """The step for the next request and its number (from 1)."""
        with self.lock:
            self.count += 1
            self.inflight += 1
            step = self.steps[min(self.count, len(self.steps)) - 1]
            return self.count, step, self.inflight

    def done(self):
        with self.lock:
            self.inflight -= 1

    def record(self, entry):
        with self.lock:
            with open(os.path.join(self.dir, "requests.jsonl"), "a") as f:
                f.write(json.dumps(entry) + "\n")

    def next_index(self):
        with self.lock:
            self.log_index += 1
            return self.log_index - 1


def parse_multipart(content_type, body):
    """The parts of a multipart/form-data BODY: a list of (name, filename,
    bytes), or None if it is not one. Split by hand on the boundary so that
    the bytes are exactly those sent."""
    m = re.match(r'multipart/form-data;\s*boundary="?([^";]+)"?', content_type or "")
    if not m:
        return None
    delimiter = b"--" + m.group(1).encode()
    chunks = body.split(delimiter)
    if len(chunks) < 3 or not chunks[-1].startswith(b"--"):
        return None
    parts = []
    for chunk in chunks[1:-1]:
        if not chunk.startswith(b"\r\n") or not chunk.endswith(b"\r\n"):
            return None
        head, sep, data = chunk[2:-2].partition(b"\r\n\r\n")
        if not sep:
            return None
        disposition = ""
        for line in head.decode("latin-1").split("\r\n"):
            if line.lower().startswith("content-disposition:"):
                disposition = line
        name = re.search(r'\bname="([^"]*)"', disposition)
        filename = re.search(r'\bfilename="([^"]*)"', disposition)
        parts.append((name.group(1) if name else None, filename.group(1) if filename else None, data))
    return parts


def line_value(data, key):
    m = re.search(rb"^" + key.encode() + rb": *([^\r\n]*)$", data, re.M)
    return m.group(1).decode("utf-8", "replace") if m else None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "stub/1"

    def log_message(self, fmt, *args):  # quiet: the record is the log
        pass

    def do_GET(self):
        self.handle_request()

    def do_POST(self):
        self.handle_request()

    def do_PUT(self):
        """PUT /_stub?dir=DIR with a script: start again from it, recording
        into DIR (a directory that exists), without a new process."""
        m = re.match(r"^/_stub\?dir=(.+)$", self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        steps = json.loads(body) if m else None
        if not m or not isinstance(steps, list) or not steps or not os.path.isdir(m.group(1)):
            self.send_error(400)
            return
        self.server.state.reset(m.group(1), steps)
        self.send_response(204)
        self.end_headers()

    def handle_request(self):
        state = self.server.state
        came = time.time()
        number, step, inflight = state.next_step()
        try:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length > 0 else b""
            parts = parse_multipart(self.headers.get("Content-Type"), body)
            recorded = []
            for name, filename, data in parts or []:
                safe = re.sub(r"[^A-Za-z0-9_.-]", "_", name or "unnamed")
                with open(os.path.join(state.dir, "req-%d-%s" % (number, safe)), "wb") as f:
                    f.write(data)
                recorded.append({"name": name, "filename": filename, "size": len(data),
                                 "sha256": hashlib.sha256(data).hexdigest()})
            if step.get("delay"):
                time.sleep(float(step["delay"]))
            entry = {"n": number, "method": self.command, "path": self.path,
                     "content_type": self.headers.get("Content-Type"),
                     "multipart": parts is not None, "parts": recorded, "came": came,
                     "inflight": inflight, "step": step}
            if step.get("drop"):
                entry["answered"] = time.time()
                state.record(entry)
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            status, headers, payload = self.answer(step, parts)
            entry["answered"] = time.time()
            entry["status"] = status
            state.record(entry)
            self.send_response(status)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        finally:
            state.done()

    def answer(self, step, parts):
        """(status, headers, body bytes) for STEP."""
        headers = [("Content-Type", "application/json")]
        if "oversized" in step:
            n = int(step["oversized"])
            filler = b'{"outcome": "accepted", "reason": "' + b"x" * max(0, n - 40)
            return 200, headers, (filler + b'"}')[:n]
        if step.get("accept"):
            protocol = next((d for name, _, d in parts or [] if name == "protocol"), b"")
            version = line_value(protocol, "version")
            answer = {"outcome": "accepted", "precinct": line_value(protocol, "precinct"),
                      "version": int(version) if version and version.isdigit() else None,
                      "reason_code": None, "reason": None,
                      "log_index": self.server.state.next_index(),
                      "entry_sha256": hashlib.sha256(protocol).hexdigest(), "warnings": 0}
            return 200, headers, json.dumps(answer).encode()
        status = int(step.get("status", 200))
        if "retry_after" in step:
            headers.append(("Retry-After", str(step["retry_after"])))
        if "json" in step:
            return status, headers, json.dumps(step["json"]).encode()
        if "body" in step:
            return status, [("Content-Type", "text/plain")] + headers[1:], step["body"].encode()
        return status, headers, b'{"error": "stub"}'


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("script")
    args = ap.parse_args()
    with open(args.script) as f:
        steps = json.load(f)
    if not isinstance(steps, list) or not steps:
        sys.exit("stub_server.py: the script is a non-empty JSON list of steps")
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.state = State(args.dir, steps)
    # SIGTERM: out at once (every record is already written and closed)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    tmp = os.path.join(args.dir, "port.tmp")
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(tmp, os.path.join(args.dir, "port"))
    server.serve_forever()


if __name__ == "__main__":
    main()
