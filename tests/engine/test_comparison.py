"""Comparing two segmentations: the cross-table, the matching, the agreement and who moved."""

import numpy as np
import pytest

from core.comparison import compare_segmentations
from core.errors import DataError


def test_the_same_grouping_under_other_numbers_agrees_fully():
    first = np.array([0, 0, 1, 1, 2, 2])
    second = np.array([2, 2, 0, 0, 1, 1])  # same groups, numbered differently
    comparison = compare_segmentations(first, second, ["A", "B", "C"], ["X", "Y", "Z"])
    assert comparison.agreement == 1.0
    assert comparison.adjusted_rand == pytest.approx(1.0)
    assert comparison.matches == {"A": "Z", "B": "X", "C": "Y"}
    assert not comparison.moved.any()
    assert "100% of customers in corresponding segments: almost the same" in comparison.sentence


def test_counts_shares_and_moved_customers():
    first = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    second = np.array([0, 0, 0, 1, 1, 1, 1, 1])  # one customer of A went to the second's Y
    comparison = compare_segmentations(first, second, ["A", "B"], ["X", "Y"])
    assert comparison.counts.loc["A", "X"] == 3
    assert comparison.counts.loc["A", "Y"] == 1
    assert comparison.shares.loc["A", "Y"] == pytest.approx(0.25)
    assert comparison.agreement == pytest.approx(7 / 8)
    assert np.flatnonzero(comparison.moved).tolist() == [3]


def test_left_out_customers_are_not_compared_and_extra_segments_stay_unmatched():
    first = np.array([0, 0, 1, 1, 2, 2, -1])
    second = np.array([0, 0, 1, 1, 1, 1, 0])
    comparison = compare_segmentations(first, second, ["A", "B", "C"], ["X", "Y"])
    assert comparison.compared == 6
    assert comparison.matches["A"] == "X"
    assert list(comparison.matches.values()).count(None) == 1
    assert comparison.agreement == pytest.approx(4 / 6)
    assert "quite different segments" in comparison.sentence
    assert not comparison.moved[-1]


def test_different_customer_counts_are_refused_in_words():
    with pytest.raises(DataError, match="different numbers of customers"):
        compare_segmentations(np.zeros(3), np.zeros(4), ["A"], ["X"])


def test_the_moved_customers_list_keeps_their_columns_and_names_both_segments():
    import pandas as pd

    from core.comparison import moved_customers

    frame = pd.DataFrame({"Customer": [f"C{i}" for i in range(8)], "Spend": range(8)})
    first = np.array([0, 0, 0, 0, 1, 1, 1, -1])
    second = np.array([0, 0, 0, 1, 1, 1, 1, 1])
    comparison = compare_segmentations(
        first, second, ["Savers", "Spenders"], ["Low", "High"], first_title="Now", second_title="Before"
    )
    moved = moved_customers(frame, comparison, first, second, ["Savers", "Spenders"], ["Low", "High"])
    assert moved["Customer"].tolist() == ["C3"]  # C7 was left out of the first: not compared, not moved
    assert moved["Segment in now"].tolist() == ["Savers"]
    assert moved["Segment in before"].tolist() == ["High"]
    assert frame.columns.tolist() == ["Customer", "Spend"], "the user's table is unchanged"


def test_the_moved_customers_list_refuses_another_table():
    import pandas as pd

    from core.comparison import moved_customers

    comparison = compare_segmentations(np.array([0, 1]), np.array([1, 0]), ["A", "B"], ["X", "Y"])
    with pytest.raises(DataError):
        moved_customers(pd.DataFrame({"a": [1, 2, 3]}), comparison, [0, 1], [1, 0], ["A", "B"], ["X", "Y"])
