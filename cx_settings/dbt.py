"""dbt and MetricFlow with the project's settings: `cx-dbt ...` and `cx-mf ...`.

profiles.yml reads its paths with `env_var()` and no default, and the models
read their thresholds with `var()`; both come from here, so dbt has no defaults
of its own. `cx-dbt` runs dbt with the settings as its environment and `--vars`
(vars given on the command line win, key by key); Dagster's dbt resource runs it
as its dbt executable, and the manifest is parsed through it, so a build and a
hand-run `cx-dbt build` parse and run alike. `cx-mf` runs `mf` with the
environment only (mf reads the parsed project, no vars).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from cx_settings import PROJECT_ROOT, Settings, dbt_vars, load_settings

# The Python assets between dbt models (identity, enrichment) split `dbt build` into
# several invocations. dbt's default (eager) runs a relationships test with the first
# of its two models, before the other exists; buildable runs it with the later one.
# Dagster sets this variable itself when it selects checks: that choice is kept.
INDIRECT_SELECTION = "buildable"

# What a build asks of dbt. Unit tests check the SQL against fixed inputs, not the
# data: the same answer on every run, so a build does not pay for them (≈ 5 s of a
# medium build; dbt's own advice). The test suite runs every one on a built warehouse
# (tests/marts/test_dbt_unit_tests_e2e.py).
BUILD_ARGS = ("build", "--exclude-resource-type", "unit_test")


def dbt_env(s: Settings) -> dict[str, str]:
    """What profiles.yml reads from the environment."""
    return {
        "CX_DUCKDB_PATH": str(s.paths.duckdb_path),
        "CX_PUBLISHED_PATH": str(s.paths.published_path),
        "CX_DBT_TARGET": s.engine.dbt_target,
        "CX_DBT_THREADS": str(s.engine.dbt_threads),
        "CX_DUCKDB_MEMORY_LIMIT": s.engine.duckdb_memory_limit,
    }


def subprocess_env(s: Settings, base: Mapping[str, str]) -> dict[str, str]:
    env = {**base, **dbt_env(s)}
    env.setdefault("DBT_PROFILES_DIR", str(PROJECT_ROOT))
    env.setdefault("DBT_PROJECT_DIR", str(PROJECT_ROOT))
    env.setdefault("DBT_INDIRECT_SELECTION", INDIRECT_SELECTION)
    return env


def vars_json(s: Settings) -> str:
    # Sorted: dbt re-parses the whole project when the vars' text changes.
    return json.dumps(dbt_vars(s), sort_keys=True)


def _split_vars(args: Sequence[str]) -> tuple[list[str], list[str]]:
    """(args without --vars, the --vars values given)."""
    rest: list[str] = []
    given: list[str] = []
    it = iter(args)
    for arg in it:
        if arg == "--vars":
            given.append(next(it, "{}"))
        elif arg.startswith("--vars="):
            given.append(arg.split("=", 1)[1])
        else:
            rest.append(arg)
    return rest, given


def with_vars(args: Sequence[str], s: Settings) -> list[str]:
    """dbt's arguments with the settings' vars; a bare `dbt` / `dbt --version` is left as is."""
    if not any(not a.startswith("-") for a in args):
        return list(args)
    rest, given = _split_vars(args)
    merged: dict[str, Any] = dbt_vars(s)
    if given:
        import yaml  # dbt reads --vars as YAML

        for text in given:
            merged.update(yaml.safe_load(text) or {})
    return [*rest, "--vars", json.dumps(merged, sort_keys=True)]


def _beside_python(name: str) -> str:
    """A tool installed beside this interpreter, so it works without the venv on PATH."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else (shutil.which(name) or name)


def executable() -> str:
    """`cx-dbt`, for Dagster's DbtCliResource and the tests."""
    return _beside_python("cx-dbt")


def mf_executable() -> str:
    return _beside_python("cx-mf")


def _exec(tool: str, args: list[str], env: dict[str, str]) -> None:
    path = _beside_python(tool)
    os.execve(path, [path, *args], env)


def main_dbt() -> None:
    s = load_settings()
    _exec("dbt", with_vars(sys.argv[1:], s), subprocess_env(s, os.environ))


def main_mf() -> None:
    s = load_settings()
    _exec("mf", sys.argv[1:], subprocess_env(s, os.environ))
