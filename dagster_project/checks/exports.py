"""Which export a landing file belongs to, for checks that compare a file with its neighbours.

The registry's export_key stops at AWS's `BILLING_PERIOD=` folder, but Azure and FOCUS exports
put the run's date range or delivery date in the path (`azure_cost/<export>/20261001-20261031/<guid>/`),
so each month would look like a new export. The export's own name is the folder right below
the source folder; a file directly in the source folder belongs to the source itself.
"""

EXPORT_NAME_SQL = """
case
    when len(string_split({path}, '/')) > 2
        then string_split({path}, '/')[1] || '/' || string_split({path}, '/')[2]
    else string_split({path}, '/')[1]
end
"""


def export_name(path: str) -> str:
    parts = path.split("/")
    return "/".join(parts[:2]) if len(parts) > 2 else parts[0]
