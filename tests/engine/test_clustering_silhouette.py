"""The sweep's silhouette: exactly scikit-learn's, without holding all pairwise distances of the sample
(that matrix alone was 190 MB of the app's peak memory on a million customers)."""

import tracemalloc

import numpy as np
import pytest
from sklearn.metrics import silhouette_score

from core.clustering import SILHOUETTE_SAMPLE, mean_silhouette, sweep_k

# Enough rows that the distances are worked through in several row blocks, the last one partial.
ROWS = 3001


@pytest.fixture(scope="module")
def points():
    rng = np.random.default_rng(11)
    centres = np.array([[0.0, 0.0, 0.0], [4.0, 0.0, 1.0], [0.0, 5.0, -2.0]])
    return centres[rng.integers(0, 3, ROWS)] + rng.normal(size=(ROWS, 3))


def nearest_of_first_four(points, rng):
    return np.argmin(((points[:, None, :] - points[None, :4]) ** 2).sum(axis=2), axis=1)


def with_a_singleton(points, rng):
    labels = nearest_of_first_four(points, rng)
    labels[7] = 9  # a segment of one customer, numbered out of sequence
    return labels


def with_gaps_in_the_numbering(points, rng):
    labels = nearest_of_first_four(points, rng)
    return np.where(labels == 1, 20, labels)


LABELLINGS = {
    "two random groups": lambda points, rng: rng.integers(0, 2, len(points)),
    "seven random groups": lambda points, rng: rng.integers(0, 7, len(points)),
    "nearest of four customers": nearest_of_first_four,
    "with a singleton": with_a_singleton,
    "gaps in the numbering": with_gaps_in_the_numbering,
}


@pytest.mark.parametrize("labelling", LABELLINGS)
def test_silhouette_equals_scikit_learns(points, labelling):
    labels = LABELLINGS[labelling](points, np.random.default_rng(12))
    assert mean_silhouette(points, labels) == pytest.approx(silhouette_score(points, labels), abs=1e-10)


def test_silhouette_of_duplicated_customers_in_different_segments_equals_scikit_learns():
    # Identical customers split over segments give a = b = 0: scikit-learn counts those as 0.
    points = np.array([[1.0, 1.0]] * 4 + [[5.0, 5.0]] * 3 + [[9.0, 0.0]])
    labels = np.array([0, 0, 1, 1, 2, 2, 2, 3])
    assert mean_silhouette(points, labels) == pytest.approx(silhouette_score(points, labels), abs=1e-10)


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


def test_silhouette_of_few_customers_in_small_segments_equals_scikit_learns():
    # In segments of a handful of customers, a customer's distance to itself (which must count as
    # exactly 0) weighs much in its a; rounding there alone would move the mean by about 1e-10.
    rng = np.random.default_rng(3)
    points = rng.normal(size=(40, 3))
    labels = rng.integers(0, 8, 40)
    assert mean_silhouette(points, labels) == pytest.approx(silhouette_score(points, labels), abs=1e-12)
