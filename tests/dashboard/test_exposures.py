"""Every dashboard view is a dbt exposure whose depends_on covers the marts it queries."""

from __future__ import annotations

import json
import re

import pytest

from orchestration.settings import PROJECT_ROOT

MANIFEST = PROJECT_ROOT / "target" / "manifest.json"
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


@pytest.mark.parametrize("view", ["executive", "region_head", "account_manager", "cx_team"])
def test_each_view_is_an_exposure_over_the_marts_it_reads(view):
    if not MANIFEST.exists():
        pytest.skip("no target/manifest.json: run `make manifest`")
    manifest = json.loads(MANIFEST.read_text())
    exposures = {e["name"]: e for e in manifest["exposures"].values()}
    assert view in exposures
    depends = {n.split(".")[-1] for n in exposures[view]["depends_on"]["nodes"]}
    read = _marts_read(view)
    assert read, view
    assert read <= depends, sorted(read - depends)
