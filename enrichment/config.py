"""The enrichment lexicon (lexicon.yml) and the sentiment settings (cx_settings,
section enrichment: label thresholds, the model's weight) as typed configuration."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from cx_settings import Enrichment, as_plain, load_settings

LEXICON_PATH = Path(__file__).with_name("lexicon.yml")
MODEL_PATH = Path(__file__).with_name("models") / "sentiment_nb.json.gz"
# Part of the scorer version: bump when the scoring code changes results.
CODE_VERSION = "3"


@dataclass(frozen=True)
class SentimentConfig:
    alpha: float
    positive_threshold: float
    negative_threshold: float
    negation_window: int
    negation_factor: float
    contrast_after: float
    contrast_before: float
    zh_negators: frozenset[str]
    zh_intensifiers: dict[str, float]
    zh_contrast: frozenset[str]
    zh_words: dict[str, float]  # word -> valence
    en_lexicon: dict[str, float]  # added to VADER's lexicon
    en_phrases: dict[str, float]  # multi-word phrases -> valence (VADER's scale)
    # The supervised model's share (enrichment.model) and the label thresholds:
    # settings (cx_settings, section enrichment).
    zh_model_weight: float
    zh_threshold: float
    en_model_weight: float
    en_model_scale: float
    en_threshold: float
    en_neutral_margin: float
    en_neutral_max_rules: float


@dataclass(frozen=True)
class EnrichmentConfig:
    scorer_version: str
    brand_zh: tuple[str, ...]
    brand_en: tuple[str, ...]
    zh_min_share: float
    sentiment: SentimentConfig
    topics: dict[str, dict[str, tuple[str, ...]]]  # topic -> lang -> keywords
    keywords_per_post: int
    keyword_min_chars: dict[str, int]
    stopwords: dict[str, frozenset[str]]
    products: dict[str, tuple[str, ...]]  # product category -> names in posts

    @property
    def topic_names(self) -> tuple[str, ...]:
        return tuple(self.topics)

    def domain_words(self) -> set[str]:
        """Words jieba must keep whole: sentiment and topic vocabulary, the brand."""
        words = set(self.sentiment.zh_words) | set(self.sentiment.zh_intensifiers)
        words |= self.sentiment.zh_negators | set(self.brand_zh)
        for names in self.products.values():
            words |= set(names)
        for by_lang in self.topics.values():
            words |= {w for w in by_lang.get("zh", ()) if len(w) > 1}
        return {w for w in words if len(w) > 1}


def _words(items) -> tuple[str, ...]:
    return tuple(str(i).strip() for i in items or () if str(i).strip())


def load_config(path: Path = LEXICON_PATH) -> EnrichmentConfig:
    settings = load_settings().enrichment
    # Settings are hashable through their plain values (cache key, scorer version).
    return _load(str(path), json.dumps(as_plain(dataclasses.asdict(settings)), sort_keys=True))


@cache
def _load(path: str, settings_json: str) -> EnrichmentConfig:
    st = Enrichment(**json.loads(settings_json))
    raw_bytes = Path(path).read_bytes()
    raw = yaml.safe_load(raw_bytes)
    s = raw["sentiment"]
    zh = s["zh"]
    words = {str(k): float(v) for k, v in (zh.get("positive") or {}).items()}
    words.update({str(k): float(v) for k, v in (zh.get("negative") or {}).items()})
    sentiment = SentimentConfig(
        alpha=float(s["alpha"]),
        positive_threshold=st.sentiment_positive_threshold,
        negative_threshold=st.sentiment_negative_threshold,
        negation_window=int(s["negation_window"]),
        negation_factor=float(s["negation_factor"]),
        contrast_after=float(s["contrast_after"]),
        contrast_before=float(s["contrast_before"]),
        zh_negators=frozenset(_words(zh.get("negators"))),
        zh_intensifiers={str(k): float(v) for k, v in (zh.get("intensifiers") or {}).items()},
        zh_contrast=frozenset(_words(zh.get("contrast"))),
        zh_words=words,
        en_lexicon={str(k).lower(): float(v) for k, v in (s["en"].get("lexicon") or {}).items()},
        en_phrases={str(k).lower(): float(v) for k, v in (s["en"].get("phrases") or {}).items()},
        zh_model_weight=st.zh_model_weight,
        zh_threshold=st.zh_threshold,
        en_model_weight=st.en_model_weight,
        en_model_scale=st.en_model_scale,
        en_threshold=st.en_threshold,
        en_neutral_margin=st.en_neutral_margin,
        en_neutral_max_rules=st.en_neutral_max_rules,
    )
    topics = {
        str(t): {lang: _words(kw.get(lang)) for lang in ("zh", "en")}
        for t, kw in raw["topics"].items()
    }
    kw = raw["keywords"]
    # The scorer version follows the lexicon, the sentiment settings and the trained
    # model's artefact: changing any of them rescores every post.
    model_bytes = MODEL_PATH.read_bytes() if MODEL_PATH.exists() else b""
    digest = hashlib.sha256(raw_bytes + settings_json.encode() + model_bytes).hexdigest()[:10]
    return EnrichmentConfig(
        scorer_version=f"{raw['scorer_version']}.{CODE_VERSION}+{digest}",
        brand_zh=_words(raw["brand"]["zh"]),
        brand_en=tuple(b.lower() for b in _words(raw["brand"]["en"])),
        zh_min_share=float(raw["language"]["zh_min_share"]),
        sentiment=sentiment,
        topics=topics,
        keywords_per_post=int(kw["per_post"]),
        keyword_min_chars={"zh": int(kw["min_chars_zh"]), "en": int(kw["min_chars_en"])},
        stopwords={
            "zh": frozenset(_words(kw.get("stopwords_zh"))),
            "en": frozenset(w.lower() for w in _words(kw.get("stopwords_en"))),
        },
        products={str(k): _words(v) for k, v in (raw.get("products") or {}).items()},
    )
