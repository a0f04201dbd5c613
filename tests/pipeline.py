"""Helpers for end-to-end tests: generate demo data and run the real build job."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.instance import instance_overrides
from orchestration.settings import PROJECT_ROOT


def generate(out: Path, scale: str = "small", seed: int = 42, manipulation: str = "normal") -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "simworld.generate",
            "--scale",
            scale,
            "--seed",
            str(seed),
            "--out",
            str(out),
            "--manipulation",
            manipulation,
        ],
        check=True,
        cwd=PROJECT_ROOT,
        capture_output=True,
    )


def copy_operational(src_data: Path, dst_data: Path) -> None:
    """The generated world's operational state (its simulated alert handling, in
    operational/): part of the world, like its landing files. A copy of a world that
    leaves it out raises the same alerts but finds none of them handled."""
    src = Path(src_data) / "operational"
    if src.is_dir():
        shutil.copytree(src, Path(dst_data) / "operational", dirs_exist_ok=True)


@contextmanager
def warehouse_env(data_dir: Path) -> Iterator[dict[str, str]]:
    """Point the pipeline (Python assets and the dbt subprocess) at data_dir."""
    env = {
        "CX_DATA_DIR": str(data_dir),
        "CX_LANDING_DIR": str(data_dir / "landing"),
        "CX_DUCKDB_PATH": str(data_dir / "warehouse.duckdb"),
        "CX_PUBLISHED_PATH": str(data_dir / "published" / "cx_published.duckdb"),
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield env
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@contextmanager
def build_instance() -> Iterator[dg.DagsterInstance]:
    """A throw-away Dagster instance (instance_for_test, which points DAGSTER_HOME at its
    temporary directory) with the project's event log storage, never syncing to disk:
    nothing in it has to survive a power cut, and a build's events cost a third."""
    overrides = instance_overrides({"env": "DAGSTER_HOME"}, synchronous="off")
    with dg.instance_for_test(overrides=overrides) as instance:
        yield instance


def run_build(instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    from orchestration.definitions import defs

    return defs.resolve_job_def("build_warehouse").execute_in_process(
        instance=instance, raise_on_error=False
    )


def check_results(result: dg.ExecuteInProcessResult) -> list[dg.AssetCheckEvaluation]:
    return [
        e.event_specific_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
    ]


def run_failures(result: dg.ExecuteInProcessResult) -> list[str]:
    """Failed steps (with their error) and failed ERROR-severity checks of a run."""
    steps = [
        f"{e.step_key}: {e.event_specific_data.error.message.strip()[:3000]}"
        for e in result.all_events
        if e.event_type_value == "STEP_FAILURE"
    ]
    checks = [
        f"failed check {e.asset_key.to_user_string()}:{e.check_name} {e.metadata}"
        for e in check_results(result)
        if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR
    ]
    return steps + checks


# Columns stamped with the time of the build that wrote them (not data).
BUILD_TIME_COLUMNS = {"scored_at", "queued_at"}


def _canon(value):
    # DuckDB's parallel aggregates of doubles are not bit-reproducible between builds:
    # compare to 10 significant digits (a fixed number of places fails on large sums).
    return float(f"{value:.10g}") if isinstance(value, float) else value


def _cluster_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Each customer and person key named by its cluster's smallest member record.

    Keys are stable across builds (identity/keys.py): a key, once given, stays
    with its cluster, so its value depends on the order records arrived in. Two
    builds agree on who is who when the same records form the same clusters."""
    return dict(
        con.execute(
            """
            select customer_key, 'customer:' || min(record_id)
            from identity.account_clusters group by customer_key
            union all
            select person_key, 'person:' || min(record_id)
            from identity.contact_clusters group by person_key
            """
        ).fetchall()
    )


_KEY = re.compile(r"\b[CP][0-9a-f]{16}\b")


def _rename(value: str, names: dict[str, str]) -> str:
    """A key, or a key inside an id (alert ids embed the customer key), by its name."""
    if not names:
        return value
    if value in names:
        return names[value]
    return _KEY.sub(lambda m: names.get(m.group(0), m.group(0)), value)


def mart_rows(db: Path | str, by_cluster: bool = False) -> dict[str, list]:
    """Every mart's rows, sorted, without build-time stamps, doubles to 10 digits:
    what two builds of the same data must agree on. `by_cluster` names customer and
    person keys by their clusters' members (for builds whose arrival order differs)."""
    with duckdb.connect(str(db), read_only=True) as con:
        names = _cluster_names(con) if by_cluster else {}
        tables = con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' "
            "and table_type = 'BASE TABLE' order by 1"
        ).fetchall()
        out = {}
        for (t,) in tables:
            cols = [
                r[0]
                for r in con.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = 'marts' and table_name = ? order by ordinal_position",
                    [t],
                ).fetchall()
                if r[0] not in BUILD_TIME_COLUMNS
            ]
            select = ", ".join(f'"{c}"' for c in cols)
            rows = con.execute(f'select {select} from marts."{t}"').fetchall()
            out[t] = sorted(
                (
                    tuple(_rename(v, names) if isinstance(v, str) else _canon(v) for v in row)
                    for row in rows
                ),
                key=repr,
            )
        return out


def run_dbt(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    """One `cx-dbt` invocation from the project root with the warehouse env `env`;
    fails the test, with dbt's output, if dbt fails. `--target-path` is required: target/
    holds the project's parse for the default warehouse, which MetricFlow and the
    dashboard read (a parse for a test's warehouse there names its database in every
    query)."""
    assert "--target-path" in args, "run dbt of a test with its own --target-path"
    from cx_settings import dbt as cx_dbt
    from orchestration.settings import PROJECT_ROOT

    proc = subprocess.run(
        [cx_dbt.executable(), *args],
        env={**os.environ, **env},
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    return proc
