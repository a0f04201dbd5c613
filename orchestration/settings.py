"""Where things live. Every path comes from an environment variable; these are
the defaults when it is unset, so `make run` works on a fresh clone.

Resources read the values through `dagster.EnvVar`, and dbt reads the same
variables in profiles.yml, so the Python assets and dbt always agree on the
warehouse file.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

DEFAULTS: dict[str, str] = {
    "CX_DATA_DIR": str(PROJECT_ROOT / "data"),
    "CX_LANDING_DIR": str(PROJECT_ROOT / "data" / "landing"),
    "CX_DUCKDB_PATH": str(PROJECT_ROOT / "data" / "warehouse.duckdb"),
    # The Python assets between dbt models (identity, enrichment) split `dbt build`
    # into several invocations. dbt's default (eager) runs a relationships test with
    # the first of its two models, before the other exists; buildable runs it with
    # the later one. dagster-dbt passes this variable on to dbt.
    "DBT_INDIRECT_SELECTION": "buildable",
}


def apply_defaults() -> None:
    for name, value in DEFAULTS.items():
        os.environ.setdefault(name, value)


def env_path(name: str) -> Path:
    apply_defaults()
    return Path(os.environ[name])


def published_path() -> Path:
    """The read-only snapshot dashboards and analysts open: CX_PUBLISHED_PATH, else
    $CX_DATA_DIR/published/cx_published.duckdb (resolved when called, so a run pointed at
    another data dir publishes there). Its stem is the catalog name readers see: it must
    differ from every schema name in it (STACK_NOTES)."""
    apply_defaults()
    explicit = os.environ.get("CX_PUBLISHED_PATH")
    if explicit:
        return Path(explicit)
    return Path(os.environ["CX_DATA_DIR"]) / "published" / "cx_published.duckdb"
