"""The `day` benchmark's batch: the newest period of every growing table, no CRM snapshot."""

from __future__ import annotations

from pathlib import Path

from tests.benchmarks.day import latest_batch


def _touch(root: Path, rel: str) -> None:
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    (root / rel).write_text("x")


def test_the_batch_is_each_tables_newest_period_and_leaves_crm_snapshots_out(tmp_path):
    for rel in (
        "crm/accounts/crm_east_accounts_2026-10-31.csv",
        "fulfillment/orders/oms_east_orders_2026-05.csv",
        "fulfillment/orders/oms_east_orders_2026-08.csv",
        "fulfillment/orders/oms_west_orders_2026-08_part003.parquet",
        "survey/responses/responses_2026-05.jsonl",
        "survey/responses/responses_2026-08.csv",
        "public_opinion/posts/posts_2026-02.jsonl",
        "survey/surveys/notes.txt",
    ):
        _touch(tmp_path, rel)
    assert latest_batch(tmp_path) == [
        Path("fulfillment/orders/oms_east_orders_2026-08.csv"),
        Path("fulfillment/orders/oms_west_orders_2026-08_part003.parquet"),
        Path("public_opinion/posts/posts_2026-02.jsonl"),
        Path("survey/responses/responses_2026-08.csv"),
    ]
