"""Load landing files into the `raw` schema, with a ledger and a quarantine.

Every file under the landing root gets a ledger row and a verdict:

- `loaded`: its good rows went to `raw.<source>__<table>`, its bad rows to
  `raw._quarantine` with the reason, and rows_in = rows_loaded + rows_quarantined;
- `duplicate`: the same content was already loaded for the same table;
- `rejected`: the file could not be read as a whole (unsupported type, not text
  in an accepted encoding, no header ...): the error names the file and why;
- `ignored`: not a landing file (unknown folder, hidden file, symlink, a path
  outside the landing zone, not a regular file), with why;
- `retracted`: withdrawn by `python -m ingest.retract` (ingest/retract.py);
  its rows are gone and the file is not loaded again.

A file still being written (modified within the settle interval of
the settings (ingest), changed while it was read, or named `*.part`, `*.tmp`,
`*.partial`) is left for the next build and recorded nowhere yet.

One file is one transaction: a crash mid-file leaves nothing of that file
behind, so the next run loads it whole. Raw keeps every value as text, exactly
as it arrived, once it passed the contract's checks (ingest/validation.py), so
staging's casts cannot fail on a loaded row. Columns outside the contract are
kept as a JSON object in `_extra`. All parsing and validation run inside
DuckDB, vectorised.

`load_relation` is the same path for any other source (e.g. a SQL database):
it validates a DuckDB relation of text columns against a contract table and
writes raw, quarantine and ledger exactly as a file's load does.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import stat
import tempfile
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from ingest import contract as c
from ingest.encoding import EncodingRejected, decide_encoding, transcode_to_utf8
from ingest.limits import Limits, load_limits
from ingest.sql import ident, literal
from ingest.validation import validate_relation

RAW_SCHEMA = "raw"
LEDGER = f"{RAW_SCHEMA}._load_ledger"
QUARANTINE = f"{RAW_SCHEMA}._quarantine"
LINEAGE_COLUMNS = (
    "_load_id",
    "_file_path",
    "_file_hash",
    "_row_number",
    "_loaded_at",
    "_exported_at",
)
SUPPORTED_SUFFIXES = {".csv": "csv", ".jsonl": "jsonl", ".json": "jsonl", ".parquet": "parquet"}
# Names a sender writes to before renaming the finished file (atomic-rename convention).
IN_FLIGHT_SUFFIXES = (".part", ".tmp", ".partial", ".filepart", ".crdownload", ".uploading")
_CHUNK = 1 << 20

STATUS_LOADED = "loaded"
STATUS_DUPLICATE = "duplicate"
STATUS_REJECTED = "rejected"
STATUS_IGNORED = "ignored"
STATUS_RETRACTED = "retracted"
# Returned, never recorded: the file is left for a later build.
STATUS_IN_FLIGHT = "in_flight"

LEDGER_COLUMNS: tuple[tuple[str, str], ...] = (
    ("load_id", "varchar"),
    ("source", "varchar"),
    ("table_name", "varchar"),
    ("file_path", "varchar"),
    ("file_hash", "varchar"),
    ("file_bytes", "bigint"),
    ("file_format", "varchar"),
    ("encoding", "varchar"),
    ("status", "varchar"),
    ("duplicate_of", "varchar"),
    ("error", "varchar"),
    ("extra_columns", "varchar[]"),
    ("rows_in", "bigint"),
    ("rows_loaded", "bigint"),
    ("rows_quarantined", "bigint"),
    ("started_at", "timestamp"),
    ("finished_at", "timestamp"),
    # When the export was made: a timestamp in the file name, else its modification
    # time (UTC). Decides between versions of a record with equal record times.
    ("exported_at", "timestamp"),
    ("file_modified_at", "timestamp"),
    ("retracted_at", "timestamp"),
    ("retraction_reason", "varchar"),
)


@dataclass(frozen=True)
class FileLoadResult:
    file_path: str
    file_hash: str | None
    status: str
    rows_in: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    encoding: str | None = None
    duplicate_of: str | None = None
    error: str | None = None
    exported_at: datetime | None = None


def raw_table_name(table: c.Table) -> str:
    return f"{RAW_SCHEMA}.{table.qualified}"


def ensure_schema(con: duckdb.DuckDBPyConnection, tables: Iterable[c.Table] = c.TABLES) -> None:
    """Create the raw schema, ledger, quarantine and raw tables; add columns a warehouse
    made by an older loader lacks (ledger times, retraction, `_exported_at`)."""
    con.execute(f"create schema if not exists {RAW_SCHEMA}")
    con.execute(
        f"create table if not exists {LEDGER} ("
        + ", ".join(f"{n} {t}" for n, t in LEDGER_COLUMNS)
        + ")"
    )
    for name, type_ in LEDGER_COLUMNS:
        con.execute(f"alter table {LEDGER} add column if not exists {name} {type_}")
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
                _row_number bigint, _loaded_at timestamp, {cols}, _extra varchar,
                _exported_at timestamp)"""
        )
        con.execute(
            f"alter table {raw_table_name(table)} add column if not exists _exported_at timestamp"
        )


def file_sha256(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


# --------------------------------------------------------------------------- export time

# A date (and optionally a time) in a file name: 20250131, 2025-01-31, 2025-01-31T0830,
# 20250131_083000 ... The last one in the name counts.
_NAME_TIME = re.compile(
    r"(?<!\d)(\d{4})-?(\d{2})-?(\d{2})(?:[T_ -]?(\d{2})[:-]?(\d{2})(?:[:-]?(\d{2}))?)?(?!\d)"
)


def export_time_from_name(name: str) -> datetime | None:
    """The export time a file name carries, if any (read as UTC)."""
    found = None
    for m in _NAME_TIME.finditer(name):
        y, mo, d, hh, mm, ss = (int(g) if g else 0 for g in m.groups())
        try:
            found = datetime(y, mo, d, hh, mm, ss)
        except ValueError:
            continue
    return found


def _mtime(st: os.stat_result) -> datetime:
    return datetime.fromtimestamp(st.st_mtime, UTC).replace(tzinfo=None)


def export_time(path: Path, st: os.stat_result) -> datetime:
    """When the export was made: a timestamp in its name, else its modification time."""
    return export_time_from_name(path.name) or _mtime(st)


# --------------------------------------------------------------------------- landing scan


@dataclass(frozen=True)
class LandingEntry:
    """One thing found under the landing root, and what the loader makes of it."""

    path: Path
    rel_path: str
    # 'file' (a candidate to load), 'ignored' (recorded with why) or 'in_flight'.
    kind: str
    source: str | None = None
    table_name: str | None = None
    reason: str | None = None


def _is_hidden(name: str) -> bool:
    return name.startswith((".", "~$"))


def _is_in_flight_name(name: str) -> bool:
    return name.lower().endswith(IN_FLIGHT_SUFFIXES)


def _classify(path: Path, root: Path, rel: str, known: set[tuple[str, str]]) -> LandingEntry:
    parts = rel.split("/")
    source = parts[0] if len(parts) > 1 else None
    table_name = parts[1] if len(parts) > 2 else None
    kw = {"source": source, "table_name": table_name}
    if _is_in_flight_name(path.name):
        return LandingEntry(path, rel, "in_flight", reason="being written (temporary name)", **kw)
    st = path.lstat()
    if stat.S_ISLNK(st.st_mode):
        try:
            target = path.resolve(strict=True)
            inside = target.is_relative_to(root)
        except (OSError, RuntimeError):
            inside = False
        why = (
            "symlink, not followed (send the file itself)"
            if inside
            else "symlink to a path outside the landing zone, not followed"
        )
        return LandingEntry(path, rel, "ignored", reason=why, **kw)
    if not stat.S_ISREG(st.st_mode):
        return LandingEntry(path, rel, "ignored", reason="not a regular file", **kw)
    if any(_is_hidden(p) for p in parts):
        return LandingEntry(path, rel, "ignored", reason="hidden file", **kw)
    if len(parts) < 3 or (source, table_name) not in known:
        where = "/".join(parts[:2]) if len(parts) > 2 else "/".join(parts[:-1]) or "."
        return LandingEntry(
            path,
            rel,
            "ignored",
            reason=f"unknown folder {where!r}: files go to <source>/<table>/ of the contract",
            **kw,
        )
    return LandingEntry(path, rel, "file", **kw)


def scan_landing(root: Path, under: Path | None = None) -> Iterator[LandingEntry]:
    """Everything under `under` (default: the whole landing root), never following a
    symlink; hidden and symlinked folders are reported, not entered. Name order."""
    given = root
    root = root.resolve()
    start = root if under is None else root / Path(under).relative_to(given)
    if not start.is_dir() or start.is_symlink():
        return
    known = {(t.source, t.name) for t in c.TABLES}
    for dirpath, dirnames, filenames in os.walk(start, followlinks=False):
        here = Path(dirpath)
        dirnames.sort()
        for name in list(dirnames):
            sub = here / name
            if sub.is_symlink() or _is_hidden(name):
                dirnames.remove(name)
                rel = sub.relative_to(root).as_posix()
                entry = _classify(sub, root, rel, known)
                if entry.kind == "file" or entry.reason == "not a regular file":
                    entry = replace(entry, kind="ignored", reason="hidden folder, not entered")
                yield entry
        for name in sorted(filenames):
            path = here / name
            yield _classify(path, root, path.relative_to(root).as_posix(), known)


def table_folder(root: Path, table: c.Table) -> Path:
    return root / table.source / table.name


def landing_entries(root: Path, table: c.Table) -> list[LandingEntry]:
    """What lies in one table's landing folder (the folder itself must be real)."""
    folder = table_folder(root, table)
    if folder.is_symlink():
        return []
    return list(scan_landing(root, folder))


def landing_files(landing_root: Path, table: c.Table) -> list[Path]:
    """The files of a table's landing folder that are candidates to load, in name order."""
    return [e.path for e in landing_entries(landing_root, table) if e.kind == "file"]


def unknown_entries(root: Path) -> list[LandingEntry]:
    """Everything under the landing root outside the contract's table folders."""
    known = {table_folder(root.resolve(), t) for t in c.TABLES}
    out = []
    for entry in scan_landing(root):
        in_table = any(entry.path.absolute().is_relative_to(k) for k in known)
        if not in_table:
            out.append(entry)
    return out


# --------------------------------------------------------------------------- parsing


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
    # The CSV header's column count (None for other formats): turns on the
    # unbalanced-quote rule.
    csv_columns: int | None = None
    # The contract columns the source has, in its own order: the quarantine's copy
    # of a record lists them first, then the other columns (`_extra`).
    record_columns: tuple[str, ...] = ()


def _select_list(table: c.Table, present: dict[str, str], extras: dict[str, str]) -> str:
    """Contract columns (NULL when absent) and the `_extra` JSON of the other columns.

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
    return ", ".join(parts)


def raw_record_sql(record_columns: Sequence[str], has_extras: bool) -> str:
    """The record as the source had it, as JSON text: its contract columns in the
    source's order, then the other columns from `_extra`.

    Evaluated only where a record is quarantined (or hashed): building it for every
    row while parsing doubled what each file's temp tables held.
    """
    obj = (
        "json_object("
        + ", ".join(f"{literal(col)}, {ident(col)}" for col in record_columns)
        + ")::varchar"
        if record_columns
        else None
    )
    if not has_extras:
        return obj or "null::varchar"
    if obj is None:
        return "_extra"
    # Both are compact JSON objects whose values are strings, nulls or JSON values
    # (never a bare `}`), so joining the texts gives json_object over all the columns.
    return f"(rtrim({obj}, '}}') || ',' || ltrim(_extra, '{{'))"


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
    # A quote left open to the end of the file swallows the lines after it: each of
    # them is quarantined too, so the file's records are all accounted for.
    con.execute(
        """create or replace temp table _rejects as
        with rejected as (
            select line - 1 as row_number, 'malformed_csv_row' as reason,
                   string_agg(distinct error_type || ': ' || error_message, '; ') as detail,
                   first(csv_line) as raw_record,
                   bool_or(error_message ilike '%unterminated quote%') as open_quote
            from _reject_errors group by line)
        select row_number, reason, detail, raw_record from rejected
        union all
        select row_number, reason,
               'a line swallowed by the unterminated quote of record ' || row_number,
               unnest(string_split(rtrim(raw_record, chr(10) || chr(13)), chr(10))[2:])
        from rejected where open_quote"""
    )
    con.execute(
        """create or replace temp table _reject_rank as
        select row_number - row_number() over (order by row_number) as good_before
        from (select distinct row_number from _rejects)"""
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
    return _Parsed(set(present), list(extras), len(header), tuple(present))


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
    return _Parsed(set(present), list(extras), record_columns=tuple(present))


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
    return _Parsed(set(present), list(extras), record_columns=tuple(present))


_PARSERS = {"csv": _parse_csv, "jsonl": _parse_jsonl, "parquet": _parse_parquet}


# --------------------------------------------------------------------------- ledger


def _ledger_insert(con: duckdb.DuckDBPyConnection, values: dict) -> None:
    names = [n for n, _ in LEDGER_COLUMNS if n in values]
    con.execute(
        f"insert into {LEDGER} ({', '.join(names)}) values ({', '.join('?' for _ in names)})",
        [values[n] for n in names],
    )


def _record_row(
    con: duckdb.DuckDBPyConnection,
    source: str | None,
    table_name: str | None,
    load_id: str,
    res: FileLoadResult,
    size: int | None,
    fmt: str | None,
    extras: list[str],
    started: datetime,
    modified: datetime | None = None,
) -> None:
    _ledger_insert(
        con,
        {
            "load_id": load_id,
            "source": source,
            "table_name": table_name,
            "file_path": res.file_path,
            "file_hash": res.file_hash,
            "file_bytes": size,
            "file_format": fmt,
            "encoding": res.encoding,
            "status": res.status,
            "duplicate_of": res.duplicate_of,
            "error": res.error,
            "extra_columns": extras,
            "rows_in": res.rows_in,
            "rows_loaded": res.rows_loaded,
            "rows_quarantined": res.rows_quarantined,
            "started_at": started,
            "finished_at": _now(),
            "exported_at": res.exported_at,
            "file_modified_at": modified,
        },
    )


def _record(
    con: duckdb.DuckDBPyConnection,
    table: c.Table,
    load_id: str,
    res: FileLoadResult,
    size: int | None,
    fmt: str | None,
    extras: list[str],
    started: datetime,
) -> None:
    """One ledger row for a batch of `table` (kept for ingest/sql_source.py)."""
    _record_row(con, table.source, table.name, load_id, res, size, fmt, extras, started)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _already_handled(con: duckdb.DuckDBPyConnection, rel_path: str, file_hash: str) -> bool:
    """This exact file (path and content) was loaded, skipped as a re-send or retracted."""
    return (
        con.execute(
            f"select count(*) from {LEDGER} where file_path = ? and file_hash = ? and status in "
            f"('{STATUS_LOADED}', '{STATUS_DUPLICATE}', '{STATUS_RETRACTED}')",
            [rel_path, file_hash],
        ).fetchone()[0]
        > 0
    )


def _rejected_before(
    con: duckdb.DuckDBPyConnection, rel_path: str, file_hash: str, error: str
) -> bool:
    return (
        con.execute(
            f"select count(*) from {LEDGER} where file_path = ? and file_hash = ? "
            f"and status = '{STATUS_REJECTED}' and error = ?",
            [rel_path, file_hash, error],
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


def record_ignored(con: duckdb.DuckDBPyConnection, entry: LandingEntry) -> FileLoadResult | None:
    """A ledger row for an ignored landing entry, once per path and reason."""
    seen = con.execute(
        f"select count(*) from {LEDGER} where file_path = ? and status = '{STATUS_IGNORED}' "
        "and error = ?",
        [entry.rel_path, entry.reason],
    ).fetchone()[0]
    if seen:
        return None
    st = entry.path.lstat()
    res = FileLoadResult(entry.rel_path, None, STATUS_IGNORED, error=entry.reason)
    _record_row(
        con,
        entry.source,
        entry.table_name,
        uuid.uuid4().hex,
        res,
        st.st_size,
        None,
        [],
        _now(),
        _mtime(st),
    )
    return res


# --------------------------------------------------------------------------- loading


def _reject(rel_path: str, file_hash: str, error: str, **kw) -> FileLoadResult:
    return FileLoadResult(rel_path, file_hash, STATUS_REJECTED, error=f"{rel_path}: {error}", **kw)


def _in_flight(rel_path: str, why: str) -> FileLoadResult:
    return FileLoadResult(rel_path, None, STATUS_IN_FLIGHT, error=why)


def _signature(st: os.stat_result) -> tuple[int, int]:
    return (st.st_size, st.st_mtime_ns)


def _settled(st: os.stat_result, settle_seconds: float) -> bool:
    return time.time() - st.st_mtime >= settle_seconds


def load_file(
    con: duckdb.DuckDBPyConnection,
    table: c.Table,
    path: Path,
    landing_root: Path,
    limits: Limits | None = None,
    today: date | None = None,
) -> FileLoadResult | None:
    """Load one file. Returns None when this exact file was already handled (or rejected
    for the same reason before), a result with status `in_flight` when it is still being
    written (nothing recorded)."""
    limits = limits or load_limits()
    root = landing_root.resolve()
    absolute = path.absolute()
    rel_path = str(path)
    # scan_landing lists files under the resolved root: a landing root reached through
    # a symlink (a data dir on a mounted volume) must not make them outsiders.
    for base in (landing_root.absolute(), root):
        if absolute.is_relative_to(base):
            rel_path = absolute.relative_to(base).as_posix()
            break
    entry = _classify(absolute, root, rel_path, {(table.source, table.name)})
    if entry.kind == "in_flight":
        return _in_flight(rel_path, entry.reason or "")
    if (
        entry.kind == "ignored"
        or not absolute.resolve().is_relative_to(root)
        or (entry.source, entry.table_name) != (table.source, table.name)
    ):
        if entry.kind != "ignored":
            entry = replace(entry, kind="ignored", reason="outside the table's landing folder")
        return record_ignored(con, entry)

    before = path.stat()
    if not _settled(before, limits.settle_seconds):
        return _in_flight(rel_path, f"modified less than {limits.settle_seconds:g} s ago")
    file_hash, size = file_sha256(path)
    after = path.stat()
    if _signature(after) != _signature(before) or size != after.st_size:
        return _in_flight(rel_path, "changed while it was read")
    if _already_handled(con, rel_path, file_hash):
        return None
    load_id = uuid.uuid4().hex
    started = _now()
    fmt = SUPPORTED_SUFFIXES.get(path.suffix.lower())
    exported = export_time(path, after)
    common = {"exported_at": exported}

    def finish(res: FileLoadResult, extras: list[str] | None = None) -> FileLoadResult | None:
        if res.status == STATUS_REJECTED and _rejected_before(con, rel_path, file_hash, res.error):
            return None
        _record_row(
            con,
            table.source,
            table.name,
            load_id,
            res,
            size,
            fmt,
            extras or [],
            started,
            _mtime(after),
        )
        return res

    original = _loaded_as(con, table, file_hash)
    if original is not None:
        return finish(
            FileLoadResult(rel_path, file_hash, STATUS_DUPLICATE, duplicate_of=original, **common)
        )
    if fmt is None:
        return finish(
            _reject(
                rel_path,
                file_hash,
                f"unsupported file type {path.suffix!r}; expected .csv, .jsonl or .parquet",
                **common,
            )
        )

    encoding = None
    with tempfile.TemporaryDirectory(prefix="cx_ingest_") as tmp:
        readable = path
        try:
            if fmt != "parquet":
                decision = decide_encoding(path, limits.encodings)
                encoding = decision.encoding.replace("_", "-")
                # Always read through a private UTF-8 copy: what DuckDB parses is what
                # was hashed, even if the sender rewrites the file meanwhile.
                readable = Path(tmp) / f"{uuid.uuid4().hex}{path.suffix.lower()}"
                transcode_to_utf8(path, decision.encoding, readable)
        except (EncodingRejected, UnicodeDecodeError) as exc:
            return finish(_reject(rel_path, file_hash, str(exc), encoding=encoding, **common))
        except OSError as exc:
            return _in_flight(rel_path, f"could not be read: {exc}")
        if _signature(path.stat()) != _signature(after):
            return _in_flight(rel_path, "changed while it was read")
        try:
            con.execute("begin transaction")
            parsed = _PARSERS[fmt](con, table, readable)
            res = _write_parsed(
                con, table, parsed, load_id, rel_path, file_hash, encoding, exported, limits, today
            )
            _record_row(
                con,
                table.source,
                table.name,
                load_id,
                res,
                size,
                fmt,
                parsed.extra_columns,
                started,
                _mtime(after),
            )
            con.execute("commit")
            return res
        except (duckdb.Error, ValueError, UnicodeDecodeError) as exc:
            con.execute("rollback")
            return finish(
                _reject(
                    rel_path, file_hash, f"{type(exc).__name__}: {exc}", encoding=encoding, **common
                )
            )
        finally:
            con.execute(
                "drop table if exists _parsed; drop table if exists _rejects; "
                "drop table if exists _scan; drop table if exists _checked"
            )


def _write_parsed(
    con: duckdb.DuckDBPyConnection,
    table: c.Table,
    parsed: _Parsed,
    load_id: str,
    rel_path: str,
    file_hash: str,
    encoding: str | None,
    exported_at: datetime | None,
    limits: Limits | None = None,
    today: date | None = None,
) -> FileLoadResult:
    """Validate `_parsed` against the contract and write raw and quarantine (the caller
    holds the transaction and writes the ledger row)."""
    validate_relation(
        con,
        table,
        "_parsed",
        parsed.present_columns,
        limits=limits,
        today=today,
        csv_columns=parsed.csv_columns,
    )
    cols = ", ".join(ident(col) for col in table.column_names)
    loaded_at = _now()
    bad_value = (
        "case _column "
        + " ".join(f"when {literal(col)} then {ident(col)}" for col in table.column_names)
        + " end"
    )
    swallowed = (
        f"select *, unnest(string_split({bad_value}, chr(10))[2:]) as _line from _checked "
        f"where _reason = '{c.REASON_UNBALANCED_QUOTE}'"
    )
    # Records read, plus the lines an unbalanced quote swallowed, plus structural
    # rejects: counted apart from what the inserts report, so the ledger's balance is
    # a real check and not a sum by construction.
    rows_in = con.execute(
        f"select (select count(*) from _checked) + (select count(*) from ({swallowed})) "
        "+ (select count(*) from _rejects)"
    ).fetchone()[0]
    loaded = con.execute(
        f"insert into {raw_table_name(table)} ({', '.join(LINEAGE_COLUMNS)}, {cols}, _extra) "
        f"select ?, ?, ?, _row_number, ?, ?, {cols}, _extra from _checked where _reason is null "
        "order by _row_number",
        [load_id, rel_path, file_hash, loaded_at, exported_at],
    ).fetchone()[0]
    quarantined = con.execute(
        f"""insert into {QUARANTINE}
        select ?, ?, ?, ?, ?, _row_number, _column, _reason, {bad_value}, _detail,
               {raw_record_sql(parsed.record_columns, bool(parsed.extra_columns))}, ?
        from _checked where _reason is not null
        union all
        select ?, ?, ?, ?, ?, _row_number, _column, _reason, null,
               'a line swallowed by the unbalanced quote of record ' || _row_number, _line, ?
        from ({swallowed})
        union all
        select ?, ?, ?, ?, ?, row_number, null, reason, null, detail, raw_record, ?
        from _rejects""",
        [load_id, table.source, table.name, rel_path, file_hash, loaded_at] * 3,
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
        exported_at=exported_at,
    )


def _write_file(
    con: duckdb.DuckDBPyConnection,
    table: c.Table,
    parsed: _Parsed,
    load_id: str,
    rel_path: str,
    file_hash: str,
    encoding: str | None,
    exported_at: datetime | None = None,
) -> FileLoadResult:
    """`_write_parsed` for callers that hold `_parsed`/`_rejects` themselves (SQL sources):
    without an export time, the batch's is now (it was just extracted)."""
    return _write_parsed(
        con, table, parsed, load_id, rel_path, file_hash, encoding, exported_at or _now()
    )


def load_relation(
    con: duckdb.DuckDBPyConnection,
    table: c.Table,
    relation: str,
    *,
    origin: str,
    content_hash: str,
    exported_at: datetime,
    file_format: str = "sql",
    limits: Limits | None = None,
    today: date | None = None,
) -> FileLoadResult | None:
    """Load a DuckDB relation (a table, view or registered Arrow table/DataFrame) as one
    batch, under the same rules and ledger as a landing file.

    `relation`: its columns are matched to the contract by name, case-insensitively;
    every value is read as text (cast to varchar); contract columns it lacks are
    absent (a required one quarantines every row); other columns go to `_extra`.
    Record numbers follow the relation's order, or its `_row_number` column if any.
    `origin`: what the ledger calls the batch (e.g. `sql://crm_east/accounts@2025-01-31`);
    `content_hash`: identifies its content (the same origin and hash are loaded once);
    `exported_at`: when the batch was extracted (decides between equal record versions).
    Returns the ledger verdict, or None when this batch was already handled.
    """
    ensure_schema(con, [table])
    if _already_handled(con, origin, content_hash):
        return None
    load_id = uuid.uuid4().hex
    started = _now()
    described = con.execute(f"describe select * from {relation}").fetchall()
    names = [r[0] for r in described if r[0] != "_row_number"]
    normalised = _normalise_names(names)
    exprs = {n: f"cast({ident(o)} as varchar)" for n, o in zip(normalised, names, strict=True)}
    present = {n: e for n, e in exprs.items() if n in table.column_names}
    extras = {n: e for n, e in exprs.items() if n not in table.column_names}
    numbered = (
        "_row_number" if any(r[0] == "_row_number" for r in described) else "row_number() over ()"
    )
    try:
        con.execute("begin transaction")
        con.execute(
            f"""create or replace temp table _parsed as
            select {numbered} as _row_number, {_select_list(table, present, extras)}
            from {relation}"""
        )
        con.execute(
            """create or replace temp table _rejects (row_number bigint, reason varchar,
               detail varchar, raw_record varchar)"""
        )
        parsed = _Parsed(set(present), list(extras), record_columns=tuple(present))
        res = _write_parsed(
            con, table, parsed, load_id, origin, content_hash, None, exported_at, limits, today
        )
        _record_row(
            con, table.source, table.name, load_id, res, None, file_format, list(extras), started
        )
        con.execute("commit")
    except (duckdb.Error, ValueError) as exc:
        con.execute("rollback")
        res = _reject(origin, content_hash, f"{type(exc).__name__}: {exc}", exported_at=exported_at)
        _record_row(con, table.source, table.name, load_id, res, None, file_format, [], started)
    finally:
        con.execute("drop table if exists _parsed; drop table if exists _rejects")
    return res


def load_table(
    con: duckdb.DuckDBPyConnection,
    table: c.Table,
    landing_root: Path,
    limits: Limits | None = None,
    today: date | None = None,
    workers: int | None = None,
) -> list[FileLoadResult]:
    """Load every file of one landing table not handled before, and record what lies
    in its folder and is not a landing file. In-flight files are returned (status
    `in_flight`) and left for the next run."""
    ensure_schema(con, [table])
    limits = limits or load_limits()
    entries = landing_entries(landing_root, table)
    loaded = _load_files_parallel(
        con,
        table,
        [e.path for e in entries if e.kind == "file"],
        landing_root,
        limits,
        today,
        workers if workers is not None else LOAD_WORKERS,
    )
    results = []
    for entry in entries:
        if entry.kind == "in_flight":
            res: FileLoadResult | None = _in_flight(entry.rel_path, entry.reason or "")
        elif entry.kind == "ignored":
            res = record_ignored(con, entry)
        else:
            res = loaded[entry.path]
        if res is not None:
            results.append(res)
    return results


# Files loaded at once. A landing file is a few MB (far below one DuckDB row group),
# so DuckDB runs each file's queries on one thread: two files at a time use both cores.
LOAD_WORKERS = 2


def _same_size_groups(paths: list[Path]) -> list[list[Path]]:
    """Files grouped by size, in name order within a group. Two files with the same
    content have the same size: loading a group one file after another keeps a re-sent
    file a duplicate of the first, whatever else runs beside it."""
    groups: dict[int, list[Path]] = {}
    for path in paths:
        try:
            size = path.stat().st_size
        except OSError:
            size = -1
        groups.setdefault(size, []).append(path)
    return sorted(groups.values(), key=lambda g: -sum(_size(p) for p in g))


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _load_files_parallel(
    con: duckdb.DuckDBPyConnection,
    table: c.Table,
    paths: list[Path],
    landing_root: Path,
    limits: Limits,
    today: date | None,
    workers: int,
) -> dict[Path, FileLoadResult | None]:
    """`load_file` for each path, `workers` files at a time, each worker on its own
    cursor (DuckDB connections of one database: each file still commits alone, and
    appends from concurrent transactions do not conflict)."""
    if workers <= 1 or len(paths) < 2:
        return {p: load_file(con, table, p, landing_root, limits, today) for p in paths}
    queue = _same_size_groups(paths)
    lock = threading.Lock()
    out: dict[Path, FileLoadResult | None] = {}

    def work() -> None:
        cur = con.cursor()
        try:
            while True:
                with lock:
                    if not queue:
                        return
                    group = queue.pop(0)
                for path in group:
                    res = load_file(cur, table, path, landing_root, limits, today)
                    with lock:
                        out[path] = res
        finally:
            cur.close()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for future in [pool.submit(work) for _ in range(workers)]:
            future.result()
    return out


def record_unknown(con: duckdb.DuckDBPyConnection, landing_root: Path) -> list[FileLoadResult]:
    """Ledger rows for everything under the landing root outside the contract's table
    folders (unknown sources or tables, files at the wrong depth, hidden or symlinked
    entries there)."""
    ensure_schema(con, [])
    results = []
    for entry in unknown_entries(landing_root):
        if entry.kind == "in_flight":
            continue
        if entry.kind == "file":  # cannot happen outside table folders; be explicit
            entry = replace(entry, kind="ignored", reason="outside the table folders")
        res = record_ignored(con, entry)
        if res is not None:
            results.append(res)
    return results
