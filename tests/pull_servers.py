"""Real protocol servers on 127.0.0.1 for the pull tests, started and stopped by the tests.

- moto's S3 server (`moto_server`), gcp-storage-emulator and Azurite (npm, installed by
  `make tools` into .tools/azurite) run as subprocesses in their own process group on a free
  port; teardown kills the group, so nothing is left running.
- FakeAdminApi is an HTTP server (a thread) speaking the paging of the OpenAI organization
  usage/costs API and the Anthropic admin usage/cost reports, with injectable failures.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import typing
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
AZURITE = REPO / ".tools" / "azurite" / "node_modules" / ".bin" / "azurite-blob"
# Azurite's well-known development account (public, documented by Microsoft)
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, proc: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}: {log.read_text()[-2000:]}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(f"server did not listen on {port} within {timeout}s: {log.read_text()[-2000:]}")


@contextlib.contextmanager
def server_process(cmd: list[str], port: int, log: Path, timeout: float = 60.0):
    # in the log's folder, so that nothing a server might write lands in the repository
    with open(log, "wb") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True, cwd=log.parent)
    try:
        _wait_for_port(port, proc, log, timeout)
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(3)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


def moto_cmd(port: int) -> list[str]:
    return [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)]


def gcs_cmd(port: int) -> list[str]:
    return [str(BIN / "gcp-storage-emulator"), "start", "--host=127.0.0.1", f"--port={port}", "--in-memory"]


def azurite_cmd(port: int) -> list[str]:
    return [str(AZURITE), "--blobHost", "127.0.0.1", "--blobPort", str(port), "--inMemoryPersistence",
            "--skipApiVersionCheck", "--loose", "--silent"]


def azurite_connection_string(port: int) -> str:
    return (f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};AccountKey={AZURITE_KEY};"
            f"BlobEndpoint=http://127.0.0.1:{port}/{AZURITE_ACCOUNT};")


# --- the admin APIs -----------------------------------------------------------------------------

def day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), dt.UTC)


class FakeAdminApi:
    """`usage[day]` / `costs[day]`: the results of that UTC day. Pages hold at most `page_size`
    results (the cursor is opaque). `failures` is a list of (status, retry_after, body) served
    before the next real answers; `{key}` in a body is replaced by the key the client sent."""

    PATHS: typing.ClassVar[dict[str, dict[str, str]]] = {
        "openai": {"/v1/organization/usage/completions": "usage", "/v1/organization/costs": "costs"},
        "anthropic": {"/v1/organizations/usage_report/messages": "usage", "/v1/organizations/cost_report": "costs"},
    }

    def __init__(self, kind: str, key: str, page_size: int = 2):
        self.kind, self.key, self.page_size = kind, key, page_size
        self.usage: dict[dt.date, list[dict]] = {}
        self.costs: dict[dt.date, list[dict]] = {}
        self.failures: list[tuple[int, str | None, str]] = []
        self.requests: list[tuple[str, dict, int]] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def sent_key(self, headers) -> str | None:
        if self.kind == "openai":
            auth = headers.get("Authorization", "")
            return auth[len("Bearer "):] if auth.startswith("Bearer ") else None
        return headers.get("x-api-key") if headers.get("anthropic-version") == "2023-06-01" else None

    def window(self, params: dict) -> list[dt.date]:
        if self.kind == "openai":
            start = dt.datetime.fromtimestamp(int(params["start_time"][0]), dt.UTC)
            end = dt.datetime.fromtimestamp(int(params["end_time"][0]), dt.UTC)
        else:
            start = dt.datetime.fromisoformat(params["starting_at"][0])
            end = dt.datetime.fromisoformat(params["ending_at"][0])
        days, d = [], start.date()
        while day_start(d) < end:
            days.append(d)
            d += dt.timedelta(days=1)
        return days

    def bucket(self, day: dt.date, results: list[dict]) -> dict:
        if self.kind == "openai":
            return {"object": "bucket", "start_time": int(day_start(day).timestamp()),
                    "end_time": int((day_start(day) + dt.timedelta(days=1)).timestamp()), "results": results}
        iso = "%Y-%m-%dT%H:%M:%SZ"
        return {"starting_at": day_start(day).strftime(iso),
                "ending_at": (day_start(day) + dt.timedelta(days=1)).strftime(iso), "results": results}

    def page(self, table: dict, params: dict) -> dict:
        days = self.window(params)
        flat = [(d, r) for d in days for r in table.get(d, [])]
        offset = int(params["page"][0][len("cur-"):]) if "page" in params else 0
        chunk = flat[offset:offset + self.page_size]
        if offset == 0 and not chunk:
            data = [self.bucket(d, []) for d in days]
        else:
            data = [self.bucket(d, [r for dd, r in chunk if dd == d]) for d in days if any(dd == d for dd, _ in chunk)]
        more = offset + self.page_size < len(flat)
        page = {"data": data, "has_more": more, "next_page": f"cur-{offset + self.page_size}" if more else None}
        return {"object": "page", **page} if self.kind == "openai" else page

    def _handler(self):
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _send(self, status: int, body: str, headers: dict | None = None) -> None:
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                url = urllib.parse.urlsplit(self.path)
                params = urllib.parse.parse_qs(url.query)
                sent = api.sent_key(self.headers)
                with api.lock:
                    failure = api.failures.pop(0) if api.failures else None
                if failure:
                    status, retry_after, body = failure
                    api.requests.append((url.path, params, status))
                    return self._send(status, body.replace("{key}", sent or ""), {"Retry-After": retry_after} if retry_after else None)
                if sent != api.key:
                    api.requests.append((url.path, params, 401))
                    return self._send(401, json.dumps({"error": {"message": f"invalid key {sent}"}}))
                which = api.PATHS[api.kind].get(url.path)
                if which is None:
                    api.requests.append((url.path, params, 404))
                    return self._send(404, json.dumps({"error": "not found"}))
                page = api.page(api.usage if which == "usage" else api.costs, params)
                api.requests.append((url.path, params, 200))
                return self._send(200, json.dumps(page))

        return Handler
