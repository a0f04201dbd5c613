"""A corpus of bad and hostile landing inputs, each with the exact verdict it must get.

Every case lands beside a good baseline file that was loaded first, and asserts:
the ledger verdict (status, reason), the quarantine reasons, that the ledger
balances against an independent count of the records the case wrote, that no
garbled text reached raw, and that nothing else changed (the baseline's rows,
every other table).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

from ingest import contract as c
from ingest import loader
from quality.ledger import ledger_imbalances
from tests.conftest import write

CONTRACTS = c.table("crm", "contracts")
H = "source_system,contract_id,account_id,start_date,end_date,contract_value,status\n"


def row(cid: str, **kw: str) -> str:
    v = {
        "source_system": "crm_东",
        "contract_id": cid,
        "account_id": "A1",
        "start_date": "2025-01-01",
        "end_date": "2025-12-31",
        "contract_value": "100.50",
        "status": "active",
    }
    v.update(kw)
    return ",".join(v.values()) + "\n"


GOOD = H + row("C1") + row("C2", account_id="精测电子")


@dataclass(frozen=True)
class Case:
    name: str
    rel: str
    content: bytes | None  # None: the case builds it (symlink)
    status: str | None  # None: nothing recorded (in flight)
    records: int = 0  # independent count of the records the sender meant
    loaded: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    error: str = ""  # substring of the ledger error
    texts: tuple[str, ...] = ()  # exact values that must arrive intact


def _gbk_with_bad_byte() -> bytes:
    data = (H + row("G1") + row("G2", account_id="上海精测电子有限公司")).encode("gbk")
    return data[:90] + b"\xff" + data[90:]


def _utf8_with_stray_byte() -> bytes:
    data = (H + row("U1", account_id="上海精测电子有限公司")).encode()
    return data[:100] + b"\xa0" + data[100:]


CASES = [
    # Encodings
    Case(
        "utf16_bom",
        "crm/contracts/u16.csv",
        (H + row("W1")).encode("utf-16"),
        "loaded",
        1,
        1,
        texts=("crm_东",),
    ),
    Case(
        "utf16_no_bom",
        "crm/contracts/u16le.csv",
        (H + row("W2")).encode("utf-16-le"),
        "loaded",
        1,
        1,
        texts=("crm_东",),
    ),
    Case(
        "utf8_bom",
        "crm/contracts/bom.csv",
        b"\xef\xbb\xbf" + (H + row("W3")).encode(),
        "loaded",
        1,
        1,
    ),
    Case(
        "gbk",
        "crm/contracts/gbk.csv",
        (H + row("W4", account_id="福利精测（上海）")).encode("gbk"),
        "loaded",
        1,
        1,
        texts=("福利精测（上海）",),
    ),
    Case(
        "gbk_one_invalid_byte",
        "crm/contracts/gbk_bad.csv",
        _gbk_with_bad_byte(),
        "rejected",
        error="crm/contracts/gbk_bad.csv: not UTF-8",
    ),
    Case(
        "utf8_one_stray_byte",
        "crm/contracts/stray.csv",
        _utf8_with_stray_byte(),
        "rejected",
        error="corrupted UTF-8",
    ),
    Case(
        "cp1252_not_accepted",
        "crm/contracts/latin.csv",
        (H + row("L1", source_system="crm_w", account_id="Café Müller")).encode("cp1252"),
        "rejected",
        error="not in an accepted encoding",
    ),
    Case(
        "binary_garbage_named_csv",
        "crm/contracts/garbage.csv",
        bytes(range(256)) * 8,
        "rejected",
        error="crm/contracts/garbage.csv",
    ),
    Case(
        "nul_bytes_in_utf8",
        "crm/contracts/nul.csv",
        (H + row("N1")).encode() + b"\x00\x00",
        "rejected",
        error="NUL",
    ),
    Case(
        "zip_named_xlsx",
        "crm/contracts/export.xlsx",
        b"PK\x03\x04 zip",
        "rejected",
        error="unsupported file type",
    ),
    # Values against what staging casts to
    Case(
        "amount_1e20",
        "crm/contracts/big.csv",
        (H + row("V1", contract_value="100000000000000000000") + row("V2")).encode(),
        "loaded",
        2,
        1,
        {"out_of_range": 1},
    ),
    Case(
        "decimals_rounded_away",
        "crm/contracts/dec.csv",
        (H + row("V3", contract_value="0.0004") + row("V4", contract_value="1.50")).encode(),
        "loaded",
        2,
        1,
        {"too_many_decimals": 1},
    ),
    Case(
        "scientific_notation",
        "crm/contracts/sci.csv",
        (H + row("V5", contract_value="1e20")).encode(),
        "loaded",
        1,
        0,
        {"bad_type": 1},
    ),
    Case(
        "dates_1900_2999_9999_year0",
        "crm/contracts/dates.csv",
        (
            H
            + row("D1", start_date="1900-01-01")
            + row("D2", end_date="2999-01-01")
            + row("D3", end_date="9999-12-31")
            + row("D4", start_date="0000-01-01")
            + row("D5")
        ).encode(),
        "loaded",
        5,
        1,
        {"implausible_date": 4},
    ),
    Case(
        "five_megabyte_value",
        "crm/contracts/long.csv",
        (H + row("T1", account_id="x" * 5_000_000) + row("T2")).encode(),
        "loaded",
        2,
        1,
        {"too_long": 1},
    ),
    Case(
        "negative_value",
        "crm/contracts/neg.csv",
        (H + row("V6", contract_value="-5")).encode(),
        "loaded",
        1,
        0,
        {"out_of_range": 1},
    ),
    # Structure
    Case(
        "unbalanced_quote_swallows_rows",
        "crm/contracts/quote.csv",
        (
            H
            + row("Q1")
            + 'crm_东,"Q2,A1,2025-01-01,2025-12-31,1,active\n'
            + row("Q3")
            + row("Q4")
            + 'crm_东,Q5",A1,2025-01-01,2025-12-31,1,active\n'
        ).encode(),
        "loaded",
        5,
        1,
        {"unbalanced_quote": 4},
    ),
    Case(
        "quote_never_closed",
        "crm/contracts/open.csv",
        (H + row("O1") + 'crm_东,"O2,A1,2025-01-01,2025-12-31,1,active\n' + row("O3")).encode(),
        "loaded",
        3,
        1,
        {"malformed_csv_row": 2},
    ),
    Case("header_only", "crm/contracts/empty.csv", H.encode(), "loaded", 0, 0),
    Case(
        "missing_required_column",
        "crm/contracts/nocol.csv",
        (H.replace(",status", "") + row("M1").rsplit(",", 1)[0] + "\n").encode(),
        "loaded",
        1,
        0,
        {"missing_required_column": 1},
    ),
    Case(
        "too_many_fields",
        "crm/contracts/wide.csv",
        (H + row("F1").strip() + ",x,y\n").encode(),
        "loaded",
        1,
        0,
        {"malformed_csv_row": 1},
    ),
    Case(
        "formula_values_kept_as_text",
        "crm/contracts/formula.csv",
        (H + row('=HYPERLINK("http://x")', account_id="@SUM(A1)")).encode(),
        "loaded",
        1,
        1,
        texts=("@SUM(A1)",),
    ),
    # Where files are
    Case(
        "hidden_file",
        "crm/contracts/.secret.csv",
        (H + row("H1")).encode(),
        "ignored",
        error="hidden file",
    ),
    Case(
        "unknown_table_folder",
        "crm/contrats/typo.csv",
        (H + row("H2")).encode(),
        "ignored",
        error="unknown folder 'crm/contrats'",
    ),
    Case(
        "unknown_source_folder",
        "erp/contracts/x.csv",
        (H + row("H3")).encode(),
        "ignored",
        error="unknown folder 'erp/contracts'",
    ),
    Case(
        "file_at_landing_root",
        "contracts.csv",
        (H + row("H4")).encode(),
        "ignored",
        error="unknown folder",
    ),
    Case(
        "symlink_out_of_landing",
        "crm/contracts/passwd.csv",
        None,
        "ignored",
        error="outside the landing zone",
    ),
    Case("being_written_part_name", "crm/contracts/next.csv.part", (H + row("P1")).encode(), None),
]


def _raw_state(con: duckdb.DuckDBPyConnection) -> dict[str, list]:
    return {
        t.qualified: con.execute(
            f"select * exclude (_loaded_at) from raw.{t.qualified} order by all"
        ).fetchall()
        for t in c.TABLES
    }


@pytest.mark.parametrize("case", CASES, ids=[k.name for k in CASES])
def test_bad_input_gets_its_exact_verdict_and_changes_nothing_else(
    case: Case, con, landing: Path, tmp_path: Path
):
    write(landing, "crm/contracts/0_baseline.csv", GOOD)
    [base] = loader.load_table(con, CONTRACTS, landing)
    assert (base.status, base.rows_loaded) == ("loaded", 2)
    before = _raw_state(con)
    ledger_before = con.execute("select count(*) from raw._load_ledger").fetchone()[0]

    if case.content is None:
        outside = tmp_path / "outside.csv"
        outside.write_text(H + row("S1"))
        (landing / case.rel).symlink_to(outside)
    else:
        write(landing, case.rel, case.content)
    results = loader.load_table(con, CONTRACTS, landing) + loader.record_unknown(con, landing)

    new = con.execute(
        "select status, error, rows_in, rows_loaded, rows_quarantined, load_id "
        "from raw._load_ledger order by started_at"
    ).fetchall()[ledger_before:]
    if case.status is None:
        assert new == []
        assert [r.status for r in results] == [loader.STATUS_IN_FLIGHT]
        assert _raw_state(con) == before
        return
    [(status, error, rows_in, rows_loaded, rows_quarantined, load_id)] = new
    assert status == case.status, error
    assert case.error in (error or "")
    # Balanced against the records the case wrote, not against what the loader saw.
    assert rows_in == case.records
    assert (rows_loaded, rows_quarantined) == (case.loaded, case.records - case.loaded)
    reasons = dict(
        con.execute(
            "select reason, count(*) from raw._quarantine where load_id = ? group by 1", [load_id]
        ).fetchall()
    )
    assert reasons == case.reasons
    assert ledger_imbalances(con, CONTRACTS) == []
    after = _raw_state(con)
    added = [r for r in after["crm__contracts"] if r not in before["crm__contracts"]]
    assert len(added) == case.loaded
    assert {k: v for k, v in after.items() if k != "crm__contracts"} == {
        k: v for k, v in before.items() if k != "crm__contracts"
    }
    assert all(r in after["crm__contracts"] for r in before["crm__contracts"])
    values = {v for r in added for v in r if isinstance(v, str)}
    for text in case.texts:
        assert text in values
    # No mojibake: every loaded text is in the sender's alphabet.
    assert not any("\ufffd" in v or "Ã" in v for v in values)
    # Loading again records nothing new.
    loader.load_table(con, CONTRACTS, landing)
    loader.record_unknown(con, landing)
    assert con.execute("select count(*) from raw._load_ledger").fetchone()[0] == ledger_before + 1


def test_a_rejected_file_is_reported_once_and_does_not_stop_the_others(con, landing: Path):
    write(landing, "crm/contracts/a_garbage.csv", bytes(range(256)) * 4)
    write(landing, "crm/contracts/b_good.csv", GOOD)
    results = loader.load_table(con, CONTRACTS, landing)
    assert [(r.file_path, r.status) for r in results] == [
        ("crm/contracts/a_garbage.csv", "rejected"),
        ("crm/contracts/b_good.csv", "loaded"),
    ]
    assert loader.load_table(con, CONTRACTS, landing) == []


def test_corpus_covers_every_verdict():
    assert {k.status for k in CASES} == {"loaded", "rejected", "ignored", None}
    assert len(CASES) >= 25
    assert os.path.exists(loader.__file__)
