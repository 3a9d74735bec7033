"""DBSCAN and HDBSCAN: groups of any shape, scattered customers left unusual, large tables sampled."""

import json

import numpy as np
import pytest
from sklearn.datasets import make_moons

from core.clustering import MAX_K, KMeansSegmenter
from core.comparison import compare_segmentations
from core.errors import DataError, OperationCancelled, SettingsError
from core.methods import UNUSUAL, dbscan, density, method_named
from core.methods.dbscan import distance_curve

DENSITY_METHODS = ["dbscan", "hdbscan"]


def _moons_with_scattered_customers(moon_customers: int = 2000, scattered: int = 100, seed: int = 0):
    """Two interleaved crescents (which k-means cuts wrongly) and customers scattered over the area."""
    moons, truth = make_moons(moon_customers, noise=0.06, random_state=seed)
    rng = np.random.default_rng(seed)
    spread = rng.uniform(moons.min(axis=0) - 0.5, moons.max(axis=0) + 0.5, size=(scattered, 2))
    return np.vstack([moons, spread]), np.concatenate([truth, np.full(scattered, UNUSUAL)])


def _agreement_on_grouped(labels: np.ndarray, truth: np.ndarray) -> float:
    names = [str(number) for number in range(max(labels.max(), truth.max()) + 1)]
    return compare_segmentations(labels, truth, names, names).agreement


def _fit(name: str, matrix: np.ndarray, seed: int = 0, **options):
    method = method_named(name)
    return method.make(None, seed, {**method.options, **options}).fit(matrix)


@pytest.mark.parametrize("name", DENSITY_METHODS)
def test_crescents_are_found_whole_and_scattered_customers_are_unusual(name):
    matrix, truth = _moons_with_scattered_customers()
    fitted = _fit(name, matrix)
    on_moons = truth != UNUSUAL
    assert fitted.n_segments_ == 2
    assert _agreement_on_grouped(fitted.labels_, truth) > 0.99  # of the customers both put in a group
    assert np.mean(fitted.labels_[on_moons] == UNUSUAL) < 0.03
    assert np.mean(fitted.labels_[~on_moons] == UNUSUAL) > 0.7
    assert fitted.unusual_ == np.count_nonzero(fitted.labels_ == UNUSUAL)
    # k-means, for comparison, cuts the crescents across.
    assert _agreement_on_grouped(KMeansSegmenter(2).fit(matrix).labels_[on_moons], truth[on_moons]) < 0.9


@pytest.mark.parametrize("name", DENSITY_METHODS)
def test_a_saved_model_places_every_customer_as_the_fit_did_even_after_json(name):
    matrix, _ = _moons_with_scattered_customers(600, 40)
    fitted = _fit(name, matrix)
    restored = method_named(name).from_dict(json.loads(json.dumps(fitted.to_dict())))
    assert np.array_equal(restored.predict(matrix), fitted.labels_)
    assert np.array_equal(fitted.predict(matrix), fitted.labels_)
    far_away = np.array([[50.0, 50.0]])
    assert restored.predict(far_away)[0] == UNUSUAL


@pytest.mark.parametrize("name", DENSITY_METHODS)
def test_a_large_table_is_grouped_on_a_sample_and_everyone_is_placed(name, monkeypatch):
    monkeypatch.setattr(density, "SAMPLE_ROWS", 800)
    matrix, truth = _moons_with_scattered_customers(4000, 200)
    fitted = _fit(name, matrix)
    assert fitted.sample_size_ == 800
    assert len(fitted.labels_) == len(matrix)
    assert "sample of 800 of your 4,200 customers" in fitted.notes_[-1]
    assert len(fitted.to_dict()["points"]) <= 800  # the saved model holds sampled customers only
    assert _agreement_on_grouped(fitted.labels_, truth) > 0.98
    assert np.mean(fitted.labels_[truth == UNUSUAL] == UNUSUAL) > 0.6
    assert np.array_equal(_fit(name, matrix).labels_, fitted.labels_)  # same seed, same segments


@pytest.mark.parametrize("name", DENSITY_METHODS)
def test_cancel_stops_the_fit(name):
    matrix, _ = _moons_with_scattered_customers(600, 40)
    calls = []

    def cancel() -> bool:
        calls.append(1)
        return len(calls) > 1

    method = method_named(name)
    with pytest.raises(OperationCancelled):
        method.make(None, 0, method.options).fit(matrix, cancel=cancel)


def test_the_distance_curve_is_plain_data_and_its_bend_is_the_distance_dbscan_uses():
    matrix, _ = _moons_with_scattered_customers()
    curve = distance_curve(matrix)
    assert len(curve.distances) <= 400
    assert list(curve.distances) == sorted(curve.distances)
    assert curve.distances[0] <= curve.chosen_distance <= curve.distances[-1]
    assert 0.8 < curve.chosen_share < 1.0  # most customers are in dense places, the scattered ones not
    fitted = _fit("dbscan", matrix)
    assert f"{curve.chosen_distance:.3g}" in fitted.notes_[0]
    assert fitted.to_dict()["reach"] == curve.chosen_distance


def test_one_customer_far_from_everyone_does_not_set_the_distance():
    rng = np.random.default_rng(3)
    groups = np.vstack([rng.normal(centre, 0.5, size=(500, 2)) for centre in ((0, 0), (6, 0), (0, 6))])
    matrix = np.vstack([groups, [[200.0, 200.0]]])
    fitted = _fit("dbscan", matrix)
    assert fitted.n_segments_ == 3
    assert fitted.labels_[-1] == UNUSUAL


def test_the_user_can_set_dbscans_distance(monkeypatch):
    matrix, _ = _moons_with_scattered_customers(600, 40)
    assert _fit("dbscan", matrix, distance=10.0).n_segments_ == 1  # everyone is close to everyone
    with pytest.raises(SettingsError, match="above 0"):
        _fit("dbscan", matrix, distance=-1)
    # A distance that would put too many customers within reach of each other for memory is refused.
    monkeypatch.setattr(dbscan, "MAX_NEIGHBOUR_PAIRS", 100_000)
    with pytest.raises(SettingsError, match="about 100% of the others close by"):
        _fit("dbscan", matrix, distance=10.0)
    assert _fit("dbscan", matrix).n_segments_ == 2


def test_hdbscan_finds_groups_of_different_density_and_drops_too_small_ones():
    rng = np.random.default_rng(4)
    tight = rng.normal((0, 0), 0.2, size=(1000, 2))
    loose = rng.normal((6, 0), 1.5, size=(1000, 2))
    small = rng.normal((0, 6), 0.2, size=(60, 2))  # 2.9 % of the customers
    matrix = np.vstack([tight, loose, small])
    truth = np.repeat([0, 1, 2], [1000, 1000, 60])
    fitted = _fit("hdbscan", matrix)
    assert fitted.n_segments_ == 3
    assert _agreement_on_grouped(fitted.labels_, truth) > 0.99
    without_small = _fit("hdbscan", matrix, min_segment_share=0.05)
    assert without_small.n_segments_ == 2
    assert np.all(without_small.labels_[-60:] == UNUSUAL)
    with pytest.raises(SettingsError, match="smallest segment"):
        _fit("hdbscan", matrix, min_segment_share=0)


def test_the_distance_curve_of_a_large_table_is_the_grouped_samples(monkeypatch):
    monkeypatch.setattr(density, "SAMPLE_ROWS", 800)
    matrix, _ = _moons_with_scattered_customers(4000, 200)
    curve = distance_curve(matrix, seed=3)
    assert _fit("dbscan", matrix, seed=3).to_dict()["reach"] == curve.chosen_distance


def test_kinds_of_customer_each_repeated_many_times_are_each_a_dense_group():
    matrix = np.repeat(np.array([[0.0, 0.0], [1.0, 1.0], [5.0, 5.0]]), 50, axis=0)
    fitted = _fit("dbscan", matrix)
    assert fitted.n_segments_ == 3
    assert fitted.unusual_ == 0
    assert fitted.to_dict()["reach"] == pytest.approx(np.sqrt(2) / 2)



@pytest.mark.parametrize("name", DENSITY_METHODS)
def test_customers_who_are_all_the_same_are_refused_in_plain_words(name):
    with pytest.raises(DataError, match="All customers have the same values"):
        _fit(name, np.zeros((50, 2)))
    with pytest.raises(DataError, match="All customers have the same values"):
        distance_curve(np.ones((50, 2)))


def test_more_segments_than_anyone_can_plan_for_are_found_with_a_plain_warning():
    """As DBSCAN's automatic distance on CDNOW_master.txt's order lines: clumps of identical orders."""
    rng = np.random.default_rng(1)
    clumps = rng.uniform(0, 100, size=(40, 2)).round()
    matrix = np.repeat(clumps, 25, axis=0)  # 40 clumps of 25 identical customers
    fitted = _fit("dbscan", matrix)
    assert fitted.n_segments_ > MAX_K
    assert any(f"{fitted.n_segments_} segments are more than anyone can plan for" in note
               for note in fitted.notes_)
    assert not any("more than anyone can plan for" in note for note in _fit("dbscan", matrix[:250]).notes_)


def test_a_grouping_that_leaves_most_customers_in_no_group_says_so_and_what_fits_better():
    """As HDBSCAN does on CC GENERAL.csv (70 % unusual): the segments then describe only a minority."""
    rng = np.random.default_rng(0)
    two_dense_groups = [rng.normal(centre, 0.3, size=(400, 4)) for centre in (0.0, 3.0)]
    matrix = np.vstack([*two_dense_groups, rng.uniform(-4, 7, size=(3000, 4))])
    scattered = _fit("hdbscan", matrix)
    grouped = _fit("hdbscan", _moons_with_scattered_customers()[0])

    assert scattered.unusual_ / len(matrix) > density.MOSTLY_UNUSUAL_SHARE
    assert any("belong to no group" in note and "k-means or a Gaussian mixture" in note
               for note in scattered.notes_)
    assert not any("belong to no group" in note for note in grouped.notes_)
