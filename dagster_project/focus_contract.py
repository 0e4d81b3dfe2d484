"""The FOCUS contract, read from the seeds that write it once: seeds/focus/focus_columns.csv
(columns, logical types, versions, nullability, allowed values) and
seeds/focus/focus_line_item_types.csv (the provider line item types each mapping knows).

Python reads the CSVs (the FOCUS ingest, the GX suites, the unknown line item type check).
dbt macros cannot read a file at compile time, so `macros/focus_columns.sql` is generated from
the seed: `python -m dagster_project.focus_contract` rewrites it, and tests/test_focus_contract.py
fails while the file differs from what this module generates (and while the marts yml, the
column docs or a mapping's CASE disagree with the seeds).
"""

from __future__ import annotations

import csv
import functools
import sys
from dataclasses import dataclass
from pathlib import Path

from dagster_project.settings import DBT_PROJECT_DIR, REPO_ROOT

SEED_DIR = REPO_ROOT / "seeds" / "focus"
COLUMNS_CSV = SEED_DIR / "focus_columns.csv"
LINE_ITEM_TYPES_CSV = SEED_DIR / "focus_line_item_types.csv"
MACRO_FILE = DBT_PROJECT_DIR / "macros" / "focus_columns.sql"

DATA_TYPES = ("string", "json", "timestamp", "money", "quantity")


@dataclass(frozen=True)
class FocusColumn:
    name: str
    data_type: str
    feature_level: str
    nullable: bool
    introduced: str
    deprecated: str | None
    allowed_values: tuple[str, ...]

    @property
    def version(self) -> str:
        """The first FOCUS release (1.0 on) that has the column: 0.5 and 1.0-preview columns are 1.0's."""
        return self.introduced if self.introduced in ("1.1", "1.2", "1.3") else "1.0"


@dataclass(frozen=True)
class LineItemType:
    source: str
    line_item_type: str
    charge_category: str
    charge_class: str | None
    mapped_in: str


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(f)]


@functools.cache
def columns() -> tuple[FocusColumn, ...]:
    """Every FOCUS column we write, in the seed's (the spec's alphabetical) order."""
    out = []
    for row in _rows(COLUMNS_CSV):
        if row["data_type"] not in DATA_TYPES:
            raise ValueError(f"{COLUMNS_CSV.name}: {row['column_name']} has data_type {row['data_type']!r}, not one of {DATA_TYPES}")
        if row["nullable"] not in ("true", "false"):
            raise ValueError(f"{COLUMNS_CSV.name}: {row['column_name']} has nullable {row['nullable']!r}, not true/false")
        out.append(FocusColumn(
            name=row["column_name"],
            data_type=row["data_type"],
            feature_level=row["feature_level"],
            nullable=row["nullable"] == "true",
            introduced=row["introduced"],
            deprecated=row["deprecated"] or None,
            allowed_values=tuple(v.strip() for v in row["allowed_values"].split("|")) if row["allowed_values"] else (),
        ))
    return tuple(out)


def column_names() -> tuple[str, ...]:
    return tuple(c.name for c in columns())


def not_null_columns() -> tuple[str, ...]:
    return tuple(c.name for c in columns() if not c.nullable)


def allowed_values() -> dict[str, tuple[str, ...]]:
    """Column -> its allowed values, for the columns that have a list."""
    return {c.name: c.allowed_values for c in columns() if c.allowed_values}


@functools.cache
def line_item_types() -> tuple[LineItemType, ...]:
    return tuple(
        LineItemType(row["source"], row["line_item_type"], row["charge_category"], row["charge_class"] or None, row["mapped_in"])
        for row in _rows(LINE_ITEM_TYPES_CSV)
    )


def known_line_item_types() -> dict[str, frozenset[str]]:
    """Source -> the line item types its FOCUS mapping handles."""
    out: dict[str, set[str]] = {}
    for t in line_item_types():
        out.setdefault(t.source, set()).add(t.line_item_type)
    return {src: frozenset(types) for src, types in out.items()}


# the Jinja variable each logical type is cast with in focus_columns() (set at the macro's top)
_MACRO_TYPE = {"string": "text", "json": "text", "timestamp": "ts", "money": "money", "quantity": "qty"}


def macro_sql() -> str:
    """The text of macros/focus_columns.sql for the seed as it is."""
    cols = columns()
    listed = "\n".join(f"        ('{c.name}', {_MACRO_TYPE[c.data_type]})," for c in cols)
    new_in_1_3 = ", ".join(f"'{c.name}'" for c in cols if c.introduced == "1.3")
    return f"""{{#- GENERATED from seeds/focus/focus_columns.csv by `python -m dagster_project.focus_contract`:
    edit the seed and rerun it (tests/test_focus_contract.py fails while the two differ). -#}}

{{#- The FOCUS 1.3 Cost and Usage columns in the spec's alphabetical order, with the warehouse
    type each is stored as (the 1.2 columns plus focus_1_3_columns(); ProviderName and
    PublisherName kept while deprecated). Every provider model is unioned through this list
    (focus_union, macros/focus_union.sql), so a new source only has to produce the columns it
    knows; the rest become typed nulls. -#}}
{{% macro focus_columns() -%}}
    {{%- set money = money_type() -%}}
    {{%- set qty = quantity_type() -%}}
    {{%- set ts = timestamp_type() -%}}
    {{%- set text = dbt.type_string() -%}}
    {{{{ return([
{listed}
    ]) }}}}
{{%- endmacro %}}

{{#- The columns FOCUS 1.3 added to Cost and Usage (docs/focus_1_3.md). The conformance run
    drops them to validate the 1.2 view of the data with the 1.2-only official validator. -#}}
{{% macro focus_1_3_columns() -%}}
    {{{{ return([{new_in_1_3}]) }}}}
{{%- endmacro %}}
"""


def main(argv: list[str]) -> int:
    text = macro_sql()
    if argv[1:] == ["--check"]:
        same = MACRO_FILE.read_text(encoding="utf-8") == text
        print(f"{MACRO_FILE}: {'up to date' if same else 'differs from seeds/focus/focus_columns.csv'}")
        return 0 if same else 1
    MACRO_FILE.write_text(text, encoding="utf-8")
    print(f"wrote {MACRO_FILE} ({len(columns())} columns)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
