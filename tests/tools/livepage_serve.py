#!/usr/bin/env python3
"""livepage_serve.py DIR PORTFILE: serves the live page's test files as
`dauys serve` would, on 127.0.0.1 and a port the system picks (written to
PORTFILE once listening), until killed (tests/cli/livepage_cli.sh):

  GET / and GET /live   DIR/page.html, text/html, with the CSP of DIR/csp.txt
  GET /v1/status        DIR/status.json, read at each request, so that a
                        test swaps in a newer status by renaming a file over it

Anything else is 404. No caching anywhere."""
import http.server
import os
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        root = self.server.root
        if self.path in ("/", "/live"):
            name, kind = "page.html", "text/html; charset=utf-8"
        elif self.path == "/v1/status":
            name, kind = "status.json", "application/json"
        else:
            self.send_error(404)
            return
        with open(os.path.join(root, name), "rb") as f:
            body = f.read()
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        if name == "page.html":
            with open(os.path.join(root, "csp.txt"), encoding="ascii") as f:
                self.send_header("Content-Security-Policy", f.read().strip())
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        pass


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.root = sys.argv[1]
    tmp = sys.argv[2] + ".tmp"
    with open(tmp, "w", encoding="ascii") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(tmp, sys.argv[2])
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
