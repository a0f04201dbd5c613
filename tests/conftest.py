from __future__ import annotations

import contextlib
import fcntl
import functools
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from ingest.loader import ensure_schema
from orchestration.settings import PROJECT_ROOT

TEST_SETTINGS = Path(__file__).with_name("settings.toml")


@pytest.fixture(autouse=True, scope="session")
def test_settings():
    """The suite's settings file (tests/settings.toml), for the session and every
    subprocess it starts; set when the session starts, never on import."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CX_SETTINGS_FILE", str(TEST_SETTINGS))
        yield TEST_SETTINGS


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    root = tmp_path / "landing"
    root.mkdir()
    return root


@pytest.fixture
def con(tmp_path: Path):
    connection = duckdb.connect(str(tmp_path / "w.duckdb"))
    ensure_schema(connection)
    yield connection
    connection.close()


def write(root: Path, rel: str, content: str | bytes, encoding: str = "utf-8") -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode(encoding)
    path.write_bytes(content)
    return path


# Parallel runs (pytest-xdist; `make test` runs -n 2 --dist loadscope). The shared small
# build holds in-process results (the two runs' events), so it cannot be handed from one
# worker process to another: every test module that reads it is one work unit, run on
# the worker that builds it, once. The other modules are work units of their own, so a
# module-scoped fixture (a private build, a server) is set up on one worker only. A module
# that needs only the published snapshot asks for `small_snapshot` instead: its tests are
# units of their own, handed out last, to either worker (the other one waits for the
# build); each worker sets up such a module's fixtures once.
# (xdist's own `loadgroup` marks do not reach the scheduler under pytest 9.2: xdist 3.8
# renames Item._nodeid, which pytest 9.2 no longer reads.)
SMALL_WAREHOUSE_SCOPE = "small_warehouse"


@functools.cache
def _reads_small_warehouse(module: Path) -> bool:
    """A module that names the fixture, as an argument or in request.getfixturevalue."""
    return "small_warehouse" in module.read_text(encoding="utf-8")


@functools.cache
def _reads_small_snapshot(module: Path) -> bool:
    return "small_snapshot" in module.read_text(encoding="utf-8")


def xdist_scope(rootdir: Path, nodeid: str) -> str:
    module = nodeid.split("::", 1)[0]
    path = rootdir / module
    if path.suffix == ".py" and path.is_file():
        if _reads_small_warehouse(path):
            return SMALL_WAREHOUSE_SCOPE
        if _reads_small_snapshot(path):
            # Each test a unit of its own: the browser module alone is ~170 s, which as one
            # unit ran on the worker that had built (7:30 with one worker idle ~2 min);
            # split, both workers share it, each starting the module's servers once.
            return nodeid
    return module


def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class SharedBuildScheduling(LoadScopeScheduling):
        """loadscope (a module per work unit; the largest first), with every reader of
        the shared small build in one unit, handed out first; the modules that read only
        its snapshot file (`small_snapshot`) are handed out last: on the other worker they
        wait for the build, so they come when that worker has run out of other work."""

        def _split_scope(self, nodeid: str) -> str:
            return xdist_scope(config.rootpath, nodeid)

        def _assign_work_unit(self, node) -> None:
            if not getattr(self, "_ordered", False):
                self._ordered = True
                for scope in list(self.workqueue):
                    path = config.rootpath / scope.split("::", 1)[0]
                    if path.is_file() and _reads_small_snapshot(path):
                        self.workqueue.move_to_end(scope)
                if SMALL_WAREHOUSE_SCOPE in self.workqueue:
                    self.workqueue.move_to_end(SMALL_WAREHOUSE_SCOPE, last=False)
            super()._assign_work_unit(node)

    return SharedBuildScheduling(config, log)


_BUILD_ANYWHERE = pytest.StashKey[bool]()


def _check_small_warehouse_scope(config) -> None:
    """A test outside the unit would pay a second build on another worker (minutes): say
    which, rather than pass slowly."""
    if not os.environ.get("PYTEST_XDIST_WORKER") or config.stash.get(_BUILD_ANYWHERE, False):
        return
    current = os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" (", 1)[0]
    if current and xdist_scope(config.rootpath, current) != SMALL_WAREHOUSE_SCOPE:
        pytest.fail(
            f"{current} reaches small_warehouse through a fixture of another module: "
            "name small_warehouse in its module so that it runs on the worker that "
            "builds it (tests/conftest.py, xdist_scope)",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def small_warehouse(request, tmp_path_factory):
    """The small demo data (seed 42) built twice through the real Dagster job.

    Shared by every end-to-end module that only reads the result, so the suite
    pays for one build. Modules that change landing files build their own.
    Parallel runs keep every module that names it on the worker that builds it.
    """
    from tests.pipeline import build_instance, generate, run_build, warehouse_env

    _check_small_warehouse_scope(request.config)
    root = tmp_path_factory.mktemp("small")
    data = root / "data"
    shared = _shared_snapshot_dir(tmp_path_factory)
    with warehouse_env(data) as env, build_instance() as instance:
        with _snapshot_lock(shared):  # held until the snapshot is shared: see small_snapshot
            parse_cache = ParseCache(root / "dbt_target")
            parse_cache.start()  # beside the generator: both are subprocesses
            generate(data)
            parse_cache.wait()
            with parse_cache:
                first = run_build(instance)
            with duckdb.connect(env["CX_DUCKDB_PATH"], read_only=True) as con:
                counts = raw_counts(con)
                keys = customer_keys(con)
            with parse_cache:
                second = run_build(instance)
            _share_snapshot(env, shared)
        yield {
            "data": data,
            "truth": data / "ground_truth",
            "db": env["CX_DUCKDB_PATH"],
            "env": env,
            "first": first,
            "second": second,
            "counts_after_first": counts,
            "customer_keys_after_first": keys,
        }


def _shared_snapshot_dir(tmp_path_factory) -> Path:
    """One dir for every worker of this run (xdist workers' basetemps are siblings)."""
    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    shared = root / "small_snapshot"
    shared.mkdir(parents=True, exist_ok=True)
    return shared


@contextlib.contextmanager
def _snapshot_lock(shared: Path) -> Iterator[None]:
    with (shared / "build.lock").open("a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _share_snapshot(env: dict[str, str], shared: Path) -> None:
    """The snapshot the second run published (or, if it did not publish, one published
    from its warehouse with the same publisher), for `small_snapshot`."""
    from orchestration.publishing import publish_snapshot

    tmp = shared / "cx_published.duckdb.tmp"
    built = Path(env["CX_PUBLISHED_PATH"])
    if built.exists():
        shutil.copy(built, tmp)
    else:
        publish_snapshot(env["CX_DUCKDB_PATH"], tmp, {"run_id": "shared-small-build"})
    os.replace(tmp, shared / "cx_published.duckdb")


@pytest.fixture(scope="session")
def small_snapshot(request, tmp_path_factory) -> Path:
    """The snapshot file published by the shared small build (read it, or copy it).

    For modules that need only this file (no run results, no warehouse): under xdist
    they may run on a worker that did not build; they wait for the worker that builds
    (it holds the lock until the file is there). If no worker is building, this one
    builds.
    """
    shared = _shared_snapshot_dir(tmp_path_factory)
    with _snapshot_lock(shared):
        ready = (shared / "cx_published.duckdb").exists()
    if not ready:
        request.config.stash[_BUILD_ANYWHERE] = True
        request.getfixturevalue("small_warehouse")
    return shared / "cx_published.duckdb"


class ParseCache:
    """dbt's partial-parse cache for the warehouse path now in the environment.

    dbt keys the cache on the connection details, the warehouse path included, so
    the cache in target/ (parsed for data/warehouse.duckdb by `make manifest`) is
    thrown away by every dbt step of a build on a tmp path: "Unable to do partial
    parsing because profile has changed", a full parse per step (~3 s more each,
    four steps per build). Parsed once here for this path, into a target dir of its
    own (target/ is left alone), and pointed at while a build runs (dagster-dbt
    copies <DBT_TARGET_PATH>/partial_parse.msgpack into each step's own target dir),
    the steps parse incrementally, as in production.
    """

    def __init__(self, target: Path) -> None:
        self.target = target
        self._proc: subprocess.Popen | None = None
        self._saved: str | None = None

    def start(self) -> None:
        from tests.fixed_data_dir import parse_command

        self.target.mkdir(parents=True, exist_ok=True)
        argv, env = parse_command(self.target, dict(os.environ))
        self._proc = subprocess.Popen(
            argv,
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )

    def wait(self) -> None:
        out, _ = self._proc.communicate()
        if self._proc.returncode != 0:
            raise RuntimeError(f"dbt parse failed: {out.decode(errors='replace')[-3000:]}")

    def __enter__(self) -> ParseCache:
        self._saved = os.environ.get("DBT_TARGET_PATH")
        os.environ["DBT_TARGET_PATH"] = str(self.target)
        return self

    def __exit__(self, *exc) -> None:
        if self._saved is None:
            os.environ.pop("DBT_TARGET_PATH", None)
        else:
            os.environ["DBT_TARGET_PATH"] = self._saved


def customer_keys(con: duckdb.DuckDBPyConnection):
    """Every account's customer key, to check that keys stay stable across builds."""
    return con.execute(
        "select source_system, account_id, customer_key from identity.account_clusters"
    ).df()


def raw_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows in every raw table, the load ledger and the quarantine."""
    from ingest import contract as c

    out = {
        t.qualified: con.execute(f"select count(*) from raw.{t.qualified}").fetchone()[0]
        for t in c.TABLES
    }
    out["_ledger"] = con.execute("select count(*) from raw._load_ledger").fetchone()[0]
    out["_quarantine"] = con.execute("select count(*) from raw._quarantine").fetchone()[0]
    return out
