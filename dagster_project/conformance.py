"""FOCUS conformance with the FinOps Foundation's official validator (focus-validator 2.2.1).

The validator needs Python 3.12 and pins that clash with this stack, so it lives in its own
venv (`.venv-focus-validator`, made by `make validator`). Rules we knowingly do not meet are
listed, each with its reason, in `focus_validator_allowlist.yml`; nothing else may fail.

The validator bundles only the FOCUS 1.2 rule model, so it reads the 1.2 projection of
`marts.focus_costs` (the columns 1.3 added dropped; ProviderName and PublisherName are still
there). The 1.3 rules we rely on are dbt tests (docs/focus_1_3.md).
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import yaml

from dagster_project.ingest.focus import FOCUS_1_3_COLUMNS
from dagster_project.settings import REPO_ROOT

VALIDATOR_VENV = REPO_ROOT / ".venv-focus-validator"
ALLOWLIST_PATH = Path(__file__).with_name("focus_validator_allowlist.yml")
SUMMARY_RE = re.compile(r"Total:\s*(\d+)\s*\|\s*Pass:\s*(\d+)\s*\|\s*Fail:\s*(\d+)\s*\|\s*Skipped:\s*(\d+)")
FAIL_RE = re.compile(r"^\S*\s*([A-Za-z]+-[A-Z]-\d{3}-[A-Z]):\s*FAIL\s*\((.*)\)\s*$")
CHILDREN_RE = re.compile(r"failed child rules: \[([^\]]*)\]")


@dataclass
class ValidatorResult:
    total: int
    passed: int
    failed: int
    skipped: int
    failures: dict[str, str] = field(default_factory=dict)
    allowlisted: dict[str, str] = field(default_factory=dict)
    output: str = ""

    @property
    def unexpected(self) -> dict[str, str]:
        return {k: v for k, v in self.failures.items() if k not in self.allowlisted}


def load_allowlist() -> dict[str, str]:
    data = yaml.safe_load(ALLOWLIST_PATH.read_text()) or {}
    return {rule["rule"]: rule["reason"] for rule in data.get("rules", [])}


def validator_executable() -> Path:
    return VALIDATOR_VENV / "bin" / "focus-validator"


def site_packages() -> Path:
    return next((VALIDATOR_VENV / "lib").glob("python3*/site-packages"))


def export_focus_parquet(warehouse: Path, out: Path) -> int:
    """Write the FOCUS 1.2 projection of marts.focus_costs as parquet (FOCUS columns, then x_)."""
    conn = duckdb.connect(str(warehouse), read_only=True)
    try:
        conn.execute("set TimeZone = 'UTC'")
        dropped = ", ".join(f'"{name}"' for name, _, _ in FOCUS_1_3_COLUMNS)
        conn.execute(f"copy (select * exclude ({dropped}) from marts.focus_costs) to '{out}' (format parquet)")
        return conn.execute("select count(*) from marts.focus_costs").fetchone()[0]
    finally:
        conn.close()


# The capabilities our dataset claims (focus-validator --show-applicability-criteria).
SUPPORTED_CRITERIA = (
    "ACCOUNT_NAMING_SUPPORTED",
    "AVAILABILITY_ZONE_SUPPORTED",
    "COMMITMENT_DISCOUNT_SUPPORTED",
    "MULTIPLE_PRICING_CATEGORIES_SUPPORTED",
    "NEGOTIATED_PRICING_SUPPORTED",
    "PUBLIC_PRICE_LIST_SUPPORTED",
    "USAGE_MEASUREMENT_SUPPORTED",
    "UNIT_PRICING_SUPPORTED",
    "SUB_ACCOUNT_SUPPORTED",
    "BILLING_BASED_ON_PROVISIONED_RESOURCES_SUPPORTED",
    "RESOURCE_TYPE_ASSIGNMENT_SUPPORTED",
    "REGION_SUPPORTED",
    "TAGGING_SUPPORTED",
    "PRICING_BILLING_CURRENCY_DIFFERENCES_SUPPORTED",
)


def run_validator(parquet: Path, version: str = "1.2", criteria: tuple[str, ...] | None = None) -> ValidatorResult:
    exe = validator_executable()
    if not exe.exists():
        raise FileNotFoundError(f"{exe} not found: run `make validator` first")
    proc = subprocess.run(
        [str(exe), "--data-file", str(Path(parquet).resolve()), "--validate-version", version,
         "--block-download", "--output-type", "console"]
        + (["--applicability-criteria", ",".join(criteria)] if criteria else []),
        # it reads its currency list by a path relative to the working directory
        cwd=site_packages(), capture_output=True, text=True, timeout=900,
        check=False,
    )
    output = proc.stdout + proc.stderr
    match = SUMMARY_RE.search(output)
    if not match:
        raise RuntimeError(f"focus-validator printed no summary (exit {proc.returncode}):\n{output[-4000:]}")
    total, passed, failed, skipped = (int(x) for x in match.groups())
    failures = {}
    for line in output.splitlines():
        m = FAIL_RE.match(line.strip())
        if m:
            failures[m.group(1)] = m.group(2)
    allow = load_allowlist()
    allowlisted = {k: allow[k] for k in failures if k in allow}
    # a composite rule fails when a child fails: it is allowlisted when all its failing children are
    changed = True
    while changed:
        changed = False
        for rule, msg in failures.items():
            kids = CHILDREN_RE.search(msg)
            if kids and rule not in allowlisted:
                names = [k.strip() for k in kids.group(1).split(",") if k.strip()]
                if names and all(k in allowlisted for k in names):
                    allowlisted[rule] = "parent of allowlisted rule(s): " + ", ".join(names)
                    changed = True
    return ValidatorResult(total, passed, failed, skipped, failures, allowlisted, output)
