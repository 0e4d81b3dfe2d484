"""Pull the ECB euro reference rates: one HTTP GET of `<base_url>/<file>` per configured file
(default `eurofxref-hist.zip`, the whole history; `eurofxref.zip` is the latest day only).

The base URL is `base_url` (default https://www.ecb.europa.eu/stats/eurofxref), or the value
of the variable named by `base_url_env` (default FINOPS_ECB_BASE_URL) when it is set. The file
is checked (an ECB rates CSV, alone or zipped) before it is written, atomically, to
`<landing>/ecb_fx/<file>`; an unchanged file is not rewritten. The fx_ecb_rates asset loads it
on top of the bundled history (its rates win). No credentials: the ECB file is public.
"""

from __future__ import annotations

import hashlib
import os
import time
import urllib.error
import urllib.request

from dagster_project.ingest.fx import FxRatesError, parse_ecb_file
from dagster_project.pull.config import PullSource

RETRY_STATUS = {429, 500, 502, 503, 504}


def ecb_url(src: PullSource, name: str) -> str:
    base = (os.environ.get(src.base_url_env) if src.base_url_env else None) or src.base_url
    return f"{base.rstrip('/')}/{name}"


def _get(url: str, src: PullSource, sleep) -> bytes:
    for attempt in range(1, max(1, src.max_attempts) + 1):
        try:
            req = urllib.request.Request(url, headers={"User-Agent": "finops-platform"})
            with urllib.request.urlopen(req, timeout=src.timeout_seconds) as resp:
                return resp.read()
        except urllib.error.HTTPError as exc:
            if exc.code not in RETRY_STATUS or attempt == src.max_attempts:
                raise RuntimeError(f"GET {url}: HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError) as exc:
            if attempt == src.max_attempts:
                raise RuntimeError(f"GET {url}: {getattr(exc, 'reason', exc)}") from None
        sleep(min(src.retry_base_seconds * 2 ** (attempt - 1), 30.0))
    raise AssertionError("unreachable")


def pull_ecb(conn, landing, src: PullSource, result, dry_run: bool, log, sleep=None) -> None:
    from dagster_project.pull.state import pulled_objects, record_object, write_atomic

    sleep = sleep or time.sleep
    known = pulled_objects(conn, src.name)
    for name in src.extra.get("files") or ["eurofxref-hist.zip"]:
        url = ecb_url(src, name)
        landing_rel = f"{src.landing_folder}/{name}"
        if dry_run:
            result.would_fetch.append(f"GET {url} -> {landing_rel}")
            continue
        data = _get(url, src, sleep)
        result.requests += 1
        result.listed += 1
        try:
            rates = parse_ecb_file(data)
        except FxRatesError as exc:
            raise RuntimeError(f"GET {url}: not an ECB rates file: {exc}") from None
        digest = hashlib.sha256(data).hexdigest()
        dest = landing / landing_rel
        if known.get(name, (None,))[0] == digest and dest.exists():
            result.unchanged += 1
            continue
        write_atomic(dest, data)
        record_object(conn, src.name, name, landing_rel, digest, len(data), None)
        result.copied.append(landing_rel)
        latest = max(d for d, _c in rates) if rates else None
        log(f"{src.name}: wrote {landing_rel} ({len(rates):,} rates, latest {latest})")
    if dry_run:
        result.status = "dry_run"
