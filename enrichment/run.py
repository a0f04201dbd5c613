"""Enrich the staged posts in the warehouse: the `enrichment` schema.

    enrichment.post_scores    one row per post: language, sentiment score and label,
                              topic(s), text hash and the scorer version that scored it
    enrichment.post_keywords  top keywords of each post with TF-IDF weights
    enrichment.post_mentions  one row per (post, customer or brand) the post mentions

Incremental: a post whose (platform, post_id) was already scored with the same
text hash and the same scorer version is not scored again; posts gone from
staging are dropped. Mentions follow the single customer view: every post is
linked again when the customer dictionary changed (a name, a customer key, the
linking code or its configuration: `link_fingerprint`, kept in
enrichment.link_state); otherwise only the posts scored in this run are linked,
and the others keep their mentions, which are what linking them again would give.

The caller passes an open connection (the one writer) and closes it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import duckdb
import pandas as pd

from enrichment import linking as lk
from enrichment import sentiment as st
from enrichment import topics as tp
from enrichment.config import EnrichmentConfig, load_config
from enrichment.text import EN, ZH, Segmenter, english_words, resolve_languages
from identity import normalise as nz
from identity.parallel import chunked_map

SCHEMA = "enrichment"
POST_SCORES = f"{SCHEMA}.post_scores"
POST_KEYWORDS = f"{SCHEMA}.post_keywords"
POST_MENTIONS = f"{SCHEMA}.post_mentions"
LINK_STATE = f"{SCHEMA}.link_state"
POSTS_VIEW = "staging.stg_public_opinion__posts"
BLANK = "，"

DDL = {
    POST_SCORES: """(
        platform varchar not null,
        post_id varchar not null,
        text_hash varchar not null,
        lang varchar,
        lang_declared varchar,
        lang_source varchar,
        sentiment_score double,
        sentiment_label varchar,
        topic varchar,
        topics varchar,
        n_tokens integer,
        scorer_version varchar not null,
        scored_at timestamp not null
    )""",
    POST_KEYWORDS: """(
        platform varchar not null,
        post_id varchar not null,
        keyword_rank integer not null,
        keyword varchar not null,
        weight double
    )""",
    POST_MENTIONS: """(
        platform varchar not null,
        post_id varchar not null,
        entity_type varchar not null,
        customer_key varchar,
        matched_text varchar,
        script varchar,
        method varchar,
        n_occurrences integer,
        linked_at timestamp not null,
        matched_alias varchar,
        match_kind varchar
    )""",
    LINK_STATE: """(
        link_fingerprint varchar not null,
        linked_at timestamp not null
    )""",
}


# Columns added after the first release (a warehouse built before gets them).
ADDED_COLUMNS = {POST_MENTIONS: (("matched_alias", "varchar"), ("match_kind", "varchar"))}


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"create schema if not exists {SCHEMA}")
    for table, ddl in DDL.items():
        con.execute(f"create table if not exists {table} {ddl}")
    for table, columns in ADDED_COLUMNS.items():
        for name, kind in columns:
            con.execute(f"alter table {table} add column if not exists {name} {kind}")


def text_hash(title: str | None, text: str | None, lang: str | None) -> str:
    payload = "\x1f".join(x or "" for x in (title, text, lang))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


def post_body(title: str | None, text: str | None) -> str:
    """Title and text, the title only when the text does not already start with it."""
    title, text = (title or "").strip(), (text or "").strip()
    if title and not text.startswith(title):
        return f"{title}\n{text}"
    return text


# What linking depends on besides the accounts and the configuration: its code and
# the lexicon of legal and industry words.
LINK_CODE = (
    Path(lk.__file__),
    Path(nz.__file__),
    Path(nz.__file__).with_name("lexicon.yml"),
)


def _sorted(value: object) -> list:
    """Sets in the configuration, in one order: their repr changes with every process's
    hash seed, and a fingerprint over it relinked every post on every run."""
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def link_fingerprint(accounts: pd.DataFrame, cfg: EnrichmentConfig) -> str:
    """Fingerprint of everything a post's mentions depend on but its text: the
    accounts of the single customer view (names, cities, customer keys, parents),
    the enrichment configuration and the linking code."""
    h = hashlib.sha256()
    for path in LINK_CODE:
        h.update(path.read_bytes())
    h.update(json.dumps(dataclasses.asdict(cfg), sort_keys=True, default=_sorted).encode())
    columns = sorted(accounts.columns)
    canon = (
        accounts[columns].astype("string").fillna("\x00").sort_values(columns, ignore_index=True)
    )
    h.update(",".join(columns).encode())
    h.update(pd.util.hash_pandas_object(canon, index=False).to_numpy().tobytes())
    return h.hexdigest()[:16]


def read_accounts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """CRM accounts with their customer and group parent from the single customer view."""
    return con.execute(
        """
        select c.customer_key, a.account_name, a.city, pc.customer_key as parent_customer_key
        from staging.stg_crm__accounts a
        join identity.account_clusters c
          on c.source_system = a.source_system and c.account_id = a.account_id
        left join identity.account_clusters pc
          on pc.source_system = a.source_system and pc.account_id = a.parent_account_id
        """
    ).df()


def _blank_zh(text: str, mentions: Sequence[lk.Mention]) -> str:
    """Compact text with the Chinese mention spans replaced by a clause break, so
    names neither score nor become keywords."""
    body = lk.compact(text)
    spans = sorted(
        (m.position, m.position + len(m.matched_text)) for m in mentions if m.script == ZH
    )
    if not spans:
        return body
    out, at = [], 0
    for start, end in spans:
        if start >= at:
            out.append(body[at:start])
            out.append(BLANK)
            at = end
    out.append(body[at:])
    return "".join(out)


def _blank_en(text: str, mentions: Sequence[lk.Mention]) -> list[str]:
    words = english_words(text)
    drop: set[int] = set()
    for m in mentions:
        if m.script == EN:
            drop.update(range(m.position, m.position + len(m.matched_text.split())))
    return [w for i, w in enumerate(words) if i not in drop]


class Scorer:
    """Everything needed to score posts, built once per run."""

    def __init__(self, dictionary: lk.CustomerDictionary, cfg: EnrichmentConfig | None = None):
        self.cfg = cfg or load_config()
        self.dictionary = dictionary
        names = dictionary.names()
        self.segmenter = Segmenter(self.cfg, extra_words=names)
        places = set().union(*dictionary.places_zh.values()) if dictionary.places_zh else set()
        places_en = set().union(*dictionary.places_en.values()) if dictionary.places_en else set()
        legal = set(nz.lexicon().legal_suffixes_zh) | set(nz.lexicon().legal_suffixes_en)
        self.exclude = names | places | places_en | legal | set(dictionary.en_core)
        self.exclude |= {w for b in self.cfg.brand_en for w in b.split()}
        self.exclude = frozenset(w.lower() for w in self.exclude)

    def score(
        self,
        bodies: Sequence[str],
        declared: Sequence[str | None],
        mentions: Sequence[Sequence[lk.Mention]] | None = None,
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Scores (one row per body) and keywords (rows with the body's index).
        `mentions` (one list per body) are found here when not given."""
        langs, sources = resolve_languages(bodies, declared, self.cfg)
        if mentions is None:
            mentions = [lk.find_mentions(b, self.dictionary) for b in bodies]
        zh_tokens: list[list[str] | None] = []
        en_words: list[str | None] = []  # English text without the names, for the model
        kw_rows: list[tuple[int, int, str, float]] = []
        hits_all, n_tokens = [], []
        for i, (body, lang, found) in enumerate(zip(bodies, langs, mentions, strict=True)):
            if lang == ZH:
                tokens = self.segmenter.tokens(_blank_zh(body, found))
                zh_tokens.append(tokens)
                en_words.append(None)
            else:
                tokens = _blank_en(body, found)
                zh_tokens.append(None)
                en_words.append(" ".join(tokens))
            n_tokens.append(sum(1 for t in tokens if t != "|"))
            hits_all.append(tp.topic_hits(body, lang, self.cfg))
            for rank, (word, weight) in enumerate(
                tp.keywords(tokens, lang, self.exclude, self.cfg), start=1
            ):
                kw_rows.append((i, rank, word, weight))
        scores, labels = st.score_batch(bodies, langs, zh_tokens, self.cfg, en_words)
        frame = pd.DataFrame(
            {
                "lang": langs,
                "lang_source": sources,
                "sentiment_score": [round(s, 4) for s in scores],
                "sentiment_label": labels,
                "topic": [tp.primary_topic(h, self.cfg) for h in hits_all],
                "topics": [",".join(sorted(h, key=lambda t: (-h[t], t))) or None for h in hits_all],
                "n_tokens": n_tokens,
            }
        )
        keywords = pd.DataFrame(kw_rows, columns=["i", "keyword_rank", "keyword", "weight"])
        return frame, keywords


def _batches(frame: pd.DataFrame, size: int) -> Iterator[pd.DataFrame]:
    for start in range(0, len(frame), size):
        yield frame.iloc[start : start + size]


def _score_batches(
    batches: Sequence[pd.DataFrame],
    scorer: Scorer,
    by_post: dict[tuple[str, str], list[lk.Mention]],
) -> list[tuple[pd.DataFrame, pd.DataFrame]]:
    """Scorer.score of each batch of posts, with the mentions found for them."""
    out = []
    for batch in batches:
        found = [by_post[k] for k in zip(batch["platform"], batch["post_id"], strict=True)]
        out.append(scorer.score(batch["body"].tolist(), batch["lang"].tolist(), found))
    return out


def enrich_posts(
    con: duckdb.DuckDBPyConnection,
    cfg: EnrichmentConfig | None = None,
    batch_size: int = 5_000,
    full_refresh: bool = False,
) -> dict:
    """Score new or changed posts, relink every post; returns run statistics."""
    cfg = cfg or load_config()
    started = time.perf_counter()
    ensure_schema(con)
    posts = con.execute(
        f"select platform, post_id, post_title, post_text, lang from {POSTS_VIEW}"
    ).df()
    for col in ("post_title", "post_text", "lang"):
        posts[col] = posts[col].astype(object).where(posts[col].notna(), None)
    posts["body"] = [
        post_body(t, x) for t, x in zip(posts["post_title"], posts["post_text"], strict=True)
    ]
    posts["text_hash"] = [
        text_hash(t, x, lg)
        for t, x, lg in zip(posts["post_title"], posts["post_text"], posts["lang"], strict=True)
    ]
    t_dict = time.perf_counter()
    accounts = read_accounts(con)
    dictionary = lk.build_dictionary(accounts, cfg)
    fingerprint = link_fingerprint(accounts, cfg)
    dict_seconds = time.perf_counter() - t_dict
    # A post's score depends on the customer names known when it was scored (they are
    # segmenter words, blanked mentions, excluded keywords): the names' fingerprint is
    # part of the version, so new CRM names rescore every post and the scores never
    # depend on the order files arrived in.
    version = f"{cfg.scorer_version}+{dictionary.digest()}"

    done = con.execute(
        f"select platform, post_id, text_hash as done_hash, scorer_version as done_version "
        f"from {POST_SCORES}"
    ).df()
    merged = posts.merge(done, on=["platform", "post_id"], how="left")
    fresh = (
        merged["done_hash"].isna()
        | (merged["done_hash"] != merged["text_hash"])
        | (merged["done_version"] != version)
    )
    if full_refresh:
        fresh[:] = True
    todo = merged[fresh.fillna(True).astype(bool)].reset_index(drop=True)
    rescored_version = int(
        (merged["done_version"].notna() & (merged["done_version"] != version)).sum()
    )

    linked_with = con.execute(f"select max(link_fingerprint) from {LINK_STATE}").fetchone()[0]
    relink_all = full_refresh or linked_with != fingerprint
    to_link = posts if relink_all else todo
    t_link = time.perf_counter()
    found = lk.find_all_mentions(list(to_link["body"]), dictionary)
    mentions = lk.mentions_frame(to_link["platform"], to_link["post_id"], found)
    keys = zip(to_link["platform"], to_link["post_id"], strict=True)
    by_post = dict(zip(keys, found, strict=True))
    link_seconds = time.perf_counter() - t_link

    t_setup = time.perf_counter()
    scorer = Scorer(dictionary, cfg) if len(todo) else None  # jieba + domain dictionary
    setup_seconds = time.perf_counter() - t_setup

    t_score = time.perf_counter()
    now = datetime.now(UTC).replace(tzinfo=None)
    score_parts, kw_parts = [], []
    batches = list(_batches(todo, batch_size))
    scored = chunked_map(partial(_score_batches, scorer=scorer, by_post=by_post), batches, 1)
    for batch, (scores, kws) in zip(batches, scored, strict=True):
        scores.insert(0, "platform", batch["platform"].to_numpy())
        scores.insert(1, "post_id", batch["post_id"].to_numpy())
        scores.insert(2, "text_hash", batch["text_hash"].to_numpy())
        scores["lang_declared"] = batch["lang"].to_numpy()
        score_parts.append(scores)
        if len(kws):
            kws["platform"] = batch["platform"].to_numpy()[kws["i"].to_numpy()]
            kws["post_id"] = batch["post_id"].to_numpy()[kws["i"].to_numpy()]
            kw_parts.append(kws.drop(columns="i"))
    score_seconds = time.perf_counter() - t_score

    con.execute("begin")
    try:
        con.register("_enr_live", posts[["platform", "post_id"]])
        con.register("_enr_todo", todo[["platform", "post_id"]])
        for table in (POST_SCORES, POST_KEYWORDS):
            con.execute(
                f"delete from {table} t where not exists (select 1 from _enr_live l "
                f"where l.platform = t.platform and l.post_id = t.post_id) "
                f"or exists (select 1 from _enr_todo d "
                f"where d.platform = t.platform and d.post_id = t.post_id)"
            )
        if score_parts:
            scores = pd.concat(score_parts, ignore_index=True)
            con.register("_enr_scores", scores)
            con.execute(
                f"insert into {POST_SCORES} select platform, post_id, text_hash, lang, "
                f"lang_declared, lang_source, sentiment_score, sentiment_label, topic, topics, "
                f"n_tokens, ?, ? from _enr_scores",
                [version, now],
            )
            con.unregister("_enr_scores")
        if kw_parts:
            con.register("_enr_kw", pd.concat(kw_parts, ignore_index=True))
            con.execute(
                f"insert into {POST_KEYWORDS} select platform, post_id, keyword_rank, keyword, "
                f"weight from _enr_kw"
            )
            con.unregister("_enr_kw")
        if relink_all:
            con.execute(f"delete from {POST_MENTIONS}")
        else:
            con.execute(
                f"delete from {POST_MENTIONS} t where not exists (select 1 from _enr_live l "
                f"where l.platform = t.platform and l.post_id = t.post_id) "
                f"or exists (select 1 from _enr_todo d "
                f"where d.platform = t.platform and d.post_id = t.post_id)"
            )
        if len(mentions):
            con.register("_enr_mentions", mentions)
            con.execute(
                f"insert into {POST_MENTIONS} (platform, post_id, entity_type, customer_key, "
                f"matched_text, script, method, n_occurrences, linked_at, matched_alias, "
                f"match_kind) select platform, post_id, entity_type, customer_key, "
                f"matched_text, script, method, n_occurrences, ?, matched_alias, match_kind "
                f"from _enr_mentions",
                [now],
            )
            con.unregister("_enr_mentions")
        con.execute(f"delete from {LINK_STATE}")
        con.execute(f"insert into {LINK_STATE} values (?, ?)", [fingerprint, now])
        con.unregister("_enr_live")
        con.unregister("_enr_todo")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise

    labels = dict(
        con.execute(
            f"select sentiment_label, count(*) from {POST_SCORES} group by 1 order by 1"
        ).fetchall()
    )
    lang_sources = dict(
        con.execute(f"select lang_source, count(*) from {POST_SCORES} group by 1").fetchall()
    )
    mention_counts = con.execute(
        f"""select count(*),
                   count(distinct (platform, post_id)) filter (where entity_type = ?),
                   count(*) filter (where entity_type = ?),
                   count(distinct customer_key) filter (where entity_type = ?)
            from {POST_MENTIONS}""",
        [lk.CUSTOMER, lk.BRAND, lk.CUSTOMER],
    ).fetchone()
    return {
        "posts": len(posts),
        "posts_scored": len(todo),
        "posts_skipped": len(posts) - len(todo),
        "posts_rescored_new_version": rescored_version,
        "scorer_version": version,
        "posts_per_second": round(len(todo) / score_seconds, 1) if score_seconds > 0 else None,
        "seconds_dictionary": round(dict_seconds, 2),
        "seconds_segmenter_setup": round(setup_seconds, 2),
        "seconds_scoring": round(score_seconds, 2),
        "seconds_linking": round(link_seconds, 2),
        "seconds_total": round(time.perf_counter() - started, 2),
        "dictionary_customers": dictionary.n_customers,
        "dictionary_zh_names": len(dictionary.zh_trade),
        "posts_linked": len(to_link),
        "mentions": int(mention_counts[0]),
        "posts_mentioning_customer": int(mention_counts[1]),
        "posts_mentioning_brand": int(mention_counts[2]),
        "customers_mentioned": int(mention_counts[3]),
        **{f"label_{k}": v for k, v in labels.items()},
        **{f"lang_{k}": v for k, v in lang_sources.items()},
    }
