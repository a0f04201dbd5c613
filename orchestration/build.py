"""`make run`'s build: recover from a killed build without a person, then run the job
with progress on the terminal. `python -m orchestration.build [--job build_warehouse]`.

Crash recovery. A build holds an exclusive lock (flock) on
`$DAGSTER_HOME/cx_build.lock` for as long as its process lives; the kernel drops
it when the process dies, also on `kill -9`. Holding that lock, a new build knows
that no other build is alive, so every run of this instance still marked as
started (or queued) is dead: it is marked failed and its claims on the
`duckdb_writer` pool are freed (said on the terminal). Without this, a killed
run keeps its pool slot and the next run waits forever (Dagster frees slots of
dead runs only through run monitoring, which needs the daemon; `dagster dev`
runs one and .dagster_home/dagster.yaml turns run monitoring on for it).

A killed build may also leave a dbt subprocess that still holds the warehouse's
write lock: the build waits for it to exit, saying which PID it waits for.

Files are created owner-only (umask 077, or 027 with CX_FILE_GROUP: group-readable
by that group), so the warehouse, snapshot and logs are not world-readable.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import importlib
import os
import re
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg

from cx_settings import load_settings
from identity.parallel import PRELOAD_THREAD
from orchestration.instance import open_instance

POOL = "duckdb_writer"
PID_TAG = "cx/build_pid"
LOCK_NAME = "cx_build.lock"
HEARTBEAT_SECONDS = 30
_ALIVE = (
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.CANCELING,
)


def say(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


@contextmanager
def build_lock(home: Path) -> Iterator[None]:
    """Exclusive for the life of this process; waits (and says so) while another build runs."""
    home.mkdir(parents=True, exist_ok=True)
    fd = os.open(home / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            say(f"another build (pid {holder}) is running; waiting for it to finish ...")
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    time.sleep(2)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)


def recover_dead_runs(instance: dg.DagsterInstance) -> list[str]:
    """With the build lock held: fail every run still marked alive and free its pool
    claims (no build process is alive to own them). Returns what was done."""
    done = []
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=list(_ALIVE))):
        instance.report_run_failed(run, "the build process died (recovered by the next build)")
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        done.append(f"run {run.run_id[:8]} ({run.job_name}, {run.status.value}): marked failed")
    # Claims left by runs that ended (a crash between the end and the release).
    try:
        info = instance.event_log_storage.get_concurrency_info(POOL)
        holders = {s.run_id for s in info.claimed_slots} | {s.run_id for s in info.pending_steps}
    except Exception:  # an instance without pools
        holders = set()
    for run_id in holders:
        run = instance.get_run_by_id(run_id)
        if run is None or run.status not in _ALIVE:
            instance.event_log_storage.free_concurrency_slots_for_run(run_id)
            done.append(f"pool {POOL}: freed the slot held by ended run {run_id[:8]}")
    return done


_LOCK_PID = re.compile(r"PID (\d+)")


def leftover_dbt(path: Path, proc: Path = Path("/proc")) -> list[int]:
    """PIDs of other dbt processes whose environment names this warehouse
    (CX_DUCKDB_PATH): a dbt that a killed build left running, or one started by hand.

    The lock alone does not show them: dbt-duckdb closes the database when no node
    holds it, so between two models the warehouse is free for a moment, and a build
    that started then failed on the lock at its first step (seen in the kill test).
    Linux only (/proc); elsewhere the lock is all there is to wait on."""
    mine = str(path)
    found: list[int] = []
    if not proc.is_dir():
        return found
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            if not any(b"dbt" in Path(os.fsdecode(a)).name.encode() for a in cmdline[:3]):
                continue
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:  # gone, or another user's
            continue
        # `make docs` runs dbt on the `reader` target: the published snapshot, read-only.
        if b"CX_DBT_TARGET=reader" in environ:
            continue
        if os.fsencode(f"CX_DUCKDB_PATH={mine}") in environ:
            found.append(int(entry.name))
    return sorted(found)


def wait_for_warehouse(path: Path, timeout: float = 3600) -> None:
    """Wait while another process (a dbt left by a killed build) holds the warehouse
    or is still running on it."""
    import duckdb

    if not path.exists():
        return
    start, last = time.monotonic(), 0.0
    while True:
        holder = None
        pids = leftover_dbt(path)
        if pids:
            holder = ", ".join(map(str, pids))
        else:
            try:
                duckdb.connect(str(path)).close()
                return
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower():
                    raise
                pid = _LOCK_PID.search(str(exc))
                holder = pid.group(1) if pid else "?"
        if time.monotonic() - start > timeout:
            raise TimeoutError(f"the warehouse {path} is still in use by PID {holder}")
        if time.monotonic() - last > HEARTBEAT_SECONDS:
            say(
                f"warehouse is in use by PID {holder} "
                "(a dbt left by a killed build?); waiting for it to exit ..."
            )
            last = time.monotonic()
        time.sleep(2)


# Imported in the background while the first steps work in DuckDB (which releases the
# GIL): Great Expectations alone takes 3-5 s to import, and only the checks step needs it.
PRELOAD_MODULES = ("great_expectations",)


def preload(modules: tuple[str, ...] = PRELOAD_MODULES) -> threading.Thread:
    def run() -> None:
        for name in modules:
            # A failed import is reported by the step that needs the module.
            with contextlib.suppress(Exception):
                importlib.import_module(name)

    thread = threading.Thread(target=run, name=PRELOAD_THREAD, daemon=True)
    thread.start()
    return thread


def apply_umask() -> None:
    os.umask(0o027 if load_settings().operations.file_group else 0o077)


class Progress(threading.Thread):
    """Prints each step as it starts and ends, and a heartbeat while a step runs."""

    def __init__(self, instance: dg.DagsterInstance, tag: str) -> None:
        super().__init__(daemon=True)
        self.instance, self.tag = instance, tag
        self.stop = threading.Event()

    def run(self) -> None:
        seen = 0
        run_id = None
        running: dict[str, float] = {}
        last_beat = time.monotonic()
        kinds = {
            dg.DagsterEventType.STEP_START,
            dg.DagsterEventType.STEP_SUCCESS,
            dg.DagsterEventType.STEP_FAILURE,
        }
        while not self.stop.wait(1.0):
            try:
                if run_id is None:
                    runs = self.instance.get_runs(
                        filters=dg.RunsFilter(tags={PID_TAG: self.tag}), limit=1
                    )
                    if not runs:
                        continue
                    run_id = runs[0].run_id
                    say(f"run {run_id[:8]} started")
                records = self.instance.all_logs(run_id, of_type=kinds)
            except Exception:  # the storage is busy: try again
                continue
            for rec in records[seen:]:
                ev = rec.dagster_event
                step = ev.step_key or "?"
                if ev.event_type == dg.DagsterEventType.STEP_START:
                    running[step] = time.monotonic()
                    say(f"  {step} ...")
                else:
                    took = time.monotonic() - running.pop(step, time.monotonic())
                    ok = "done" if ev.event_type == dg.DagsterEventType.STEP_SUCCESS else "FAILED"
                    say(f"  {step} {ok} ({took:.0f} s)")
            seen = len(records)
            if time.monotonic() - last_beat > HEARTBEAT_SECONDS:
                last_beat = time.monotonic()
                if running:
                    step, since = next(iter(running.items()))
                    say(f"  still running: {step} ({time.monotonic() - since:.0f} s)")
                else:
                    say(f"  waiting (no step running; pool {POOL} busy?)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.build")
    parser.add_argument("--job", default="build_warehouse")
    parser.add_argument("--log", default=None, help="Dagster's own log (default: stderr)")
    args = parser.parse_args(argv)
    settings = load_settings()
    apply_umask()
    if args.log:
        Path(args.log).parent.mkdir(parents=True, exist_ok=True)
        log_fd = os.open(args.log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(log_fd, 2)
    # The instance from the setting (DAGSTER_HOME overrides it), opened directly:
    # nothing is exported to the environment.
    home = settings.paths.dagster_home
    with build_lock(home), open_instance(home) as instance:
        for line in recover_dead_runs(instance):
            say(f"recovered: {line}")
        wait_for_warehouse(settings.paths.duckdb_path)
        from orchestration.definitions import defs

        preload()
        tag = str(os.getpid())
        progress = Progress(instance, tag)
        progress.start()
        say(f"job {args.job}: loading landing files, dbt, identity, enrichment, publish ...")
        result = defs.resolve_job_def(args.job).execute_in_process(
            instance=instance, tags={PID_TAG: tag}, raise_on_error=False
        )
        time.sleep(1.5)
        progress.stop.set()
        progress.join(timeout=5)
    if not result.success:
        say(f"build failed (run {result.run_id[:8]})")
        return 1
    say(f"build succeeded (run {result.run_id[:8]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
