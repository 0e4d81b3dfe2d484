"""`dbt docs generate` works from the shipped project and every model and column is described."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

from tests.helpers import BIN, REPO


def test_docs_generate_and_every_model_and_column_is_described(demo, tmp_path):
    warehouse = tmp_path / "docs.duckdb"
    shutil.copy(demo["warehouse"], warehouse)
    target = tmp_path / "target"
    proc = subprocess.run(
        [str(BIN / "dbt"), "docs", "generate", "--profiles-dir", ".", "--target-path", str(target)],
        cwd=REPO / "dbt_project", capture_output=True, text=True, timeout=600,
        env={**os.environ, "FINOPS_WAREHOUSE": str(warehouse), "DO_NOT_TRACK": "1"},
    )
    assert proc.returncode == 0, proc.stdout[-3000:]
    manifest = json.loads((target / "manifest.json").read_text())
    catalog = json.loads((target / "catalog.json").read_text())
    undocumented = []
    models = [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]
    assert len(models) > 40
    for node in models:
        if not node["description"].strip():
            undocumented.append(node["name"])
        documented = {c.lower(): (c_props.get("description") or "").strip() for c, c_props in node["columns"].items()}
        built = catalog["nodes"].get(node["unique_id"], {}).get("columns", {})
        for column in built:
            if not documented.get(column.lower()):
                undocumented.append(f"{node['name']}.{column}")
    assert undocumented == [], f"{len(undocumented)} undocumented: {undocumented[:40]}"
