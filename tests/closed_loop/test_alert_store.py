"""Alert actions from the dashboard: the operational store, and its copy into the warehouse."""

from __future__ import annotations

import os
from datetime import datetime

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from orchestration import alert_store as s
from orchestration.settings import PROJECT_ROOT


def test_resolving_needs_a_root_cause_from_the_experience_model(tmp_path):
    store = tmp_path / "a.sqlite"
    with pytest.raises(ValueError, match="root cause"):
        s.record_action("detractor|R1", "resolved", "am.east0", path=store)
    with pytest.raises(ValueError, match="root cause must be one of"):
        s.record_action("detractor|R1", "resolved", "am.east0", "weather", path=store)
    with pytest.raises(ValueError, match="action must be one of"):
        s.record_action("detractor|R1", "deleted", "am.east0", path=store)
    assert s.read_store(store).empty


def test_the_build_copies_the_store_into_closed_loop_and_keeps_hand_inserted_rows(tmp_path):
    store = tmp_path / "a.sqlite"
    t0 = datetime(2026, 3, 1, 9, 0)
    s.record_action("detractor|R1", "acknowledged", "am.east0", acted_at=t0, path=store)
    s.record_action(
        "detractor|R1",
        "resolved",
        "am.east0",
        "fulfillment",
        "credit note",
        acted_at=t0.replace(hour=10),
        path=store,
    )
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("create schema closed_loop")
    con.execute(  # as the dbt on-run-start macro creates it, with a hand-inserted action
        "create table closed_loop.alert_actions (alert_id varchar, action varchar,"
        " acted_at timestamp, acted_by varchar, note varchar)"
    )
    con.execute(
        "insert into closed_loop.alert_actions values"
        " ('complaint|O9', 'resolved', '2026-03-02 08:00', 'AM-N000', 'by hand')"
    )
    assert s.ingest_actions(con, store) == 2
    assert s.ingest_actions(con, store) == 2  # a second build does not duplicate
    rows = con.execute(
        "select alert_id, action, acted_at, root_cause, note from closed_loop.alert_actions"
        " order by acted_at"
    ).fetchall()
    assert rows == [
        ("detractor|R1", "acknowledged", t0, None, "store:"),
        ("detractor|R1", "resolved", t0.replace(hour=10), "fulfillment", "store:credit note"),
        ("complaint|O9", "resolved", datetime(2026, 3, 2, 8), None, "by hand"),
    ]


@pytest.fixture
def small_snapshot_path(request):
    """CX_TEST_SNAPSHOT when set, else the snapshot the session's small build published."""
    if os.environ.get("CX_TEST_SNAPSHOT"):
        return os.environ["CX_TEST_SNAPSHOT"]
    return request.getfixturevalue("small_warehouse")["env"]["CX_PUBLISHED_PATH"]


@pytest.mark.e2e
def test_an_account_manager_resolves_an_alert_from_the_customer_page(
    tmp_path, monkeypatch, small_snapshot_path
):
    store = tmp_path / "actions.sqlite"
    monkeypatch.setenv("CX_ALERT_STORE", str(store))
    monkeypatch.setenv("CX_PUBLISHED_PATH", str(small_snapshot_path))
    app = AppTest.from_file(str(PROJECT_ROOT / "dashboard" / "app.py"), default_timeout=120)
    app.session_state["viewer"] = "am.east0"
    app.run()
    form_boxes = [b for b in app.selectbox if b.label in ("Alert", "Action", "Root cause")]
    if not form_boxes:
        pytest.skip("the first customer of am.east0 has no open alert in this snapshot")
    alert = form_boxes[0].value
    form_boxes[1].set_value("resolved")
    form_boxes[2].set_value("trust")
    [b for b in app.button if b.label == "Record"][0].click()
    app.run()
    assert not app.exception
    got = s.read_store(store)
    assert list(
        got[["alert_id", "action", "acted_by", "root_cause"]].itertuples(index=False, name=None)
    ) == [(alert, "resolved", "am.east0", "trust")]
