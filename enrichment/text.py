"""Language detection, normalisation and word segmentation (jieba for Chinese)."""

from __future__ import annotations

import logging
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Sequence

import jieba

from enrichment.config import EnrichmentConfig, load_config

jieba.setLogLevel(logging.WARNING)

ZH, EN, UNDETERMINED = "zh", "en", "und"
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")
_EN_WORD = re.compile(r"[a-z0-9]+(?:['’\-][a-z0-9]+)*")
_SPACE = re.compile(r"\s+")
_ZH_TOKEN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaffA-Za-z0-9]")


def normalise(text: str | None) -> str:
    """NFKC (full-width -> half-width, compatibility forms), collapsed spaces."""
    if text is None:
        return ""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", str(text))).strip()


def compact(text: str) -> str:
    """Normalised text without spaces: how Chinese names are matched."""
    return _SPACE.sub("", normalise(text))


def detect_language(text: str, cfg: EnrichmentConfig | None = None) -> str:
    """zh when CJK characters are a large enough share of the letters, else en;
    und for text without letters."""
    cfg = cfg or load_config()
    cjk = len(_CJK.findall(text or ""))
    latin = len(_LATIN.findall(text or ""))
    if cjk + latin == 0:
        return UNDETERMINED
    share = cjk / (cjk + latin / 4)
    return ZH if share >= cfg.zh_min_share else EN


def resolve_languages(
    texts: Sequence[str], declared: Sequence[str | None], cfg: EnrichmentConfig | None = None
) -> tuple[list[str], list[str]]:
    """Trust the declared language when the text agrees with it, else the detector.

    Returns (lang, lang_source) with lang_source `declared` (declared and
    confirmed), `detected` (nothing declared) or `corrected` (declared, but the
    text is in the other language).
    """
    cfg = cfg or load_config()
    langs, sources = [], []
    for text, dec in zip(texts, declared, strict=True):
        detected = detect_language(text, cfg)
        dec = (dec or "").strip().lower() or None
        if dec is None or dec not in (ZH, EN):
            langs.append(detected if detected != UNDETERMINED else (dec or UNDETERMINED))
            sources.append("detected")
        elif detected in (dec, UNDETERMINED):
            langs.append(dec)
            sources.append("declared")
        else:
            langs.append(detected)
            sources.append("corrected")
    return langs, sources


def english_words(text: str) -> list[str]:
    return _EN_WORD.findall(normalise(text).lower())


_BASE: dict = {}


def _tokenizer() -> jieba.Tokenizer:
    """A fresh jieba tokenizer; its dictionary is loaded once per process and copied."""
    tk = jieba.Tokenizer()
    if not _BASE:
        tk.tmp_dir = tempfile.gettempdir()
        tk.initialize()
        _BASE["freq"], _BASE["total"] = tk.FREQ, tk.total
    tk.FREQ, tk.total = dict(_BASE["freq"]), _BASE["total"]
    tk.initialized = True
    return tk


class Segmenter:
    """A jieba tokenizer of its own (not jieba's global one) with the domain
    dictionary: sentiment and topic words, the brand, and the names passed in
    (customer name variants, products), kept whole by a high frequency."""

    def __init__(self, cfg: EnrichmentConfig | None = None, extra_words: Iterable[str] = ()):
        self.cfg = cfg or load_config()
        self._tk = _tokenizer()
        self.words: set[str] = set()
        self.add_words(self.cfg.domain_words())
        self.add_words(extra_words)

    def add_words(self, words: Iterable[str]) -> None:
        for w in words:
            w = compact(w)
            if len(w) > 1 and w not in self.words and " " not in w:
                self._tk.add_word(w, freq=max(50_000, 20_000 * len(w)))
                self.words.add(w)

    def tokens(self, text: str) -> list[str]:
        """Segmented tokens of normalised text, punctuation and spaces dropped;
        Latin words lower-cased."""
        out = []
        for tok in self._tk.cut(normalise(text), HMM=True):
            tok = tok.strip()
            if tok and _ZH_TOKEN.search(tok):
                out.append(tok.lower() if _LATIN.search(tok) else tok)
            elif tok and tok in "，。！？；,.!?;…":
                out.append("|")  # clause boundary, for negation scope
        return out
