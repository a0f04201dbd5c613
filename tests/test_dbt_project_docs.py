"""Every dbt model is documented, and every mart has an enforced contract.

Reads the manifest `make manifest` (and `make test`) parses, so it runs fast
without a warehouse.
"""

from __future__ import annotations

import json

import pytest

from orchestration.settings import PROJECT_ROOT

MANIFEST = PROJECT_ROOT / "target" / "manifest.json"


@pytest.fixture(scope="module")
def models() -> list[dict]:
    if not MANIFEST.exists():
        pytest.skip("no target/manifest.json: run `make manifest`")
    nodes = json.loads(MANIFEST.read_text())["nodes"].values()
    return [n for n in nodes if n["resource_type"] == "model"]


def test_every_model_has_a_description(models):
    missing = [m["name"] for m in models if not m["description"].strip()]
    assert not missing


def test_every_column_of_intermediate_and_mart_models_is_documented(models):
    layers = [m for m in models if m["fqn"][1] in ("intermediate", "marts")]
    assert len(layers) > 20
    undocumented = {
        m["name"]: [c for c, col in m["columns"].items() if not col["description"].strip()]
        for m in layers
    }
    assert {name: cols for name, cols in undocumented.items() if cols} == {}
    assert all(m["columns"] for m in layers)


def test_every_mart_table_enforces_its_contract(models):
    marts = [
        m
        for m in models
        if m["fqn"][1] == "marts"
        and m["config"]["materialized"] == "table"
        and not m["name"].startswith("int_")
    ]
    assert len(marts) > 15
    loose = [m["name"] for m in marts if not m["config"]["contract"]["enforced"]]
    assert loose == []
    untyped = {
        m["name"]: [c for c, col in m["columns"].items() if not col.get("data_type")] for m in marts
    }
    assert {name: cols for name, cols in untyped.items() if cols} == {}


def test_only_staging_models_read_sources_and_every_source_has_one(models):
    """Every table Python or a person writes enters dbt through a staging model."""
    sources = {s["unique_id"] for s in json.loads(MANIFEST.read_text())["sources"].values()}
    readers = {m["name"]: m["depends_on"]["nodes"] for m in models}
    outside = {
        name: [n for n in deps if n.startswith("source.")]
        for name, deps in readers.items()
        if not name.startswith("stg_")
    }
    assert {name: deps for name, deps in outside.items() if deps} == {}
    staged = {n for deps in readers.values() for n in deps if n.startswith("source.")}
    assert len(sources) > 10
    assert sources - staged == set()
