"""dbt's unit tests: a build leaves them out (cx_settings/dbt.py BUILD_ARGS), so the
suite runs every one, on the shared small warehouse."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.pipeline import run_dbt

pytestmark = pytest.mark.e2e


def test_a_build_leaves_the_unit_tests_out(small_warehouse):
    run_id = small_warehouse["first"].run_id
    # dagster-dbt names each invocation's target dir <step>-<run id[:7]>-<hash>, under
    # the fixture's dbt target dir (tests/conftest.py, ParseCache).
    targets = small_warehouse["data"].parent / "dbt_target"
    found = sorted(targets.glob(f"cx_dbt_models*-{run_id[:7]}-*/run_results.json"))
    assert found, "no dbt invocation of the build found"
    ids = [r["unique_id"] for f in found for r in json.loads(f.read_text())["results"]]
    assert any(i.startswith("model.") for i in ids)
    assert any(i.startswith("test.") for i in ids)
    assert not [i for i in ids if i.startswith("unit_test.")]


def test_every_dbt_unit_test_passes_on_the_built_warehouse(small_warehouse, tmp_path):
    target = tmp_path / "target"
    target.mkdir()
    # The fixture's parse of this profile: dbt parses only what changed since.
    parsed = small_warehouse["data"].parent / "dbt_target" / "partial_parse.msgpack"
    shutil.copyfile(parsed, target / parsed.name)
    run_dbt(
        ["test", "--select", "test_type:unit", "--target-path", str(target)],
        small_warehouse["env"],
    )
    manifest = json.loads((target / "manifest.json").read_text())
    results = [
        r
        for r in json.loads((target / "run_results.json").read_text())["results"]
        if r["unique_id"].startswith("unit_test.")
    ]
    assert len(manifest["unit_tests"]) >= 20
    assert {r["unique_id"] for r in results} == set(manifest["unit_tests"])
    assert {r["status"] for r in results} == {"pass"}
