#!/usr/bin/env python3
"""hostile_http.py: hostile HTTP clients for tests/cli/serve_hostile_cli.sh.

What curl cannot do, over raw sockets on 127.0.0.1 only: requests sent
byte by byte, bodies that never end, a thousand idle connections, paths
sent as they are (curl normalises ".."), floods from several threads, and
meanwhile legitimate signed submissions timed one by one.

    hostile_http.py PORT COMMAND [ARGS...]

Every command prints its measurements as KEY=VALUE lines (the test script
asserts on them) and exits 0, or exits 2 when it could not run at all.
Legitimate submissions are given as PROTOCOL files (the signature is
PROTOCOL.minisig); each is sent once, and a line "legit=STATUS MS FILE" says
what it got and how long it took.
"""

import os
import random
import socket
import statistics
import sys
import threading
import time

HOST = "127.0.0.1"
BOUNDARY = "dauysHostileBoundary7f3a"


def now():
    return time.monotonic()


def connect(port, timeout=10.0):
    s = socket.create_connection((HOST, port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_response(s, deadline):
    """Reads one HTTP response (headers, then Content-Length bytes, or up to
    the close). Returns (status, headers dict, body bytes); status 0 when the
    connection closed (or reset) before a status line, -1 on the deadline."""
    data = b""
    while b"\r\n\r\n" not in data:
        left = deadline - now()
        if left <= 0:
            return -1, {}, data
        s.settimeout(left)
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            return -1, {}, data
        except (ConnectionResetError, BrokenPipeError):
            chunk = b""
        if not chunk:
            return 0, {}, data
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    try:
        status = int(lines[0].split(" ")[1])
    except (IndexError, ValueError):
        return 0, {}, data
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    want = int(headers.get("content-length", "-1"))
    while want < 0 or len(body) < want:
        left = deadline - now()
        if left <= 0:
            break
        s.settimeout(left)
        try:
            chunk = s.recv(65536)
        except (socket.timeout, ConnectionResetError):
            break
        if not chunk:
            break
        body += chunk
    return status, headers, body


def exchange(port, raw, timeout=10.0):
    """Sends RAW on a fresh connection, returns (status, headers, body, ms)."""
    t0 = now()
    try:
        s = connect(port, timeout)
    except OSError:
        return 0, {}, b"", (now() - t0) * 1000
    try:
        try:
            s.sendall(raw)
        except (BrokenPipeError, ConnectionResetError):
            pass
        status, headers, body = read_response(s, t0 + timeout)
    finally:
        s.close()
    return status, headers, body, (now() - t0) * 1000


def multipart(parts):
    """A multipart/form-data body of (NAME, BYTES) parts."""
    out = b""
    for name, data in parts:
        out += (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; "
                f"filename=\"f\"\r\nContent-Type: application/octet-stream\r\n\r\n").encode()
        out += data + b"\r\n"
    return out + f"--{BOUNDARY}--\r\n".encode()


def post(body, content_type=None, path="/v1/protocols", extra=b""):
    ct = content_type if content_type is not None else f"multipart/form-data; boundary={BOUNDARY}"
    return (f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {ct}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n").encode() + extra + b"\r\n" + body


def read_file(path):
    with open(path, "rb") as f:
        return f.read()


def submission(protocol_path):
    parts = [("protocol", read_file(protocol_path))]
    if os.path.exists(protocol_path + ".minisig"):
        parts.append(("signature", read_file(protocol_path + ".minisig")))
    return post(multipart(parts))


def legit_one(port, path, timeout=20.0):
    status, _, body, ms = exchange(port, submission(path), timeout)
    return status, ms, body


def report_legit(results):
    """Prints each legitimate submission's status and latency, and their
    median and maximum latency."""
    for status, ms, path in results:
        print(f"legit={status} {ms:.0f} {path}")
    if results:
        lat = [ms for _, ms, _ in results]
        print(f"legit_count={len(results)}")
        print(f"legit_ok={sum(1 for st, _, _ in results if st == 200)}")
        print(f"legit_median_ms={statistics.median(lat):.0f}")
        print(f"legit_max_ms={max(lat):.0f}")


class LegitRunner(threading.Thread):
    """Submits FILES one after another, every PACE seconds, while an attack
    runs; stops early when STOP is set (the files left are not sent)."""

    def __init__(self, port, files, pace):
        super().__init__(daemon=True)
        self.port, self.files, self.pace = port, list(files), pace
        self.results = []
        self.stop = threading.Event()

    def run(self):
        for path in self.files:
            if self.stop.is_set():
                break
            status, ms, _ = legit_one(self.port, path)
            self.results.append((status, ms, path))
            self.stop.wait(self.pace)


def vmrss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def closed_by_peer(s, wait):
    """1 if the server closed S within WAIT seconds (EOF or reset), else 0."""
    s.settimeout(wait)
    try:
        return 1 if s.recv(1) == b"" else 0
    except socket.timeout:
        return 0
    except (ConnectionResetError, BrokenPipeError):
        return 1


def wait_closed(s, limit):
    """Seconds until the server closes S (EOF or reset), or None by LIMIT."""
    t0 = now()
    while now() - t0 < limit:
        if closed_by_peer(s, 0.2):
            return now() - t0
    return None


# --- commands -----------------------------------------------------------------


def cmd_raw(port, args):
    """raw REQUEST-LINE [HEADER...]: one request sent exactly as given (no
    body unless a Content-Length header and a last argument "BODY=...")."""
    body = b""
    if args and args[-1].startswith("BODY="):
        body = args[-1][5:].encode()
        args = args[:-1]
    raw = ("\r\n".join([args[0], "Host: x", "Connection: close"] + args[1:]) + "\r\n\r\n").encode()
    status, headers, data, ms = exchange(port, raw + body)
    print(f"status={status}")
    print(f"ms={ms:.0f}")
    print(f"length={len(data)}")
    print(f"content_type={headers.get('content-type', '')}")
    print(f"content_length={headers.get('content-length', '')}")
    shown = bytes(b if 0x20 <= b < 0x7f else 0x2e for b in data[:300])  # printable only
    print("body=" + shown.decode("ascii"))


def cmd_many(port, args):
    """many: one request a line of stdin (its request line, e.g. "GET /x
    HTTP/1.1"), each on its own connection; prints for each a line
    "STATUS LENGTH BODY" (BODY: its first 300 bytes, printable only)."""
    for line in sys.stdin.read().splitlines():
        raw = (line + "\r\nHost: x\r\nConnection: close\r\n\r\n").encode("latin-1")
        status, _, data, _ = exchange(port, raw)
        shown = bytes(b if 0x20 <= b < 0x7f else 0x2e for b in data[:300])
        print(f"{status} {len(data)} {shown.decode('ascii')}")


def cmd_big_length(port, args):
    """big-length BYTES: headers announcing a BYTES body; the answer must come
    before any of the body is sent; then tries to send the body."""
    size = int(args[0])
    s = connect(port)
    t0 = now()
    s.sendall((f"POST /v1/protocols HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; "
               f"boundary={BOUNDARY}\r\nContent-Length: {size}\r\n\r\n").encode())
    status, headers, body = read_response(s, t0 + 5)
    print(f"status={status}")
    print(f"answered_before_body={1 if status > 0 else 0}")
    print(f"ms={(now() - t0) * 1000:.0f}")
    print(f"connection={headers.get('connection', '')}")
    print(f"body={body.decode('latin-1').strip()}")
    sent = 0
    block = b"x" * 65536
    try:
        s.settimeout(5)
        while sent < size:
            sent += s.send(block[: min(len(block), size - sent)])
    except OSError:
        pass
    print(f"body_sent={sent}")
    print(f"closed={closed_by_peer(s, 3)}")
    s.close()


def cmd_chunked(port, args):
    """chunked PID MIB: a chunked body with no Content-Length, MIB MiB of
    garbage in 16 KiB chunks, then its end; VmRSS before and after."""
    pid, mib = int(args[0]), int(args[1])
    before = vmrss_kib(pid)
    s = connect(port)
    t0 = now()
    s.sendall((f"POST /v1/protocols HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; "
               f"boundary={BOUNDARY}\r\nTransfer-Encoding: chunked\r\n\r\n").encode())
    chunk = b"4000\r\n" + bytes(random.getrandbits(8) for _ in range(16384)) + b"\r\n"
    sent, cut = 0, 0
    try:
        while sent < mib << 20:
            s.sendall(chunk)
            sent += 16384
        s.sendall(b"0\r\n\r\n")
    except OSError:
        cut = 1
    after = vmrss_kib(pid)
    status, _, body = read_response(s, now() + 10)
    s.close()
    print(f"sent_kib={sent >> 10}")
    print(f"cut={cut}")
    print(f"status={status}")
    print(f"ms={(now() - t0) * 1000:.0f}")
    print(f"rss_before_kib={before}")
    print(f"rss_after_kib={after}")
    print(f"rss_growth_kib={after - before}")
    print(f"body={body.decode('latin-1').strip()}")


def malformed_cases(proto, sig):
    """(NAME, RAW REQUEST) pairs, each a malformed submission."""
    ct = f"multipart/form-data; boundary={BOUNDARY}"
    good = multipart([("protocol", proto), ("signature", sig)])
    yield "json", post(b'{"protocol": "x", "signature": "y"}', "application/json")
    yield "urlencoded", post(b"protocol=x&signature=y", "application/x-www-form-urlencoded")
    yield "text", post(proto, "text/plain")
    yield "no_content_type", post(good, "")
    yield "no_boundary", post(good, "multipart/form-data")
    yield "truncated", post(good[: len(good) // 2], ct)
    yield "unknown_part", post(multipart([("protocol", proto), ("signature", sig),
                                          ("comment", b"hello")]), ct)
    yield "protocol_twice", post(multipart([("protocol", proto), ("protocol", proto),
                                            ("signature", sig)]), ct)
    yield "signature_twice", post(multipart([("protocol", proto), ("signature", sig),
                                             ("signature", sig)]), ct)
    yield "no_protocol", post(multipart([("signature", sig)]), ct)
    yield "empty_multipart", post(f"--{BOUNDARY}--\r\n".encode(), ct)
    rng = random.Random(17)
    yield "binary_garbage", post(bytes(rng.getrandbits(8) for _ in range(20000)), ct)
    huge = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"protocol\"; "
            f"filename=\"{'A' * 40000}\"\r\n\r\n").encode() + proto + \
        f"\r\n--{BOUNDARY}--\r\n".encode()
    yield "huge_part_header", post(huge, ct)
    yield "protocol_over_64k", post(multipart([("protocol", proto + b"#" * (65 << 10))]), ct)


def cmd_malformed(port, args):
    """malformed PROTOCOL: every malformed case, one line each:
    case=NAME STATUS JSON(1 if the body is {"error": ...}) BODY."""
    proto = read_file(args[0])
    sig = read_file(args[0] + ".minisig")
    for name, raw in malformed_cases(proto, sig):
        status, headers, body, ms = exchange(port, raw)
        text = body.decode("latin-1").strip().replace("\n", " ")
        is_json = int(headers.get("content-type", "") == "application/json" and
                      text.startswith('{"error": "'))
        print(f"case={name} {status} {is_json} {len(raw)} {text[:160]}")


def cmd_slow_headers(port, args):
    """slow-headers SECONDS PACE LEGIT...: request headers trickled a byte a
    second for SECONDS while legitimate submissions go every PACE seconds;
    then silence: when does the server close it?"""
    seconds, pace, files = float(args[0]), float(args[1]), args[2:]
    legit = LegitRunner(port, files, pace)
    s = connect(port)
    header = b"POST /v1/protocols HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 10000
    legit.start()
    t0 = now()
    sent, alive = 0, 1
    while now() - t0 < seconds:
        try:
            s.send(header[sent:sent + 1])
            sent += 1
        except OSError:
            alive = 0
            break
        if closed_by_peer(s, 1.0):
            alive = 0
            break
    print(f"trickled_s={now() - t0:.1f}")
    print(f"trickled_bytes={sent}")
    print(f"alive_after_trickle={alive}")
    closed = wait_closed(s, 20) if alive else 0.0
    print(f"closed_after_silence_s={-1 if closed is None else round(closed, 1)}")
    s.close()
    legit.stop.set()
    legit.join()
    report_legit(legit.results)


def cmd_slow_body(port, args):
    """slow-body LIMIT PACE LEGIT...: complete headers, then a body trickled a
    byte a second: when is it dropped (LIMIT: give up after that many s)?"""
    limit, pace, files = float(args[0]), float(args[1]), args[2:]
    legit = LegitRunner(port, files, pace)
    s = connect(port)
    s.sendall((f"POST /v1/protocols HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; "
               f"boundary={BOUNDARY}\r\nContent-Length: 60000\r\n\r\n").encode())
    legit.start()
    t0 = now()
    sent, dropped, status = 0, None, None
    while now() - t0 < limit:
        try:
            s.send(b"-")
            sent += 1
        except OSError:
            dropped = now() - t0
            break
        s.settimeout(1.0)
        try:
            data = s.recv(4096)
            if data == b"":
                dropped = now() - t0
                break
            status = data.split(b" ")[1].decode()
            dropped = now() - t0
            break
        except socket.timeout:
            pass
        except (ConnectionResetError, BrokenPipeError):
            dropped = now() - t0
            break
    print(f"body_bytes_sent={sent}")
    print(f"dropped_after_s={-1 if dropped is None else round(dropped, 1)}")
    print(f"answer={status or 'none'}")
    s.close()
    legit.stop.set()
    legit.join()
    report_legit(legit.results)


def cmd_idle(port, args):
    """idle N WAIT LEGIT...: opens N connections that send nothing, submits
    the legitimate files and GETs /checkpoint while they are open, then
    waits up to WAIT s for the server to close them (its idle timeout)."""
    n, wait, files = int(args[0]), float(args[1]), args[2:]
    conns = []
    t0 = now()
    for _ in range(n):
        conns.append(connect(port))
    print(f"opened={len(conns)}")
    print(f"open_ms={(now() - t0) * 1000:.0f}")
    results = []
    for path in files:
        status, ms, _ = legit_one(port, path)
        results.append((status, ms, path))
    status, _, body, ms = exchange(port, b"GET /checkpoint HTTP/1.1\r\nHost: x\r\n"
                                         b"Connection: close\r\n\r\n")
    print(f"checkpoint={status} {ms:.0f}")
    # every connection closed by the server within WAIT s of being opened
    closed = 0
    for c in conns:
        left = max(0.1, wait - (now() - t0))
        closed += closed_by_peer(c, left)
        c.close()
    print(f"closed_by_server={closed}")
    print(f"closed_within_s={now() - t0:.1f}")
    report_legit(results)


def flood_payloads(garbage_files):
    """The flood's requests: garbage bytes, and each given file (unsigned,
    wrongly signed, unknown precinct) as a submission."""
    rng = random.Random(1717)
    payloads = [post(bytes(rng.getrandbits(8) for _ in range(3000)), "application/octet-stream"),
                post(multipart([("protocol", bytes(rng.getrandbits(8) for _ in range(3000)))]))]
    for path in garbage_files:
        payloads.append(submission(path))
    return payloads


def cmd_flood(port, args):
    """flood SECONDS THREADS PACE GARBAGE... -- LEGIT...: THREADS flooders
    send the garbage submissions round robin for SECONDS while the legitimate
    ones go every PACE seconds; prints the flood's statuses counted."""
    seconds, threads, pace = float(args[0]), int(args[1]), float(args[2])
    sep = args.index("--")
    payloads = flood_payloads(args[3:sep])
    legit = LegitRunner(port, args[sep + 1:], pace)
    counts, lock = {}, threading.Lock()
    end = now() + seconds

    def flooder(k):
        i = k
        while now() < end:
            status, _, _, _ = exchange(port, payloads[i % len(payloads)], 10)
            i += 1
            with lock:
                counts[status] = counts.get(status, 0) + 1

    workers = [threading.Thread(target=flooder, args=(k,), daemon=True) for k in range(threads)]
    for w in workers:
        w.start()
    legit.start()
    for w in workers:
        w.join()
    legit.stop.set()
    legit.join()
    total = sum(counts.values())
    print(f"flood_total={total}")
    print(f"flood_4xx={sum(v for k, v in counts.items() if 400 <= k < 500)}")
    print("flood_statuses=" + " ".join(f"{k}:{v}" for k, v in sorted(counts.items())))
    report_legit(legit.results)


COMMANDS = {
    "raw": cmd_raw,
    "many": cmd_many,
    "big-length": cmd_big_length,
    "chunked": cmd_chunked,
    "malformed": cmd_malformed,
    "slow-headers": cmd_slow_headers,
    "slow-body": cmd_slow_body,
    "idle": cmd_idle,
    "flood": cmd_flood,
}


def main(argv):
    if len(argv) < 3 or argv[2] not in COMMANDS:
        sys.stderr.write(f"usage: {argv[0]} PORT {{{','.join(COMMANDS)}}} [ARGS...]\n")
        return 2
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    COMMANDS[argv[2]](int(argv[1]), argv[3:])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
