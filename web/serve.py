"""Static server for web/run.sh's browser tests, on 127.0.0.1 only.

Serves the repository root (GET, with single byte ranges: `Range: bytes=A-B`, as a media
server would for video seeking) and takes the test page's report: POST /report writes the
request body to REPORT. Prints the port it listens on, then serves until killed.

Collect links: PUT <site>/l/<link id>/drops/<32 hex>[.original|.thumbnail] stores a guest's
drop (SPEC.md 8.12), only there (any other PUT is 403), only into an existing link folder,
at most MAX_PUT bytes (413 above), never overwriting (409). GET /ranges?path=P returns the
Range requests served for P since the last such call, as JSON `[[first, last], ...]`
(the video seek test counts them).

Usage: python3 web/serve.py ROOT REPORT
"""

import http.server
import os
import re
import sys
import threading
import json

ROOT, REPORT = sys.argv[1], sys.argv[2]
MAX_PUT = 64 << 20
DROP_PATH = re.compile(r"/target/web/site/l/[0-9a-f]{32}/drops/[0-9a-f]{32}(\.original|\.thumbnail)?")
RANGES = {}
LOCK = threading.Lock()


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
        if self.path.startswith("/ranges?path="):
            with LOCK:
                served = RANGES.pop(self.path[len("/ranges?path="):], [])
            body = json.dumps(served).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
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
        with LOCK:
            RANGES.setdefault(self.path, []).append([start, last])
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


    def do_PUT(self):
        if not DROP_PATH.fullmatch(self.path):
            self.send_error(403)
            return
        length = int(self.headers.get("Content-Length", "-1"))
        if length < 0 or length > MAX_PUT:
            self.send_error(413)
            return
        path = self.translate_path(self.path)
        if not os.path.isdir(os.path.dirname(path)):
            self.send_error(404)
            return
        body = self.rfile.read(length)
        try:
            with open(path, "xb") as f:
                f.write(body)
        except FileExistsError:
            self.send_error(409)
            return
        self.send_response(201)
        self.send_header("Content-Length", "0")
        self.end_headers()


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
