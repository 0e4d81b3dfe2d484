"""Deterministic job log of the batch platform: `platform_jobs/batch-jobs/jobs_<first day>.csv`
(one file per week, CSV) and one JSONL file for the month's last days, one job per record.
The jobs ran on the shared job cluster `batch-jobs` (the AWS sample's instance tagged
platform_cluster=batch-jobs), whose cost the driver job_vcpu_seconds splits. Some jobs cross
midnight (staged as one row per day)."""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import json
from pathlib import Path

import numpy as np

from dagster_project.sample.common import TENANT_TAGS

SOURCE_NAME = "platform_jobs"
CLUSTER = "batch-jobs"
FIELDS = ("job_id", "tenant", "cluster", "started_at", "ended_at", "vcpu", "memory_gb")


def _jobs(month: str, seed: int) -> list[dict]:
    rng = np.random.default_rng(seed + 2300)
    year, mon = (int(x) for x in month.split("-"))
    days = calendar.monthrange(year, mon)[1]
    jobs = []
    for d in range(days):
        day = dt.datetime(year, mon, d + 1, tzinfo=dt.UTC)
        for t, tenant in enumerate(TENANT_TAGS[:4]):
            for j in range(int(rng.integers(1, 4))):
                start = day + dt.timedelta(minutes=int(rng.integers(0, 24 * 60)))
                minutes = int(rng.integers(5, 180))
                end = start + dt.timedelta(minutes=minutes)
                if end.month != mon:  # keep the month's log within the month
                    end = dt.datetime(year, mon, days, 23, 59, 59, tzinfo=dt.UTC)
                jobs.append(dict(job_id=f"job-{month}-{d:02d}-{t}-{j}", tenant=tenant, cluster=CLUSTER,
                                 started_at=f"{start:%Y-%m-%dT%H:%M:%SZ}", ended_at=f"{end:%Y-%m-%dT%H:%M:%SZ}",
                                 vcpu=str(int(rng.choice([1, 2, 4, 8]))), memory_gb=str(int(rng.choice([2, 4, 8, 16, 32])))))
    return jobs


def generate(out: Path, month: str, seed: int, rows: int = 20_000) -> list[Path]:
    folder = Path(out) / SOURCE_NAME / CLUSTER
    folder.mkdir(parents=True, exist_ok=True)
    jobs = _jobs(month, seed)
    written = []
    weeks: dict[str, list[dict]] = {}
    for job in jobs:
        day = int(job["started_at"][8:10])
        key = f"{month}-{min(((day - 1) // 7) * 7 + 1, 29):02d}"
        weeks.setdefault(key, []).append(job)
    for key, batch in sorted(weeks.items()):
        if key.endswith("-29"):
            path = folder / f"jobs_{key}.jsonl"
            path.write_text("".join(json.dumps(j) + "\n" for j in batch))
        else:
            path = folder / f"jobs_{key}.csv"
            with open(path, "w", newline="") as fh:
                w = csv.DictWriter(fh, fieldnames=FIELDS)
                w.writeheader()
                w.writerows(batch)
        written.append(path)
    return written
