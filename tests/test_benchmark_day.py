"""The `day` benchmark's batch: the newest period of every growing table, no CRM snapshot."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.benchmarks.day import code_state, latest_batch


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


def test_the_base_is_rebuilt_for_changed_code_but_not_for_changed_prose_or_tests(tmp_path):
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    for rel in (
        "README.md",
        "docs/metrics.md",
        "identity/resolve.py",
        "tests/test_x.py",
        "tests/benchmarks/day.py",
    ):
        _touch(tmp_path, rel)
    git("add", "-A")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "base")
    built = code_state(tmp_path)

    (tmp_path / "README.md").write_text("a new paragraph")
    (tmp_path / "docs" / "metrics.md").write_text("a new definition")
    assert code_state(tmp_path) == built
    git("add", "-A")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "prose")
    assert code_state(tmp_path) == built

    (tmp_path / "tests" / "test_x.py").write_text("a new test")
    assert code_state(tmp_path) == built

    (tmp_path / "tests" / "benchmarks" / "day.py").write_text("the driver changed")
    assert code_state(tmp_path) != built
    git("checkout", "--", "tests/benchmarks/day.py")
    assert code_state(tmp_path) == built

    (tmp_path / "identity" / "resolve.py").write_text("y")
    assert code_state(tmp_path) != built
