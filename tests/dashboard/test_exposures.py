"""Every dashboard view is a dbt exposure whose depends_on covers the marts it queries."""

from __future__ import annotations

import json
import re

import pytest

from orchestration.settings import PROJECT_ROOT

MANIFEST = PROJECT_ROOT / "target" / "manifest.json"
SEMANTIC = PROJECT_ROOT / "target" / "semantic_manifest.json"
VIEWS = PROJECT_ROOT / "dashboard" / "views"


def _marts_read(view: str) -> set[str]:
    """The marts a view's queries name (queries.py functions it calls, read by name)."""
    queries = (PROJECT_ROOT / "dashboard" / "queries.py").read_text()
    source = (VIEWS / f"{view}.py").read_text()
    if view in ("executive", "region_head"):
        source += (VIEWS / "common.py").read_text()
    called = set(re.findall(r"\bq\.(\w+)\(", source))
    marts: set[str] = set()
    constants = dict(re.findall(r'^(\w+) = "marts\.(\w+)"', queries, flags=re.M))
    for fn in called:
        m = re.search(rf"^def {fn}\(.*?(?=^def |\Z)", queries, flags=re.M | re.S)
        if m:
            # the function alone: not the module constants that follow it
            body = re.sub(r"^[A-Z_]+ = .*$", "", m.group(0), flags=re.M)
            marts |= set(re.findall(r"marts\.(\w+)", body))
            marts |= {constants[c] for c in re.findall(r"\b([A-Z_]+)\b", body) if c in constants}
    return marts


def _metric_marts(view: str) -> set[str]:
    """The marts behind the MetricFlow figures a view shows: the dashboard/metrics.py
    functions it calls, the metric and entity names in them (literals and the tuple
    constants they use), and the semantic models those read."""
    semantic = json.loads(SEMANTIC.read_text())
    by_measure, by_entity = {}, {}
    for model in semantic["semantic_models"]:
        alias = model["node_relation"]["alias"]
        by_measure |= {m["name"]: alias for m in model["measures"]}
        by_entity |= {e["name"]: alias for e in model["entities"] if e["type"] == "primary"}
    inputs = {
        m["name"]: {i["name"] for i in m["type_params"]["input_measures"]}
        for m in semantic["metrics"]
    }
    module = (PROJECT_ROOT / "dashboard" / "metrics.py").read_text()
    constants = {
        name: re.findall(r'"(\w+)"', body)
        for name, body in re.findall(r"^([A-Z_]+) = (\(.*?\)|\"\w+\")$", module, flags=re.M | re.S)
    }
    source = (VIEWS / f"{view}.py").read_text()
    if view in ("executive", "region_head"):
        source += (VIEWS / "common.py").read_text()
    names: set[str] = set()
    pending = set(re.findall(r"\bmetrics\.(\w+)\(", source))
    done: set[str] = set()
    while pending:  # functions and the helpers they call
        fn = pending.pop()
        done.add(fn)
        m = re.search(rf"^def {fn}\(.*?(?=^def |^[A-Z_]+ = |\Z)", module, flags=re.M | re.S)
        if not m:
            continue
        body = m.group(0)
        names |= set(re.findall(r'"(\w+)"', body))
        for c in re.findall(r"\b([A-Z_]+)\b", body):
            names |= set(constants.get(c, ()))
        pending |= (
            set(re.findall(r"\b(\w+)\(", body))
            & set(re.findall(r"^def (\w+)\(", module, flags=re.M)) - done
        )
    marts = {by_measure[i] for n in names for i in inputs.get(n, ())}
    marts |= {by_entity[e] for n in names for e in re.findall(r"^(\w+?)__", n) if e in by_entity}
    marts |= {by_entity[e] for e in re.findall(r"Dimension\('(\w+?)__", module) if e in by_entity}
    return marts


@pytest.mark.parametrize("view", ["executive", "region_head", "account_manager", "cx_team"])
def test_each_view_is_an_exposure_over_the_marts_it_reads(view):
    if not MANIFEST.exists():
        pytest.skip("no target/manifest.json: run `make manifest`")
    manifest = json.loads(MANIFEST.read_text())
    exposures = {e["name"]: e for e in manifest["exposures"].values()}
    assert view in exposures
    depends = {n.split(".")[-1] for n in exposures[view]["depends_on"]["nodes"]}
    read = _marts_read(view)
    if SEMANTIC.exists():
        read |= _metric_marts(view)
    assert read, view
    assert read <= depends, sorted(read - depends)


def test_the_metric_lineage_reader_finds_the_marts_behind_a_views_metrics():
    if not SEMANTIC.exists():
        pytest.skip("no target/semantic_manifest.json: run `make manifest`")
    assert {"fct_orders", "fct_fulfillment_nps_region_months", "fct_survey_responses"} <= (
        _metric_marts("executive")
    )
    assert "fct_survey_invitations" in _metric_marts("cx_team")
