"""Link threshold and review band chosen from the match-weight distribution."""

import dataclasses

import pandas as pd

from identity.config import load_config
from identity.engine import choose_thresholds, trough


def test_trough_is_the_middle_of_the_emptiest_stretch_between_the_modes():
    histogram = pd.Series({-3.0: 500, -2.0: 80, -1.0: 3, 0.0: 0, 1.0: 0, 2.0: 0, 3.0: 40, 5.0: 400})
    assert trough(histogram, -1.0, 6.0) == 1.5


def test_trough_lies_below_the_match_mode_not_in_a_dip_above_it():
    # A medium world's account pairs: bin 5 (15 pairs, inside the match mass) is
    # emptier than bins 2-3 (16 each), but the boundary lies below the mode at 4.
    histogram = pd.Series(
        {-1.0: 259, 0.0: 363, 1.0: 757, 2.0: 16, 3.0: 16, 4.0: 4037, 5.0: 15, 6.0: 30}
    )
    assert trough(histogram, -1.0, 6.0) == 3.0


def test_trough_searches_the_whole_window_when_the_non_match_tail_is_fullest():
    histogram = pd.Series({-1.0: 900, 0.0: 40, 1.0: 2, 2.0: 9, 3.0: 1, 4.0: 0, 5.0: 30})
    assert trough(histogram, -1.0, 6.0) == 4.5


def test_review_band_holds_what_one_person_can_review():
    entity = dataclasses.replace(
        load_config()["accounts"],
        threshold_selection={"search": [-1.0, 6.0], "review_capacity": 3},
        review_min_match_weight=-10.0,
    )
    histogram = pd.Series({-5.0: 10, 0.0: 0, 5.0: 10})
    weights = pd.Series([-9.0, -4.0, -2.0, -1.0, 0.5, 5.0, 7.0])
    threshold, floor = choose_thresholds(entity, histogram, weights)
    assert -1.0 < threshold < 5.0
    assert ((weights >= floor) & (weights < threshold)).sum() == 3


def test_configured_weights_are_used_without_threshold_selection():
    entity = dataclasses.replace(load_config()["accounts"], threshold_selection={})
    assert choose_thresholds(entity, pd.Series(dtype="int64"), pd.Series(dtype="float64")) == (
        entity.threshold_match_weight,
        entity.review_min_match_weight,
    )
