"""Session-wide warehouses for the integrity end-to-end tests: the subtle and
the clean demo worlds, each generated and built once through the real job."""

from __future__ import annotations

import pytest


def _build(tmp_path_factory, name: str, manipulation: str) -> dict:
    from tests.pipeline import build_instance, generate, run_build, warehouse_env

    data = tmp_path_factory.mktemp(name) / "data"
    generate(data, manipulation=manipulation)
    with warehouse_env(data) as env, build_instance() as instance:
        result = run_build(instance)
    return {"data": data, "db": env["CX_DUCKDB_PATH"], "result": result}


@pytest.fixture(scope="session")
def subtle_warehouse(tmp_path_factory):
    """Seed 42, --manipulation subtle: one region x BU, three months, a few points."""
    return _build(tmp_path_factory, "subtle", "subtle")


@pytest.fixture(scope="session")
def clean_warehouse(tmp_path_factory):
    """Seed 42, --manipulation none: an honest world."""
    return _build(tmp_path_factory, "clean", "none")
