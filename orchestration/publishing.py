"""Publishing the read-only snapshot that dashboards and analysts open.

Pure helpers, no Dagster: the asset in orchestration/assets/publish.py decides
*whether* to publish (`gate`), this module does the copy.

How a snapshot is made atomic:

1. An in-memory DuckDB connection ATTACHes the warehouse READ_ONLY (never a
   second writer: the dbt subprocess has exited, and the file is only read)
   and a fresh temp file beside the serving file, then copies every table of
   the published schemas with `CREATE TABLE ... AS SELECT`, plus a `meta`
   schema (manifest + row counts) inside the same file.
2. The temp file is checkpointed, detached, re-opened read-only and its row
   counts compared with the warehouse's; then fsync'ed.
3. `os.replace(temp, serving)`: one rename(2). A reader that already has the
   old file open keeps reading the old inode (a complete, consistent snapshot);
   new connections open the new file. Nothing ever writes the serving path in
   place, so a reader can never see a half-written snapshot, and a failed
   publish leaves the previous snapshot untouched.

The snapshot is written in storage version v1.4.0 so that BI tools bundling
DuckDB 1.x can open it too (STACK_NOTES).
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

PUBLISHED_SCHEMAS: tuple[str, ...] = ("marts",)
PII_CONFIG = Path(__file__).with_name("pii.yml")
# What a masked value becomes, per kind (a SQL expression of `v`).
_MASKS = {
    "email": "case when {v} is null then null when strpos({v}, '@') > 1 "
    "then left({v}, 1) || '***' || substr({v}, strpos({v}, '@')) else '***' end",
    "phone": "case when {v} is null then null "
    "else repeat('*', greatest(length({v}) - 4, 0)) || right({v}, 4) end",
    "text": "case when {v} is null then null else '[masked: ' || length({v}) || ' characters]' end",
}
META_SCHEMA = "meta"
STORAGE_VERSION = "v1.4.0"
MANIFEST_SUFFIX = ".manifest.json"


class PublishError(RuntimeError):
    """The snapshot could not be published; the previous one is untouched."""


# --------------------------------------------------------------------------- gate


@dataclass(frozen=True)
class CheckOutcome:
    """One asset-check evaluation seen in the run (dbt test, ledger check, integrity check)."""

    asset: str
    name: str
    passed: bool
    severity: str = "ERROR"  # ERROR or WARN
    blocking: bool = False


@dataclass
class GateDecision:
    publish: bool
    reasons: list[str] = field(default_factory=list)
    checks_passed: int = 0
    checks_failed_blocking: list[str] = field(default_factory=list)
    checks_failed_warn: list[str] = field(default_factory=list)
    checks_missing: list[str] = field(default_factory=list)


def gate(
    outcomes: Iterable[CheckOutcome],
    expected_checks: Iterable[str],
    required_assets: Iterable[str],
    materialized_assets: Iterable[str],
    external_failures: Sequence[str] = (),
) -> GateDecision:
    """Fail closed: publish only when nothing says no and everything said yes.

    - every check expected upstream has an evaluation in this run (a check
      that did not run is not a pass);
    - no evaluation failed with ERROR severity, or was declared blocking;
    - every required (published) asset was materialized in this run, so the
      snapshot is one build, checked as a whole;
    - no external blocking signal (the integrity checks' status table) failed.
    WARN-severity failures do not block; they are recorded in the manifest.
    """
    outcomes = list(outcomes)
    decision = GateDecision(publish=True)
    seen: dict[str, list[CheckOutcome]] = {}
    for o in outcomes:
        seen.setdefault(f"{o.asset}:{o.name}", []).append(o)
    for key, evals in sorted(seen.items()):
        last = evals[-1]
        if last.passed:
            decision.checks_passed += 1
        elif last.severity == "ERROR" or last.blocking:
            decision.checks_failed_blocking.append(key)
        else:
            decision.checks_failed_warn.append(key)
    decision.checks_missing = sorted(set(expected_checks) - set(seen))
    missing_assets = sorted(set(required_assets) - set(materialized_assets))
    if decision.checks_failed_blocking:
        decision.reasons.append(
            f"{len(decision.checks_failed_blocking)} blocking check(s) failed: "
            + ", ".join(decision.checks_failed_blocking[:10])
        )
    if decision.checks_missing:
        decision.reasons.append(
            f"{len(decision.checks_missing)} expected check(s) did not run in this run: "
            + ", ".join(decision.checks_missing[:10])
        )
    if missing_assets:
        decision.reasons.append(
            f"{len(missing_assets)} published asset(s) not built in this run: "
            + ", ".join(missing_assets[:10])
        )
    if external_failures:
        decision.reasons.append("blocking quality checks failed: " + ", ".join(external_failures))
    if not outcomes and not list(expected_checks):
        decision.reasons.append("no check ran in this run")
    decision.publish = not decision.reasons
    return decision


# --------------------------------------------------------------------------- copy


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def validate_paths(warehouse: Path, published: Path) -> None:
    """A file's catalog name is its stem: it must not clash with the warehouse's or a schema's."""
    stem = published.stem
    reserved = {warehouse.stem, *PUBLISHED_SCHEMAS, META_SCHEMA, "memory", "main", "system", "temp"}
    if stem in reserved:
        raise PublishError(
            f"published file name {published.name!r}: its stem {stem!r} is the catalog name "
            f"readers see and must differ from {sorted(reserved)} (ambiguous references)"
        )
    if warehouse.resolve() == published.resolve():
        raise PublishError("the published file must not be the warehouse file")


def tables_to_publish(
    con: duckdb.DuckDBPyConnection,
    catalog: str,
    schemas: Sequence[str] = PUBLISHED_SCHEMAS,
    extra: Iterable[tuple[str, str]] = (),
) -> list[tuple[str, str]]:
    """(schema, table) of every table and view in the published schemas, plus the extras
    (e.g. MetricFlow inputs outside them) that exist in the warehouse."""
    rows = con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_catalog = ? order by 1, 2",
        [catalog],
    ).fetchall()
    existing = [(s, t) for s, t in rows]
    found = [rel for rel in existing if rel[0] in schemas]
    for rel in extra:
        if rel in existing and rel not in found:
            found.append(rel)
    return found


def metricflow_relations(semantic_manifest: Path | str) -> list[tuple[str, str]]:
    """(schema, table) of every semantic model and time spine in a semantic_manifest.json,
    so the snapshot carries whatever MetricFlow reads, even outside schema marts."""
    path = Path(semantic_manifest)
    if not path.exists():
        return []
    data = json.loads(path.read_text())
    relations = [sm["node_relation"] for sm in data.get("semantic_models", [])]
    config = data.get("project_configuration", {})
    relations += [ts["node_relation"] for ts in config.get("time_spines", [])]
    return sorted({(r["schema_name"], r["alias"]) for r in relations})


def pii_rules(path: Path = PII_CONFIG) -> dict[str, list[str]]:
    """Mask kind -> column-name LIKE patterns (orchestration/pii.yml)."""
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}
    return {kind: [p.lower() for p in pats] for kind, pats in (data.get("mask") or {}).items()}


def _mask_kind(column: str, rules: dict[str, list[str]]) -> str | None:
    import fnmatch

    name = column.lower()
    for kind, patterns in rules.items():
        if any(fnmatch.fnmatchcase(name, p.replace("%", "*").replace("_", "?")) for p in patterns):
            return kind
    return None


def masked_select(
    con: duckdb.DuckDBPyConnection, catalog: str, schema: str, table: str, rules: dict
) -> tuple[str, list[str]]:
    """SELECT list copying a table with its PII text columns masked; and which were."""
    cols = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_catalog = ? and table_schema = ? and table_name = ? order by ordinal_position",
        [catalog, schema, table],
    ).fetchall()
    parts, masked = [], []
    for name, type_ in cols:
        kind = _mask_kind(name, rules) if type_.upper().startswith("VARCHAR") else None
        if kind is None:
            parts.append(_quote(name))
        else:
            expr = _MASKS[kind].format(v=_quote(name))
            parts.append(f"{expr} as {_quote(name)}")
            masked.append(f"{schema}.{table}.{name}")
    return ", ".join(parts), masked


def clean_leftovers(published: Path) -> list[Path]:
    """Temp files a killed publish left beside the serving file (the next publish runs
    under the writer pool, so none of them is in use)."""
    removed = []
    for pattern in (f".{published.stem}.*.tmp.duckdb", f".{published.stem}.*.tmp.duckdb.wal"):
        for path in published.parent.glob(pattern):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed.append(path)
    for path in published.parent.glob(f".{published.stem}{MANIFEST_SUFFIX}.*.tmp"):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed.append(path)
    return removed


def secure_file(path: Path) -> None:
    """Owner-only (0600), or group-readable (0640) by the setting file_group when set."""
    from cx_settings import load_settings

    group = load_settings().operations.file_group
    if not path.exists():
        return
    if group:
        import shutil

        with contextlib.suppress(LookupError, PermissionError):
            shutil.chown(path, group=group)
    os.chmod(path, 0o640 if group else 0o600)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_json_atomically(path: Path, payload: dict) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    tmp.write_text(json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n")
    os.replace(tmp, path)


def publish_snapshot(
    warehouse: Path | str,
    published: Path | str,
    manifest: dict,
    schemas: Sequence[str] = PUBLISHED_SCHEMAS,
    extra_relations: Iterable[tuple[str, str]] = (),
) -> dict:
    """Copy the published schemas of `warehouse` into a new file and swap it in atomically.

    Returns the manifest written (given fields + published_at, row_counts, tables).
    Raises PublishError (and leaves the serving file as it was) on any failure.
    """
    warehouse, published = Path(warehouse), Path(published)
    validate_paths(warehouse, published)
    if not warehouse.exists():
        raise PublishError(f"warehouse file not found: {warehouse}")
    published.parent.mkdir(parents=True, exist_ok=True)
    manifest = {**manifest, "leftovers_removed": [p.name for p in clean_leftovers(published)]}
    tmp = published.with_name(f".{published.stem}.{uuid.uuid4().hex}.tmp.duckdb")
    wh = warehouse.stem
    out = "cx_snapshot_out"
    manifest = {
        **manifest,
        "published_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "source_warehouse": str(warehouse),
        "source_modified_at": datetime.fromtimestamp(warehouse.stat().st_mtime, UTC).isoformat(
            timespec="seconds"
        ),
        "storage_version": STORAGE_VERSION,
    }
    try:
        con = duckdb.connect(":memory:")
        try:
            con.execute(f"ATTACH {_literal(str(warehouse))} AS {_quote(wh)} (READ_ONLY)")
            con.execute(
                f"ATTACH {_literal(str(tmp))} AS {out} "
                f"(STORAGE_VERSION {_literal(STORAGE_VERSION)})"
            )
            relations = tables_to_publish(con, wh, schemas, extra_relations)
            if not relations:
                raise PublishError(f"nothing to publish: no tables in schemas {list(schemas)}")
            counts: dict[str, int] = {}
            rules = pii_rules()
            masked_columns: list[str] = []
            for schema, table in relations:
                con.execute(f"create schema if not exists {out}.{_quote(schema)}")
                select, masked = masked_select(con, wh, schema, table, rules)
                masked_columns += masked
                con.execute(
                    f"create table {out}.{_quote(schema)}.{_quote(table)} as "
                    f"select {select} from {_quote(wh)}.{_quote(schema)}.{_quote(table)}"
                )
                counts[f"{schema}.{table}"] = con.execute(
                    f"select count(*) from {_quote(wh)}.{_quote(schema)}.{_quote(table)}"
                ).fetchone()[0]
            manifest["tables"] = sorted(counts)
            manifest["masked_columns"] = masked_columns
            manifest["row_counts"] = counts
            con.execute(f"create schema {out}.{META_SCHEMA}")
            con.execute(
                f"create table {out}.{META_SCHEMA}.manifest as "
                "select ?::varchar as published_at, ?::varchar as run_id, "
                "?::varchar as source_warehouse, ?::varchar as source_modified_at, "
                "?::varchar as manifest_json",
                [
                    manifest["published_at"],
                    str(manifest.get("run_id", "")),
                    manifest["source_warehouse"],
                    manifest["source_modified_at"],
                    json.dumps(manifest, ensure_ascii=False, default=str),
                ],
            )
            con.execute(
                f"create table {out}.{META_SCHEMA}.row_counts "
                "(table_name varchar, row_count bigint)"
            )
            con.executemany(
                f"insert into {out}.{META_SCHEMA}.row_counts values (?, ?)",
                [[k, v] for k, v in counts.items()],
            )
            con.execute(f"checkpoint {out}")
            con.execute(f"detach {out}")
            con.execute(f"detach {_quote(wh)}")
        finally:
            con.close()
        verify_snapshot(tmp, counts)
        secure_file(tmp)
        _fsync(tmp)
        os.replace(tmp, published)
        with contextlib.suppress(OSError):
            _fsync(published.parent)
    except Exception as exc:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        with contextlib.suppress(FileNotFoundError):
            Path(str(tmp) + ".wal").unlink()
        if isinstance(exc, PublishError):
            raise
        raise PublishError(f"publishing failed, previous snapshot kept: {exc}") from exc
    _write_json_atomically(manifest_path(published), manifest)
    secure_file(manifest_path(published))
    return manifest


def verify_snapshot(path: Path, expected_counts: dict[str, int]) -> None:
    """Re-open the finished file read-only and compare its row counts with the source's."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        for name, expected in expected_counts.items():
            schema, table = name.split(".", 1)
            sql = f"select count(*) from {_quote(schema)}.{_quote(table)}"
            got = con.execute(sql).fetchone()[0]
            if got != expected:
                raise PublishError(f"{name}: {got} rows in the snapshot, {expected} in the source")
    finally:
        con.close()


def manifest_path(published: Path | str) -> Path:
    published = Path(published)
    return published.with_name(published.stem + MANIFEST_SUFFIX)


def read_manifest(con: duckdb.DuckDBPyConnection) -> dict:
    """The manifest stored inside an open snapshot (consistent with the data it describes)."""
    row = con.execute(f"select manifest_json from {META_SCHEMA}.manifest").fetchone()
    return json.loads(row[0])


def connect_read_only(published: Path | str) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(published), read_only=True)
