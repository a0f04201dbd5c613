"""One place for configuration: where things live, which engine runs, and the
thresholds an operator may tune. Dagster, dbt (through `cx-dbt`), MetricFlow
(through `cx-mf`), the dashboard, ingest, identity, enrichment and the tests all
read `load_settings()`; no other module writes a default for any of these.

Each setting resolves, first match wins:

1. its environment variable: `CX_<NAME>` (e.g. `CX_DUCKDB_PATH`), except the
   Dagster instance, which keeps Dagster's own `DAGSTER_HOME`;
2. the project settings file, optional: `cx.toml` at the repository root, or the
   file `CX_SETTINGS_FILE` names; one TOML table per section (`[paths]`,
   `[marts.integrity]` ...); `python -m cx_settings template` prints one with
   every setting commented out;
3. the default written below, once.

Paths relative in the environment are taken from the working directory, relative
in the file from the file's directory. A mapping (weights, the integrity table)
set in the file or the environment (as JSON) replaces only the keys it names; an
unknown key, section or choice is an error, so a typo never passes silently.

Nothing here writes os.environ. dbt and mf get the values as their own
subprocess environment and `--vars` (cx_settings/dbt.py); `python -m cx_settings
show` prints the effective values.

What stays outside, as data versioned with the code that reads it:
- identity/matching.yml: the matching model (comparisons, blocking and
  deterministic rules, training, the threshold search range, Spark session
  options). Its fingerprint decides when the model is retrained.
- identity/lexicon.yml and enrichment/lexicon.yml: word lists and valences. The
  enrichment lexicon's hash is part of the scorer version (every post is rescored
  when it changes); the sentiment settings below are hashed in as well.
- dashboard/access.yml (users, roles, scopes), sql_sources.yml (source systems),
  orchestration/pii.yml (which columns are personal data): records, not tunables;
  their locations are settings.
- ingest/contract.py: the landing contract.
"""

from __future__ import annotations

import json
import os
import tomllib
import typing
from collections.abc import Callable, Mapping
from dataclasses import Field, dataclass, field, fields
from datetime import date
from functools import cache, lru_cache
from pathlib import Path
from types import MappingProxyType, NoneType, UnionType
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SETTINGS_FILE_ENV = "CX_SETTINGS_FILE"
SETTINGS_FILE = PROJECT_ROOT / "cx.toml"

Resolved = Mapping[str, Any]


def _setting(
    default: Any | Callable[[Resolved], Any],
    doc: str,
    *,
    shown: str | None = None,
    env: str | None = None,
    choices: tuple[str, ...] = (),
) -> Any:
    """A settings field: no dataclass default, so a Settings is only ever built
    resolved. A callable default is derived from the settings resolved before it
    (`landing_dir` from `data_dir`); `shown` is how the docs write it."""
    return field(
        metadata={"default": default, "doc": doc, "shown": shown, "env": env, "choices": choices}
    )


def _under_data(*parts: str) -> Callable[[Resolved], Path]:
    return lambda r: Path(r["data_dir"], *parts)


@dataclass(frozen=True)
class Paths:
    data_dir: Path = _setting(
        PROJECT_ROOT / "data", "Root of the data: landing, warehouse, snapshot, logs.", shown="data"
    )
    landing_dir: Path = _setting(
        _under_data("landing"), "Landing zone the loader reads.", shown="<data_dir>/landing"
    )
    duckdb_path: Path = _setting(
        _under_data("warehouse.duckdb"),
        "The warehouse file (dbt target `dev`).",
        shown="<data_dir>/warehouse.duckdb",
    )
    published_path: Path = _setting(
        _under_data("published", "cx_published.duckdb"),
        "Read-only snapshot for dashboards and analysts. Its stem is the catalog readers "
        "see: it must differ from every schema name in it.",
        shown="<data_dir>/published/cx_published.duckdb",
    )
    review_store: Path = _setting(
        _under_data("operational", "clerical_review.sqlite"),
        "Clerical review decisions on identity pairs (outside the warehouse).",
        shown="<data_dir>/operational/clerical_review.sqlite",
    )
    alert_store: Path = _setting(
        _under_data("operational", "alert_actions.sqlite"),
        "Alert handling recorded from the dashboard (outside the warehouse).",
        shown="<data_dir>/operational/alert_actions.sqlite",
    )
    dagster_home: Path = _setting(
        PROJECT_ROOT / ".dagster_home",
        "Dagster instance (run history, pool limits in its dagster.yaml).",
        shown=".dagster_home",
        env="DAGSTER_HOME",
    )
    sql_sources: Path = _setting(
        PROJECT_ROOT / "sql_sources.yml",
        "SQL source systems to extract from (absent: none).",
        shown="sql_sources.yml",
    )
    dashboard_access: Path = _setting(
        PROJECT_ROOT / "dashboard" / "access.yml",
        "Dashboard users, roles and scopes.",
        shown="dashboard/access.yml",
    )

    @property
    def quality_dir(self) -> Path:
        """Great Expectations project and Data Docs."""
        return self.data_dir / "quality"

    @property
    def logs_dir(self) -> Path:
        return self.data_dir / "logs"


@dataclass(frozen=True)
class Engine:
    identity_backend: str = _setting(
        "duckdb",
        "Splink backend of entity resolution (spark needs `pip install -e .[spark]`).",
        choices=("duckdb", "spark"),
    )
    dbt_target: str = _setting(
        "dev",
        "dbt target: `dev` writes the warehouse, `reader` reads the snapshot read-only.",
        choices=("dev", "reader"),
    )
    dbt_threads: int = _setting(2, "dbt threads.")
    python_workers: int = _setting(
        0,
        "Processes for the Python text work of a build (post linking and scoring, company "
        "names): 0 is one per CPU core, 1 runs it in the build's own process.",
    )
    sql_memory_limit: str = _setting(
        "1GB", "DuckDB memory limit while extracting a SQL source (spills to disk beyond)."
    )
    duckdb_memory_limit: str = _setting(
        "4GB",
        "DuckDB memory limit of each connection of a build (the warehouse's, dbt's, "
        "Splink's); beyond it DuckDB spills to disk. DuckDB's own default is 80% of RAM.",
    )


@dataclass(frozen=True)
class Ingest:
    landing_settle_seconds: float = _setting(
        5.0,
        "A landing file is taken only when unchanged for this long (files in flight wait).",
    )
    earliest_date: date = _setting(
        date(2000, 1, 1), "Dates and timestamps before this day are quarantined as implausible."
    )
    latest_years_ahead: int = _setting(
        10, "... and so are those more than this many years after the load day."
    )
    max_length: Mapping[str, int] = _setting(
        {"id": 200, "text": 2000, "long_text": 20000},
        "Longest value in characters per contract type (`long_text`: comments, post bodies); "
        "longer values are quarantined, never truncated.",
    )
    encodings: tuple[str, ...] = _setting(
        ("gb18030", "utf_16", "utf_32"),
        "Encodings accepted besides UTF-8 (gb18030 covers GBK). Single-byte code pages "
        "decode anything, so corruption would pass as mojibake: not accepted by default.",
    )


@dataclass(frozen=True)
class Identity:
    threshold_match_weight: float = _setting(
        4.0,
        "Match weight from which two records are the same entity (where a run does not "
        "choose it from the weight distribution, `threshold_selection` in matching.yml).",
    )
    review_min_match_weight: float = _setting(
        -2.0, "Pairs from this weight up to the threshold go to clerical review."
    )
    review_capacity: int = _setting(
        150,
        "Pairs in the review band when the threshold is chosen per run: one sitting "
        "(about 30 s a pair: 150 pairs in 75 minutes).",
    )
    retrain_when_records_grow_by: float = _setting(
        0.5,
        "A stored model is retrained once the records grew by this share since training; "
        "0 retrains on every run (weights then equal a rebuild's).",
    )


@dataclass(frozen=True)
class Enrichment:
    sentiment_positive_threshold: float = _setting(
        0.05, "Rules-only sentiment: score at or above is positive."
    )
    sentiment_negative_threshold: float = _setting(
        -0.05, "Rules-only sentiment: score at or below is negative."
    )
    zh_model_weight: float = _setting(
        0.3, "Chinese label: lexicon total + this x the model's log-odds."
    )
    zh_threshold: float = _setting(1.0, "Chinese label: positive at +this, negative at -this.")
    en_model_weight: float = _setting(
        1.5, "English label: VADER compound + this x tanh(log-odds / en_model_scale)."
    )
    en_model_scale: float = _setting(2.0, "English label: scale of the model's log-odds.")
    en_threshold: float = _setting(0.1, "English label: positive at +this, negative at -this.")
    en_neutral_margin: float = _setting(
        0.0,
        "English: neutral when the model's neutral class beats both poles by more than "
        "this (log-likelihood) ...",
    )
    en_neutral_max_rules: float = _setting(0.4, "... and |VADER compound| is below this.")


@dataclass(frozen=True)
class Marts:
    """Thresholds of the dbt models, passed to dbt as vars `cx_<name>`."""

    customer_name_script: str = _setting(
        "zh", "dim_customer survivorship: the script a canonical name is preferably written in."
    )
    confirmation_window_days: int = _setting(
        14, "Customers confirm receipt up to this many days late: months inside are provisional."
    )
    order_chain_max_depth: int = _setting(
        5, "Deepest cancel-and-re-create chain followed (int_fulfillment__order_chain_members)."
    )
    buying_role_weights: Mapping[str, float] = _setting(
        {
            "decision_maker": 3.0,
            "influencer": 2.0,
            "purchaser": 1.5,
            "finance": 1.5,
            "user": 1.0,
            "gatekeeper": 1.0,
            "other": 1.0,
            "unknown": 1.0,
        },
        "Account NPS: weight of each contact's answer by buying role (decision makers carry "
        "the renewal).",
    )
    alert_sla_hours: int = _setting(2, "Closed loop: hours to act on a detractor or complaint.")
    health_window_months: int = _setting(
        6, "Customer health looks back this many months from the latest month in the data."
    )
    health_weights: Mapping[str, float] = _setting(
        {
            "account_nps": 0.35,
            "verified_otif": 0.25,
            "complaint_free": 0.15,
            "renewal": 0.15,
            "alert_free": 0.10,
        },
        "Customer health: weights of its measures (each 0-100; missing ones re-weighted).",
    )
    health_high_risk_below: float = _setting(45, "Health score below this: churn risk high.")
    health_medium_risk_below: float = _setting(60, "Health score below this: churn risk medium.")
    lost_inactive_days: int = _setting(
        180,
        "Lost customer: every contract churned or ended unrenewed and no order, "
        "confirmation or response in this many days up to the data's cutoff.",
    )
    po_reach_weights: Mapping[str, float] = _setting(
        {"likes": 0.1, "shares": 0.5, "comments": 0.3},
        "Public opinion reach: author weight x (1 + likes x w + shares x w + comments x w).",
    )
    po_author_weights: Mapping[str, float] = _setting(
        {"individual": 1.0, "company": 1.5, "media": 3.0, "kol": 5.0, "unknown": 1.0},
        "Public opinion reach: weight of the author type.",
    )
    po_spike_baseline_days: int = _setting(
        28, "Negative-spike alerts: baseline = daily negative posts of the previous days."
    )
    po_spike_z: float = _setting(
        3, "Spike when negatives >= baseline mean + z x max(sd, min_sd); high at 2z."
    )
    po_spike_min_sd: float = _setting(1.0, "Floor of the baseline's standard deviation.")
    po_spike_min_count_brand: int = _setting(5, "Fewest negative posts a day for a brand spike.")
    po_spike_min_count_customer: int = _setting(
        3, "Fewest negative posts a day for a customer spike."
    )
    po_top_keywords: int = _setting(50, "Keywords kept per month and language (word clouds).")
    integrity: Mapping[str, float] = _setting(
        {
            # "The verified history cannot produce the reported count" (binomial
            # tail): below alpha_fail the report fails, below alpha_suspect it is
            # suspect. ~500 region-months a year per 100 cells: 0.001 keeps chance
            # failures below one a year.
            "alpha_fail": 0.001,
            "alpha_suspect": 0.01,
            # A gap smaller than this (points) is immaterial however significant.
            "min_gap_points": 1.0,
            # Customers tap the confirmation up to a day late; pattern 2 then needs
            # the same staff member's proven early records (at least
            # corroboration_min_records, same region x BU, within
            # corroboration_months of the due month).
            "confirmation_lag_days": 1,
            "corroboration_months": 0,
            "corroboration_min_records": 2,
            # A manual record typed this many days after the delivery it claims,
            # once the promise had passed, is backdated (clerks type within 2 days).
            "backdated_record_days": 3,
            # Written this long after the first promise, with no scan and no
            # confirmation: listed as evidence (weak signal, no verdict).
            "late_record_days": 7,
            # Orders with nothing recorded, due within this many days of the
            # latest delivery record loaded, are pending data.
            "record_lag_days": 3,
            # Cherry-picked denominator: orders due reported short by at least this
            # many orders AND this share (honest month shifts stay below both).
            "denominator_min_orders": 3,
            "denominator_min_share": 0.01,
            # Too perfect: a rate at/above perfect_rate the verified history does
            # not reach, or a run of perfect_run_months such months.
            "perfect_rate": 0.995,
            "perfect_run_months": 3,
            # Near-constant reports: over the trailing window (at least
            # smooth_min_months reported), a reported rate whose variance is below
            # ratio x the defensible rate's while above it by min_gap_points.
            "smooth_window_months": 6,
            "smooth_min_months": 4,
            "smooth_max_variance_ratio": 0.25,
            # Reported on-time orders beyond the region's own records: suspect
            # from this many orders (and min_gap_points).
            "beyond_records_min_orders": 2,
            # Proven manipulated orders that make a month beautified rather than
            # suspect: at least this many, explaining at least this many points.
            "beautified_min_orders": 2,
            "beautified_min_points": 1.0,
            # Survey selectivity: tested with at least this many late orders;
            # flagged when significant (alpha_fail) AND late orders were invited at
            # most this fraction as often as on-time ones.
            "survey_min_late_orders": 5,
            "survey_max_relative_invitation_rate": 0.5,
            # The score whose clustering around one sender is pattern 6.
            "ten_score": 10,
            # Largest n of the exact binomial tests (log-factorial table size).
            "max_binomial_n": 131072,
        },
        "Fulfillment-integrity verdicts (README, Fulfillment integrity); each key "
        "commented in cx_settings.",
    )


@dataclass(frozen=True)
class Operations:
    local_timezone: str = _setting(
        "Asia/Shanghai",
        "The business's clock: zone-less landing timestamps (dbt var cx_local_timezone) "
        "and schedules.",
    )
    build_schedule: str = _setting(
        "0 6 * * *", "Cron of the scheduled warehouse build (before the working day)."
    )
    integrity_failure_severity: str = _setting(
        "WARN",
        "Severity of a failed integrity verdict check; ERROR also stops publishing.",
        choices=("WARN", "ERROR"),
    )
    file_group: str | None = _setting(
        None, "Group that may read the warehouse, snapshot and logs (0640/027); unset: owner only."
    )
    notify_webhooks: Mapping[str, str] = _setting(
        {"wecom": "", "dingtalk": "", "feishu": ""},
        "Closed loop: robot webhook URL per chat app (empty: not used). New detractor alerts "
        "and SLA breaches are posted there after each publish.",
    )
    notify_webhook_secrets: Mapping[str, str] = _setting(
        {"wecom": "", "dingtalk": "", "feishu": ""},
        "Signing secret of a DingTalk or Feishu robot (empty: unsigned).",
    )
    smtp_host: str | None = _setting(
        None, "Closed loop: SMTP server for alert e-mails to the users' addresses (unset: none)."
    )
    smtp_port: int = _setting(25, "SMTP port.")
    smtp_sender: str = _setting("cx-warehouse@localhost", "From address of alert e-mails.")
    notify_window_hours: int = _setting(
        24,
        "Alerts raised (or breached) longer ago than this are history, not news: they are "
        "never notified, so a first build over years of data pages nobody.",
    )


@dataclass(frozen=True)
class Settings:
    paths: Paths
    engine: Engine
    ingest: Ingest
    identity: Identity
    enrichment: Enrichment
    marts: Marts
    operations: Operations


SECTIONS: dict[str, type] = {
    "paths": Paths,
    "engine": Engine,
    "ingest": Ingest,
    "identity": Identity,
    "enrichment": Enrichment,
    "marts": Marts,
    "operations": Operations,
}


def env_name(f: Field) -> str:
    return f.metadata["env"] or f"CX_{f.name.upper()}"


def all_fields() -> list[tuple[str, Field]]:
    """(section, field) for every setting, in documentation order."""
    return [(name, f) for name, cls in SECTIONS.items() for f in fields(cls)]


ENV_NAMES: frozenset[str] = frozenset(env_name(f) for _, f in all_fields())


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


class SettingsError(ValueError):
    """A value that does not fit its setting (named, with where it came from)."""


def _coerce_scalar(value: Any, kind: type, origin: str) -> Any:
    if kind is Path:
        return Path(os.path.expanduser(str(value)))
    if kind is date:
        return value if isinstance(value, date) else date.fromisoformat(str(value))
    if kind is bool:
        raise SettingsError(f"{origin}: booleans are not supported")
    if kind in (int, float) and isinstance(value, bool):
        raise SettingsError(f"{origin}: expected a number, got {value!r}")
    if kind is int and isinstance(value, float) and not value.is_integer():
        raise SettingsError(f"{origin}: expected an integer, got {value!r}")
    return kind(value)


def _from_text(text: str, kind: Any) -> Any:
    """An environment variable's text as the setting's kind: JSON for mappings and
    lists (a list may also be comma-separated)."""
    origin = typing.get_origin(kind)
    if origin in (Mapping, dict):
        return json.loads(text)
    if origin is tuple:
        text = text.strip()
        return json.loads(text) if text.startswith("[") else [p.strip() for p in text.split(",")]
    return text


def _coerce(value: Any, kind: Any, default: Any, origin: str) -> Any:
    """`value` as the setting's type; a mapping is merged over the default's keys."""
    try:
        shape = typing.get_origin(kind)
        if shape in (UnionType, typing.Union):
            if value is None or value == "":
                return None
            (kind,) = [k for k in typing.get_args(kind) if k is not NoneType]
            return _coerce_scalar(value, kind, origin)
        if shape in (Mapping, dict):
            if not isinstance(value, Mapping):
                raise SettingsError(f"{origin}: expected a table of keys, got {value!r}")
            unknown = set(value) - set(default)
            if unknown:
                raise SettingsError(f"{origin}: unknown keys {sorted(unknown)}")
            merged = dict(default)
            for key, item in value.items():
                merged[key] = _coerce_scalar(item, type(default[key]), f"{origin}.{key}")
            return MappingProxyType(merged)
        if shape is tuple:
            if isinstance(value, str | bytes) or not isinstance(value, list | tuple):
                raise SettingsError(f"{origin}: expected a list, got {value!r}")
            return tuple(str(v) for v in value)
        return _coerce_scalar(value, kind, origin)
    except (TypeError, ValueError) as e:
        if isinstance(e, SettingsError):
            raise
        raise SettingsError(f"{origin}: {value!r} is not a valid {kind}: {e}") from e


def _frozen_default(value: Any) -> Any:
    if isinstance(value, Mapping):
        return MappingProxyType(dict(value))
    return value


def _read_file(path: Path | None) -> dict[str, Any]:
    if path is None or not path.exists():
        return {}
    with path.open("rb") as fh:
        table = tomllib.load(fh)
    unknown = set(table) - set(SECTIONS)
    if unknown:
        raise SettingsError(f"{path}: unknown sections {sorted(unknown)} (known: {list(SECTIONS)})")
    for name, section in table.items():
        known = {f.name for f in fields(SECTIONS[name])}
        if not isinstance(section, dict) or set(section) - known:
            extra = sorted(set(section) - known) if isinstance(section, dict) else section
            raise SettingsError(f"{path}: [{name}] has unknown settings {extra}")
    return table


def _resolve_one(
    section: str,
    f: Field,
    environ: Mapping[str, str],
    file_table: Mapping[str, Any],
    file_dir: Path,
    cwd: Path,
    resolved: Resolved,
) -> Any:
    kind = _hints(SECTIONS[section])[f.name]
    default = f.metadata["default"]
    default = default(resolved) if callable(default) else default
    name = env_name(f)
    if environ.get(name, "") != "":
        value = _coerce(_from_text(environ[name], kind), kind, default, name)
        base = cwd
    elif f.name in file_table.get(section, {}):
        value = _coerce(file_table[section][f.name], kind, default, f"[{section}] {f.name}")
        base = file_dir
    else:
        return _frozen_default(default)
    if isinstance(value, Path) and not value.is_absolute():
        value = base / value
    choices = f.metadata["choices"]
    if choices and value not in choices:
        raise SettingsError(f"{name}: {value!r} is not one of {list(choices)}")
    return value


def settings_file(environ: Mapping[str, str]) -> Path | None:
    """The project settings file: CX_SETTINGS_FILE (must exist), else cx.toml if present."""
    explicit = environ.get(SETTINGS_FILE_ENV)
    if explicit:
        path = Path(explicit).expanduser()
        if not path.exists():
            raise SettingsError(f"{SETTINGS_FILE_ENV}={explicit}: no such file")
        return path
    return SETTINGS_FILE if SETTINGS_FILE.exists() else None


def resolve(environ: Mapping[str, str], file: Path | None, cwd: Path | None = None) -> Settings:
    """The settings for this environment and settings file (pure: reads only the file)."""
    cwd = cwd or Path.cwd()
    table = _read_file(file)
    file_dir = file.resolve().parent if file else PROJECT_ROOT
    resolved: dict[str, Any] = {}
    sections: dict[str, Any] = {}
    for section, cls in SECTIONS.items():
        values: dict[str, Any] = {}
        for f in fields(cls):
            # in order: a derived default reads the settings resolved before it
            values[f.name] = _resolve_one(section, f, environ, table, file_dir, cwd, resolved)
            resolved[f.name] = values[f.name]
        sections[section] = cls(**values)
    return Settings(**sections)


def defaults() -> Settings:
    """The settings with nothing set: what the code ships with."""
    return resolve({}, None)


@lru_cache(maxsize=32)
def _cached(
    env_items: tuple[tuple[str, str], ...], file: str | None, stamp: Any, cwd: str
) -> Settings:
    return resolve(dict(env_items), Path(file) if file else None, Path(cwd))


def load_settings() -> Settings:
    """The settings in effect now. Cached on what they depend on (the CX_ variables,
    the settings file's modification, the working directory), so a test or a build
    that points CX_DATA_DIR elsewhere sees the change; no side effects."""
    environ = os.environ
    file = settings_file(environ)
    stamp = (file.stat().st_mtime_ns, file.stat().st_size) if file else None
    env_items = tuple(
        sorted((k, v) for k, v in environ.items() if k in ENV_NAMES or k == SETTINGS_FILE_ENV)
    )
    return _cached(env_items, str(file) if file else None, stamp, os.getcwd())


def as_plain(value: Any) -> Any:
    """A setting's value as JSON/TOML-ready data (paths and dates as text)."""
    if isinstance(value, Mapping):
        return {k: as_plain(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [as_plain(v) for v in value]
    if isinstance(value, Path | date):
        return str(value) if isinstance(value, Path) else value.isoformat()
    return value


def dbt_vars(s: Settings) -> dict[str, Any]:
    """The dbt vars: every marts setting as `cx_<name>`, and the local time zone."""
    out = {f"cx_{f.name}": as_plain(getattr(s.marts, f.name)) for f in fields(Marts)}
    out["cx_local_timezone"] = s.operations.local_timezone
    return out


def value_of(s: Settings, name: str) -> Any:
    """A setting by its field name (`duckdb_path`) or environment name (`CX_DUCKDB_PATH`)."""
    for section, f in all_fields():
        if name in (f.name, env_name(f)):
            return getattr(getattr(s, section), f.name)
    raise KeyError(name)
