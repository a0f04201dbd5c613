"""The loader's promises: every row loaded or quarantined with a reason, files
loaded once, encodings detected, extra columns kept, a failed file leaves nothing."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from ingest import contract as c
from ingest import loader
from quality.ledger import ledger_imbalances, rejected_files
from tests.conftest import write

ACCOUNTS = c.table("crm", "accounts")
POSTS = c.table("public_opinion", "posts")
DELIVERIES = c.table("fulfillment", "deliveries")
RESPONSES = c.table("survey", "responses")

ACCOUNTS_HEADER = ",".join(ACCOUNTS.column_names)


def account_row(
    account_id: str,
    name: str = "上海精测电子有限公司",
    created: str = "2025-01-01",
    updated: str = "2025-02-01 10:00:00",
) -> str:
    values = dict.fromkeys(ACCOUNTS.column_names, "")
    values.update(
        source_system="crm_east",
        account_id=account_id,
        account_name=name,
        created_at=created,
        updated_at=updated,
    )
    return ",".join(f'"{v}"' if "," in v or "\n" in v else v for v in values.values())


def quarantine(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute(
        "select row_number, column_name, reason from raw._quarantine order by row_number"
    ).fetchall()


def test_every_bad_csv_row_is_quarantined_with_its_row_and_reason(con, landing):
    rows = [
        account_row("A1"),
        account_row("", name="no id"),
        account_row("A3", name="multi\nline name", created="2025-13-01"),
        account_row("A4") + ",unexpected extra field",
        account_row("A5", updated="2025-02-01T10:00:00+08:00"),
    ]
    write(landing, "crm/accounts/a.csv", ACCOUNTS_HEADER + "\n" + "\n".join(rows) + "\n")

    [res] = loader.load_table(con, ACCOUNTS, landing)

    assert (res.rows_in, res.rows_loaded, res.rows_quarantined) == (5, 2, 3)
    assert quarantine(con) == [
        (2, "account_id", c.REASON_MISSING_VALUE),
        (3, "created_at", c.REASON_BAD_TYPE),
        (4, None, c.REASON_MALFORMED_CSV),
    ]
    loaded = con.execute(
        "select _row_number, account_id from raw.crm__accounts order by 1"
    ).fetchall()
    assert loaded == [(1, "A1"), (5, "A5")]
    assert ledger_imbalances(con, ACCOUNTS) == []


def test_quarantine_keeps_the_offending_value_and_the_whole_record(con, landing):
    write(
        landing,
        "crm/accounts/a.csv",
        ACCOUNTS_HEADER + "\n" + account_row("A1", created="N/A") + "\n",
    )
    loader.load_table(con, ACCOUNTS, landing)
    bad_value, raw_record = con.execute(
        "select bad_value, raw_record from raw._quarantine"
    ).fetchone()
    assert bad_value == "N/A"
    assert json.loads(raw_record)["account_id"] == "A1"


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("nps", "11", c.REASON_OUT_OF_RANGE),
        ("nps", "ten", c.REASON_BAD_TYPE),
        ("nps", "7.5", c.REASON_BAD_TYPE),
        ("csat", "0", c.REASON_OUT_OF_RANGE),
        ("rate_trust", "6", c.REASON_OUT_OF_RANGE),
        ("survey_type", "nps_blast", c.REASON_NOT_ACCEPTED),
        ("submitted_at", "2025/01/01", c.REASON_BAD_TYPE),
        ("submitted_at", "2025-02-30 10:00", c.REASON_BAD_TYPE),
        ("response_id", "  ", c.REASON_MISSING_VALUE),
    ],
)
def test_contract_rules_name_the_column_and_reason(con, landing, column, value, reason):
    good = dict.fromkeys(RESPONSES.column_names, "")
    good.update(
        response_id="R1",
        survey_id="S1",
        survey_type="relationship",
        submitted_at="2025-01-01 09:00",
        nps="9",
    )
    bad = {**good, "response_id": "R2", column: value}
    pd.DataFrame([good, bad]).to_csv(landing / "x.csv", index=False)
    (landing / "survey/responses").mkdir(parents=True)
    (landing / "x.csv").rename(landing / "survey/responses/r.csv")

    [res] = loader.load_table(con, RESPONSES, landing)

    assert (res.rows_loaded, res.rows_quarantined) == (1, 1)
    assert quarantine(con) == [(2, column, reason)]


def test_valid_values_of_every_type_are_loaded(con, landing):
    good = dict.fromkeys(RESPONSES.column_names, "")
    variants = [
        {"submitted_at": "2025-01-01", "nps": "0"},
        {"submitted_at": "2025-01-01T09:00:00Z", "nps": "10", "ces": "7", "csat": "1"},
        {"submitted_at": "2025-01-01 09:00:00.123+08:00", "rate_product": " 5 "},
        {"submitted_at": "2025-01-01T09:00+0800"},
    ]
    rows = [
        {**good, "response_id": f"R{i}", "survey_id": "S", "survey_type": " Journey ", **v}
        for i, v in enumerate(variants)
    ]
    (landing / "survey/responses").mkdir(parents=True)
    pd.DataFrame(rows).to_csv(landing / "survey/responses/r.csv", index=False)
    [res] = loader.load_table(con, RESPONSES, landing)
    assert (res.rows_loaded, res.rows_quarantined) == (4, 0), quarantine(con)


def test_a_landing_root_reached_through_a_symlink_loads_its_files(con, landing, tmp_path):
    """A data dir on a mounted volume: every file was once ignored as outside the root."""
    write(landing, "crm/accounts/2025-01.csv", ACCOUNTS_HEADER + "\n" + account_row("A1") + "\n")
    linked = tmp_path / "linked_landing"
    linked.symlink_to(landing, target_is_directory=True)

    [res] = loader.load_table(con, ACCOUNTS, linked)

    assert (res.status, res.rows_loaded) == (loader.STATUS_LOADED, 1)
    assert con.execute(f"select file_path from {loader.LEDGER}").fetchall() == [
        ("crm/accounts/2025-01.csv",)
    ]


def test_a_resent_file_under_another_name_loads_once(con, landing):
    body = ACCOUNTS_HEADER + "\n" + account_row("A1") + "\n"
    write(landing, "crm/accounts/2025-01.csv", body)
    write(landing, "crm/accounts/2025-01_resend.csv", body)

    results = loader.load_table(con, ACCOUNTS, landing)

    assert [r.status for r in results] == [loader.STATUS_LOADED, loader.STATUS_DUPLICATE]
    assert results[1].duplicate_of == "crm/accounts/2025-01.csv"
    assert con.execute("select count(*) from raw.crm__accounts").fetchone()[0] == 1


def test_the_same_bytes_in_another_table_are_not_a_resend(con, landing):
    # Two empty exports (0 rows) of different tables share their content hash.
    write(landing, "public_opinion/posts/2025-01.jsonl", b"")
    write(landing, "survey/invitations/2025-01.jsonl", b"")
    invitations = c.table("survey", "invitations")
    [posts] = loader.load_table(con, POSTS, landing)
    [invites] = loader.load_table(con, invitations, landing)
    assert (posts.status, posts.rows_in) == (loader.STATUS_LOADED, 0)
    assert (invites.status, invites.rows_in, invites.duplicate_of) == (
        loader.STATUS_LOADED,
        0,
        None,
    )


def test_loading_again_loads_nothing_and_records_nothing(con, landing):
    write(landing, "crm/accounts/a.csv", ACCOUNTS_HEADER + "\n" + account_row("A1") + "\n")
    loader.load_table(con, ACCOUNTS, landing)
    assert loader.load_table(con, ACCOUNTS, landing) == []
    assert con.execute("select count(*) from raw._load_ledger").fetchone()[0] == 1
    assert con.execute("select count(*) from raw.crm__accounts").fetchone()[0] == 1


def test_gbk_file_is_detected_and_loaded_intact(con, landing):
    write(
        landing,
        "crm/accounts/welfare.csv",
        ACCOUNTS_HEADER + "\n" + account_row("W1", name="福利精测（上海）有限公司") + "\n",
        encoding="gbk",
    )
    [res] = loader.load_table(con, ACCOUNTS, landing)
    assert res.encoding == "gb18030"
    name = con.execute("select account_name from raw.crm__accounts").fetchone()[0]
    assert name == "福利精测（上海）有限公司"


def test_headers_are_case_insensitive_and_unknown_columns_kept(con, landing):
    header = ACCOUNTS_HEADER.upper().replace("ACCOUNT_NAME", "Account_Name") + ",Remark"
    write(landing, "crm/accounts/a.csv", header + "\n" + account_row("A1") + ",VIP customer\n")
    [res] = loader.load_table(con, ACCOUNTS, landing)
    assert res.rows_loaded == 1
    name, extra = con.execute("select account_name, _extra from raw.crm__accounts").fetchone()
    assert name == "上海精测电子有限公司"
    assert json.loads(extra) == {"remark": "VIP customer"}


# Unknown extra columns may have any name, also one the scan itself gives a meaning
# (DuckDB's rowid pseudo-column, read_parquet's file_row_number) or the loader's own.
LOADER_NAMES = ("rowid", "file_row_number", "_row_number", "_extra", "_raw", "_load_id")


def test_extra_csv_columns_named_like_the_scans_own_columns_are_kept(con, landing):
    header = ACCOUNTS_HEADER + "," + ",".join(LOADER_NAMES)
    rows = [account_row(f"A{i}") + "," + ",".join(f"x{i}" for _ in LOADER_NAMES) for i in (1, 2)]
    write(landing, "crm/accounts/a.csv", header + "\n" + "\n".join(rows) + "\n")
    [res] = loader.load_table(con, ACCOUNTS, landing)
    assert (res.status, res.rows_loaded, res.rows_quarantined) == ("loaded", 2, 0), res.error
    got = con.execute(
        "select account_id, _row_number, _extra from raw.crm__accounts order by 2"
    ).fetchall()
    assert [(a, n) for a, n, _ in got] == [("A1", 1), ("A2", 2)]
    assert json.loads(got[1][2]) == dict.fromkeys(LOADER_NAMES, "x2")


def test_extra_parquet_columns_named_like_the_scans_own_columns_are_kept(con, landing):
    df = pd.DataFrame(
        {
            "source_system": ["oms_east", "oms_east"],
            "delivery_id": ["D1", "D2"],
            "order_id": ["O1", "O2"],
            "delivered_at": ["2025-03-01 10:00", "2025-03-02 10:00"],
            "quantity_delivered": ["5", "6"],
            "entry_channel": ["scan", "manual"],
            "recorded_at": ["2025-03-01 10:05", "2025-03-02 11:00"],
            **{name: ["a", "b"] for name in LOADER_NAMES},
        }
    )
    path = landing / "fulfillment/deliveries/d.parquet"
    path.parent.mkdir(parents=True)
    df.to_parquet(path)
    [res] = loader.load_table(con, DELIVERIES, landing)
    assert (res.status, res.rows_loaded, res.rows_quarantined) == ("loaded", 2, 0), res.error
    got = con.execute(
        "select delivery_id, _row_number, _extra from raw.fulfillment__deliveries order by 2"
    ).fetchall()
    assert [(d, n) for d, n, _ in got] == [("D1", 1), ("D2", 2)]
    assert json.loads(got[1][2]) == dict.fromkeys(LOADER_NAMES, "b")


def test_a_missing_required_column_quarantines_every_row(con, landing):
    header = ACCOUNTS_HEADER.replace(",updated_at", "")
    row = account_row("A1").rsplit(",", 1)[0]
    write(landing, "crm/accounts/a.csv", f"{header}\n{row}\n{row}\n")
    [res] = loader.load_table(con, ACCOUNTS, landing)
    assert (res.rows_loaded, res.rows_quarantined) == (0, 2)
    assert {r[2] for r in quarantine(con)} == {c.REASON_MISSING_COLUMN}


def test_jsonl_broken_lines_are_quarantined_and_nested_extras_kept(con, landing):
    lines = [
        {
            "Post_ID": "1",
            "platform": "weibo",
            "published_at": "2025-01-01 08:00",
            "text": "宏远交货很准时",
            "likes": 3,
            "geo": {"city": "上海"},
        },
        '{"post_id": "2", "platform": "weibo", "text": "trunc',
        "",
        {
            "post_id": "3",
            "platform": "news",
            "published_at": "2025-01-02",
            "text": "x",
            "likes": -4,
        },
        "[1, 2]",
    ]
    text = "\n".join(x if isinstance(x, str) else json.dumps(x, ensure_ascii=False) for x in lines)
    write(landing, "public_opinion/posts/p.jsonl", text + "\n")

    [res] = loader.load_table(con, POSTS, landing)

    assert (res.rows_in, res.rows_loaded, res.rows_quarantined) == (4, 1, 3)
    assert quarantine(con) == [
        (2, None, c.REASON_MALFORMED_JSON),
        (4, "likes", c.REASON_OUT_OF_RANGE),
        (5, None, c.REASON_MALFORMED_JSON),
    ]
    post_id, likes, extra = con.execute(
        "select post_id, likes, _extra from raw.public_opinion__posts"
    ).fetchone()
    assert (post_id, likes) == ("1", "3")
    assert json.loads(extra) == {"geo": {"city": "上海"}}


def test_parquet_with_typed_columns_is_loaded_as_text(con, landing):
    df = pd.DataFrame(
        {
            "source_system": ["oms_east"],
            "delivery_id": ["D1"],
            "order_id": ["O1"],
            "delivered_at": [pd.Timestamp("2025-03-01 10:00")],
            "quantity_delivered": [5.0],
            "entry_channel": ["scan"],
            "recorded_by": [None],
            "recorded_at": [pd.Timestamp("2025-03-01 10:05")],
            "pod_signed": [True],
        }
    )
    path = landing / "fulfillment/deliveries/d.parquet"
    path.parent.mkdir(parents=True)
    df.to_parquet(path)
    [res] = loader.load_table(con, DELIVERIES, landing)
    assert (res.rows_loaded, res.rows_quarantined) == (1, 0), quarantine(con)
    row = con.execute("select delivered_at, pod_signed from raw.fulfillment__deliveries").fetchone()
    assert row == ("2025-03-01 10:00:00", "true")


def test_an_unreadable_file_is_recorded_not_silently_skipped(con, landing):
    write(landing, "crm/accounts/export.xlsx", b"PK\x03\x04 not a csv")
    [res] = loader.load_table(con, ACCOUNTS, landing)
    assert res.status == loader.STATUS_REJECTED
    assert "unsupported file type" in res.error
    assert [f["file_path"] for f in rejected_files(con, ACCOUNTS)] == ["crm/accounts/export.xlsx"]


def test_a_file_that_fails_midway_leaves_nothing_behind(con, landing, monkeypatch):
    write(landing, "crm/accounts/a.csv", ACCOUNTS_HEADER + "\n" + account_row("A1") + "\n")

    def explode(*args, **kwargs):
        con.execute("insert into raw.crm__accounts (account_id) values ('half-written')")
        raise duckdb.IOException("disk full")

    monkeypatch.setattr(loader, "_write_parsed", explode)
    [res] = loader.load_table(con, ACCOUNTS, landing)
    assert res.status == loader.STATUS_REJECTED
    assert con.execute("select count(*) from raw.crm__accounts").fetchone()[0] == 0

    monkeypatch.undo()
    [retry] = loader.load_table(con, ACCOUNTS, landing)
    assert retry.status == loader.STATUS_LOADED and retry.rows_loaded == 1
    assert rejected_files(con, ACCOUNTS) == []


def test_ledger_check_fails_when_raw_loses_rows(con, landing):
    body = ACCOUNTS_HEADER + "\n" + account_row("A1") + "\n" + account_row("A2") + "\n"
    write(landing, "crm/accounts/a.csv", body)
    loader.load_table(con, ACCOUNTS, landing)
    con.execute("delete from raw.crm__accounts where account_id = 'A2'")
    [imbalance] = ledger_imbalances(con, ACCOUNTS)
    assert imbalance["rows_in"] == 2 and imbalance["rows_in_raw"] == 1


def test_record_numbers_survive_parallel_parsing_of_a_large_file(con, landing):
    n = 300_000
    df = pd.DataFrame(
        {
            "source_system": "crm_east",
            "contract_id": [str(i) for i in range(1, n + 1)],
            "account_id": "A",
            "start_date": "2025-01-01",
            "end_date": "2025-12-31",
            "contract_value": "10.5",
            "status": "active",
            "renewed_by_contract_id": "",
        }
    )
    df.loc[[99, 200_000], "status"] = "shipped"
    path = landing / "crm/contracts/c.csv"
    path.parent.mkdir(parents=True)
    df.to_csv(path, index=False)
    [res] = loader.load_table(con, c.table("crm", "contracts"), landing)
    assert res.rows_quarantined == 2
    mismatched = con.execute(
        "select count(*) from raw.crm__contracts where _row_number::varchar != contract_id"
    ).fetchone()[0]
    assert mismatched == 0
    assert [r[0] for r in quarantine(con)] == [100, 200_001]


def test_landing_files_ignores_hidden_files(landing: Path):
    write(landing, "crm/accounts/.partial.csv", "x")
    write(landing, "crm/accounts/a.csv", "x")
    assert [p.name for p in loader.landing_files(landing, ACCOUNTS)] == ["a.csv"]
