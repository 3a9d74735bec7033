"""Gaussian mixture: slanted groups, probabilities per segment, and k suggested by BIC."""

import numpy as np
import pytest

from core.clustering import KMeansSegmenter
from core.comparison import compare_segmentations
from core.errors import OperationCancelled
from core.methods import gmm
from core.methods.gmm import GaussianMixtureSegmenter, MixtureScore, suggest_mixture_k, sweep_mixtures


def _slanted_groups(rows_per_group: int, groups: int = 2, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Long groups lying side by side along the diagonal: 9 times longer than wide, 4 widths apart."""
    rng = np.random.default_rng(seed)
    slanted = np.array([[4.0, 3.8], [3.8, 4.0]])
    parts = [
        rng.multivariate_normal([3.0 * group, -3.0 * group], slanted, rows_per_group)
        for group in range(groups)
    ]
    return np.vstack(parts), np.repeat(np.arange(groups), rows_per_group)


def _agreement(labels: np.ndarray, truth: np.ndarray) -> float:
    names = [f"{number}" for number in range(max(labels.max(), truth.max()) + 1)]
    return compare_segmentations(labels, truth, names, names).agreement


def test_the_mixture_recovers_slanted_groups_that_k_means_cuts_across():
    matrix, truth = _slanted_groups(500)
    mixture = GaussianMixtureSegmenter(2, seed=0).fit(matrix)
    k_means = KMeansSegmenter(2).fit(matrix)
    assert _agreement(mixture.labels_, truth) > 0.99
    assert _agreement(k_means.labels_, truth) < 0.7


def test_every_customer_gets_a_probability_per_segment_and_the_most_likely_segment():
    matrix, _ = _slanted_groups(200, groups=3)
    fitted = GaussianMixtureSegmenter(3, seed=1).fit(matrix)
    probabilities = fitted.predict_proba(matrix)
    assert probabilities.shape == (len(matrix), 3)
    assert np.allclose(probabilities.sum(axis=1), 1.0)
    assert np.array_equal(np.argmax(probabilities, axis=1), fitted.labels_)
    sizes = np.bincount(fitted.labels_)
    assert list(sizes) == sorted(sizes, reverse=True)
    restored = gmm.GMM.from_dict(fitted.to_dict())
    assert np.allclose(restored.predict_proba(matrix), probabilities)
    assert np.array_equal(restored.predict(matrix), fitted.labels_)


def test_same_seed_same_segments_and_another_seed_still_finds_the_groups():
    matrix, truth = _slanted_groups(300, groups=3)
    first = GaussianMixtureSegmenter(3, seed=5).fit(matrix)
    assert np.array_equal(GaussianMixtureSegmenter(3, seed=5).fit(matrix).labels_, first.labels_)
    assert _agreement(GaussianMixtureSegmenter(3, seed=6).fit(matrix).labels_, truth) > 0.99


def test_the_sweep_suggests_the_number_of_groups_with_the_bic_beside_it():
    matrix, _ = _slanted_groups(300, groups=3)
    labels_by_k = {}
    sweep = sweep_mixtures(matrix, 1, 5, seed=0, on_labels=labels_by_k.__setitem__)
    assert np.array_equal(labels_by_k[3], GaussianMixtureSegmenter(3, seed=0).fit(matrix).labels_)
    assert [score.k for score in sweep.scores] == [1, 2, 3, 4, 5]
    assert sweep.suggested_k == 3
    best = min(sweep.scores, key=lambda score: score.bic)
    assert sweep.reason.startswith("3 segments:")
    assert f"{best.bic:,.0f}" in sweep.reason


def test_the_reason_says_when_another_number_fits_about_as_well_or_more_might_fit_better():
    close = (MixtureScore(2, 1000.0), MixtureScore(3, 950.0), MixtureScore(4, 955.0))
    k, reason = suggest_mixture_k(close)
    assert k == 3
    assert "4 segments fit about as well (955)" in reason
    falling = (MixtureScore(2, 1000.0), MixtureScore(3, 900.0), MixtureScore(4, 800.0))
    k, reason = suggest_mixture_k(falling)
    assert k == 4
    assert "next best, 3 segments, scores 900" in reason
    assert "still falling" in reason


def test_a_large_table_is_fitted_on_a_sample_and_everyone_gets_a_segment(monkeypatch):
    monkeypatch.setattr(gmm, "FIT_SAMPLE_ROWS", 400)
    matrix, truth = _slanted_groups(1500)
    fitted = GaussianMixtureSegmenter(2, seed=0).fit(matrix)
    assert fitted.fitted_on_ == 400
    assert len(fitted.labels_) == len(matrix)
    assert "400 of your 3,000 customers" in fitted.notes_[0]
    assert _agreement(fitted.labels_, truth) > 0.99


def test_the_sweeps_mixture_of_each_k_gives_that_ks_segments_without_fitting_again(monkeypatch):
    """The analysis takes the chosen k's segments from the sweep's mixture (`Method.assign_saved`), as for
    k-means: the BIC beside k in the chart is then the segments' own, and a second fit is not paid for."""
    monkeypatch.setattr(gmm, "FIT_SAMPLE_ROWS", 500)  # the sweep's sample note must come through too
    matrix, _ = _slanted_groups(300, groups=3)
    sweep = sweep_mixtures(matrix, 2, 4)
    fitted = {k: GaussianMixtureSegmenter(k).fit(matrix) for k in (2, 3, 4)}

    def fit_again(*args, **kwargs):
        raise AssertionError("the mixture was fitted again")

    monkeypatch.setattr(GaussianMixtureSegmenter, "fit", fit_again)
    for score in sweep.scores:
        assigned = gmm.GMM.assign_saved(sweep.fitted[score.k], matrix)
        np.testing.assert_array_equal(assigned.labels_, fitted[score.k].labels_)
        assert assigned.bic_ == score.bic == fitted[score.k].bic_
        assert assigned.notes_ == fitted[score.k].notes_
        assert "500 of your 900 customers" in assigned.notes_[0]
        # What a project saves gives the same segments back.
        again = gmm.GMM.assign_saved(assigned.to_dict(), matrix)
        np.testing.assert_array_equal(again.labels_, assigned.labels_)
        assert again.notes_ == assigned.notes_


def test_cancel_stops_the_fit_between_starts():
    matrix, _ = _slanted_groups(200)
    calls = []

    def cancel() -> bool:
        calls.append(1)
        return len(calls) > 2

    with pytest.raises(OperationCancelled):
        GaussianMixtureSegmenter(2).fit(matrix, cancel=cancel)
    assert len(calls) == 3  # stopped after the second start, not at the end


def test_a_column_constant_within_segments_beside_unscaled_amounts_is_handled():
    """A 0/1 column that is constant within each group, beside incomes in the tens of thousands: each
    segment's spread is nearly flat in one direction (scipy's normal density refused it as singular)."""
    rng = np.random.default_rng(7)
    incomes = np.concatenate([rng.normal(30_000, 5_000, 300), rng.normal(90_000, 8_000, 300)])
    member = np.repeat([0.0, 1.0], 300)
    matrix = np.column_stack([incomes, member])
    fitted = GaussianMixtureSegmenter(2, seed=0).fit(matrix)
    assert sorted(np.bincount(fitted.labels_)) == [300, 300]
    assert np.array_equal(gmm.GMM.from_dict(fitted.to_dict()).predict(matrix), fitted.labels_)


def test_groups_no_customer_is_most_likely_in_are_left_out_and_the_user_is_told():
    matrix = np.repeat(np.array([[0.0, 0.0], [1.0, 1.0], [5.0, 5.0]]), 100, axis=0)  # 3 kinds of customer
    fitted = GaussianMixtureSegmenter(5, seed=0).fit(matrix)
    assert fitted.n_segments_ == 3
    assert list(np.bincount(fitted.labels_)) == [100, 100, 100]
    assert fitted.predict_proba(matrix).shape == (300, 3)
    assert "You asked for 5 segments" in fitted.notes_[-1]
    assert "there are 3 segments" in fitted.notes_[-1]
