"""How figures are printed on the page (the browser test formats the marts' values the same way)."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime

import pandas as pd

DASH = "–"


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def nps(x) -> str:
    """NPS points, one decimal."""
    return DASH if _missing(x) else f"{float(x):.1f}"


def pct(x) -> str:
    """A 0-1 rate as a percentage, one decimal."""
    return DASH if _missing(x) else f"{100 * float(x):.1f}%"


def points(x) -> str:
    return DASH if _missing(x) else f"{float(x):+.1f}"


def count(x) -> str:
    return DASH if _missing(x) else f"{int(x):,}"


def money(x) -> str:
    return DASH if _missing(x) else f"{float(x):,.0f}"


def score(x) -> str:
    return DASH if _missing(x) else f"{float(x):.1f}"


# --------------------------------------------------------------------------- tables

_RATE_MARKERS = ("_rate", "coverage", "rate_of_record", "net_sentiment")
_RATE_STEMS = ("verified_on_time", "verified_otif")  # their intervals: verified_otif_ci_low


def is_rate_column(name: str) -> bool:
    """A 0-1 rate by the marts' naming (…_rate, …coverage), or the interval bound of one.
    Not rates: NPS and its bounds (points on -100..100), correlations and money bounds
    (importance_ci_low, mean_lifetime_value_ci_high), points_of_reported_rate."""
    if name.endswith("_source") or name.startswith("points_"):
        return False
    stem = name.removesuffix("_ci_low").removesuffix("_ci_high")
    return stem.endswith(_RATE_MARKERS) or stem in _RATE_STEMS


def _all_midnight(col: pd.Series) -> bool:
    s = col.dropna()
    return bool(len(s)) and bool((s == s.dt.normalize()).all())


def present(df: pd.DataFrame, lang: str, label: Callable[[str, str], str]) -> pd.DataFrame:
    """A mart extract as a person reads it: rates as percentages (one decimal), other
    decimals rounded, dates without a time of day, yes/no, categories translated,
    columns labelled in the language. Values stay typed (sorting works)."""
    from dashboard.i18n import value

    out = pd.DataFrame(index=df.index)
    for name in df.columns:
        col = df[name]
        title = label(name, lang)
        if pd.api.types.is_bool_dtype(col):
            out[title] = col.map(lambda b: value("yes" if b else "no", lang), na_action="ignore")
        elif pd.api.types.is_datetime64_any_dtype(col):
            if _all_midnight(col):
                out[title] = col.dt.date
            else:
                out[title] = col.dt.strftime("%Y-%m-%d %H:%M")
        elif pd.api.types.is_numeric_dtype(col) and is_rate_column(name):
            out[f"{title} (%)"] = (100 * col.astype("float64")).round(1)
        elif name == "p_value":
            out[title] = col.astype("float64").round(3)
        elif pd.api.types.is_float_dtype(col):
            out[title] = col.round(1)
        elif pd.api.types.is_object_dtype(col) or pd.api.types.is_string_dtype(col):
            out[title] = col.map(lambda v: value(v, lang), na_action="ignore")
        else:
            out[title] = col
    return out.reset_index(drop=True)


def duration(hours: float, lang: str = "en") -> str:
    """A span people read at a glance: minutes under an hour, hours under two days, days."""
    h = abs(float(hours))
    if h < 1:
        return f"{round(h * 60)} {'分钟' if lang == 'zh' else 'min'}"
    if h < 48:
        return f"{round(h)} {'小时' if lang == 'zh' else 'h'}"
    return f"{round(h / 24)} {'天' if lang == 'zh' else 'd'}"


def sla_clock(hours_to_sla: float | None, lang: str = "en") -> str:
    """'breached 3 h ago' / 'due in 40 min' from the hours left (negative = overdue)."""
    from dashboard.i18n import t

    if _missing(hours_to_sla):
        return DASH
    h = duration(hours_to_sla, lang)
    key = "sla_breached_ago" if hours_to_sla < 0 else "sla_due_in"
    return t(key, lang, h=h)


def sla_clocks(due_at: pd.Series, now: datetime, lang: str = "en") -> pd.Series:
    """sla_clock for each SLA due time, against `now` (read at render, so cached query
    results never freeze the clock)."""
    hours = (pd.to_datetime(due_at) - pd.Timestamp(now)).dt.total_seconds() / 3600
    return hours.map(lambda h: sla_clock(h, lang))
