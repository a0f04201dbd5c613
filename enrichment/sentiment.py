"""Sentiment score in [-1, 1] and label for Chinese and English text.

Chinese: lexicon.yml's word valences over jieba tokens, with negation (a
negator shortly before a word flips it), intensifiers and contrast clauses
(after 但是 weighs more). English: VADER (vaderSentiment, rule-based; its
lexicon ships in the package) with lexicon.yml's supply-chain words added.
Both are normalised like VADER's compound score.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from enrichment.config import EnrichmentConfig, SentimentConfig, load_config
from enrichment.text import EN, ZH

POSITIVE, NEUTRAL, NEGATIVE = "positive", "neutral", "negative"
LABELS = (POSITIVE, NEUTRAL, NEGATIVE)
CLAUSE = "|"


def normalise_score(total: float, alpha: float) -> float:
    if total == 0:
        return 0.0
    return max(-1.0, min(1.0, total / math.sqrt(total * total + alpha)))


def label(score: float, cfg: SentimentConfig) -> str:
    if score >= cfg.positive_threshold:
        return POSITIVE
    if score <= cfg.negative_threshold:
        return NEGATIVE
    return NEUTRAL


def score_zh_tokens(tokens: Sequence[str], cfg: SentimentConfig) -> float:
    """Lexicon score of segmented Chinese text (clause boundaries as '|')."""
    values: list[float] = []
    contrast_at = -1
    last_negator = -(10**9)
    boost = 1.0
    for i, tok in enumerate(tokens):
        if tok == CLAUSE:
            last_negator, boost = -(10**9), 1.0
            values.append(0.0)
            continue
        if tok in cfg.zh_contrast:
            contrast_at = len(values)
            values.append(0.0)
            continue
        valence = cfg.zh_words.get(tok)
        if valence is None:
            if tok in cfg.zh_negators:
                last_negator = i
            elif tok in cfg.zh_intensifiers:
                boost *= cfg.zh_intensifiers[tok]
            values.append(0.0)
            continue
        v = valence * boost
        if i - last_negator <= cfg.negation_window:
            v *= cfg.negation_factor
            last_negator = -(10**9)
        boost = 1.0
        values.append(v)
    if contrast_at >= 0:
        values = [
            v * (cfg.contrast_before if j < contrast_at else cfg.contrast_after)
            for j, v in enumerate(values)
        ]
    return normalise_score(sum(values), cfg.alpha)


@cache
def _vader(en_items: tuple[tuple[str, float], ...]) -> SentimentIntensityAnalyzer:
    analyzer = SentimentIntensityAnalyzer()
    analyzer.lexicon.update(dict(en_items))
    return analyzer


def english_analyzer(cfg: EnrichmentConfig | None = None) -> SentimentIntensityAnalyzer:
    cfg = cfg or load_config()
    return _vader(tuple(sorted(cfg.sentiment.en_lexicon.items())))


def score_en(text: str, cfg: EnrichmentConfig | None = None) -> float:
    return float(english_analyzer(cfg).polarity_scores(text or "")["compound"])


def score_batch(
    texts: Sequence[str],
    langs: Sequence[str],
    zh_tokens: Sequence[Sequence[str] | None],
    cfg: EnrichmentConfig | None = None,
) -> tuple[list[float], list[str]]:
    """Scores and labels for a batch; zh_tokens[i] are the segmented tokens of
    a Chinese text (None for English ones)."""
    cfg = cfg or load_config()
    analyzer = english_analyzer(cfg)
    scores = []
    for text, lang, toks in zip(texts, langs, zh_tokens, strict=True):
        if lang == ZH:
            scores.append(score_zh_tokens(toks or (), cfg.sentiment))
        elif lang == EN:
            scores.append(float(analyzer.polarity_scores(text or "")["compound"]))
        else:
            scores.append(0.0)
    return scores, [label(s, cfg.sentiment) for s in scores]
