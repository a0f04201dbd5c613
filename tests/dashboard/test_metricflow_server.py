"""The warm MetricFlow server (`make mf-serve`), run as its own process on a copy of
the shared build's published snapshot: its answers equal the marts, a publish that
swaps the snapshot is picked up, and a bad query is a 400 with MetricFlow's reason."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from orchestration.settings import PROJECT_ROOT

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port: int, path: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=120) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


@pytest.fixture(scope="module")
def server(small_warehouse, tmp_path_factory):
    snap = tmp_path_factory.mktemp("mf") / "cx_published.duckdb"
    shutil.copy(small_warehouse["env"]["CX_PUBLISHED_PATH"], snap)
    port = _free_port()
    env = {
        **os.environ,
        **small_warehouse["env"],
        "CX_PUBLISHED_PATH": str(snap),
        "DBT_PROFILES_DIR": str(PROJECT_ROOT),
    }
    log = snap.with_name("server.log")
    with log.open("w") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "dashboard.metricflow_server", "--port", str(port)],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
        )
    try:
        assert proc.stdout is not None
        # The banner is the first line on stdout; nothing is printed before it. If the
        # server dies instead, readline returns "" and the log says why.
        banner = proc.stdout.readline()
        assert "serving" in banner, banner + log.read_text()
        yield {"port": port, "snap": snap}
    finally:
        proc.kill()
        proc.wait(timeout=30)


def _nps_by_month(port: int) -> pd.DataFrame:
    status, body = _get(
        port,
        "/query?metrics=nps,nps_answer_count&group_by=metric_time__month&order=metric_time__month",
    )
    assert status == 200, body
    df = pd.DataFrame(body["rows"], columns=body["columns"])
    df["month"] = pd.to_datetime(df.metric_time__month).dt.tz_localize(None)
    return df.set_index("month")


def _marts_nps_by_month(db: Path) -> pd.DataFrame:
    with duckdb.connect(str(db), read_only=True) as con:
        want = con.execute(
            """
            select submitted_month as month,
                   sum(has_nps) filter (where not is_gaming_suspect) as n,
                   avg(nps_points) filter (where not is_gaming_suspect) as nps
            from marts.fct_survey_responses
            group by all
            """
        ).df()
    want["month"] = pd.to_datetime(want.month)
    return want.set_index("month")


def test_warm_server_answers_equal_the_marts(server):
    got = _nps_by_month(server["port"])
    want = _marts_nps_by_month(server["snap"])
    joined = want.merge(got, left_index=True, right_index=True, suffixes=("_x", "_y"))
    assert len(joined) == len(want) == len(got) > 6
    assert (joined.n == joined.nps_answer_count).all()
    assert ((joined.nps_x - joined.nps_y).abs() < 1e-9).all()


def test_a_swapped_snapshot_is_read_at_the_next_query(server):
    before = _nps_by_month(server["port"])
    first_month = before.index.min()
    new = server["snap"].with_name("next.duckdb")
    shutil.copy(server["snap"], new)
    with duckdb.connect(str(new)) as con:
        con.execute(
            "delete from marts.fct_survey_responses where submitted_month = ?",
            [first_month.date()],
        )
    os.replace(new, server["snap"])  # how a publish swaps the snapshot in

    after = _nps_by_month(server["port"])
    assert first_month not in after.index
    assert after.index.equals(before.index.drop(first_month))


def test_a_bad_query_is_refused_with_the_reason(server):
    status, body = _get(server["port"], "/query?metrics=no_such_metric")
    assert status == 400 and "no_such_metric" in body["error"]
    status, body = _get(server["port"], "/query")
    assert status == 400
    status, body = _get(server["port"], "/metrics")
    assert status == 200 and "nps" in {m["name"] for m in body["metrics"]}
