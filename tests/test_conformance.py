"""The official FOCUS validator (focus-validator 2.2.1) on marts.focus_costs of the demo run."""

from __future__ import annotations

import pytest

from dagster_project.conformance import (
    SUPPORTED_CRITERIA,
    export_focus_parquet,
    load_allowlist,
    run_validator,
    validator_executable,
)

pytestmark = pytest.mark.validator


@pytest.fixture(scope="module")
def focus_parquet(demo, tmp_path_factory):
    if not validator_executable().exists():
        pytest.fail("the official validator is missing: `make validator` creates .venv-focus-validator")
    out = tmp_path_factory.mktemp("focus") / "focus_costs.parquet"
    rows = export_focus_parquet(demo["warehouse"], out)
    assert rows > 1000
    return out


def test_validator_default_criteria_has_no_unexpected_failures(focus_parquet):
    result = run_validator(focus_parquet)
    assert result.total > 500
    assert result.unexpected == {}, result.unexpected
    # every failure is on the allowlist, each with a reason
    assert set(result.failures) == set(result.allowlisted)


def test_validator_with_the_capabilities_we_claim(focus_parquet):
    result = run_validator(focus_parquet, criteria=SUPPORTED_CRITERIA)
    assert result.passed > 300
    assert result.unexpected == {}, result.unexpected


def test_allowlist_entries_have_reasons():
    allow = load_allowlist()
    assert allow and all(len(reason) > 40 for reason in allow.values())
