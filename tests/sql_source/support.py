"""A throw-away PostgreSQL 15 server, and a source database filled from a file-built warehouse.

Used by the SQL-source tests and the benchmark. The server runs from `initdb`/`pg_ctl`
(PATH or /usr/local/bin) in a temp directory on a free loopback port, and is stopped
after. PostgreSQL refuses to run as root: as root the binaries run as user `postgres`.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ingest import contract as c
from ingest.sql import ident, literal

# The CRM and order-system tables the tests read from PostgreSQL (the rest stay files).
SQL_TABLES: tuple[tuple[str, str], ...] = (
    ("crm", "accounts"),
    ("crm", "contacts"),
    ("crm", "contracts"),
    ("fulfillment", "orders"),
    ("fulfillment", "promise_changes"),
    ("fulfillment", "deliveries"),
    ("fulfillment", "confirmations"),
)


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    fallback = Path("/usr/local/bin") / name
    return str(fallback) if fallback.exists() else None


def postgres_missing() -> str | None:
    """Why a PostgreSQL server cannot be started here (None when it can)."""
    for name in ("initdb", "pg_ctl"):
        if _binary(name) is None:
            return f"{name} not found (PostgreSQL 15 server binaries)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no `postgres` user to run the server as"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class PostgresServer:
    port: int
    user: str = "postgres"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{database}"

    def conninfo(self, database: str = "postgres") -> str:
        return f"host=127.0.0.1 port={self.port} user={self.user} dbname={database}"


@contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """Start PostgreSQL in a temp directory; stop it and remove the directory after."""
    as_postgres: list[str] = []
    with tempfile.TemporaryDirectory(prefix="cx_pg_") as tmp:
        if os.geteuid() == 0:
            as_postgres = ["runuser", "-u", "postgres", "--"]
            os.chown(tmp, pwd.getpwnam("postgres").pw_uid, -1)
        data = Path(tmp) / "data"
        port = _free_port()
        subprocess.run(
            [
                *as_postgres,
                _binary("initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ],
            check=True,
            capture_output=True,
        )
        ctl = [*as_postgres, _binary("pg_ctl"), "-D", str(data)]
        subprocess.run(
            [
                *ctl,
                "-o",
                f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1 -c fsync=off",
                "-l",
                str(Path(tmp) / "server.log"),
                "-w",
                "start",
            ],
            check=True,
            capture_output=True,
        )
        try:
            yield PostgresServer(port)
        finally:
            subprocess.run([*ctl, "-m", "immediate", "-w", "stop"], capture_output=True)


def _watermark_sql(value: str) -> str:
    """A contract `ts` text as timestamptz: with its offset, else Asia/Shanghai; null if bad."""
    v = f"trim({value})"
    return (
        f"case when regexp_matches({v}, '\\d{{2}}:\\d{{2}}(:\\d{{2}}(\\.\\d+)?)?"
        f"(Z|[+-]\\d{{2}}(:?\\d{{2}})?)$') then try_cast({v} as timestamptz) "
        f"else timezone('Asia/Shanghai', try_cast({v} as timestamp)) end"
    )


def source_columns(table: c.Table) -> list[tuple[str, str]]:
    """(column, PostgreSQL type): text as the contract's raw layer keeps it, except the
    watermark (version) column, a real `timestamptz` like a CRM's `updated_at`."""
    return [
        (col, "timestamptz" if col == table.version_by else "text") for col in table.column_names
    ]


def fill_source_database(
    warehouse: Path, conninfo: str, tables: tuple[tuple[str, str], ...] = SQL_TABLES
) -> dict[str, int]:
    """Every row a file build received for `tables` (loaded and rule-quarantined) into a
    PostgreSQL table of the same name, in load order (`seq`), via COPY. Returns row counts.

    Rows the file loader could not parse at all (malformed CSV/JSON) have no columns and
    are not copied."""
    import psycopg

    counts: dict[str, int] = {}
    with (
        duckdb.connect(str(warehouse), read_only=True) as con,
        psycopg.connect(conninfo, autocommit=True) as pg,
        tempfile.TemporaryDirectory(prefix="cx_pgfill_") as tmp,
    ):
        con.execute("set TimeZone = 'UTC'")
        for source, name in tables:
            table = c.table(source, name)
            cols = table.column_names
            typed = source_columns(table)
            loaded = ", ".join(
                (_watermark_sql(ident(col)) if col == table.version_by else ident(col))
                + f" as {ident(col)}"
                for col in cols
            )
            from_json = {
                col: f"json_extract_string(raw_record, {literal('$.' + col)})" for col in cols
            }
            quarantined = ", ".join(
                (_watermark_sql(from_json[col]) if col == table.version_by else from_json[col])
                + f" as {ident(col)}"
                for col in cols
            )
            csv_path = Path(tmp) / f"{table.qualified}.csv"
            con.execute(
                f"""copy (
                    select {", ".join(ident(col) for col in cols)} from (
                        select _loaded_at as t, _file_path as f, _row_number as n, {loaded}
                        from raw.{table.qualified}
                        union all
                        select quarantined_at, file_path, row_number, {quarantined}
                        from raw._quarantine
                        where source = {literal(source)} and table_name = {literal(name)}
                          and json_valid(raw_record))
                    order by t, f, n)
                to {literal(str(csv_path))} (format csv, header true)"""
            )
            ddl = ", ".join(f"{ident(col)} {type_}" for col, type_ in typed)
            with pg.cursor() as cur:
                cur.execute(f"drop table if exists {ident(name)}")
                cur.execute(f"create table {ident(name)} (seq bigserial primary key, {ddl})")
                col_list = ", ".join(ident(col) for col in cols)
                with (
                    cur.copy(
                        f"copy {ident(name)} ({col_list}) from stdin (format csv, header)"
                    ) as copy,
                    csv_path.open("rb") as fh,
                ):
                    while block := fh.read(1 << 20):
                        copy.write(block)
                if table.version_by:
                    cur.execute(f"create index on {ident(name)} ({ident(table.version_by)}, seq)")
                counts[name] = cur.execute(f"select count(*) from {ident(name)}").fetchone()[0]
    return counts


def sql_sources_config(url: str, tables: tuple[tuple[str, str], ...] = SQL_TABLES) -> dict:
    """The `sql_sources.yml` content reading `tables` from the database at `url` (with
    its secrets already in, or as ${VAR})."""
    entries = []
    for source, name in tables:
        table = c.table(source, name)
        watermark = table.version_by
        entries.append(
            {
                "contract": f"{source}.{name}",
                "table": f"public.{name}",
                "watermark": watermark,
                "order_by": [watermark, "seq"] if watermark else ["seq"],
            }
        )
    return {"sources": [{"name": "pg_systems", "url": url, "tables": entries}]}
