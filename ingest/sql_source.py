"""Extract contract tables straight from a source database (a CRM's, an order system's).

A SQL source is declared in configuration (`sql_sources.yml`, see README): a
SQLAlchemy URL whose secrets come from the environment, and per contract table
the source table or a query, the column mapping and the watermark column.

One extraction is one DuckDB transaction, like one landing file: rows whose
watermark is above the last committed one (and at most the source's maximum,
read first) stream in chunks from a server-side cursor into a temp table, then
go through the loader's own contract rules into the same raw table, quarantine
and ledger. A connection lost mid-way rolls everything back and leaves a
`failed` ledger entry; the next run starts again from the last committed
watermark. Re-extracting a range supersedes the loads it overlaps: their raw and
quarantine rows are deleted and their ledger entries marked `superseded` in the
same transaction. The same range with the same content loads nothing
(`duplicate`).

Watermark details live in `raw._sql_extractions`, one row per ledger entry.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import sqlalchemy as sa
import yaml

from cx_settings import load_settings
from ingest import contract as c
from ingest.loader import (
    LEDGER,
    QUARANTINE,
    STATUS_DUPLICATE,
    STATUS_LOADED,
    FileLoadResult,
    _now,
    _Parsed,
    _record,
    _select_list,
    _write_file,
    ensure_schema,
    raw_record_sql,
    raw_table_name,
)
from ingest.sql import ident, literal

EXTRACTIONS = "raw._sql_extractions"
STATUS_FAILED = "failed"
STATUS_SUPERSEDED = "superseded"
SQL_FORMAT = "sql"
SQL_LINEAGE_COLUMNS = ("_extracted_at", "_watermark")
DEFAULT_WATERMARK = "updated_at"
DEFAULT_CHUNK_ROWS = 50_000
# DuckDB's memory cap while an extraction runs (its temp tables spill to disk beyond
# it): one extraction is one transaction, so without a cap a million-row table sits in
# memory two or three times over (measured: ~3 GB peak for 1M orders; ~1.5 GB with 1GB).
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class SqlSourceConfigError(ValueError):
    """The SQL source configuration is invalid (or a secret sits in the file)."""


@dataclass(frozen=True)
class SqlTable:
    """One contract table read from a source database."""

    contract: c.Table
    # Exactly one of `table` ("schema.table" or "table") and `query`.
    table: str | None = None
    query: str | None = None
    # Contract column -> source column; unmapped contract columns are looked up by
    # their own name (case-insensitive). Source columns outside the contract land in `_extra`.
    columns: Mapping[str, str] = field(default_factory=dict)
    # Source column whose increase marks a changed row; None = full snapshot each run.
    watermark: str | None = DEFAULT_WATERMARK
    # Extraction order (ties in the watermark); default: the watermark column.
    order_by: tuple[str, ...] = ()
    chunk_rows: int = DEFAULT_CHUNK_ROWS

    @property
    def relation_label(self) -> str:
        return self.table if self.table else "query"


@dataclass(frozen=True)
class SqlSource:
    """One source database and the contract tables read from it."""

    name: str
    # A SQLAlchemy URL with `${VAR}` references to the environment, or None with `url_env`.
    url: str | None
    url_env: str | None
    tables: tuple[SqlTable, ...]
    # Cron schedule of its extraction job (Asia/Shanghai).
    schedule: str = "0 * * * *"

    def path_for(self, table: SqlTable) -> str:
        """The ledger's `file_path` of this source table: `sql://<source>/<table or query>`."""
        return f"sql://{self.name}/{table.contract.qualified}/{table.relation_label}"

    def resolve_url(self, environ: Mapping[str, str] | None = None) -> str:
        env = os.environ if environ is None else environ
        if self.url_env:
            if not env.get(self.url_env):
                raise SqlSourceConfigError(
                    f"SQL source {self.name!r}: environment variable {self.url_env} is not set"
                )
            return env[self.url_env]
        assert self.url is not None
        missing = [v for v in _ENV_REF.findall(self.url) if v not in env]
        if missing:
            raise SqlSourceConfigError(
                f"SQL source {self.name!r}: environment variable(s) {', '.join(missing)} not set"
            )
        return _ENV_REF.sub(lambda m: env[m.group(1)], self.url)


# ----------------------------------------------------------------- configuration


def _check_no_secret(name: str, url: str) -> None:
    """A password in the file is refused: it must be a `${VAR}` reference."""
    # A digit stands in for each reference, so `${PORT}` parses too.
    placeholder = _ENV_REF.sub("0", url)
    try:
        parsed = sa.engine.make_url(placeholder)
    except (sa.exc.ArgumentError, ValueError) as exc:
        raise SqlSourceConfigError(f"SQL source {name!r}: bad URL: {exc}") from exc
    password_ref = re.search(r"://[^/@]*:\$\{[A-Za-z_][A-Za-z0-9_]*\}@", url)
    if parsed.password is not None and not password_ref:
        raise SqlSourceConfigError(
            f"SQL source {name!r}: the URL holds a password; write it as ${{VAR}} and set VAR "
            "in the environment (or give the whole URL with url_env)"
        )


def _parse_table(source: str, raw: Mapping[str, Any]) -> SqlTable:
    name = raw.get("contract")
    if not isinstance(name, str) or name.replace(".", "__") not in c.TABLES_BY_NAME:
        raise SqlSourceConfigError(
            f"SQL source {source!r}: unknown contract table {name!r} "
            f"(one of {', '.join(t.source + '.' + t.name for t in c.TABLES)})"
        )
    contract = c.TABLES_BY_NAME[name.replace(".", "__")]
    table, query = raw.get("table"), raw.get("query")
    if (table is None) == (query is None):
        raise SqlSourceConfigError(f"SQL source {source!r}, {name}: give `table` or `query`")
    columns = {str(k): str(v) for k, v in (raw.get("columns") or {}).items()}
    unknown = sorted(set(columns) - set(contract.column_names))
    if unknown:
        raise SqlSourceConfigError(
            f"SQL source {source!r}, {name}: not contract columns: {', '.join(unknown)}"
        )
    chunk_rows = int(raw.get("chunk_rows", DEFAULT_CHUNK_ROWS))
    if chunk_rows < 1:
        raise SqlSourceConfigError(f"SQL source {source!r}, {name}: chunk_rows must be >= 1")
    return SqlTable(
        contract=contract,
        table=table,
        query=query,
        columns=columns,
        watermark=raw.get("watermark", DEFAULT_WATERMARK),
        order_by=tuple(raw.get("order_by") or ()),
        chunk_rows=chunk_rows,
    )


def parse_config(data: Mapping[str, Any]) -> list[SqlSource]:
    """`{"sources": [{name, url | url_env, schedule?, tables: [...]}, ...]}` -> sources."""
    out = []
    seen: set[str] = set()
    for raw in data.get("sources") or []:
        name = raw.get("name")
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name):
            raise SqlSourceConfigError(f"SQL source name {name!r}: letters, digits, underscore")
        if name in seen:
            raise SqlSourceConfigError(f"SQL source {name!r} is declared twice")
        seen.add(name)
        url, url_env = raw.get("url"), raw.get("url_env")
        if (url is None) == (url_env is None):
            raise SqlSourceConfigError(f"SQL source {name!r}: give `url` or `url_env`")
        if url is not None:
            _check_no_secret(name, url)
        tables = tuple(_parse_table(name, t) for t in raw.get("tables") or [])
        contracts = [t.contract.qualified for t in tables]
        if len(set(contracts)) != len(contracts):
            raise SqlSourceConfigError(f"SQL source {name!r}: a contract table is listed twice")
        out.append(
            SqlSource(
                name=name,
                url=url,
                url_env=url_env,
                tables=tables,
                schedule=str(raw.get("schedule", "0 * * * *")),
            )
        )
    return out


def load_config(path: Path | None) -> list[SqlSource]:
    """Sources declared in `path` (none when the path is None or absent)."""
    if path is None or not path.is_file():
        return []
    return parse_config(yaml.safe_load(path.read_text(encoding="utf-8")) or {})


# ----------------------------------------------------------------- watermarks


def encode_watermark(value: Any) -> tuple[str | None, str | None]:
    """(type, text) of a watermark value, so it can be bound back with its type."""
    if value is None:
        return None, None
    if isinstance(value, datetime):
        return "datetime", value.isoformat()
    if isinstance(value, date):
        return "date", value.isoformat()
    if isinstance(value, bool):
        return "int", str(int(value))
    if isinstance(value, int):
        return "int", str(value)
    if isinstance(value, Decimal):
        return "decimal", str(value)
    if isinstance(value, float):
        return "float", repr(value)
    return "str", str(value)


def decode_watermark(kind: str | None, text: str | None) -> Any:
    if kind is None or text is None:
        return None
    parse: dict[str, Callable[[str], Any]] = {
        "datetime": datetime.fromisoformat,
        "date": date.fromisoformat,
        "int": int,
        "decimal": Decimal,
        "float": float,
        "str": str,
    }
    return parse[kind](text)


def ensure_sql_schema(con: duckdb.DuckDBPyConnection, table: c.Table) -> None:
    ensure_schema(con, [table])
    con.execute(
        f"""create table if not exists {EXTRACTIONS} (
            load_id varchar, source_name varchar, source varchar, table_name varchar,
            relation varchar, watermark_column varchar, watermark_type varchar,
            watermark_from varchar, watermark_to varchar, high_water varchar,
            content_hash varchar, superseded_by varchar, extracted_at timestamp)"""
    )
    raw = raw_table_name(table)
    con.execute(f"alter table {raw} add column if not exists _extracted_at timestamp")
    con.execute(f"alter table {raw} add column if not exists _watermark varchar")


@dataclass(frozen=True)
class _Prior:
    load_id: str
    wm_from: Any
    wm_to: Any
    content_hash: str


def _priors(con: duckdb.DuckDBPyConnection, source: SqlSource, t: SqlTable) -> list[_Prior]:
    rows = con.execute(
        f"""select e.load_id, e.watermark_type, e.watermark_from, e.watermark_to,
                   e.content_hash
        from {EXTRACTIONS} e join {LEDGER} l using (load_id)
        where e.source_name = ? and e.source = ? and e.table_name = ? and l.status = ?
        order by l.finished_at""",
        [source.name, t.contract.source, t.contract.name, STATUS_LOADED],
    ).fetchall()
    return [
        _Prior(lid, decode_watermark(kind, lo), decode_watermark(kind, hi), h)
        for lid, kind, lo, hi, h in rows
    ]


def committed_watermark(con: duckdb.DuckDBPyConnection, source: SqlSource, t: SqlTable) -> Any:
    """The high-water mark of the last committed extraction (None before the first)."""
    row = con.execute(
        f"""select e.watermark_type, e.high_water
        from {EXTRACTIONS} e join {LEDGER} l using (load_id)
        where e.source_name = ? and e.source = ? and e.table_name = ?
          and l.status in (?, ?, ?)
        order by l.finished_at desc limit 1""",
        [
            source.name,
            t.contract.source,
            t.contract.name,
            STATUS_LOADED,
            STATUS_DUPLICATE,
            STATUS_SUPERSEDED,
        ],
    ).fetchone()
    return decode_watermark(*row) if row else None


# ----------------------------------------------------------------- extraction


@dataclass(frozen=True)
class ExtractionResult:
    source_name: str
    table: c.Table
    load_id: str
    status: str
    watermark_from: Any = None
    watermark_to: Any = None
    rows_in: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    superseded: tuple[str, ...] = ()
    error: str | None = None


def _relation(t: SqlTable) -> sa.FromClause:
    if t.query is not None:
        return sa.text(t.query).columns().subquery("src")
    schema, _, name = t.table.rpartition(".") if t.table else ("", "", "")
    return sa.table(name, schema=schema or None)


def _where(t: SqlTable, lo: Any, hi: Any) -> list[sa.ColumnElement[bool]]:
    if t.watermark is None:
        return []
    wm = sa.column(t.watermark)
    if hi is None:
        # An empty source (or only null watermarks): the first run takes those nulls.
        return [wm.is_(None)] if lo is None else [sa.false()]
    upper = wm <= _bind("hi", hi)
    if lo is None:
        # Rows without a watermark are read once, on the first extraction.
        return [sa.or_(upper, wm.is_(None))]
    return [wm > _bind("lo", lo), upper]


def _bind(name: str, value: Any) -> sa.BindParameter[Any]:
    """A bound watermark keeps its time zone (a cast to `timestamp` would drop it)."""
    if isinstance(value, datetime):
        return sa.bindparam(name, value, type_=sa.DateTime(timezone=value.tzinfo is not None))
    return sa.bindparam(name, value)


def _arrow_chunk(names: list[str], rows: list[tuple]) -> pa.Table:
    """Rows of one chunk as an Arrow table (columnar); a column Arrow cannot type
    from its Python values (mixed types) is carried as text."""
    arrays = []
    for values in zip(*rows, strict=True):
        try:
            arrays.append(pa.array(values))
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            arrays.append(pa.array([None if v is None else str(v) for v in values], pa.string()))
    return pa.table(arrays, names=[f"_c{i}" for i in range(len(names))])


def _text_expr(col: str, arrow_type: pa.DataType) -> str:
    if pa.types.is_binary(arrow_type) or pa.types.is_large_binary(arrow_type):
        return f"hex({ident(col)})"
    return f"cast({ident(col)} as varchar)"


def _stream_into_duckdb(
    con: duckdb.DuckDBPyConnection,
    result: sa.CursorResult,
    chunk_rows: int,
    on_chunk: Callable[[int], None] | None,
) -> list[str]:
    """Every row of `result` into temp table `_sql_in` (all text, `_row_number` in order).
    Python holds one chunk at a time."""
    names = list(result.keys())
    cols = ", ".join(f"{ident(f'_c{i}')} varchar" for i in range(len(names)))
    con.execute(f"create or replace temp table _sql_in (_row_number bigint, {cols})")
    done = 0
    for rows in result.partitions(chunk_rows):
        chunk = _arrow_chunk(names, [tuple(r) for r in rows])
        exprs = ", ".join(_text_expr(f.name, f.type) for f in chunk.schema)
        con.register("_sql_chunk", chunk)
        con.execute(
            f"insert into _sql_in select {done} + row_number() over (), {exprs} from _sql_chunk"
        )
        con.unregister("_sql_chunk")
        done += len(rows)
        if on_chunk is not None:
            on_chunk(done)
    return names


def _source_map(t: SqlTable, names: list[str]) -> tuple[dict[str, str], dict[str, str], str]:
    """(contract column -> scanned column, extra name -> scanned column, watermark column)."""
    by_lower = {n.lower(): f"_c{i}" for i, n in enumerate(names)}
    by_exact = {n: f"_c{i}" for i, n in enumerate(names)}
    present: dict[str, str] = {}
    for col in t.contract.column_names:
        src = t.columns.get(col, col)
        scanned = by_exact.get(src) or by_lower.get(src.lower())
        if scanned is not None:
            present[col] = ident(scanned)
    used = {p.strip('"') for p in present.values()}
    extras = {n.lower(): ident(f"_c{i}") for i, n in enumerate(names) if f"_c{i}" not in used}
    wm = "null"
    if t.watermark is not None:
        scanned = by_exact.get(t.watermark) or by_lower.get(t.watermark.lower())
        wm = ident(scanned) if scanned else "null"
    return present, extras, wm


def _overlapping(priors: list[_Prior], lo: Any, hi: Any, snapshot: bool) -> list[_Prior]:
    """Committed loads this range supersedes (a snapshot supersedes every earlier one)."""
    if snapshot:
        return priors
    out = []
    for p in priors:
        # A load without a range (an empty first read) only meets a read from the start.
        above_lo = lo is None or (p.wm_to is not None and p.wm_to > lo)
        below_hi = hi is None or p.wm_from is None or p.wm_from < hi
        if above_lo and below_hi:
            out.append(p)
    return out


def _supersede(
    con: duckdb.DuckDBPyConnection, table: c.Table, old: list[_Prior], new_load_id: str
) -> None:
    if not old:
        return
    ids = [p.load_id for p in old]
    marks = ", ".join("?" for _ in ids)
    con.execute(f"delete from {raw_table_name(table)} where _load_id in ({marks})", ids)
    con.execute(f"delete from {QUARANTINE} where load_id in ({marks})", ids)
    con.execute(
        f"update {LEDGER} set status = '{STATUS_SUPERSEDED}' where load_id in ({marks})", ids
    )
    con.execute(
        f"update {EXTRACTIONS} set superseded_by = ? where load_id in ({marks})",
        [new_load_id, *ids],
    )


def extract_table(
    con: duckdb.DuckDBPyConnection,
    source: SqlSource,
    t: SqlTable,
    engine: sa.Engine,
    *,
    since: Any = None,
    reextract: bool = False,
    on_chunk: Callable[[int], None] | None = None,
) -> ExtractionResult:
    """Extract one source table into raw: the rows changed since the committed watermark.

    `reextract=True` reads the range above `since` (None: everything) again and
    supersedes the committed loads it overlaps (widened to whole loads).
    `on_chunk(rows_so_far)` is called after each chunk (progress logging).
    """
    ensure_sql_schema(con, t.contract)
    table = t.contract
    load_id = uuid.uuid4().hex
    started = _now()
    path = source.path_for(t)
    priors = _priors(con, source, t)
    committed = committed_watermark(con, source, t)
    snapshot = t.watermark is None
    lo = since if reextract else committed
    if reextract and not snapshot and lo is not None:
        # Widen to whole earlier loads, so none is left half-superseded.
        starts = [p.wm_from for p in _overlapping(priors, lo, None, False)]
        if any(s is None for s in starts):
            lo = None
        elif starts:
            lo = min([lo, *starts])
    if snapshot:
        lo = None
    hi = None
    try:
        with engine.connect() as src:
            if not snapshot:
                hi = src.execute(
                    sa.select(sa.func.max(sa.column(t.watermark))).select_from(_relation(t))
                ).scalar()
                if hi is not None and committed is not None and not reextract:
                    hi = max(hi, committed)
            order = [
                sa.column(col) for col in (t.order_by or ((t.watermark,) if t.watermark else ()))
            ]
            stmt = (
                sa.select(sa.text("*"))
                .select_from(_relation(t))
                .where(*_where(t, lo, hi))
                .order_by(*order)
            )
            streaming = src.execution_options(stream_results=True, yield_per=t.chunk_rows)
            limit_before = con.execute("select current_setting('memory_limit')").fetchone()[0]
            limit = load_settings().engine.sql_memory_limit
            con.execute(f"set memory_limit = {literal(limit)}")
            con.execute("begin transaction")
            try:
                names = _stream_into_duckdb(con, streaming.execute(stmt), t.chunk_rows, on_chunk)
                res = _load_extracted(
                    con, source, t, names, load_id, path, lo, hi, committed, priors, snapshot
                )
                _record(con, table, load_id, res.as_file_result(path), 0, SQL_FORMAT, [], started)
                con.execute("commit")
            except BaseException:
                con.execute("rollback")
                raise
            finally:
                con.execute("drop table if exists _sql_in; drop table if exists _parsed")
                con.execute("drop table if exists _rejects")
                con.execute(f"set memory_limit = {literal(limit_before)}")
    except (sa.exc.SQLAlchemyError, duckdb.Error, OSError) as exc:
        error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        _record(
            con,
            table,
            load_id,
            FileLoadResult(path, "", STATUS_FAILED, error=error),
            0,
            SQL_FORMAT,
            [],
            started,
        )
        lo_kind, lo_text = encode_watermark(lo)
        hi_kind, hi_text = encode_watermark(hi)
        _record_extraction(
            con, source, t, load_id, hi_kind or lo_kind, lo_text, hi_text, None, None
        )
        return ExtractionResult(source.name, table, load_id, STATUS_FAILED, lo, hi, error=error)
    return res.result


@dataclass(frozen=True)
class _Loaded:
    result: ExtractionResult
    content_hash: str

    def as_file_result(self, path: str) -> FileLoadResult:
        r = self.result
        return FileLoadResult(
            path,
            self.content_hash,
            r.status,
            rows_in=r.rows_in,
            rows_loaded=r.rows_loaded,
            rows_quarantined=r.rows_quarantined,
            duplicate_of=None,
        )


def _record_extraction(
    con: duckdb.DuckDBPyConnection,
    source: SqlSource,
    t: SqlTable,
    load_id: str,
    kind: str | None,
    lo: str | None,
    hi: str | None,
    high_water: str | None,
    content_hash: str | None,
) -> None:
    con.execute(
        f"insert into {EXTRACTIONS} values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, null, ?)",
        [
            load_id,
            source.name,
            t.contract.source,
            t.contract.name,
            t.relation_label,
            t.watermark,
            kind,
            lo,
            hi,
            high_water,
            content_hash,
            _now(),
        ],
    )


def _load_extracted(
    con: duckdb.DuckDBPyConnection,
    source: SqlSource,
    t: SqlTable,
    names: list[str],
    load_id: str,
    path: str,
    lo: Any,
    hi: Any,
    committed: Any,
    priors: list[_Prior],
    snapshot: bool,
) -> _Loaded:
    table = t.contract
    present, extras, wm = _source_map(t, names)
    con.execute(
        f"""create or replace temp table _parsed as
        select _row_number, {_select_list(table, present, extras)}, {wm} as _wm_value
        from _sql_in"""
    )
    con.execute(
        "create or replace temp table _rejects (row_number bigint, reason varchar, "
        "detail varchar, raw_record varchar)"
    )
    record = raw_record_sql(list(present), bool(extras))
    n, digest = con.execute(
        f"select count(*), coalesce(sum(hash({record}))::varchar, '0') from _parsed"
    ).fetchone()
    content_hash = f"{n}:{digest}"
    kind = next((k for k in (encode_watermark(hi)[0], encode_watermark(lo)[0]) if k), None)
    high = hi if committed is None or (hi is not None and hi > committed) else committed
    _, lo_text = encode_watermark(lo)
    _, hi_text = encode_watermark(hi)
    _, high_text = encode_watermark(high)
    overlapped = _overlapping(priors, lo, hi, snapshot) if n or snapshot else []
    same = [p for p in overlapped if p.content_hash == content_hash and p.wm_from == lo]
    if snapshot and priors and priors[-1].content_hash == content_hash:
        same = [priors[-1]]
    if same and len(overlapped) == len(same):
        # The same range read again with the same content: nothing to load.
        _record_extraction(con, source, t, load_id, kind, lo_text, hi_text, high_text, content_hash)
        return _Loaded(
            ExtractionResult(source.name, table, load_id, STATUS_DUPLICATE, lo, hi),
            content_hash,
        )
    _supersede(con, table, overlapped, load_id)
    loaded = _write_file(
        con,
        table,
        _Parsed(set(present), list(extras), record_columns=tuple(present)),
        load_id,
        path,
        content_hash,
        None,
    )
    con.execute(
        f"""update {raw_table_name(table)} as r
        set _extracted_at = r._loaded_at, _watermark = p._wm_value
        from _parsed p where r._load_id = ? and r._row_number = p._row_number""",
        [load_id],
    )
    _record_extraction(con, source, t, load_id, kind, lo_text, hi_text, high_text, content_hash)
    return _Loaded(
        ExtractionResult(
            source.name,
            table,
            load_id,
            STATUS_LOADED,
            lo,
            hi,
            rows_in=loaded.rows_in,
            rows_loaded=loaded.rows_loaded,
            rows_quarantined=loaded.rows_quarantined,
            superseded=tuple(p.load_id for p in overlapped),
        ),
        content_hash,
    )


def extract_source(
    con: duckdb.DuckDBPyConnection,
    source: SqlSource,
    environ: Mapping[str, str] | None = None,
) -> list[ExtractionResult]:
    """Every table of one source, each in its own transaction."""
    engine = sa.create_engine(source.resolve_url(environ))
    try:
        return [extract_table(con, source, t, engine) for t in source.tables]
    finally:
        engine.dispose()
