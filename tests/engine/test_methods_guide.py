"""The guide for choosing a method: each sign found on generated data that has it, none on round groups."""

import numpy as np
import pytest
from sklearn.datasets import make_moons

from core.clustering import KMeansSegmenter
from core.errors import DataError
from core.methods import METHODS
from core.methods.guide import MethodAdvice, advise_methods


def _round_groups(rng: np.random.Generator, spreads=(1.0, 1.0, 1.0), columns: int = 2) -> np.ndarray:
    centres = np.array([[0.0, 0.0], [8.0, 0.0], [0.0, 8.0]])
    centres = np.hstack([centres, np.zeros((3, columns - 2))])
    groups = zip(centres, spreads, strict=True)
    return np.vstack([rng.normal(centre, spread, size=(500, columns)) for centre, spread in groups])


def _signs(matrix: np.ndarray, k: int) -> dict[str, MethodAdvice]:
    k_means = KMeansSegmenter(k).fit(matrix)
    advice = advise_methods(matrix, k_means.labels_, k_means.cluster_centers_)
    return {each.sign: each for each in advice}


@pytest.mark.parametrize("columns", [2, 4])
def test_round_groups_of_equal_spread_get_k_means(columns):
    signs = _signs(_round_groups(np.random.default_rng(0), columns=columns), 3)
    assert list(signs) == ["k_means_fits"]
    assert signs["k_means_fits"].methods == ("kmeans",)


def test_long_slanted_groups_point_to_the_gaussian_mixture():
    rng = np.random.default_rng(1)
    slanted = np.array([[4.0, 3.8], [3.8, 4.0]])  # 6.2 times as long as wide, along the diagonal
    matrix = np.vstack([rng.multivariate_normal([3.0 * g, -3.0 * g], slanted, 500) for g in range(2)])
    advice = _signs(matrix, 2)["long"]
    assert 5.0 < advice.measure < 8.0
    assert advice.methods == ("gmm",)
    assert f"{advice.measure:.1f} times as spread" in advice.sentence
    assert "try Gaussian mixture" in advice.sentence


def test_groups_of_very_different_spread_are_named_with_the_ratio():
    signs = _signs(_round_groups(np.random.default_rng(2), spreads=(0.3, 2.5, 1.0)), 3)
    advice = signs["spreads"]
    assert 6.0 < advice.measure < 10.0  # 2.5 / 0.3 = 8.3
    assert advice.methods[0] == "gmm"
    assert f"{advice.measure:.1f} times as spread" in advice.sentence


def test_many_scattered_customers_point_to_hdbscan():
    rng = np.random.default_rng(3)
    matrix = np.vstack([_round_groups(rng), rng.uniform(-20, 28, size=(80, 2))])
    advice = _signs(matrix, 3)["far_away"]
    assert 0.02 <= advice.measure <= 80 / len(matrix)
    assert advice.methods[0] == "hdbscan"
    assert f"{advice.measure:.1%} of your customers" in advice.sentence


def test_crescents_that_k_means_cuts_across_are_not_round():
    matrix, _ = make_moons(1500, noise=0.06, random_state=0)
    advice = _signs(matrix, 2)["not_round"]
    assert advice.measure >= 0.15
    assert set(advice.methods) == {"hdbscan", "dbscan"}


def test_evenly_spread_customers_are_not_called_dense_groups():
    matrix = np.random.default_rng(4).uniform(0, 1, size=(1500, 2))
    assert "not_round" not in _signs(matrix, 3)


def test_every_suggested_method_is_registered_and_a_missing_segment_is_refused():
    rng = np.random.default_rng(5)
    matrix = np.vstack([_round_groups(rng, spreads=(0.3, 2.5, 1.0)), rng.uniform(-20, 28, size=(80, 2))])
    k_means = KMeansSegmenter(3).fit(matrix)
    for advice in advise_methods(matrix, k_means.labels_, k_means.cluster_centers_):
        assert set(advice.methods) <= set(METHODS)
    labels = k_means.labels_.copy()
    labels[0] = -1
    with pytest.raises(DataError, match="segment for every customer"):
        advise_methods(matrix, labels, k_means.cluster_centers_)


def test_a_category_column_does_not_make_round_groups_look_long_or_layered():
    rng = np.random.default_rng(6)
    groups = _round_groups(rng, spreads=(0.3, 0.3, 0.3))  # tight: the genders' layers lie 3 spreads apart
    gender = rng.integers(0, 2, size=(len(groups), 1)).astype(float)  # one-hot, as the preparation makes
    matrix = np.hstack([groups, gender])
    assert list(_signs(matrix, 3)) == ["k_means_fits"]
    k_means = KMeansSegmenter(3).fit(matrix)
    every_column = advise_methods(matrix, k_means.labels_, k_means.cluster_centers_, shape_columns=[0, 1, 2])
    assert "not_round" in {advice.sign for advice in every_column}  # the two genders are two dense layers
