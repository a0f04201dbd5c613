"""The build's Dagster instance: the project's dagster.yaml gives the fewer-syncs event
log, whose files a stock Dagster storage reads."""

from __future__ import annotations

import contextlib
import shutil
import threading
import time
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.events import DagsterEvent, DagsterEventType, StepMaterializationData
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log import SqliteEventLogStorage

from orchestration.instance import (
    OPEN_SHARDS,
    FewerSyncsSqliteEventLogStorage,
    event_log_dir,
    instance_overrides,
    open_instance,
)
from orchestration.settings import PROJECT_ROOT
from tests.pipeline import build_instance

SYNC_LEVEL = {"off": 0, "normal": 1, "full": 2, "extra": 3}


def _materialization(run_id: str, key: str) -> EventLogEntry:
    event = DagsterEvent(
        event_type_value=DagsterEventType.ASSET_MATERIALIZATION.value,
        job_name="j",
        event_specific_data=StepMaterializationData(dg.AssetMaterialization(asset_key=key)),
    )
    return EventLogEntry(
        error_info=None,
        level=10,
        user_message="",
        run_id=run_id,
        timestamp=time.time(),
        dagster_event=event,
    )


def _synchronous(storage: SqliteEventLogStorage, run_id: str) -> int:
    with storage.run_connection(run_id) as conn:
        return conn.exec_driver_sql("pragma synchronous").scalar()


def test_the_project_instance_stores_events_with_normal_sync_where_a_stock_storage_reads_them(
    tmp_path,
):
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / ".dagster_home" / "dagster.yaml", home / "dagster.yaml")
    with open_instance(home) as instance:
        storage = instance.event_log_storage
        assert isinstance(storage, FewerSyncsSqliteEventLogStorage)
        for i in range(3):
            storage.store_event(_materialization("run-a", f"asset_{i}"))
        assert _synchronous(storage, "run-a") == SYNC_LEVEL["normal"]
        latest = instance.get_latest_materialization_event(dg.AssetKey("asset_2"))
        assert latest is not None and latest.run_id == "run-a"

    stock = SqliteEventLogStorage(event_log_dir(home))
    try:
        assert len(stock.get_logs_for_run("run-a")) == 3
        assert _synchronous(stock, "run-a") == SYNC_LEVEL["full"]  # the setting is per connection
    finally:
        stock.dispose()


def test_a_home_without_the_project_storage_keeps_dagsters_default(tmp_path):
    with open_instance(tmp_path) as instance:
        assert type(instance.event_log_storage) is SqliteEventLogStorage


def test_test_instances_do_not_sync():
    with build_instance() as instance:
        storage = instance.event_log_storage
        assert isinstance(storage, FewerSyncsSqliteEventLogStorage)
        storage.store_event(_materialization("run-b", "x"))
        assert _synchronous(storage, "run-b") == SYNC_LEVEL["off"]


def test_an_unknown_sync_level_is_refused(tmp_path):
    with pytest.raises(ValueError, match="synchronous must be one of"):
        FewerSyncsSqliteEventLogStorage(str(tmp_path), synchronous="sometimes")
    config = instance_overrides(tmp_path, "full")["event_log_storage"]["config"]
    assert config == {"dagster_home": str(tmp_path), "synchronous": "full"}


def _open_files(home: Path) -> set[str]:
    """The files under `home` this process holds open."""
    fds = Path("/proc/self/fd")
    names = set()
    for fd in fds.iterdir():
        with contextlib.suppress(OSError):
            target = str(fd.readlink())
            if target.startswith(str(home)):
                names.add(Path(target).name)
    return names


def test_connections_are_kept_for_the_shards_used_last_and_shared_between_threads(tmp_path):
    """Each shard keeps one open connection (no connect/close per event), for the
    OPEN_SHARDS used last; an event stored from another thread goes through the same
    connection, and a stock storage writes and reads the same files meanwhile."""
    storage = FewerSyncsSqliteEventLogStorage(str(tmp_path), synchronous="off")
    try:
        runs = [f"run-{i}" for i in range(OPEN_SHARDS + 2)]
        for run in runs:
            storage.store_event(_materialization(run, f"asset_{run}"))
        open_now = _open_files(tmp_path)
        assert {f"{r}.db" for r in runs[-(OPEN_SHARDS - 1) :]} <= open_now
        assert f"{runs[0]}.db" not in open_now  # the oldest shard's connection was closed
        assert len([n for n in open_now if n.endswith(".db")]) <= OPEN_SHARDS

        worker = threading.Thread(
            target=storage.store_event, args=(_materialization(runs[-1], "from_a_thread"),)
        )
        worker.start()
        worker.join()
        stock = SqliteEventLogStorage(str(tmp_path))
        try:
            stock.store_event(_materialization(runs[-1], "from_a_stock_storage"))
            assert len(stock.get_logs_for_run(runs[-1])) == 3
        finally:
            stock.dispose()
        assert len(storage.get_logs_for_run(runs[-1])) == 3
        assert len(storage.get_logs_for_run(runs[0])) == 1  # reopened on demand

        storage.wipe()
        assert not [n for n in _open_files(tmp_path) if not n.startswith("index")]
        assert storage.get_logs_for_run(runs[-1]) == []
    finally:
        storage.dispose()
    assert not _open_files(tmp_path)


def test_a_present_table_is_remembered_and_an_absent_one_asked_again(tmp_path, monkeypatch):
    storage = FewerSyncsSqliteEventLogStorage(str(tmp_path), synchronous="off")
    try:
        asked: list[str] = []
        stock = SqliteEventLogStorage.has_table

        def counting(self, table_name: str) -> bool:
            asked.append(table_name)
            return stock(self, table_name)

        monkeypatch.setattr(SqliteEventLogStorage, "has_table", counting)
        assert all(storage.supports_asset_checks for _ in range(5))
        assert asked == ["asset_check_executions"]
        assert not storage.has_table("no_such_table")
        assert not storage.has_table("no_such_table")
        assert asked.count("no_such_table") == 2
    finally:
        storage.dispose()
