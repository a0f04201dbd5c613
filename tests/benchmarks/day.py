"""The `day` benchmark: the latest batch of every table on top of a built warehouse.

The generator writes one file per source system and quarter (`oms_east_orders_
2026-08.csv`); the newest one of each table that grows (orders, deliveries,
confirmations, promise changes, reports, invitations, responses, posts) is what
arrives last. The base warehouse is built once, through the real job, on every
file but those, and kept under `data/bench/<scale>-<seed>-day/base`; before each
measured run it is copied to `.../run`, the batch is added, and the stage times
one `build_warehouse` run there (the CRM snapshots are in the base already and
arrive unchanged). A quarter is far more than a day's files: the measure is of
what does not shrink with the batch.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from orchestration.settings import PROJECT_ROOT

_PERIOD = re.compile(r"(\d{4}-\d{2})(?:_part\d+)?\.[a-z]+$")
# Master data arrives as whole snapshots, not as a day's batch.
_SNAPSHOT_SOURCES = {"crm"}


def latest_batch(landing: Path) -> list[Path]:
    """The newest period's files of each growing table, relative to the landing root."""
    files = sorted(p.relative_to(landing) for p in landing.rglob("*") if p.is_file())
    newest: dict[Path, str] = {}
    for f in files:
        m = _PERIOD.search(f.name)
        if m and f.parts[0] not in _SNAPSHOT_SOURCES:
            newest[f.parent] = max(newest.get(f.parent, ""), m.group(1))
    return [
        f for f in files if (m := _PERIOD.search(f.name)) and newest.get(f.parent) == m.group(1)
    ]


def _copy(src: Path, dst: Path, rel: Path) -> None:
    (dst / rel).parent.mkdir(parents=True, exist_ok=True)
    # copy2 keeps the modification time: the export time of a file whose name has none.
    shutil.copy2(src / rel, dst / rel)


def build(data: Path) -> None:
    """One `build_warehouse` run as `make run` starts it, on the data dir `data`."""
    run_env = {**os.environ, **env(data), "CX_LANDING_SETTLE_SECONDS": "0"}
    log = data / "logs" / "bench-build.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as home, log.open("w") as out:
        shutil.copy(PROJECT_ROOT / ".dagster_home" / "dagster.yaml", Path(home) / "dagster.yaml")
        done = subprocess.run(
            [sys.executable, "-m", "orchestration.build"],
            check=False,
            cwd=PROJECT_ROOT,
            env={**run_env, "DAGSTER_HOME": home},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    if done.returncode != 0:
        raise SystemExit(f"build failed (exit code {done.returncode}); its log: {log}")


def env(data: Path) -> dict[str, str]:
    """The settings that point a build at the data dir `data`."""
    return {
        "CX_DATA_DIR": str(data),
        "CX_LANDING_DIR": str(data / "landing"),
        "CX_DUCKDB_PATH": str(data / "warehouse.duckdb"),
    }


# What a base build does not depend on: a README edit must not cost a rebuild.
NOT_CODE = (":(exclude)*.md", ":(exclude)docs/")


def code_state(root: Path = PROJECT_ROOT) -> str:
    """The project's code as committed and as changed since, prose and tests left out
    (the benchmark's own driver kept): a base built by other code is built again."""

    def git(*args: str) -> bytes:
        return subprocess.run(["git", *args], cwd=root, capture_output=True, check=False).stdout

    digest = hashlib.sha256()
    # The tests do not build the warehouse; the benchmark's own driver does.
    for spec in (
        ("--", ".", *NOT_CODE, ":(exclude)tests/"),
        ("--", "tests/benchmarks", *NOT_CODE),
    ):
        digest.update(git("ls-tree", "-r", "HEAD", *spec) + git("diff", "HEAD", *spec))
    return digest.hexdigest()


def prepare(bench_root: Path) -> tuple[Path, list[Path]]:
    """The run directory, restored to the base build, and the batch to add to it.
    Builds the base the first time, and again when the code changed (minutes at
    medium scale; not measured)."""
    landing = bench_root / "landing"
    batch = latest_batch(landing)
    day = bench_root.parent / f"{bench_root.name}-day"
    base, run = day / "base", day / "run"
    marker = day / "base-code"
    current = code_state()
    if not marker.exists() or marker.read_text() != current:
        shutil.rmtree(base, ignore_errors=True)
        held = set(batch)
        for rel in sorted(p.relative_to(landing) for p in landing.rglob("*") if p.is_file()):
            if rel not in held:
                _copy(landing, base / "landing", rel)
        print(f"day: building the base warehouse without {len(batch)} files ...", flush=True)
        build(base)
        marker.write_text(current)
    shutil.rmtree(run, ignore_errors=True)
    shutil.copytree(base, run)
    return run, batch


def add_batch(bench_root: Path, run: Path, batch: list[Path]) -> None:
    for rel in batch:
        _copy(bench_root / "landing", run / "landing", rel)
