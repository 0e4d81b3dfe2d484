"""`finops prices import-litellm`: book rows from a small LiteLLM price file written for the test
(keys as LiteLLM's model_prices_and_context_window.json documents them), every value by hand:
LiteLLM prices are USD per token, the book's per 1M tokens (x 1,000,000).

- gpt-4o-2024-08-06 matches the book's gpt-4o-____-__-__ pattern: already in the book, no row.
- o3-2025-04-16: standard 2e-06 -> 2, cached 5e-07 -> 0.5, output 8e-06 -> 8; batch 1 / 4 (no
  cached price); flex 1 / 0.25 / 4; priority 3.5 / 0.875 / 14. Four rows.
- claude-sonnet-4-6: standard 3 / 0.3 / 5m write 3.75 / 1h write 6 / 15; batch 1.5 / 7.5; the
  long-context band 200k-1m 6 / 0.6 / 5m write 7.5 / 22.5. Three rows.
- anthropic/claude-sonnet-4-6 (an alias), sample_spec, gemini (provider not in llm_providers): ignored.
- text-embedding-3-small (mode embedding) and gpt-tiny-fraction (1.23456e-10 x 1e6 = 0.000123456,
  not exact to 4 decimals): skipped with their reason.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from click.testing import CliRunner

from dagster_project import litellm_prices
from dagster_project.cli import main

FIXTURE = Path(__file__).parent / "fixtures" / "litellm" / "model_prices_small.json"
PRICE_COLUMNS = ["input_per_1m", "cached_input_per_1m", "cache_write_5m_per_1m", "cache_write_1h_per_1m",
                 "cache_write_per_1m", "output_per_1m"]


def run(*args: str):
    return CliRunner().invoke(main, ["prices", "import-litellm", *args])


def test_rows_for_models_not_in_the_book_with_their_tiers_and_long_context(tmp_path):
    out = tmp_path / "new_prices.csv"
    result = run("--from-json", str(FIXTURE), "--out", str(out), "--effective-from", "2026-12-01")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    got = {(r["model"], r["service_tier"], r["context_window"]): [r[c] for c in PRICE_COLUMNS] for r in rows}
    assert got == {
        ("claude-sonnet-4-6", "standard", ""): ["3", "0.3", "3.75", "6", "", "15"],
        ("claude-sonnet-4-6", "batch", ""): ["1.5", "", "", "", "", "7.5"],
        ("claude-sonnet-4-6", "standard", "200k-1m"): ["6", "0.6", "7.5", "", "", "22.5"],
        ("o3-2025-04-16", "standard", ""): ["2", "0.5", "", "", "", "8"],
        ("o3-2025-04-16", "batch", ""): ["1", "", "", "", "", "4"],
        ("o3-2025-04-16", "flex", ""): ["1", "0.25", "", "", "", "4"],
        ("o3-2025-04-16", "priority", ""): ["3.5", "0.875", "", "", "", "14"],
    }
    assert {r["effective_from"] for r in rows} == {"2026-12-01"}
    assert {(r["provider"], r["publisher"]) for r in rows} == {("openai", "OpenAI"), ("anthropic", "Anthropic")}
    assert all("LiteLLM" in r["source"] and r["currency"] == "USD" for r in rows)
    # same columns as the book, so the rows can be appended to it
    assert out.read_text().splitlines()[0] == litellm_prices.PRICES.read_text().splitlines()[0]
    assert "7 row(s) for 2 model(s) not in the book; 1 already in the book; 2 skipped" in result.output
    assert "skipped gpt-tiny-fraction: input_per_1m 0.000123456 per 1M is not exact to 4 decimals" in result.output
    assert "skipped text-embedding-3-small: mode embedding is not token-priced" in result.output


def test_without_litellm_one_line_and_exit_code_2(monkeypatch):
    monkeypatch.setattr(litellm_prices, "locate_litellm_file", lambda: None)
    result = run()
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0
    assert "litellm package is not installed" in result.output


def test_the_installed_package_file_is_found_without_importing_litellm(tmp_path, monkeypatch):
    package = tmp_path / "litellm"
    package.mkdir()
    (package / "__init__.py").write_text("raise ImportError('importing litellm is not needed')\n")
    (package / litellm_prices.LITELLM_FILE).write_text(FIXTURE.read_text())
    monkeypatch.syspath_prepend(str(tmp_path))
    assert litellm_prices.locate_litellm_file() == package / litellm_prices.LITELLM_FILE


def test_a_file_that_is_not_json_is_a_clear_error(tmp_path):
    bad = tmp_path / "prices.json"
    bad.write_text("{not json")
    result = run("--from-json", str(bad))
    assert result.exit_code == 1
    assert "not a LiteLLM price file" in result.output
