"""One render of one view: the viewer, the language, the filters and the connection.

Every view module (dashboard/views/*.py) has `render(page: Page) -> None` and writes
through the page's helpers, which keep data that people typed inert:

- `page.heading(text)` / `page.text(text)`: user-supplied strings shown as text, never
  Markdown (no link, image or heading can come out of a customer or contact name);
- `page.table(df, name)`: a readable table (labelled columns, percentages, dates without
  time, translated categories) with CSV and Excel export, formulas neutralised;
- `page.chart(fig)`: a Plotly figure; build it from `safe.chart_frame(df)` so every label
  is HTML-escaped;
- `page.con`: a read-only connection to the published snapshot (bound parameters only);
- `page.lang` ("en" / "zh"), `page.viewer` (role and scope), `page.user` (the user name).
"""

from __future__ import annotations

import duckdb
import pandas as pd
import streamlit as st

from dashboard import fmt, safe
from dashboard import queries as q
from dashboard.access import Viewer
from dashboard.i18n import column_label, t, value

# Up to this many rows a table's CSV is made with the page (a few ms; see Page.table).
EAGER_CSV_ROWS = 5_000


class Page:
    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        lang: str,
        filters: q.Filters,
        viewer: Viewer,
        as_of: object = None,
        regions: list[str] | None = None,
    ):
        self.con, self.lang, self.f, self.viewer, self.as_of = con, lang, filters, viewer, as_of
        self.regions = regions or []

    @property
    def user(self) -> str:
        """The signed-in user name (e.g. the reviewer on the data steward's page)."""
        return self.viewer.username

    # ------------------------------------------------------------------ text
    def t(self, key: str, **kw) -> str:
        return t(key, self.lang, **kw)

    def v(self, data_value):
        return value(data_value, self.lang)

    def col(self, name: str) -> str:
        """A mart column's label, as tables head it."""
        return column_label(name, self.lang)

    def heading(self, text: object) -> None:
        """A heading from data: HTML-escaped text in an <h3>, never Markdown (Markdown
        would autolink a bare URL even with its punctuation escaped)."""
        st.html(f"<h3 style='margin:0.5rem 0'>{safe.html_text(text)}</h3>")

    def text(self, text: object) -> None:
        st.html(f"<p style='opacity:0.7'>{safe.html_text(text)}</p>")

    def unavailable(self, exc: q.NotAvailable) -> None:
        st.info(self.t("not_available", tables=", ".join(exc.missing)))

    def not_applied(self, *names: str) -> None:
        st.caption(self.t("filters_not_applied", names=", ".join(self.t(n) for n in names)))

    # ------------------------------------------------------------------ tables, charts
    def present(self, df: pd.DataFrame) -> pd.DataFrame:
        return fmt.present(df, self.lang, column_label)

    def table(self, df: pd.DataFrame, name: str) -> None:
        """A readable table with its CSV and Excel export (formulas neutralised).

        The workbook, and the CSV of a large table, are made only when asked for
        (Streamlit's deferred download). A small table's CSV goes with the page: the
        table itself already does, and a deferred download clicked while the page is
        rerunning (a filter just changed) can hold a file id that the rerun has
        revoked, and its button then spins without a file (seen in the browser test).
        """
        shown = self.present(df)
        st.dataframe(shown, hide_index=True, width="stretch")
        if shown.empty:
            return
        c = st.columns([1, 1, 6])
        c[0].download_button(
            self.t("export_csv"),
            data=safe.to_csv(shown) if len(shown) <= EAGER_CSV_ROWS else lambda: safe.to_csv(shown),
            file_name=f"{name}.csv",
            mime="text/csv",
            key=f"csv_{name}",
        )
        c[1].download_button(
            self.t("export_excel"),
            data=lambda: safe.to_excel(shown),
            file_name=f"{name}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            key=f"xlsx_{name}",
        )

    def chart(self, fig, container=None) -> None:
        (container or st).plotly_chart(fig, width="stretch")
