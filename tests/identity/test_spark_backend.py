"""The same resolution code on Splink's Spark backend gives the same customers.

Needs the optional `spark` extra (`pip install -e .[spark]`, Java 17) and an
environment without `sqlglotc`: Splink's Spark dialect subclasses sqlglot's
generator, which sqlglotc (pulled in by dagster-dbt's `sqlglot[rs]`) compiles,
and Python cannot subclass it. Skipped otherwise; slow (local Spark start-up).
"""

import dataclasses
import importlib.util
import shutil

import duckdb
import pytest

from identity.config import load_config
from identity.resolve import resolve_accounts
from simworld.scoring import identity as ev

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        importlib.util.find_spec("pyspark") is None
        or importlib.util.find_spec("sqlglotc") is not None,
        reason="needs pyspark and no sqlglotc (see module docstring)",
    ),
]


def test_spark_and_duckdb_backends_resolve_the_same_customers(small_warehouse, tmp_path):
    keys = {}
    for backend in ("duckdb", "spark"):
        db = tmp_path / f"{backend}.duckdb"
        shutil.copy(small_warehouse["db"], db)
        with duckdb.connect(str(db)) as con:
            con.execute("drop schema if exists identity cascade")
            resolve_accounts(con, dataclasses.replace(load_config(), backend=backend))
            keys[backend] = con.execute(
                "select record_id, customer_key from identity.account_clusters"
            ).df()
    both = keys["duckdb"].merge(keys["spark"], on="record_id", suffixes=("_d", "_s"))
    assert len(both) == len(keys["duckdb"]) == len(keys["spark"])
    agreement = ev.pairwise_score(both.customer_key_s, both.customer_key_d)
    assert agreement.precision == 1.0 and agreement.recall == 1.0
