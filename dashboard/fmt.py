"""How figures are printed on the page (the browser test formats the marts' values the same way)."""

from __future__ import annotations

import math

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
