"""Hierarchical grouping (Ward): scikit-learn's answer on small tables, small groups on large ones."""

import numpy as np
import pytest
from scipy.cluster.hierarchy import ward
from sklearn.cluster import AgglomerativeClustering
from sklearn.metrics import adjusted_rand_score

from core.errors import OperationCancelled, SettingsError
from core.methods import hierarchical
from core.methods.hierarchical import (
    WardSegmenter,
    dendrogram_data,
    segments_at_height,
    sweep_ward,
    weighted_ward_tree,
)


def _blobs(rows_per_group: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Four well separated groups (their centres 12 spreads or more apart) and each row's group."""
    rng = np.random.default_rng(seed)
    centres = 2 * np.array([[0.0, 0.0, 0.0], [6.0, 0.0, 1.0], [0.0, 7.0, -1.0], [5.0, 6.0, 4.0]])
    truth = np.repeat(np.arange(len(centres)), rows_per_group)
    return centres[truth] + rng.normal(size=(len(truth), 3)), truth


@pytest.fixture(params=["scipy's tree", "the chain"])
def exact_tree(request, monkeypatch):
    """The exact tree of a small table from scipy, and of a larger one from the nearest-neighbour chain."""
    if request.param == "the chain":
        monkeypatch.setattr(hierarchical, "_SCIPY_WARD_ROWS", 0)


@pytest.mark.parametrize("k", [2, 3, 5, 8])
def test_small_tables_get_exactly_scikit_learns_ward_segments(k, exact_tree):
    rng = np.random.default_rng(k)
    matrix = rng.normal(size=(400, 3)) * [1.0, 2.0, 0.5]  # no clear groups: every join matters
    theirs = AgglomerativeClustering(n_clusters=k, linkage="ward").fit(matrix).labels_
    ours = WardSegmenter(k).fit(matrix).labels_
    assert adjusted_rand_score(theirs, ours) == 1.0
    assert len(np.unique(ours)) == k


def test_customers_with_equal_values_get_scikit_learns_ward_segments(exact_tree):
    # Ages, incomes and scores in whole numbers, as in Mall_Customers.csv: many joins cost the same, and
    # identical customers join at height 0.
    rng = np.random.default_rng(5)
    ages, incomes, scores = rng.integers(18, 70, 600), rng.integers(15, 140, 600), rng.integers(1, 100, 600)
    matrix = np.column_stack([ages, incomes, scores])
    matrix = (matrix - matrix.mean(axis=0)) / matrix.std(axis=0)
    for k in (2, 4, 6, 9):
        theirs = AgglomerativeClustering(n_clusters=k, linkage="ward").fit(matrix).labels_
        assert adjusted_rand_score(theirs, WardSegmenter(k).fit(matrix).labels_) == 1.0


def test_segments_are_numbered_largest_first_with_their_means_as_centres():
    matrix, _ = _blobs(50)
    matrix = np.vstack([matrix, matrix[:30] + 0.01])  # the first group becomes the largest
    fitted = WardSegmenter(4).fit(matrix)
    sizes = np.bincount(fitted.labels_)
    assert list(sizes) == sorted(sizes, reverse=True)
    for segment in range(4):
        assert np.allclose(fitted.cluster_centers_[segment], matrix[fitted.labels_ == segment].mean(axis=0))


def test_ward_on_weighted_small_groups_equals_ward_on_their_customers():
    rng = np.random.default_rng(1)
    centres = rng.normal(size=(60, 2))
    sizes = rng.integers(1, 8, size=60)
    repeated = np.repeat(centres, sizes, axis=0)
    group_of_row = np.repeat(np.arange(60), sizes)
    ours, theirs = weighted_ward_tree(centres, sizes), ward(repeated)
    # Above the joins at height 0 that rebuild each group, the heights are the same ...
    assert np.allclose(np.sort(theirs[:, 2])[-59:], np.sort(ours[:, 2]))
    # ... and so is every cut.
    for k in (2, 3, 6, 10):
        by_group = hierarchical._cut(ours, k)[group_of_row]
        assert adjusted_rand_score(hierarchical._cut(theirs, k), by_group) == 1.0


def test_without_weights_the_tree_is_scipys_ward_tree():
    matrix = np.random.default_rng(2).normal(size=(200, 4))
    assert np.allclose(weighted_ward_tree(matrix, np.ones(200)), ward(matrix))


@pytest.fixture
def small_limits(monkeypatch):
    """A 'large' table of a few thousand customers, so the test runs in a moment."""
    monkeypatch.setattr(hierarchical, "EXACT_ROWS", 500)
    monkeypatch.setattr(hierarchical, "MICRO_GROUPS", 60)
    monkeypatch.setattr(hierarchical, "MICRO_SAMPLE_ROWS", 600)


def test_a_large_table_is_grouped_through_small_groups_and_everyone_follows_theirs(small_limits):
    matrix, truth = _blobs(1000)
    fitted = WardSegmenter(4).fit(matrix)
    assert fitted.micro_grouped_
    assert len(fitted.leaf_sizes_) <= 60
    assert fitted.leaf_sizes_.sum() == len(matrix)
    assert len(fitted.labels_) == len(matrix)
    assert (fitted.labels_ >= 0).all()
    assert adjusted_rand_score(truth, fitted.labels_) == 1.0
    again = WardSegmenter(4).fit(matrix)
    assert np.array_equal(again.labels_, fitted.labels_)


@pytest.mark.parametrize("tree", ["of small groups", "exact, of thousands of customers"])
def test_cancel_stops_building_the_tree(request, monkeypatch, tree):
    if tree == "of small groups":
        request.getfixturevalue("small_limits")
    else:  # scipy's one call for 10,000 customers could not be interrupted (4-18 s, 0.85 GB of distances)
        monkeypatch.setattr(hierarchical, "_SCIPY_WARD_ROWS", 0)
    matrix, _ = _blobs(750)
    checks = []

    def cancel() -> bool:
        checks.append(1)
        return len(checks) > 2  # the first two pass: the exact tree's own checks come after them

    with pytest.raises(OperationCancelled):
        WardSegmenter(4).fit(matrix, cancel=cancel)


@pytest.mark.parametrize("k", [1, 2, 3, 5])
def test_a_cut_at_the_drawn_cut_height_gives_the_fitted_number_of_segments(k):
    matrix, _ = _blobs(40)
    drawn = dendrogram_data(WardSegmenter(k).fit(matrix), shown_leaves=12)
    assert segments_at_height(drawn, drawn.cut_height) == k
    assert segments_at_height(drawn, drawn.top_height * 2) == 1  # above everything: all together
    assert segments_at_height(drawn, 0.0) == 12  # below every join drawn: one per leaf drawn


def test_the_dendrogram_shows_the_cut_crossing_one_link_per_segment():
    matrix, _ = _blobs(40)
    fitted = WardSegmenter(3).fit(matrix)
    drawn = dendrogram_data(fitted, shown_leaves=12)
    assert len(drawn.leaves) == 12
    assert sum(leaf.customers for leaf in drawn.leaves) == len(matrix)
    assert {leaf.segment for leaf in drawn.leaves} == {0, 1, 2}
    # The vertical legs that cross the cut line: one per segment.
    crossing = sum(
        1
        for link in drawn.links
        for low, high in ((link.heights[0], link.heights[1]), (link.heights[3], link.heights[2]))
        if low < drawn.cut_height < high
    )
    assert crossing == 3
    for link in drawn.links:
        assert (link.segment is None) == (link.heights[1] > drawn.cut_height)
    # Leaves of one segment sit side by side, and the segment's customers are all counted.
    for segment in range(3):
        customers = sum(leaf.customers for leaf in drawn.leaves if leaf.segment == segment)
        assert customers == np.count_nonzero(fitted.labels_ == segment)


def test_the_sweep_cuts_one_tree_at_every_k_and_suggests_the_groups_number():
    matrix, _ = _blobs(60)
    labels_by_k = {}
    sweep = sweep_ward(matrix, 1, 7, on_labels=labels_by_k.__setitem__)
    assert [score.k for score in sweep.scores] == list(range(1, 8))
    for score in sweep.scores:
        fitted = WardSegmenter(score.k).fit(matrix)
        assert score.wcss == pytest.approx(fitted.inertia_)
        assert np.array_equal(labels_by_k[score.k], fitted.labels_)
    assert sweep.suggested_k == 4
    assert sweep.reason.startswith("4 segments:")
    assert sweep.notes == ()


def test_the_sweep_of_a_large_table_says_it_joined_small_groups(small_limits):
    matrix, _ = _blobs(1000)
    sweep = sweep_ward(matrix, 2, 6)
    assert sweep.suggested_k == 4
    assert "small groups" in sweep.notes[0]


def test_more_segments_than_different_customers_are_refused_in_plain_words():
    matrix = np.repeat(np.array([[0.0, 0.0], [1.0, 1.0], [5.0, 5.0]]), 20, axis=0)
    assert len(np.unique(WardSegmenter(3).fit(matrix).labels_)) == 3
    with pytest.raises(SettingsError, match="only 3 customers differ from each other; choose at most 3"):
        WardSegmenter(4).fit(matrix)


def test_a_large_table_of_few_kinds_of_customer_gets_wards_exact_answer(small_limits):
    rng = np.random.default_rng(8)
    kinds = rng.normal(size=(40, 2)) * [3.0, 1.0]
    matrix = kinds[rng.integers(0, 40, size=3000)]  # 3,000 customers, 40 kinds (categories, counts)
    fitted = WardSegmenter(5).fit(matrix)
    assert fitted.micro_grouped_
    assert len(fitted.leaf_sizes_) == 40  # each kind its own small group
    theirs = AgglomerativeClustering(n_clusters=5, linkage="ward").fit(matrix).labels_
    assert adjusted_rand_score(theirs, fitted.labels_) == 1.0
