"""Order-independent results, end to end: the small world's landing files arrive in
random batches, in a random order across builds, and the marts equal those of the
shared build that loaded them all at once.

Equal up to the names of customer and person keys: a key, once given, stays with
its cluster (identity/keys.py), so which key a cluster carries depends on which of
its records came first. The test names every key by its cluster's members: the
same records must form the same customers and people, and every other value must
be identical. The match models are retrained on every run, so that the last
build's model, like the at-once build's, is trained on the final records.

Hypothesis draws the arrival order and the batch cuts; every example builds its
own warehouse two or three times through the real job (a shared warehouse cannot
receive files late), so this is slow: `make test-slow`. `CX_LOAD_ORDER_EXAMPLES`
sets how many orders are tried (default 2).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.pipeline import (
    build_instance,
    copy_operational,
    mart_rows,
    run_build,
    run_failures,
    warehouse_env,
)

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

EXAMPLES = int(os.environ.get("CX_LOAD_ORDER_EXAMPLES", "2"))


def _landing_files(landing: Path) -> list[Path]:
    return sorted(p.relative_to(landing) for p in landing.rglob("*") if p.is_file())


def _first_difference(table: str, got: list, want: list, shown: int = 3) -> str:
    got_keys, want_keys = {repr(r) for r in got}, {repr(r) for r in want}
    extra = [r for r in got if repr(r) not in want_keys][:shown]
    missing = [r for r in want if repr(r) not in got_keys][:shown]
    return f"{table}: {len(got)} rows vs {len(want)}; only here {extra}; only at once {missing}"


@pytest.fixture(scope="module")
def at_once(small_warehouse) -> dict:
    return {
        "data": Path(small_warehouse["data"]),
        "landing": Path(small_warehouse["data"]) / "landing",
        "marts": mart_rows(small_warehouse["db"], by_cluster=True),
    }


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    # No shrinking: every step would build two or three warehouses (minutes each);
    # the failing draw is printed as it is.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_files_arriving_in_shuffled_batches_give_the_marts_of_loading_them_at_once(
    data, at_once, tmp_path_factory
):
    files = _landing_files(at_once["landing"])
    order = data.draw(st.permutations(files), label="arrival order")
    batches = data.draw(st.integers(min_value=2, max_value=3), label="batches")
    cuts = sorted(
        data.draw(
            st.lists(
                st.integers(min_value=1, max_value=len(files) - 1),
                min_size=batches - 1,
                max_size=batches - 1,
                unique=True,
            ),
            label="cuts",
        )
    )
    root = tmp_path_factory.mktemp("load-order") / "data"
    landing = root / "landing"
    landing.mkdir(parents=True)
    copy_operational(at_once["data"], root)
    with (
        warehouse_env(root),
        pytest.MonkeyPatch.context() as mp,
        build_instance() as instance,
    ):
        # A stored match model is kept until the records grow by half (setting
        # identity.retrain_when_records_grow_by): its weights come from the records
        # of its training, by design. Retrained on every run (0), the last build's
        # model is trained on the final records, as the at-once build's is.
        mp.setenv("CX_RETRAIN_WHEN_RECORDS_GROW_BY", "0")
        for start, end in zip([0, *cuts], [*cuts, len(order)], strict=True):
            for rel in order[start:end]:
                (landing / rel).parent.mkdir(parents=True, exist_ok=True)
                # copy2 keeps the modification time: the export time of a file whose
                # name carries none.
                shutil.copy2(at_once["landing"] / rel, landing / rel)
            # A batch may hold deliveries without their orders, or reports without
            # their months: an intermediate build may stop at a blocking check (and
            # publish nothing). Only the last one must succeed.
            result = run_build(instance)
        assert result.success, run_failures(result)
        marts = mart_rows(root / "warehouse.duckdb", by_cluster=True)
    differing = sorted(
        t for t in marts.keys() | at_once["marts"].keys() if marts.get(t) != at_once["marts"].get(t)
    )
    assert not differing, f"marts differ from the at-once build: {differing}\n" + "\n".join(
        _first_difference(t, marts.get(t, []), at_once["marts"].get(t, [])) for t in differing
    )
    shutil.rmtree(root, ignore_errors=True)
