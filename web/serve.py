"""Static server for web/run.sh's browser tests, on 127.0.0.1 only.

Serves the repository root (GET, with single byte ranges: `Range: bytes=A-B`, as a media
server would for video seeking) and takes the test page's report: POST /report writes the
request body to REPORT. Prints the port it listens on, then serves until killed.

Usage: python3 web/serve.py ROOT REPORT
"""

import http.server
import os
import re
import sys

ROOT, REPORT = sys.argv[1], sys.argv[2]


class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".wasm": "application/wasm", ".js": "text/javascript"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, directory=ROOT, **kwargs)

    def log_message(self, *args):  # quiet: the script prints the page's results
        pass

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def do_GET(self):
        match = re.fullmatch(r"bytes=(\d+)-(\d+)", self.headers.get("Range", ""))
        path = self.translate_path(self.path)
        if not match or not os.path.isfile(path):
            return super().do_GET()
        start, last = int(match[1]), int(match[2])
        size = os.path.getsize(path)
        if start > last or start >= size:
            self.send_error(416)
            return
        last = min(last, size - 1)
        with open(path, "rb") as f:
            f.seek(start)
            body = f.read(last - start + 1)
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Range", f"bytes {start}-{last}/{size}")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        if self.path != "/report":
            self.send_error(404)
            return
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with open(REPORT + ".tmp", "wb") as f:
            f.write(body)
        os.replace(REPORT + ".tmp", REPORT)
        self.send_response(204)
        self.end_headers()


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
