"""The dbt models stay portable (README "Scaling out"): engine-specific SQL lives only in macros
dispatched per adapter (adapter.dispatch), so the same models build on DuckDB and Spark (and
Trino or BigQuery through their adapters). This greps the models' own SQL, with Jinja, comments
and string literals taken out, for syntax only DuckDB understands or computes differently."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DBT = Path(__file__).resolve().parent.parent / "dbt_project"
MODELS = sorted((DBT / "models").rglob("*.sql")) + sorted((DBT / "tests").rglob("*.sql"))

# (name, pattern, why): case-insensitive, on SQL outside Jinja, comments and string literals
DUCKDB_ONLY = [
    ("cast operator ::", r"::", "use cast(x as type)"),
    ("varchar", r"\bvarchar\b", "Spark needs a length: dbt.type_string()"),
    ("hugeint", r"\bu?hugeint\b", "wide_integer_type()"),
    ("group/order by all", r"\b(group|order)\s+by\s+all\b", "list the columns"),
    ("qualify", r"\bqualify\b", "filter a window in an outer select"),
    ("select * exclude/replace", r"\*\s*(exclude|replace)\s*\(", "list the columns"),
    ("columns(...)", r"\bcolumns\s*\(", "list the columns (Jinja loop)"),
    ("recursive CTE", r"\bwith\s+recursive\b", "unroll in Jinja (max_int_of); Spark 3.5 has none"),
    ("integer division //", r"//", "integer_divide()"),
    ("decimal division /", r"(?<![/*])/(?![/*])", "divide(): DuckDB divides decimals in double precision"),
    ("double-quoted identifier", r'"[^"\n]*"', "unquoted (both engines are case-insensitive) or adapter.quote()"),
    ("interval literal", r"\binterval\s*\d*\s*$|\binterval\b", "dbt.dateadd()"),
    ("DuckDB date functions", r"\b(strftime|strptime|date_diff|date_part|make_date|make_timestamp|epoch\w*|to_timestamp|age)\s*\(",
     "dbt.date_trunc / dbt.dateadd / dbt.datediff / dbt.cast"),
    ("DuckDB date functions (Spark differs)", r"\b(datediff|date_add|dateadd|date_sub|last_day)\s*\(", "dbt.datediff / dbt.dateadd"),
    ("time zones", r"\bat\s+time\s+zone\b|\btimezone\s*\(", "timestamps are UTC; a dispatched macro if needed"),
    ("list/struct/json functions", r"\b(list_\w+|array_\w+|struct_\w+|json_\w+|unnest|string_split\w*|str_split\w*|generate_series|range|regexp_\w+)\s*\(",
     "json_get_string() and friends (macros/json.sql), dbt.split_part"),
    ("string aggregation", r"\b(string_agg|group_concat|listagg)\s*\(", "dbt.listagg"),
    ("DuckDB aggregates", r"\b(arg_max|arg_min|max_by|min_by|count_if|bool_and|bool_or|any_value|first|last|list|histogram|median|quantile\w*)\s*\(",
     "a dispatched macro"),
    ("DuckDB casts and errors", r"\b(try_cast|error|typeof|ifnull|iif)\s*\(|\bilike\b", "dbt.safe_cast / require_not_null() / coalesce"),
    ("DuckDB file readers", r"\b(read_parquet|read_csv\w*|read_json\w*)\s*\(", "a source() over the landed data"),
]


def _blank(match: re.Match) -> str:
    """Keep line numbers: replace a match by its newlines."""
    return "\n" * match.group(0).count("\n")


def portable_sql_view(text: str) -> str:
    text = re.sub(r"\{#.*?#\}", _blank, text, flags=re.DOTALL)
    text = re.sub(r"\{\{.*?\}\}", lambda m: " " + _blank(m), text, flags=re.DOTALL)
    text = re.sub(r"\{%.*?%\}", lambda m: " " + _blank(m), text, flags=re.DOTALL)
    text = re.sub(r"--[^\n]*", "", text)
    text = re.sub(r"'(?:[^']|'')*'", lambda m: "''" + _blank(m), text, flags=re.DOTALL)
    return text


def findings(path: Path, root: Path = DBT) -> list[str]:
    found = []
    for lineno, line in enumerate(portable_sql_view(path.read_text()).splitlines(), start=1):
        for name, pattern, instead in DUCKDB_ONLY:
            if re.search(pattern, line, flags=re.IGNORECASE):
                found.append(f"{path.relative_to(root)}:{lineno}: {name} ({instead}): {line.strip()}")
    return found


def test_models_have_no_duckdb_only_sql():
    assert MODELS, "no models found"
    problems = [f for path in MODELS for f in findings(path)]
    assert not problems, "engine-specific SQL in models (move it into a dispatched macro):\n" + "\n".join(problems)


@pytest.mark.parametrize(
    ("sql", "name"),
    [
        ("select a::date from t", "cast operator ::"),
        ("select cast(a as varchar) from t", "varchar"),
        ("select * from t group by all", "group/order by all"),
        ("with recursive r as (select 1)", "recursive CTE"),
        ("select a / b from t", "decimal division /"),
        ('select "Name" from t', "double-quoted identifier"),
        ("select list_sum(a) from t", "list/struct/json functions"),
        ("select json_extract_string(a, '$.x') from t", "list/struct/json functions"),
        ("select strftime(a, '%Y') from t", "DuckDB date functions"),
        ("select a from t qualify row_number() over () = 1", "qualify"),
    ],
)
def test_the_grep_catches_duckdb_syntax(tmp_path, sql, name):
    model = tmp_path / "m.sql"
    model.write_text(sql)
    hits = findings(model, tmp_path)
    assert any(f"{name} (" in h for h in hits), hits


def test_jinja_comments_and_strings_are_not_flagged(tmp_path):
    model = tmp_path / "m.sql"
    model.write_text("{#- a / b :: -#}\nselect {{ divide('a', 'b') }} as x, 'a/b' as y -- c / d\nfrom t\n")
    assert findings(model, tmp_path) == []


def test_duckdb_macros_have_a_portable_counterpart():
    """Every duckdb__ implementation has a spark__ or default__ one (adapter.dispatch)."""
    text = "\n".join(p.read_text() for p in (DBT / "macros").rglob("*.sql"))
    duckdb_impls = set(re.findall(r"macro\s+duckdb__(\w+)\s*\(", text))
    missing = sorted(m for m in duckdb_impls if not re.search(rf"macro\s+(spark|default)__{m}\s*\(", text))
    assert not missing, f"DuckDB-only macros without spark__/default__: {missing}"
