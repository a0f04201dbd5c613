"""Every view in Chinese in headless Chromium: headings, table headers and categories
translated, with a full-page screenshot of each (tests/artifacts/dashboard/<view>_zh_full.png;
the English ones come from tests/dashboard/test_browser_e2e.py).

Slow tier: five more page loads on the browser worker would put `make test` over its
eight minutes; the fast tier keeps the executive view's Chinese check."""

from __future__ import annotations

import shutil

import pytest

from tests.dashboard.test_browser_e2e import (  # noqa: F401
    ARTIFACTS,
    _run_finished,
    _sign_in,
    _start,
    _stop,
    browser,
)

pytestmark = [pytest.mark.slow, pytest.mark.e2e]


@pytest.fixture(scope="module")
def server(small_warehouse, tmp_path_factory):
    snapshot = tmp_path_factory.mktemp("zh") / "cx_published.duckdb"
    shutil.copy(small_warehouse["env"]["CX_PUBLISHED_PATH"], snapshot)
    proc, url = _start(snapshot)
    yield url
    _stop(proc)


VIEW_USERS = {
    "executive": "ceo",
    "region_head": "head.east",
    "account_manager": "am.east0",
    "cx_team": "cx",
    "data_steward": "steward",
}


@pytest.mark.parametrize("view", list(VIEW_USERS))
def test_every_view_reads_in_chinese(browser, server, view):  # noqa: F811
    """Headings, table headers and categories in Chinese, with a full-page screenshot
    of each view (tests/artifacts/dashboard/<view>_zh_full.png; the English ones come
    from the tests above)."""
    from dashboard.i18n import COLUMNS, t

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 4200})
    try:
        _sign_in(page, f"{server}/?view={view}&lang=zh", VIEW_USERS[view])
        page.get_by_text(f"{t('title', 'zh')} · {t(view, 'zh')}").wait_for(timeout=60_000)
        _run_finished(page)  # the view's sections and charts
        page.screenshot(path=str(ARTIFACTS / f"{view}_zh_full.png"), full_page=True)
        headers = page.eval_on_selector_all(
            '[data-testid="stDataFrame"] [role="columnheader"]',
            "hs => hs.map(h => h.innerText.trim())",
        )
        english_only = {en for en, zh in COLUMNS.values() if en != zh}  # "NPS" is both
        assert not [h for h in headers if h in english_only], (view, headers)
        body = page.inner_text("[data-testid='stMain']")
        assert "Filters not applied" not in body and "Snapshot" not in body
    finally:
        page.close()
