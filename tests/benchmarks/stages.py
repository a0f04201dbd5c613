"""One benchmark stage per process, so its peak memory can be measured alone.

`python -m tests.benchmarks.stages <stage>` with CX_* env vars pointing at the
benchmark's data. Prints one JSON line with what the stage processed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb

from cx_settings import dbt as cx_dbt
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


# Staging of the landing sources (what the `staging` stage builds). Staging models
# of tables Python writes (identity, enrichment) come after those steps: the
# `marts` stage builds them with everything else downstream.
LANDING_STAGING = sorted({f"path:dbt_project/models/staging/{t.source}" for t in c.TABLES})


def staging() -> dict:
    dbt = Path(sys.executable).parent / "cx-dbt"
    cmd = [
        str(dbt),
        *cx_dbt.BUILD_ARGS,
        "--select",
        *LANDING_STAGING,
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
    from orchestration.assets.identity import identity_assets
    from orchestration.definitions import defs
    from simworld.scoring import identity as ev

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
            if "variation" in accounts:
                by_class = ev.account_score_by_class(con, accounts)
                out["account_recall_by_class"] = {
                    k: round(v["recall"], 4) for k, v in by_class.items() if k != "all"
                }
                out["account_precision_by_class"] = {
                    k: round(v["precision"], 4) for k, v in by_class.items() if k != "all"
                }
            out["customers_relative_error"] = round(
                ev.customer_count(con, accounts)["relative_error"], 4
            )
            contacts = None
            try:
                contacts = ev.read_truth(truth, "contacts")
                con_score = ev.contact_score(con, contacts)
                out["contact_precision"] = con_score.precision
                out["contact_recall"] = con_score.recall
            except (FileNotFoundError, KeyError):
                pass
            responses = ev.read_truth(truth, "responses")
            resp = ev.response_customer_accuracy(con, responses, accounts)
            out["response_customer_accuracy"] = resp["accuracy"]
            if contacts is not None:
                person = ev.response_person_accuracy(con, responses, contacts)
                out["response_contact_recall"] = round(person["recall"], 4)
                out["response_contact_precision"] = round(person["precision"], 4)
                for part in (
                    "forwarded",
                    "not_forwarded",
                    "with_evidence",
                    "with_evidence_in_crm",
                ):
                    if part in person:
                        out[f"response_contact_{part}"] = {
                            k: round(person[part][k], 4) for k in ("recall", "precision")
                        } | {"n": person[part]["responses_with_true_person"]}
    return out


def enrichment() -> dict:
    """Text enrichment (text_enrichment asset) on a warehouse with staging and
    identity built: posts scored, posts per second of the scoring step, and
    linking precision/recall and sentiment accuracy against the generator's
    ground truth when the data has one."""
    from orchestration.assets.enrichment import enrichment_assets
    from orchestration.definitions import defs
    from simworld.scoring import enrichment as eev

    # Score every post: a warehouse reused by `--stages` already holds scores,
    # and the asset is incremental.
    with duckdb.connect(str(env_path("CX_DUCKDB_PATH"))) as con:
        con.execute("drop schema if exists enrichment cascade")
    result = dg.materialize(enrichment_assets, resources={"warehouse": defs.resources["warehouse"]})
    if not result.success:
        raise SystemExit("text enrichment failed")
    meta = {
        m.asset_key.path[-1]: {k: v.value for k, v in m.metadata.items() if k != "details"}
        for m in result.asset_materializations_for_node("text_enrichment")
    }
    scores = meta["post_scores"]
    out: dict = {
        "rows": scores["posts"],
        "posts_scored": scores["posts_scored"],
        "posts_per_second": scores["posts_per_second"],
        "seconds_step": scores["seconds_enrichment_step"],
        "mentions": meta["post_mentions"]["mentions"],
    }
    truth = env_path("CX_DATA_DIR") / "ground_truth"
    if (truth / "posts.parquet").exists() or (truth / "posts.csv").exists():
        with duckdb.connect(str(env_path("CX_DUCKDB_PATH")), read_only=True) as con:
            report = eev.evaluate_generator(con, truth)
        link = report["linking"]
        out["link_precision"] = round(link["customer_precision"], 4)
        out["link_recall"] = round(link["customer_recall"], 4)
        out["brand_precision"] = round(link["brand_precision"], 4)
        out["brand_recall"] = round(link["brand_recall"], 4)
        for lang in ("zh", "en"):
            if f"sentiment_{lang}" in report["sentiment"]:
                acc = report["sentiment"][f"sentiment_{lang}"]["accuracy"]
                out[f"generator_sentiment_accuracy_{lang}"] = round(acc, 4)
    return out


def marts() -> dict:
    """dbt build as a build runs it (models and data tests) of everything after staging:
    intermediate models, marts and the MetricFlow time spine."""
    dbt = Path(sys.executable).parent / "cx-dbt"
    cmd = [
        str(dbt),
        *cx_dbt.BUILD_ARGS,
        "--exclude",
        *LANDING_STAGING,
        "--profiles-dir",
        str(PROJECT_ROOT),
        "--project-dir",
        str(PROJECT_ROOT),
        "--quiet",
    ]
    subprocess.run(cmd, check=True, cwd=PROJECT_ROOT)
    with duckdb.connect(str(env_path("CX_DUCKDB_PATH")), read_only=True) as con:
        tables = con.execute(
            "select count(*) from information_schema.tables where table_schema = 'marts'"
        ).fetchone()[0]
        orders = con.execute("select count(*) from marts.fct_orders").fetchone()[0]
        responses = con.execute("select count(*) from marts.fct_survey_responses").fetchone()[0]
    return {
        "rows": orders + responses,
        "mart_tables": tables,
        "fct_orders": orders,
        "fct_survey_responses": responses,
    }


def metricflow() -> dict:
    """Two `mf query` calls as an analyst runs them (wall time includes mf's start-up)."""
    mf = Path(sys.executable).parent / "cx-mf"
    queries = {
        "nps_by_month_segment": ["nps,nps_answer_count", "metric_time__month,customer__segment"],
        "otif_gap_by_month": [
            "verified_otif,reported_on_time_rate,integrity_gap",
            "metric_time__month",
        ],
    }
    out: dict = {}
    for name, (metrics, group_by) in queries.items():
        started = time.perf_counter()
        res = subprocess.run(
            [str(mf), "query", "--metrics", metrics, "--group-by", group_by],
            check=True,
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
        )
        out[f"{name}_seconds"] = round(time.perf_counter() - started, 2)
        out[f"{name}_rows"] = max(0, len(res.stdout.strip().splitlines()) - 2)
    return out | _metricflow_warm(queries)


def _metricflow_warm(queries: dict[str, list[str]]) -> dict:
    """The same queries through the warm server's engine (`make mf-serve`) on a
    snapshot published for it: start-up once, then the median of five answers."""
    import statistics

    from dashboard.metricflow_server import WarmMetricFlow
    from orchestration.publishing import publish_snapshot

    snap = env_path("CX_PUBLISHED_PATH")
    snap.parent.mkdir(parents=True, exist_ok=True)
    publish_snapshot(str(env_path("CX_DUCKDB_PATH")), snap, {"run_id": "benchmark"})
    os.environ.setdefault("DBT_PROFILES_DIR", str(PROJECT_ROOT))
    warm = WarmMetricFlow()
    started = time.perf_counter()
    warm.engine()
    out: dict = {"warm_startup_seconds": round(time.perf_counter() - started, 2)}
    for name, (metrics, group_by) in queries.items():
        times = []
        for _ in range(5):
            started = time.perf_counter()
            warm.query(metrics.split(","), group_by.split(","))
            times.append(time.perf_counter() - started)
        out[f"{name}_warm_seconds"] = round(statistics.median(times), 3)
    return out


def integrity() -> dict:
    """The Great Expectations suites as the build runs them: queries in DuckDB
    (per-file profiles, the order-exists probe), validation, Data Docs."""
    from quality.gx_suites import load_frames, run_suites

    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    db = env_path("CX_DUCKDB_PATH")
    frames, keys, errors = load_frames(db)
    suites = run_suites(frames, keys, env_path("CX_DATA_DIR") / "quality", errors=errors)
    return {
        "rows_validated": sum(r.rows for r in suites),
        "gx_suites_passed": sum(r.success for r in suites),
        "gx_suites": len(suites),
    }


def scoring() -> dict:
    """Not part of a build: the integrity verdicts and order signals scored against
    the generator's ground truth (simworld/scoring/integrity.py), when there is one."""
    from simworld.scoring.integrity import evaluate

    db = env_path("CX_DUCKDB_PATH")
    truth = env_path("CX_DATA_DIR") / "ground_truth" / "region_months.parquet"
    if not truth.exists():
        return {}
    scores = evaluate(env_path("CX_DATA_DIR"), db)
    rm = scores["region_months"]
    return {
        "region_month_recall": rm["recall"],
        "clean_false_positive_rate": rm["clean_false_positive_rate"],
        **{f"recall_{k}": v["recall"] for k, v in rm["per_pattern"].items()},
        **{
            f"order_{k}_{m}": v[m]
            for k, v in scores["orders"].items()
            for m in ("precision", "recall")
        },
    }


def build() -> dict:
    """One whole `build_warehouse` run as `make run` starts it (orchestration.build:
    Dagster job, every step, checks, publish) on a fresh warehouse."""
    import tempfile

    for suffix in ("", ".wal"):
        Path(str(env_path("CX_DUCKDB_PATH")) + suffix).unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as home:
        shutil.copy(PROJECT_ROOT / ".dagster_home" / "dagster.yaml", Path(home) / "dagster.yaml")
        subprocess.run(
            [sys.executable, "-m", "orchestration.build"],
            check=True,
            cwd=PROJECT_ROOT,
            env={**os.environ, "DAGSTER_HOME": home, "CX_LANDING_SETTLE_SECONDS": "0"},
            stdout=subprocess.DEVNULL,
        )
    with duckdb.connect(str(env_path("CX_DUCKDB_PATH")), read_only=True) as con:
        marts = con.execute(
            "select count(*) from information_schema.tables where table_schema = 'marts'"
        ).fetchone()[0]
    return {"mart_tables": marts}


def day() -> dict:
    """One `build_warehouse` run on a built warehouse that has just received the latest
    batch of files (tests/benchmarks/day.py prepared both)."""
    from tests.benchmarks import day as day_bench

    data = env_path("CX_DATA_DIR")
    day_bench.build(data)
    batch = [p.as_posix() for p in day_bench.latest_batch(data / "landing")]
    with duckdb.connect(str(env_path("CX_DUCKDB_PATH")), read_only=True) as con:
        files, rows = con.execute(
            f"select count(*), sum(rows_loaded) from {LEDGER} "
            "where status = 'loaded' and list_contains(?, file_path)",
            [batch],
        ).fetchone()
    return {"files_loaded": files, "rows_in": rows}


def _read_text_table(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """Rows of one landing file read into DuckDB as text, nothing else (bad rows
    skipped: the floor is the cost of reading, not of judging)."""
    src = str(path).replace("'", "''")
    if path.suffix == ".parquet":
        rel = f"read_parquet('{src}')"
    elif path.suffix == ".jsonl":
        rel = f"read_json('{src}', format = 'newline_delimited', union_by_name = true)"
    else:
        rel = (
            f"read_csv('{src}', all_varchar = true, header = true, strict_mode = false,"
            " ignore_errors = true, null_padding = true)"
        )
    try:
        con.execute(f"create or replace table t as select * from {rel}")
    except duckdb.Error:
        # Not UTF-8 (a GBK export): decode in Python, then parse the text with Arrow.
        import io

        import pyarrow.csv as pacsv

        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("gb18030", errors="replace")
        header = next(iter(text.splitlines()), "").split(",")
        table = pacsv.read_csv(
            io.BytesIO(text.encode()),
            parse_options=pacsv.ParseOptions(invalid_row_handler=lambda _: "skip"),
            convert_options=pacsv.ConvertOptions(
                column_types={h: "string" for h in header}, strings_can_be_null=True
            ),
        )
        con.register("_arrow", table)
        con.execute("create or replace table t as select * from _arrow")
        con.unregister("_arrow")
    return con.execute("select count(*) from t").fetchone()[0]


def floor() -> dict:
    """The raw-scan floor a build is compared with: every landing file read once into
    DuckDB as text, and the built warehouse's marts written once to a new file."""
    import tempfile

    landing = env_path("CX_LANDING_DIR")
    files = sorted(
        p for p in landing.rglob("*") if p.is_file() and p.suffix in {".csv", ".jsonl", ".parquet"}
    )
    with tempfile.TemporaryDirectory() as tmp:
        con = duckdb.connect(str(Path(tmp) / "floor.duckdb"))
        rows = sum(_read_text_table(con, f) for f in files)
        con.execute("drop table if exists t")
        con.execute(f"attach '{env_path('CX_DUCKDB_PATH')}' as wh (read_only)")
        marts = con.execute(
            "select table_name from information_schema.tables where table_catalog = 'wh' "
            "and table_schema = 'marts' and table_type = 'BASE TABLE'"
        ).fetchall()
        for (t,) in marts:
            con.execute(f'create table "{t}" as select * from wh.marts."{t}"')
        con.close()
    return {"files": len(files), "rows": rows, "mart_tables": len(marts)}


STAGES = {
    "ingest": ingest,
    "staging": staging,
    "identity": identity,
    "enrichment": enrichment,
    "marts": marts,
    "integrity": integrity,
    "scoring": scoring,
    "metricflow": metricflow,
    "build": build,
    "floor": floor,
    "day": day,
}

if __name__ == "__main__":
    print(json.dumps(STAGES[sys.argv[1]]()))
