"""A customer's sample export from another system, built end to end by the real job.

tests/data/other_system_export/ is a contract-valid landing zone written by a
different exporter than our demo generator (its own company names and
spellings, timestamp and boolean styles, empty optional fields, a GBK-encoded
CRM file, a re-sent file, an extra column, bad rows). No ground truth comes with
it, so this asks what must hold on any contract-valid input: the build
succeeds, every file balances, every bad row has its reason, the re-sent file
is loaded once, the marts are built and the snapshot is published.
"""

from __future__ import annotations

import hashlib
import shutil
from collections import defaultdict
from pathlib import Path

import duckdb
import pytest

from ingest import contract as c
from orchestration.assets.publish import PUBLISH_KEY
from orchestration.publishing import read_manifest
from quality.ledger import ledger_imbalances
from tests.fixed_data_dir import FixedDataDir
from tests.pipeline import build_instance, run_build, run_failures, warehouse_env

pytestmark = pytest.mark.e2e

SAMPLE = Path(__file__).parent / "data" / "other_system_export" / "landing"
MARTS = ("fct_orders", "dim_customer", "fct_integrity_region_months")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _resent_files(landing: Path) -> dict[str, list[str]]:
    """Landing files (relative paths) with the same content as another file."""
    by_hash: dict[str, list[str]] = defaultdict(list)
    for path in sorted(p for p in landing.rglob("*") if p.is_file()):
        by_hash[_sha256(path)].append(path.relative_to(landing).as_posix())
    return {h: paths for h, paths in by_hash.items() if len(paths) > 1}


@pytest.fixture(scope="module")
def sample_build(tmp_path_factory):
    fixed = FixedDataDir(tmp_path_factory.mktemp("sample_export"))
    fixed.prepare()
    with fixed.fresh() as data:
        shutil.copytree(SAMPLE, data / "landing")
        with warehouse_env(data) as env, build_instance() as instance:
            result = run_build(instance)
        yield {"data": data, "env": env, "result": result}


@pytest.fixture
def con(sample_build):
    with duckdb.connect(sample_build["env"]["CX_DUCKDB_PATH"], read_only=True) as connection:
        yield connection


def test_the_sample_is_shipped_in_the_repo():
    # Self-contained: the landing tree lives under tests/data, with its quirks intact.
    assert SAMPLE.is_dir()
    assert _resent_files(SAMPLE), "the sample carries a re-sent file"
    assert any(
        p.suffix == ".csv" and _is_not_utf8(p) for p in (SAMPLE / "crm" / "accounts").iterdir()
    ), "the sample carries a GBK CRM export"


def _is_not_utf8(path: Path) -> bool:
    try:
        path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def test_the_build_succeeds(sample_build):
    result = sample_build["result"]
    assert result.success, "\n".join(run_failures(result))
    assert run_failures(result) == []


def test_every_file_is_in_the_ledger_and_balances(con):
    ledger = con.execute(
        "select file_path, status, rows_in, rows_loaded, rows_quarantined from raw._load_ledger"
    ).fetchall()
    landed = {p.relative_to(SAMPLE).as_posix() for p in SAMPLE.rglob("*") if p.is_file()}
    assert {row[0] for row in ledger} == landed
    assert [row for row in ledger if row[1] == "rejected"] == []
    loaded = [row for row in ledger if row[1] == "loaded"]
    assert loaded
    unbalanced = [row for row in loaded if row[2] != row[3] + row[4]]
    assert unbalanced == []
    # ...and against what raw and the quarantine actually hold, table by table.
    assert {t.qualified: ledger_imbalances(con, t) for t in c.TABLES} == {
        t.qualified: [] for t in c.TABLES
    }


def test_bad_rows_are_quarantined_each_with_its_reason(con):
    rows, without_reason = con.execute(
        "select count(*), count(*) filter (where nullif(trim(reason), '') is null) "
        "from raw._quarantine"
    ).fetchone()
    assert rows > 0, "the sample carries bad rows"
    assert without_reason == 0
    reasons = {r for (r,) in con.execute("select distinct reason from raw._quarantine").fetchall()}
    known = {v for k, v in vars(c).items() if k.startswith("REASON_")}
    assert reasons <= known


def test_the_resent_file_is_loaded_once(con):
    for paths in _resent_files(SAMPLE).values():
        statuses = dict(
            con.execute(
                "select file_path, status from raw._load_ledger where file_path in "
                f"({', '.join('?' * len(paths))})",
                paths,
            ).fetchall()
        )
        assert sorted(statuses.values()) == ["duplicate"] * (len(paths) - 1) + ["loaded"]
    # No row of a re-sent batch reaches raw twice.
    dup_rows = con.execute(
        """select count(*) from (
               select source_system, confirmation_id from raw.fulfillment__confirmations
               group by all having count(distinct _file_hash) > 1)"""
    ).fetchone()[0]
    assert dup_rows == 0


def test_the_gbk_export_is_decoded(con):
    gbk = con.execute(
        "select file_path, rows_loaded from raw._load_ledger where encoding = 'gb18030'"
    ).fetchall()
    assert gbk and all(loaded > 0 for _, loaded in gbk)
    names = con.execute(
        "select account_name from raw.crm__accounts where _file_path = ?", [gbk[0][0]]
    ).fetchall()
    assert any("公司" in n for (n,) in names)


def test_the_marts_are_built_and_not_empty(con):
    for mart in MARTS:
        assert con.execute(f"select count(*) from marts.{mart}").fetchone()[0] > 0, mart


def test_the_snapshot_is_published_and_holds_the_marts(sample_build, con):
    result = sample_build["result"]
    assert any(
        e.event_type_value == "ASSET_MATERIALIZATION" and e.asset_key == PUBLISH_KEY
        for e in result.all_events
    )
    published = Path(sample_build["env"]["CX_PUBLISHED_PATH"])
    assert published.exists()
    with duckdb.connect(str(published), read_only=True) as snap:
        assert read_manifest(snap)["run_id"] == result.run_id
        for mart in MARTS:
            in_snapshot = snap.execute(f"select count(*) from marts.{mart}").fetchone()[0]
            in_warehouse = con.execute(f"select count(*) from marts.{mart}").fetchone()[0]
            assert in_snapshot == in_warehouse > 0, mart
