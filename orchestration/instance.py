"""The Dagster instance a build runs on: Dagster's SQLite storage, with an event log
that syncs to disk less often and keeps one SQLAlchemy engine per database file.

Why. A build stores ≈ 1,200 events in Dagster's event log (a materialization, an
output and a check evaluation for every dbt model and test, the planned events before
the run starts), whatever the data's size, and `SqliteEventLogStorage` commits each in
its own transaction with SQLite's default `synchronous=FULL`: several fsyncs per event.
Timed inside a small build (1,203 events): 11.6-14.2 s in `store_event` as Dagster
ships, 9.1 s with `synchronous=normal`, 5.9 s with `synchronous=off`. Once the syncs
are gone, building an engine per event is what costs: 300 materializations with `off`
stored at 116-137/s through a new engine each, 215-315/s through one kept engine.
Then opening and closing a SQLite connection per event is (Dagster's NullPool): in a
py-spy profile of a small build, 8.5 of the 17 s in `store_event` went to connecting
and closing. So each shard keeps one open connection (StaticPool; every use is under
the storage's lock, so one thread at a time), for the few shards used last
(`OPEN_SHARDS`: the run being written and the index; a UI reading old runs does not
pile up open files). An idle connection holds no lock in SQLite's rollback-journal
mode, so other processes read and write the files as before.

- `synchronous=normal` (the instance of `make run` and the UI): SQLite still syncs at
  the critical moments; a killed process loses nothing, a power cut at the wrong
  moment can lose the last events (SQLite's documentation: corruption only on old
  filesystems). The warehouse's own durability does not depend on this log.
- `synchronous=off` (the tests' throw-away instances).

The journal mode stays Dagster's (rollback journal): in WAL mode writes go to the
`-wal` file, and the UI's live view of a running run watches the run's `.db` file.
The files, their locking and directories are the default storage's, so a stock
instance (another tool, an older checkout) reads them.

`dagster.yaml` names the class (runs the UI launches use it too), with the home from
`DAGSTER_HOME` as `make ui` sets it; `open_instance` passes the home explicitly, so a
build whose home comes from the settings file needs no environment variable.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
from dagster import Field
from dagster._config import StringSource
from dagster._core.storage.event_log import SqliteEventLogStorage
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._serdes import ConfigurableClassData
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import StaticPool

SYNCHRONOUS = ("off", "normal", "full", "extra")
OPEN_SHARDS = 4


def event_log_dir(dagster_home: str | os.PathLike[str]) -> str:
    """Where Dagster's default SQLite storage keeps event logs under a home."""
    return os.path.join(os.fspath(dagster_home), "history", "runs")


class FewerSyncsSqliteEventLogStorage(SqliteEventLogStorage):
    """`SqliteEventLogStorage` with SQLite's `synchronous` chosen, one engine per shard."""

    def __init__(
        self,
        base_dir: str,
        synchronous: str = "normal",
        inst_data: ConfigurableClassData | None = None,
    ) -> None:
        if synchronous not in SYNCHRONOUS:
            raise ValueError(f"synchronous must be one of {SYNCHRONOUS}, not {synchronous!r}")
        self._synchronous = synchronous
        self._engines: dict[str, Engine] = {}
        self._tables_present: set[str] = set()
        super().__init__(base_dir, inst_data)

    @classmethod
    def config_type(cls) -> dict[str, Any]:
        return {
            "dagster_home": StringSource,
            "synchronous": Field(str, is_required=False, default_value="normal"),
        }

    @classmethod
    def from_config_value(
        cls, inst_data: ConfigurableClassData | None, config_value: Mapping[str, Any]
    ) -> FewerSyncsSqliteEventLogStorage:
        return cls(
            event_log_dir(config_value["dagster_home"]),
            synchronous=config_value["synchronous"],
            inst_data=inst_data,
        )

    def _on_connect(self, dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"pragma synchronous = {self._synchronous}")
        cursor.close()

    def _engine(self, shard: str) -> Engine:
        """The shard's engine, most recently used last; called under `_db_lock`."""
        engine = self._engines.pop(shard, None)
        if engine is None:
            engine = create_engine(
                self.conn_string_for_shard(shard),
                poolclass=StaticPool,
                # One connection, handed between threads only under `_db_lock`.
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
            )
            event.listen(engine, "connect", self._on_connect)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
        self._engines[shard] = engine
        while len(self._engines) > OPEN_SHARDS:
            self._engines.pop(next(iter(self._engines))).dispose()
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock, self._engine(shard).connect() as conn, conn.begin():
            yield conn

    def has_table(self, table_name: str) -> bool:
        """Dagster asks before storing every check evaluation and event tag whether a
        table exists, through a new engine each time (2 s of a small build's 1,200
        events). A table, once there, stays (only migrations add them): remembered.
        Not through the kept connection: Dagster asks while it holds one."""
        if table_name in self._tables_present:
            return True
        present = super().has_table(table_name)
        if present:
            self._tables_present.add(table_name)
        return present

    def _close_connections(self) -> None:
        with self._db_lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()

    def wipe(self) -> None:
        # Wiping deletes the run shards' files: no connection may stay open on them.
        self._close_connections()
        self._tables_present.clear()
        super().wipe()

    def dispose(self) -> None:
        super().dispose()
        self._close_connections()


def instance_overrides(
    dagster_home: str | os.PathLike[str] | Mapping[str, str], synchronous: str = "normal"
) -> dict[str, Any]:
    """dagster.yaml's `event_log_storage` entry for this storage. dagster_home: a path, or
    `{"env": "DAGSTER_HOME"}` (as instance_for_test sets it)."""
    home = dagster_home if isinstance(dagster_home, Mapping) else os.fspath(dagster_home)
    return {
        "event_log_storage": {
            "module": __name__,
            "class": FewerSyncsSqliteEventLogStorage.__name__,
            "config": {"dagster_home": home, "synchronous": synchronous},
        }
    }


def open_instance(dagster_home: str | os.PathLike[str]) -> dg.DagsterInstance:
    """The instance of a home as its dagster.yaml configures it; where that names this
    storage, with the home given here instead of read from `DAGSTER_HOME`."""
    import yaml
    from dagster._core.instance.ref import InstanceRef

    home = Path(dagster_home).resolve()
    config_file = home / "dagster.yaml"
    config = yaml.safe_load(config_file.read_text()) if config_file.exists() else None
    entry = (config or {}).get("event_log_storage") or {}
    overrides = None
    if entry.get("module") == __name__:
        synchronous = (entry.get("config") or {}).get("synchronous", "normal")
        overrides = instance_overrides(home, synchronous)
    return dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home), overrides=overrides))
