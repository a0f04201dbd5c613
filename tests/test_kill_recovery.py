"""`kill -9` at several points of a build: the next build completes without a manual
step and its marts equal a clean build's.

Builds its own worlds (each case kills a real build and runs another one: a shared
warehouse cannot be killed), so it is slow: `make test-slow`.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from orchestration.settings import PROJECT_ROOT
from tests.pipeline import generate, mart_rows

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

# Kill when a step whose key matches starts (plus a delay, to land inside it), or, for
# publish, when its temp file appears: the step takes about a second and its start is
# printed up to a second late, so a delay after the line could land after the run ended.
KILL_POINTS = {
    "ingest": (r"raw__fulfillment__orders", 0.5),
    "dbt": (r"cx_dbt_models", 8.0),
    "identity": (r"identity_resolution", 2.0),
    "publish": ("file:published/.cx_published.*.tmp.duckdb", 0.0),
}


def _env(data: Path, home: Path) -> dict[str, str]:
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(PROJECT_ROOT / ".dagster_home" / "dagster.yaml", home / "dagster.yaml")
    return {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "CX_DATA_DIR": str(data),
        "CX_LANDING_DIR": str(data / "landing"),
        "CX_DUCKDB_PATH": str(data / "warehouse.duckdb"),
        "CX_PUBLISHED_PATH": str(data / "published" / "cx_published.duckdb"),
        "CX_LANDING_SETTLE_SECONDS": "0",
    }


def _build(env: dict[str, str], kill_at: tuple[str, float] | None = None) -> tuple[int, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "orchestration.build", "--log", env["CX_DATA_DIR"] + "/build.log"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    out = []
    assert proc.stdout is not None
    if kill_at and kill_at[0].startswith("file:"):
        threading.Thread(
            target=_kill_when_file_appears,
            args=(proc, Path(env["CX_DATA_DIR"]), kill_at[0].removeprefix("file:")),
            daemon=True,
        ).start()
    for line in proc.stdout:
        out.append(line)
        if kill_at and re.search(kill_at[0] + r".* \.\.\.$", line.rstrip()):
            time.sleep(kill_at[1])
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(timeout=3600)
    return proc.returncode, "".join(out)


def _kill_when_file_appears(proc: subprocess.Popen, root: Path, pattern: str) -> None:
    while proc.poll() is None:
        if next(root.glob(pattern), None) is not None:
            proc.send_signal(signal.SIGKILL)
            return
        time.sleep(0.01)


@pytest.fixture(scope="module")
def clean_marts(tmp_path_factory) -> dict[str, list]:
    root = tmp_path_factory.mktemp("clean")
    generate(root / "data", seed=7)
    env = _env(root / "data", root / "home")
    code, out = _build(env)
    assert code == 0, out
    return mart_rows(root / "data" / "warehouse.duckdb")


@pytest.mark.parametrize("point", sorted(KILL_POINTS))
def test_a_build_killed_anywhere_is_followed_by_one_that_completes_alone(
    point: str, clean_marts, tmp_path: Path
):
    generate(tmp_path / "data", seed=7)
    env = _env(tmp_path / "data", tmp_path / "home")
    code, out = _build(env, KILL_POINTS[point])
    assert code == -signal.SIGKILL, f"not killed at {point}: {out}"

    code, out = _build(env)

    assert code == 0, out
    assert "recovered: run" in out  # the dead run was found and its claim freed
    assert mart_rows(tmp_path / "data" / "warehouse.duckdb") == clean_marts
    published = tmp_path / "data" / "published"
    assert not list(published.glob(".*.tmp.duckdb*"))
