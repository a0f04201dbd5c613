"""Benchmark: extraction from a local PostgreSQL beside file ingest, in rows/s.

    python -m tests.benchmarks.sql_extract --scale medium [--repeats 3]

The seven CRM and order-system tables of the generated world (data/bench/<scale>-<seed>,
generated when absent) are loaded from their landing files into a fresh warehouse, then
copied into a PostgreSQL 15 server started in a temp directory, and extracted from it into
another fresh warehouse through `ingest.sql_source` (server-side cursor, default chunk
size). Each measured step runs in its own process (wall time, peak RSS); the report gives
medians over the repeats. Results also go to data/bench/<scale>-<seed>-sql-results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from orchestration.settings import PROJECT_ROOT
from tests.benchmarks.run import machine, run_measured


def _files_step(landing: Path, db: Path) -> dict:
    from ingest import contract as c
    from ingest.loader import load_table
    from tests.sql_source.support import SQL_TABLES

    start = time.perf_counter()
    rows = 0
    with duckdb.connect(str(db)) as con:
        for source, name in SQL_TABLES:
            rows += sum(r.rows_in for r in load_table(con, c.table(source, name), landing))
    return {"rows_in": rows, "seconds_inside": time.perf_counter() - start}


def _extract_step(url: str, db: Path) -> dict:
    import sqlalchemy as sa

    from ingest.sql_source import extract_table, parse_config
    from tests.sql_source.support import sql_sources_config

    [source] = parse_config(sql_sources_config(url))
    engine = sa.create_engine(url)
    start = time.perf_counter()
    rows = 0
    with duckdb.connect(str(db)) as con:
        for t in source.tables:
            res = extract_table(con, source, t, engine)
            if res.status != "loaded":
                raise SystemExit(f"{t.contract.qualified}: {res.status} {res.error}")
            rows += res.rows_in
    engine.dispose()
    return {"rows_in": rows, "seconds_inside": time.perf_counter() - start}


def _measure(step: list[str], env: dict[str, str]) -> dict:
    wall, rss, out = run_measured(
        [sys.executable, "-m", "tests.benchmarks.sql_extract", *step], env
    )
    info = json.loads(out.strip().splitlines()[-1])
    return {"seconds": wall, "peak_mib": rss, **info}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="medium", choices=["small", "medium", "large"])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--step", choices=["files", "extract"], help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    root = PROJECT_ROOT / "data" / "bench" / f"{args.scale}-{args.seed}"
    if args.step == "files":
        print(json.dumps(_files_step(root / "landing", Path(args.db))))
        return 0
    if args.step == "extract":
        print(json.dumps(_extract_step(args.url, Path(args.db))))
        return 0

    from tests.sql_source.support import fill_source_database, postgres_missing, postgres_server

    if (why := postgres_missing()) is not None:
        raise SystemExit(f"cannot start PostgreSQL: {why}")
    env = dict(os.environ)
    if not (root / "ground_truth" / "manifest.json").exists():
        run_measured(
            [
                sys.executable,
                "-m",
                "simworld.generate",
                "--scale",
                args.scale,
                "--seed",
                str(args.seed),
                "--out",
                str(root),
            ],
            env,
        )
    results: dict[str, list[dict]] = {"files": [], "postgres": []}
    with tempfile.TemporaryDirectory(prefix="cx_bench_sql_") as tmp:
        files_db = Path(tmp) / "files.duckdb"
        for i in range(args.repeats):
            files_db.unlink(missing_ok=True)
            r = _measure(
                [
                    "--scale",
                    args.scale,
                    "--seed",
                    str(args.seed),
                    "--step",
                    "files",
                    "--db",
                    str(files_db),
                ],
                env,
            )
            results["files"].append(r)
            print(
                f"run {i + 1}/{args.repeats} files     {r['seconds']:7.1f} s  "
                f"{r['peak_mib']:6.0f} MiB  {r['rows_in']} rows",
                flush=True,
            )
        with postgres_server() as pg:
            fill_source_database(files_db, pg.conninfo())
            sql_db = Path(tmp) / "sql.duckdb"
            for i in range(args.repeats):
                sql_db.unlink(missing_ok=True)
                r = _measure(["--step", "extract", "--db", str(sql_db), "--url", pg.url()], env)
                results["postgres"].append(r)
                print(
                    f"run {i + 1}/{args.repeats} postgres  {r['seconds']:7.1f} s  "
                    f"{r['peak_mib']:6.0f} MiB  {r['rows_in']} rows",
                    flush=True,
                )

    print(f"\nCRM + order tables, scale={args.scale} seed={args.seed}; machine: {machine()}")
    print(
        f"{'source':<10} {'rows':>9} {'median s':>9} {'rows/s':>9} {'in-step rows/s':>15} "
        f"{'peak MiB':>9}"
    )
    summary = {}
    for name, runs in results.items():
        rows = runs[-1]["rows_in"]
        wall = statistics.median(r["seconds"] for r in runs)
        inside = statistics.median(r["seconds_inside"] for r in runs)
        peak = statistics.median(r["peak_mib"] for r in runs)
        print(
            f"{name:<10} {rows:>9} {wall:>9.1f} {rows / wall:>9.0f} {rows / inside:>15.0f} "
            f"{peak:>9.0f}"
        )
        summary[name] = {
            "rows": rows,
            "median_seconds": wall,
            "median_seconds_inside": inside,
            "rows_per_second": rows / wall,
            "rows_per_second_inside": rows / inside,
            "median_peak_mib": peak,
            "runs": runs,
        }
    out = root.parent / f"{args.scale}-{args.seed}-sql-results.json"
    out.write_text(json.dumps({"machine": machine(), "sources": summary}, indent=2))
    print(f"\nresults: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
