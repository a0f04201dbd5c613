"""identity/state.py: a resolution is reused only when everything it read is the same."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pytest

from identity import state
from identity.config import load_config
from identity.resolve import ensure_schema

QUERY = "select id, name from staging.things"
NOW = datetime(2026, 12, 7, 12, 0)


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute("create schema staging")
    con.execute(
        "create table staging.things as select * from (values (1, 'a'), (2, 'b')) t(id, name)"
    )
    ensure_schema(con)
    con.execute("create table identity.account_clusters (record_id varchar)")
    yield con
    con.close()


def _digest(con, cfg=None) -> str:
    return state.inputs_digest(con, "accounts", cfg or load_config(), [QUERY])


def test_row_digest_ignores_order_but_not_duplicates_or_values(con):
    before = state.rows_digest(con, QUERY)
    assert state.rows_digest(con, QUERY + " order by id desc") == before
    con.execute("insert into staging.things values (2, 'b')")
    duplicated = state.rows_digest(con, QUERY)
    assert duplicated != before
    con.execute("delete from staging.things where id = 2")
    con.execute("insert into staging.things values (2, 'B')")
    assert state.rows_digest(con, QUERY) not in (before, duplicated)


def test_digest_is_the_same_for_the_same_inputs_in_a_new_config_load(con):
    assert _digest(con) == _digest(con, load_config())


def test_a_recorded_resolution_is_reused_until_an_input_changes(con):
    digest = _digest(con)
    assert state.reusable(con, "accounts", digest, ["identity.account_clusters"]) is None
    state.record(con, "accounts", digest, {"customers": 2}, NOW)
    assert state.reusable(con, "accounts", _digest(con), ["identity.account_clusters"]) == {
        "customers": 2
    }
    con.execute("update staging.things set name = 'c' where id = 1")
    assert state.reusable(con, "accounts", _digest(con), ["identity.account_clusters"]) is None


def test_a_new_clerical_decision_resolves_again(con):
    digest = _digest(con)
    state.record(con, "accounts", digest, {}, NOW)
    con.execute(
        "insert into identity.clerical_decisions (entity, record_id_l, record_id_r, decision) "
        "values ('accounts', 'a|1', 'b|2', 'match')"
    )
    assert _digest(con) != digest
    # A decision on another entity does not concern accounts.
    con.execute(
        "insert into identity.clerical_decisions (entity, record_id_l, record_id_r, decision) "
        "values ('contacts', 'a|1', 'b|2', 'match')"
    )
    changed = _digest(con)
    state.record(con, "accounts", changed, {}, NOW)
    assert state.reusable(con, "accounts", _digest(con), ["identity.account_clusters"]) == {}


def test_a_newly_stored_model_or_a_missing_output_resolves_again(con):
    digest = _digest(con)
    state.record(con, "accounts", digest, {}, NOW)
    con.execute(
        "insert into identity.match_models values ('accounts', 'f', 10, current_timestamp, '{}')"
    )
    assert state.reusable(con, "accounts", digest, ["identity.account_clusters"]) is None
    state.record(con, "accounts", digest, {}, NOW)
    assert state.reusable(con, "accounts", digest, ["identity.account_clusters"]) == {}
    con.execute("drop table identity.account_clusters")
    assert state.reusable(con, "accounts", digest, ["identity.account_clusters"]) is None


def test_a_changed_setting_resolves_again(con, monkeypatch):
    digest = _digest(con)
    monkeypatch.setenv("CX_RETRAIN_WHEN_RECORDS_GROW_BY", "0.75")
    assert _digest(con, load_config()) != digest


def test_remembered_company_names_equal_parsing_them_and_parse_each_name_once(con, monkeypatch):
    import pandas as pd

    from identity import normalise as nz
    from identity import resolve

    names = pd.Series(
        [
            "上海能源科技有限公司",
            None,
            "Shanghai Energy Tech Co., Ltd.",
            "上海能源科技有限公司",
            "  ",
        ],
        index=[10, 11, 12, 13, 14],
        dtype="string",
    )
    assert resolve.remembered_company_names(con, names).equals(
        nz.company_names(names)[resolve._NAME_PARTS]
    )
    parsed: list[int] = []
    real = nz.company_names

    def counting(values, cities=None):
        parsed.append(len(values))
        return real(values, cities)

    monkeypatch.setattr(nz, "company_names", counting)
    more = pd.Series(["上海能源科技有限公司", "北京汽车零部件有限公司"], dtype="string")
    again = resolve.remembered_company_names(con, more)
    assert parsed == [1]  # only the name not seen before
    assert again.equals(real(more)[resolve._NAME_PARTS])
