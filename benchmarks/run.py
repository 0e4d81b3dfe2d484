"""`make bench`: time the pipeline against a bare DuckDB conversion on 1M, 3M and 10M CUR rows.

Not part of `make test`: it prints and records, it never asserts a time. Results go to
benchmarks/results/<date>.json and .md. Sizes: BENCH_SIZES=1000000,3000000 to override;
BENCH_TOKEN_RECORDS (default 1000000, 0 to skip) sizes the token-log run; BENCH_MANY_FILES
(default 2000, 0 to skip) and BENCH_MANY_ROWS (default 1000000) size the many-files run: one CUR
month delivered as one file per export and as that many files, ingest + build compared;
BENCH_HISTORY_MONTHS (default 36, 0 to skip) and BENCH_HISTORY_ROWS (default 1000000) size the
history run: that many months built cold, the open month restated, a no-op run, against the same
restatement in a one-month warehouse.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BIN = Path(sys.executable).parent
DATA = HERE / "data"
RESULTS = HERE / "results"


def run_measured(cmd: list[str], env: dict | None = None) -> dict:
    import tempfile

    # an earlier run's written pages go to disk first, not during (and billed to) this one
    os.sync()
    with tempfile.TemporaryFile("w+") as out_f, tempfile.TemporaryFile("w+") as err_f:
        started = time.monotonic()
        proc = subprocess.Popen(cmd, env={**os.environ, **(env or {})}, stdout=out_f, stderr=err_f, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.monotonic() - started
        out_f.seek(0)
        err_f.seek(0)
        out, err = out_f.read(), err_f.read()
    return {
        "wall_s": round(wall, 3),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "returncode": os.waitstatus_to_exitcode(status),
        "stdout": out,
        "stderr": err,
    }


def ensure_sample(name: str, rows: int, sources: tuple[str, ...], label: str) -> Path:
    """Generate (once) a landing folder of `sources` with `rows` as the sample generator's size."""
    landing = DATA / name / "landing"
    marker = landing.parent / ".complete"
    if not marker.exists():
        shutil.rmtree(landing.parent, ignore_errors=True)
        print(f"generating {label} ...", flush=True)
        cmd = [str(BIN / "finops"), "sample", "--out", str(landing), "--month", "2026-10", "--seed", "1",
               "--rows", str(rows)]
        for source in sources:
            cmd += ["--source", source]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        marker.touch()
    return landing


def bench_size(rows: int) -> dict:
    landing = ensure_sample(f"cur_{rows}", rows, ("aws_cur",), f"{rows:,} CUR rows")
    work = DATA / f"cur_{rows}" / "work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    total_rows = None

    print(f"[{rows:,}] bare reference ...", flush=True)
    bare = run_measured([sys.executable, str(HERE / "bare_reference.py"), str(landing), str(work / "bare.duckdb")])
    if bare["returncode"] == 0:
        total_rows = int(bare["stdout"].split()[0])

    print(f"[{rows:,}] pipeline (finops run) ...", flush=True)
    timings = work / "timings.json"
    pipe = run_measured([str(BIN / "finops"), "run", "--landing", str(landing), "--warehouse", str(work / "finops.duckdb")],
                        env={"FINOPS_TIMINGS_FILE": str(timings)})
    stages = json.loads(timings.read_text()) if timings.exists() else {}

    print(f"[{rows:,}] no-op rerun ...", flush=True)
    noop = run_measured([str(BIN / "finops"), "run", "--landing", str(landing), "--warehouse", str(work / "finops.duckdb")])

    result = {
        "rows": total_rows or rows,
        "bare": {k: bare[k] for k in ("wall_s", "cpu_s", "peak_rss_mb", "returncode")},
        "pipeline": {k: pipe[k] for k in ("wall_s", "cpu_s", "peak_rss_mb", "returncode")},
        "pipeline_stages_s": stages,
        "noop_rerun": {k: noop[k] for k in ("wall_s", "cpu_s", "peak_rss_mb", "returncode")},
    }
    if pipe["returncode"] != 0:
        result["pipeline_error"] = pipe["stderr"][-3000:]
    n = result["rows"]
    result["pipeline_rows_per_s"] = round(n / pipe["wall_s"]) if pipe["wall_s"] else None
    result["bare_rows_per_s"] = round(n / bare["wall_s"]) if bare["wall_s"] else None
    result["ratio_pipeline_to_bare"] = round(pipe["wall_s"] / bare["wall_s"], 2) if bare["wall_s"] else None
    shutil.rmtree(work, ignore_errors=True)
    return result


def split_landing(landing: Path, out: Path, files: int) -> int:
    """The same CUR rows as `files` parquet files: each export's file cut into equal parts
    (a large account's delivery), in the same folders. Returns the number of files written."""
    import duckdb

    originals = sorted(landing.rglob("*.parquet"))
    shutil.rmtree(out, ignore_errors=True)
    conn = duckdb.connect()
    written = 0
    for i, original in enumerate(originals):
        parts = files // len(originals) + (1 if i < files % len(originals) else 0)
        folder = out / original.parent.relative_to(landing)
        folder.mkdir(parents=True, exist_ok=True)
        staged = out / f".split_{i}"
        # one pass per original: rows dealt round-robin into `parts` hive folders, then flattened
        conn.execute(
            f"copy (select *, (row_number() over () - 1) % {parts} as _part from read_parquet(?)) "
            f"to '{staged}' (format parquet, partition_by (_part), write_partition_columns false)",
            [str(original)],
        )
        stem = original.name.split(".")[0]
        for part_dir in staged.iterdir():
            n = int(part_dir.name.split("=")[1])
            for j, f in enumerate(sorted(part_dir.glob("*.parquet"))):
                f.rename(folder / f"{stem}-part{n:05d}-{j}.snappy.parquet")
                written += 1
        shutil.rmtree(staged)
    conn.close()
    return written


def bench_many_files(rows: int, files: int) -> dict:
    """Issue #19: one month as 1 file per export and as `files` files, each in its own run."""
    landing = ensure_sample(f"cur_{rows}", rows, ("aws_cur",), f"{rows:,} CUR rows")
    split = DATA / f"cur_{rows}_as_{files}_files" / "landing"
    marker = split.parent / ".complete"
    if not marker.exists():
        print(f"[{files:,} files] splitting {rows:,} rows ...", flush=True)
        split_landing(landing, split, files)
        marker.touch()
    result = {"rows": rows}
    for label, folder in (("one_file", landing), ("many_files", split)):
        work = DATA / f"many_files_work_{label}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        timings = work / "timings.json"
        n_files = len(list(folder.rglob("*.parquet")))
        print(f"[{n_files:,} files] pipeline (finops run) ...", flush=True)
        pipe = run_measured([str(BIN / "finops"), "run", "--landing", str(folder), "--warehouse", str(work / "finops.duckdb")],
                            env={"FINOPS_TIMINGS_FILE": str(timings)})
        stages = json.loads(timings.read_text()) if timings.exists() else {}
        ingest_s = round(sum(v for k, v in stages.items() if k.startswith("raw__") and "schema_drift" not in k), 3)
        print(f"[{n_files:,} files] no-op rerun ...", flush=True)
        noop = run_measured([str(BIN / "finops"), "run", "--landing", str(folder), "--warehouse", str(work / "finops.duckdb")])
        result[label] = {
            "files": n_files,
            "pipeline": {k: pipe[k] for k in ("wall_s", "cpu_s", "peak_rss_mb", "returncode")},
            "ingest_s": ingest_s,
            "dbt_s": stages.get("finops_dbt_assets"),
            "ingest_plus_build_s": round(ingest_s + (stages.get("finops_dbt_assets") or 0), 3),
            "noop_rerun_s": noop["wall_s"],
        }
        if pipe["returncode"] != 0:
            result[label]["pipeline_error"] = pipe["stderr"][-3000:]
        shutil.rmtree(work, ignore_errors=True)
    one, many = result["one_file"]["ingest_plus_build_s"], result["many_files"]["ingest_plus_build_s"]
    result["ratio_many_to_one"] = round(many / one, 2) if one else None
    return result


def _months_before(last: str, n: int) -> list[str]:
    year, month = (int(x) for x in last.split("-"))
    out = []
    for _ in range(n):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def _sample_months(landing: Path, months: list[str], rows: int, seed: int) -> None:
    for month in months:
        subprocess.run([str(BIN / "finops"), "sample", "--out", str(landing), "--month", month, "--seed", str(seed),
                        "--rows", str(rows), "--source", "aws_cur"], check=True, stdout=subprocess.DEVNULL)


def _restate(landing: Path, month: str, rows: int) -> None:
    """The provider re-delivers the open month: same file paths, new content (another seed)."""
    staged = landing.parent / "restated"
    shutil.rmtree(staged, ignore_errors=True)
    _sample_months(staged, [month], rows, seed=2)
    for f in staged.rglob("*.parquet"):
        target = landing / f.relative_to(staged)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(f, target)
    shutil.rmtree(staged)


def bench_history(months: int, rows: int, last_month: str = "2026-10") -> dict:
    """Issue #21: a warehouse holding `months` months of `rows` CUR rows each, built cold; then the
    open month restated; then a no-op run. The same restatement in a one-month warehouse is the
    reference (target: at most 1.2x, wall and CPU), the bare mapping of all months to parquet the
    floor of the cold build (target: within 3x)."""
    history = _months_before(last_month, months)
    result: dict = {"months": months, "rows_per_month": rows}
    for label, span in (("history", history), ("one_month", history[-1:])):
        root = DATA / f"history_{label}_{len(span)}x{rows}"
        shutil.rmtree(root, ignore_errors=True)
        landing, warehouse = root / "landing", root / "finops.duckdb"
        print(f"[history {label}] generating {len(span)} month(s) of {rows:,} CUR rows ...", flush=True)
        _sample_months(landing, span, rows, seed=1)
        runs = {}
        if label == "history":
            print("[history] bare reference to parquet ...", flush=True)
            bare = run_measured([sys.executable, str(HERE / "bare_reference.py"), str(landing), str(root / "bare.duckdb"), "--parquet"])
            runs["bare_parquet"] = {k: bare[k] for k in ("wall_s", "cpu_s", "peak_rss_mb", "returncode")}
        cmd = [str(BIN / "finops"), "run", "--landing", str(landing), "--warehouse", str(warehouse)]
        for step in ("cold", "restate", "noop"):
            if step == "restate":
                _restate(landing, span[-1], rows)
            print(f"[history {label}] {step} run ...", flush=True)
            measured = run_measured(cmd)
            runs[step] = {k: measured[k] for k in ("wall_s", "cpu_s", "peak_rss_mb", "returncode")}
            # what the run built: "dbt build (duckdb) of 1 month(s): 2026-10 ..." or "skipped"
            said = [line.split("] ", 1)[-1] for line in (measured["stdout"] + measured["stderr"]).splitlines()
                    if "dbt build (" in line or "dbt build skipped" in line]
            runs[step]["dbt"] = said[0] if said else None
            if measured["returncode"] != 0:
                runs[step]["error"] = measured["stderr"][-3000:]
        result[label] = runs
        shutil.rmtree(root, ignore_errors=True)
    hist, one = result["history"], result["one_month"]
    result["restate_ratio_wall"] = round(hist["restate"]["wall_s"] / one["restate"]["wall_s"], 2)
    result["restate_ratio_cpu"] = round(hist["restate"]["cpu_s"] / one["restate"]["cpu_s"], 2)
    result["cold_to_bare_parquet"] = round(hist["cold"]["wall_s"] / hist["bare_parquet"]["wall_s"], 2)
    return result


TOKEN_SOURCES = ("selfhosted_llm", "litellm_spend")


def bench_tokens(records: int) -> dict:
    """Per-request token logs (self-hosted and LiteLLM, half each): ingest and price them."""
    # each of these generators writes rows // 20 records
    landing = ensure_sample(f"tokens_{records}", records * 10, TOKEN_SOURCES, f"{records:,} token-log records")
    work = DATA / f"tokens_{records}" / "work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    print(f"[{records:,} token records] pipeline (finops run) ...", flush=True)
    timings = work / "timings.json"
    pipe = run_measured([str(BIN / "finops"), "run", "--landing", str(landing), "--warehouse", str(work / "finops.duckdb")],
                        env={"FINOPS_TIMINGS_FILE": str(timings)})
    stages = json.loads(timings.read_text()) if timings.exists() else {}
    import duckdb

    with duckdb.connect(str(work / "finops.duckdb"), read_only=True) as conn:
        loaded = conn.execute("select coalesce(sum(rows), 0) from ops.ingest_files where status = 'loaded'").fetchone()[0]
        priced = conn.execute("select coalesce(sum(requests), 0) from marts.fct_token_usage_daily").fetchone()[0]
        # the token models' own execution in the build (dbt's per-node times; the rest of the
        # build is the other sources' models, tests and dbt's fixed start-up)
        pricing_s = conn.execute(
            "select coalesce(sum(execution_s), 0) from ops.dbt_node_timings "
            "where resource_type = 'model' and (unique_id like '%token%' or unique_id like '%llm%')"
        ).fetchone()[0]
    ingest_s = round(sum(v for k, v in stages.items() if k.startswith("raw__") and "schema_drift" not in k), 3)
    result = {
        "records_loaded": int(loaded),
        "requests_priced": int(priced),
        "pipeline": {k: pipe[k] for k in ("wall_s", "cpu_s", "peak_rss_mb", "returncode")},
        "ingest_s": ingest_s,
        "dbt_s": stages.get("finops_dbt_assets"),
        "token_models_s": round(pricing_s, 3),
        "pipeline_stages_s": stages,
    }
    shutil.rmtree(work, ignore_errors=True)
    return result


def markdown(results: list[dict], machine: str, tokens: dict | None = None, many: dict | None = None,
             history: dict | None = None) -> str:
    lines = [f"Machine: {machine}", "",
             "| rows | bare wall s | pipeline wall s | pipeline CPU s | peak RSS MB | rows/s | pipeline / bare | no-op rerun s |",
             "|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['rows']:,} | {r['bare']['wall_s']} | {r['pipeline']['wall_s']} | {r['pipeline']['cpu_s']} | "
                     f"{r['pipeline']['peak_rss_mb']} | {r['pipeline_rows_per_s']:,} | {r['ratio_pipeline_to_bare']} | "
                     f"{r['noop_rerun']['wall_s']} |")
    if len(results) >= 2:
        first, last = results[0], results[-1]
        per_row_first = first["pipeline"]["wall_s"] / first["rows"]
        per_row_last = last["pipeline"]["wall_s"] / last["rows"]
        lines += ["", f"Per-row cost at {last['rows']:,} / at {first['rows']:,}: {per_row_last / per_row_first:.2f}"]
    if results:
        lines += ["", "Stages (s) of the largest run: " + ", ".join(f"{k} {v}" for k, v in results[-1]["pipeline_stages_s"].items())]
    if tokens:
        lines += ["", (f"Token logs: {tokens['records_loaded']:,} records loaded, {tokens['requests_priced']:,} requests priced; "
                      f"ingest {tokens['ingest_s']} s, token models in the build {tokens.get('token_models_s')} s "
                      f"(ingest + pricing {round(tokens['ingest_s'] + (tokens.get('token_models_s') or 0), 1)} s), "
                      f"dbt build (all models and tests) {tokens['dbt_s']} s, whole run "
                      f"{tokens['pipeline']['wall_s']} s wall, peak RSS {tokens['pipeline']['peak_rss_mb']} MB")]
    if many:
        one, split = many["one_file"], many["many_files"]
        lines += ["", f"Many files ({many['rows']:,} CUR rows of one month): {one['files']:,} file(s) ingest + build "
                      f"{one['ingest_plus_build_s']} s (ingest {one['ingest_s']}, dbt {one['dbt_s']}, run {one['pipeline']['wall_s']} s wall); "
                      f"{split['files']:,} files ingest + build {split['ingest_plus_build_s']} s (ingest {split['ingest_s']}, "
                      f"dbt {split['dbt_s']}, run {split['pipeline']['wall_s']} s wall); many / one = {many['ratio_many_to_one']} "
                      f"(target at most 1.5); no-op reruns {one['noop_rerun_s']} s and {split['noop_rerun_s']} s"]
    if history:
        h, o = history["history"], history["one_month"]
        lines += ["", f"History ({history['months']} months of {history['rows_per_month']:,} CUR rows): cold build "
                      f"{h['cold']['wall_s']} s wall / {h['cold']['cpu_s']} CPU-s (bare mapping to parquet "
                      f"{h['bare_parquet']['wall_s']} s: {history['cold_to_bare_parquet']}x, target at most 3); open month restated "
                      f"{h['restate']['wall_s']} s / {h['restate']['cpu_s']} CPU-s against {o['restate']['wall_s']} s / "
                      f"{o['restate']['cpu_s']} CPU-s in a one-month warehouse: {history['restate_ratio_wall']}x wall, "
                      f"{history['restate_ratio_cpu']}x CPU (target at most 1.2); no-op run {h['noop']['wall_s']} s"]
        for label, runs in (("history", h), ("one month", o)):
            for step in ("cold", "restate", "noop"):
                failed = f" (exit {runs[step]['returncode']})" if runs[step].get("returncode") else ""
                lines.append(f"- {label} {step}: {runs[step].get('dbt') or 'no dbt line'}{failed}")
    return "\n".join(lines) + "\n"


def main() -> None:
    sizes = [int(x) for x in os.environ.get("BENCH_SIZES", "1000000,3000000,10000000").split(",")]
    machine = f"{platform.machine()}, {os.cpu_count()} cores, {round(os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30)} GB, Python {platform.python_version()}"
    results = [bench_size(n) for n in sizes if n]
    token_records = int(os.environ.get("BENCH_TOKEN_RECORDS", "1000000"))
    tokens = bench_tokens(token_records) if token_records else None
    many_files = int(os.environ.get("BENCH_MANY_FILES", "2000"))
    many = bench_many_files(int(os.environ.get("BENCH_MANY_ROWS", "1000000")), many_files) if many_files else None
    history_months = int(os.environ.get("BENCH_HISTORY_MONTHS", "36"))
    history = bench_history(history_months, int(os.environ.get("BENCH_HISTORY_ROWS", "1000000"))) if history_months else None
    RESULTS.mkdir(exist_ok=True)
    stamp = dt.date.today().isoformat()
    payload = {"date": stamp, "machine": machine, "results": results, "tokens": tokens, "many_files": many, "history": history}
    (RESULTS / f"{stamp}.json").write_text(json.dumps(payload, indent=2))
    md = markdown(results, machine, tokens, many, history)
    (RESULTS / f"{stamp}.md").write_text(md)
    print(md)


if __name__ == "__main__":
    main()
