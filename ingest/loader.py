"""Load landing files into the `raw` schema, with a ledger and a quarantine.

One file is one transaction: its good rows go to `raw.<source>__<table>`,
its bad rows to `raw._quarantine` with the reason, and one ledger row records
rows_in = rows_loaded + rows_quarantined. A crash mid-file leaves nothing of
that file behind, so the next run loads it whole.

Raw keeps every value as text, exactly as it arrived (typing is the staging
layer's job); columns outside the contract are kept as a JSON object in
`_extra`. All parsing and validation run inside DuckDB, vectorised.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import tempfile
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from ingest import contract as c
from ingest.sql import ident, literal
from ingest.validation import checked_sql, rules_for

RAW_SCHEMA = "raw"
LEDGER = f"{RAW_SCHEMA}._load_ledger"
QUARANTINE = f"{RAW_SCHEMA}._quarantine"
LINEAGE_COLUMNS = ("_load_id", "_file_path", "_file_hash", "_row_number", "_loaded_at")
SUPPORTED_SUFFIXES = {".csv": "csv", ".jsonl": "jsonl", ".json": "jsonl", ".parquet": "parquet"}
_CHUNK = 1 << 20

STATUS_LOADED = "loaded"
STATUS_DUPLICATE = "duplicate"
STATUS_REJECTED = "rejected"


@dataclass(frozen=True)
class FileLoadResult:
    file_path: str
    file_hash: str
    status: str
    rows_in: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    encoding: str | None = None
    duplicate_of: str | None = None
    error: str | None = None


def raw_table_name(table: c.Table) -> str:
    return f"{RAW_SCHEMA}.{table.qualified}"


def ensure_schema(con: duckdb.DuckDBPyConnection, tables: Iterable[c.Table] = c.TABLES) -> None:
    con.execute(f"create schema if not exists {RAW_SCHEMA}")
    con.execute(
        f"""create table if not exists {LEDGER} (
            load_id varchar, source varchar, table_name varchar, file_path varchar,
            file_hash varchar, file_bytes bigint, file_format varchar, encoding varchar,
            status varchar, duplicate_of varchar, error varchar, extra_columns varchar[],
            rows_in bigint, rows_loaded bigint, rows_quarantined bigint,
            started_at timestamp, finished_at timestamp)"""
    )
    con.execute(
        f"""create table if not exists {QUARANTINE} (
            load_id varchar, source varchar, table_name varchar, file_path varchar,
            file_hash varchar, row_number bigint, column_name varchar, reason varchar,
            bad_value varchar, detail varchar, raw_record varchar, quarantined_at timestamp)"""
    )
    for table in tables:
        cols = ", ".join(f"{ident(col)} varchar" for col in table.column_names)
        con.execute(
            f"""create table if not exists {raw_table_name(table)} (
                _load_id varchar, _file_path varchar, _file_hash varchar,
                _row_number bigint, _loaded_at timestamp, {cols}, _extra varchar)"""
        )


def file_sha256(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def detect_encoding(path: Path) -> str:
    """'utf-8', 'utf-8-sig' or 'gb18030' (a superset of GBK: Chinese Excel exports).

    Strict UTF-8 decoding of a whole file almost never succeeds on GBK text
    with Chinese characters, so UTF-8 is tried first and GB18030 is the fallback.
    """
    with path.open("rb") as fh:
        head = fh.read(3)
        fh.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")("strict")
        try:
            while chunk := fh.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "gb18030"
    return "utf-8-sig" if head == codecs.BOM_UTF8 else "utf-8"


def _transcode_to_utf8(path: Path, encoding: str, workdir: Path) -> Path:
    target = workdir / f"{uuid.uuid4().hex}{path.suffix}"
    with (
        path.open("r", encoding=encoding, newline="") as src,
        target.open("w", encoding="utf-8", newline="") as dst,
    ):
        while chunk := src.read(_CHUNK):
            dst.write(chunk)
    return target


def _csv_header(path: Path) -> list[str]:
    with path.open("r", encoding="utf-8", newline="") as fh:
        first = fh.readline()
    return next(csv.reader(io.StringIO(first)), [])


def _normalise_names(names: list[str]) -> list[str]:
    """Lower-case and trim header names; make repeats unique so no value is lost."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        base = name.strip().lower() or "unnamed"
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.append(base if n == 0 else f"{base}__{n + 1}")
    return out


def _positional(names: list[str]) -> list[str]:
    """Names for the scanned columns by position, so that no header can collide with a
    name the scan itself gives a meaning (DuckDB's `rowid`, `file_row_number`)."""
    return [f"_col{i}" for i in range(1, len(names) + 1)]


@dataclass(frozen=True)
class _Parsed:
    """A file parsed into the temp table `_parsed` plus its structural rejects in `_rejects`."""

    present_columns: set[str]
    extra_columns: list[str]


def _select_list(table: c.Table, present: dict[str, str], extras: dict[str, str]) -> str:
    """Contract columns (NULL when absent), `_extra` JSON and `_raw` JSON of the record.

    `present` and `extras` map a normalised column name to an SQL expression
    yielding its text value.
    """
    parts = [
        f"{present[col]} as {ident(col)}" if col in present else f"null::varchar as {ident(col)}"
        for col in table.column_names
    ]
    if extras:
        pairs = ", ".join(f"{literal(k)}, {v}" for k, v in extras.items())
        parts.append(f"json_object({pairs})::varchar as _extra")
    else:
        parts.append("null::varchar as _extra")
    everything = {**present, **extras}
    pairs = ", ".join(f"{literal(k)}, {v}" for k, v in everything.items())
    parts.append(f"json_object({pairs})::varchar as _raw" if pairs else "null::varchar as _raw")
    return ", ".join(parts)


def _parse_csv(con: duckdb.DuckDBPyConnection, table: c.Table, path: Path) -> _Parsed:
    header = _normalise_names(_csv_header(path))
    if not header:
        raise ValueError("file has no header row")
    scanned = _positional(header)
    columns = "{" + ", ".join(f"{literal(p)}: 'VARCHAR'" for p in scanned) + "}"
    # Insertion order is preserved (DuckDB's default), so rowid follows the
    # file's record order (offset inside a transaction, hence `- min(rowid)`);
    # rejected records are numbered by DuckDB itself.
    con.execute(
        f"""create or replace temp table _scan as select * from read_csv(
            {literal(str(path))}, columns = {columns}, header = true, auto_detect = false,
            delim = ',', quote = '"', escape = '"', store_rejects = true,
            rejects_table = '_reject_errors', rejects_scan = '_reject_scans',
            null_padding = false, max_line_size = 10000000)"""
    )
    con.execute(
        """create or replace temp table _rejects as
        select line - 1 as row_number, 'malformed_csv_row' as reason,
               string_agg(distinct error_type || ': ' || error_message, '; ') as detail,
               first(csv_line) as raw_record
        from _reject_errors group by line"""
    )
    con.execute(
        """create or replace temp table _reject_rank as
        select row_number - row_number() over (order by row_number) as good_before
        from _rejects"""
    )
    present = {h: ident(p) for h, p in zip(header, scanned, strict=True) if h in table.column_names}
    extras = {
        h: ident(p) for h, p in zip(header, scanned, strict=True) if h not in table.column_names
    }
    con.execute(
        f"""create or replace temp table _parsed as
        with numbered as (
            select rowid - (select min(rowid) from _scan) + 1 as k, * from _scan)
        select k + (select count(*) from _reject_rank r where r.good_before < k) as _row_number,
               {_select_list(table, present, extras)}
        from numbered"""
    )
    con.execute("drop table if exists _reject_errors; drop table if exists _reject_scans")
    return _Parsed(set(present), list(extras))


def _parse_jsonl(con: duckdb.DuckDBPyConnection, table: c.Table, path: Path) -> _Parsed:
    # One column per line: a delimiter and quote that cannot occur in valid JSON
    # text (raw control characters are illegal there) keep each line whole.
    con.execute(
        f"""create or replace temp table _lines as
        select line from read_csv(
            {literal(str(path))}, columns = {{'line': 'VARCHAR'}}, header = false,
            auto_detect = false, delim = '\x1f', quote = '', escape = '',
            store_rejects = true, rejects_table = '_reject_errors',
            rejects_scan = '_reject_scans', max_line_size = 10000000)"""
    )
    con.execute(
        """create or replace temp table _lines as
        select rowid - (select min(rowid) from _lines) + 1 as line_number, line,
               coalesce(case when json_valid(line) then json_type(line) = 'OBJECT' end, false) as ok
        from _lines where nullif(trim(line), '') is not null"""
    )
    con.execute(
        """create or replace temp table _rejects as
        select line_number as row_number, 'malformed_json' as reason,
               'not a JSON object' as detail, line as raw_record
        from _lines where not ok
        union all
        select line, 'malformed_json', error_type || ': ' || error_message, csv_line
        from _reject_errors"""
    )
    keys = [
        row[0]
        for row in con.execute(
            "select distinct unnest(json_keys(line)) as k from _lines where ok order by k"
        ).fetchall()
    ]
    by_name: dict[str, list[str]] = {}
    for key in keys:
        by_name.setdefault(key.strip().lower(), []).append(key)

    def value(raw_keys: list[str], fn: str) -> str:
        exprs = [f"{fn}(line, {literal('$.' + _json_path_key(k))})" for k in raw_keys]
        return exprs[0] if len(exprs) == 1 else f"coalesce({', '.join(exprs)})"

    present = {
        n: value(ks, "json_extract_string") for n, ks in by_name.items() if n in table.column_names
    }
    # Unknown keys keep their JSON structure (nested objects stay objects).
    extras = {
        n: value(ks, "json_extract") for n, ks in by_name.items() if n not in table.column_names
    }
    con.execute(
        f"""create or replace temp table _parsed as
        select line_number as _row_number, {_select_list(table, present, extras)}
        from _lines where ok"""
    )
    con.execute("drop table if exists _reject_errors; drop table if exists _reject_scans")
    return _Parsed(set(present), list(extras))


def _json_path_key(key: str) -> str:
    return '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _parse_parquet(con: duckdb.DuckDBPyConnection, table: c.Table, path: Path) -> _Parsed:
    described = con.execute(f"describe select * from read_parquet({literal(str(path))})").fetchall()
    names = [row[0] for row in described]
    normalised = _normalise_names(names)
    scanned = _positional(names)
    # Columns renamed by position (a file may name one `file_row_number` or `rowid`);
    # insertion order is preserved, so rowid follows the file's row order.
    con.execute(
        f"""create or replace temp table _scan as select *
        from read_parquet({literal(str(path))}) as _file({", ".join(ident(p) for p in scanned)})"""
    )
    exprs = {n: f"cast({ident(p)} as varchar)" for n, p in zip(normalised, scanned, strict=True)}
    present = {n: e for n, e in exprs.items() if n in table.column_names}
    extras = {n: e for n, e in exprs.items() if n not in table.column_names}
    con.execute(
        f"""create or replace temp table _parsed as
        select rowid - (select min(rowid) from _scan) + 1 as _row_number,
               {_select_list(table, present, extras)}
        from _scan"""
    )
    con.execute(
        """create or replace temp table _rejects (row_number bigint, reason varchar,
           detail varchar, raw_record varchar)"""
    )
    return _Parsed(set(present), list(extras))


_PARSERS = {"csv": _parse_csv, "jsonl": _parse_jsonl, "parquet": _parse_parquet}


def _already_seen(con: duckdb.DuckDBPyConnection, rel_path: str, file_hash: str) -> bool:
    return (
        con.execute(
            f"select count(*) from {LEDGER} where file_path = ? and file_hash = ? "
            f"and status in ('{STATUS_LOADED}', '{STATUS_DUPLICATE}')",
            [rel_path, file_hash],
        ).fetchone()[0]
        > 0
    )


def _loaded_as(con: duckdb.DuckDBPyConnection, table: c.Table, file_hash: str) -> str | None:
    """The file of the same table already loaded with this content (a re-sent batch).
    Another table's file with the same bytes (e.g. two empty exports) is no re-send."""
    row = con.execute(
        f"select file_path from {LEDGER} where file_hash = ? and status = '{STATUS_LOADED}' "
        "and source = ? and table_name = ? order by finished_at limit 1",
        [file_hash, table.source, table.name],
    ).fetchone()
    return row[0] if row else None


def _record(
    con: duckdb.DuckDBPyConnection,
    table: c.Table,
    load_id: str,
    res: FileLoadResult,
    size: int,
    fmt: str | None,
    extras: list[str],
    started: datetime,
) -> None:
    con.execute(
        f"insert into {LEDGER} values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            load_id,
            table.source,
            table.name,
            res.file_path,
            res.file_hash,
            size,
            fmt,
            res.encoding,
            res.status,
            res.duplicate_of,
            res.error,
            extras,
            res.rows_in,
            res.rows_loaded,
            res.rows_quarantined,
            started,
            _now(),
        ],
    )


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def load_file(
    con: duckdb.DuckDBPyConnection, table: c.Table, path: Path, landing_root: Path
) -> FileLoadResult | None:
    """Load one file. Returns None when this exact file was already handled."""
    rel_path = path.relative_to(landing_root).as_posix()
    file_hash, size = file_sha256(path)
    if _already_seen(con, rel_path, file_hash):
        return None
    load_id = uuid.uuid4().hex
    started = _now()
    fmt = SUPPORTED_SUFFIXES.get(path.suffix.lower())

    original = _loaded_as(con, table, file_hash)
    if original is not None:
        res = FileLoadResult(rel_path, file_hash, STATUS_DUPLICATE, duplicate_of=original)
        _record(con, table, load_id, res, size, fmt, [], started)
        return res
    if fmt is None:
        res = FileLoadResult(
            rel_path,
            file_hash,
            STATUS_REJECTED,
            error=f"unsupported file type {path.suffix!r}; expected .csv, .jsonl or .parquet",
        )
        _record(con, table, load_id, res, size, fmt, [], started)
        return res

    encoding = None if fmt == "parquet" else detect_encoding(path)
    with tempfile.TemporaryDirectory(prefix="cx_ingest_") as tmp:
        readable = path
        if encoding not in (None, "utf-8"):
            readable = _transcode_to_utf8(path, encoding, Path(tmp))
        try:
            con.execute("begin transaction")
            parsed = _PARSERS[fmt](con, table, readable)
            res = _write_file(con, table, parsed, load_id, rel_path, file_hash, encoding)
            _record(con, table, load_id, res, size, fmt, parsed.extra_columns, started)
            con.execute("commit")
        except (duckdb.Error, ValueError, UnicodeDecodeError) as exc:
            con.execute("rollback")
            res = FileLoadResult(
                rel_path,
                file_hash,
                STATUS_REJECTED,
                encoding=encoding,
                error=f"{type(exc).__name__}: {exc}",
            )
            _record(con, table, load_id, res, size, fmt, [], started)
        finally:
            con.execute(
                "drop table if exists _parsed; drop table if exists _rejects; "
                "drop table if exists _scan"
            )
    return res


def _write_file(
    con: duckdb.DuckDBPyConnection,
    table: c.Table,
    parsed: _Parsed,
    load_id: str,
    rel_path: str,
    file_hash: str,
    encoding: str | None,
) -> FileLoadResult:
    rules = rules_for(table, parsed.present_columns)
    con.execute(f"create or replace temp table _checked as {checked_sql(rules, '_parsed')}")
    cols = ", ".join(ident(col) for col in table.column_names)
    lineage = "?, ?, ?, _row_number, ?"
    loaded_at = _now()
    rows_in = con.execute(
        "select (select count(*) from _checked) + (select count(*) from _rejects)"
    ).fetchone()[0]
    # Loaded and quarantined are what the inserts report, counted apart from
    # rows_in, so the ledger's balance is a real check and not a sum by construction.
    loaded = con.execute(
        f"insert into {raw_table_name(table)} ({', '.join(LINEAGE_COLUMNS)}, {cols}, _extra) "
        f"select {lineage}, {cols}, _extra from _checked where _reason is null "
        "order by _row_number",
        [load_id, rel_path, file_hash, loaded_at],
    ).fetchone()[0]
    bad_value = (
        "case _column "
        + " ".join(f"when {literal(col)} then {ident(col)}" for col in table.column_names)
        + " end"
    )
    quarantined = con.execute(
        f"""insert into {QUARANTINE}
        select ?, ?, ?, ?, ?, _row_number, _column, _reason, {bad_value}, null, _raw, ?
        from _checked where _reason is not null
        union all
        select ?, ?, ?, ?, ?, row_number, null, reason, null, detail, raw_record, ?
        from _rejects""",
        [load_id, table.source, table.name, rel_path, file_hash, loaded_at] * 2,
    ).fetchone()[0]
    con.execute("drop table _checked")
    return FileLoadResult(
        rel_path,
        file_hash,
        STATUS_LOADED,
        rows_in=rows_in,
        rows_loaded=loaded,
        rows_quarantined=quarantined,
        encoding=encoding,
    )


def landing_files(landing_root: Path, table: c.Table) -> list[Path]:
    """Every file in the table's landing folder, in name order (a stable load order)."""
    folder = landing_root / table.source / table.name
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))


def load_table(
    con: duckdb.DuckDBPyConnection, table: c.Table, landing_root: Path
) -> list[FileLoadResult]:
    """Load every file of one landing table that was not loaded before."""
    ensure_schema(con, [table])
    results = []
    for path in landing_files(landing_root, table):
        res = load_file(con, table, path, landing_root)
        if res is not None:
            results.append(res)
    return results
