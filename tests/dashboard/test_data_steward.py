"""The data-steward page: lists the published review queue with both records side
by side, and an accept / reject writes a decision to the operational store."""

from __future__ import annotations

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from identity import review

SCRIPT = """
import duckdb, os
from types import SimpleNamespace
from dashboard.views import data_steward
con = duckdb.connect(os.environ["STEWARD_DB"], read_only=True)
data_steward.render(SimpleNamespace(con=con, lang="en", user="steward@test"))
"""


@pytest.fixture
def snapshot(tmp_path, monkeypatch):
    path = tmp_path / "snap.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute(
            """create table marts.fct_identity_review_queue as select * from (values
            ('accounts', 'a|1', 'b|1', '上海精测电子有限公司', 'jingce electronics', 2.5,
             'company_name: same core and industry (14.8); city: missing (0.0)',
             '{"account_name": "上海精测电子有限公司"}',
             '{"account_name": "Jingce Electronics"}', 1),
            ('accounts', 'a|2', 'b|2', 'x', 'y', 1.0, '', '{}', '{}', 2)
            ) t(entity, record_id_l, record_id_r, label_l, label_r, match_weight, explanation,
                values_l, values_r, queue_rank)"""
        )
    monkeypatch.setenv("STEWARD_DB", str(path))
    monkeypatch.setenv("CX_REVIEW_STORE", str(tmp_path / "ops" / "review.sqlite"))
    return path


def test_the_queue_shows_both_records_and_the_evidence(snapshot):
    at = AppTest.from_string(SCRIPT).run()
    assert not at.exception
    side, evidence = at.dataframe[0].value, at.dataframe[1].value
    assert side.iloc[0].tolist() == ["account_name", "上海精测电子有限公司", "Jingce Electronics"]
    assert evidence["comparison"].tolist() == ["company_name", "city"]


def test_accepting_a_pair_stores_the_decision_and_takes_it_off_the_queue(snapshot):
    at = AppTest.from_string(SCRIPT).run()
    at.button(key="steward_accept").click().run()
    stored = review.read_store()
    assert stored[["record_id_l", "record_id_r", "decision", "decided_by"]].values.tolist() == [
        ["a|1", "b|1", "match", "steward@test"]
    ]
    at = AppTest.from_string(SCRIPT).run()
    assert "a|2" in at.text[0].value  # the decided pair is gone; the next one is shown
