"""The closed loop in headless Chromium: the CX team resolves an open alert from the alert
queue, the next build carries the action into fct_alerts, and the page shows it resolved.

Builds its own world twice (the action must go through a build): slow tier."""

from __future__ import annotations

import duckdb
import pytest

from orchestration.alert_store import read_store
from tests.dashboard.test_browser_e2e import ARTIFACTS, _sign_in, _start, _stop, browser  # noqa: F401
from tests.pipeline import generate, run_build, warehouse_env

pytestmark = [pytest.mark.slow, pytest.mark.e2e]


def _open_count(page) -> int:
    metric = page.locator('[data-testid="stMetric"]', has_text="Open alerts")
    metric.first.wait_for(timeout=60_000)
    value = metric.first.locator('[data-testid="stMetricValue"]').inner_text()
    return int(value.replace(",", ""))


def _choose(page, form, label: str, option: str) -> None:
    """Streamlit's select box is a combo box: typing filters its options."""
    box = form.get_by_role("combobox", name=label)
    box.click()
    box.fill(option)
    page.get_by_role("option", name=option, exact=True).click()
    assert box.input_value() == option


def test_an_alert_resolved_in_the_browser_is_resolved_after_the_next_build(
    browser,  # noqa: F811
    tmp_path,
    monkeypatch,
):
    import dagster as dg

    data = tmp_path / "data"
    generate(data)
    with warehouse_env(data) as env, dg.instance_for_test() as instance:
        assert run_build(instance).success
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        proc, url = _start(data / "published" / "cx_published.duckdb")
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 3000})
            _sign_in(page, f"{url}/?view=cx_team&lang=en", "cx")
            before = _open_count(page)
            form = page.locator('[data-testid="stForm"]', has_text="Act on an alert")
            form.wait_for(timeout=60_000)
            _choose(page, form, "Action", "resolved")
            _choose(page, form, "Root cause", "trust")
            form.locator('[data-testid="stFormSubmitButton"] button').click()
            page.get_by_text("Recorded").first.wait_for(timeout=60_000)
            page.screenshot(path=str(ARTIFACTS / "closed_loop_recorded.png"), full_page=True)

            stored = read_store()
            assert list(stored[["action", "acted_by", "root_cause"]].iloc[-1]) == [
                "resolved",
                "cx",
                "trust",
            ]
            alert_id = stored["alert_id"].iloc[-1]

            assert run_build(instance).success  # carries the action into fct_alerts
            _sign_in(page, f"{url}/?view=cx_team&lang=en", "cx")  # a new session
            after = _open_count(page)
            page.screenshot(path=str(ARTIFACTS / "closed_loop_after_build.png"), full_page=True)
        finally:
            _stop(proc)
    with duckdb.connect(env["CX_DUCKDB_PATH"], read_only=True) as con:
        status, root = con.execute(
            "select a.alert_status, x.root_cause from marts.fct_alerts a"
            " join closed_loop.alert_actions x using (alert_id)"
            " where a.alert_id = ? and x.action = 'resolved'",
            [alert_id],
        ).fetchone()
    assert (status, root) == ("resolved", "trust")
    assert after == before - 1
