"""The clustering engine on the Mall Customers data (income and spending, raw units, no scaling)."""

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans

from core.clustering import KMeansSegmenter, sweep_k

FEATURES = ["Annual Income (k$)", "Spending Score (1-100)"]
# The five well-known Mall segments: (income, spending) centre and size.
EXPECTED_SEGMENTS = [
    ((55.3, 49.5), 81),
    ((86.5, 82.1), 39),
    ((88.2, 17.1), 35),
    ((26.3, 20.9), 23),
    ((25.7, 79.4), 22),
]


@pytest.fixture(scope="module")
def mall_matrix(datasets_dir) -> np.ndarray:
    frame = pd.read_csv(datasets_dir / "Mall_Customers.csv")
    return frame[FEATURES].to_numpy(dtype=float)


@pytest.fixture(scope="module")
def mall_sweep(mall_matrix):
    return sweep_k(mall_matrix, 1, 10)


def test_sweep_suggests_the_five_known_segments(mall_sweep):
    assert [score.k for score in mall_sweep.scores] == list(range(1, 11))
    assert mall_sweep.suggested_k == 5
    assert mall_sweep.reason.startswith("5 segments:")
    assert "silhouette 0.55" in mall_sweep.reason


def test_five_segments_match_the_known_centres_and_sizes(mall_matrix):
    segmenter = KMeansSegmenter(5).fit(mall_matrix)
    # Stable numbering: largest segment first, and exactly the published centres and sizes.
    for segment, (centre, size) in enumerate(EXPECTED_SEGMENTS):
        np.testing.assert_allclose(segmenter.cluster_centers_[segment], centre, atol=1.0)
        assert segmenter.sizes_[segment] == size
    assert np.bincount(segmenter.labels_).tolist() == [size for _, size in EXPECTED_SEGMENTS]


def test_every_k_is_as_tight_as_scikit_learn_with_ten_starts(mall_matrix, mall_sweep):
    for score in mall_sweep.scores:
        best_of_sklearn = min(
            KMeans(score.k, n_init=10, random_state=state).fit(mall_matrix).inertia_ for state in range(3)
        )
        assert score.wcss <= best_of_sklearn * 1.005, f"k={score.k}"


def test_other_seeds_give_the_same_numbering(mall_matrix):
    reference = KMeansSegmenter(5).fit(mall_matrix).labels_
    for seed in (0, 1, 7, 2024):
        np.testing.assert_array_equal(KMeansSegmenter(5, seed=seed).fit(mall_matrix).labels_, reference)


def test_the_wine_data_get_their_three_cultivars_suggested():
    """The wine data bundled with scikit-learn (178 wines of three cultivars, 13 measurements,
    standardised): groups that overlap, where the bend of the curve and the silhouette agree on 3."""
    from sklearn.datasets import load_wine
    from sklearn.preprocessing import StandardScaler

    sweep = sweep_k(StandardScaler().fit_transform(load_wine().data), 1, 10)
    assert sweep.suggested_k == 3
    assert sweep.reason.startswith("3 segments: the curve bends at 3 (going from 2 to 3 segments makes")


def test_the_segments_of_every_k_are_the_grouping_the_elbow_chart_shows(datasets_dir, monkeypatch):
    """The analysis keeps each k's fitted centres from the sweep and gives the chosen k's segments from
    them, without fitting again: the WCSS beside a k in the chart is the WCSS of the segments the user
    gets (a fit of k alone could settle in another grouping)."""
    from core.loading import load_table
    from core.pipeline import AnalysisSettings, fit_segmentation, run_analysis, swept_parameters

    def fit_again(*args, **kwargs):
        raise AssertionError("the chosen number of segments was fitted again")

    monkeypatch.setattr(KMeansSegmenter, "fit", fit_again)
    table = load_table(datasets_dir / "Mall_Customers.csv")
    result = run_analysis(table, AnalysisSettings())
    chosen = result.sweep.score_for(result.segmentation.k)
    assert result.segmentation.segmenter.inertia_ == pytest.approx(chosen.wcss, rel=1e-12)
    for score in result.sweep.scores:
        saved = swept_parameters(result.sweep, result.settings.method, score.k)
        segmentation = fit_segmentation(table.frame, result.prepared, score.k, saved=saved)
        assert segmentation.segmenter.inertia_ == pytest.approx(score.wcss, rel=1e-12), f"k={score.k}"


def test_the_wholesale_files_sweep_reaches_the_notebooks_lucky_grouping_at_almost_every_seed(datasets_dir):
    """The notebook's `KMeans(n_init=10, random_state=0)` is a lucky run on this file (with other random
    states it misses its own grouping at some k on every seed tried). On a table this small the sweep's
    starts grown from the previous k find it: some k above +0.5 % for 1 of 24 seeds, 5 with four grown
    starts and the rest k-means++."""
    from core.loading import load_table
    from core.pipeline import AnalysisSettings, resolve_features
    from core.preparation import PreparationSettings, prepare

    table = load_table(datasets_dir / "Wholesale customers data.csv")
    settings = AnalysisSettings()
    matrix = prepare(table.frame, PreparationSettings(
        features=resolve_features(table, None), scaling=settings.scaling, missing=settings.missing,
    )).matrix
    notebook = [KMeans(k, n_init=10, random_state=0).fit(matrix).inertia_ for k in range(1, 11)]
    above = [
        seed for seed in range(24)
        if any(score.wcss > wcss * 1.005
               for score, wcss in zip(sweep_k(matrix, 1, 10, seed=seed).scores, notebook, strict=True))
    ]
    assert len(above) <= 2, above
