"""The closed loop in headless Chromium: the CX team resolves an open alert from the alert
queue and an account manager one of their customer's alerts from the customer page; the
next build carries both actions into fct_alerts, and the pages show them resolved.

Builds its own world twice (the actions must go through a build): slow tier."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from dashboard import queries as q
from orchestration.alert_store import read_store
from tests.dashboard.test_browser_e2e import (  # noqa: F401
    ARTIFACTS,
    _run_finished,
    _sign_in,
    _start,
    _stop,
    browser,
)
from tests.pipeline import build_instance, generate, run_build, warehouse_env

pytestmark = [pytest.mark.slow, pytest.mark.e2e]


def _open_count(page) -> int:
    metric = page.locator('[data-testid="stMetric"]', has_text="Open alerts")
    metric.first.wait_for(timeout=60_000)
    value = metric.first.locator('[data-testid="stMetricValue"]').inner_text()
    return int(value.replace(",", ""))


def _choose(page, scope, label: str, option: str, exact: bool = True) -> None:
    """Streamlit's select box is a combo box: typing filters its options."""
    box = scope.get_by_role("combobox", name=label)
    box.click()
    box.fill(option)
    page.get_by_role("option", name=option, exact=exact).first.click()


def _act(page, action: str, cause: str) -> None:
    form = page.locator('[data-testid="stForm"]', has_text="Act on an alert")
    form.wait_for(timeout=60_000)
    _choose(page, form, "Action", action)
    _choose(page, form, "Root cause", cause)
    form.locator('[data-testid="stFormSubmitButton"] button').click()
    page.get_by_text("Recorded").first.wait_for(timeout=60_000)


def _open_customer(page, key: str, name: str) -> None:
    """Pick a customer on the customer page and wait until the page shows it."""
    _choose(page, page, "Customer", key, exact=False)
    page.locator("h3", has_text=name).first.wait_for(timeout=60_000)
    _run_finished(page)  # the rest of the rerun: metrics, tables, the form


def _am_alert(snapshot: str, other: str) -> tuple[str, str, str, date]:
    """An open alert of one of am.east0's (AM-E000's) customers, not `other`."""
    with duckdb.connect(snapshot, read_only=True) as con:
        return con.execute(
            """
            select a.customer_key, c.customer_name, a.alert_id, cast(a.raised_at as date)
            from marts.fct_alerts a
            join marts.dim_customer c using (customer_key)
            where a.alert_status = 'open' and a.alert_id <> ?
              and list_contains(string_split(replace(coalesce(c.account_manager_ids, ''),
                                                     ' ', ''), ','), 'AM-E000')
            order by a.sla_due_at, a.alert_id
            limit 1
            """,
            [other],
        ).fetchone()


def _in_default_period(snapshot: str, day: date) -> bool:
    with duckdb.connect(snapshot, read_only=True) as con:
        opts = q.filter_options(con)
    start, end = q.default_period(opts["months"], opts["last_complete_month"])
    return start <= day <= _last_day(end)


def _last_day(month: date) -> date:
    nxt = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return date.fromordinal(nxt.toordinal() - 1)


def test_alerts_resolved_in_the_browser_are_resolved_after_the_next_build(
    browser,  # noqa: F811
    tmp_path,
    monkeypatch,
):
    data = tmp_path / "data"
    generate(data)
    with warehouse_env(data) as env, build_instance() as instance:
        assert run_build(instance).success
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        snapshot = env["CX_PUBLISHED_PATH"]
        proc, url = _start(data / "published" / "cx_published.duckdb")
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 3000})
            # The CX team: the first alert of the queue.
            _sign_in(page, f"{url}/?view=cx_team&lang=en", "cx")
            queue_before = _open_count(page)
            _act(page, "resolved", "trust")
            page.screenshot(path=str(ARTIFACTS / "closed_loop_recorded.png"), full_page=True)
            cx_alert = read_store().iloc[-1]
            assert [cx_alert.action, cx_alert.acted_by, cx_alert.root_cause] == [
                "resolved",
                "cx",
                "trust",
            ]

            # An account manager: an open alert of one of their customers.
            customer, name, am_alert, raised = _am_alert(snapshot, cx_alert.alert_id)
            am = browser.new_page(viewport={"width": 1400, "height": 3000})
            _sign_in(am, f"{url}/?view=account_manager&lang=en", "am.east0")
            _open_customer(am, customer, name)
            am_before = _open_count(am)
            _choose(am, am.locator('[data-testid="stForm"]'), "Alert", am_alert)
            _act(am, "resolved", "fulfillment")
            am_row = read_store().iloc[-1]
            assert [am_row.alert_id, am_row.acted_by, am_row.root_cause] == [
                am_alert,
                "am.east0",
                "fulfillment",
            ]

            assert run_build(instance).success  # carries both actions into fct_alerts
            _sign_in(page, f"{url}/?view=cx_team&lang=en", "cx")  # a new session
            queue_after = _open_count(page)
            page.screenshot(path=str(ARTIFACTS / "closed_loop_after_build.png"), full_page=True)
            _sign_in(am, f"{url}/?view=account_manager&lang=en", "am.east0")
            _open_customer(am, customer, name)
            am_after = _open_count(am)
        finally:
            _stop(proc)
    with duckdb.connect(env["CX_DUCKDB_PATH"], read_only=True) as con:
        resolved = dict(
            con.execute(
                "select a.alert_id, x.root_cause from marts.fct_alerts a"
                " join closed_loop.alert_actions x using (alert_id)"
                " where a.alert_status = 'resolved' and x.action = 'resolved'"
                " and a.alert_id in (?, ?)",
                [cx_alert.alert_id, am_alert],
            ).fetchall()
        )
    assert resolved == {cx_alert.alert_id: "trust", am_alert: "fulfillment"}
    assert am_after == am_before - 1
    assert queue_after == queue_before - 1 - _in_default_period(snapshot, raised)
