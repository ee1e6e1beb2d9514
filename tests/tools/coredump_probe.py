#!/usr/bin/env python3
"""coredump_probe.py: would a process leave a core dump if it crashed at the
moment it holds a secret?

usage: coredump_probe.py prompt|line DIR CMD...

Starts CMD in DIR on a pseudo-terminal (its stdin, stdout and stderr, and
its controlling terminal, so output is line-buffered) with its core-file
limit raised as far as it goes (as a careless shell's `ulimit -c unlimited`
would), and waits for the moment:
  prompt  CMD asks for a password on its terminal: it has read the secret
          key file and is about to decrypt it;
  line    CMD has printed its first line.
Then it reads CMD's core-file limit from /proc/PID/limits, kills CMD with
SIGSEGV, and prints one line:
  limit=L signal=S dumped=0|1 files=K
L the soft limit CMD runs under ("0" when it forbade core dumps itself), S
the signal it died of, dumped the kernel's "core dumped" flag, K the files
named core* in DIR afterwards. Exits 0 when it printed that line, 2 when the
moment never came (CMD ended first, or 60 s passed: $DAUYS_PROBE_TIMEOUT s
if set, for slow runs such as under valgrind).
"""
import os
import pty
import resource
import select
import signal
import sys
import time

TIMEOUT = float(os.environ.get("DAUYS_PROBE_TIMEOUT", "60"))


def raise_core_limit():
    _, hard = resource.getrlimit(resource.RLIMIT_CORE)
    resource.setrlimit(resource.RLIMIT_CORE, (hard, hard))


def wait_for(fd, want):
    """Reads FD until WANT appears in what was read; False at EOF or timeout."""
    seen, deadline = b"", time.monotonic() + TIMEOUT
    while want not in seen:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return False
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the pty's other side is closed
            return False
        if not chunk:
            return False
        seen += chunk
    return True


def core_limit(pid):
    with open(f"/proc/{pid}/limits", encoding="ascii") as f:
        for line in f:
            if line.startswith("Max core file size"):
                return line.split()[4]
    return "?"


def start(directory, cmd):
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.chdir(directory)
            raise_core_limit()
            os.execvp(cmd[0], cmd)
        finally:
            os._exit(127)
    return pid, fd


def main(argv):
    if len(argv) < 4 or argv[1] not in ("prompt", "line"):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    mode, directory, cmd = argv[1], argv[2], argv[3:]
    pid, fd = start(directory, cmd)
    if not wait_for(fd, b"assword" if mode == "prompt" else b"\n"):
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        print(f"coredump_probe: {cmd[0]} never reached the moment ({mode})", file=sys.stderr)
        return 2
    limit = core_limit(pid)
    os.kill(pid, signal.SIGSEGV)
    # Under valgrind a signal sent as CMD enters a blocking system call (the
    # password's read) can wait there unseen: sent again each second until
    # CMD is gone.
    polls = 0
    while (waited := os.waitpid(pid, os.WNOHANG))[0] == 0:
        time.sleep(0.05)
        polls += 1
        if polls % 20 == 0:
            os.kill(pid, signal.SIGSEGV)
    status = waited[1]
    sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0
    dumped = int(os.WIFSIGNALED(status) and os.WCOREDUMP(status))
    files = len([n for n in os.listdir(directory) if n.startswith("core")])
    print(f"limit={limit} signal={sig} dumped={dumped} files={files}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
