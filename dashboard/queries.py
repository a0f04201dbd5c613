"""Every query the dashboard runs, as plain functions over a DuckDB connection.

Pure: no Streamlit. Each function takes an open (read-only) connection to the
published snapshot and a `Filters`, and returns a DataFrame. SQL text is
constant; every filter value is a bound `?` parameter (the `f` CTE binds the
five common filters once, other values follow in order). Functions whose
marts are not in the snapshot raise `NotAvailable`, so a view can show a
notice instead of made-up figures.

The figures are the marts' own: where a view sums over regions, business
units or months, it re-derives the rate from the mart's counts
(e.g. verified OTIF = sum(orders_otif_verified) / sum(orders_due)), the
definition the mart documents.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

from dashboard import snapshot_cache

ALL = "all"

# Filters shared by every query: period, region, business unit, segment.
_F = (
    "with f as (select ?::date as d0, ?::date as d1, ?::varchar as region, "
    "?::varchar as bu, ?::varchar as seg)\n"
)


class NotAvailable(LookupError):
    """The marts this figure needs are not in the published snapshot (yet)."""

    def __init__(self, missing: Iterable[str]):
        self.missing = sorted(missing)
        super().__init__(", ".join(self.missing))


@dataclass(frozen=True)
class Filters:
    start: date
    end: date
    region: str = ALL
    business_unit: str = ALL
    segment: str = ALL

    def params(self) -> list:
        return [self.start, self.end, self.region, self.business_unit, self.segment]


# --------------------------------------------------------------------------- snapshot


def tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "select table_schema || '.' || table_name from information_schema.tables "
        "where table_catalog = current_database()"
    ).fetchall()
    return {r[0] for r in rows}


def require(con: duckdb.DuckDBPyConnection, *needed: str) -> None:
    missing = set(needed) - tables(con)
    if missing:
        raise NotAvailable(missing)


def manifest(con: duckdb.DuckDBPyConnection) -> dict:
    if "meta.manifest" not in tables(con):
        return {}
    row = con.execute("select published_at, run_id from meta.manifest").fetchone()
    return {"published_at": row[0], "run_id": row[1]}


def _df(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> pd.DataFrame:
    return snapshot_cache.cached(("sql", sql, tuple(params)), lambda: con.execute(sql, params).df())


def filter_options(con: duckdb.DuckDBPyConnection) -> dict:
    """Values offered by the sidebar filters, taken from the marts."""
    have = tables(con)
    out: dict = {"regions": [], "business_units": [], "segments": [], "months": []}
    if "marts.fct_fulfillment_nps_region_months" in have:
        out["regions"] = [
            r[0]
            for r in con.execute(
                "select distinct region from marts.fct_fulfillment_nps_region_months "
                "where region is not null order by 1"
            ).fetchall()
        ]
        out["business_units"] = [
            r[0]
            for r in con.execute(
                "select distinct business_unit from marts.fct_fulfillment_nps_region_months "
                "where business_unit is not null and business_unit <> 'all' order by 1"
            ).fetchall()
        ]
    if "marts.dim_customer" in have:
        out["segments"] = [
            r[0]
            for r in con.execute(
                "select distinct coalesce(segment, 'unknown') from marts.dim_customer order by 1"
            ).fetchall()
        ]
    month_sources = [
        ("marts.fct_fulfillment_nps_region_months", "period_month_start"),
        ("marts.fct_survey_responses", "submitted_month"),
    ]
    months: set[date] = set()
    for table, column in month_sources:
        if table in have:
            # table/column come from the constant list above, never from input.
            sql = f"select distinct {column} from {table} where {column} is not null"
            months |= {r[0] for r in con.execute(sql).fetchall()}
    out["months"] = sorted(months)
    out["last_complete_month"], out["as_of"] = as_of(con, have)
    return out


def as_of(con: duckdb.DuckDBPyConnection, have: set[str]) -> tuple[date | None, date | None]:
    """The latest complete month (outside the confirmation window of the data's cutoff:
    the default end of the period; later months are provisional) and the cutoff."""
    if "marts.fct_fulfillment_nps_region_months" not in have:
        return None, None
    row = con.execute(
        "select max(period_month_start) filter (where not is_provisional), "
        "max(data_cutoff_date) from marts.fct_fulfillment_nps_region_months"
    ).fetchone()
    return row[0], row[1]


def default_period(months: list[date], last_complete: date | None) -> tuple[date, date]:
    """Twelve months ending at the last complete month (all months if none is complete)."""
    end = last_complete if last_complete in months else months[-1]
    i = months.index(end)
    return months[max(0, i - 11)], end


# --------------------------------------------------------------------------- executive


def account_nps_trend(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """NPS per period with n: unweighted, role-weighted, revenue-weighted, revenue coverage.
    Segment `all` is the mart's own all-segments row."""
    require(con, "marts.fct_account_nps_quarters")
    return _df(
        con,
        _F
        + """
        select q.quarter_start, q.n_accounts_answered, q.n_voices, q.nps_unweighted,
               q.role_weighted_nps, q.revenue_weighted_nps, q.revenue_coverage
        from marts.fct_account_nps_quarters q, f
        where q.segment = f.seg and q.quarter_start between f.d0 and f.d1
        order by q.quarter_start
        """,
        f.params(),
    )


INTEGRITY_TABLE = "marts.fct_integrity_region_months"
SIGNALS_TABLE = "marts.fct_integrity_order_signals"


def integrity_verdicts(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Integrity verdict per reported region x BU x month (ok / suspect / beautified).
    business_unit 'all' here is a whole-region report (not a roll-up)."""
    require(con, INTEGRITY_TABLE)
    return _df(
        con,
        _F
        + """
        select i.period_month_start, i.region, i.business_unit, i.verdict,
               i.is_reported_figure_failed, i.reported_on_time_rate, i.verified_on_time_rate,
               i.rate_of_record, i.rate_of_record_source, i.verification_coverage,
               i.gap_points, i.p_value, i.signal_staff_ids, i.evidence
        from marts.fct_integrity_region_months i, f
        where i.period_month_start between f.d0 and f.d1
          and (f.region = 'all' or i.region = f.region)
          and (f.bu = 'all' or i.business_unit = f.bu)
        order by i.period_month_start, i.region, i.business_unit
        """,
        f.params(),
    )


def top_drivers(
    con: duckdb.DuckDBPyConnection, f: Filters, lens: str = "forces_feelings"
) -> pd.DataFrame:
    """Importance (correlation with NPS) vs performance (mean rating), for the segment."""
    require(con, "marts.fct_driver_importance")
    return _df(
        con,
        _F
        + """
        select d.attribute, d.importance, d.performance, d.importance_rank, d.quadrant,
               d.n_answers, d.lens_mean_importance, d.lens_mean_performance
        from marts.fct_driver_importance d, f
        where d.lens = ?
          and ((f.seg = 'all' and d.scope_type = 'all')
               or (f.seg <> 'all' and d.scope_type = 'segment' and d.scope_value = f.seg))
        order by d.importance_rank
        """,
        [*f.params(), lens],
    )


_CUSTOMER_FILTER = """
          and (f.seg = 'all' or coalesce(c.segment, 'unknown') = f.seg)
          and (f.region = 'all'
               or list_contains(string_split(coalesce(c.order_regions, ''), ', '), f.region)
               or list_contains(string_split(coalesce(c.crm_regions, ''), ', '), f.region))
"""


def churn_risk_customers(
    con: duckdb.DuckDBPyConnection, f: Filters, tier: str = "high"
) -> pd.DataFrame:
    """Customers in a churn-risk tier, lowest health first (segment / region filters)."""
    require(con, "marts.fct_customer_health", "marts.dim_customer")
    return _df(
        con,
        _F
        + """
        select h.customer_key, h.customer_name, h.segment, h.industry, h.health_score,
               h.account_nps_score, h.verified_otif_score, h.renewal_score, h.churn_risk_tier,
               c.active_contract_value_cny
        from marts.fct_customer_health h
        join marts.dim_customer c using (customer_key), f
        where h.churn_risk_tier = ?
        """
        + _CUSTOMER_FILTER
        + """
        order by h.health_score, h.customer_key
        """,
        [*f.params(), tier],
    )


def lost_customers(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Lost customers (tier `lost`: every contract churned or ended unrenewed, no activity
    in the window before the data's cutoff), latest activity first. Never in the risk list."""
    require(con, "marts.fct_customer_health", "marts.dim_customer")
    return _df(
        con,
        _F
        + """
        select h.customer_key, h.customer_name, h.segment, h.industry, h.last_activity_date,
               h.days_since_last_activity, h.contract_count, h.health_score,
               h.data_cutoff_date
        from marts.fct_customer_health h
        join marts.dim_customer c using (customer_key), f
        where h.churn_risk_tier = 'lost'
        """
        + _CUSTOMER_FILTER
        + """
        order by h.last_activity_date desc nulls last, h.customer_key
        """,
        f.params(),
    )


# --------------------------------------------------------------------------- region head


def region_months(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """The region's months per BU: verified OTIF with its interval, reported, scene NPS."""
    require(con, "marts.fct_fulfillment_nps_region_months")
    return _df(
        con,
        _F
        + """
        select m.period_month_start as month, m.region, m.business_unit, m.orders_due,
               m.verified_otif_rate, m.verified_otif_ci_low, m.verified_otif_ci_high,
               m.verified_on_time_rate, m.reported_on_time_rate, m.integrity_gap_points,
               m.orders_verified, m.verification_coverage, m.on_time_rate_of_record,
               m.is_provisional,
               m.scene_n, m.scene_nps, m.scene_n_late, m.scene_nps_late,
               m.scene_n_on_time, m.scene_nps_on_time
        from marts.fct_fulfillment_nps_region_months m, f
        where m.period_month_start between f.d0 and f.d1
          and (f.region = 'all' or m.region = f.region)
          and m.business_unit <> 'all' and m.region <> 'all'
          and (f.bu = 'all' or m.business_unit = f.bu)
        order by 1, 2, 3
        """,
        f.params(),
    )


def integrity_order_signals(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Orders and staff behind the integrity flags."""
    require(con, SIGNALS_TABLE)
    return _df(
        con,
        _F
        + """
        select s.period_month_start, s.region, s.business_unit, s.staff_id, s.staff_role,
               s.pattern, s.signal_code, s.is_proven_pattern, s.source_system,
               s.chain_order_id, s.final_order_id, s.first_promised_date, s.signal_at,
               s.evidence
        from marts.fct_integrity_order_signals s, f
        where s.period_month_start between f.d0 and f.d1
          and (f.region = 'all' or s.region = f.region)
          and (f.bu = 'all' or s.business_unit = f.bu)
        order by s.period_month_start, s.region, s.business_unit, s.chain_order_id,
                 s.signal_code
        """,
        f.params(),
    )


STAFF_TABLE = "marts.fct_integrity_staff_months"


def integrity_staff(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Staff behind proven order patterns: orders, late ones hidden, points of reported rate."""
    require(con, STAFF_TABLE)
    return _df(
        con,
        _F
        + """
        select s.staff_id, s.staff_role, s.pattern,
               sum(s.orders_signalled) as orders_signalled,
               sum(s.orders_hidden_late) as orders_hidden_late,
               sum(s.points_of_reported_rate) as points_of_reported_rate,
               count(distinct s.period_month_start) as months,
               string_agg(distinct s.verdict, ', ') as verdicts
        from marts.fct_integrity_staff_months s, f
        where s.period_month_start between f.d0 and f.d1
          and (f.region = 'all' or s.region = f.region)
          and (f.bu = 'all' or s.business_unit = f.bu)
        group by 1, 2, 3
        order by orders_hidden_late desc, orders_signalled desc, s.staff_id, s.pattern
        """,
        f.params(),
    )


# --------------------------------------------------------------------------- account manager


def account_managers(con: duckdb.DuckDBPyConnection, f: Filters) -> list[str]:
    require(con, "marts.dim_customer")
    rows = con.execute(
        _F
        + """
        select distinct trim(am) as am
        from marts.dim_customer c, f,
             unnest(string_split(coalesce(c.account_manager_ids, ''), ',')) as t(am)
        where trim(am) <> ''
        """
        + _CUSTOMER_FILTER
        + " order by 1",
        f.params(),
    ).fetchall()
    return [r[0] for r in rows]


def customers_of(con: duckdb.DuckDBPyConnection, f: Filters, manager: str) -> pd.DataFrame:
    require(con, "marts.dim_customer")
    return _df(
        con,
        _F
        + """
        select c.customer_key, c.customer_name, c.segment, c.industry, c.order_regions,
               c.active_contract_value_cny
        from marts.dim_customer c, f
        where list_contains(
                  string_split(replace(coalesce(c.account_manager_ids, ''), ' ', ''), ','), ?)
        """
        + _CUSTOMER_FILTER
        + " order by c.customer_name, c.customer_key",
        [*f.params(), manager],
    )


def customers_in(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Customers with an order or CRM account in the filtered region (segment filter)."""
    require(con, "marts.dim_customer")
    return _df(
        con,
        _F
        + """
        select c.customer_key, c.customer_name, c.segment, c.industry, c.order_regions,
               c.active_contract_value_cny
        from marts.dim_customer c, f
        where true
        """
        + _CUSTOMER_FILTER
        + " order by c.customer_name, c.customer_key",
        f.params(),
    )


def customer_profile(con: duckdb.DuckDBPyConnection, customer_key: str) -> dict:
    require(con, "marts.dim_customer")
    df = _df(
        con,
        "select * from marts.dim_customer where customer_key = ?",
        [customer_key],
    )
    out = df.iloc[0].to_dict() if len(df) else {}
    if out and "marts.fct_customer_health" in tables(con):
        h = con.execute(
            "select health_score, churn_risk_tier from marts.fct_customer_health "
            "where customer_key = ?",
            [customer_key],
        ).fetchone()
        if h:
            out["health_score"], out["churn_risk_tier"] = h
    return out


def customer_contacts(con: duckdb.DuckDBPyConnection, f: Filters, customer_key: str):
    """Contacts by buying role with their latest NPS answer up to the end of the period."""
    require(con, "marts.dim_contact", "marts.fct_survey_responses")
    return _df(
        con,
        _F
        + """
        , latest as (
            select r.person_key, r.nps_score, r.nps_category, r.survey_type, r.submitted_date,
                   row_number() over (partition by r.person_key
                                      order by r.submitted_at desc, r.response_id desc) as rn
            from marts.fct_survey_responses r, f
            where r.customer_key = ? and r.has_nps = 1 and r.submitted_date <= last_day(f.d1)
        )
        select p.buying_role, p.full_name, p.job_title, p.is_active, p.email, p.phone,
               l.nps_score as latest_nps, l.nps_category, l.survey_type, l.submitted_date
        from marts.dim_contact p
        left join latest l on l.person_key = p.person_key and l.rn = 1
        where p.customer_key = ?
        order by p.buying_role, p.full_name
        """,
        [*f.params(), customer_key, customer_key],
    )


def customer_orders(con: duckdb.DuckDBPyConnection, f: Filters, customer_key: str, limit=50):
    require(con, "marts.fct_orders")
    return _df(
        con,
        _F
        + """
        select o.order_key, o.region, o.business_unit, o.order_date, o.first_promised_date,
               o.verified_delivery_date, o.verification_source, o.is_on_time_reported,
               o.is_on_time_verified, o.is_otif_verified, o.confirmed_received_date,
               o.is_confirmed_in_full, o.confirmation_issue_type, o.amount_cny
        from marts.fct_orders o, f
        where o.customer_key = ? and o.due_month between f.d0 and f.d1
          and (f.region = 'all' or o.region = f.region)
          and (f.bu = 'all' or o.business_unit = f.bu)
        order by o.order_date desc, o.order_key
        limit ?
        """,
        [*f.params(), customer_key, limit],
    )


def customer_open_alerts(con: duckdb.DuckDBPyConnection, customer_key: str) -> pd.DataFrame:
    """A customer's open alerts, earliest SLA due first (the view runs the SLA clock:
    a clock in the query would make every render a new query, never cached)."""
    require(con, "marts.fct_alerts")
    return _df(
        con,
        """
        select a.alert_id, a.alert_type, a.severity, a.raised_at, a.owner_id, a.sla_due_at,
               a.is_sla_breached, a.evidence
        from marts.fct_alerts a
        where a.customer_key = ? and a.alert_status = 'open'
        order by a.sla_due_at, a.alert_id
        """,
        [customer_key],
    )


# --------------------------------------------------------------------------- CX team


def drivers_by_scope(
    con: duckdb.DuckDBPyConnection, scope_type: str, lens: str = "forces_feelings"
) -> pd.DataFrame:
    """Driver importance by segment or buying role (scope_type = segment | buying_role)."""
    require(con, "marts.fct_driver_importance")
    return _df(
        con,
        """
        select scope_value, attribute, importance, performance, importance_rank, quadrant,
               n_answers
        from marts.fct_driver_importance
        where scope_type = ? and lens = ?
        order by scope_value, importance_rank
        """,
        [scope_type, lens],
    )


_ALERT_FROM = """
        from marts.fct_alerts a
        left join marts.dim_customer c using (customer_key), f
        where cast(a.raised_at as date) between f.d0 and last_day(f.d1)
"""


def alert_queue(con: duckdb.DuckDBPyConnection, f: Filters, limit: int = 200) -> pd.DataFrame:
    require(con, "marts.fct_alerts", "marts.dim_customer")
    return _df(
        con,
        _F + "select a.alert_id, a.alert_type, a.severity, a.alert_status, a.raised_at, "
        "a.sla_due_at, a.is_sla_breached, a.owner_id, c.customer_name, a.evidence"
        + _ALERT_FROM
        + _CUSTOMER_FILTER
        + " and a.alert_status = 'open' order by a.sla_due_at, a.alert_id limit ?",
        [*f.params(), limit],
    )


# --------------------------------------------------------------------------- public opinion

PO_DAILY = "marts.fct_public_opinion_daily"
PO_KEYWORDS = "marts.fct_post_keywords_monthly"
PO_POSTS = "marts.fct_posts"
PO_ALERTS = "marts.fct_public_opinion_alerts"


def sentiment_scores(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Scored posts in the period (sentiment distribution)."""
    require(con, PO_POSTS)
    return _df(
        con,
        _F
        + """
        select p.sentiment_score, p.sentiment_label, p.lang, p.platform, p.topic
        from marts.fct_posts p, f
        where p.published_date between f.d0 and last_day(f.d1)
          and p.sentiment_score is not null
        """,
        f.params(),
    )


def top_keywords(
    con: duckdb.DuckDBPyConnection, f: Filters, lang: str, limit: int = 40
) -> pd.DataFrame:
    """Keywords of the period for the word cloud: summed TF-IDF weight and posts."""
    require(con, PO_KEYWORDS)
    return _df(
        con,
        _F
        + """
        select k.keyword, sum(k.total_weight) as weight, sum(k.n_posts) as posts,
               sum(k.n_negative_posts) as negative_posts
        from marts.fct_post_keywords_monthly k, f
        where k.lang = ? and k.period_month between f.d0 and f.d1
        group by 1 order by weight desc, keyword limit ?
        """,
        [*f.params(), lang, limit],
    )


def customer_posts(con: duckdb.DuckDBPyConnection, f: Filters, customer_key: str) -> pd.DataFrame:
    """A customer's latest public posts in the period (the counts are metrics:
    dashboard/metrics.py customer_mentions)."""
    require(con, PO_POSTS)
    return _df(
        con,
        _F
        + """
        select p.published_at, p.platform, p.sentiment_label, p.topic, p.post_title, p.post_url
        from marts.fct_posts p, f
        where p.customer_key = ? and p.published_date between f.d0 and last_day(f.d1)
        order by p.published_at desc, p.post_key limit 20
        """,
        [*f.params(), customer_key],
    )


def public_opinion_alerts(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    require(con, PO_ALERTS)
    return _df(
        con,
        _F
        + """
        select a.alert_id, a.raised_at, a.subject, a.severity, a.evidence
        from marts.fct_public_opinion_alerts a, f
        where cast(a.raised_at as date) between f.d0 and last_day(f.d1)
        order by a.raised_at desc, a.alert_id
        """,
        f.params(),
    )


# --------------------------------------------------------------------------- loyalty, roles


def loyalty_value(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Renewal, churn and lifetime value per NPS category (the mart's own figures)."""
    require(con, "marts.fct_loyalty_value")
    return _df(
        con,
        """
        select nps_category, n_customers, n_decided_contracts, renewal_rate,
               renewal_rate_ci_low, renewal_rate_ci_high, churn_rate,
               mean_lifetime_value_cny, mean_lifetime_value_ci_low,
               mean_lifetime_value_ci_high, lifetime_value_vs_detractor,
               lifetime_value_vs_detractor_ci_low, lifetime_value_vs_detractor_ci_high
        from marts.fct_loyalty_value
        order by case nps_category when 'promoter' then 1 when 'passive' then 2 else 3 end
        """,
        [],
    )


def nps_by_role(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """NPS per buying role for the latest quarter starting in the period, with its interval
    and n (the mart's own figures)."""
    require(con, "marts.fct_nps_by_role")
    return _df(
        con,
        _F
        + """
        , latest as (
            select max(r.quarter_start) as q
            from marts.fct_nps_by_role r, f
            where r.quarter_start between f.d0 and f.d1
        )
        select r.quarter_start, r.buying_role, r.role_weight, r.n_answers, r.nps,
               r.nps_ci_low, r.nps_ci_high
        from marts.fct_nps_by_role r, latest
        where r.quarter_start = latest.q
        order by r.role_weight desc, r.buying_role
        """,
        f.params(),
    )
