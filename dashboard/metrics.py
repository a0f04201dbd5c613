"""Figures that are MetricFlow metrics come from MetricFlow, on the view's own connection.

One definition per number: a tile that shows a metric of the semantic layer
(dbt_project/models/marts/*/_*__semantic.yml) asks MetricFlow for it, so the tile and
`mf query` cannot disagree. MetricFlow compiles the query; the SQL runs on the read-only
snapshot connection the view already holds (no second engine, no dbt adapter, no lock).

The semantic manifest (target/semantic_manifest.json, written by `dbt parse`) names the
warehouse's catalog; a snapshot opened on its own has its file's name as catalog, so the
relations are re-pointed at the connection's catalog when the engine is built.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import duckdb
import pandas as pd

from cx_settings import PROJECT_ROOT
from dashboard import snapshot_cache
from dashboard.queries import ALL, Filters, NotAvailable

SEMANTIC_MANIFEST = PROJECT_ROOT / "target" / "semantic_manifest.json"


class MetricsUnavailable(NotAvailable):
    """No semantic manifest to compile metrics from (`make manifest`), or the snapshot
    lacks a mart a metric reads: the view shows a notice, never a made-up figure."""


@dataclass(frozen=True)
class Tile:
    """One figure as a view shows it: the metric it is, its value and the n behind it."""

    metric: str
    value: float | None
    n: int | None = None


def _quote(value: str) -> str:
    """A filter value as an SQL string literal. Values come from the marts' own filter
    options, but MetricFlow pastes where-clauses into SQL: quote them anyway."""
    return "'" + str(value).replace("'", "''") + "'"


def period_where(f: Filters) -> str:
    """The view's period (first month .. last month, inclusive) on metric_time by month:
    the one grain every semantic model has (region months are monthly)."""
    first, last = f.start.replace(day=1), f.end.replace(day=1)
    return (
        "{{ TimeDimension('metric_time', 'month') }} between "
        f"{_quote(first.isoformat())} and {_quote(last.isoformat())}"
    )


def dimension_where(dimensions: Mapping[str, str]) -> list[str]:
    """`dimension = value` constraints, one per dimension whose value is not `all`."""
    return [
        f"{{{{ Dimension('{name}') }}}} = {_quote(value)}"
        for name, value in dimensions.items()
        if value != ALL
    ]


class DuckDBConnectionClient:
    """MetricFlow's SqlClient over an open DuckDB connection (read-only queries only)."""

    def __init__(self) -> None:
        from metricflow.protocols.sql_client import SqlEngine
        from metricflow.sql.render.duckdb_renderer import DuckDbSqlPlanRenderer

        self._engine_type = SqlEngine.DUCKDB
        self._renderer = DuckDbSqlPlanRenderer()
        self.con: duckdb.DuckDBPyConnection | None = None

    @property
    def sql_engine_type(self):
        return self._engine_type

    @property
    def sql_plan_renderer(self):
        return self._renderer

    def _con(self) -> duckdb.DuckDBPyConnection:
        if self.con is None:
            raise RuntimeError("no connection bound to the MetricFlow client")
        return self.con

    def query(self, stmt: str, sql_bind_parameter_set=None):
        from metricflow.data_table.mf_table import MetricFlowDataTable

        if sql_bind_parameter_set is not None and sql_bind_parameter_set.param_dict:
            raise ValueError("bind parameters are not used by the dashboard's metric queries")
        cur = self._con().execute(stmt)
        names = [d[0] for d in cur.description]
        return MetricFlowDataTable.create_from_rows(column_names=names, rows=cur.fetchall())

    def execute(self, stmt: str, sql_bind_parameter_set=None) -> None:
        raise PermissionError("the dashboard's MetricFlow client only reads")

    def dry_run(self, stmt: str, sql_bind_parameter_set=None) -> None:
        self._con().execute(f"explain {stmt}")

    def close(self) -> None:
        self.con = None

    def render_bind_parameter_key(self, bind_parameter_key: str) -> str:
        return f"${bind_parameter_key}"


def _manifest_for_catalog(raw: dict, catalog: str) -> dict:
    """The semantic manifest with every model's (and time spine's) relation in `catalog`."""
    spines = raw.get("project_configuration", {}).get("time_spines", [])
    for item in [*raw.get("semantic_models", []), *spines]:
        rel = item["node_relation"]
        rel["database"] = catalog
        rel["relation_name"] = f'"{catalog}"."{rel["schema_name"]}"."{rel["alias"]}"'
    return raw


class _Engine:
    """A MetricFlow engine per (manifest, catalog), its client re-bound per render."""

    def __init__(self, manifest_text: str, catalog: str) -> None:
        from metricflow.engine.metricflow_engine import MetricFlowEngine
        from metricflow_semantics.model.dbt_manifest_parser import (
            parse_manifest_from_dbt_generated_manifest,
        )
        from metricflow_semantics.model.semantic_manifest_lookup import SemanticManifestLookup

        raw = _manifest_for_catalog(json.loads(manifest_text), catalog)
        manifest = parse_manifest_from_dbt_generated_manifest(json.dumps(raw))
        self.client = DuckDBConnectionClient()
        self.engine = MetricFlowEngine(
            semantic_manifest_lookup=SemanticManifestLookup(manifest),
            sql_client=self.client,
        )
        self.lock = threading.Lock()


@lru_cache(maxsize=4)
def _engine(manifest_path: str, mtime_ns: int, catalog: str) -> _Engine:
    return _Engine(Path(manifest_path).read_text(), catalog)


def query(
    con: duckdb.DuckDBPyConnection,
    metrics: Sequence[str],
    where: Sequence[str] = (),
    group_by: Sequence[str] = (),
    manifest_path: Path = SEMANTIC_MANIFEST,
) -> pd.DataFrame:
    """Metric values as MetricFlow computes them, on `con` (the snapshot); cached by
    snapshot (dashboard/snapshot_cache.py)."""
    if not manifest_path.exists():
        raise MetricsUnavailable([manifest_path.name])
    key = (
        "metricflow",
        str(manifest_path),
        manifest_path.stat().st_mtime_ns,
        tuple(metrics),
        tuple(where),
        tuple(group_by),
    )
    return snapshot_cache.cached(key, lambda: _query(con, metrics, where, group_by, manifest_path))


def _query(
    con: duckdb.DuckDBPyConnection,
    metrics: Sequence[str],
    where: Sequence[str],
    group_by: Sequence[str],
    manifest_path: Path,
) -> pd.DataFrame:
    from metricflow.engine.metricflow_engine import MetricFlowQueryRequest

    catalog = con.execute("select current_database()").fetchone()[0]
    eng = _engine(str(manifest_path), manifest_path.stat().st_mtime_ns, catalog)
    request = MetricFlowQueryRequest.create(
        metric_names=list(metrics),
        group_by_names=list(group_by) or None,
        where_constraints=list(where) or None,
    )
    with eng.lock:
        eng.client.con = con
        try:
            table = eng.engine.query(request).result_df
        except duckdb.CatalogException as exc:
            raise MetricsUnavailable([str(exc).splitlines()[0]]) from exc
        finally:
            eng.client.con = None
    return pd.DataFrame(list(table.rows), columns=list(table.column_names))


def _scalar(frame: pd.DataFrame, metric: str) -> float | None:
    if frame.empty or frame[metric].isna().all():
        return None
    return float(frame[metric].iloc[0])


# The executive's fulfillment tiles: verified figures come from the order chains (orders
# semantic model), reported ones from the region-month mart; each query filters with the
# dimensions of its own model.
ORDER_METRICS = ("orders_due", "verified_on_time_rate", "verified_otif", "verification_coverage")
REPORTED_METRICS = ("reported_on_time_rate", "integrity_gap", "reported_orders_due")


def fulfillment_tiles(con: duckdb.DuckDBPyConnection, f: Filters) -> dict[str, Tile]:
    """Verified and reported fulfillment over the view's period, region and business unit."""
    orders = query(
        con,
        ORDER_METRICS + ("orders_verified",),
        [
            period_where(f),
            *dimension_where({"order__region": f.region, "order__business_unit": f.business_unit}),
        ],
    )
    reported = query(
        con,
        REPORTED_METRICS,
        [
            period_where(f),
            *dimension_where(
                {
                    "region_month__region": f.region,
                    "region_month__business_unit": f.business_unit,
                }
            ),
        ],
    )
    due = _scalar(orders, "orders_due")
    verified = _scalar(orders, "orders_verified")
    reported_due = _scalar(reported, "reported_orders_due")
    n_due = int(due or 0)
    n_verified = int(verified or 0)
    return {
        "orders_due": Tile("orders_due", float(n_due), n_due),
        "verified_on_time_rate": Tile(
            "verified_on_time_rate", _scalar(orders, "verified_on_time_rate"), n_verified
        ),
        "verified_otif": Tile("verified_otif", _scalar(orders, "verified_otif"), n_verified),
        "verification_coverage": Tile(
            "verification_coverage", _scalar(orders, "verification_coverage"), n_due
        ),
        "reported_on_time_rate": Tile(
            "reported_on_time_rate",
            _scalar(reported, "reported_on_time_rate"),
            int(reported_due or 0),
        ),
        "integrity_gap": Tile(
            "integrity_gap", _scalar(reported, "integrity_gap"), int(reported_due or 0)
        ),
    }


# NPS without and with the survey-gaming suspects, each with its n (gaming_pair shows them).
SURVEY_METRICS = (
    "nps",
    "nps_answer_count",
    "nps_including_gamed",
    "nps_answer_count_including_gamed",
)
SCENE_METRICS = (
    "scene_nps",
    "scene_nps_answer_count",
    "scene_nps_including_gamed",
    "scene_nps_answer_count_including_gamed",
)


def segment_where(segment: str) -> list[str]:
    """The segment filter as the sidebar offers it: respondents no CRM account resolves
    to have no segment, and the sidebar calls that `unknown`."""
    if segment == ALL:
        return []
    return [f"coalesce({{{{ Dimension('customer__segment') }}}}, 'unknown') = {_quote(segment)}"]


def _gaming_pair(frame: pd.DataFrame, names: tuple[str, ...]) -> dict:
    nps, n, nps_all, n_all = names
    count, count_all = int(_scalar(frame, n) or 0), int(_scalar(frame, n_all) or 0)
    return {
        "metric": nps,
        "metric_including_gamed": nps_all,
        "n": count,
        "nps": _scalar(frame, nps) if count else None,
        "n_including_gamed": count_all,
        "nps_including_gamed": _scalar(frame, nps_all) if count_all else None,
        "n_gaming_suspect": count_all - count,
    }


def survey_nps_where(f: Filters) -> list[str]:
    return [period_where(f), *segment_where(f.segment)]


def scene_nps_where(f: Filters) -> list[str]:
    return [
        period_where(f),
        *dimension_where(
            {
                "response__order_region": f.region,
                "response__order_business_unit": f.business_unit,
            }
        ),
        *segment_where(f.segment),
    ]


def survey_nps(con: duckdb.DuckDBPyConnection, f: Filters) -> dict:
    """Every survey answer submitted in the period (segment filter; region and business
    unit do not apply): metrics nps and nps_including_gamed with their counts."""
    return _gaming_pair(query(con, SURVEY_METRICS, survey_nps_where(f)), SURVEY_METRICS)


def scene_nps(con: duckdb.DuckDBPyConnection, f: Filters) -> dict:
    """Delivery-survey answers, by the surveyed order's region and business unit: metrics
    scene_nps and scene_nps_including_gamed with their counts."""
    return _gaming_pair(query(con, SCENE_METRICS, scene_nps_where(f)), SCENE_METRICS)


MONTH = "metric_time__month"
MONTHLY_ORDER_METRICS = ("orders_due", "orders_verified", "verified_on_time_rate", "verified_otif")


def fulfillment_monthly(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """The fulfillment tiles by month, for the chart beside them: the same metrics with
    the same filters, grouped by metric_time__month, so a month on the chart and the
    tile over that month cannot disagree. A month is provisional when any order due in
    it is (orders carry the flag; the months after the confirmation window have it)."""
    by_order = [
        period_where(f),
        *dimension_where({"order__region": f.region, "order__business_unit": f.business_unit}),
    ]
    orders = query(con, MONTHLY_ORDER_METRICS, by_order, [MONTH])
    flags = query(con, ("orders_due",), by_order, [MONTH, "order__is_provisional"])
    reported = query(
        con,
        ("reported_on_time_rate", "reported_orders_due"),
        [
            period_where(f),
            *dimension_where(
                {
                    "region_month__region": f.region,
                    "region_month__business_unit": f.business_unit,
                }
            ),
        ],
        [MONTH],
    )
    provisional = flags[
        flags["order__is_provisional"].fillna(False).astype(bool) & (flags["orders_due"] > 0)
    ][MONTH].drop_duplicates()
    out = orders.merge(reported, on=MONTH, how="outer")
    out["is_provisional"] = out[MONTH].isin(provisional)
    out = out.rename(columns={MONTH: "month"}).sort_values("month", ignore_index=True)
    out["month"] = pd.to_datetime(out["month"]).dt.date
    return out


REGION = "response__order_region"


def nps_by_region(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Scene NPS by the surveyed order's region (metric scene_nps, n beside it): the one
    NPS a region owns, since a customer may buy in several regions. Answers about orders
    no chain resolves have no region and are left out."""
    frame = query(
        con, ("scene_nps", "scene_nps_answer_count"), scene_nps_where(f), [REGION]
    ).rename(columns={REGION: "region", "scene_nps_answer_count": "n_answers"})
    frame = frame[frame["region"].notna() & (frame["n_answers"].fillna(0) > 0)]
    return frame.sort_values("scene_nps", ascending=False, ignore_index=True)


FUNNEL_METRICS = ("invitations_sent", "invitations_answered", "response_rate")
FUNNEL_BY = ("touchpoint", "buying_role", "region", "channel")


def funnel_where(f: Filters) -> list[str]:
    """Invitations sent in the period, to the region and segment chosen (the business
    unit does not apply: an invitation names none)."""
    return [
        period_where(f),
        *dimension_where({"invitation__region": f.region}),
        *segment_where(f.segment),
    ]


def survey_funnel(con: duckdb.DuckDBPyConnection, f: Filters, by: str) -> pd.DataFrame:
    """Invitations sent and answered, and the response rate, by one of FUNNEL_BY."""
    if by not in FUNNEL_BY:
        raise ValueError(f"survey_funnel by {by!r}: one of {FUNNEL_BY}")
    column = f"invitation__{by}"
    frame = query(con, FUNNEL_METRICS, funnel_where(f), [column]).rename(columns={column: by})
    for name in ("invitations_sent", "invitations_answered"):
        frame[name] = frame[name].fillna(0).astype("int64")
    return frame.sort_values("invitations_sent", ascending=False, ignore_index=True)


ALERT_METRICS = ("alert_count", "alerts_open", "alerts_breached", "alert_sla_breach_rate")


def customer_region_where(region: str) -> list[str]:
    """A customer is in a region when it ordered or has a CRM account there (the
    dimensions are comma-separated lists; customers no alert resolves are in none)."""
    if region == ALL:
        return []
    lists = " or ".join(
        f"list_contains(string_split(coalesce({{{{ Dimension('customer__{d}') }}}}, ''), ', '), "
        f"{_quote(region)})"
        for d in ("order_regions", "crm_regions")
    )
    return [f"({lists})"]


def alert_where(f: Filters) -> list[str]:
    """Alerts raised in the period, of customers in the region and segment chosen."""
    return [period_where(f), *customer_region_where(f.region), *segment_where(f.segment)]


def alert_summary(con: duckdb.DuckDBPyConnection, f: Filters) -> dict:
    """Alerts raised, open, breached and the breach rate (metrics ALERT_METRICS)."""
    frame = query(con, ALERT_METRICS, alert_where(f))
    total = int(_scalar(frame, "alert_count") or 0)
    return {
        "alerts": total,
        "open": int(_scalar(frame, "alerts_open") or 0),
        "breached": int(_scalar(frame, "alerts_breached") or 0),
        "breach_rate": _scalar(frame, "alert_sla_breach_rate") if total else None,
        "metrics": ALERT_METRICS,
    }


SENTIMENT_METRICS = (
    "mention_count",
    "positive_mention_count",
    "neutral_mention_count",
    "negative_mention_count",
    "net_sentiment",
)
_SENTIMENT_NAMES = {
    "mention_count": "mentions",
    "positive_mention_count": "positive",
    "neutral_mention_count": "neutral",
    "negative_mention_count": "negative",
}


def sentiment_summary(con: duckdb.DuckDBPyConnection, f: Filters) -> dict:
    """Public mentions in the period by label, and net sentiment (metrics
    SENTIMENT_METRICS; region, business unit and segment do not apply)."""
    frame = query(con, SENTIMENT_METRICS, [period_where(f)])
    out = {name: int(_scalar(frame, metric) or 0) for metric, name in _SENTIMENT_NAMES.items()}
    out["net_sentiment"] = _scalar(frame, "net_sentiment") if out["mentions"] else None
    out["metrics"] = SENTIMENT_METRICS
    return out


def sentiment_monthly(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """The same metrics by month."""
    frame = query(con, SENTIMENT_METRICS, [period_where(f)], [MONTH])
    frame = frame.rename(columns={MONTH: "month", **_SENTIMENT_NAMES})
    for name in _SENTIMENT_NAMES.values():
        frame[name] = frame[name].fillna(0).astype("int64")
    frame["month"] = pd.to_datetime(frame["month"]).dt.date
    return frame.sort_values("month", ignore_index=True)


def entity_where(entity: str, key: str) -> list[str]:
    """One customer (or another entity) by its key."""
    return [f"{{{{ Entity('{entity}') }}}} = {_quote(key)}"]


def alert_breakdown(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Alerts raised (metric alert_count) by type, severity and SLA breach, with the
    alert tiles' filters, so the bars add up to the tile."""
    by = {"alert__alert_type": "alert_type", "alert__severity": "severity"}
    by["alert__is_sla_breached"] = "is_sla_breached"
    frame = query(con, ("alert_count",), alert_where(f), list(by)).rename(
        columns={**by, "alert_count": "alerts"}
    )
    frame["alerts"] = frame["alerts"].fillna(0).astype("int64")
    return frame.sort_values(list(by.values()), ignore_index=True)


OUTCOME = "response__order_outcome"


def scene_nps_by_outcome(con: duckdb.DuckDBPyConnection, f: Filters) -> dict:
    """Scene NPS of answers about orders verified on time against those verified late
    (metric scene_nps by the surveyed order's outcome), with the scene NPS tile's
    filters: the two are parts of that tile (with unverified and unresolved orders)."""
    frame = query(con, ("scene_nps", "scene_nps_answer_count"), scene_nps_where(f), [OUTCOME])
    out: dict = {"metrics": ("scene_nps", "scene_nps_answer_count")}
    for outcome in ("on_time", "late"):
        rows = frame[frame[OUTCOME] == outcome]
        n = int(rows["scene_nps_answer_count"].fillna(0).sum())
        out[f"n_{outcome}"] = n
        out[f"nps_{outcome}"] = float(rows["scene_nps"].iloc[0]) if n else None
    return out


STAGE = "response__journey_stage"
# The journey stage of answers whose survey names none, as the sidebar and marts call it.
UNKNOWN_STAGE = "unknown"


def _by_stage(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.rename(columns={STAGE: "journey_stage", "nps_answer_count": "n"})
    frame["journey_stage"] = frame["journey_stage"].fillna(UNKNOWN_STAGE)
    frame["n"] = frame["n"].fillna(0).astype("int64")
    return frame


def journey_heatmap(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """NPS (metric nps, with its n) per journey stage and month, with the survey NPS
    tile's filters (period, segment)."""
    frame = query(con, ("nps", "nps_answer_count"), survey_nps_where(f), [STAGE, MONTH])
    frame = _by_stage(frame.rename(columns={MONTH: "month"}))
    frame["month"] = pd.to_datetime(frame["month"]).dt.date
    return frame[["journey_stage", "month", "n", "nps"]].sort_values(
        ["journey_stage", "month"], ignore_index=True
    )


def journey_stage_nps(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """NPS and CES (metrics nps and ces, with the NPS n) per journey stage."""
    frame = _by_stage(query(con, ("nps", "nps_answer_count", "ces"), survey_nps_where(f), [STAGE]))
    frame = frame.rename(columns={"ces": "ces_mean"})
    return frame[["journey_stage", "n", "nps", "ces_mean"]].sort_values(
        "journey_stage", ignore_index=True
    )


CUSTOMER_ORDER_METRICS = (
    "orders_due",
    "orders_on_time_verified",
    "orders_on_time_reported",
    "orders_confirmed",
    "orders_with_issue_reported",
)
_CUSTOMER_ORDER_NAMES = dict(
    zip(
        CUSTOMER_ORDER_METRICS,
        ("orders_due", "on_time_verified", "on_time_reported", "confirmed", "complaints"),
        strict=True,
    )
)


def customer_order_summary(con: duckdb.DuckDBPyConnection, f: Filters, customer_key: str) -> dict:
    """One customer's due orders in the period, region and business unit: on time
    verified and reported, confirmed, with an issue reported (CUSTOMER_ORDER_METRICS),
    with the executive fulfillment tiles' filters."""
    frame = query(
        con,
        CUSTOMER_ORDER_METRICS,
        [
            period_where(f),
            *dimension_where({"order__region": f.region, "order__business_unit": f.business_unit}),
            *entity_where("customer", customer_key),
        ],
    )
    out: dict = {
        name: int(_scalar(frame, metric) or 0) for metric, name in _CUSTOMER_ORDER_NAMES.items()
    }
    out["metrics"] = CUSTOMER_ORDER_METRICS
    return out


CUSTOMER_MENTION_METRICS = ("mention_count", "negative_mention_count", "net_sentiment")


def customer_mentions(con: duckdb.DuckDBPyConnection, f: Filters, customer_key: str) -> dict:
    """Public posts about one customer in the period: mentions, negative ones and net
    sentiment (CUSTOMER_MENTION_METRICS)."""
    frame = query(
        con, CUSTOMER_MENTION_METRICS, [period_where(f), *entity_where("customer", customer_key)]
    )
    mentions = int(_scalar(frame, "mention_count") or 0)
    return {
        "mentions": mentions,
        "negative": int(_scalar(frame, "negative_mention_count") or 0),
        "net_sentiment": _scalar(frame, "net_sentiment") if mentions else None,
        "metrics": CUSTOMER_MENTION_METRICS,
    }
