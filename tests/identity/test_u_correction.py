"""u from random sampling, with the sample's matches taken out (engine.u_without_matches)."""

import logging

import numpy as np
import pandas as pd
import pytest
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator

from identity.engine import correct_u_for_matches, u_without_matches


def test_a_sample_share_made_only_of_matches_leaves_the_floor():
    # prior·m = 2.97e-5 explains more than the sampled share 2.9e-5 (sampling noise)
    assert u_without_matches(2.9e-5, 0.99, 3e-5, floor=5e-7) == 5e-7


def test_the_non_match_share_is_what_remains_after_the_matches():
    u = u_without_matches(0.0423, 0.99, 3e-5, floor=5e-7)
    assert u == pytest.approx((0.0423 - 3e-5 * 0.99) / (1 - 3e-5))


def test_u_never_rises():
    assert u_without_matches(1e-7, 0.5, 1e-9, floor=5e-7) == 1e-7


def _duplicated_companies(n: int = 150, seed: int = 3) -> pd.DataFrame:
    """n companies, each held twice with its own phone; 5 cities shared by all."""
    rng = np.random.default_rng(seed)
    city = rng.choice(["bj", "sh", "gz", "sz", "hz"], size=n)
    one = pd.DataFrame({"phone": [f"1{i:07d}" for i in range(n)], "city": city})
    both = pd.concat([one, one], ignore_index=True)
    both["unique_id"] = np.arange(len(both))
    return both


def test_an_identifier_only_duplicates_share_gets_the_weight_its_rarity_earns():
    records = _duplicated_companies()
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[cl.ExactMatch("phone"), cl.ExactMatch("city")],
        probability_two_random_records_match=150 / (300 * 299 / 2),
    )
    data = DuckDBAPI().register(records, dataset_display_name="companies")
    linker = Linker(data, settings, log_level=logging.WARNING)
    max_pairs = 300 * 299 / 2
    linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=1)
    levels = {c.output_column_name: c.comparison_levels for c in linker._settings_obj.comparisons}
    phone_same, city_same = levels["phone"][1], levels["city"][1]
    # every company's two records share its phone and city
    phone_same.m_probability, city_same.m_probability = 1.0, 1.0
    sampled_phone_u, sampled_city_u = phone_same.u_probability, city_same.u_probability
    # every sampled pair with the same phone is one company's two records
    assert sampled_phone_u > 0

    changed = correct_u_for_matches(linker, max_pairs)

    # what is left is the sample's noise around prior·m, not the level's rarity
    assert 1 / max_pairs <= phone_same.u_probability < sampled_phone_u / 20
    # a shared city is common among different companies: almost all of it stays
    assert city_same.u_probability == pytest.approx(sampled_city_u, rel=0.05)
    assert any(k.startswith("phone") for k in changed)
