"""enrich_posts on a tiny warehouse: tables, incremental scoring, relinking."""

import dataclasses

import duckdb
import pytest

from enrichment.config import load_config
from enrichment.run import enrich_posts

POSTS = [
    (
        "weibo",
        "w1",
        "zh",
        None,
        "汇通工品这次又延迟发货了，程测纺织（杭州）有限公司的产线等了三天，太坑了。",
    ),
    ("weibo", "w2", None, None, "汇通工品的配送真快，昨天下单今天就到了，给个好评。"),
    (
        "news",
        "n1",
        "en",
        "Forum",
        "Huitong MRO hosted an industrial procurement forum in Shanghai.",
    ),
    ("forum", "f1", "en", None, "广州程测纺织股份有限公司说汇通工品的扳手质量堪忧。"),  # wrong lang
]


@pytest.fixture
def con():
    c = duckdb.connect(":memory:")
    c.execute("create schema staging")
    c.execute("create schema identity")
    c.execute(
        "create table staging.stg_public_opinion__posts (platform varchar, post_id varchar, "
        "lang varchar, post_title varchar, post_text varchar)"
    )
    c.executemany("insert into staging.stg_public_opinion__posts values (?, ?, ?, ?, ?)", POSTS)
    c.execute(
        "create table staging.stg_crm__accounts (source_system varchar, account_id varchar, "
        "account_name varchar, city varchar, parent_account_id varchar)"
    )
    c.executemany(
        "insert into staging.stg_crm__accounts values (?, ?, ?, ?, ?)",
        [
            ("crm_a", "1", "广州程测纺织股份有限公司", "广州", None),
            ("crm_a", "2", "程测纺织(杭州)有限公司", "杭州", "1"),
        ],
    )
    c.execute(
        "create table identity.account_clusters as select * from (values "
        "('crm_a', '1', 'C_PARENT'), ('crm_a', '2', 'C_SUB')) t(source_system, account_id, "
        "customer_key)"
    )
    yield c
    c.close()


def test_first_run_scores_and_links_every_post(con):
    stats = enrich_posts(con)
    assert stats["posts"] == stats["posts_scored"] == 4
    rows = dict(
        con.execute(
            "select post_id, sentiment_label from enrichment.post_scores order by 1"
        ).fetchall()
    )
    assert rows == {"w1": "negative", "w2": "positive", "n1": "neutral", "f1": "negative"}
    lang = con.execute(
        "select lang, lang_source from enrichment.post_scores where post_id = 'f1'"
    ).fetchone()
    assert lang == ("zh", "corrected")
    mentions = set(
        con.execute(
            "select post_id, entity_type, customer_key from enrichment.post_mentions"
        ).fetchall()
    )
    assert ("w1", "customer", "C_SUB") in mentions
    assert ("f1", "customer", "C_PARENT") in mentions
    assert ("n1", "brand", None) in mentions
    assert con.execute("select count(*) from enrichment.post_keywords").fetchone()[0] > 0


def test_unchanged_posts_are_not_rescored(con):
    enrich_posts(con)
    first = con.execute("select post_id, scored_at from enrichment.post_scores").fetchall()
    stats = enrich_posts(con)
    assert stats["posts_scored"] == 0 and stats["posts_skipped"] == 4
    assert con.execute("select post_id, scored_at from enrichment.post_scores").fetchall() == first
    assert (
        stats["mentions"]
        == con.execute("select count(*) from enrichment.post_mentions").fetchone()[0]
    )


def test_changed_text_and_removed_posts(con):
    enrich_posts(con)
    con.execute(
        "update staging.stg_public_opinion__posts set post_text = '非常满意，推荐。' "
        "where post_id = 'w1'"
    )
    con.execute("delete from staging.stg_public_opinion__posts where post_id = 'n1'")
    stats = enrich_posts(con)
    assert stats["posts_scored"] == 1
    assert con.execute(
        "select sentiment_label from enrichment.post_scores where post_id = 'w1'"
    ).fetchone() == ("positive",)
    assert con.execute("select count(*) from enrichment.post_scores").fetchone()[0] == 3
    assert (
        con.execute(
            "select count(*) from enrichment.post_keywords where post_id = 'n1'"
        ).fetchone()[0]
        == 0
    )


def test_new_scorer_version_rescores_everything(con):
    enrich_posts(con)
    bumped = dataclasses.replace(load_config(), scorer_version="test-bump")
    stats = enrich_posts(con, cfg=bumped)
    assert stats["posts_scored"] == 4 and stats["posts_rescored_new_version"] == 4
    [(version,)] = con.execute(
        "select distinct scorer_version from enrichment.post_scores"
    ).fetchall()
    assert version.startswith("test-bump+")


def test_new_customer_names_rescore_every_post_and_the_same_names_none(con):
    """A post's score depends on the names known when it is scored (segmenter words,
    blanked mentions): scores must not depend on whether the CRM file arrived first."""
    enrich_posts(con)
    assert enrich_posts(con)["posts_scored"] == 0
    # The same names under other customer keys (another arrival order): nothing to do.
    con.execute("update identity.account_clusters set customer_key = customer_key || '_b'")
    assert enrich_posts(con)["posts_scored"] == 0
    con.execute(
        "insert into staging.stg_crm__accounts values "
        "('crm_a', '3', '汇通快运有限公司', '上海', null)"
    )
    con.execute("insert into identity.account_clusters values ('crm_a', '3', 'C_NEW')")
    stats = enrich_posts(con)
    assert stats["posts_scored"] == stats["posts_rescored_new_version"] == 4


def _mentions(con) -> list[tuple]:
    return con.execute(
        "select platform, post_id, entity_type, customer_key, matched_text, script, method, "
        "n_occurrences, matched_alias, match_kind from enrichment.post_mentions order by all"
    ).fetchall()


def test_an_unchanged_dictionary_links_only_new_posts_as_a_full_relink_would(con):
    enrich_posts(con)
    assert enrich_posts(con)["posts_linked"] == 0
    con.execute(
        "insert into staging.stg_public_opinion__posts values ('weibo', 'w3', 'zh', null, "
        "'程测纺织（杭州）有限公司的货又晚到了。')"
    )
    con.execute("delete from staging.stg_public_opinion__posts where post_id = 'f1'")
    stats = enrich_posts(con)
    assert stats["posts_linked"] == stats["posts_scored"] == 1
    incremental = _mentions(con)
    assert ("weibo", "w3", "customer", "C_SUB") in {m[:4] for m in incremental}
    assert "f1" not in {m[1] for m in incremental}
    assert enrich_posts(con, full_refresh=True)["posts_linked"] == 4
    assert _mentions(con) == incremental


def test_a_changed_customer_key_relinks_every_post(con):
    """Scores do not depend on customer keys, mentions do: a merge in the single
    customer view relinks every post without rescoring any."""
    enrich_posts(con)
    con.execute("update identity.account_clusters set customer_key = 'C_MERGED'")
    stats = enrich_posts(con)
    assert stats["posts_scored"] == 0 and stats["posts_linked"] == 4
    keys = {m[3] for m in _mentions(con) if m[2] == "customer"}
    assert keys == {"C_MERGED"}


def test_the_link_fingerprint_is_the_same_in_every_process():
    """Sets in the configuration print in an order that changes with the hash seed: a
    fingerprint over that text made every build relink every post."""
    import os
    import subprocess
    import sys

    code = (
        "import pandas as pd\n"
        "from enrichment.config import load_config\n"
        "from enrichment.run import link_fingerprint\n"
        "print(link_fingerprint(pd.DataFrame({'customer_key': ['C1'], 'account_name': ['x'],"
        " 'city': [None], 'parent_customer_key': [None]}), load_config()))"
    )
    prints = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for seed in ("1", "2", "3")
    }
    assert len(prints) == 1 and len(next(iter(prints))) == 16
