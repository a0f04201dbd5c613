"""CRM name and credit-code variation classes: applied at their rates, recorded per
account in the ground truth, and each class looks like what it claims."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from identity import normalise as nz
from simworld.demo import world as w


@pytest.fixture(scope="module")
def truth(small) -> pd.DataFrame:
    return pd.read_parquet(small / "ground_truth" / "accounts.parquet")


def test_every_variation_class_is_recorded_in_the_account_truth(truth):
    tags = {t for v in truth["variation"].dropna() for t in v.split("+")}
    assert tags >= {*w.NAME_CLASSES, "cc_substitution", "cc_swap", "shared_trade_name"}


def test_mistyped_codes_fail_the_check_and_are_one_keying_error_from_the_true_one(small, truth):
    cust = pd.read_parquet(small / "ground_truth" / "customers.parquet")
    rng = np.random.default_rng(1)
    codes, kinds = w.mistype_code(rng, cust["credit_code"].to_numpy()[:50])
    assert not nz.credit_code_is_valid(pd.Series(codes)).any()
    for true, typed in zip(cust["credit_code"][:50], codes, strict=True):
        assert true in nz.credit_code_candidates(typed)
    assert set(kinds) == {"cc_swap", "cc_substitution"}


def test_chinese_typos_change_exactly_one_character_of_the_trade_name_or_industry():
    rng = np.random.default_rng(3)
    names = np.array(["上海精测电子有限公司"] * 4, dtype=object)
    words = np.array(["精测电子"] * 4, dtype=object)
    assert w.typo_zh(rng, names[:1], words[:1], "zh_homophone")[0] != names[0]
    assert len(w.typo_zh(rng, names[:1], words[:1], "zh_dropped")[0]) == len(names[0]) - 1
    assert len(w.typo_zh(rng, names[:1], words[:1], "zh_doubled")[0]) == len(names[0]) + 1
    lookalike = w.typo_zh(rng, names[:1], words[:1], "zh_lookalike")[0]
    assert sum(a != b for a, b in zip(lookalike, names[0], strict=True)) == 1


def test_profiles_scale_the_rates():
    normal, heavy, none = (w.NameVariation.profile(p) for p in ("normal", "heavy", "none"))
    assert heavy.zh_homophone == 2 * normal.zh_homophone
    assert none.latin_only == 0 and none.credit_code_mistyped == 0


def test_shared_trade_names_are_different_companies_in_other_cities_and_industries(small):
    cust = pd.read_parquet(small / "ground_truth" / "customers.parquet")
    truth = pd.read_parquet(small / "ground_truth" / "accounts.parquet")
    shared = truth[truth["variation"].fillna("").str.contains("shared_trade_name")]
    ids = shared["customer_id"].unique()
    assert len(ids) >= 2
    rows = cust[cust["customer_id"].isin(ids)]
    # Each customer of the class shares its legal name with none of the others.
    assert rows["legal_name_zh"].is_unique and rows["credit_code"].is_unique
