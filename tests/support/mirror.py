"""A loopback HTTP server (127.0.0.1 only) that serves files and injects faults.

Each path holds bytes and an optional queue of faults; every request to the path takes the next
fault from its queue, and once the queue is empty the file is served normally.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FAULTS = ("503", "drop", "truncated_gzip", "html", "404", "hang", "json", "trickle")
HANG_SECONDS = 3.0  # bounded: a hanging or trickling request ends by itself
TRICKLE_PAUSE = 0.2  # seconds between the single bytes of a trickle, far below any read time-out


class Mirror:
    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.faults: dict[str, deque[str]] = defaultdict(deque)
        self.requests: Counter[str] = Counter()
        self.queries: dict[str, list[str]] = defaultdict(list)
        mirror = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:  # noqa: N802 - name fixed by http.server
                path, _, query = self.path.partition("?")
                mirror.requests[path] += 1
                mirror.queries[path].append(query)
                queue = mirror.faults.get(path)
                fault = queue.popleft() if queue else None
                body = mirror.files.get(path)
                if fault == "hang":
                    time.sleep(HANG_SECONDS)
                    return
                if fault == "404" or body is None:
                    self._reply(404, b"<html><body>404 Not Found</body></html>", "text/html")
                elif fault == "503":
                    self._reply(503, b"Service Unavailable", "text/plain")
                elif fault == "html":
                    self._reply(200, b"<!DOCTYPE html><html><body>Please log in</body></html>", "text/html")
                elif fault == "json":  # an API's error message sent with status 200
                    self._reply(200, b'{"error": "rate limit exceeded, try later"}', "application/json")
                elif fault == "trickle":  # one byte at a time, never idle long enough to time out
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    started = time.monotonic()
                    for byte in body:
                        if time.monotonic() - started > HANG_SECONDS:
                            break
                        try:
                            self.wfile.write(bytes([byte]))
                            self.wfile.flush()
                        except OSError:
                            break
                        time.sleep(TRICKLE_PAUSE)
                elif fault == "truncated_gzip":
                    self._reply(200, body[: len(body) // 2], "application/gzip")
                elif fault == "drop":
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.connection.shutdown(2)
                else:
                    self._reply(200, body, "application/octet-stream")

            def _reply(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def add(self, path: str, body: bytes, *faults: str) -> str:
        """Serve ``body`` at ``path`` after the given faults; return its full URL."""
        unknown = set(faults) - set(FAULTS)
        if unknown:
            raise ValueError(f"unknown faults {unknown}")
        self.files[path] = body
        self.faults[path] = deque(faults)
        return self.url + path

    def __enter__(self) -> Mirror:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
