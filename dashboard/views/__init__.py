"""One module per view, each with `render(page: dashboard.page.Page) -> None`.

`RENDER` maps a view name to its render function; which views a viewer may open is
configuration (dashboard/access.yml, roles -> views). The data steward's identity review
(`dashboard/views/data_steward.py`) is written alongside the identity work; until it is in
the tree its role sees a placeholder.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

import streamlit as st

from dashboard.views import account_manager, cx_team, executive, region_head

VIEWS = ("executive", "region_head", "account_manager", "cx_team", "data_steward")


def _data_steward_placeholder(page) -> None:
    st.info(page.t("data_steward_placeholder"))


def _data_steward() -> Callable:
    try:
        module = importlib.import_module("dashboard.views.data_steward")
    except ModuleNotFoundError as exc:
        if exc.name != "dashboard.views.data_steward":
            raise
        return _data_steward_placeholder
    return module.render


RENDER: dict[str, Callable] = {
    "executive": executive.render,
    "region_head": region_head.render,
    "account_manager": account_manager.render,
    "cx_team": cx_team.render,
    "data_steward": _data_steward(),
}
