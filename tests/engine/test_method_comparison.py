"""Comparing grouping methods on the same prepared customers (core.method_comparison)."""

import numpy as np
import pandas as pd
import pytest

from core.clustering import SILHOUETTE_SAMPLE, sweep_k
from core.errors import OperationCancelled, SettingsError
from core.loading import load_table
from core.method_comparison import MethodChoice, compare_methods
from core.pipeline import AnalysisSettings, prepare_table


def _table(tmp_path, frame):
    path = tmp_path / "customers.csv"
    frame.to_csv(path, index=False)
    return load_table(path)


def three_groups(rows_per_group=60, seed=3, scattered=0):
    """Three round, well-apart groups in two columns, and `scattered` customers far from all of them."""
    rng = np.random.default_rng(seed)
    centres = np.array([[10.0, 10.0], [40.0, 10.0], [25.0, 40.0]])
    points = np.vstack([centre + rng.normal(scale=1.5, size=(rows_per_group, 2)) for centre in centres])
    if scattered:
        points = np.vstack([points, rng.uniform(-40, 90, size=(scattered, 2))])
    return pd.DataFrame(
        {"Customer": np.arange(len(points)), "Spending": points[:, 0], "Visits": points[:, 1]}
    )


@pytest.fixture
def prepared_groups(tmp_path):
    table = _table(tmp_path, three_groups())
    settings = AnalysisSettings(features=("Spending", "Visits"))
    return table, prepare_table(table, settings)


def test_methods_that_find_the_same_groups_agree_fully_and_are_titled(prepared_groups):
    table, prepared = prepared_groups
    comparison = compare_methods(
        table.frame, prepared, [MethodChoice("kmeans", 3), MethodChoice("hierarchical", 3)]
    )
    first, second = comparison.results
    assert first.title == "k-means with 3 segments"
    assert second.segmentation.method == "hierarchical"
    (pair,) = comparison.comparisons
    assert pair.agreement == 1.0
    assert pair.sentence.startswith("k-means with 3 segments and ")
    assert pair.adjusted_rand == pytest.approx(1.0)
    # Same groups, so the same separation on the same sample.
    assert first.silhouette == pytest.approx(second.silhouette)
    assert first.silhouette > 0.7
    overview = comparison.overview()
    assert list(overview.index) == [first.title, second.title]
    assert overview["Segments"].tolist() == [3, 3]
    assert overview["Largest segment %"].tolist() == [pytest.approx(33.3), pytest.approx(33.3)]


def test_a_worse_number_of_segments_shows_in_the_agreement_and_separation(prepared_groups):
    table, prepared = prepared_groups
    comparison = compare_methods(
        table.frame, prepared, [MethodChoice("kmeans", 3), MethodChoice("kmeans", 2)]
    )
    three, two = comparison.results
    (pair,) = comparison.comparisons
    assert pair.agreement == pytest.approx(2 / 3)  # one group of three is split between the two
    assert pair.counts.shape == (3, 2)
    assert three.silhouette > two.silhouette


def test_unusual_customers_are_counted_but_have_no_separation(tmp_path):
    table = _table(tmp_path, three_groups(rows_per_group=80, scattered=12))
    prepared = prepare_table(table, AnalysisSettings(features=("Spending", "Visits")))
    comparison = compare_methods(
        table.frame, prepared, [MethodChoice("kmeans", 3), MethodChoice("hdbscan")]
    )
    density = comparison.results[1]
    assert density.segmentation.unusual > 0
    assert "unusual customers" in density.title
    assert comparison.overview()["Unusual customers"].tolist()[1] == density.segmentation.unusual
    # The unusual customers, scattered far from the groups, would pull the separation down if counted.
    assert density.silhouette > comparison.results[0].silhouette
    # "Who went where" has the unusual customers as a column of their own.
    assert any(name.startswith("0 · ") for name in comparison.comparisons[0].counts.columns)


def test_silhouettes_of_a_large_table_use_one_shared_sample(tmp_path):
    table = _table(tmp_path, three_groups(rows_per_group=(SILHOUETTE_SAMPLE // 3) + 200))
    prepared = prepare_table(table, AnalysisSettings(features=("Spending", "Visits")))
    choices = [MethodChoice("kmeans", 3), MethodChoice("kmeans", 4)]
    comparison = compare_methods(table.frame, prepared, choices)
    assert comparison.sample_size == SILHOUETTE_SAMPLE


def test_fewer_than_two_ways_is_refused(prepared_groups):
    table, prepared = prepared_groups
    with pytest.raises(SettingsError, match="at least two"):
        compare_methods(table.frame, prepared, [MethodChoice("kmeans", 3)])


def test_cancel_stops_the_comparison(prepared_groups):
    table, prepared = prepared_groups
    with pytest.raises(OperationCancelled):
        compare_methods(
            table.frame, prepared, [MethodChoice("kmeans", 3), MethodChoice("hierarchical", 3)],
            cancel=lambda: True,
        )


def test_the_guide_is_read_from_the_compared_k_means_result_or_one_fitted_for_it(prepared_groups):
    table, prepared = prepared_groups
    gmm, kmeans, ward = MethodChoice("gmm", 3), MethodChoice("kmeans", 3), MethodChoice("hierarchical", 3)
    with_kmeans = compare_methods(table.frame, prepared, [gmm, kmeans])
    without = compare_methods(table.frame, prepared, [gmm, ward])
    # Three round groups of the same spread: the guide says k-means suits them, both ways.
    for comparison in (with_kmeans, without):
        assert [advice.sign for advice in comparison.advice] == ["k_means_fits"]


def test_the_guide_points_to_a_mixture_for_long_slanted_groups(tmp_path):
    rng = np.random.default_rng(7)
    along = rng.normal(scale=10.0, size=(400, 1))
    across = rng.normal(scale=1.0, size=(400, 1))
    offset = np.repeat([[0.0], [8.0]], 200, axis=0)  # two long parallel groups, slanted at 45 degrees
    points = np.hstack([along - across - offset, along + across + offset])
    frame = pd.DataFrame({"Spending": points[:, 0], "Visits": points[:, 1]})
    table = _table(tmp_path, frame)
    prepared = prepare_table(table, AnalysisSettings(features=("Spending", "Visits")))
    choices = [MethodChoice("kmeans", 2), MethodChoice("gmm", 2)]
    comparison = compare_methods(table.frame, prepared, choices)
    long_groups = [advice for advice in comparison.advice if advice.sign == "long"]
    assert long_groups
    assert long_groups[0].methods[0] == "gmm"


def test_a_k_means_result_has_the_silhouette_choose_k_shows_for_it(tmp_path):
    """Both measure on the same customers (the sweep's sample: more customers than SILHOUETTE_SAMPLE
    here), so the two screens never show two silhouettes for the same segments."""
    table = _table(tmp_path, three_groups(rows_per_group=1200, scattered=40))
    settings = AnalysisSettings(features=("Spending", "Visits"))
    prepared = prepare_table(table, settings)
    assert len(prepared.row_positions) > SILHOUETTE_SAMPLE
    sweep = sweep_k(prepared.matrix, 2, 4, seed=settings.seed)
    comparison = compare_methods(
        table.frame, prepared, [MethodChoice("kmeans", 3), MethodChoice("gmm", 3)], seed=settings.seed
    )
    assert comparison.sample_size == SILHOUETTE_SAMPLE
    assert comparison.results[0].silhouette == pytest.approx(sweep.score_for(3).silhouette, abs=1e-9)
