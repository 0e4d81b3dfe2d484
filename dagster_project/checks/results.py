"""Record every check outcome in ops.check_results and alert on failures."""


import datetime as dt
import json

import dagster as dg
import duckdb

from dagster_project.alerting import Alert, raise_alert


def record(
    conn: duckdb.DuckDBPyConnection,
    context: dg.AssetCheckExecutionContext,
    check_name: str,
    asset_key: str,
    severity: str,
    passed: bool,
    message: str,
    details: dict | None = None,
    subject: str | None = None,
) -> dg.AssetCheckResult:
    conn.execute(
        "insert into ops.check_results values (?, ?, ?, ?, ?, ?, ?, ?)",
        [context.op_execution_context.run_id, dt.datetime.now(dt.UTC).replace(tzinfo=None), check_name, asset_key, severity,
         passed, message, json.dumps(details or {}, default=str, ensure_ascii=False)],
    )
    if not passed:
        raise_alert(conn, Alert(check_name=check_name, severity=severity, message=message, subject=subject,
                                details=details or {}, run_id=context.op_execution_context.run_id))
    return dg.AssetCheckResult(
        passed=passed,
        severity=dg.AssetCheckSeverity.ERROR if severity == "error" else dg.AssetCheckSeverity.WARN,
        description=message,
        metadata={k: dg.MetadataValue.text(str(v)) for k, v in (details or {}).items()},
    )
