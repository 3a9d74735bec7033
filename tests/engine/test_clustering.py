"""The clustering engine: stable segment numbering, quality against scikit-learn, the k sweep's
progress/cancel/on_score hooks, the suggested k, and the errors users see for bad settings or data."""

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score

from core import clustering
from core.clustering import (
    _ALL_CUSTOMERS_CELLS,
    MAX_K,
    START_SAMPLE_ROWS,
    KMeansSegmenter,
    KScore,
    KSweep,
    suggest_k,
    sweep_k,
)
from core.errors import DataError, OperationCancelled, SettingsError


def blobs(sizes, centres, spread, seed):
    rng = np.random.default_rng(seed)
    centres = np.asarray(centres, dtype=float)
    parts = [centre + rng.normal(scale=spread, size=(size, len(centre))) for size, centre in zip(
        sizes, centres, strict=True)]
    return rng.permutation(np.vstack(parts))


@pytest.fixture(scope="module")
def four_groups():
    """2-D, four well-separated groups of different sizes."""
    return blobs([160, 120, 80, 40], [[0, 0], [10, 0], [0, 10], [10, 10]], 1.0, seed=1)


@pytest.fixture(scope="module")
def overlapping_groups():
    """5-D, six overlapping groups: many local optima for k-means."""
    rng = np.random.default_rng(2)
    return blobs([300, 250, 200, 150, 60, 40], rng.normal(scale=3.0, size=(6, 5)), 1.5, seed=3)


@pytest.fixture(scope="module")
def large_data():
    """Large enough for the starts to run on a sample and be refined on all rows."""
    centres = [[0, 0, 0], [8, 0, 0], [0, 8, 0], [0, 0, 8]]
    data = blobs([40_000, 30_000, 20_000, 10_000], centres, 1.5, seed=5)
    assert len(data) > START_SAMPLE_ROWS
    assert data.size > _ALL_CUSTOMERS_CELLS
    return data


class CancelAfter:
    """A cancel check that says "stop" from its (calls_allowed + 1)-th call on, and counts calls."""

    def __init__(self, calls_allowed):
        self.calls_allowed = calls_allowed
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return self.calls > self.calls_allowed


# --- KMeansSegmenter ------------------------------------------------------------------------------


def test_segments_are_numbered_largest_first_with_matching_centres(four_groups):
    segmenter = KMeansSegmenter(4).fit(four_groups)
    assert segmenter.sizes_.tolist() == [160, 120, 80, 40]
    assert np.bincount(segmenter.labels_).tolist() == [160, 120, 80, 40]
    np.testing.assert_allclose(segmenter.cluster_centers_, [[0, 0], [10, 0], [0, 10], [10, 10]], atol=0.3)
    for segment in range(4):
        np.testing.assert_allclose(
            four_groups[segmenter.labels_ == segment].mean(axis=0), segmenter.cluster_centers_[segment]
        )
    residuals = four_groups - segmenter.cluster_centers_[segmenter.labels_]
    assert segmenter.inertia_ == pytest.approx((residuals**2).sum())


def test_equal_sizes_are_ordered_by_centroid_coordinates():
    data = blobs([50, 50, 50], [[5, 0], [-5, 3], [-5, -3]], 0.5, seed=6)
    segmenter = KMeansSegmenter(3).fit(data)
    np.testing.assert_allclose(segmenter.cluster_centers_, [[-5, -3], [-5, 3], [5, 0]], atol=0.3)


def test_another_seed_finding_the_same_groups_gives_the_same_numbering(four_groups, overlapping_groups):
    for data, k in ((four_groups, 4), (overlapping_groups, 3)):
        reference = KMeansSegmenter(k).fit(data).labels_
        for seed in (0, 1, 99):
            np.testing.assert_array_equal(KMeansSegmenter(k, seed=seed).fit(data).labels_, reference)


def test_same_seed_gives_identical_results(overlapping_groups):
    first = KMeansSegmenter(7, seed=5).fit(overlapping_groups)
    second = KMeansSegmenter(7, seed=5).fit(overlapping_groups)
    np.testing.assert_array_equal(first.labels_, second.labels_)
    np.testing.assert_array_equal(first.cluster_centers_, second.cluster_centers_)


def test_predict_assigns_the_nearest_centre_in_the_same_numbering(four_groups):
    segmenter = KMeansSegmenter(4).fit(four_groups)
    np.testing.assert_array_equal(segmenter.predict(four_groups), segmenter.labels_)
    new_customers = segmenter.cluster_centers_[[3, 0, 2]] + 0.1
    assert segmenter.predict(new_customers).tolist() == [3, 0, 2]


def test_predict_rejects_a_different_number_of_columns(four_groups):
    segmenter = KMeansSegmenter(2).fit(four_groups)
    with pytest.raises(DataError, match="3 prepared columns but the segments were built from 2"):
        segmenter.predict(np.zeros((4, 3)))


@pytest.mark.parametrize("data_name", ["four_groups", "overlapping_groups"])
def test_every_k_is_as_tight_as_scikit_learn_with_ten_starts(request, data_name):
    data = request.getfixturevalue(data_name)
    for k in range(1, 9):
        ours = KMeansSegmenter(k).fit(data).inertia_
        theirs = KMeans(k, n_init=10, random_state=0).fit(data).inertia_
        assert ours <= theirs * 1.005, f"k={k}: {ours} vs {theirs}"


def test_large_data_keeps_scikit_learn_quality(large_data):
    for k in (4, 6):
        segmenter = KMeansSegmenter(k).fit(large_data)
        theirs = KMeans(k, n_init=10, random_state=0).fit(large_data).inertia_
        assert segmenter.inertia_ <= theirs * 1.005, f"k={k}"
        residuals = large_data - segmenter.cluster_centers_[segmenter.labels_]
        assert segmenter.inertia_ == pytest.approx((residuals**2).sum(), rel=1e-9)
        assert segmenter.sizes_.sum() == len(large_data)
        assert list(segmenter.sizes_) == sorted(segmenter.sizes_, reverse=True)


@pytest.fixture(scope="module")
def larger_data():
    """Large enough for the finalists to be compared on a screening sample before the refinement."""
    from core.clustering import SCREEN_ROWS

    data = blobs([100_000, 75_000, 50_000, 25_000], [[0, 0, 0], [8, 0, 0], [0, 8, 0], [0, 0, 8]], 1.5, seed=6)
    assert len(data) > 2 * SCREEN_ROWS
    return data


@pytest.mark.parametrize("table", ["large_data", "larger_data"])
def test_the_full_data_decide_between_solutions_the_sample_ranks_wrongly(request, table, monkeypatch):
    """On a large table the sample only proposes: of two start solutions, the one the sample ranks
    second is kept when it is better on all customers (on a table above twice the screening sample,
    the screening sample compares them first)."""
    import core.clustering as clustering

    large_data = request.getfixturevalue(table)

    # Two different local optima for 6 segments of the four groups (single starts end in several).
    fits = sorted((KMeans(6, n_init=1, random_state=state).fit(large_data) for state in range(12)),
                  key=lambda model: model.inertia_)
    better, worse = fits[0], fits[-1]
    assert worse.inertia_ > 1.01 * better.inertia_
    sample_says = [  # the sample's (wrong) ranking: the poorer solution first
        clustering._Solution(worse.cluster_centers_, 1.0),
        clustering._Solution(better.cluster_centers_, 2.0),
    ]
    monkeypatch.setattr(clustering, "_starts", lambda *args, **kwargs: sample_says)
    segmenter = KMeansSegmenter(6).fit(large_data)
    assert segmenter.inertia_ <= better.inertia_ * (1 + 1e-9)


@pytest.mark.parametrize("seed", [31, 41, 42, 55])
def test_a_small_group_far_from_the_rest_is_found_on_a_large_table(seed):
    """10 customers of 200,000, far from the others (their own segment is the best 3-segment answer): a
    uniform sample for the starts would hold none of them more often than not; the weighted sample
    draws hundreds, and the swap start moves a centre to them even when no random start reaches them
    (none of 50 did for some of these seeds), so the segment is found."""
    rng = np.random.default_rng(8)
    data = blobs([100_000, 100_000], [[0, 0, 0], [6, 0, 0]], 1.0, seed=9)
    far_away = np.array([60.0, -60, 60])
    data[rng.choice(len(data), 10, replace=False)] = rng.normal(scale=0.3, size=(10, 3)) + far_away
    segmenter = KMeansSegmenter(3, seed=seed).fit(data)
    assert segmenter.sizes_[-1] == 10
    np.testing.assert_allclose(segmenter.cluster_centers_[-1], [60, -60, 60], atol=0.3)


def test_a_start_centre_no_customer_is_nearest_to_is_moved_not_left_empty(large_data):
    """A refinement from centres one of which is far from every customer relocates that centre (as
    scikit-learn's KMeans does) instead of stopping with an empty segment."""
    from core.clustering import _refine

    start = np.array([[0.0, 0, 0], [8, 0, 0], [0, 8, 0], [1000, 1000, 1000]])
    refined = _refine(large_data, start, cancel=None)
    assert np.bincount(refined.labels, minlength=4).min() > 0
    assert np.abs(refined.centres).max() < 20


def test_the_distinct_customer_count_treats_minus_zero_as_zero():
    from core.clustering import _distinct_rows

    rows = np.array([[0.0, 1.0], [-0.0, 1.0], [0.0, 2.0], [3.0, 1.0], [3.0, 1.0]])
    assert _distinct_rows(rows) == 3
    assert _distinct_rows(rows[:1]) == 1


@pytest.fixture(scope="module")
def repeated_customers():
    """Order lines of a shop selling whole units at a few prices: 30,000 rows, about 600 distinct."""
    rng = np.random.default_rng(11)
    units = rng.geometric(0.3, size=30_000).clip(max=40)
    prices = rng.choice([4.99, 9.99, 14.99, 19.99, 49.99], size=30_000, p=[0.4, 0.3, 0.15, 0.1, 0.05])
    return np.column_stack([units, units * prices]).astype(float)


def test_repeated_customers_are_segmented_as_well_as_by_scikit_learn_each_with_its_twins(
    repeated_customers,
):
    """The starts run on the distinct customers, each weighted by how many share its values (a table
    where at most half differ): the same problem, so the segments of every customer, and their WCSS,
    are as on the whole table."""
    from core.clustering import _draw

    sample = _draw(repeated_customers, np.random.default_rng(0)).sample
    assert len(sample.points) == len(np.unique(repeated_customers, axis=0)) < len(repeated_customers) / 2
    assert sample.weights.sum() == len(repeated_customers)
    for k in (3, 6):
        fitted = KMeansSegmenter(k).fit(repeated_customers)
        assert len(fitted.labels_) == len(repeated_customers)
        _, first_of_kind, kind = np.unique(repeated_customers, axis=0, return_index=True, return_inverse=True)
        assert (fitted.labels_ == fitted.labels_[first_of_kind][kind]).all()
        residuals = repeated_customers - fitted.cluster_centers_[fitted.labels_]
        assert fitted.inertia_ == pytest.approx(np.einsum("ij,ij->", residuals, residuals), rel=1e-9)
        reference = KMeans(k, n_init=10, random_state=0).fit(repeated_customers).inertia_
        assert fitted.inertia_ <= reference * 1.005


def test_a_large_table_of_scores_is_segmented_on_its_distinct_customers():
    """60,000 customers' five scores from 1 to 5 (300,000 values, above the size whose starts run on all
    customers) are 2,226 kinds of customer: the starts run on those, weighted, instead of on a sample,
    and every customer is in its twins' segment."""
    from core.clustering import _draw

    rng = np.random.default_rng(12)
    liking = rng.normal(size=60_000)
    scores = np.column_stack([
        np.clip(np.round(3 + 1.2 * (0.7 * liking + 0.7 * rng.normal(size=60_000))), 1, 5) for _ in range(5)
    ])
    kinds, first_of_kind, kind, counts = np.unique(
        scores, axis=0, return_index=True, return_inverse=True, return_counts=True
    )
    assert scores.size > _ALL_CUSTOMERS_CELLS
    assert len(scores) > START_SAMPLE_ROWS
    sample = _draw(scores, np.random.default_rng(0)).sample
    assert sample.is_everyone
    assert len(sample.points) == len(kinds)
    assert sample.weights.sum() == len(scores)
    labels_by_k = {}
    sweep = sweep_k(scores, 2, 6, on_labels=labels_by_k.__setitem__)
    for score in sweep.scores:
        labels = labels_by_k[score.k]
        assert (labels == labels[first_of_kind][kind]).all()
        reference = KMeans(score.k, n_init=10, random_state=0).fit(kinds, sample_weight=counts).inertia_
        assert score.wcss <= reference * 1.005


def test_fit_does_not_change_the_callers_matrix(four_groups, large_data):
    for data in (four_groups, large_data):
        before = data.copy()
        KMeansSegmenter(3).fit(data)
        np.testing.assert_array_equal(data, before)


def test_fit_reports_increasing_progress_up_to_done(four_groups):
    calls = []
    KMeansSegmenter(3).fit(four_groups, progress=lambda fraction, message: calls.append((fraction, message)))
    fractions = [fraction for fraction, _ in calls]
    assert fractions == sorted(fractions)
    assert calls[-1] == (1.0, "Found 3 segments")


def test_cancel_stops_a_fit_between_starts(large_data):
    cancel = CancelAfter(3)
    with pytest.raises(OperationCancelled):
        KMeansSegmenter(5).fit(large_data, cancel=cancel)
    assert cancel.calls == 4  # checked before every start, and nothing more ran after "stop"


@pytest.mark.parametrize(
    ("k", "message"),
    [
        (0, "number of segments must be a whole number of at least 1; got 0"),
        (2.5, "got 2.5"),
        (True, "got True"),
    ],
)
def test_bad_number_of_segments_is_a_settings_error(four_groups, k, message):
    with pytest.raises(SettingsError, match=message):
        KMeansSegmenter(k).fit(four_groups)


def test_bad_number_of_starts_is_a_settings_error(four_groups):
    with pytest.raises(SettingsError, match=r"number of starts \(n_init\)"):
        KMeansSegmenter(2, n_init=0).fit(four_groups)


def test_more_segments_than_distinct_customers_is_refused():
    data = np.repeat(np.arange(10.0).reshape(5, 2), 3, axis=0)
    with pytest.raises(
        SettingsError,
        match=r"You asked for 8 segments but only 5 customers differ from each other; choose at most 5\.",
    ):
        KMeansSegmenter(8).fit(data)
    assert KMeansSegmenter(5).fit(data).sizes_.tolist() == [3, 3, 3, 3, 3]


def test_customers_too_close_for_k_means_to_tell_apart_count_as_one():
    """0 and 1 beside 28,080,031 differ by less than k-means can resolve in float64 (found by the
    command line's fuzz test: scikit-learn found two segments when asked for three, and warned)."""
    data = np.array([[0.0], [1.0], [28_080_031.0]])
    with pytest.raises(SettingsError, match="only 2 customers differ from each other; choose at most 2"):
        KMeansSegmenter(3).fit(data)
    assert KMeansSegmenter(2).fit(data).sizes_.tolist() == [2, 1]
    assert [score.k for score in sweep_k(data, 1, 3).scores] == [1, 2]


def test_rare_values_missing_from_the_start_sample_still_count():
    # Two distinct rows in 60,000, one of them only 3 times: a sample can miss it, the data cannot.
    data = np.zeros((60_000, 2))
    data[[10, 30_000, 59_999]] = 1.0
    segmenter = KMeansSegmenter(2).fit(data)
    assert segmenter.sizes_.tolist() == [59_997, 3]


@pytest.mark.parametrize(
    ("matrix", "message"),
    [
        (np.array([[1.0, np.nan], [2.0, 3.0]]), "1 missing or infinite values"),
        (np.array([[1.0, np.inf], [2.0, -np.inf]]), "2 missing or infinite values"),
        (np.arange(5.0), "1 dimension"),
        (np.empty((0, 2)), "0 customers"),
        (np.array([["a", "b"], ["c", "d"]], dtype=object), "not numbers"),
    ],
)
def test_bad_data_is_a_data_error(matrix, message):
    with pytest.raises(DataError, match=message):
        KMeansSegmenter(1).fit(matrix)


# --- sweep_k ----------------------------------------------------------------------------------------


def test_sweep_scores_every_k_with_separation_from_k_2(four_groups):
    sweep = sweep_k(four_groups, 1, 6)
    assert [score.k for score in sweep.scores] == [1, 2, 3, 4, 5, 6]
    first, *rest = sweep.scores
    assert first.silhouette is None
    assert all(score.silhouette is not None for score in rest)
    wcss = [score.wcss for score in sweep.scores]
    assert wcss == sorted(wcss, reverse=True)
    assert sweep.suggested_k == 4
    assert sweep.reason.startswith("4 segments:")
    assert sweep.score_for(4) is sweep.scores[3]
    assert sweep.notes == ()


def test_sweep_silhouette_on_small_data_is_the_exact_one(four_groups):
    sweep = sweep_k(four_groups, 2, 4)
    labels = KMeansSegmenter(3).fit(four_groups).labels_
    assert sweep.score_for(3).silhouette == pytest.approx(silhouette_score(four_groups, labels), abs=1e-10)


def test_sweep_on_large_data_scores_every_k(large_data):
    sweep = sweep_k(large_data, 1, 6)
    assert sweep.suggested_k == 4
    assert sweep.scores[0].silhouette is None
    assert all(0.0 < score.silhouette <= 1.0 for score in sweep.scores[1:])


def test_sweep_reports_progress_once_per_k(four_groups):
    calls = []
    sweep_k(four_groups, 2, 5, progress=lambda fraction, message: calls.append((fraction, message)))
    assert calls == [
        (0.25, "Tried 1 of 4 segment counts"),
        (0.5, "Tried 2 of 4 segment counts"),
        (0.75, "Tried 3 of 4 segment counts"),
        (1.0, "Tried 4 of 4 segment counts"),
    ]


def test_sweep_hands_over_every_score_in_order_of_k(four_groups):
    received = []
    sweep = sweep_k(four_groups, 1, 5, on_score=received.append)
    assert tuple(received) == sweep.scores
    assert [score.k for score in received] == [1, 2, 3, 4, 5]


def test_cancel_stops_the_sweep_between_fits(four_groups):
    fitted = []
    with pytest.raises(OperationCancelled):
        sweep_k(four_groups, 1, 8, cancel=lambda: len(fitted) >= 2, on_labels=lambda k, _: fitted.append(k))
    assert fitted == [1, 2]


def test_a_slow_sweep_hands_each_score_over_while_the_next_k_is_fitted(four_groups, monkeypatch):
    # Every fit is slower than the hand-over interval: the elbow chart gets k's point before k + 2 is fitted.
    monkeypatch.setattr(clustering, "_HAND_OVER_SECONDS", 0.0)
    events = []
    sweep_k(four_groups, 1, 6, on_labels=lambda k, _: events.append(("fitted", k)),
            on_score=lambda score: events.append(("scored", score.k)))
    for k in range(1, 5):
        assert events.index(("scored", k)) < events.index(("fitted", k + 2))


def test_scores_handed_over_together_equal_those_handed_over_one_by_one(four_groups, monkeypatch):
    # A quick sweep scores all its k in one pass over the distances; not one digit may change.
    monkeypatch.setattr(clustering, "_HAND_OVER_SECONDS", 3600.0)
    together = sweep_k(four_groups, 1, 8)
    monkeypatch.setattr(clustering, "_HAND_OVER_SECONDS", 0.0)
    assert sweep_k(four_groups, 1, 8).scores == together.scores


def test_cancel_is_honoured_at_the_first_check_after_it_flips(four_groups):
    cancel = CancelAfter(5)
    with pytest.raises(OperationCancelled):
        sweep_k(four_groups, 1, 8, cancel=cancel)
    assert cancel.calls == 6


@pytest.mark.parametrize(
    ("k_min", "k_max", "message"),
    [
        (3, 3, r"smallest number of segments to try \(3\) must be below the largest \(3\)"),
        (5, 2, r"smallest number of segments to try \(5\) must be below the largest \(2\)"),
        (0, 5, "smallest number of segments must be a whole number of at least 1; got 0"),
        (1, MAX_K + 1, f"At most {MAX_K} segments can be tried; you asked for up to {MAX_K + 1}"),
    ],
)
def test_bad_sweep_range_is_a_settings_error(four_groups, k_min, k_max, message):
    with pytest.raises(SettingsError, match=message):
        sweep_k(four_groups, k_min, k_max)


def test_sweep_stops_at_the_number_of_distinct_customers_and_says_so():
    data = np.repeat(np.array([[0.0, 0.0], [0.0, 1.0], [5.0, 5.0], [9.0, 0.0]]), 5, axis=0)
    sweep = sweep_k(data, 1, 10)
    assert [score.k for score in sweep.scores] == [1, 2, 3, 4]
    assert sweep.notes == (
        "Only 4 customers differ from each other, so segment counts above 4 were not tried "
        "(you asked for up to 10).",
    )
    with pytest.raises(SettingsError, match="even the smallest number of segments to try \\(6\\)"):
        sweep_k(data, 6, 10)


def test_sweep_of_identical_customers_is_a_data_error():
    with pytest.raises(DataError, match="All customers have the same values"):
        sweep_k(np.ones((20, 3)), 1, 5)


def test_score_for_an_untried_k_is_a_settings_error(four_groups):
    sweep = sweep_k(four_groups, 2, 4)
    with pytest.raises(SettingsError, match="No result for 7 segments: the segment counts tried were 2 to 4"):
        sweep.score_for(7)


# --- suggest_k ---------------------------------------------------------------------------------------


def scores_from(wcss, silhouettes, k_min=1):
    return tuple(
        KScore(k_min + index, value, silhouette)
        for index, (value, silhouette) in enumerate(zip(wcss, silhouettes, strict=True))
    )


def test_overlapping_groups_get_the_knee_when_its_silhouette_holds_up():
    scores = scores_from([1000, 500, 200, 180, 170, 165], [None, 0.30, 0.42, 0.35, 0.33, 0.31])
    k, reason = suggest_k(scores)
    assert k == 3
    assert reason == (
        "3 segments: the curve bends at 3 (going from 2 to 3 segments makes the groups 60% tighter, one "
        "more only 10%), and 3 gives the clearest separation nearby (silhouette 0.42)."
    )


def test_a_clearly_better_silhouette_next_to_the_knee_wins():
    scores = scores_from([1000, 500, 200, 180, 170, 165], [None, 0.30, 0.30, 0.45, 0.35, 0.31])
    k, reason = suggest_k(scores)
    assert k == 4
    assert "the curve bends at 3 (going from 2 to 3 segments makes the groups 60% tighter" in reason
    assert "and 4 separates the groups more clearly (silhouette 0.45 against 0.30)" in reason


def test_a_better_silhouette_next_to_a_gradual_knee_wins():
    scores = scores_from([1000, 500, 200, 180, 170, 165], [None, 0.30, 0.40, 0.43, 0.35, 0.31])
    assert suggest_k(scores)[0] == 4


def test_a_barely_better_silhouette_next_to_the_knee_does_not_and_the_reason_says_so():
    scores = scores_from([1000, 500, 200, 180, 170, 165], [None, 0.30, 0.400, 0.405, 0.35, 0.31])
    k, reason = suggest_k(scores)
    assert k == 3
    assert "about as clearly separated as with 4 (silhouette 0.40 against 0.41)" in reason


def test_clearly_separated_groups_get_the_best_silhouette_even_past_the_knee():
    """Six groups of customers (the benchmark's data): the bend of the WCSS curve is at 4, but 6
    separates the groups clearly, and the reason gives the numbers beside it."""
    wcss = [3.00, 1.93, 1.28, 0.94, 0.67, 0.43, 0.37, 0.34, 0.32, 0.30]
    silhouettes = [None, 0.34, 0.41, 0.45, 0.50, 0.56, 0.50, 0.50, 0.47, 0.42]
    k, reason = suggest_k(scores_from(wcss, silhouettes))
    assert k == 6
    assert reason == (
        "6 segments: the customers fall into 6 clearly separated groups (silhouette 0.56, the highest "
        "of the numbers tried); one more segment makes them only 14% tighter."
    )


def test_clearly_separated_groups_at_the_largest_k_tried_are_suggested():
    """The knee can never be the last point of the curve; clearly separated groups can."""
    wcss = [800, 420, 250, 140, 70, 30, 12, 4]
    silhouettes = [None, 0.35, 0.40, 0.45, 0.52, 0.60, 0.68, 0.74]
    k, reason = suggest_k(scores_from(wcss, silhouettes))
    assert k == 8
    assert reason == (
        "8 segments: the customers fall into 8 clearly separated groups (silhouette 0.74, the highest "
        "of the numbers tried)."
    )


def test_a_better_but_weak_silhouette_far_from_the_knee_does_not_compete_and_is_named():
    scores = scores_from([1000, 500, 200, 180, 170, 165], [None, 0.30, 0.42, 0.35, 0.33, 0.45])
    k, reason = suggest_k(scores)
    assert k == 3
    assert reason.endswith("; 6 segments separate best, but still weakly (silhouette 0.45).")


def test_a_single_k_is_suggested_as_the_only_one_tried():
    assert suggest_k((KScore(4, 10.0, 0.3),)) == (
        4,
        "4 segments: it is the only number of segments that was tried.",
    )


def test_without_a_knee_the_best_silhouette_is_suggested():
    flat = scores_from([100.0, 100.0, 100.0, 100.0], [0.2, 0.45, 0.3, 0.1], k_min=2)
    k, reason = suggest_k(flat)
    assert k == 3
    assert "no clear bend" in reason
    two = scores_from([100.0, 60.0], [None, 0.4])
    assert suggest_k(two)[0] == 2


def test_without_a_knee_or_silhouette_the_smallest_k_is_kept():
    assert suggest_k(scores_from([5.0, 5.0, 5.0], [None, None, None]))[0] == 1


def test_scores_in_any_order_give_the_same_suggestion():
    scores = scores_from([1000, 500, 200, 180, 170, 165], [None, 0.30, 0.42, 0.35, 0.33, 0.31])
    assert suggest_k(tuple(reversed(scores))) == suggest_k(scores)


def test_the_sweep_result_type_is_what_the_suggestion_returns(four_groups):
    sweep = sweep_k(four_groups, 1, 6)
    assert isinstance(sweep, KSweep)
    assert (sweep.suggested_k, sweep.reason) == suggest_k(sweep.scores)


def separated_layout(groups: int, seed: int) -> np.ndarray:
    """`groups` round groups of random sizes (40 to 300 customers) in 2 to 5 columns, centres at random
    but at least 8 spreads apart: clearly separated, as a person looking at them would say."""
    rng = np.random.default_rng(seed)
    dimensions = int(rng.integers(2, 6))
    centres: list[np.ndarray] = []
    while len(centres) < groups:
        candidate = rng.uniform(-20, 20, size=dimensions)
        if all(np.linalg.norm(candidate - centre) >= 8 for centre in centres):
            centres.append(candidate)
    sizes = rng.integers(40, 301, size=groups)
    return blobs(sizes, centres, 1.0, seed=seed + 1000)


@pytest.mark.parametrize("groups", range(2, 10))
def test_the_suggestion_is_the_true_number_of_clearly_separated_groups(groups):
    """Three random layouts per number of groups, 2 to 9, tried with k from 1 to 10; and the largest k
    tried is reachable (k_max equal to the number of groups)."""
    for layout in range(3):
        data = separated_layout(groups, seed=100 * groups + layout)
        assert sweep_k(data, 1, 10).suggested_k == groups, f"layout {layout}"
    assert sweep_k(separated_layout(groups, seed=100 * groups + 7), 1, groups).suggested_k == groups


def test_a_sweep_of_a_large_table_reports_the_wcss_of_the_segments_it_found(larger_data):
    """Above REFINE_ROWS customers the sweep's WCSS comes from one pass over the customers (see
    _settle_on_everyone): it is the WCSS of the labels the sweep hands over, around their means."""
    from core.clustering import REFINE_ROWS

    assert len(larger_data) > REFINE_ROWS
    labels_by_k = {}
    sweep = sweep_k(larger_data, 2, 4, on_labels=labels_by_k.__setitem__)
    for score in sweep.scores:
        labels = labels_by_k[score.k]
        means = np.stack([larger_data[labels == segment].mean(axis=0) for segment in range(score.k)])
        residuals = larger_data - means[labels]
        assert score.wcss == pytest.approx(np.einsum("ij,ij->", residuals, residuals), rel=1e-9)
