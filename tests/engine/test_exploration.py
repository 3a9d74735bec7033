"""Exploration helpers: summary statistics, correlations, the 2-D overview and stratified sampling."""

import numpy as np
import pandas as pd
import pytest

from core.exploration import correlation_matrix, histogram_edges, project_2d, sample_rows, summary_statistics


@pytest.fixture
def frame():
    return pd.DataFrame(
        {
            "CustomerID": [1, 2, 3, 4, 5],
            "Gender": ["F", "M", "F", None, "F"],
            "Income": [10.0, 20.0, np.nan, 40.0, 50.0],
            "Spending": [5, 4, 3, 2, 1],
            "Store": [7, 7, 7, 7, 7],
        }
    )


def test_summary_statistics_per_column(frame):
    stats = summary_statistics(frame)
    assert list(stats.index) == list(frame.columns)
    assert stats.loc["Income", "Missing"] == 1
    assert stats.loc["Income", "Mean"] == pytest.approx(30.0)
    assert stats.loc["Income", "Median"] == pytest.approx(30.0)
    assert stats.loc["Gender", "Most common"] == "F (3)"
    assert pd.isna(stats.loc["Gender", "Mean"])
    assert stats.loc["Gender", "Distinct"] == 2


def test_correlations_leave_out_excluded_constant_and_text_columns(frame):
    correlations = correlation_matrix(frame, exclude=["CustomerID"])
    assert list(correlations.columns) == ["Income", "Spending"]
    assert correlations.loc["Income", "Spending"] == pytest.approx(-1.0)


def test_projection_shapes_and_feature_named_axes():
    rng = np.random.default_rng(0)
    income = rng.normal(size=300)
    matrix = np.column_stack([income, income * 0.9 + rng.normal(scale=0.1, size=300), rng.normal(size=300)])
    centres = matrix[:4]
    projection = project_2d(matrix, ["Income", "Spending", "Age"], centres=centres)
    assert projection.coords.shape == (300, 2)
    assert projection.centres.shape == (4, 2)
    assert np.allclose(projection.centres, projection.coords[:4])
    first, second = projection.axis_labels
    assert first.startswith("Income ↑, Spending ↑") or first.startswith("Spending ↑, Income ↑")
    assert "Age" in second
    assert first.endswith("% of variation)")
    assert projection.explained_variance[0] > projection.explained_variance[1] > 0
    assert sum(projection.explained_variance) <= 1.0 + 1e-9


def test_projection_of_a_single_feature_stays_two_dimensional():
    projection = project_2d(np.arange(10.0).reshape(-1, 1), ["Income"])
    assert projection.coords.shape == (10, 2)
    assert np.all(projection.coords[:, 1] == 0)
    assert projection.axis_labels[0].startswith("Income ↑")


def test_small_data_is_not_sampled():
    assert np.array_equal(sample_rows(50, 100), np.arange(50))


def test_sample_is_bounded_sorted_unique_and_repeatable():
    first = sample_rows(100_000, 5_000, seed=7)
    assert len(first) == 5_000
    assert np.all(np.diff(first) > 0)
    assert np.array_equal(first, sample_rows(100_000, 5_000, seed=7))


def test_stratified_sample_keeps_every_segment():
    labels = np.concatenate([np.zeros(95_000, int), np.ones(4_990, int), np.full(10, 2), np.full(5, -1)])
    sample = sample_rows(len(labels), 2_000, labels, seed=1)
    assert len(sample) <= 2_000
    kept = np.bincount(labels[sample] + 1)
    assert kept[0] == 5  # every left-out row of a tiny group
    assert kept[3] == 10  # the tiny segment keeps all its customers
    assert kept[1] > kept[2] > kept[3], "bigger segments still get more points"


def test_whole_numbers_get_whole_bins_with_edges_between_two_numbers():
    ages = np.random.default_rng(0).integers(18, 80, 100_000).astype(float)  # 62 ages, evenly spread
    edges = histogram_edges(ages, max_bins=50)
    widths = np.diff(edges)
    assert np.all(widths == widths[0])
    assert widths[0] == round(widths[0]) >= 1
    assert edges[0] == 17.5
    assert edges[-1] >= 79.5
    assert len(edges) <= 51
    counts, _ = np.histogram(ages, edges)
    # Every bin holds the same number of ages, so an even spread gives even bars, not spikes and dips.
    assert counts[:-1].min() > 0.8 * counts[:-1].max()


def test_fractional_numbers_keep_numpys_bins_up_to_the_limit():
    incomes = np.random.default_rng(1).normal(60, 6, 10_000).round(1)
    numpys = np.histogram_bin_edges(incomes, bins="auto")
    assert np.array_equal(histogram_edges(incomes, max_bins=200), numpys)
    assert len(histogram_edges(incomes, max_bins=10)) == 11


def test_one_value_or_none_still_gives_a_bin():
    assert len(histogram_edges(np.array([5.0, 5.0]), max_bins=50)) == 2
    assert len(histogram_edges(np.array([]), max_bins=50)) == 2


def test_a_projection_of_some_rows_places_them_as_the_whole_projection_does():
    matrix = np.random.default_rng(2).normal(size=(500, 3)) * [3.0, 1.0, 0.2]
    rows = np.array([7, 3, 499, 3])
    whole = project_2d(matrix, ["a", "b", "c"])
    some = project_2d(matrix, ["a", "b", "c"], rows=rows)
    np.testing.assert_allclose(some.coords, whole.coords[rows])
    assert some.axis_labels == whole.axis_labels
