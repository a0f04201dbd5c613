"""Topics of the experience model and per-post keywords (for word clouds)."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import cache

import jieba.analyse

from enrichment.config import EnrichmentConfig, load_config
from enrichment.text import EN, ZH, compact, english_words, normalise

GENERAL = "general"


_PATTERNS: dict[str, dict[str, dict[str, re.Pattern[str]]]] = {}


def _topic_patterns(cfg: EnrichmentConfig) -> dict[str, dict[str, re.Pattern[str]]]:
    if cfg.scorer_version in _PATTERNS:
        return _PATTERNS[cfg.scorer_version]
    out: dict[str, dict[str, re.Pattern[str]]] = {}
    for topic, by_lang in cfg.topics.items():
        out[topic] = {}
        zh = sorted({compact(w) for w in by_lang.get(ZH, ())}, key=lambda w: (-len(w), w))
        if zh:
            out[topic][ZH] = re.compile("|".join(re.escape(w) for w in zh), re.IGNORECASE)
        en = sorted({normalise(w).lower() for w in by_lang.get(EN, ())}, key=lambda w: -len(w))
        if en:
            out[topic][EN] = re.compile(
                r"\b(?:" + "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in en) + r")\b"
            )
    _PATTERNS[cfg.scorer_version] = out
    return out


def topic_hits(text: str, lang: str, cfg: EnrichmentConfig | None = None) -> dict[str, int]:
    """Keyword hits per topic (only topics with a hit)."""
    cfg = cfg or load_config()
    body = compact(text) if lang == ZH else normalise(text).lower()
    hits = {}
    for topic, pats in _topic_patterns(cfg).items():
        pat = pats.get(lang)
        n = len(pat.findall(body)) if pat is not None else 0
        if n:
            hits[topic] = n
    return hits


def primary_topic(hits: dict[str, int], cfg: EnrichmentConfig | None = None) -> str:
    """Most hits; ties go to the topic listed first in lexicon.yml; none -> general."""
    cfg = cfg or load_config()
    if not hits:
        return GENERAL
    order = {t: i for i, t in enumerate(cfg.topic_names)}
    return min(hits, key=lambda t: (-hits[t], order.get(t, len(order))))


@cache
def _idf() -> tuple[dict[str, float], float]:
    # jieba ships an IDF table (jieba/analyse/idf.txt) for its TF-IDF keywords.
    loader = jieba.analyse.TFIDF().idf_loader
    return loader.idf_freq, loader.median_idf


def keywords(
    tokens: Sequence[str],
    lang: str,
    exclude: Iterable[str] = (),
    cfg: EnrichmentConfig | None = None,
) -> list[tuple[str, float]]:
    """Top keywords of one post with TF-IDF weights, best first.

    Chinese: jieba's IDF table (median IDF for unknown words); English: a
    length-based IDF proxy. Stop words, entity names (`exclude`), numbers and
    words shorter than the configured minimum are left out.
    """
    cfg = cfg or load_config()
    stop = cfg.stopwords.get(lang, frozenset())
    # Callers scoring many posts pass a prepared lower-case set (see run.Scorer).
    skip = exclude if isinstance(exclude, (set, frozenset)) else {e.lower() for e in exclude}
    min_chars = cfg.keyword_min_chars.get(lang, 2)
    counts = Counter(
        t
        for t in tokens
        if len(t) >= min_chars
        and t not in stop
        and t.lower() not in skip
        and not t.isdigit()
        and t != "|"
    )
    if not counts:
        return []
    total = sum(counts.values())
    if lang == ZH:
        idf, median = _idf()
        weight = {w: c / total * idf.get(w, median) for w, c in counts.items()}
    else:
        weight = {w: c / total * math.log(2 + len(w)) for w, c in counts.items()}
    best = sorted(weight.items(), key=lambda kv: (-kv[1], kv[0]))
    return [(w, round(v, 6)) for w, v in best[: cfg.keywords_per_post]]


def english_tokens(text: str) -> list[str]:
    return english_words(text)
