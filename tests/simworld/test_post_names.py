"""How posts write customer names: every variation class is recorded in the post
truth at roughly its rate, and each class looks like what it claims."""

from __future__ import annotations

import pandas as pd
import pytest

from simworld.demo import voice


@pytest.fixture(scope="module")
def posts(small) -> pd.DataFrame:
    return pd.read_parquet(small / "ground_truth" / "posts.parquet")


def test_every_post_naming_a_customer_records_its_name_variant(posts):
    named = posts[posts["customer_id"].notna()]
    assert named["name_variant"].notna().all()
    assert posts.loc[posts["customer_id"].isna(), "name_variant"].isna().all()
    assert set(named["name_variant"]) == set(voice.POST_NAME_VARIANTS["zh"]) | set(
        voice.POST_NAME_VARIANTS["en"]
    )
    zh = named[named["lang"] == "zh"]["name_variant"].value_counts(normalize=True)
    assert 0.35 < zh["zh_registered"] < 0.6 and 0.2 < zh["zh_short"] < 0.4


def test_chinese_typos_change_one_core_character():
    assert voice._typo_zh("精测", "zh_homophone", 0.0) == "晶测"
    assert voice._typo_zh("精测", "zh_similar_char", 0.6) == "精侧"
    assert voice._typo_zh("安康明", "zh_dropped_char", 0.5) == "安明"
    assert voice._typo_zh("安康明", "zh_doubled_char", 0.0) == "安安康明"


def test_english_typos_keep_the_first_letter_and_change_one_thing():
    assert voice._typo_en("chengce", 0.0, swap=True) == "cehngce"
    assert voice._typo_en("chengce", 0.0, swap=False) == "cengce"
    assert voice._typo_en("abc", 0.5, swap=True) == "abc"  # too short to misspell
