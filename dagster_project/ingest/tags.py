"""SQL builders that turn a provider's tags or labels into the FOCUS Tags JSON object.

FOCUS Tags: a JSON object of scalar values; a key without a value gets `true`
(docs/reference/focus_1_2_notes.md). Used by the GCP and Azure loaders.
"""

from __future__ import annotations


def object_from_entries_sql(entries: str) -> str:
    """JSON object text from a list of {key, value} structs (GCP `labels[]`, a map's entries).

    The first occurrence of a key wins, an empty or null value becomes `true`, and an empty
    list gives null (untagged), never '{}'.
    """
    keys = f"list_transform({entries}, lambda k: k.key)"
    kept = f"list_filter({entries}, lambda e, i: e.key is not null and e.key <> '' and list_position({keys}, e.key) = i)"
    pairs = (
        f"list_transform({kept}, lambda e: to_json(e.key)::varchar || ':' || "
        "case when coalesce(e.value, '') = '' then 'true' else to_json(e.value)::varchar end)"
    )
    return f"nullif('{{' || array_to_string({pairs}, ',') || '}}', '{{}}')"


def object_from_text_sql(text: str) -> str:
    """JSON object text from a tags string that may lack its braces (Azure: `"a": "x","b": "y"`).

    Returns null for an empty string; a value that is not a JSON object afterwards stays
    unparseable (the loader counts those and quarantines the file).
    """
    trimmed = f"nullif(trim({text}), '')"
    braced = f"case when {trimmed} like '{{%' then {trimmed} else '{{' || {trimmed} || '}}' end"
    as_map = f"try_cast(try_cast({braced} as json) as map(varchar, varchar))"
    return f"case when {as_map} is null then {braced} else {object_from_entries_sql(f'map_entries({as_map})')} end"


def invalid_object_count_sql(expr: str, relation: str) -> str:
    """Count of rows whose tags expression is set but not a JSON object."""
    return (
        f"select count(*) from {relation} where ({expr}) is not null "
        f"and coalesce(json_type(try_cast(({expr}) as json)), '') <> 'OBJECT'"
    )
