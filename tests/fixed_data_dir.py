"""A data dir at a fixed path, emptied for every build, with dbt's parse cache for it.

Why: dbt keys its partial-parse cache on the connection details, the warehouse path
included. A new tmp path per build makes every dbt invocation of the job (four per
build) re-parse the whole project, ~15 s each on two cores; production always builds
the same warehouse path and parses incrementally. `FixedDataDir.prepare()` parses the
project once for its path (into its own target dir: the shared target/ is left
alone); `fresh()` gives an empty data dir at that path and points dagster-dbt at the
cache, so the job's dbt steps parse incrementally, as in production.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cx_settings import PROJECT_ROOT
from cx_settings import dbt as cx_dbt


def parse_command(target: Path, env: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """argv and environment of `dbt parse` into `target`, through cx-dbt as the build's
    dbt runs (same profile, same vars), for the warehouse path `env` names."""
    return (
        [cx_dbt.executable(), "parse", "--profiles-dir", str(PROJECT_ROOT), "--quiet"],
        {
            **env,
            "DBT_TARGET_PATH": str(target),
            "DBT_LOG_PATH": str(target),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        },
    )


class FixedDataDir:
    """`fresh()` empties the data dir and points dagster-dbt at the parse cache for it."""

    def __init__(self, root: Path) -> None:
        self.data = root / "data"
        self.target = root / "dbt_target"

    def prepare(self) -> None:
        """Parse the dbt project once for this warehouse path (the partial-parse cache),
        through cx-dbt as the build's dbt runs: same profile, same vars."""
        self.target.mkdir(parents=True, exist_ok=True)
        argv, env = parse_command(
            self.target,
            {
                **os.environ,
                "CX_DATA_DIR": str(self.data),
                "CX_DUCKDB_PATH": str(self.data / "warehouse.duckdb"),
            },
        )
        subprocess.run(argv, cwd=PROJECT_ROOT, env=env, check=True, capture_output=True)

    @contextmanager
    def fresh(self) -> Iterator[Path]:
        shutil.rmtree(self.data, ignore_errors=True)
        self.data.mkdir(parents=True)
        env = {
            # dagster-dbt copies <DBT_TARGET_PATH>/partial_parse.msgpack into each
            # invocation's own target dir, created under the same path.
            "DBT_TARGET_PATH": str(self.target),
            # Nothing reads the artifacts of these throw-away invocations (manifest.json
            # alone is 2 MB): ~1 s per dbt invocation.
            "DBT_WRITE_JSON": "false",
        }
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            yield self.data
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
            for run_dir in self.target.iterdir():
                if run_dir.is_dir():
                    shutil.rmtree(run_dir, ignore_errors=True)
