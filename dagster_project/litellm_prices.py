"""`finops prices import-litellm`: rows for seeds/tokens/llm_prices.csv from LiteLLM's maintained
price file, for models the book does not list yet.

LiteLLM ships `model_prices_and_context_window_backup.json` inside its package (the same file as
model_prices_and_context_window.json at the root of github.com/BerriAI/litellm). Each key is a
model name with USD prices PER TOKEN (docs: https://docs.litellm.ai/docs/completion/token_usage):
`input_cost_per_token`, `output_cost_per_token`, `cache_read_input_token_cost`,
`cache_creation_input_token_cost` (Anthropic: the 5-minute write), `..._above_1hr` (1-hour
write), `input_cost_per_token_batches` / `output_cost_per_token_batches` (Batch API),
`input_cost_per_token_flex` / `_priority` and their output and cache-read twins, the
`..._above_200k_tokens` long-context prices, `input_cost_per_audio_token`,
`output_cost_per_audio_token`, plus `litellm_provider` and `mode`.

The file is read, never imported through `litellm` (importing it may fetch the file from the
network). Prices become per 1M tokens, exact in Decimal from the JSON text; a model whose price is
not exact to the book's 4 decimals per 1M is skipped with its reason, never rounded. The file has
no dates: every row takes effective_from (default today) and says so in `source`.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import io
import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from dagster_project.sample.llm_bill import PRICES, _like

PROVIDERS = PRICES.with_name("llm_providers.csv")
LITELLM_FILE = "model_prices_and_context_window_backup.json"
MILLION = Decimal(1_000_000)
QUANTUM = Decimal("0.0001")
# LiteLLM modes whose usage is token-priced like the book's rows
TOKEN_MODES = {None, "chat", "completion", "responses"}
# book column -> LiteLLM key, per service tier (suffix of the LiteLLM key)
TIER_SUFFIX = {"standard": "", "batch": "_batches", "flex": "_flex", "priority": "_priority"}


@dataclass
class Conversion:
    rows: list[dict] = field(default_factory=list)
    already_in_book: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # model -> reason


def locate_litellm_file() -> Path | None:
    """The price file bundled with the installed litellm package, or None when it is absent."""
    spec = importlib.util.find_spec("litellm")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = Path(folder) / LITELLM_FILE
        if path.is_file():
            return path
    return None


def litellm_version() -> str:
    try:
        from importlib.metadata import version

        return version("litellm")
    except Exception:  # noqa: BLE001 - the version only decorates the source text
        return "unknown version"


def _per_1m(value) -> Decimal | None:
    if value is None or value == "":
        return None
    # the JSON is parsed with Decimal numbers: 2.5e-06 x 1e6 is exactly 2.5
    return Decimal(str(value)) * MILLION


def _fmt(value: Decimal | None) -> str:
    return "" if value is None else format(value.normalize(), "f")


def _book() -> tuple[list[dict], dict[str, dict]]:
    with open(PRICES, newline="", encoding="utf-8") as fh:
        book = list(csv.DictReader(fh))
    with open(PROVIDERS, newline="", encoding="utf-8") as fh:
        providers = {r["litellm_provider"]: r for r in csv.DictReader(fh)}
    return book, providers


def _in_book(book: list[dict], provider: str, model: str) -> bool:
    return any(r["provider"] == provider and (r["model"] == model or (r["model_pattern"] and _like(r["model_pattern"]).match(model)))
               for r in book)


def _row(spec: dict, provider: dict, model: str, tier: str, window: str, effective_from: dt.date, source: str) -> dict | None:
    sfx = TIER_SUFFIX[tier]
    above = "_above_200k_tokens" if window else ""
    inp = _per_1m(spec.get(f"input_cost_per_token{sfx}{above}"))
    out = _per_1m(spec.get(f"output_cost_per_token{sfx}{above}"))
    if inp is None or out is None:
        return None
    cached = _per_1m(spec.get(f"cache_read_input_token_cost{sfx}{above}"))
    write = _per_1m(spec.get(f"cache_creation_input_token_cost{above}")) if tier == "standard" else None
    write_1h = _per_1m(spec.get("cache_creation_input_token_cost_above_1hr")) if tier == "standard" and not window else None
    anthropic = provider["provider"] == "anthropic"
    return {
        "provider": provider["provider"], "model": model, "model_pattern": "", "publisher": provider["provider_name"],
        "service_tier": tier, "context_window": window, "input_per_1m": _fmt(inp), "cached_input_per_1m": _fmt(cached),
        # Anthropic's cache_creation price is the 5-minute write; OpenAI lists one cache-write price
        "cache_write_5m_per_1m": _fmt(write) if anthropic else "", "cache_write_1h_per_1m": _fmt(write_1h) if anthropic else "",
        "cache_write_per_1m": "" if anthropic else _fmt(write), "output_per_1m": _fmt(out),
        "input_audio_per_1m": _fmt(_per_1m(spec.get("input_cost_per_audio_token"))) if tier == "standard" else "",
        "output_audio_per_1m": _fmt(_per_1m(spec.get("output_cost_per_audio_token"))) if tier == "standard" else "",
        "web_search_per_1m": "", "effective_from": effective_from.isoformat(), "effective_to": "", "currency": "USD",
        "source": source,
    }


def _inexact(row: dict) -> str | None:
    for column, value in row.items():
        if column.endswith("_per_1m") and value and Decimal(value).quantize(QUANTUM) != Decimal(value):
            return f"{column} {value} per 1M is not exact to 4 decimals"
    return None


def convert(price_file: dict, effective_from: dt.date, source: str) -> Conversion:
    """Book rows for the file's models of known providers that the book does not list."""
    book, providers = _book()
    result = Conversion()
    for model, spec in sorted(price_file.items()):
        if model == "sample_spec" or not isinstance(spec, dict):
            continue
        provider = providers.get(spec.get("litellm_provider"))
        if provider is None or provider["provider"] == "selfhosted":
            continue  # not a provider of seed llm_providers: the book could not use the row
        if "/" in model:
            continue  # "provider/model" aliases of a bare key: the usage reports name the bare model
        if spec.get("mode") not in TOKEN_MODES:
            result.skipped[model] = f"mode {spec.get('mode')} is not token-priced"
            continue
        if _in_book(book, provider["provider"], model):
            result.already_in_book.append(model)
            continue
        rows = [_row(spec, provider, model, tier, "", effective_from, source) for tier in TIER_SUFFIX]
        if provider["provider"] == "anthropic":
            # only Anthropic's usage report says the prompt-size window (context_window)
            rows.append(_row(spec, provider, model, "standard", "200k-1m", effective_from, source))
        rows = [r for r in rows if r is not None]
        if not rows:
            result.skipped[model] = "no input_cost_per_token and output_cost_per_token"
            continue
        reasons = [reason for reason in map(_inexact, rows) if reason]
        if reasons:
            result.skipped[model] = reasons[0]
            continue
        result.rows.extend(rows)
    return result


def to_csv(rows: list[dict]) -> str:
    with open(PRICES, newline="", encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def import_litellm(path: Path, effective_from: dt.date, version: str) -> Conversion:
    source = (f"LiteLLM {path.name} ({version}), imported {dt.date.today().isoformat()}: LiteLLM's maintained "
              "list, not read from the provider's price page; the file has no dates (effective_from = the import)")
    return convert(json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal), effective_from, source)
