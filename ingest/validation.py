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


def reason_columns_sql(rules: list[Rule]) -> str:
    """Two SELECT-list expressions: `_reason` and `_column` of the first broken rule."""
    if not rules:
        return "cast(null as varchar) as _reason, cast(null as varchar) as _column"
    reason = " ".join(f"when {r.violated_sql} then {literal(r.reason)}" for r in rules)
    column = " ".join(f"when {r.violated_sql} then {literal(r.column)}" for r in rules)
    return f"case {reason} end as _reason, case {column} end as _column"
