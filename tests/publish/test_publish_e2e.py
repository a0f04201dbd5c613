"""Publishing inside the real build job, on a copy of the small demo warehouse.

- the session build (small_warehouse) published a snapshot equal to the marts;
- a reader holding the snapshot open while a run publishes is neither blocked nor
  shown partial data, and the next reader sees the new snapshot;
- a run whose blocking checks fail (raw rows deleted behind the ledger's back)
  does not replace the last good snapshot;
- the publish step alone (no checked build in its run) refuses: fail closed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.assets.publish import PUBLISH_KEY
from orchestration.settings import PROJECT_ROOT
from tests.pipeline import build_instance, run_build, warehouse_env

pytestmark = pytest.mark.e2e

READER = r"""
import duckdb, json, sys, time
from pathlib import Path

path, stop = sys.argv[1], Path(sys.argv[2])
con = duckdb.connect(path, read_only=True)

def snapshot():
    run_id = con.execute("select run_id from meta.manifest").fetchone()[0]
    expected = dict(con.execute("select table_name, row_count from meta.row_counts").fetchall())
    actual = {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in expected}
    return [run_id, actual == expected, sum(actual.values())]

print(json.dumps(snapshot()), flush=True)
seen, errors = [], []
while not stop.exists():
    started = time.monotonic()
    try:
        seen.append(snapshot() + [round(time.monotonic() - started, 3)])
    except Exception as exc:
        errors.append(repr(exc))
    time.sleep(0.05)
print(json.dumps({"seen": seen, "errors": errors}), flush=True)
"""


def _new_reader(path: Path) -> str:
    """The run id a brand-new reader process sees."""
    code = (
        "import duckdb, sys\n"
        "con = duckdb.connect(sys.argv[1], read_only=True)\n"
        "print(con.execute('select run_id from meta.manifest').fetchone()[0])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(path)], check=True, capture_output=True, text=True
    )
    return out.stdout.strip()


def _fingerprint(path: Path) -> tuple[int, str]:
    return os.stat(path).st_ino, hashlib.sha256(path.read_bytes()).hexdigest()


def _published_in(result: dg.ExecuteInProcessResult) -> bool:
    return any(
        e.event_type_value == "ASSET_MATERIALIZATION" and e.asset_key == PUBLISH_KEY
        for e in result.all_events
    )


def test_session_build_published_the_marts(small_warehouse):
    snap = small_warehouse["data"] / "published" / "cx_published.duckdb"
    assert snap.exists(), "the build job did not publish (a blocking check failed?)"
    assert _published_in(small_warehouse["second"])
    with duckdb.connect(str(snap), read_only=True) as con:
        manifest = json.loads(con.execute("select manifest_json from meta.manifest").fetchone()[0])
        rows = con.execute("select table_name, row_count from meta.row_counts").fetchall()
        published = dict(rows)
    assert manifest["run_id"] == small_warehouse["second"].run_id
    with duckdb.connect(small_warehouse["db"], read_only=True) as con:
        marts = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_schema = 'marts'"
        ).fetchall()
        counts = {t: con.execute(f"select count(*) from {t}").fetchone()[0] for (t,) in marts}
    assert published == counts
    assert {"marts.dim_customer", "marts.metricflow_time_spine"} <= set(published)


@pytest.fixture(scope="module")
def own_warehouse(small_warehouse, tmp_path_factory):
    """A private copy of the small warehouse (landing, warehouse file, snapshot)."""
    data = tmp_path_factory.mktemp("publish") / "data"
    shutil.copytree(small_warehouse["data"], data)
    with warehouse_env(data) as env, build_instance() as instance:
        yield {
            "data": data,
            "env": env,
            "instance": instance,
            "snap": Path(env["CX_PUBLISHED_PATH"]),
        }


# A whole build under a held reader (~55 s): slow tier.
@pytest.mark.slow
def test_reader_is_not_blocked_and_sees_one_whole_snapshot(own_warehouse, tmp_path):
    snap = own_warehouse["snap"]
    old_run = _new_reader(snap)
    stop = tmp_path / "stop"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(snap), str(stop)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = json.loads(reader.stdout.readline())
        assert first[0] == old_run and first[1] is True
        started = time.monotonic()
        result = run_build(own_warehouse["instance"])
        run_seconds = time.monotonic() - started
        assert result.success, "the run was blocked or failed while a reader held the snapshot"
        assert _published_in(result)
        # a new reader sees the new snapshot, the open one still its old one
        assert _new_reader(snap) == result.run_id != old_run
        time.sleep(0.3)
    finally:
        stop.touch()
        out, err = reader.communicate(timeout=60)
    report = json.loads(out.strip().splitlines()[-1])
    assert report["errors"] == [], err
    seen = report["seen"]
    assert len(seen) > 10, f"reader queried only {len(seen)} times in a {run_seconds:.0f} s run"
    # every read during the run: the old run's snapshot, complete (counts = its manifest)
    assert {(run_id, whole, total) for run_id, whole, total, _ in seen} == {tuple(first)}
    assert max(s[3] for s in seen) < 5, "a read waited on the pipeline"


def test_failed_blocking_check_keeps_last_good_snapshot(own_warehouse):
    snap = own_warehouse["snap"]
    good_run = _new_reader(snap)
    before = _fingerprint(snap)
    # corrupt the warehouse: raw rows vanish behind the load ledger's back
    with duckdb.connect(own_warehouse["env"]["CX_DUCKDB_PATH"]) as con:
        con.execute(
            "delete from raw.crm__accounts where rowid in "
            "(select rowid from raw.crm__accounts order by rowid limit 3)"
        )
    result = run_build(own_warehouse["instance"])
    assert not result.success
    failed = [
        e.event_specific_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION" and not e.event_specific_data.passed
    ]
    assert any(c.check_name == "ledger_balanced" for c in failed)
    assert not _published_in(result)
    assert _fingerprint(snap) == before
    assert _new_reader(snap) == good_run
    manifest = json.loads(snap.with_name("cx_published.manifest.json").read_text())
    assert manifest["run_id"] == good_run


def test_publish_alone_fails_closed(own_warehouse):
    """A run that builds and checks nothing has no evidence: the step refuses."""
    from orchestration.definitions import defs

    snap = own_warehouse["snap"]
    before = _fingerprint(snap)
    result = defs.resolve_job_def("build_warehouse").execute_in_process(
        instance=own_warehouse["instance"], asset_selection=[PUBLISH_KEY], raise_on_error=False
    )
    assert not result.success and not _published_in(result)
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert "not published" in str(failure.event_specific_data.error)
    assert _fingerprint(snap) == before


def test_metricflow_reads_the_snapshot_while_a_reader_holds_it(own_warehouse):
    """`cx-mf query` on the `reader` dbt target (profiles.yml): the snapshot attached
    read-only, so it runs while a dashboard has the file open, and its figure equals the
    mart's."""
    mf = Path(sys.executable).parent / "cx-mf"
    if not (PROJECT_ROOT / "target" / "semantic_manifest.json").exists() or not mf.exists():
        pytest.skip("no parsed semantic manifest (make manifest) or no mf")
    snap = own_warehouse["snap"]
    with duckdb.connect(str(snap), read_only=True) as holder:
        expected = holder.execute("select count(*) from marts.fct_alerts").fetchone()[0]
        env = {**os.environ, "CX_DBT_TARGET": "reader", "CX_PUBLISHED_PATH": str(snap)}
        out = subprocess.run(
            [str(mf), "query", "--metrics", "alert_count"],
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1].strip() == str(expected)
