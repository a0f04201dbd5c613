"""Null-safe joins by convention (README, "Null-safe by convention").

An equality join drops a row whose key is NULL: `null = null` is not true. That
is right for an identifier (an order with no `replaces_order_id` replaces
nothing) and wrong for a descriptive attribute (orders with an empty business
unit are one group, not none). So in intermediate models and marts:

- joins on identifiers, system codes and date keys use `=`;
- joins on anything else (region, business unit, a name, ...) use
  `is not distinct from`.

This lint fails on an equality join over a column that is not an identifier or
a date key. Nullable attributes that facts are grouped by get an explicit
member in staging as well (macro `cx_dim`), checked by not_null tests.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from orchestration.settings import PROJECT_ROOT

MODELS = PROJECT_ROOT / "dbt_project" / "models"

# Identifiers (null = no link, so `=` is the right semantics), system codes,
# and date keys computed from required dates.
KEY_LIKE = re.compile(
    r"(_id|_key|_by|^source_system|^account_source_system|^platform"
    r"|_date|_month|_month_start|^quarter_start|^n)$"
)
NAME = r"([a-z_][a-z_0-9]*)"
EQUALITY = re.compile(rf"\b{NAME}\.{NAME}\s*=\s*{NAME}\.{NAME}\b")
JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.S)
SQL_COMMENT = re.compile(r"--[^\n]*")


def unsafe_equality_joins(sql: str) -> list[str]:
    """`a.col = b.col` comparisons over columns that are not identifiers or date keys."""
    text = SQL_COMMENT.sub("", JINJA_COMMENT.sub("", sql))
    found = []
    for m in EQUALITY.finditer(text):
        left, right = m.group(2), m.group(4)
        if not (KEY_LIKE.search(left) and KEY_LIKE.search(right)):
            found.append(m.group(0))
    return found


def model_files() -> list[Path]:
    return sorted(p for layer in ("intermediate", "marts") for p in (MODELS / layer).rglob("*.sql"))


def test_the_lint_catches_an_equality_join_on_a_nullable_attribute():
    sql = "select * from f left join c on f.region = c.region and f.business_unit = c.business_unit"
    assert unsafe_equality_joins(sql) == [
        "f.region = c.region",
        "f.business_unit = c.business_unit",
    ]


def test_the_lint_accepts_identifier_joins_and_null_safe_attribute_joins():
    sql = (
        "select * from a inner join b on a.source_system = b.source_system "
        "and a.order_id = b.order_id and a.due_month = b.due_month "
        "and a.business_unit is not distinct from b.business_unit "
        "{#- a.region = b.region in a comment is not a join -#}"
    )
    assert unsafe_equality_joins(sql) == []


def test_there_are_models_to_lint():
    assert len(model_files()) > 20


@pytest.mark.parametrize("path", model_files(), ids=lambda p: p.stem)
def test_no_equality_join_over_a_nullable_attribute(path: Path):
    assert unsafe_equality_joins(path.read_text(encoding="utf-8")) == [], (
        f"{path.relative_to(PROJECT_ROOT)}: join descriptive attributes with "
        "`is not distinct from` (README, 'Null-safe by convention')"
    )
