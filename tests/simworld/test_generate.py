"""The demo-data generator: deterministic, faithful to the landing contract, and
honest about what it injected (the ground truth the other tests measure against)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

from ingest import contract as c
from simworld.generate import generate
from tests.simworld.landing import read_table


def _digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted((root / "landing").rglob("*"))
        if p.is_file()
    }


def test_the_same_seed_writes_byte_identical_files(small, tmp_path):
    generate(tmp_path / "b", "small", 42)
    assert _digest(small) == _digest(tmp_path / "b")


def test_another_seed_writes_different_data(small, tmp_path):
    generate(tmp_path / "c", "small", 7)
    assert _digest(small) != _digest(tmp_path / "c")


def test_every_landing_table_gets_files_in_its_contract_folder(small):
    for t in c.TABLES:
        files = list((small / "landing" / t.source / t.name).iterdir())
        assert files, t.qualified
        assert {f.suffix for f in files} <= {".csv", ".jsonl", ".parquet"}


def test_manifest_counts_every_record_of_every_file(small):
    manifest = json.loads((small / "ground_truth/manifest.json").read_text())
    for rel, rows in manifest["rows_per_file"].items():
        path = small / "landing" / rel
        if path.suffix == ".parquet":
            assert len(pd.read_parquet(path)) == rows
        else:
            data = path.read_bytes().decode("gbk" if rel == manifest["gbk_file"] else "utf-8")
            lines = data.count("\n") - (1 if path.suffix == ".csv" else 0)
            assert lines == rows, rel


def test_the_awkward_files_are_really_awkward(small):
    m = json.loads((small / "ground_truth/manifest.json").read_text())
    land = small / "landing"
    assert (land / m["duplicate_file"]).read_bytes() == (land / m["duplicate_of"]).read_bytes()
    gbk = (land / m["gbk_file"]).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        gbk.decode("utf-8")
    assert "有限公司" in gbk.decode("gbk")
    header = (land / m["upper_case_header_file"]).read_text().splitlines()[0]
    assert header == header.upper() and "SOURCE_SYSTEM" in header
    extra = (land / m["extra_column_file"]).read_text().splitlines()[0].split(",")
    assert set(extra) - set(c.table("crm", "accounts").column_names)
    reordered = (land / m["reordered_columns_file"]).read_text().splitlines()[0].split(",")
    in_contract_order = [
        x for x in c.table("fulfillment", "deliveries").column_names if x in reordered
    ]
    assert reordered != in_contract_order
    assert sorted(reordered) == sorted(in_contract_order)


def test_bad_rows_cover_every_reason_and_avoid_the_resent_file(small):
    m = json.loads((small / "ground_truth/manifest.json").read_text())
    bad = pd.read_csv(small / "ground_truth/bad_rows.csv", dtype=str, keep_default_na=False)
    assert len(bad) >= 20
    assert set(bad.reason) >= {
        c.REASON_MISSING_VALUE,
        c.REASON_BAD_TYPE,
        c.REASON_OUT_OF_RANGE,
        c.REASON_NOT_ACCEPTED,
        c.REASON_MALFORMED_CSV,
        c.REASON_MALFORMED_JSON,
    }
    assert not bad.file.isin([m["duplicate_file"], m["duplicate_of"]]).any()
    assert not bad.duplicated(["file", "row_number"]).any()


def test_ground_truth_names_the_customer_of_every_crm_account(small):
    files = read_table(small, c.table("crm", "accounts"))
    landed = pd.concat(files.values()).dropna(subset=["source_system", "account_id"])
    truth = pd.read_parquet(small / "ground_truth/accounts.parquet")
    keys = set(zip(truth.source_system, truth.account_id, strict=True))
    assert set(zip(landed.source_system, landed.account_id, strict=True)) <= keys
    assert truth.customer_id.notna().all()


def test_beautified_region_months_are_recorded_with_their_orders(small):
    months = pd.read_parquet(small / "ground_truth/region_months.parquet")
    orders = pd.read_parquet(small / "ground_truth/orders.parquet")
    flagged = months[months.beautified]
    assert len(flagged) >= 10
    active = months.manipulation_active | months.survey_gaming
    assert (months.patterns != "").sum() == active.sum()
    assert (months.beautified & ~months.manipulation_active).sum() == 0
    # Order-level patterns only touch late orders, and always name the staff.
    manipulated = orders[orders.pattern != ""]
    assert len(manipulated) > 0
    assert not manipulated.true_on_time.any()
    assert manipulated.staff_id.notna().all()
    # Reports of beautified months look better than the truth.
    gap = flagged.reported_on_time_rate - flagged.true_on_time_rate
    assert (gap > 0).mean() > 0.9


def test_a_clean_world_reports_what_it_recorded(tmp_path):
    generate(tmp_path / "clean", "small", 42, manipulation="none")
    months = pd.read_parquet(tmp_path / "clean/ground_truth/region_months.parquet")
    orders = pd.read_parquet(tmp_path / "clean/ground_truth/orders.parquet")
    assert not (months.beautified | months.manipulation_active | months.survey_gaming).any()
    assert (orders.pattern == "").all()
    assert (months.orders_due_reported == months.orders_due_recorded).all()
    assert (months.orders_on_time_reported == months.orders_on_time_recorded).all()
