"""Exploration helpers: summary statistics, correlations, the 2-D overview and stratified sampling."""

import numpy as np
import pandas as pd
import pytest

from core.exploration import correlation_matrix, project_2d, sample_rows, summary_statistics


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
