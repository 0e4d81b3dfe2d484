"""The OpenAI and Anthropic admin APIs: day windows, `has_more` / `next_page` paging, retries.

Each request asks for one UTC day (`bucket_width=1d`), grouped so that the results carry the
dimensions the usage ingest reads (project, API key, model...). A page is returned as parsed
JSON; the caller writes it to a deterministic path per (endpoint, day, page index).

429 and 5xx (and connection errors) are retried with exponential backoff, honouring
`Retry-After`, within a bounded number of attempts per request and a bounded total wait per
source. The key travels only in a request header; it is never put in a URL, a message or a log.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import random
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from dagster_project.alerting import redact_secrets
from dagster_project.pull.config import PullSource

RETRY_STATUS = {429, 500, 502, 503, 504, 529}
MAX_SINGLE_WAIT = 60.0


class ApiError(Exception):
    """A request failed for good (after retries, or a status that is not retried)."""


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str
    is_cost: bool
    group_by: tuple[str, ...]


ENDPOINTS = {
    ("openai", "completions"): Endpoint(
        "completions", "/v1/organization/usage/completions", False,
        ("project_id", "user_id", "api_key_id", "model", "batch", "service_tier")),
    ("openai", "costs"): Endpoint("costs", "/v1/organization/costs", True, ("project_id", "line_item")),
    ("anthropic", "messages"): Endpoint(
        "messages", "/v1/organizations/usage_report/messages", False,
        ("api_key_id", "workspace_id", "model", "service_tier", "context_window")),
    ("anthropic", "cost_report"): Endpoint("cost_report", "/v1/organizations/cost_report", True, ("workspace_id", "description")),
}


class RetryBudget:
    """Total seconds a source may spend waiting between retries."""

    def __init__(self, seconds: float):
        self.remaining = seconds

    def take(self, seconds: float) -> bool:
        if seconds > self.remaining:
            return False
        self.remaining -= seconds
        return True


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


class AdminApi:
    def __init__(self, source: PullSource, key: str, log: Callable[[str], None] | None = None,
                 sleep: Callable[[float], None] = time.sleep):
        self.source = source
        self._key = key
        self.log = log or (lambda _m: None)
        self.sleep = sleep
        self.budget = RetryBudget(source.retry_budget_seconds)
        self.requests = 0
        self.retries = 0

    def _headers(self) -> dict[str, str]:
        if self.source.kind == "openai":
            return {"Authorization": f"Bearer {self._key}", "Accept": "application/json"}
        return {"x-api-key": self._key, "anthropic-version": "2023-06-01", "Accept": "application/json"}

    def _say(self, message: str) -> None:
        self.log(redact_secrets(message, [self._key]))

    def window_params(self, endpoint: Endpoint, day: dt.date) -> list[tuple[str, str]]:
        start = dt.datetime.combine(day, dt.time(), dt.UTC)
        end = start + dt.timedelta(days=1)
        group_by = tuple(self.source.extra.get("group_by", {}).get(endpoint.name, endpoint.group_by))
        if self.source.kind == "openai":
            params = [("start_time", str(int(start.timestamp()))), ("end_time", str(int(end.timestamp()))), ("bucket_width", "1d")]
            params += [("group_by", g) for g in group_by]
        else:
            iso = "%Y-%m-%dT%H:%M:%SZ"
            params = [("starting_at", start.strftime(iso)), ("ending_at", end.strftime(iso)), ("bucket_width", "1d")]
            params += [("group_by[]", g) for g in group_by]
        if self.source.page_limit:
            params.append(("limit", str(self.source.page_limit)))
        return params

    def pages(self, endpoint: Endpoint, day: dt.date) -> Iterator[dict]:
        """Every page of one day window, following `next_page` while `has_more`."""
        params = self.window_params(endpoint, day)
        cursor = None
        for _ in range(10_000):
            page = self.get(endpoint, params + ([("page", cursor)] if cursor else []), day)
            yield page
            cursor = page.get("next_page")
            if not page.get("has_more") or not cursor:
                return
        raise ApiError(f"{endpoint.path} {day}: more than 10000 pages; stopping")

    def get(self, endpoint: Endpoint, params: list[tuple[str, str]], day: dt.date) -> dict:
        url = self.source.base_url.rstrip("/") + endpoint.path + "?" + urllib.parse.urlencode(params)
        what = f"{self.source.name}: GET {endpoint.path} {day}"
        attempt = 0
        while True:
            attempt += 1
            self.requests += 1
            status, wait, detail = None, None, ""
            try:
                req = urllib.request.Request(url, headers=self._headers(), method="GET")
                with urllib.request.urlopen(req, timeout=self.source.timeout_seconds) as resp:
                    body = resp.read()
                try:
                    page = json.loads(body)
                except ValueError as exc:
                    raise ApiError(redact_secrets(f"{what}: response is not JSON ({exc})", [self._key])) from None
                if not isinstance(page, dict) or not isinstance(page.get("data"), list):
                    raise ApiError(f"{what}: response is not a page (no data[] array)")
                return page
            except urllib.error.HTTPError as exc:
                status = exc.code
                wait = _retry_after(exc.headers.get("Retry-After") if exc.headers else None)
                try:
                    detail = exc.read(500).decode("utf-8", "replace")
                except Exception:  # noqa: BLE001 - the body is only a hint
                    detail = ""
                if status not in RETRY_STATUS:
                    raise ApiError(redact_secrets(f"{what}: HTTP {status}: {detail.strip()[:300]}", [self._key])) from None
            except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                detail = f"{type(exc).__name__}: {reason}"
            if attempt >= self.source.max_attempts:
                raise ApiError(redact_secrets(
                    f"{what}: gave up after {attempt} attempts (last: {'HTTP ' + str(status) if status else detail})", [self._key]))
            backoff = self.source.retry_base_seconds * (2 ** (attempt - 1))
            backoff = backoff * (1 + 0.25 * random.random())
            delay = min(MAX_SINGLE_WAIT, max(wait if wait is not None else 0.0, backoff))
            if not self.budget.take(delay):
                raise ApiError(redact_secrets(
                    f"{what}: retry budget of {self.source.retry_budget_seconds:g}s used up after {attempt} attempts "
                    f"(last: {'HTTP ' + str(status) if status else detail})", [self._key]))
            self.retries += 1
            self._say(f"{what}: {'HTTP ' + str(status) if status else detail}; retry {attempt} in {delay:.1f}s")
            self.sleep(delay)
