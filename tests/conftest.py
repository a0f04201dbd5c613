from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from ingest.loader import ensure_schema

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


@pytest.fixture(scope="session")
def small_warehouse(tmp_path_factory):
    """The small demo data (seed 42) built twice through the real Dagster job.

    Shared by every end-to-end module that only reads the result, so the suite
    pays for one build. Modules that change landing files build their own.
    """
    import dagster as dg

    from tests.pipeline import generate, run_build, warehouse_env

    data = tmp_path_factory.mktemp("small") / "data"
    generate(data)
    with warehouse_env(data) as env, dg.instance_for_test() as instance:
        first = run_build(instance)
        with duckdb.connect(env["CX_DUCKDB_PATH"], read_only=True) as con:
            counts = raw_counts(con)
            keys = customer_keys(con)
        second = run_build(instance)
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
