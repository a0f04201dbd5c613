"""The sharded generator (how the large scale is made with bounded memory), run at
small scale: its files are contract-valid and the real loader takes them whole,
ids stay unique across shards, the ground truth counts what landed, and the same
seed writes the same bytes."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from ingest import contract as c
from ingest.loader import ensure_schema, load_table
from quality.ledger import ledger_imbalances
from simworld import generate as g
from simworld.demo import world as w

SHARDS = 2


@pytest.fixture(scope="module")
def sharded(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sharded") / "a"
    g.generate(out, "small", 42, shards=SHARDS)
    return out


@pytest.fixture(scope="module")
def manifest(sharded) -> dict:
    return json.loads((sharded / "ground_truth/manifest.json").read_text())


@pytest.fixture(scope="module")
def loaded(sharded, tmp_path_factory):
    """Every landing table through the real loader, as a build's ingest runs it."""
    db = tmp_path_factory.mktemp("sharded_db") / "w.duckdb"
    with duckdb.connect(str(db)) as con:
        ensure_schema(con)
        results = [r for t in c.TABLES for r in load_table(con, t, sharded / "landing")]
    con = duckdb.connect(str(db), read_only=True)
    yield con, results
    con.close()


def _digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != "manifest.json"  # the manifest holds the run time
    }


def _raw(con: duckdb.DuckDBPyConnection, table: str, columns: str) -> pd.DataFrame:
    return con.execute(f"select _file_path, {columns} from raw.{table}").df()


def test_only_worlds_above_medium_are_sharded_by_default():
    assert g.default_shards(w.SCALES["small"]) == 0
    assert g.default_shards(w.SCALES["medium"]) == 0
    assert g.default_shards(w.SCALES["large"]) >= 10


def test_the_same_seed_and_shards_write_byte_identical_files(sharded, tmp_path):
    g.generate(tmp_path / "b", "small", 42, shards=SHARDS)
    assert _digest(sharded) == _digest(tmp_path / "b")


def test_each_shard_writes_its_own_files(sharded, manifest):
    assert manifest["shards"] == SHARDS
    for table in ("orders", "deliveries", "confirmations"):
        names = [p.stem for p in (sharded / "landing/fulfillment" / table).iterdir()]
        assert {n.split("_part")[1][:3] for n in names} == {f"{k:03d}" for k in range(SHARDS)}
    # The one-off awkward files are written once, by the first shard.
    for key in ("duplicate_file", "parquet_file", "reordered_columns_file"):
        assert "_part000" in manifest[key]


def test_the_loader_takes_every_file_whole(loaded, manifest):
    con, results = loaded
    status = {r.file_path: r.status for r in results}
    assert status.pop(manifest["duplicate_file"]) == "duplicate"
    assert set(status.values()) == {"loaded"}, {k: v for k, v in status.items() if v != "loaded"}
    rows_in = {r.file_path: r.rows_in for r in results if r.status == "loaded"}
    expected = dict(manifest["rows_per_file"])
    expected.pop(manifest["duplicate_file"])
    assert rows_in == expected
    assert all(r.rows_in == r.rows_loaded + r.rows_quarantined for r in results)
    assert all(ledger_imbalances(con, t) == [] for t in c.TABLES)


def test_the_quarantine_holds_exactly_the_injected_bad_rows(loaded, sharded):
    con, _ = loaded
    bad = pd.read_csv(sharded / "ground_truth/bad_rows.csv", dtype=str, keep_default_na=False)
    expected = {(r.file, int(r.row_number), r.reason, r.column or None) for r in bad.itertuples()}
    actual = set(
        con.execute(
            "select file_path, row_number, reason, column_name from raw._quarantine"
        ).fetchall()
    )
    assert actual == expected
    assert {x[2] for x in actual} >= {
        c.REASON_MISSING_VALUE,
        c.REASON_BAD_TYPE,
        c.REASON_OUT_OF_RANGE,
        c.REASON_NOT_ACCEPTED,
        c.REASON_MALFORMED_CSV,
        c.REASON_MALFORMED_JSON,
    }


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ("fulfillment__orders", "source_system, order_id"),
        ("fulfillment__deliveries", "source_system, delivery_id"),
        ("fulfillment__confirmations", "source_system, confirmation_id"),
        ("fulfillment__promise_changes", "source_system, order_id"),
        ("survey__invitations", "invitation_id"),
        ("survey__responses", "response_id"),
    ],
)
def test_no_id_is_used_by_two_shards(loaded, table, key):
    con, _ = loaded
    raw = _raw(con, table, key)
    raw["shard"] = raw._file_path.str.extract(r"_part(\d{3})", expand=False)
    assert raw.shard.notna().all()
    shards_per_id = raw.groupby(key.split(", ")).shard.nunique()
    assert raw.shard.nunique() == SHARDS and len(shards_per_id) >= 50
    assert (shards_per_id == 1).all(), shards_per_id[shards_per_id > 1].head()


def test_order_numbers_run_on_across_shards(sharded, manifest):
    orders = pd.read_parquet(sharded / "ground_truth/orders.parquet")
    number = orders.order_id.str[3:].astype(np.int64)
    assert orders.order_id.is_unique
    # Originals and re-creations share one sequence: no gaps between shards.
    total = manifest["counts"]["orders"] + manifest["counts"]["recreated_orders"]
    assert number.min() == 1_000_001 and number.max() <= 1_000_000 + total


def test_ground_truth_counts_what_landed(loaded, sharded, manifest):
    con, _ = loaded
    counts = manifest["counts"]
    truth = sharded / "ground_truth"
    orders = pd.read_parquet(truth / "orders.parquet")
    responses = pd.read_parquet(truth / "responses.parquet")
    assert len(orders) == counts["orders"]
    assert len(responses) == counts["responses"] and responses.response_id.is_unique

    def distinct(table: str, key: str) -> int:
        return con.execute(f"select count(distinct ({key})) from raw.{table}").fetchone()[0]

    landed_orders = distinct("fulfillment__orders", "source_system, order_id")
    assert landed_orders == counts["orders"] + counts["recreated_orders"]
    assert distinct("survey__responses", "response_id") == counts["responses"]
    assert distinct("survey__invitations", "invitation_id") == counts["invitations"]
    assert distinct("public_opinion__posts", "platform, post_id") == counts["posts"]
    assert distinct("crm__accounts", "source_system, account_id") == counts["accounts"]
    assert distinct("crm__contacts", "source_system, contact_id") == counts["contacts"]
    assert distinct("crm__contracts", "source_system, contract_id") == counts["contracts"]
    # Every order of the truth landed under its own id.
    raw_ids = set(_raw(con, "fulfillment__orders", "order_id").order_id)
    assert set(orders.order_id) <= raw_ids


def test_region_months_sum_the_orders_of_every_shard(sharded):
    truth = sharded / "ground_truth"
    months = pd.read_parquet(truth / "region_months.parquet")
    orders = pd.read_parquet(truth / "orders.parquet")
    promise = orders.valid_promised_date
    in_window = (promise >= pd.Timestamp(w.START)) & (promise <= pd.Timestamp(w.END))
    chains = orders[in_window & ~orders.customer_cancelled]
    assert months.orders_due_true.sum() == len(chains)
    assert months.orders_on_time_true.sum() == chains.true_on_time.sum()
    assert months.orders_manipulated.sum() == (chains.pattern != "").sum()
    assert months.beautified.sum() >= 5


def test_the_crm_master_data_is_the_whole_worlds(sharded, small):
    """Sharding changes how orders are drawn, not who the customers are."""
    for name in ("customers", "accounts", "persons", "contacts"):
        a = (sharded / "ground_truth" / f"{name}.parquet").read_bytes()
        assert a == (small / "ground_truth" / f"{name}.parquet").read_bytes(), name
