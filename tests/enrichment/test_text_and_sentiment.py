"""Language detection, segmentation, sentiment, topics and keywords (pure functions)."""

import pytest

from enrichment import sentiment as st
from enrichment import topics as tp
from enrichment.config import load_config
from enrichment.text import Segmenter, compact, detect_language, normalise, resolve_languages

CFG = load_config()


@pytest.fixture(scope="module")
def seg():
    return Segmenter(CFG, extra_words=["程测纺织"])


def zh_score(seg, text):
    return st.score_zh_tokens(seg.tokens(text), CFG.sentiment)


def test_normalise_folds_full_width_and_spaces():
    assert normalise("程测纺织（广州）  有限公司 ＡＢＣ") == "程测纺织(广州) 有限公司 ABC"
    assert compact("Huitong  MRO") == "HuitongMRO"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("交货准时，包装完好。", "zh"),
        ("Delivered on time and well packed.", "en"),
        ("汇通工品推出绿色包装，ESG报告也提到了。", "zh"),
        ("Kudos to 汇通工品 for the same-day emergency delivery to our plant.", "en"),
        ("12345 !!!", "und"),
    ],
)
def test_detect_language(text, lang):
    assert detect_language(text, CFG) == lang


def test_declared_language_is_trusted_only_when_the_text_agrees():
    langs, sources = resolve_languages(
        ["交货准时。", "Delivered on time.", "交货准时。", "..."], ["zh", None, "en", "en"], CFG
    )
    assert langs == ["zh", "en", "zh", "en"]
    assert sources == ["declared", "detected", "corrected", "declared"]


def test_segmenter_keeps_domain_words_whole(seg):
    tokens = seg.tokens("程测纺织的劳保手套质量下降了，一拖再拖。")
    assert "程测纺织" in tokens
    assert "劳保手套" in tokens
    assert "一拖再拖" in tokens
    assert "|" in tokens  # clause boundary


def test_zh_sentiment_polarity_negation_and_intensity(seg):
    assert zh_score(seg, "服务很好，非常满意。") > 0.3
    assert zh_score(seg, "质量太差，很失望。") < -0.3
    assert zh_score(seg, "公司发布了三季度经营数据。") == 0
    assert zh_score(seg, "不靠谱") < 0
    assert zh_score(seg, "不满意") < 0
    assert zh_score(seg, "一点都不好用") < 0  # negator a few tokens before the word
    assert zh_score(seg, "非常满意") > zh_score(seg, "满意")


def test_zh_contrast_weighs_the_clause_after_but(seg):
    assert zh_score(seg, "价格便宜，但是质量很差。") < 0
    assert zh_score(seg, "有点贵，但是服务非常好。") > 0


def test_en_sentiment_uses_vader_with_supply_words():
    assert st.score_en("Delivery was late again.", CFG) < -0.05
    assert st.score_en("Excellent service, very happy.", CFG) > 0.5
    assert abs(st.score_en("The company published its results.", CFG)) < 0.05
    # 'late' is not in VADER's own lexicon: the domain addition carries it.
    assert "late" in st.english_analyzer(CFG).lexicon


def test_labels_follow_thresholds():
    s = CFG.sentiment
    assert st.label(s.positive_threshold, s) == st.POSITIVE
    assert st.label(0.0, s) == st.NEUTRAL
    assert st.label(s.negative_threshold, s) == st.NEGATIVE


def test_score_batch_mixed_languages(seg):
    texts = ["非常满意", "Terrible quality.", "..."]
    scores, labels = st.score_batch(
        texts, ["zh", "en", "und"], [seg.tokens(texts[0]), None, None], CFG
    )
    assert labels == ["positive", "negative", "neutral"]
    assert scores[2] == 0.0


def test_topics_map_to_the_experience_model():
    assert tp.primary_topic(tp.topic_hits("到货晚了一周，还少发了两箱", "zh", CFG), CFG) == (
        "fulfillment"
    )
    assert tp.primary_topic(tp.topic_hits("Prices went up again", "en", CFG), CFG) == "price"
    assert (
        tp.primary_topic(tp.topic_hits("防护用品不合格，存在安全隐患", "zh", CFG), CFG) == "safety"
    )
    assert tp.primary_topic(tp.topic_hits("公司发布了经营数据", "zh", CFG), CFG) == tp.GENERAL
    assert tp.primary_topic({}, CFG) == tp.GENERAL


def test_topic_ties_go_to_the_topic_listed_first():
    first, second = CFG.topic_names[:2]
    assert tp.primary_topic({second: 1, first: 1}, CFG) == first


def test_keywords_skip_stopwords_names_and_short_words(seg):
    tokens = seg.tokens("程测纺织的劳保手套质量下降了，质量堪忧。")
    kws = tp.keywords(tokens, "zh", exclude={"程测纺织"}, cfg=CFG)
    words = [w for w, _ in kws]
    assert {"质量", "劳保手套", "堪忧"} <= set(words)
    assert dict(kws)["质量"] > 0
    assert "程测纺织" not in words and "的" not in words
    assert len(kws) <= CFG.keywords_per_post
    en = tp.keywords(["the", "portal", "keeps", "crashing", "portal", "huitong"], "en", {"huitong"})
    assert [w for w, _ in en][:2] == ["portal", "crashing"]


def test_scorer_version_includes_the_lexicon_hash(tmp_path):
    from enrichment.config import LEXICON_PATH

    edited = tmp_path / "lexicon.yml"
    edited.write_text(LEXICON_PATH.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert load_config(edited).scorer_version != CFG.scorer_version
