"""The sweep's silhouette: exactly scikit-learn's, without holding all pairwise distances of the sample
(that matrix alone was 190 MB of the app's peak memory on a million customers)."""

import tracemalloc

import numpy as np
import pytest
from sklearn.metrics import silhouette_score

from core.clustering import SILHOUETTE_SAMPLE, _mean_silhouette, sweep_k

# Enough rows that the distances are worked through in several row blocks, the last one partial.
ROWS = 3001


@pytest.fixture(scope="module")
def points():
    rng = np.random.default_rng(11)
    centres = np.array([[0.0, 0.0, 0.0], [4.0, 0.0, 1.0], [0.0, 5.0, -2.0]])
    return centres[rng.integers(0, 3, ROWS)] + rng.normal(size=(ROWS, 3))


def label_sets(points):
    rng = np.random.default_rng(12)
    nearest = np.argmin(((points[:, None, :] - points[[0, 1, 2, 3]][None]) ** 2).sum(axis=2), axis=1)
    with_singleton = nearest.copy()
    with_singleton[7] = 9  # a segment of one customer, numbered out of sequence
    return {
        "two random groups": rng.integers(0, 2, ROWS),
        "seven random groups": rng.integers(0, 7, ROWS),
        "nearest of four points": nearest,
        "with a singleton": with_singleton,
        "gaps in the numbering": np.where(nearest == 1, 20, nearest),
    }


@pytest.mark.parametrize(
    "name",
    ["two random groups", "seven random groups", "nearest of four points", "with a singleton",
     "gaps in the numbering"],
)
def test_silhouette_equals_scikit_learns(points, name):
    labels = label_sets(points)[name]
    assert _mean_silhouette(points, labels) == pytest.approx(silhouette_score(points, labels), abs=1e-10)


def test_silhouette_of_duplicated_customers_in_different_segments_equals_scikit_learns():
    # Identical customers split over segments give a = b = 0: scikit-learn counts those as 0.
    points = np.array([[1.0, 1.0]] * 4 + [[5.0, 5.0]] * 3 + [[9.0, 0.0]])
    labels = np.array([0, 0, 1, 1, 2, 2, 2, 3])
    assert _mean_silhouette(points, labels) == pytest.approx(silhouette_score(points, labels), abs=1e-10)


def test_sweep_on_many_customers_never_holds_the_sample_distance_matrix():
    rng = np.random.default_rng(13)
    data = rng.normal(size=(4 * SILHOUETTE_SAMPLE, 3)) + rng.integers(0, 3, (4 * SILHOUETTE_SAMPLE, 1)) * 4.0
    full_matrix_bytes = SILHOUETTE_SAMPLE**2 * 8
    tracemalloc.start()
    try:
        sweep = sweep_k(data, 2, 3)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert all(score.silhouette is not None for score in sweep.scores)
    assert peak < full_matrix_bytes / 4
