"""The published snapshot: PII masked, owner-only files, leftovers of a killed publish removed."""

from __future__ import annotations

import stat
from pathlib import Path

import duckdb

from orchestration import publishing as pub


def _warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute(
        """create table marts.dim_contact as select * from (values
           ('K1', 'li.wei@example.com', '13812345678', 'ok', 3),
           ('K2', null, null, null, 0)) t(contact_key, email, phone, response_comment, comments)"""
    )
    con.close()
    return path


def test_pii_is_masked_in_the_snapshot_and_kept_in_the_warehouse(tmp_path: Path):
    wh = _warehouse(tmp_path)
    target = tmp_path / "pub" / "cx_published.duckdb"
    manifest = pub.publish_snapshot(wh, target, {"run_id": "r"})
    with duckdb.connect(str(target), read_only=True) as con:
        rows = con.execute("select * from marts.dim_contact order by contact_key").fetchall()
    assert rows == [
        ("K1", "l***@example.com", "*******5678", "[masked: 2 characters]", 3),
        ("K2", None, None, None, 0),
    ]
    assert sorted(manifest["masked_columns"]) == [
        "marts.dim_contact.email",
        "marts.dim_contact.phone",
        "marts.dim_contact.response_comment",
    ]
    with duckdb.connect(str(wh), read_only=True) as con:
        assert con.execute(
            "select email from marts.dim_contact where contact_key = 'K1'"
        ).fetchone() == ("li.wei@example.com",)


def test_snapshot_is_owner_only_and_a_killed_publishs_leftovers_go(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("CX_FILE_GROUP", raising=False)
    wh = _warehouse(tmp_path)
    target = tmp_path / "pub" / "cx_published.duckdb"
    target.parent.mkdir()
    leftover = target.with_name(".cx_published.0123abcd.tmp.duckdb")
    leftover.write_bytes(b"half")
    Path(str(leftover) + ".wal").write_bytes(b"wal")
    manifest = pub.publish_snapshot(wh, target, {"run_id": "r"})
    assert not leftover.exists() and not Path(str(leftover) + ".wal").exists()
    assert sorted(manifest["leftovers_removed"]) == [leftover.name, leftover.name + ".wal"]
    for path in (target, pub.manifest_path(target)):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
