"""One benchmark stage per process, so its peak memory can be measured alone.

`python -m tests.benchmarks.stages <stage>` with CX_* env vars pointing at the
benchmark's data. Prints one JSON line with what the stage processed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb

from ingest import contract as c
from ingest.loader import LEDGER
from orchestration.settings import PROJECT_ROOT, env_path


def ingest() -> dict:
    from orchestration.assets.ingest import ingest_assets
    from orchestration.definitions import defs

    result = dg.materialize(ingest_assets, resources={"warehouse": defs.resources["warehouse"]})
    if not result.success:
        raise SystemExit("ingest failed")
    with duckdb.connect(str(env_path("CX_DUCKDB_PATH")), read_only=True) as con:
        rows_in, loaded, quarantined, files = con.execute(
            f"select sum(rows_in), sum(rows_loaded), sum(rows_quarantined), count(*) from {LEDGER}"
        ).fetchone()
    return {
        "files": files,
        "rows_in": rows_in,
        "rows_loaded": loaded,
        "rows_quarantined": quarantined,
    }


def staging() -> dict:
    dbt = Path(sys.executable).parent / "dbt"
    cmd = [
        str(dbt),
        "build",
        "--select",
        "staging",
        "--profiles-dir",
        str(PROJECT_ROOT),
        "--project-dir",
        str(PROJECT_ROOT),
        "--quiet",
    ]
    subprocess.run(cmd, check=True, cwd=PROJECT_ROOT)
    with duckdb.connect(str(env_path("CX_DUCKDB_PATH")), read_only=True) as con:
        rows = {
            t.name: con.execute(
                f"select count(*) from staging.stg_{t.source}__{t.name}"
            ).fetchone()[0]
            for t in c.TABLES
        }
    return {"rows": sum(rows.values()), "orders": rows["orders"]}


def identity() -> dict:
    """Entity resolution (identity_resolution asset) and its quality against the
    generator's ground truth when the data has one."""
    from identity import evaluate as ev
    from orchestration.assets.identity import identity_assets
    from orchestration.definitions import defs

    result = dg.materialize(identity_assets, resources={"warehouse": defs.resources["warehouse"]})
    if not result.success:
        raise SystemExit("identity resolution failed")
    truth = env_path("CX_DATA_DIR") / "ground_truth"
    out: dict = {}
    with duckdb.connect(str(env_path("CX_DUCKDB_PATH")), read_only=True) as con:
        out["rows"] = con.execute("select count(*) from identity.account_clusters").fetchone()[0]
        out["customers"] = con.execute(
            "select count(distinct customer_key) from identity.account_clusters"
        ).fetchone()[0]
        out["review_queue"] = con.execute(
            "select count(*) from identity.clerical_review"
        ).fetchone()[0]
        if (truth / "manifest.json").exists():
            accounts = ev.read_truth(truth, "accounts")
            acc = ev.account_score(con, accounts)
            out["account_precision"], out["account_recall"] = acc.precision, acc.recall
            try:
                contacts = ev.read_truth(truth, "contacts")
                con_score = ev.contact_score(con, contacts)
                out["contact_precision"] = con_score.precision
                out["contact_recall"] = con_score.recall
            except (FileNotFoundError, KeyError):
                pass
            resp = ev.response_customer_accuracy(con, ev.read_truth(truth, "responses"), accounts)
            out["response_customer_accuracy"] = resp["accuracy"]
    return out


STAGES = {"ingest": ingest, "staging": staging, "identity": identity}

if __name__ == "__main__":
    print(json.dumps(STAGES[sys.argv[1]]()))
