"""A real HTTP server on 127.0.0.1 standing in for a Slack incoming webhook."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self


class FakeSlack:
    """Records every POSTed JSON body; answers 200 "ok" like Slack, or `fail_status` for the
    first `fail_first` requests. The URL carries a secret-looking path, so tests can assert
    that it never shows up in logs or the warehouse."""

    SECRET_PATH = "/services/T0FAKE/B0FAKE/s3cr3tT0k3nDoNotLog"

    def __init__(self, fail_first: int = 0, fail_status: int = 500) -> None:
        self.fail_first = fail_first
        self.fail_status = fail_status
        self.requests: list[dict] = []
        self.attempts = 0
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with outer._lock:
                    outer.attempts += 1
                    failing = outer.attempts <= outer.fail_first
                    if not failing and self.path == outer.SECRET_PATH:
                        outer.requests.append(json.loads(body))
                status = outer.fail_status if failing else (200 if self.path == outer.SECRET_PATH else 404)
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok" if status == 200 else b"error")

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{self.SECRET_PATH}"

    @property
    def texts(self) -> list[str]:
        with self._lock:
            return [r.get("text", "") for r in self.requests]

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()
            self.attempts = 0

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()


def closed_port_url() -> str:
    """A webhook URL nobody listens on: the port was free a moment ago and is closed now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}{FakeSlack.SECRET_PATH}"
