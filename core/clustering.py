"""k-means that stays fast on a million customers, the k sweep, and the suggested k with its reason.

Every Lloyd run is scikit-learn's compiled `KMeans`, from k-means++ seedings drawn many at a time
(core.seeding), the starts side by side on the cores, so that Cancel and progress work between them.
How a fit stays fast and never settles for a worse grouping than the notebook's `KMeans(n_init=10)`: on
a small table the starts run on all customers, as there (on the distinct ones, weighted, where most
customers repeat others' values; more starts where they are cheap, in a sweep some grown from the
previous k's answer); on a large one they run on a weighted sample (a lightweight coreset, see
`_start_sample`, with one swap start from the best, see `_swap_start`), and the few best different solutions
are then compared on a larger coreset, the best refined on up to REFINE_ROWS customers and carried to
everyone. The samples only rank candidates; the customers decide between them. A sweep keeps each k's
centres, so that the segments of the chosen k are the ones its chart shows.
"""

import numbers
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import compress

import numpy as np
from sklearn import config_context
from sklearn.cluster import KMeans
from sklearn.metrics.pairwise import (
    euclidean_distances,
    pairwise_distances_argmin,
    pairwise_distances_argmin_min,
)
from threadpoolctl import ThreadpoolController

from core.errors import DataError, SettingsError
from core.progress import CancelCheck, ProgressCallback, raise_if_cancelled, report
from core.seeding import KMeansStarts

DEFAULT_SEED = 42
DEFAULT_N_INIT = 10
MAX_K = 30
# The silhouette of a larger table is measured on a random sample of
# this many customers, the same for every k. Its cost grows with the square of the sample: 3,000 of CC
# GENERAL's customers take 0.05 s per k, 5,000 took 0.15 s, more than the k's fit. Its standard error
# is about 0.005, half the margin the suggestion needs.
SILHOUETTE_SAMPLE = 3000
# Tables up to this many customers (or _ALL_CUSTOMERS_CELLS values) run every start on all of them; larger
# ones on a weighted sample of this many draws. (On 20,000 customers in 2 columns the sample's starts
# were 1.1 % worse at k = 7 than the notebook's ten starts on everyone; those starts are cheap there.)
START_SAMPLE_ROWS = 10_000
# The finalists are refined on at most this many customers (a uniform sample of a larger table), then
# carried to everyone (see _settle_on_everyone).
REFINE_ROWS = 200_000
# ... and first compared on this many of those (see _refine_finalists).
SCREEN_ROWS = 50_000
# The sample's best few different solutions refined on all customers: the sample can rank two
# solutions of almost equal WCSS the wrong way round, never (in our measurements) the best three.
_FINALISTS = 3
# Two solutions whose centres all lie this close to each other (as a share of the customers' typical
# distance from their mean) are the same grouping (see _finalists).
_SAME_GROUPING = 0.05
# `n_init` is the least number of k-means++ starts. Where a start on all customers is cheap (up to this
# many values: customers times columns, a millisecond a start) a fit runs up to five times as many
# k-means++ starts (on the smallest tables a sweep's grown ones take some of their places, see
# _CHEAP_GROWN_STARTS): with only n_init starts (plus four
# grown and a swap start) the worst k came 1.7 % above the notebook's on Mall customers and 1.9 % on the
# Wholesale file for some seeds, within +0.5 % with five times as many. On larger files n_init starts
# kept every k within +0.46 % (digits, CC GENERAL, marketing_campaign.csv, ten seeds each), and five
# times as many took marketing_campaign.csv's sweep from 0.5 s to 1.6 s.
_CHEAP_START_CELLS = 25_000
_MAX_STARTS_FACTOR = 5
# A call of KMeans on all customers of a small table runs as many starts as make about this many values.
# Fewer, longer calls cost less (CC GENERAL's sweep: 1.39 s with a call per start, 1.19 s with five
# starts a call); a call of three starts on 250,000 values still ends within a quarter of a second at
# k = 30, and Cancel waits for the calls running.
_CALL_CELLS = 750_000
# Tables of up to this many values (or START_SAMPLE_ROWS customers) run their starts on all customers.
_ALL_CUSTOMERS_CELLS = 250_000
# ... on the distinct customers, each weighted by its count, when at most this share of them differ (see
# _everyone); a table of mostly different customers would gain nothing.
_DISTINCT_SHARE = 0.5
# Starts for each k of a sweep grown from the previous k's answer (see _grown_starts) ...
_GROWN_STARTS = 4
# ... and on a table of up to _CHEAP_GROWN_CELLS values, this many, in place of as many k-means++ ones (see
# _MAX_STARTS_FACTOR). There a start's time is scikit-learn's fixed cost per start, and a grown start, which
# keeps the k centres that are already good, more often reaches the best grouping: 50 k-means++ and 4 grown
# starts per k left the Wholesale file's worst k above +0.5 % of the notebook's for 19 of 80 seeds (sweep
# 0.14-0.15 s), 26 and 24 grown ones for 1 of 60 (0.12 s); Mall none either way (30 and 60 seeds; 0.095 ->
# 0.085 s); iris, wine and two tables of 3,000 generated values, 30 seeds each, as before, in 5-10 % less
# time. On larger tables a start's time is its Lloyd steps, which a grown start there takes more of:
# CDNOW_master.txt's 11,261 distinct customers (22,522 values) took twice as long, 60,000 customers' five
# scores (2,226 kinds) 20 % longer and left k = 6 above +0.5 % for 6 seeds of 25 instead of 3; and on the
# larger files 12 grown starts made the sweep 30-80 % slower, where 4 already meet the target.
_CHEAP_GROWN_STARTS = 24
_CHEAP_GROWN_CELLS = 5_000
# scikit-learn's default tolerance, so that a start is the notebook's start.
_TOL = 1e-4
# Lloyd iterations per refinement round on all data (Cancel is checked between rounds, so a round must
# stay well under a second on a million rows).
_REFINE_ROUND_ITER = 20
# A sweep hands its scores over (to the elbow chart, with its progress) at least this often (see sweep_k).
_HAND_OVER_SECONDS = 0.25
# Share of a fit's progress bar given to the starts; the refinement on all customers takes the rest.
_STARTS_SHARE = 0.8
# Silhouette works through the sample's distances in square blocks of this many rows (2 MB each), so
# it never holds all SILHOUETTE_SAMPLE^2 of them (72 MB) and each step is short (the GUI thread
# waits for the GIL only between steps).
_DISTANCE_BLOCK_ROWS = 512
# Ks whose point lies at least (1 - KNEE_TOLERANCE) as far below the chord as the knee's are candidates.
KNEE_TOLERANCE = 0.10
# A silhouette this high means the groups are clearly separated (Kaufman and Rousseeuw's "reasonable
# structure"); the k that reaches the highest one is then suggested (see `suggest_k`).
CLEAR_SEPARATION = 0.5
# A candidate near the knee with a silhouette better by more than this is suggested instead (see
# `suggest_k`); smaller differences are within what another random start could change.
_SILHOUETTE_MARGIN = 0.01


@dataclass(frozen=True)
class KScore:
    k: int
    wcss: float  # within-cluster sum of squares (inertia), in the prepared feature space
    silhouette: float | None = None  # None for k = 1


@dataclass(frozen=True)
class KSweep:
    scores: tuple[KScore, ...]  # one per k, ascending k
    suggested_k: int
    reason: str  # one sentence a non-technical person understands
    # Things the user should know about how the sweep ran, e.g. that k_max was lowered.
    notes: tuple[str, ...] = ()
    # Each k's fitted parameters (`KMeansSegmenter.to_dict`), so that the chosen k's segments are the ones
    # the chart shows, without fitting them again (see `Method.assign_saved`). Not saved with a project.
    fitted: dict[int, dict] = field(default_factory=dict, compare=False, repr=False)

    def score_for(self, k: int) -> KScore:
        for score in self.scores:
            if score.k == k:
                return score
        tried = f"{self.scores[0].k} to {self.scores[-1].k}" if self.scores else "none"
        raise SettingsError(f"No result for {k} segments: the segment counts tried were {tried}.")


class KMeansSegmenter:
    """k-means with k-means++ seeding, `n_init` starts and a fixed seed (scikit-learn estimator style).

    After `fit`: `labels_` (0-based, numbered in a stable order: descending size, ties by centroid),
    `cluster_centers_` (prepared space, in that order), `inertia_`, `sizes_`, `n_segments_`; it is
    the k-means `Segmenter` of core.methods.
    """

    def __init__(self, n_clusters: int, *, n_init: int = DEFAULT_N_INIT, seed: int = DEFAULT_SEED) -> None:
        self.n_clusters = n_clusters
        self.n_init = n_init
        self.seed = seed

    def fit(
        self,
        matrix: np.ndarray,
        *,
        progress: ProgressCallback | None = None,
        cancel: CancelCheck | None = None,
        warm_starts: Sequence[np.ndarray] = (),
    ) -> "KMeansSegmenter":
        """`warm_starts`: sets of k centres to try as more starts (the sweep hands over the previous
        k's centres plus one, see _grown_starts)."""
        data = as_matrix(matrix)
        check_magnitudes(data)
        draw_rng, start_rng = _random_streams(self.seed)
        return self._fit_drawn(data, _draw(data, draw_rng), start_rng, warm_starts, progress, cancel)

    def _fit_drawn(
        self,
        data: np.ndarray,
        draws: "_Draws",
        rng: np.random.Generator,
        warm_starts: Sequence[np.ndarray],
        progress: ProgressCallback | None,
        cancel: CancelCheck | None,
        exact_labels: bool = True,
    ) -> "KMeansSegmenter":
        """The fit on customers already drawn (a sweep draws once for all its k). Without
        `exact_labels` a large table's labels may put a few customers in the segment of the centre that
        was nearest before the last move of the centres (see _settle_on_everyone)."""
        k = check_count(self.n_clusters, "number of segments")
        n_init = check_count(self.n_init, "number of starts (n_init)")
        sample = _check_distinct(data, draws, k)
        if k == 1:  # one segment is everyone around their mean: nothing to search for
            centres = data.mean(axis=0, keepdims=True)
            residuals = data - centres
            best = _Solution(centres, float(np.einsum("ij,ij->", residuals, residuals)),
                             np.zeros(len(data), dtype=np.int64))
        elif sample.is_everyone:
            best = _starts(sample, k, n_init, rng, warm_starts, progress, cancel)[0]
            best = _Solution(best.centres, best.inertia, sample.customer_labels(best.labels))
        else:
            solutions = _starts(sample, k, n_init, rng, warm_starts, progress, cancel)
            report(progress, _STARTS_SHARE, "Refining the segments on all customers")
            finalists = _finalists(solutions, sample.points)
            best = _refine_finalists(data, draws, finalists, cancel, exact_labels)
        self._keep(best, k)
        report(progress, 1.0, f"Found {k} segments")
        return self

    def _keep(self, best: "_Solution", k: int) -> None:
        """The fitted attributes from the best solution, segments numbered in their stable order."""
        sizes = np.bincount(best.labels, minlength=k)
        order = _stable_order(best.centres, sizes)
        new_label = np.empty(k, dtype=np.int64)
        new_label[order] = np.arange(k)
        self.labels_ = new_label[best.labels]
        self.cluster_centers_ = best.centres[order]
        self.sizes_ = sizes[order]
        self.inertia_ = best.inertia
        self.n_segments_ = k
        self.notes_ = ()  # a large table's sample only ranks the starts: every customer counts in the end

    @classmethod
    def from_centres(cls, centres: np.ndarray) -> "KMeansSegmenter":
        """A fitted segmenter that predicts with saved centres (a segment model, a project)."""
        segmenter = cls(len(centres))
        segmenter.cluster_centers_ = np.asarray(centres, dtype=np.float64)
        segmenter.n_segments_ = len(centres)
        segmenter.notes_ = ()
        return segmenter

    def assign(self, matrix: np.ndarray) -> "KMeansSegmenter":
        """Fitted to `matrix` with the centres it has (found by a sweep, or saved in a project): each
        customer in the segment of the nearest centre, nothing searched for and nothing renumbered."""
        data = as_matrix(matrix)
        labels, distances = pairwise_distances_argmin_min(data, self.cluster_centers_)
        self.labels_ = labels.astype(np.int64)
        self.sizes_ = np.bincount(self.labels_, minlength=self.n_segments_)
        self.inertia_ = float(np.dot(distances, distances))
        return self

    def to_dict(self) -> dict:
        return {"centres": self.cluster_centers_.tolist()}

    def predict(self, matrix: np.ndarray) -> np.ndarray:
        """The segment (in this model's numbering) whose centre is nearest to each row."""
        data = as_matrix(matrix)
        features = self.cluster_centers_.shape[1]
        if data.shape[1] != features:
            raise DataError(
                f"The customers to assign have {data.shape[1]} prepared columns but the segments were "
                f"built from {features}; prepare them with the same settings as the analysed file."
            )
        return pairwise_distances_argmin(data, self.cluster_centers_).astype(np.int64)


def sweep_k(
    matrix: np.ndarray,
    k_min: int = 1,
    k_max: int = 10,
    *,
    seed: int = DEFAULT_SEED,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
    on_score: Callable[[KScore], None] | None = None,
    on_labels: Callable[[int, np.ndarray], None] | None = None,
) -> KSweep:
    """Fit every k in [k_min, k_max]; `on_score` gets each KScore in order of k, within about
    _HAND_OVER_SECONDS of its k's fit (the elbow chart grows point by point), `on_labels` each k and its
    labels as soon as they are found (the stability check and the splits diagram reuse them instead of
    fitting again; the sweep itself keeps none). Cancellation is honoured between fits."""
    k_min, k_max = check_k_range(k_min, k_max)
    data = as_matrix(matrix)
    check_magnitudes(data)
    rng = np.random.default_rng(seed)
    distinct = _distinct_rows_up_to(data, k_max)
    if distinct == 1:
        raise DataError(
            "All customers have the same values in the chosen columns, so there is nothing to segment; "
            "choose columns in which customers differ."
        )
    notes: tuple[str, ...] = ()
    if distinct < k_max:
        if distinct < k_min:
            raise SettingsError(
                f"Only {distinct} customers differ from each other, so even the smallest number of "
                f"segments to try ({k_min}) is too many; choose at most {distinct}."
            )
        notes = (
            f"Only {distinct} customers differ from each other, so segment counts above {distinct} "
            f"were not tried (you asked for up to {k_max}).",
        )
        k_max = distinct

    separation = SeparationSample(data, rng)
    scores: list[KScore] = []
    fitted: dict[int, dict] = {}
    total = k_max - k_min + 1

    def hand_over(fits: list[tuple[int, float]], silhouettes: Future) -> None:
        for (k, inertia), silhouette in zip(fits, silhouettes.result(), strict=True):
            scores.append(KScore(k, inertia, silhouette))
            if on_score is not None:
                on_score(scores[-1])
            report(progress, len(scores) / total, f"Tried {len(scores)} of {total} segment counts")

    # The silhouettes are computed on a second thread while the next k is fitted (the starts run on
    # one core, see _single_threaded; the silhouette uses the other), for all the k fitted since the last
    # hand-over at once: their silhouettes share one pass over the customers' distances, which is most of
    # a silhouette's time (see mean_silhouettes). A quick sweep scores every k in one pass (the digits' ten
    # k: 47 ms instead of 129 one by one), a slow one each k as it is fitted.
    draws = _draw(data, _random_streams(seed)[0])
    grown_count = _CHEAP_GROWN_STARTS if draws.sample.points.size <= _CHEAP_GROWN_CELLS else _GROWN_STARTS
    previous_centres, pending = None, None
    unscored: list[tuple[int, float]] = []  # the k fitted since the last hand-over, and their WCSS
    labellings: list[np.ndarray] = []  # ... and their segments of the separation sample's customers
    next_hand_over = time.monotonic() + _HAND_OVER_SECONDS
    with _single_threaded("blas"), ThreadPoolExecutor(1, thread_name_prefix="separation") as scorer:
        for k in range(k_min, k_max + 1):
            raise_if_cancelled(cancel)
            grown = [] if previous_centres is None else _grown_starts(
                data, previous_centres, grown_count, rng
            )
            segmenter = KMeansSegmenter(k, seed=seed)._fit_drawn(
                data, draws, _random_streams(seed)[1], grown, None, cancel, exact_labels=False
            )
            unscored.append((k, segmenter.inertia_))
            labellings.append(separation.sampled(segmenter.labels_))
            previous_centres = segmenter.cluster_centers_
            fitted[k] = segmenter.to_dict()
            if on_labels is not None:
                on_labels(k, segmenter.labels_)
            del segmenter  # its label per customer is not held while the next k is fitted
            if k < k_max and time.monotonic() < next_hand_over:
                continue
            silhouettes = scorer.submit(separation.silhouettes_of_sampled, labellings)
            if pending is not None:
                hand_over(*pending)
            pending = (unscored, silhouettes)
            unscored, labellings = [], []
            next_hand_over = time.monotonic() + _HAND_OVER_SECONDS
        hand_over(*pending)
    suggested, reason = suggest_k(tuple(scores))
    return KSweep(tuple(scores), suggested, reason, notes, fitted)


def check_k_range(k_min: object, k_max: object) -> tuple[int, int]:
    """The numbers of segments a sweep tries, checked (every method's sweep takes the same range)."""
    k_min = check_count(k_min, "smallest number of segments")
    k_max = check_count(k_max, "largest number of segments")
    if k_min >= k_max:
        raise SettingsError(
            f"The smallest number of segments to try ({k_min}) must be below the largest ({k_max}); "
            "lower the first or raise the second."
        )
    if k_max > MAX_K:
        raise SettingsError(f"At most {MAX_K} segments can be tried; you asked for up to {k_max}.")
    return k_min, k_max


def _distinct_rows_up_to(data: np.ndarray, limit: int) -> int:
    """The number of distinct rows, exact when below `limit` (otherwise `limit` or more). Looks at
    every n-th row of a large table first so that the usual case never sorts a million rows."""
    if len(data) > START_SAMPLE_ROWS:
        in_sample = _distinct_rows(data[:: len(data) // START_SAMPLE_ROWS])
        if in_sample >= limit:
            return in_sample
    return _distinct_rows(data)


def _grown_starts(
    data: np.ndarray, centres: np.ndarray, count: int, rng: np.random.Generator
) -> list[np.ndarray]:
    """`count` starts for k + 1 grown from the k centres found: one new centre at the customer farthest
    from all of them, and count - 1 more at customers drawn in proportion to their squared distance (as
    k-means++ draws, but from a finished grouping). A random start must find every centre again; these
    keep the k that are already good, and find narrow basins that ten random starts often miss at large k
    (Mall customers at k = 9: 0.5 % tighter). Among a sample of a large table."""
    rows = data if len(data) <= START_SAMPLE_ROWS else data[rng.choice(len(data), START_SAMPLE_ROWS)]
    with _single_threaded():
        nearest = euclidean_distances(rows, centres, squared=True).min(axis=1)
    total = float(nearest.sum())
    drawn = rng.choice(len(rows), count - 1, p=nearest / total) if total > 0 else []
    return [np.vstack([centres, rows[row]]) for row in [int(np.argmax(nearest)), *drawn]]


def suggest_k(scores: tuple[KScore, ...]) -> tuple[int, str]:
    """The suggested number of segments and the reason in one sentence, true to the numbers beside it.

    Clearly separated groups: when some k reaches a silhouette of CLEAR_SEPARATION or more ("a
    reasonable structure has been found", Kaufman and Rousseeuw 1990), the k with the highest
    silhouette is suggested. On groups that are really there this is their number, the largest k
    tried included, where the bend of the WCSS curve says too few whenever there are more than five
    groups (the later drops look small beside the first ones).

    Otherwise the groups overlap and the bend is the guide: the knee is the k whose point lies furthest
    below the straight line from the first to the last point of the WCSS curve, with both axes scaled
    to 0..1 (the Kneedle idea). The knee of a curve that bends gradually is only known roughly: its
    neighbours (knee - 1, knee + 1) and any k whose point lies almost as far below the line (within
    KNEE_TOLERANCE of the knee's distance) are candidates too, and the candidate that separates the
    groups best is suggested if its silhouette is higher than the knee's by more than 0.01. Without a
    knee (one or two k, or a curve with no bend) the k with the best silhouette is suggested, or the
    smallest k if none has one.
    """
    if not scores:
        raise SettingsError("No segment counts were tried, so none can be suggested.")
    ordered = sorted(scores, key=lambda score: score.k)
    by_k = {score.k: score for score in ordered}
    clearest = max(
        (score for score in ordered if score.silhouette is not None),
        key=lambda score: score.silhouette,
        default=None,
    )
    if clearest is not None and clearest.silhouette >= CLEAR_SEPARATION:
        return clearest.k, (
            f"{clearest.k} segments: the customers fall into {clearest.k} clearly separated groups "
            f"(silhouette {clearest.silhouette:.2f}, the highest of the numbers tried)"
            f"{_after(by_k, clearest.k)}."
        )
    depths = _depths_below_chord(ordered)
    if depths is None:
        return _suggest_without_knee(ordered)
    knee = max(depths, key=depths.get)
    near_knee = {k for k, depth in depths.items() if depth >= (1 - KNEE_TOLERANCE) * depths[knee]}

    knee_silhouette = by_k[knee].silhouette
    candidates = [
        by_k[k]
        for k in sorted((near_knee | {knee - 1, knee + 1}) - {knee})
        if k in by_k and by_k[k].silhouette is not None
    ]
    best_candidate = max(candidates, key=lambda score: score.silhouette, default=None)
    bend = _bend(by_k, knee)
    if knee_silhouette is None:
        return knee, f"{knee} segments: {bend}."
    if best_candidate is not None and best_candidate.silhouette > knee_silhouette + _SILHOUETTE_MARGIN:
        chosen = best_candidate.k
        return chosen, (
            f"{chosen} segments: {bend}, and {chosen} separates the groups more clearly (silhouette "
            f"{best_candidate.silhouette:.2f} against {knee_silhouette:.2f}){_clearest(clearest, chosen)}."
        )
    if best_candidate is None or best_candidate.silhouette <= knee_silhouette:
        return knee, (
            f"{knee} segments: {bend}, and {knee} gives the clearest separation nearby (silhouette "
            f"{knee_silhouette:.2f}){_clearest(clearest, knee)}."
        )
    return knee, (
        f"{knee} segments: {bend}, and the groups are about as clearly separated as with "
        f"{best_candidate.k} (silhouette {knee_silhouette:.2f} against {best_candidate.silhouette:.2f})"
        f"{_clearest(clearest, knee)}."
    )


def _tightening(by_k: dict[int, KScore], k: int) -> float | None:
    """The share by which the WCSS falls from k - 1 to k segments, None if either was not tried."""
    if k - 1 not in by_k or k not in by_k or by_k[k - 1].wcss <= 0:
        return None
    return (by_k[k - 1].wcss - by_k[k].wcss) / by_k[k - 1].wcss


def _bend(by_k: dict[int, KScore], knee: int) -> str:
    """Where the curve bends, in the numbers the elbow chart shows beside the sentence."""
    before, after = _tightening(by_k, knee), _tightening(by_k, knee + 1)
    if before is not None and after is not None and after < before:
        return (
            f"the curve bends at {knee} (going from {knee - 1} to {knee} segments makes the groups "
            f"{before:.0%} tighter, one more only {after:.0%})"
        )
    return f"the curve bends most at {knee}"


def _after(by_k: dict[int, KScore], k: int) -> str:
    """How little one more segment adds after the suggested k, when it was tried."""
    after = _tightening(by_k, k + 1)
    return "" if after is None else f"; one more segment makes them only {after:.0%} tighter"


def _clearest(clearest: KScore | None, chosen: int) -> str:
    """Names the best-separated k when it is not the one suggested (its separation is still weak)."""
    if clearest is None or clearest.k == chosen:
        return ""
    return f"; {clearest.k} segments separate best, but still weakly (silhouette {clearest.silhouette:.2f})"


def _depths_below_chord(ordered: list[KScore]) -> dict[int, float] | None:
    """How far each k's point lies below the chord of the WCSS curve, both axes scaled to 0..1; None
    when the curve has no bend (fewer than three k, no drop, or no point below the chord)."""
    if len(ordered) < 3:
        return None
    ks = np.array([score.k for score in ordered], dtype=float)
    wcss = np.array([score.wcss for score in ordered], dtype=float)
    drop = wcss[0] - wcss[-1]
    if not drop > 1e-12 * max(abs(wcss[0]), 1e-300):
        return None
    x = (ks - ks[0]) / (ks[-1] - ks[0])
    y = (wcss - wcss[-1]) / drop
    below_chord = (1.0 - x) - y
    if below_chord.max() <= 1e-9:
        return None
    return {int(k): float(depth) for k, depth in zip(ks, below_chord, strict=True)}


def _suggest_without_knee(ordered: list[KScore]) -> tuple[int, str]:
    if len(ordered) == 1:
        only = ordered[0].k
        return only, f"{only} segments: it is the only number of segments that was tried."
    with_silhouette = [score for score in ordered if score.silhouette is not None]
    if not with_silhouette:
        smallest = ordered[0].k
        return smallest, (
            f"{smallest} segments: the tightness curve has no clear bend, so the simplest choice is kept."
        )
    best = max(with_silhouette, key=lambda score: score.silhouette)
    return best.k, (
        f"{best.k} segments: the tightness curve has no clear bend, so this is the number that "
        f"separates the groups most clearly (silhouette {best.silhouette:.2f})."
    )


def check_count(value: object, setting: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise SettingsError(f"The {setting} must be a whole number of at least 1; got {value!r}.")
    return int(value)


# Squared distances between customers leave float64's range (about 1e-308 to 1e308) when the values
# are all below 1e-150 or some above 1e150: every customer is then at distance 0 or infinity from the
# others (a column holding 0 and 2.3e-225 made k-means find one group where two were asked, and warn).
_LARGEST_VALUE = 1e150
_SMALLEST_LARGEST_VALUE = 1e-150


def check_magnitudes(data: np.ndarray) -> None:
    """A DataError when the values are too small or too large to measure distances between customers."""
    largest = float(np.abs(data).max())
    if largest > _LARGEST_VALUE or 0 < largest < _SMALLEST_LARGEST_VALUE:
        raise DataError(
            f"The prepared values are too {'large' if largest > 1 else 'small'} to measure how far apart "
            f"customers are (the largest is {largest:.3g}); express the columns in other units, or let "
            "the preparation scale them."
        )


def as_matrix(matrix: np.ndarray) -> np.ndarray:
    """The prepared data as a 2-D float64 C-contiguous array; copies only if it is not one already."""
    try:
        data = np.ascontiguousarray(matrix, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise DataError(
            "The prepared data contain values that are not numbers; choose numeric columns or encode "
            "the text columns first."
        ) from error
    if data.ndim != 2:
        raise DataError(f"The prepared data must be a table (rows x columns); got {data.ndim} dimension(s).")
    if data.shape[0] == 0 or data.shape[1] == 0:
        raise DataError(
            f"The prepared data have {data.shape[0]} customers and {data.shape[1]} columns; "
            "at least one of each is needed."
        )
    if not np.isfinite(data).all():
        bad = int(data.size - np.count_nonzero(np.isfinite(data)))
        raise DataError(
            f"The prepared data contain {bad} missing or infinite values; drop or fill the missing values "
            "before segmenting."
        )
    return data


# Customers closer than this share of their typical (root-mean-square) distance from the mean count as
# the same customer (see _distinct_rows).
_SAME_CUSTOMER_DISTANCE = 1e-6


def _distinct_rows(rows: np.ndarray) -> int:
    """How many different rows there are, as k-means can tell them apart.

    k-means computes squared distances in float64 with an error of about 1e-16 of the squared spread,
    so it cannot separate customers closer than about 1e-8 of the spread: asked for k segments of
    customers who differ only that little (0 and 1 in a column that also holds 28,080,031),
    scikit-learn finds fewer and warns. So values are first rounded to a millionth of the typical
    distance from the mean (-0.0 equals 0.0, as in any comparison). Then sorted by all columns, and
    neighbours compared: 15x faster than np.unique(axis=0), which sorts the rows as raw bytes and holds
    the GIL for 40 ms on the 10,000-customer start sample."""
    if len(rows) < 2:
        return len(rows)
    centred = rows - rows.mean(axis=0)
    spread = float(np.sqrt(np.einsum("ij,ij->", centred, centred) / len(rows)))
    if spread > 0:
        centred /= _SAME_CUSTOMER_DISTANCE * spread
        np.round(centred, out=centred)
    return int(np.count_nonzero(_sorted_rows(centred)[1]))


def _sorted_rows(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The order that sorts `rows` by all their columns, and whether each row in that order differs
    from the one before it (the first always does)."""
    order = np.lexsort(rows.T[::-1])
    ordered = rows[order]
    differs = np.empty(len(rows), dtype=bool)
    differs[:1] = True
    differs[1:] = (ordered[1:] != ordered[:-1]).any(axis=1)
    return order, differs


def _random_streams(seed: int) -> tuple[np.random.Generator, np.random.Generator]:
    """Two independent random streams of `seed`: one draws the customers that the starts and the
    refinement run on, the other the starts. A sweep draws once for all its k, and each k's starts are
    still those of a fit of that k alone."""
    draws, starts = np.random.SeedSequence(seed).spawn(2)
    return np.random.default_rng(draws), np.random.default_rng(starts)


def _check_distinct(data: np.ndarray, draws: "_Draws", k: int) -> "_StartSample":
    """The start sample if it holds at least k different customers; all customers if only they do;
    a SettingsError if not even they do."""
    if draws.distinct_in_sample >= k:
        return draws.sample
    distinct = draws.distinct_in_sample if draws.sample.is_everyone else _distinct_rows(data)
    if distinct < k:
        raise SettingsError(
            f"You asked for {k} segments but only {distinct} customers differ from each other; "
            f"choose at most {distinct}."
        )
    # The sample missed some rare values that the k segments need: start from all customers.
    return _everyone(data)


@dataclass(frozen=True)
class _StartSample:
    """The customers the starts run on, with the weight each stands for (None: one each)."""

    points: np.ndarray
    weights: np.ndarray | None
    is_everyone: bool
    # When every customer is among the points as one of the distinct customers (weighted by how many
    # share its values), each customer's row among them; None when the points are the customers.
    customer_rows: np.ndarray | None = None

    def customer_labels(self, labels: np.ndarray) -> np.ndarray:
        """Every customer's segment from the labels of the points, when they stand for all customers."""
        return labels if self.customer_rows is None else labels[self.customer_rows]


@dataclass(frozen=True)
class _Draws:
    """The customers a fit works on, drawn once per table and seed."""

    sample: _StartSample  # the starts run on these
    distinct_in_sample: int
    refine_rows: np.ndarray  # the finalists are refined on these (all customers up to REFINE_ROWS)
    # ... and first compared on these: a coreset of the refinement rows, so that a small group far from
    # the rest, which the starts found, still has customers when the finalists are compared.
    screen: _StartSample | None


def _draw(data: np.ndarray, rng: np.random.Generator) -> _Draws:
    sample = _start_sample(data, rng)
    distinct = _distinct_rows(sample.points)
    if sample.is_everyone:
        return _Draws(sample, distinct, data, None)
    refine_rows = _uniform_rows(data, REFINE_ROWS, rng)
    screen = _coreset(refine_rows, SCREEN_ROWS, rng) if len(refine_rows) > 2 * SCREEN_ROWS else None
    return _Draws(sample, distinct, refine_rows, screen)


def _uniform_rows(data: np.ndarray, rows: int, rng: np.random.Generator) -> np.ndarray:
    """All of `data` up to `rows` rows, else a uniform random sample of that many (in table order)."""
    if len(data) <= rows:
        return data
    return data[np.sort(rng.choice(len(data), rows, replace=False))]


def _start_sample(data: np.ndarray, rng: np.random.Generator) -> _StartSample:
    """All customers of a small table; on a larger one a lightweight coreset (Bachem, Lucic and Krause
    2018, "Scalable k-means clustering via lightweight coresets"): half the draws uniform, half in
    proportion to the squared distance from the mean, each drawn customer weighted by the inverse of
    its chance. The weighted k-means cost of the coreset estimates the full cost without bias, and
    a small group far from the rest (10 customers in 200,000, in the tests) is drawn hundreds of times
    where a uniform sample of START_SAMPLE_ROWS would more often than not hold none of them. A large table
    of few kinds of customer (see _repeats_often) runs on its distinct customers instead, as a small one."""
    if len(data) <= START_SAMPLE_ROWS or data.size <= _ALL_CUSTOMERS_CELLS:
        return _everyone(data)
    if _repeats_often(data):
        everyone = _everyone(data)
        few_kinds = len(everyone.points) <= START_SAMPLE_ROWS or everyone.points.size <= _ALL_CUSTOMERS_CELLS
        if everyone.customer_rows is not None and few_kinds:
            return everyone
    return _coreset(data, START_SAMPLE_ROWS, rng)


def _repeats_often(data: np.ndarray) -> bool:
    """Whether at most _DISTINCT_SHARE of every n-th customer of a large table (START_SAMPLE_ROWS of
    them) differ: then the whole table is sorted to find its distinct customers, which a table of scores,
    counts or categories has few of. (A million customers' RFM scores are 125 kinds of customer; on the
    sample their sweep's worst k was 0.7-1.6 % above the notebook's, on the 125 it is exact.)"""
    every_nth = data[:: len(data) // START_SAMPLE_ROWS]
    return np.count_nonzero(_sorted_rows(every_nth)[1]) <= _DISTINCT_SHARE * len(every_nth)


def _everyone(data: np.ndarray) -> _StartSample:
    """All customers; when at most _DISTINCT_SHARE of them differ, the distinct ones, each weighted by
    how many share its values: the same k-means problem (a customer's weight counts as that many
    customers), in fewer points. CDNOW_master.txt's 69,659 order lines are 11,261 distinct ones: its
    sweep took 2.8-2.9 s on the order lines, 0.9-1.1 s on the distinct ones."""
    order, differs = _sorted_rows(data)
    if np.count_nonzero(differs) > _DISTINCT_SHARE * len(data):
        return _StartSample(data, None, is_everyone=True)
    position = np.cumsum(differs) - 1
    customer_rows = np.empty(len(data), dtype=np.int64)
    customer_rows[order] = position
    counts = np.bincount(position).astype(np.float64)
    return _StartSample(data[order[differs]], counts, is_everyone=True, customer_rows=customer_rows)


def _coreset(data: np.ndarray, draws: int, rng: np.random.Generator) -> _StartSample:
    """A lightweight coreset of `draws` draws from `data` (see _start_sample)."""
    rows = len(data)
    centred = data - data.mean(axis=0)
    squared = np.einsum("ij,ij->i", centred, centred)
    total = float(squared.sum())
    chance = 0.5 / rows + (0.5 * squared / total if total > 0 else 0.5 / rows)
    drawn = rng.choice(rows, size=draws, p=chance / chance.sum())
    picked, times = np.unique(drawn, return_counts=True)
    return _StartSample(data[picked], times / (draws * chance[picked]), is_everyone=False)


@dataclass(frozen=True)
class _Solution:
    centres: np.ndarray
    inertia: float
    # The segment of each point it was fitted on, when those stand for all customers (see
    # _StartSample.customer_labels); only the best solution's are handed to the customers.
    labels: np.ndarray | None = None


def _starts(
    sample: _StartSample,
    k: int,
    n_init: int,
    rng: np.random.Generator,
    warm_starts: Sequence[np.ndarray],
    progress: ProgressCallback | None,
    cancel: CancelCheck | None,
) -> list[_Solution]:
    """The solutions of at least `n_init` k-means++ starts on the sample, and of the warm starts, best (lowest
    weighted inertia) first (on a table of up to _CHEAP_GROWN_CELLS values, the warm ones take the places of
    as many k-means++ ones beyond n_init, see _CHEAP_GROWN_STARTS). The starts run side by side, one per core,
    each a KMeans call on one thread (see _single_threaded), so that Cancel is honoured and progress moves
    between calls. Each call draws its starts' k-means++ seedings side by side (see core.seeding) and runs
    Lloyd from each. On all customers of a small table a call runs several starts, as many as take about as
    long as one on _CALL_CELLS values and no more than leave every core a call (a table of 200 customers is
    then not 50 calls: each call costs about a millisecond more than its starts), and the warm starts join
    those calls; on a sample each start, warm ones included, is its own call and its own candidate for the
    refinement. The starts of a table of up to _CHEAP_START_CELLS values run one after another: their time is
    scikit-learn's Python code, which holds Python's lock, so two threads only wait for each other (a sweep of
    Mall customers took 0.85-0.90 s with two, 0.45-0.50 s with one; 0.14 s and 0.10 s with the seedings drawn
    side by side)."""
    cells = sample.points.size
    cheap = cells <= _CHEAP_START_CELLS
    starts = n_init * (min(_MAX_STARTS_FACTOR, _CHEAP_START_CELLS // cells) if cheap else 1)
    if cells <= _CHEAP_GROWN_CELLS:  # a sweep's grown starts take the places of as many k-means++ ones
        starts = max(n_init, starts - len(warm_starts))
    workers = 1 if cheap else os.cpu_count() or 1
    # Each call: how many k-means++ seedings it starts from, and which warm starts.
    calls: list[tuple[int, Sequence[np.ndarray]]]
    if sample.is_everyone:  # only the best start counts: the warm starts join the calls, a share each
        per_call = max(1, min(-(-starts // workers), _CALL_CELLS // cells))
        seedings = [min(per_call, starts - first) for first in range(0, starts, per_call)]
        calls = [(count, warm_starts[number::len(seedings)]) for number, count in enumerate(seedings)]
    else:  # each start is a candidate for the refinement
        calls = [(1, ())] * starts + [(0, (centres,)) for centres in warm_starts]
    seeds = rng.integers(2**31 - 1, size=len(calls))
    points_mean = sample.points.mean(axis=0)

    def run(seedings: int, given: Sequence[np.ndarray], seed: int) -> _Solution:
        init = KMeansStarts(seedings, np.random.default_rng(seed), sample.weights, given, points_mean)
        # The data were checked once (as_matrix) and the parameters are ours: scikit-learn checking
        # them again at every call was a third of a call from given centres on 200 customers.
        with _single_threaded("openmp"), config_context(assume_finite=True, skip_parameter_validation=True):
            model = KMeans(k, init=init, n_init=init.count, tol=_TOL).fit(
                sample.points, sample_weight=sample.weights
            )
        labels = model.labels_ if sample.is_everyone else None
        return _Solution(model.cluster_centers_, float(model.inertia_), labels)

    solutions = []
    with _single_threaded("blas"), ThreadPoolExecutor(workers, thread_name_prefix="k-means") as pool:
        runs = [
            pool.submit(run, seedings, given, int(seed))
            for (seedings, given), seed in zip(calls, seeds, strict=True)
        ]
        try:
            for number, finished in enumerate(runs, start=1):
                raise_if_cancelled(cancel)
                solutions.append(finished.result())
                report(progress, _STARTS_SHARE * number / len(runs), f"Tried {number} of {len(runs)}")
        finally:
            for waiting in runs:
                waiting.cancel()
    # Sorted by inertia, equal ones in start order: the same seed gives the same answer however the
    # threads were scheduled.
    solutions.sort(key=lambda solution: solution.inertia)
    if sample.is_everyone:
        return solutions
    raise_if_cancelled(cancel)
    with _single_threaded("blas"):
        swapped = run(0, (_swap_start(sample, solutions[0].centres),), int(seeds[0]))
    return sorted([*solutions, swapped], key=lambda solution: solution.inertia)


def _swap_start(sample: _StartSample, centres: np.ndarray) -> np.ndarray:
    """The best start's centres with the one whose customers would lose least by going to their next
    nearest centre moved to the customer farthest from all the others: one step of the swap search
    of Kanungo et al. (2004). On a coreset, random starts reach a small group far from everyone else
    only when k-means++ happens to draw one of its customers (10 such customers in 200,000: 4 of 50
    starts for one seed, none for another); this start reaches it every time. On all customers k-means++
    draws them in proportion to their whole squared distance, and this start never did better than the
    others (Mall, Wholesale, marketing_campaign.csv, the digits and CC GENERAL, 20 seeds each), so it
    runs on a sample only (it was 7 ms of the Wholesale file's sweep, 46 ms of CC GENERAL's)."""
    distances = euclidean_distances(sample.points, centres, squared=True)
    nearest = distances.argmin(axis=1)
    two_nearest = np.partition(distances, 1, axis=1)[:, :2]
    weights = 1.0 if sample.weights is None else sample.weights
    loss = np.bincount(nearest, weights=weights * (two_nearest[:, 1] - two_nearest[:, 0]),
                       minlength=len(centres))
    kept = np.delete(centres, int(np.argmin(loss)), axis=0)
    farthest = int(np.argmax(euclidean_distances(sample.points, kept, squared=True).min(axis=1)))
    return np.vstack([kept, sample.points[farthest]])


def _single_threaded(user_api: str | None = None):
    """The starts and the silhouette run on one thread of OpenMP and of BLAS each (or of the one
    `user_api` named), side by side on the cores: their steps are too short to share. With two threads each of
    a start's 30-300 iterations, or each block of the silhouette, waits for the slower thread, and on a
    busy machine a start on CC GENERAL's 8,636 customers took 1.5 s instead of 0.24 s, the silhouette
    of 1,797 digits 0.20 s instead of 0.03 s. (OpenMP's limit holds for the calling thread only, BLAS's
    for the whole process.)"""
    global _THREADPOOLS
    if _THREADPOOLS is None:  # finding the thread pools scans the loaded libraries: 4 ms, done once
        _THREADPOOLS = ThreadpoolController()
    return _THREADPOOLS.limit(limits=1, user_api=user_api)


_THREADPOOLS: ThreadpoolController | None = None


def _finalists(solutions: list[_Solution], points: np.ndarray) -> list[_Solution]:
    """The best few different groupings among the sample's solutions. Starts that ended in the same
    grouping count once: every centre of one within _SAME_GROUPING of a centre of the other (a share of
    the customers' typical distance from their mean). Telling them apart by WCSS is not enough: on a
    million customers in six groups the sample's three best solutions for k = 2 were one grouping with
    slightly different centres, and the fourth, another grouping, was 0.9 % better on all customers."""
    centred = points - points.mean(axis=0)
    tolerance = _SAME_GROUPING * float(np.sqrt(np.einsum("ij,ij->", centred, centred) / len(points)))
    kept: list[_Solution] = []
    for solution in solutions:
        if not any(_same_grouping(solution.centres, other.centres, tolerance) for other in kept):
            kept.append(solution)
        if len(kept) == _FINALISTS:
            break
    return kept


def _same_grouping(centres: np.ndarray, others: np.ndarray, tolerance: float) -> bool:
    distances = euclidean_distances(centres, others)
    return bool((distances.min(axis=1) <= tolerance).all() and (distances.min(axis=0) <= tolerance).all())


def _refine_finalists(
    data: np.ndarray,
    draws: _Draws,
    finalists: list["_Solution"],
    cancel: CancelCheck | None,
    exact_labels: bool,
) -> "_Solution":
    """The best of the finalists on all customers. Each is refined on the screening sample first and
    only the best of them on the refinement rows (a third of the time of refining all three there on a
    million customers); then carried to everyone."""
    if len(finalists) > 1 and draws.screen is not None:
        screened = [_refine(draws.screen.points, solution.centres, cancel, draws.screen.weights)
                    for solution in finalists]
        finalists = [min(screened, key=lambda solution: solution.inertia)]
    refined = [_refine(draws.refine_rows, solution.centres, cancel) for solution in finalists]
    best = min(refined, key=lambda solution: solution.inertia)
    if draws.refine_rows is data:
        return best
    return _settle_on_everyone(data, best.centres, cancel, exact_labels)


def _settle_on_everyone(
    data: np.ndarray, centres: np.ndarray, cancel: CancelCheck | None, exact_labels: bool
) -> _Solution:
    """The refined centres carried to every customer: each customer to the nearest centre and each
    centre to the mean of its customers; with `exact_labels`, each customer to the nearest centre
    again. Refined on REFINE_ROWS customers, the centres are within a few thousandths of a spread of
    where Lloyd would stop on all of them, so the WCSS this gives is the same to the fifth digit; and
    scikit-learn's nearest-centre search runs without holding Python's lock, where KMeans.fit on a
    million customers ends by making a Python set of a million labels (40 ms on an idle machine, over
    200 ms on a busy one, with the window waiting).

    Without the second pass (a sweep, which needs each k's WCSS and centres: its chosen k's customers
    are assigned to the centres afterwards) the WCSS of the first pass's segments around their means
    follows from the distances to the old centres: a segment's squared distances to its mean sum to
    those to any point less its size times the squared distance from that point to the mean. The
    second pass costs as much as the first (0.04 s on a million customers, each k)."""
    raise_if_cancelled(cancel)
    labels, distances = pairwise_distances_argmin_min(data, centres)
    k = len(centres)
    counts = np.bincount(labels, minlength=k)
    sums = np.stack([np.bincount(labels, weights=column, minlength=k) for column in data.T], axis=1)
    filled = counts > 0  # a centre nobody is nearest to stays where it is
    means = centres.copy()
    means[filled] = sums[filled] / counts[filled, None]
    if not exact_labels:
        moved = np.einsum("ij,ij->i", centres - means, centres - means)
        return _Solution(means, float(np.dot(distances, distances) - np.dot(counts, moved)), labels)
    raise_if_cancelled(cancel)
    labels, distances = pairwise_distances_argmin_min(data, means)
    return _Solution(means, float(np.dot(distances, distances)), labels)


def _refine(
    data: np.ndarray, centres: np.ndarray, cancel: CancelCheck | None, weights: np.ndarray | None = None
) -> _Solution:
    """Lloyd on the customers of a large table (or REFINE_ROWS of them) from `centres`, in rounds of
    scikit-learn's KMeans (on all cores: its iterations are long enough to share) with a Cancel check
    between them, until a round converges before its last iteration."""
    while True:
        raise_if_cancelled(cancel)
        model = KMeans(len(centres), init=centres, n_init=1, max_iter=_REFINE_ROUND_ITER, tol=_TOL).fit(
            data, sample_weight=weights
        )
        centres = model.cluster_centers_
        if model.n_iter_ < _REFINE_ROUND_ITER:
            return _Solution(centres, float(model.inertia_), model.labels_)


def _stable_order(centres: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Old segment numbers in their new order: largest first, equal sizes by centroid coordinates."""
    keys = [centres[:, column] for column in reversed(range(centres.shape[1]))]
    return np.lexsort([*keys, -sizes])


class SeparationSample:
    """The silhouette on a fixed set of customers: all of them up to SILHOUETTE_SAMPLE, else a random
    sample of that size shared by every k so that the silhouettes are comparable."""

    def __init__(self, data: np.ndarray, rng: np.random.Generator) -> None:
        if len(data) > SILHOUETTE_SAMPLE:
            self.rows: np.ndarray | None = np.sort(rng.choice(len(data), SILHOUETTE_SAMPLE, replace=False))
            self.points = data[self.rows]
        else:
            self.rows, self.points = None, data

    def sampled(self, labels: np.ndarray) -> np.ndarray:
        """The labels of the sample's customers, from `labels` (one per row of the data)."""
        return labels if self.rows is None else labels[self.rows]

    def silhouettes_of_sampled(self, labellings: Sequence[np.ndarray]) -> list[float | None]:
        """The silhouette of each labelling of the sample's customers (see `sampled`), None where it is
        undefined, all in one pass over their distances (see `mean_silhouettes`)."""
        defined = [_silhouette_defined(labels) for labels in labellings]
        silhouettes = iter(mean_silhouettes(self.points, list(compress(labellings, defined))))
        return [next(silhouettes) if scored else None for scored in defined]

    def silhouette(self, labels: np.ndarray, counted: np.ndarray | None = None) -> float | None:
        """The silhouette of the sample's customers whose `counted` (one per row of the data) is True,
        all of them by default (comparing methods leaves out the unusual customers, who are in no
        group); None when it is undefined."""
        points, labels = self._counted(labels, counted)
        return mean_silhouette(points, labels) if _silhouette_defined(labels) else None

    def _counted(self, labels: np.ndarray, counted: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        points, labels = self.points, self.sampled(labels)
        if counted is not None:
            counted = self.sampled(counted)
            points, labels = points[counted], labels[counted]
        return points, labels


def _silhouette_defined(labels: np.ndarray) -> bool:
    """The silhouette needs at least two groups and fewer groups than customers."""
    groups = len(np.unique(labels))
    return 2 <= groups < len(labels)


def mean_silhouette(points: np.ndarray, labels: np.ndarray) -> float:
    """scikit-learn's silhouette_score (Euclidean) of `labels`, without holding all pairwise distances
    (see `mean_silhouettes`)."""
    return mean_silhouettes(points, [labels])[0]


def mean_silhouettes(points: np.ndarray, labellings: Sequence[np.ndarray]) -> list[float]:
    """scikit-learn's silhouette_score (Euclidean) of each of `labellings` of the same points, without
    holding all pairwise distances.

    For each point, a is the mean distance to the other points of its group and b the smallest mean
    distance to the points of another group; its silhouette is (b - a) / max(a, b), or 0 when it is
    alone in its group (or a = b = 0). The distances are worked through in square blocks, each one
    computed once for both of its sides (distances are symmetric) and for every labelling (they are
    most of the time: 8 of 12 ms per labelling of marketing_campaign.csv's 2,216 customers); a block's
    summed distances to every group come from one matrix product with the labelling's one-hot group
    matrix, not a Python loop over points. Each labelling's arithmetic is the same whatever others
    share its blocks, so its silhouette is too, to the last digit."""
    coded = [np.unique(labels, return_inverse=True)[1] for labels in labellings]
    one_hots = []
    for codes in coded:
        one_hot = np.zeros((len(codes), int(codes.max()) + 1))
        one_hot[np.arange(len(codes)), codes] = 1.0
        one_hots.append(one_hot)
    sums_to_groups = [np.zeros_like(one_hot) for one_hot in one_hots]
    # |x - y|^2 = |x|^2 + |y|^2 - 2 x.y as one matrix product of [x, |x|^2, 1] and [-2y, 1, |y|^2]
    # (half the time of scikit-learn's euclidean_distances, which makes several passes per block);
    # centring first keeps the cancellation error small.
    centred = points - points.mean(axis=0)
    squared_norms = np.einsum("ij,ij->i", centred, centred)[:, None]
    ones = np.ones_like(squared_norms)
    left = np.hstack([centred, squared_norms, ones])
    right = np.hstack([-2.0 * centred, ones, squared_norms])
    for first in range(0, len(points), _DISTANCE_BLOCK_ROWS):
        rows = slice(first, first + _DISTANCE_BLOCK_ROWS)
        for second in range(first, len(points), _DISTANCE_BLOCK_ROWS):
            columns = slice(second, second + _DISTANCE_BLOCK_ROWS)
            distances = left[rows] @ right[columns].T
            np.maximum(distances, 0.0, out=distances)
            np.sqrt(distances, out=distances)
            if first == second:
                np.fill_diagonal(distances, 0.0)  # a point's distance to itself is exactly 0
            for one_hot, summed_to_group in zip(one_hots, sums_to_groups, strict=True):
                if first == second:
                    summed_to_group[rows] += distances @ one_hot[rows]
                else:  # the block also gives the distances from the columns' points to the rows' points
                    summed_to_group[rows] += distances @ one_hot[columns]
                    summed_to_group[columns] += distances.T @ one_hot[rows]
    return [_silhouette_from_sums(codes, summed_to_group)
            for codes, summed_to_group in zip(coded, sums_to_groups, strict=True)]


def _silhouette_from_sums(codes: np.ndarray, summed_to_group: np.ndarray) -> float:
    """The mean silhouette from each point's summed distances to every group (its own group's sum
    includes its zero distance to itself, which is not one of the "others")."""
    sizes = np.bincount(codes, minlength=summed_to_group.shape[1])
    everyone = np.arange(len(codes))
    own_sizes = sizes[codes]
    a = summed_to_group[everyone, codes] / np.maximum(own_sizes - 1, 1)
    summed_to_group[everyone, codes] = np.inf
    b = (summed_to_group / sizes).min(axis=1)
    larger = np.maximum(a, b)
    defined = (own_sizes > 1) & (larger > 0)
    return float(np.where(defined, (b - a) / np.where(defined, larger, 1.0), 0.0).mean())
