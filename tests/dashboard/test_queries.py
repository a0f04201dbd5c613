"""dashboard/queries.py against a tiny hand-made snapshot: figures, filters, missing marts."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dashboard import fmt
from dashboard import queries as q

FULL = q.Filters(date(2026, 1, 1), date(2026, 3, 1))

SNAPSHOT_SQL = """
create schema marts;
create schema meta;
create table meta.manifest as select '2026-12-01T00:00:00+00:00' as published_at,
    'run-1' as run_id, '' as source_warehouse, '' as source_modified_at, '{}' as manifest_json;
create table marts.fct_account_nps_quarters (quarter_start date, segment varchar,
    n_accounts_answered bigint, n_voices bigint, nps_unweighted double, role_weighted_nps double,
    revenue_weighted_nps double, revenue_coverage double);
insert into marts.fct_account_nps_quarters values
    ('2025-07-01', 'all', 9, 30, 10, 11, 12, 0.5),
    ('2026-01-01', 'all', 10, 40, 20, 21, 22, 0.75),
    ('2026-01-01', 'key', 4, 12, 30, 31, 32, 0.9);
create table marts.fct_fulfillment_nps_region_months (region varchar, business_unit varchar,
    period_month_start date, orders_due bigint, orders_verified bigint,
    orders_on_time_verified bigint, orders_otif_verified bigint, orders_otif_recorded bigint,
    reported_orders_due bigint, reported_orders_on_time bigint, verified_otif_rate double,
    verified_otif_ci_low double, verified_otif_ci_high double, verified_on_time_rate double,
    reported_on_time_rate double, integrity_gap_points double, scene_n bigint, scene_nps double,
    scene_n_late bigint, scene_promoters_late bigint, scene_detractors_late bigint,
    scene_nps_late double, scene_n_on_time bigint, scene_promoters_on_time bigint,
    scene_detractors_on_time bigint, scene_nps_on_time double, verification_coverage double,
    on_time_rate_of_record double, is_provisional boolean, data_cutoff_date date);
-- West 2026-02 has two unverified orders (due 10, verified 8) and is provisional.
insert into marts.fct_fulfillment_nps_region_months values
    ('East', 'mro', '2026-01-01', 10, 10, 8, 7, 9, 10, 10, 0.7, 0.4, 0.9, 0.8, 1.0, 20,
        5, 0, 2, 0, 2, -100, 3, 3, 0, 100, 1.0, 0.8, false, '2026-03-05'),
    ('East', 'office', '2026-01-01', 30, 30, 27, 24, 29, 28, 27, 0.8, 0.6, 0.9, 0.9, 0.96, 6,
        4, 0, 2, 1, 0, 50, 2, 1, 0, 50, 1.0, 0.96, false, '2026-03-05'),
    ('East', 'all', '2026-01-01', 40, 40, 35, 31, 38, null, null, 0.775, 0.6, 0.9, 0.875, null,
        null, 9, 0, 4, 1, 2, -25, 5, 4, 0, 80, 1.0, 0.875, false, '2026-03-05'),
    ('West', 'mro', '2026-02-01', 10, 8, 5, 5, 6, 10, 9, 0.625, 0.3, 0.9, 0.625, 0.9, 27.5,
        1, 0, 1, 0, 1, -100, 0, 0, 0, null, 0.8, 0.625, true, '2026-03-05'),
    ('West', 'all', '2026-02-01', 10, 8, 5, 5, 6, null, null, 0.625, 0.3, 0.9, 0.625, null, null,
        1, 0, 1, 0, 1, -100, 0, 0, 0, null, 0.8, 0.625, true, '2026-03-05'),
    ('West', 'mro', '2025-06-01', 99, 99, 0, 0, 0, 99, 99, 0, 0, 0, 0, 1, 100,
        0, 0, 0, 0, 0, null, 0, 0, 0, null, 1.0, 0.0, false, '2026-03-05');
create table marts.dim_customer (customer_key varchar, customer_name varchar, segment varchar,
    industry varchar, order_regions varchar, crm_regions varchar, account_manager_ids varchar,
    active_contract_value_cny decimal(18, 2));
insert into marts.dim_customer values
    ('C1', '甲公司', 'key', 'retail', 'East', 'East', 'AM-1, AM-2', 1000),
    ('C2', '乙公司', null, 'energy', 'West', 'West', 'AM-2', 500),
    ('C3', 'Gamma', 'standard', 'it', 'East, West', 'East', 'AM-3', 0),
    ('C4', 'Delta', 'standard', 'it', 'West', 'West', '', 0),
    ('C5', 'Epsilon', 'key', 'it', 'East', 'East', '', 0);
create table marts.fct_customer_health (customer_key varchar, customer_name varchar,
    segment varchar, industry varchar, health_score double, account_nps_score double,
    verified_otif_score double, renewal_score double, churn_risk_tier varchar,
    contract_count bigint, last_activity_date date, days_since_last_activity bigint,
    data_cutoff_date date);
insert into marts.fct_customer_health values
    ('C1', '甲公司', 'key', 'retail', 30, 10, 50, 0, 'high', 2, '2026-03-01', 30, '2026-03-31'),
    ('C2', '乙公司', 'unknown', 'energy', 20, 5, 40, 0, 'high', 1, '2026-02-01', 58,
        '2026-03-31'),
    ('C3', 'Gamma', 'standard', 'it', 90, 90, 90, 100, 'low', 3, '2026-03-30', 1, '2026-03-31'),
    ('C4', 'Delta', 'standard', 'it', 0, null, null, 0, 'lost', 1, '2025-06-01', 303,
        '2026-03-31'),
    ('C5', 'Epsilon', 'key', 'it', 0, null, null, 0, 'lost', 2, null, null, '2026-03-31');
create table marts.fct_driver_importance (scope_type varchar, scope_value varchar, lens varchar,
    attribute varchar, n_answers bigint, performance double, importance double,
    importance_rank bigint, lens_mean_importance double, lens_mean_performance double,
    quadrant varchar);
insert into marts.fct_driver_importance values
    ('all', 'all', 'forces_feelings', 'fulfillment', 100, 3.2, 0.4, 1, 0.2, 3.3, 'fix_first'),
    ('all', 'all', 'forces_feelings', 'price', 100, 3.5, 0.1, 2, 0.2, 3.3, 'possible_overkill'),
    ('segment', 'key', 'forces_feelings', 'trust', 40, 3.0, 0.5, 1, 0.3, 3.1, 'fix_first');
create table marts.dim_contact (person_key varchar, customer_key varchar, full_name varchar,
    job_title varchar, buying_role varchar, is_active boolean, email varchar, phone varchar);
insert into marts.dim_contact values
    ('P1', 'C1', '张三', 'CEO', 'decision_maker', true, 'zs@c1.cn', '13800000001'),
    ('P2', 'C1', '李四', 'Buyer', 'purchaser', true, null, null);
create table marts.fct_survey_responses (response_id varchar, person_key varchar,
    customer_key varchar, survey_type varchar, submitted_at timestamp, submitted_date date,
    submitted_month date, nps_score bigint, nps_category varchar, has_nps integer,
    nps_points integer, is_gaming_suspect boolean, order_region varchar,
    order_business_unit varchar);
insert into marts.fct_survey_responses values
    ('R1', 'P1', 'C1', 'relationship', '2026-01-05 10:00', '2026-01-05', '2026-01-01', 3,
        'detractor', 1, -100, false, null, null),
    ('R2', 'P1', 'C1', 'delivery', '2026-03-20 10:00', '2026-03-20', '2026-03-01', 9,
        'promoter', 1, 100, false, 'East', 'mro'),
    ('R3', 'P1', 'C1', 'delivery', '2026-05-20 10:00', '2026-05-20', '2026-05-01', 0,
        'detractor', 1, -100, false, 'East', 'mro'),
    ('R4', 'P9', 'C2', 'delivery', '2026-02-10 10:00', '2026-02-10', '2026-02-01', 10,
        'promoter', 1, 100, true, 'West', 'mro'),
    ('R5', 'P9', 'C2', 'delivery', '2026-02-11 10:00', '2026-02-11', '2026-02-01', 10,
        'promoter', 1, 100, true, 'West', 'mro'),
    ('R6', 'P7', 'C3', 'delivery', '2026-01-15 10:00', '2026-01-15', '2026-01-01', 5,
        'detractor', 1, -100, false, 'East', 'office');
create table marts.fct_orders (order_key varchar, customer_key varchar, region varchar,
    business_unit varchar, order_date date, first_promised_date date,
    verified_delivery_date date, verification_source varchar, is_due boolean, due_month date,
    is_on_time_reported boolean, is_on_time_verified boolean, is_otif_verified boolean,
    confirmed_received_date date, is_confirmed_in_full boolean,
    is_confirmation_issue_reported boolean, confirmation_issue_type varchar,
    amount_cny decimal(18, 2));
insert into marts.fct_orders values
    ('o1', 'C1', 'East', 'mro', '2026-01-01', '2026-01-10', '2026-01-09', 'confirmation', true,
        '2026-01-01', true, true, true, '2026-01-09', true, false, null, 10),
    ('o2', 'C1', 'East', 'office', '2026-01-02', '2026-01-11', '2026-01-15', 'scan', true,
        '2026-01-01', true, false, false, null, null, true, 'late', 20),
    ('o3', 'C1', 'East', 'mro', '2025-01-02', '2025-01-11', null, null, true,
        '2025-01-01', true, false, false, null, null, false, null, 20);
create table marts.fct_alerts (alert_id varchar, alert_type varchar, raised_at timestamp,
    customer_key varchar, severity varchar, owner_id varchar, sla_due_at timestamp,
    alert_status varchar, is_sla_breached boolean, evidence varchar);
insert into marts.fct_alerts values
    ('a1', 'detractor', '2026-01-05 10:00', 'C1', 'medium', 'AM-1', '2026-01-05 12:00', 'open',
        true, 'NPS 3'),
    ('a2', 'delivery_complaint', '2026-03-31 08:00', 'C2', 'high', 'AM-2', '2026-03-31 10:00',
        'open', false, 'late'),
    ('a3', 'detractor', '2025-01-05 10:00', 'C1', 'medium', 'AM-1', '2025-01-05 12:00', 'open',
        true, 'old');
create table marts.fct_journey_scores (journey_stage varchar, submitted_month date,
    n_nps_answers bigint, n_promoters bigint, n_detractors bigint, n_ces_answers bigint,
    ces_sum bigint);
insert into marts.fct_journey_scores values
    ('search', '2026-01-01', 4, 2, 1, 4, 20), ('search', '2026-02-01', 6, 3, 0, 6, 30),
    ('purchase', '2026-01-01', 2, 0, 2, 2, 6);
"""


@pytest.fixture(scope="module")
def con(tmp_path_factory) -> duckdb.DuckDBPyConnection:
    path: Path = tmp_path_factory.mktemp("dash") / "cx_published.duckdb"
    w = duckdb.connect(str(path))
    w.execute(SNAPSHOT_SQL)
    w.close()
    c = duckdb.connect(str(path), read_only=True)
    yield c
    c.close()


def test_queries_hold_no_string_built_sql():
    """Every filter is a bound parameter: SQL text is constant. The one f-string names a
    table and column from a constant list (filter_options), never a value from the page."""
    src = Path(q.__file__).read_text()
    executes = re.findall(r"con\.execute\((f?)\"", src)
    assert executes and all(prefix == "" for prefix in executes)
    f_strings = re.findall(r'\bf"[^"]*"', src)
    assert f_strings == ['f"select distinct {column} from {table} where {column} is not null"']
    assert "%s" not in src and ".format(" not in src


def test_filter_options(con):
    opts = q.filter_options(con)
    assert opts["regions"] == ["East", "West"]
    assert opts["business_units"] == ["mro", "office"]  # the 'all' roll-up is not an option
    assert opts["segments"] == ["key", "standard", "unknown"]
    assert opts["months"][0] == date(2025, 6, 1)


def test_account_nps_trend_uses_the_marts_rows(con):
    trend = q.account_nps_trend(con, FULL)
    assert list(trend["revenue_weighted_nps"]) == [22]
    key = q.account_nps_trend(con, q.Filters(date(2025, 1, 1), FULL.end, segment="key"))
    assert list(key["n_voices"]) == [12]


def test_the_period_defaults_to_twelve_months_ending_at_the_last_complete_month(con):
    opts = q.filter_options(con)
    assert opts["last_complete_month"] == date(2026, 1, 1)
    assert opts["as_of"] == date(2026, 3, 5)
    months = [date(2025, m, 1) for m in range(1, 13)] + [date(2026, 1, 1), date(2026, 2, 1)]
    assert q.default_period(months, date(2026, 1, 1)) == (date(2025, 2, 1), date(2026, 1, 1))
    assert q.default_period(months[:3], date(2025, 2, 1)) == (date(2025, 1, 1), date(2025, 2, 1))
    # Nothing complete yet: every month.
    assert q.default_period(months, None) == (date(2025, 3, 1), date(2026, 2, 1))


def test_lost_customers_are_listed_apart_from_the_risk_list(con):
    lost = q.lost_customers(con, FULL)
    assert list(lost["customer_key"]) == ["C4", "C5"]  # latest activity first, none last
    assert set(lost["customer_key"]).isdisjoint(q.churn_risk_customers(con, FULL)["customer_key"])
    west = q.lost_customers(con, q.Filters(FULL.start, FULL.end, region="West"))
    assert list(west["customer_key"]) == ["C4"]
    key = q.lost_customers(con, q.Filters(FULL.start, FULL.end, segment="key"))
    assert list(key["customer_key"]) == ["C5"]


def test_drivers_follow_the_segment(con):
    assert list(q.top_drivers(con, FULL)["attribute"]) == ["fulfillment", "price"]
    key = q.top_drivers(con, q.Filters(FULL.start, FULL.end, segment="key"))
    assert list(key["attribute"]) == ["trust"]


def test_churn_risk_filters_by_segment_and_region(con):
    assert list(q.churn_risk_customers(con, FULL)["customer_key"]) == ["C2", "C1"]
    west = q.churn_risk_customers(con, q.Filters(FULL.start, FULL.end, region="West"))
    assert list(west["customer_key"]) == ["C2"]
    unknown = q.churn_risk_customers(con, q.Filters(FULL.start, FULL.end, segment="unknown"))
    assert list(unknown["customer_key"]) == ["C2"]


def test_account_manager_single_view(con):
    assert q.account_managers(con, FULL) == ["AM-1", "AM-2", "AM-3"]
    assert list(q.customers_of(con, FULL, "AM-2")["customer_key"]) == ["C2", "C1"]  # by name
    assert q.customer_profile(con, "C1")["churn_risk_tier"] == "high"
    contacts = q.customer_contacts(con, FULL, "C1")
    latest = dict(zip(contacts["full_name"], contacts["latest_nps"], strict=True))
    assert latest["张三"] == 9  # latest answer up to the end of the period (not May's 0)
    assert pd.isna(latest["李四"])  # never answered
    alerts = q.customer_open_alerts(con, "C1")
    assert list(alerts["alert_id"]) == ["a3", "a1"]
    clocks = fmt.sla_clocks(alerts["sla_due_at"], datetime(2026, 1, 5, 11, 0))
    assert dict(zip(alerts["alert_id"], clocks, strict=True))["a1"] == "due in 1 h"


def test_cx_team_figures(con):
    assert len(q.alert_queue(con, FULL)) == 2
    assert list(q.drivers_by_scope(con, "segment")["attribute"]) == ["trust"]


def test_hostile_filter_values_are_just_values(con):
    evil = q.Filters(FULL.start, FULL.end, region="East' or '1'='1", segment="x'; drop table y")
    assert q.churn_risk_customers(con, evil).empty
    assert q.account_managers(con, evil) == []


def test_missing_marts_raise_not_available(con):
    with pytest.raises(q.NotAvailable) as exc:
        q.integrity_verdicts(con, FULL)
    assert exc.value.missing == ["marts.fct_integrity_region_months"]
    for fn in (q.sentiment_scores, q.integrity_order_signals):
        with pytest.raises(q.NotAvailable):
            fn(con, FULL)
    assert q.manifest(con) == {"published_at": "2026-12-01T00:00:00+00:00", "run_id": "run-1"}


def test_formatting():
    assert fmt.nps(22) == "22.0" and fmt.nps(None) == fmt.DASH
    assert fmt.pct(0.8271) == "82.7%" and fmt.points(7.14) == "+7.1"
    assert fmt.count(15325) == "15,325" and fmt.money(350500) == "350,500"
