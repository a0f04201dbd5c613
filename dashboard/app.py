"""Role dashboards on the published snapshot: `make dashboard` (http://localhost:8501).

Sign-in first (users, roles and scopes: dashboard/access.yml); each role opens only its
views (one module per view: dashboard/views/), a region head only their regions, an account
manager only their customers. Reads only the published snapshot (setting
paths.published_path), read-only, one short connection per render: a pipeline
run never blocks it, and a new snapshot shows on the next render. All SQL is in
dashboard/queries.py with bound parameters; data people typed is rendered as text only
(dashboard/safe.py) and exported with formulas neutralised.

URL parameters: ?view=<view>&lang=en|zh, and optionally region=, business_unit=, segment=
to preselect a filter (ignored when outside the viewer's scope).
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import duckdb
import streamlit as st

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run dashboard/app.py` puts only dashboard/ on the path
    sys.path.insert(0, str(ROOT))

from cx_settings import load_settings  # noqa: E402
from dashboard import access, snapshot_cache  # noqa: E402
from dashboard import queries as q  # noqa: E402
from dashboard.i18n import t, value  # noqa: E402
from dashboard.page import Page  # noqa: E402
from dashboard.views import RENDER, VIEWS  # noqa: E402


def snapshot_path() -> Path:
    return load_settings().paths.published_path


def _param(name: str, allowed: tuple[str, ...] | list[str], default: str) -> str:
    value_ = st.query_params.get(name, default)
    return value_ if value_ in allowed else default


def _sign_in(lang: str) -> access.Viewer | None:
    users = access.load()
    name = st.session_state.get("viewer")
    if name in users.users:
        return users.viewer(name)
    st.title(t("title", lang))
    with st.form("sign_in"):
        username = st.text_input(t("username", lang), key="sign_in_user")
        password = st.text_input(t("password", lang), type="password", key="sign_in_password")
        submitted = st.form_submit_button(t("sign_in", lang))
    if submitted:
        viewer = users.sign_in(username.strip(), password)
        if viewer is None:
            st.error(t("sign_in_failed", lang))
        else:
            st.session_state["viewer"] = viewer.username
            st.rerun()
    return None


def _sign_out() -> None:
    for key in list(st.session_state.keys()):
        if key != "lang":
            del st.session_state[key]


def _select(label: str, options: list, key: str, lang: str, format_func) -> str:
    """A sidebar selectbox preselected by ?key= once (a drill-down sets its session state)."""
    if st.session_state.get(key) not in options:
        st.session_state.pop(key, None)
        wanted = st.query_params.get(key)
        if wanted in options:
            st.session_state[key] = wanted
    return st.sidebar.selectbox(t(label, lang), options, format_func=format_func, key=key)


def main() -> None:
    st.set_page_config(page_title="CX dashboards", layout="wide")
    lang = st.sidebar.radio(
        t("language"),
        ["en", "zh"],
        format_func=lambda v: "English" if v == "en" else "中文",
        index=0 if _param("lang", ("en", "zh"), "en") == "en" else 1,
        horizontal=True,
        key="lang",
    )
    st.query_params["lang"] = lang
    viewer = _sign_in(lang)
    if viewer is None:
        return
    st.sidebar.caption(t("signed_in_as", lang, name=viewer.display_name, role=t(viewer.role, lang)))
    st.sidebar.button(t("sign_out", lang), on_click=_sign_out, key="sign_out")

    views = [v for v in viewer.views if v in VIEWS]  # in the order configured
    if st.session_state.get("view") not in views:
        st.session_state["view"] = _param("view", views, views[0])
    view = st.sidebar.radio(t("view", lang), views, format_func=lambda v: t(v, lang), key="view")
    st.query_params["view"] = view
    st.title(f"{t('title', lang)} · {t(view, lang)}")

    path = snapshot_path()
    if not path.exists():
        st.error(t("no_snapshot", lang, path=path))
        return
    con = duckdb.connect(str(path), read_only=True)
    try:
        meta = q.manifest(con)
        st.sidebar.caption(
            f"{t('snapshot', lang)}: {t('published_at', lang)} "
            f"{str(meta.get('published_at', '?'))[:16].replace('T', ' ')}"
            f" · {t('run', lang)} {str(meta.get('run_id', '?'))[:8]}"
        )
        opts = q.filter_options(con)
        st.sidebar.header(t("filters", lang))
        months = opts["months"]
        if months:
            start, end = st.sidebar.select_slider(
                t("period", lang),
                options=months,
                value=q.default_period(months, opts["last_complete_month"]),
                format_func=lambda d: d.strftime("%Y-%m"),
                key="period",
            )
        else:
            start = end = datetime.now().date()

        def label(v: str) -> str:
            return t("all", lang) if v == q.ALL else str(value(v, lang))

        regions = viewer.allowed_regions(opts["regions"])
        if viewer.regions is not None:
            if not regions:
                st.warning(t("no_scope", lang))
                return
            st.sidebar.caption(
                t("scope_regions", lang, regions=", ".join(str(value(r, lang)) for r in regions))
            )
            region = _select("region", regions, "region", lang, label)
        else:
            region = _select("region", [q.ALL, *regions], "region", lang, label)
        bu = _select(
            "business_unit", [q.ALL, *opts["business_units"]], "business_unit", lang, label
        )
        segment = _select("segment", [q.ALL, *opts["segments"]], "segment", lang, label)
        filters = q.Filters(start, end, region, bu, segment)
        page = Page(con, lang, filters, viewer, opts.get("as_of"), regions=regions)
        # Results are cached by the snapshot they come from: a new publish is a new id.
        snapshot_id = (
            f"{path}|{meta['run_id']}|{meta['published_at']}" if meta.get("run_id") else None
        )
        with snapshot_cache.reading(snapshot_id):
            RENDER[view](page)
    finally:
        con.close()


main()
