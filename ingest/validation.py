"""Contract rules compiled to one vectorised SQL expression per table.

A row's quarantine reason is the first rule it breaks, in this order: a
required column absent from the file, a missing required value, a malformed
value for its type, a value out of range, a value outside a closed set. The
rules are generated from `ingest.contract`, never written per table.
"""

from __future__ import annotations

from dataclasses import dataclass

from ingest import contract as c
from ingest.sql import ident, literal


@dataclass(frozen=True)
class Rule:
    reason: str
    column: str
    # SQL that is TRUE when the row breaks the rule.
    violated_sql: str


def _trimmed(col: str) -> str:
    return f"nullif(trim({ident(col)}), '')"


def type_valid_sql(col: str, type_: str) -> str | None:
    """SQL true when a non-empty value is well formed for its contract type."""
    v = f"trim({ident(col)})"
    if type_ in (c.ID, c.TEXT):
        return None
    if type_ == c.BOOL:
        values = ", ".join(literal(x) for x in c.BOOL_TRUE + c.BOOL_FALSE)
        return f"lower({v}) in ({values})"
    pattern = f"regexp_full_match({v}, {literal(c.TYPE_PATTERNS[type_])})"
    if type_ == c.DATE:
        return f"({pattern} and try_cast({v} as date) is not null)"
    if type_ == c.TS:
        # The regex pins the format; the cast rejects impossible calendar values.
        return f"({pattern} and try_cast({v} as timestamptz) is not null)"
    if type_ == c.INT:
        return f"({pattern} and try_cast({v} as bigint) is not null)"
    return pattern


def rules_for(table: c.Table, present_columns: set[str]) -> list[Rule]:
    """Every rule of the table, in priority order, given the columns the file has."""
    missing_cols = [
        col for col in table.columns if col.required and col.name not in present_columns
    ]
    rules = [Rule(c.REASON_MISSING_COLUMN, col.name, "true") for col in missing_cols]
    present = [col for col in table.columns if col.name in present_columns]
    rules += [
        Rule(c.REASON_MISSING_VALUE, col.name, f"{_trimmed(col.name)} is null")
        for col in present
        if col.required
    ]
    for col in present:
        valid = type_valid_sql(col.name, col.type)
        if valid is not None:
            rules.append(
                Rule(
                    c.REASON_BAD_TYPE,
                    col.name,
                    f"({_trimmed(col.name)} is not null and not {valid})",
                )
            )
    for col in present:
        bounds = []
        num = f"try_cast(trim({ident(col.name)}) as double)"
        if col.min_value is not None:
            bounds.append(f"{num} < {col.min_value}")
        if col.max_value is not None:
            bounds.append(f"{num} > {col.max_value}")
        if bounds:
            rules.append(Rule(c.REASON_OUT_OF_RANGE, col.name, "(" + " or ".join(bounds) + ")"))
    for col in present:
        if col.accepted:
            values = ", ".join(literal(x) for x in col.accepted)
            rules.append(
                Rule(
                    c.REASON_NOT_ACCEPTED,
                    col.name,
                    f"({_trimmed(col.name)} is not null and lower(trim({ident(col.name)})) "
                    f"not in ({values}))",
                )
            )
        if col.pattern:
            rules.append(
                Rule(
                    c.REASON_BAD_TYPE,
                    col.name,
                    f"({_trimmed(col.name)} is not null and not regexp_full_match("
                    f"trim({ident(col.name)}), {literal(col.pattern)}))",
                )
            )
    return rules


def checked_sql(rules: list[Rule], relation: str) -> str:
    """SELECT over `relation` adding `_reason` and `_column` of the first broken rule.

    The rules are evaluated once, into the index of the first broken one; reason
    and column are looked up from it (evaluating the CASE twice cost a third of
    the load time).
    """
    if not rules:
        return (
            "select *, cast(null as varchar) as _reason, cast(null as varchar) as _column "
            f"from {relation}"
        )
    first = " ".join(f"when {r.violated_sql} then {k}" for k, r in enumerate(rules, start=1))
    reasons = "[" + ", ".join(literal(r.reason) for r in rules) + "]"
    columns = "[" + ", ".join(literal(r.column) for r in rules) + "]"
    return (
        f"select * exclude (_rule), {reasons}[_rule] as _reason, {columns}[_rule] as _column "
        f"from (select *, case {first} end as _rule from {relation})"
    )
