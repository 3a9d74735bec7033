"""Segment stability (clusterboot): real groups come back, invented ones do not, numbers repeat."""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pytest

from core.clustering import KMeansSegmenter, KScore, suggest_k, sweep_k
from core.errors import DataError, OperationCancelled
from core.methods import METHODS, UNUSUAL, Method
from core.methods.gmm import MixtureScore, suggest_mixture_k
from core.pipeline import AnalysisSettings, run_analysis
from core.stability import (
    RESAMPLE_ROWS,
    STABILITY_COLUMN,
    STABILITY_LABEL_COLUMN,
    STABLE_AT,
    SWEEP_RESAMPLES,
    SegmentStability,
    StabilityLevel,
    StabilityResult,
    segment_stability,
    stability_by_k,
    suggest_k_with_stability,
    with_stability,
)
from tests.engine.test_clustering import blobs, separated_layout

# Fewer than Hennig's 50 to keep the tests quick; the readings are as clear with 20 on these layouts.
RESAMPLES = 20


@pytest.fixture(scope="module")
def four_groups():
    """Four round groups 10 spreads apart (and a fifth of the customers in the smallest)."""
    return blobs([200, 150, 120, 80], [[0, 0], [10, 0], [0, 10], [10, 10]], 1.0, seed=5)


def own_labels(method: Method, matrix: np.ndarray, k: int | None) -> np.ndarray:
    return method.make(k, 42, dict(method.options)).fit(matrix).labels_


@pytest.mark.parametrize("method", METHODS.values(), ids=lambda method: method.name)
def test_well_separated_groups_at_their_true_number_are_all_highly_stable(four_groups, method):
    k = 4 if method.takes_k else None
    labels = own_labels(method, four_groups, k)

    result = segment_stability(four_groups, labels, method, k, resamples=RESAMPLES)

    real = [segment for segment in result.segments if segment.label != UNUSUAL]
    assert len(real) == 4
    for segment in real:
        assert segment.level is StabilityLevel.HIGHLY_STABLE, segment
        assert segment.dissolved == 0.0
        assert segment.explanation == (
            f"Highly stable: found again in {RESAMPLES} of {RESAMPLES} reshuffles of your customers"
        )


@pytest.mark.parametrize(
    "method", [method for method in METHODS.values() if method.takes_k], ids=lambda method: method.name
)
def test_more_segments_than_there_are_groups_gives_unstable_segments(method):
    """Two round groups in five columns cut into six: where the cuts fall changes from one reshuffle to
    the next. (Round groups in two columns are cut in much the same pie slices every time, stable
    enough to pass for segments: Hennig's caveat that stability is necessary, not sufficient.)"""
    two_groups = blobs([300, 300], [[0] * 5, [12] + [0] * 4], 1.0, seed=6)
    assert segment_stability(
        two_groups, own_labels(method, two_groups, 2), method, 2, resamples=RESAMPLES
    ).all_at_least_stable

    result = segment_stability(two_groups, own_labels(method, two_groups, 6), method, 6, resamples=RESAMPLES)

    assert result.smallest < STABLE_AT
    assert not result.all_at_least_stable
    assert any(segment.dissolved > 0 for segment in result.segments)
    assert "found again in only" in result.least_stable.explanation


def test_the_same_seed_gives_the_same_numbers_and_another_seed_others():
    data = blobs([300, 300], [[0, 0], [12, 0]], 1.0, seed=6)
    labels = KMeansSegmenter(5).fit(data).labels_

    first = segment_stability(data, labels, "kmeans", 5, seed=3, resamples=10)
    again = segment_stability(data, labels, "kmeans", 5, seed=3, resamples=10)
    other = segment_stability(data, labels, "kmeans", 5, seed=4, resamples=10)

    assert first == again
    assert [segment.jaccard for segment in first.segments] != [segment.jaccard for segment in other.segments]


@dataclass
class Recorder:
    """A Method whose segments are cut at fixed values of the first column (so the tests know the
    answer), customers beyond `unusual_above` marked UNUSUAL; it records the rows of every fit."""

    cuts: tuple[float, ...]
    unusual_above: float = np.inf
    fitted_rows: list[int] = field(default_factory=list)

    def method(self) -> Method:
        return Method(
            name="cuts", title="cuts", when_to_use="tests", takes_k=True, has_centres=False,
            make=lambda k, seed, options: self, from_dict=lambda data: self,
        )

    def fit(self, matrix, *, progress=None, cancel=None):
        self.fitted_rows.append(len(matrix))
        self.labels_ = self.labels_of(matrix)
        return self

    def labels_of(self, matrix):
        values = np.asarray(matrix)[:, 0]
        labels = np.searchsorted(np.asarray(self.cuts), values).astype(np.int64)
        labels[values > self.unusual_above] = UNUSUAL
        return labels


def test_jaccard_is_counted_on_the_customers_of_each_resample():
    """The original segments are values 0-3 and 4-9 of the first column; the refit always cuts between
    4 and 5, so segment 0 is found again as 0-4 (Jaccard 4/5) and segment 1 as 5-9 (5/6)."""
    data = np.repeat(np.arange(10.0), 100)[:, None]  # 100 customers at each value 0..9
    original = np.searchsorted([3.5], data[:, 0]).astype(np.int64)
    refit = Recorder(cuts=(4.5,))

    result = segment_stability(data, original, refit.method(), 2, resamples=5)

    assert result.of(0).jaccard == pytest.approx(4 / 5, abs=0.02)
    assert result.of(1).jaccard == pytest.approx(5 / 6, abs=0.02)
    assert result.of(0).dissolved == result.of(1).dissolved == 0.0


def unusual_layout() -> tuple[np.ndarray, np.ndarray]:
    """Values 0-8 (50 customers each) and 9 (150): segments 0-4 and 5-8, the 9s unusual."""
    data = np.repeat(np.arange(10.0), [50] * 9 + [150])[:, None]
    original = np.searchsorted([4.5], data[:, 0]).astype(np.int64)
    original[data[:, 0] > 8.5] = UNUSUAL
    return data, original


def test_unusual_customers_are_a_group_of_their_own_matched_with_the_unusual_ones():
    data, original = unusual_layout()
    # The refit calls the 8s unusual too: segment 1 keeps 5-7 (3/4 of 5-8), the unusual group gains the
    # 8s (150 of 200), and no real segment is compared with the unusual customers.
    refit = Recorder(cuts=(4.5,), unusual_above=7.5)

    result = segment_stability(data, original, refit.method(), 2, resamples=5)

    assert [segment.label for segment in result.segments] == [UNUSUAL, 0, 1]
    assert result.of(UNUSUAL).jaccard == pytest.approx(3 / 4, abs=0.03)
    assert result.of(1).jaccard == pytest.approx(3 / 4, abs=0.03)
    assert result.of(0).jaccard == 1.0
    assert result.smallest == result.of(1).jaccard  # the unusual customers are not a segment to doubt
    # Their line says what their number means, without a reading that would sound like a segment's.
    assert result.of(UNUSUAL).explanation == (
        "Not a group: when your customers are reshuffled, those set apart as unusual are about "
        f"{result.of(UNUSUAL).jaccard:.0%} the same customers"
    )
    assert result.of(1).explanation.startswith(f"{result.of(1).level.capitalize()}: found")


def test_a_segment_whose_customers_all_turn_unusual_has_dissolved():
    data, original = unusual_layout()
    refit = Recorder(cuts=(4.5,), unusual_above=4.5)  # 5-9 all unusual

    result = segment_stability(data, original, refit.method(), 2, resamples=5)

    assert result.of(1).jaccard == 0.0
    assert result.of(1).dissolved == 1.0
    assert result.of(1).level is StabilityLevel.NOT_TRUSTED


def test_a_large_table_is_resampled_from_a_sample_of_the_documented_size():
    data = np.linspace(0, 1, 3 * RESAMPLE_ROWS)[:, None]
    original = (data[:, 0] > 0.5).astype(np.int64)
    refit = Recorder(cuts=(0.5,))

    result = segment_stability(data, original, refit.method(), 2, resamples=4)

    assert result.drawn == RESAMPLE_ROWS
    # Drawn with replacement, duplicates removed: fewer distinct customers than draws, never more.
    assert all(0.5 * RESAMPLE_ROWS < rows < RESAMPLE_ROWS for rows in refit.fitted_rows)
    assert result.of(0).jaccard == result.of(1).jaccard == 1.0


def test_progress_moves_with_every_resample_and_cancel_stops_between_them(four_groups):
    labels = KMeansSegmenter(4).fit(four_groups).labels_
    seen = []
    segment_stability(four_groups, labels, "kmeans", 4, resamples=4, progress=lambda f, m: seen.append(f))
    assert seen == [0.25, 0.5, 0.75, 1.0]

    refit = Recorder(cuts=(5.0,))
    checks = iter([False, False, True])
    with pytest.raises(OperationCancelled):
        segment_stability(
            four_groups, labels, refit.method(), 4, resamples=10, cancel=lambda: next(checks, True)
        )
    assert len(refit.fitted_rows) == 2


def test_labels_of_other_customers_are_a_data_error(four_groups):
    with pytest.raises(DataError, match="do not belong"):
        segment_stability(four_groups, np.zeros(3, dtype=np.int64), "kmeans", 4)


@pytest.mark.parametrize(
    ("jaccard", "level"),
    [(0.9, "highly stable"), (0.85, "highly stable"), (0.8, "stable"), (0.7, "doubtful"),
     (0.59, "not to be trusted")],
)
def test_hennigs_readings(jaccard, level):
    assert str(StabilityLevel.of(jaccard)) == level


def test_stability_by_k_reuses_the_labels_it_is_given_and_fits_the_others(four_groups):
    refit = Recorder(cuts=(5.0,))
    known = {2: (four_groups[:, 0] > 5).astype(np.int64)}

    results = stability_by_k(four_groups, [2, 3], refit.method(), labels_by_k=known, resamples=2)

    assert set(results) == {2, 3}
    # 2 resamples for each k, and one fit of all customers for k = 3 only.
    assert sorted(refit.fitted_rows).count(len(four_groups)) == 1
    assert results[2].smallest == 1.0


# -- the suggestion that uses stability --------------------------------------------------------------


def checked(k: int, *jaccards: float, resamples: int = 20) -> StabilityResult:
    segments = tuple(
        SegmentStability(label, value, 0.0 if value > 0.5 else 1.0, resamples, resamples)
        for label, value in enumerate(jaccards)
    )
    return StabilityResult("kmeans", k, segments, resamples, 100, 42)


# An overlapping layout: the knee is 4, whose silhouette (0.40) is the best near it by more than 0.01.
SCORES = (
    KScore(1, 1000.0), KScore(2, 700.0, 0.30), KScore(3, 450.0, 0.36), KScore(4, 300.0, 0.40),
    KScore(5, 260.0, 0.38), KScore(6, 230.0, 0.33),
)


def test_the_usual_suggestion_is_kept_when_its_segments_are_stable_and_the_reason_says_so():
    usual, reason = suggest_k(SCORES)
    stability = {3: checked(3, 0.9, 0.9, 0.9), 4: checked(4, 0.9, 0.8, 0.76, 0.95), 5: checked(5, 0.9, 0.6)}

    k, with_stability_reason = suggest_k_with_stability(SCORES, stability)

    assert (k, usual) == (4, 4)
    assert with_stability_reason.startswith(reason[:-1])
    assert "every segment is stable when the customers are reshuffled" in with_stability_reason


def test_a_stable_k_with_a_slightly_worse_silhouette_is_preferred_and_the_reason_says_why():
    stability = {3: checked(3, 0.9, 0.8, 0.95), 4: checked(4, 0.9, 0.7, 0.95, 0.9), 5: checked(5, 0.9, 0.8)}

    k, reason = suggest_k_with_stability(SCORES, stability)

    assert k == 5  # silhouette 0.38, 0.02 below 4's; 3 is stable too but 0.04 below
    assert reason.startswith("5 segments: every segment is stable")
    assert "while 4 segments separate the groups only slightly better (silhouette 0.40 against 0.38)" in (
        reason
    )
    assert "is doubtful (found in all 20 reshuffles of your customers, but each time only about 70%" in reason


def test_a_stable_k_that_separates_much_worse_is_not_preferred():
    stability = {2: checked(2, 0.99, 0.99), 4: checked(4, 0.9, 0.5, 0.95, 0.9), 6: checked(6, *[0.9] * 6)}

    k, reason = suggest_k_with_stability(SCORES, stability)

    assert k == 4  # 2 (0.30) and 6 (0.33) give up more than 0.05 of silhouette
    assert "not to be trusted" in reason
    assert "no number of segments that separates the groups about as well is stable throughout" in reason


MIXTURE_SCORES = (MixtureScore(1, 900.0), MixtureScore(2, 700.0), MixtureScore(3, 720.0))


def test_a_gaussian_mixture_keeps_its_own_suggestion_and_hears_what_the_stability_says():
    usual, reason = suggest_mixture_k(MIXTURE_SCORES)
    stable = suggest_k_with_stability(MIXTURE_SCORES, {2: checked(2, 0.9, 0.9)})
    doubtful = suggest_k_with_stability(MIXTURE_SCORES, {2: checked(2, 0.9, 0.7), 3: checked(3, *[0.9] * 3)})

    assert (stable[0], doubtful[0]) == (usual, usual) == (2, 2)
    assert stable[1].startswith(reason[:-1])
    assert "every segment is stable" in stable[1]
    assert doubtful[1].startswith(reason[:-1])
    assert "but the least stable of its segments is doubtful" in doubtful[1]


@pytest.fixture(scope="module")
def mall_income_and_spending(datasets_dir) -> np.ndarray:
    frame = pd.read_csv(datasets_dir / "Mall_Customers.csv")
    return frame[["Annual Income (k$)", "Spending Score (1-100)"]].to_numpy(dtype=float)


def stability_aware_suggestion(data: np.ndarray, resamples: int = SWEEP_RESAMPLES) -> tuple[int, str]:
    labels: dict[int, np.ndarray] = {}
    sweep = sweep_k(data, 1, 10, on_labels=labels.__setitem__)
    stability = stability_by_k(data, list(labels), "kmeans", labels_by_k=labels, resamples=resamples)
    return suggest_k_with_stability(sweep.scores, stability)


def test_the_published_mall_result_still_comes_out(mall_income_and_spending):
    k, reason = stability_aware_suggestion(mall_income_and_spending)
    assert k == 5
    assert reason.startswith("5 segments: the customers fall into 5 clearly separated groups")
    assert "every segment is stable" in reason


def test_the_wine_data_still_get_their_three_cultivars():
    from sklearn.datasets import load_wine
    from sklearn.preprocessing import StandardScaler

    k, reason = stability_aware_suggestion(StandardScaler().fit_transform(load_wine().data))
    assert k == 3
    assert reason.startswith("3 segments: the curve bends at 3")


@pytest.mark.parametrize("groups", [2, 5, 9])
def test_clearly_separated_layouts_still_get_their_true_number(groups):
    """(10 reshuffles per k: these groups are found again every time, and the time stays short.)"""
    data = separated_layout(groups, seed=100 * groups)
    assert stability_aware_suggestion(data, resamples=10)[0] == groups


# -- the columns of the profile table ------------------------------------------------------------------


def test_the_profile_table_gets_the_stability_columns_after_the_share():
    table = pd.DataFrame(
        {"Segment": [1, 2, pd.NA], "Name": ["A", "B", "All customers"], "Customers": [6, 4, 10],
         "Share": [0.6, 0.4, 1.0], "Age": [30.0, 50.0, 38.0]}
    )
    stability = [SegmentStability(0, 0.9, 0.0, 50, 50), SegmentStability(1, 0.62, 0.3, 35, 50)]

    extended = with_stability(table, stability)

    assert list(extended.columns)[4:7] == [STABILITY_COLUMN, STABILITY_LABEL_COLUMN, extended.columns[6]]
    assert extended[STABILITY_LABEL_COLUMN].tolist() == ["highly stable", "doubtful", ""]
    assert extended[STABILITY_COLUMN].iloc[:2].tolist() == [0.9, 0.62]
    assert with_stability(table, None) is table


def test_each_profile_gets_its_segments_stability_and_the_report_a_line_per_segment():
    from matplotlib.text import Text

    from core.loading import load_table
    from core.report import build_report_pages
    from core.stability import segmentation_stability
    from tests.engine.test_cli import SAMPLE

    table = load_table(SAMPLE)
    result = run_analysis(table, AnalysisSettings(k=3))
    segmentation = result.segmentation

    stability = segmentation_stability(result.prepared, segmentation, resamples=5)

    fitted = segmentation.segmenter.labels_
    profile_of_row = segmentation.labels[result.prepared.row_positions]
    for index, checked in enumerate(stability):
        assert set(fitted[profile_of_row == index]) == {checked.label}
    pages = build_report_pages(table, result, stability=stability)
    text = " ".join(t.get_text() for figure in pages for t in figure.findobj(Text))
    for checked in stability:
        assert f"How sure: {checked.explanation}" in " ".join(text.split())
    plain = build_report_pages(table, result)
    assert "How sure" not in " ".join(t.get_text() for figure in plain for t in figure.findobj(Text))


def test_a_doubtful_segment_found_every_time_says_it_changes_rather_than_only_all():
    every_time = SegmentStability(0, 0.7, 0.0, 50, 50)
    assert every_time.explanation == (
        "Doubtful: found in all 50 reshuffles of your customers, but each time only about 70% the same "
        "customers"
    )
    assert SegmentStability(0, 0.7, 0.2, 40, 50).explanation == (
        "Doubtful: found again in only 40 of 50 reshuffles of your customers"
    )


def test_a_stable_k_that_also_separates_better_is_preferred_and_the_reason_says_so():
    """6 is far from the bend, so the usual suggestion keeps 4 despite 6's better silhouette (as on
    Mall's default columns)."""
    scores = (*SCORES[:5], KScore(6, 230.0, 0.42))
    assert suggest_k(scores)[0] == 4
    stability = {4: checked(4, 0.9, 0.7, 0.95, 0.9), 6: checked(6, *[0.9] * 6)}

    k, reason = suggest_k_with_stability(scores, stability)

    assert k == 6
    assert "separate the groups at least as clearly as 4 segments (silhouette 0.42 against 0.40)" in reason
    assert "where the least stable of its segments is doubtful" in reason
