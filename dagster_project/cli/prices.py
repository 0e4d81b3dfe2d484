"""`finops prices`: the LLM price book."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click


@click.group()
def prices() -> None:
    """The LLM price book (seeds/tokens/llm_prices.csv)."""


@prices.command(name="import-litellm")
@click.option("--out", "out", type=click.Path(dir_okay=False), default="-", show_default=True,
              help="CSV to write (llm_prices.csv columns); '-' prints it.")
@click.option("--from-json", "from_json", type=click.Path(dir_okay=False, exists=True), default=None,
              help="A copy of LiteLLM's model_prices_and_context_window.json instead of the installed package's.")
@click.option("--effective-from", "effective_from", default=None, help="effective_from of the rows, YYYY-MM-DD (default: today).")
def import_litellm_command(out: str, from_json: str | None, effective_from: str | None) -> None:
    """Price rows from LiteLLM's maintained price file for models the book does not list (review, then append)."""
    from dagster_project import litellm_prices

    if from_json:
        path, version = Path(from_json), "file given with --from-json"
    else:
        path = litellm_prices.locate_litellm_file()
        if path is None:
            click.echo("prices import-litellm: the litellm package is not installed (pip install litellm), "
                       "or pass --from-json PATH to a copy of its model_prices_and_context_window.json", err=True)
            raise SystemExit(2)
        version = f"litellm {litellm_prices.litellm_version()}"
    try:
        day = dt.date.fromisoformat(effective_from) if effective_from else dt.date.today()
    except ValueError:
        raise click.ClickException(f"--effective-from {effective_from!r} is not a date YYYY-MM-DD") from None
    try:
        result = litellm_prices.import_litellm(path, day, version)
    except (ValueError, OSError) as exc:
        raise click.ClickException(f"{path}: not a LiteLLM price file ({exc})") from None
    text = litellm_prices.to_csv(result.rows)
    if out == "-":
        click.echo(text, nl=False)
    else:
        Path(out).write_text(text, encoding="utf-8")
    models = len({(r["provider"], r["model"]) for r in result.rows})
    click.echo(f"prices import-litellm: {len(result.rows)} row(s) for {models} model(s) not in the book; "
               f"{len(result.already_in_book)} already in the book; {len(result.skipped)} skipped", err=True)
    for model, reason in sorted(result.skipped.items())[:20]:
        click.echo(f"  skipped {model}: {reason}", err=True)

