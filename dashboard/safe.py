"""Rendering and exporting data that people typed (names, titles, comments) safely.

Pure: no Streamlit. Three rules:

- `html_text(s)`: a string headed for the page as text: HTML-escaped, one line. Data never
  goes into a Markdown element (st.subheader, st.caption, st.markdown): Markdown autolinks a
  bare URL even when every punctuation mark is escaped (`md_text`, for the rare label
  that must be Markdown, escapes all the rest).
- `chart_text(s)`: a string headed for a Plotly label (axis ticks, legends, hover, text
  marks), HTML-escaped, because Plotly renders a subset of HTML there (<a href>, <b>, ...).
- `neutralise(df)` / `to_csv` / `to_excel`: exported cells that start with `=`, `+`, `-`,
  `@` (or a tab / carriage return, which spreadsheets also strip) are prefixed with an
  apostrophe, so a spreadsheet shows them as text instead of running a formula.
  Numbers stay numbers: only text cells are touched.
"""

from __future__ import annotations

import html
import io
import string

import pandas as pd

_MD_SPECIAL = {c: "\\" + c for c in string.punctuation}
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def md_text(value: object) -> str:
    """Plain text for a Markdown element: every ASCII punctuation escaped, newlines folded."""
    s = "" if value is None else str(value)
    s = " ".join(s.split())  # no new block (heading, list) can start mid-string
    return s.translate(str.maketrans(_MD_SPECIAL))


def html_text(value: object) -> str:
    """Text for an HTML element: escaped, whitespace folded to one line."""
    s = "" if value is None else str(value)
    return html.escape(" ".join(s.split()), quote=True)


def chart_text(value: object) -> object:
    """A label for Plotly: HTML-escaped text (non-strings pass through)."""
    if isinstance(value, str):
        return html.escape(value, quote=True)
    return value


def chart_frame(df: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """A copy of df with its text columns (or the named ones) escaped for Plotly."""
    out = df.copy()
    for col in columns if columns is not None else list(out.columns):
        if col in out.columns and _is_text(out[col]):
            out[col] = out[col].map(chart_text)
    return out


def _is_text(col: pd.Series) -> bool:
    return pd.api.types.is_object_dtype(col) or pd.api.types.is_string_dtype(col)


def neutral_cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_LEADS):
        return "'" + value
    return value


def neutralise(df: pd.DataFrame) -> pd.DataFrame:
    """Text cells and column names that a spreadsheet would run as a formula, made inert."""
    out = df.copy()
    for col in out.columns:
        if _is_text(out[col]):
            out[col] = out[col].map(neutral_cell).astype(object)
    out.columns = [neutral_cell(str(c)) for c in out.columns]
    return out


def to_csv(df: pd.DataFrame) -> bytes:
    """UTF-8 CSV with a BOM (so Excel reads Chinese right), formulas neutralised."""
    return neutralise(df).to_csv(index=False).encode("utf-8-sig")


def to_excel(df: pd.DataFrame) -> bytes:
    """An .xlsx workbook, every text cell written as a string (never a formula)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "data"
    clean = neutralise(df)
    ws.append([str(c) for c in clean.columns])
    for row in clean.itertuples(index=False):
        ws.append([_excel_value(v) for v in row])
    # openpyxl types a string starting with '=' as a formula: none can reach here
    # (neutralised above), and every cell is checked once more.
    for cells in ws.iter_rows():
        for cell in cells:
            if cell.data_type == "f":
                cell.data_type = "s"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _excel_value(v: object) -> object:
    if v is None or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime().replace(tzinfo=None)
    if hasattr(v, "item") and not isinstance(v, str):  # numpy scalars
        return v.item()
    if isinstance(v, (int, float, str, bool)):
        return v
    return str(v)
