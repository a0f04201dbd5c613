"""Contract rules compiled to one vectorised SQL expression per table.

A row's quarantine reason is the first rule it breaks, in this order: a
required column absent from the file, a missing required value, a value longer
than its cap, a CSV record that swallowed the lines after it (unbalanced
quote), a malformed value for its type, a value out of range (the contract's
bounds, then the digits staging's decimal holds), more decimals than staging
keeps, a date outside the plausible window, a value outside a closed set. The
rules are generated from `ingest.contract` and the settings (section ingest), never
written per table, and together they guarantee that every staging cast
succeeds on a loaded row without rounding.

`validate_relation` is the entry point for any source (files, SQL databases):
it checks a relation of text columns and returns the checked temp table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from ingest import contract as c
from ingest.limits import Limits, load_limits
from ingest.sql import ident, literal


@dataclass(frozen=True)
class Rule:
    reason: str
    column: str
    # SQL that is TRUE when the row breaks the rule.
    violated_sql: str
    # What the rule asks, for the quarantine's `detail` column.
    detail: str = ""


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
        # The regex pins the format; the casts reject impossible calendar values
        # (staging casts zoned values to timestamptz, the others to timestamp).
        return (
            f"({pattern} and try_cast({v} as timestamptz) is not null "
            f"and try_cast(substr({v}, 1, 10) as date) is not null)"
        )
    if type_ == c.INT:
        return f"({pattern} and try_cast({v} as bigint) is not null)"
    return pattern


def max_length(col: c.Column, limits: Limits) -> int:
    if col.type == c.ID:
        return limits.max_length["id"]
    return limits.max_length["long_text" if col.long else "text"]


def _length_rule(col: c.Column, limits: Limits) -> Rule:
    cap = max_length(col, limits)
    return Rule(
        c.REASON_TOO_LONG,
        col.name,
        f"length({ident(col.name)}) > {cap}",
        f"longer than {cap} characters",
    )


def _unbalanced_quote_rule(col: c.Column, csv_columns: int) -> Rule | None:
    """A value holding a line break followed by a line with a whole record's worth of
    delimiters: a quote opened and not closed where it should have been."""
    if csv_columns < 2:
        return None
    pattern = literal("\n([^\n]*,){" + str(csv_columns - 1) + "}")
    return Rule(
        c.REASON_UNBALANCED_QUOTE,
        col.name,
        f"(strpos({ident(col.name)}, chr(10)) > 0 "
        f"and regexp_matches({ident(col.name)}, {pattern}))",
        "a quoted value runs over the records after it (unbalanced quote)",
    )


def _numeric_rules(col: c.Column) -> list[Rule]:
    v = f"trim({ident(col.name)})"
    rules = []
    bounds, said = [], []
    num = f"try_cast({v} as double)"
    if col.min_value is not None:
        bounds.append(f"{num} < {col.min_value}")
        said.append(f">= {col.min_value:g}")
    if col.max_value is not None:
        bounds.append(f"{num} > {col.max_value}")
        said.append(f"<= {col.max_value:g}")
    if bounds:
        rules.append(
            Rule(
                c.REASON_OUT_OF_RANGE,
                col.name,
                "(" + " or ".join(bounds) + ")",
                " and ".join(said),
            )
        )
    if col.type == c.NUM:
        int_digits = col.precision - col.scale
        integer_part = f"ltrim(regexp_extract({v}, '^[+-]?(\\d*)', 1), '0')"
        fraction = f"rtrim(regexp_extract({v}, '\\.(\\d*)$', 1), '0')"
        rules.append(
            Rule(
                c.REASON_OUT_OF_RANGE,
                col.name,
                f"({_trimmed(col.name)} is not null and length({integer_part}) > {int_digits})",
                f"more than {int_digits} integer digits: staging keeps "
                f"decimal({col.precision},{col.scale})",
            )
        )
        rules.append(
            Rule(
                c.REASON_TOO_PRECISE,
                col.name,
                f"({_trimmed(col.name)} is not null and length({fraction}) > {col.scale})",
                f"more than {col.scale} decimals: staging keeps "
                f"decimal({col.precision},{col.scale}) and would round",
            )
        )
    return rules


def _date_rule(col: c.Column, limits: Limits, today: date) -> Rule | None:
    if col.type not in (c.DATE, c.TS):
        return None
    first, last = limits.earliest_date, limits.latest_date(today)
    day = f"try_cast(substr(trim({ident(col.name)}), 1, 10) as date)"
    return Rule(
        c.REASON_IMPLAUSIBLE_DATE,
        col.name,
        f"({day} < date '{first.isoformat()}' or {day} > date '{last.isoformat()}')",
        f"outside {first.isoformat()} .. {last.isoformat()} (settings ingest.earliest_date, "
        "ingest.latest_years_ahead)",
    )


def rules_for(
    table: c.Table,
    present_columns: set[str],
    limits: Limits | None = None,
    today: date | None = None,
    csv_columns: int | None = None,
) -> list[Rule]:
    """Every rule of the table, in priority order, given the columns the source has.

    `csv_columns`: the file's column count when it is a CSV (turns on the
    unbalanced-quote rule)."""
    limits = limits or load_limits()
    today = today or date.today()
    missing_cols = [
        col for col in table.columns if col.required and col.name not in present_columns
    ]
    rules = [
        Rule(c.REASON_MISSING_COLUMN, col.name, "true", "required column absent")
        for col in missing_cols
    ]
    present = [col for col in table.columns if col.name in present_columns]
    rules += [
        Rule(c.REASON_MISSING_VALUE, col.name, f"{_trimmed(col.name)} is null", "required")
        for col in present
        if col.required
    ]
    rules += [_length_rule(col, limits) for col in present]
    if csv_columns:
        rules += [r for col in present if (r := _unbalanced_quote_rule(col, csv_columns))]
    for col in present:
        valid = type_valid_sql(col.name, col.type)
        if valid is not None:
            rules.append(
                Rule(
                    c.REASON_BAD_TYPE,
                    col.name,
                    f"({_trimmed(col.name)} is not null and not {valid})",
                    f"not a valid {col.type}",
                )
            )
    for col in present:
        rules += _numeric_rules(col)
    rules += [r for col in present if (r := _date_rule(col, limits, today))]
    for col in present:
        if col.accepted:
            values = ", ".join(literal(x) for x in col.accepted)
            rules.append(
                Rule(
                    c.REASON_NOT_ACCEPTED,
                    col.name,
                    f"({_trimmed(col.name)} is not null and lower(trim({ident(col.name)})) "
                    f"not in ({values}))",
                    "one of " + ", ".join(col.accepted),
                )
            )
        if col.pattern:
            rules.append(
                Rule(
                    c.REASON_BAD_TYPE,
                    col.name,
                    f"({_trimmed(col.name)} is not null and not regexp_full_match("
                    f"trim({ident(col.name)}), {literal(col.pattern)}))",
                    f"must match {col.pattern}",
                )
            )
    return rules


def checked_sql(rules: list[Rule], relation: str) -> str:
    """SELECT over `relation` adding `_reason`, `_column` and `_detail` of the first
    broken rule (NULL when the row breaks none).

    The rules are evaluated once, into the index of the first broken one; reason
    and column are looked up from it (evaluating the CASE twice cost a third of
    the load time).
    """
    if not rules:
        return (
            "select *, cast(null as varchar) as _reason, cast(null as varchar) as _column, "
            f"cast(null as varchar) as _detail from {relation}"
        )
    first = " ".join(f"when {r.violated_sql} then {k}" for k, r in enumerate(rules, start=1))
    reasons = "[" + ", ".join(literal(r.reason) for r in rules) + "]"
    columns = "[" + ", ".join(literal(r.column) for r in rules) + "]"
    details = "[" + ", ".join(literal(r.detail) for r in rules) + "]"
    return (
        f"select * exclude (_rule), {reasons}[_rule] as _reason, {columns}[_rule] as _column, "
        f"{details}[_rule] as _detail "
        f"from (select *, case {first} end as _rule from {relation})"
    )


def validate_relation(
    con: duckdb.DuckDBPyConnection,
    table: c.Table,
    relation: str,
    present_columns: set[str] | None = None,
    *,
    target: str = "_checked",
    limits: Limits | None = None,
    today: date | None = None,
    csv_columns: int | None = None,
) -> dict[str, int]:
    """Check `relation` (text columns named as the contract's, NULL when absent) and
    write it with `_reason`, `_column`, `_detail` into the temp table `target`.

    `present_columns`: the contract columns the source really has (a required one
    missing quarantines every row); default: the contract columns `relation` has.
    Returns rows per outcome: {'loaded': n, '<reason>:<column>': n, ...}.
    """
    if present_columns is None:
        names = {r[0].lower() for r in con.execute(f"describe {relation}").fetchall()}
        present_columns = {col for col in table.column_names if col in names}
    rules = rules_for(table, present_columns, limits, today, csv_columns)
    con.execute(f"create or replace temp table {ident(target)} as {checked_sql(rules, relation)}")
    rows = con.execute(
        f"select coalesce(_reason || ':' || _column, 'loaded'), count(*) from {ident(target)} "
        "group by 1 order by 1"
    ).fetchall()
    return dict(rows)
