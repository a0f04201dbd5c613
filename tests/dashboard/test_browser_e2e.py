"""Each dashboard view in headless Chromium, on a snapshot published from the small demo data.

Needs Debian's chromium (`make test` installs it when missing and running as root;
never a Playwright browser download) and the playwright package; skipped with the
reason otherwise. The figures on the page are compared with the marts queried
here directly; screenshots go to tests/artifacts/dashboard/.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import duckdb
import pytest

from dashboard import fmt
from orchestration.settings import PROJECT_ROOT

pytestmark = pytest.mark.e2e

ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts" / "dashboard"
CHROMIUM = next(
    (p for p in (shutil.which("chromium"), shutil.which("chromium-browser")) if p), None
)
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def snapshot(request, tmp_path_factory) -> Path:
    """The snapshot the session build published (or, if that run did not publish, one
    published from its warehouse with the same publisher: tests/conftest.py
    small_snapshot), copied for this module. CX_TEST_SNAPSHOT=<file> uses an existing
    snapshot instead (iterating on the views)."""
    out = tmp_path_factory.mktemp("dashboard") / "cx_published.duckdb"
    source = os.environ.get("CX_TEST_SNAPSHOT") or request.getfixturevalue("small_snapshot")
    shutil.copy(source, out)
    return out


def _start(snapshot: Path):
    port = _free_port()
    env = {**os.environ, "CX_PUBLISHED_PATH": str(snapshot)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(PROJECT_ROOT / "dashboard" / "app.py"),
            "--server.headless=true",
            f"--server.port={port}",
            "--server.address=127.0.0.1",
            "--browser.gatherUsageStats=false",
            "--server.fileWatcherType=none",
            "--client.disableDataExport=true",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.read().strip() == b"ok":
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            out = proc.stdout.read().decode() if proc.poll() is not None else ""
            proc.kill()
            pytest.fail(f"streamlit did not start: {out[-2000:]}")
        time.sleep(0.5)
    return proc, url


def _stop(proc) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def server(snapshot):
    proc, url = _start(snapshot)
    yield url
    _stop(proc)


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("no chromium on PATH (make test installs Debian's chromium as root)")
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright not installed")
    with playwright.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield b
        b.close()


PASSWORD = "demo"  # the demo users of dashboard/access.yml


def _sign_in(page, url: str, user: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector('input[type="password"]', timeout=60_000)
    page.locator('input[type="text"]').first.fill(user)
    page.locator('input[type="password"]').fill(PASSWORD)
    page.locator('[data-testid="stFormSubmitButton"] button').click()


def _run_finished(page, settle_ms: int = 300) -> None:
    """Wait until the page's script run has finished (Streamlit marks its root with
    data-test-script-state), then `settle_ms` for charts to draw. Call it after
    waiting for something the run shows: before the run starts the state is
    notRunning too."""
    page.wait_for_selector(
        '[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=90_000
    )
    page.wait_for_timeout(settle_ms)


def _metrics(browser, url: str, name: str, labels: list[str], user: str = "ceo") -> dict[str, str]:
    """Sign in, open a view, wait until every expected metric is rendered, screenshot,
    return them."""
    page = browser.new_page(viewport={"width": 1400, "height": 4200})
    try:
        _sign_in(page, url, user)
        page.wait_for_selector('[data-testid="stMetric"]', timeout=60_000)
        page.wait_for_function(
            """labels => {
                const seen = Array.from(document.querySelectorAll('[data-testid="stMetricLabel"]'))
                    .map(e => e.innerText.trim());
                return labels.every(l => seen.includes(l));
            }""",
            arg=labels,
            timeout=60_000,
        )
        _run_finished(page)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        pairs = page.eval_on_selector_all(
            '[data-testid="stMetric"]',
            """ms => ms.map(m => [
                m.querySelector('[data-testid="stMetricLabel"]').innerText.trim(),
                m.querySelector('[data-testid="stMetricValue"]').innerText.trim()])""",
        )
        return dict(pairs)
    finally:
        page.close()


def _one(con, sql: str, params: list | None = None):
    return con.execute(sql, params or []).fetchone()[0]


@pytest.fixture(scope="module")
def marts(snapshot):
    con = duckdb.connect(str(snapshot), read_only=True)
    yield con
    con.close()


def _tables(con) -> set[str]:
    rows = con.execute(
        "select table_schema || '.' || table_name from information_schema.tables"
    ).fetchall()
    return {r[0] for r in rows}


def _period(con) -> tuple:
    """The dashboard's default period: twelve months ending at the last complete month
    (later months are provisional), over the months of the fulfillment and survey marts."""
    months = [
        r[0]
        for r in con.execute(
            "select distinct m from ("
            " select period_month_start as m from marts.fct_fulfillment_nps_region_months"
            " union all select submitted_month from marts.fct_survey_responses)"
            " where m is not null order by m"
        ).fetchall()
    ]
    last_complete = con.execute(
        "select max(period_month_start) from marts.fct_fulfillment_nps_region_months"
        " where not is_provisional"
    ).fetchone()[0]
    end = last_complete if last_complete in months else months[-1]
    i = months.index(end)
    return months[max(0, i - 11)], end


def test_the_default_period_ends_before_the_provisional_months(marts):
    d0, d1 = _period(marts)
    provisional = marts.execute(
        "select min(period_month_start) from marts.fct_fulfillment_nps_region_months"
        " where is_provisional"
    ).fetchone()[0]
    assert provisional is not None and d1 < provisional
    assert (d1.year - d0.year) * 12 + d1.month - d0.month == 11


def test_executive_view(browser, server, marts):
    d0, d1 = _period(marts)
    nps = marts.execute(
        "select revenue_weighted_nps, n_voices, revenue_coverage"
        " from marts.fct_account_nps_quarters"
        " where segment = 'all' and quarter_start between ? and ?"
        " order by quarter_start desc limit 1",
        [d0, d1],
    ).fetchone()
    # Verified rates are over verifiable orders: avg() skips the unverified (NULL).
    orders = marts.execute(
        "select count(*), avg(is_on_time_verified::int), avg(is_otif_verified::int),"
        " avg(is_verified::int)"
        " from marts.fct_orders where is_due and due_month between ? and ?",
        [d0, d1],
    ).fetchone()
    reported = _one(
        marts,
        "select sum(reported_orders_on_time) / sum(reported_orders_due)"
        " from marts.fct_fulfillment_nps_region_months where business_unit <> 'all'"
        " and region <> 'all' and period_month_start between ? and ?",
        [d0, d1],
    )
    expected = {
        "Revenue-weighted NPS": fmt.nps(nps[0]),
        "n (answers)": fmt.count(nps[1]),
        "Revenue coverage": fmt.pct(nps[2]),
        "Orders due": fmt.count(orders[0]),
        "Verified on-time": fmt.pct(orders[1]),
        "Verified OTIF": fmt.pct(orders[2]),
        "Verification coverage": fmt.pct(orders[3]),
        "Reported on-time": fmt.pct(reported),
        "High churn-risk customers": fmt.count(
            _one(
                marts,
                "select count(*) from marts.fct_customer_health where churn_risk_tier = 'high'",
            )
        ),
        "Top driver": _one(
            marts,
            "select attribute from marts.fct_driver_importance where scope_type = 'all'"
            " and lens = 'forces_feelings' and importance_rank = 1",
        ),
    }
    have = _tables(marts)
    if "marts.fct_loyalty_value" in have:
        multiple = _one(
            marts,
            "select lifetime_value_vs_detractor from marts.fct_loyalty_value"
            " where nps_category = 'promoter'",
        )
        expected["Loyalty multiple (lifetime value)"] = f"{multiple:.2f}×"
    if "marts.fct_integrity_region_months" in have:
        expected["Beautified region-months"] = fmt.count(
            _one(
                marts,
                "select count(*) from marts.fct_integrity_region_months"
                " where verdict = 'beautified' and period_month_start between ? and ?",
                [d0, d1],
            )
        )
    if "marts.fct_public_opinion_daily" in have:
        expected["Mentions"] = fmt.count(
            _one(
                marts,
                "select sum(n_mentions) from marts.fct_public_opinion_daily"
                " where published_date between ? and last_day(?)",
                [d0, d1],
            )
        )
    shown = _metrics(browser, f"{server}/?view=executive&lang=en", "executive_en", list(expected))
    assert {k: shown[k] for k in expected} == expected

    # the same figure under Chinese labels
    zh = _metrics(browser, f"{server}/?view=executive&lang=zh", "executive_zh", ["收入加权 NPS"])
    assert zh["收入加权 NPS"] == expected["Revenue-weighted NPS"]


def test_region_head_view(browser, server, marts):
    d0, d1 = _period(marts)
    # head.east may see East only: a link asking for North still shows East
    region = "East"
    otif = _one(
        marts,
        "select avg(is_otif_verified::int) from marts.fct_orders where is_due and region = ?"
        " and due_month between ? and ?",
        [region, d0, d1],
    )
    # The scene NPS tiles show metric scene_nps by the surveyed order's outcome: delivery
    # answers submitted in the period, by the order's region (not the order's due month).
    late, on_time = marts.execute(
        "select avg(nps_points) filter (where order_outcome = 'late'),"
        " avg(nps_points) filter (where order_outcome = 'on_time')"
        " from marts.fct_survey_responses"
        " where survey_type = 'delivery' and not is_gaming_suspect and has_nps = 1"
        " and order_region = ? and cast(submitted_at as date) between ? and last_day(?)",
        [region, d0, d1],
    ).fetchone()
    expected = {
        "Verified OTIF": fmt.pct(otif),
        "Scene NPS late": fmt.nps(late),
        "Scene NPS on-time": fmt.nps(on_time),
    }
    if "marts.fct_integrity_order_signals" in _tables(marts):
        expected["Flagged orders"] = fmt.count(
            _one(
                marts,
                "select count(distinct chain_order_id) from"
                " marts.fct_integrity_order_signals where region = ?"
                " and period_month_start between ? and ?",
                [region, d0, d1],
            )
        )
    shown = _metrics(
        browser,
        f"{server}/?view=region_head&lang=en&region=North",
        "region_head_en",
        list(expected),
        user="head.east",
    )
    assert {k: shown[k] for k in expected} == expected


def test_account_manager_view(browser, server, marts):
    manager = "AM-E000"  # am.east0 in dashboard/access.yml
    customer = marts.execute(
        "select customer_key from marts.dim_customer"
        " where list_contains(string_split(replace(account_manager_ids, ' ', ''), ','), ?)"
        " order by customer_name, customer_key limit 1",
        [manager],
    ).fetchone()[0]
    d0, d1 = _period(marts)
    expected = {
        "Orders due": fmt.count(
            _one(
                marts,
                "select count(*) from marts.fct_orders where customer_key = ? and is_due"
                " and due_month between ? and ?",
                [customer, d0, d1],
            )
        ),
        "Open alerts": fmt.count(
            _one(
                marts,
                "select count(*) from marts.fct_alerts where customer_key = ?"
                " and alert_status = 'open'",
                [customer],
            )
        ),
        "Health score": fmt.score(
            _one(
                marts,
                "select health_score from marts.fct_customer_health where customer_key = ?",
                [customer],
            )
        ),
    }
    shown = _metrics(
        browser,
        f"{server}/?view=account_manager&lang=en",
        "account_manager_en",
        list(expected),
        user="am.east0",
    )
    assert {k: shown[k] for k in expected} == expected


def test_cx_team_view(browser, server, marts):
    d0, d1 = _period(marts)
    total, breached = marts.execute(
        "select count(*), count(*) filter (where is_sla_breached) from marts.fct_alerts"
        " where cast(raised_at as date) between ? and last_day(?)",
        [d0, d1],
    ).fetchone()
    expected = {"Alerts raised": fmt.count(total), "SLA breached": fmt.count(breached)}
    shown = _metrics(
        browser, f"{server}/?view=cx_team&lang=en", "cx_team_en", list(expected), user="cx"
    )
    assert {k: shown[k] for k in expected} == expected


# --------------------------------------------------------------------------- roles and scope


def _signed_in(browser, url: str, user: str, wait: str = '[data-testid="stMetric"]'):
    page = browser.new_page(viewport={"width": 1400, "height": 3000})
    _sign_in(page, url, user)
    page.wait_for_selector(wait, timeout=60_000)
    _run_finished(page)
    return page


def _views_offered(page) -> list[str]:
    groups = page.locator('[data-testid="stSidebar"] [role="radiogroup"]')
    return [t.strip() for t in groups.nth(1).locator("label").all_inner_texts()]


def _options(page, selectbox) -> list[str]:
    selectbox.click()
    page.wait_for_selector('[role="option"]', timeout=10_000)
    texts = [t.strip() for t in page.locator('[role="option"]').all_inner_texts()]
    page.keyboard.press("Escape")
    return texts


ROLE_VIEWS = {
    "ceo": ["Executive", "Region head", "Account manager"],
    "head.east": ["Region head", "Account manager"],
    "am.east0": ["Account manager"],
    "cx": ["CX team", "Account manager"],
    "steward": ["Data steward"],
}


@pytest.mark.parametrize("user", list(ROLE_VIEWS))
def test_each_role_signs_in_and_is_offered_only_its_views(browser, server, user):
    # the steward's review page has no metric tiles: its title says it has rendered
    wait = 'h1:has-text("Data steward")' if user == "steward" else '[data-testid="stMetric"]'
    page = _signed_in(browser, f"{server}/?view=executive&lang=en", user, wait)
    try:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"role_{user}.png"), full_page=True)
        assert _views_offered(page) == ROLE_VIEWS[user]
    finally:
        page.close()


def test_a_wrong_password_signs_nobody_in(browser, server):
    page = browser.new_page()
    try:
        page.goto(server, wait_until="domcontentloaded")
        page.wait_for_selector('input[type="password"]', timeout=60_000)
        page.locator('input[type="text"]').first.fill("ceo")
        page.locator('input[type="password"]').fill("not the password")
        page.locator('[data-testid="stFormSubmitButton"] button').click()
        page.wait_for_selector('[data-testid="stAlert"]', timeout=30_000)
        assert page.locator('[data-testid="stMetric"]').count() == 0
        assert "Unknown user or wrong password" in page.inner_text("body")
    finally:
        page.close()


def test_a_region_head_is_offered_only_their_regions(browser, server):
    page = _signed_in(browser, f"{server}/?view=region_head&lang=en&region=North", "head.east")
    try:
        region_box = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first
        assert _options(page, region_box) == ["East"]
    finally:
        page.close()


def _customer_keys(marts, manager: str) -> set[str]:
    rows = marts.execute(
        "select customer_key from marts.dim_customer"
        " where list_contains(string_split(replace(account_manager_ids, ' ', ''), ','), ?)",
        [manager],
    ).fetchall()
    return {r[0] for r in rows}


def _contacts_csv(page) -> str:
    """The contacts table's CSV export. A click that lands while the page is still
    rerunning (a select box just closed) starts no download: click once more."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    button = page.locator(".st-key-csv_contacts button")
    for attempt in range(2):
        # Streamlit disables widgets until the page's script run has finished.
        try:
            page.wait_for_selector(".st-key-csv_contacts button:not([disabled])", timeout=90_000)
        except PlaywrightTimeout:
            # Seen once in a loaded full run (2026-12-07), not reproduced alone: keep
            # what the page showed for the next person to look.
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "failure_contacts_csv.png"), full_page=True)
            raise
        try:
            with page.expect_download(timeout=20_000) as download:
                button.click()
            return Path(download.value.path()).read_text(encoding="utf-8-sig")
        except PlaywrightTimeout:
            if attempt:
                raise
            page.wait_for_timeout(2000)
    raise AssertionError("unreachable")


def test_an_account_manager_sees_only_their_customers_with_contacts_unmasked(
    browser, server, marts
):
    own = _customer_keys(marts, "AM-E000")
    page = _signed_in(browser, f"{server}/?view=account_manager&lang=en", "am.east0")
    try:
        box = page.locator('[data-testid="stMain"] [data-testid="stSelectbox"]').first
        offered = {o.rsplit("(", 1)[1].rstrip(")") for o in _options(page, box)}
        assert offered and offered <= own
        csv = _contacts_csv(page)
        assert "@" in csv and "•••" not in csv  # their own customer: e-mails in full
    finally:
        page.close()


def test_the_cx_team_sees_contacts_masked(browser, server):
    page = _signed_in(browser, f"{server}/?view=account_manager&lang=en", "cx")
    try:
        csv = _contacts_csv(page)
        assert "•••" in csv
    finally:
        page.close()


# --------------------------------------------------------------------------- hostile data

EVIL = "evil.test"
HOSTILE_CUSTOMER = (
    '=HYPERLINK("http://evil.test/x") # Heading ![pixel](http://evil.test/p.png) '
    '[login](http://evil.test/login) <img src="http://evil.test/i.png">'
)
HOSTILE_CONTACT = '<a href="http://evil.test/c">Bob</a>'


@pytest.fixture(scope="module")
def hostile_server(snapshot, tmp_path_factory):
    """The same snapshot with a customer and a contact of am.east0 renamed to hostile text."""
    path = tmp_path_factory.mktemp("hostile") / "cx_published.duckdb"
    shutil.copy(snapshot, path)
    con = duckdb.connect(str(path))
    key = con.execute(
        "select customer_key from marts.dim_customer"
        " where list_contains(string_split(replace(account_manager_ids, ' ', ''), ','),"
        " 'AM-E000') order by customer_name limit 1"
    ).fetchone()[0]
    con.execute(
        "update marts.dim_customer set customer_name = ? where customer_key = ?",
        [HOSTILE_CUSTOMER, key],
    )
    con.execute(
        "update marts.dim_contact set full_name = ?, job_title = ? where customer_key = ?",
        [HOSTILE_CONTACT, "@SUM(1+1)", key],
    )
    con.close()
    proc, url = _start(path)
    yield url
    _stop(proc)


def test_hostile_names_render_as_text_with_no_external_fetch_and_no_link(browser, hostile_server):
    page = browser.new_page(viewport={"width": 1400, "height": 3000})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    try:
        _sign_in(page, f"{hostile_server}/?view=account_manager&lang=en", "am.east0")
        page.wait_for_selector('[data-testid="stMetric"]', timeout=60_000)
        _run_finished(page)
        page.screenshot(path=str(ARTIFACTS / "hostile_account_manager.png"), full_page=True)
        assert not [u for u in requests if EVIL in u]
        assert not [u for u in requests if not u.startswith((hostile_server, "data:", "blob:"))]
        links = page.eval_on_selector_all(
            "a[href], img[src], image", "es => es.map(e => e.outerHTML)"
        )
        assert not [e for e in links if EVIL in e]
        # the name is shown as the text it is, heading marks and all
        assert "![pixel](http://evil.test/p.png)" in page.inner_text("h3")
        csv = _contacts_csv(page)
        assert "'@SUM(1+1)" in csv and "\n@SUM" not in csv and ",@SUM" not in csv
    finally:
        page.close()


@pytest.fixture(scope="module")
def everyone_hostile_server(snapshot, tmp_path_factory):
    """The snapshot with every customer and contact name, wherever a mart carries one,
    replaced by hostile text: whatever names a view shows, they are hostile."""
    path = tmp_path_factory.mktemp("hostile_all") / "cx_published.duckdb"
    shutil.copy(snapshot, path)
    con = duckdb.connect(str(path))
    columns = con.execute(
        "select table_name, column_name from information_schema.columns"
        " where table_schema = 'marts' and data_type = 'VARCHAR'"
        " and column_name in ('customer_name', 'full_name', 'contact_name')"
        " and table_name in (select table_name from information_schema.tables"
        "   where table_schema = 'marts' and table_type = 'BASE TABLE')"
    ).fetchall()
    for table, column in columns:
        value = HOSTILE_CONTACT if column != "customer_name" else HOSTILE_CUSTOMER
        con.execute(
            f'update marts."{table}" set "{column}" = ? || \' \' || cast(rowid as varchar)'
            f' where "{column}" is not null',
            [value],
        )
    con.close()
    assert columns
    proc, url = _start(path)
    yield url
    _stop(proc)


@pytest.mark.parametrize(
    ("view", "user"),
    [
        ("executive", "ceo"),
        ("region_head", "head.east"),
        ("cx_team", "cx"),
        ("data_steward", "steward"),
        ("account_manager", "am.north0"),
    ],
)
def test_every_view_renders_hostile_names_as_text_with_no_external_fetch(
    browser, everyone_hostile_server, view, user
):
    page = browser.new_page(viewport={"width": 1400, "height": 3000})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    try:
        _sign_in(page, f"{everyone_hostile_server}/?view={view}&lang=en", user)
        page.wait_for_selector('input[type="password"]', state="detached", timeout=60_000)
        page.wait_for_selector("h1, h2, h3", timeout=60_000)
        _run_finished(page, settle_ms=1000)  # tables and charts render after the run
        page.screenshot(path=str(ARTIFACTS / f"hostile_{view}.png"), full_page=True)
        assert not [u for u in requests if EVIL in u]
        assert not [
            u for u in requests if not u.startswith((everyone_hostile_server, "data:", "blob:"))
        ]
        elements = page.eval_on_selector_all(
            "a[href], img[src], image, iframe[src]", "es => es.map(e => e.outerHTML)"
        )
        assert not [e for e in elements if EVIL in e]
        # The account manager's page writes its customer's name as page text; the
        # other views show names inside data grids (drawn on a canvas, not in the DOM).
        if view == "account_manager":
            assert EVIL in page.inner_text("body")
    finally:
        page.close()
