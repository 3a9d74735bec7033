"""k-means that stays fast on a million customers, the k sweep, and the suggested k with its reason.

How a fit stays fast: the `n_init` k-means++ starts (the expensive, repeated part) run on a random
sample of at most `START_SAMPLE_ROWS` customers; the best start's centres are then refined with
scikit-learn's Lloyd iterations on all customers, which also gives the true full-data inertia. On
small tables the "sample" is the whole table, so the same path gives the classic n_init-starts result.
"""

import numbers
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sklearn.cluster import kmeans_plusplus
from sklearn.cluster._kmeans import _kmeans_single_lloyd  # see _refine
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score
from sklearn.metrics.pairwise import pairwise_distances_argmin
from sklearn.utils._openmp_helpers import _openmp_effective_n_threads  # as KMeans.fit uses it

from core.errors import DataError, SettingsError
from core.progress import CancelCheck, ProgressCallback, raise_if_cancelled, report

DEFAULT_SEED = 42
DEFAULT_N_INIT = 10
MAX_K = 30
SILHOUETTE_SAMPLE = 5000
# Starts run on this many customers at most; enough for every group of a few percent of the customers
# to be represented by hundreds of points, so the best start lands in the same basin as on all data.
START_SAMPLE_ROWS = 10_000
# `n_init` is the least number of starts. Starts on the sample cost about 1 % of a start on a million
# rows, so the large-data path makes twice as many, and smaller tables up to five times as many: with
# only n_init starts k-means misses the best grouping by 0.5 % or more (at k above the natural one)
# often enough to show in the elbow chart.
_MIN_STARTS_FACTOR = 2
_MAX_STARTS_FACTOR = 5
# Lloyd iterations per start on the sample, and per refinement round on all data (Cancel is checked
# between rounds, so a round must stay well under a second on a million rows).
_SAMPLE_MAX_ITER = 300
_REFINE_ROUND_ITER = 10
_REFINE_MAX_ROUNDS = 10
# Share of a fit's progress bar given to the starts; the refinement on all customers takes the rest.
_STARTS_SHARE = 0.9
# Convergence: squared centre movement below this fraction of the average feature variance
# (scikit-learn's default tolerance, so both stop at the same point).
_RELATIVE_TOL = 1e-4
# Silhouette works through the sample's distances in square blocks of this many rows (2 MB each), so
# it never holds all SILHOUETTE_SAMPLE^2 of them (190 MB) and each step is short (the GUI thread
# waits for the GIL only between steps).
_DISTANCE_BLOCK_ROWS = 512
# Ks whose point lies at least (1 - KNEE_TOLERANCE) as far below the chord as the knee's are candidates.
KNEE_TOLERANCE = 0.10
# A candidate near the knee with a silhouette better by more than this is suggested instead (see
# `suggest_k`); smaller differences are within what another random start could change.
_SILHOUETTE_MARGIN = 0.01


@dataclass(frozen=True)
class KScore:
    k: int
    wcss: float  # within-cluster sum of squares (inertia), in the prepared feature space
    silhouette: float | None = None  # None for k = 1
    calinski_harabasz: float | None = None
    davies_bouldin: float | None = None


@dataclass(frozen=True)
class KSweep:
    scores: tuple[KScore, ...]  # one per k, ascending k
    suggested_k: int
    reason: str  # one sentence a non-technical person understands
    # Things the user should know about how the sweep ran, e.g. that k_max was lowered.
    notes: tuple[str, ...] = ()

    def score_for(self, k: int) -> KScore:
        for score in self.scores:
            if score.k == k:
                return score
        tried = f"{self.scores[0].k} to {self.scores[-1].k}" if self.scores else "none"
        raise SettingsError(f"No result for {k} segments: the segment counts tried were {tried}.")


class KMeansSegmenter:
    """k-means with k-means++ seeding, `n_init` starts and a fixed seed (scikit-learn estimator style).

    After `fit`: `labels_` (0-based, numbered in a stable order: descending size, ties by centroid),
    `cluster_centers_` (prepared space, in that order), `inertia_`, `sizes_`.
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
    ) -> "KMeansSegmenter":
        k = _check_count(self.n_clusters, "number of segments")
        n_init = _check_count(self.n_init, "number of starts (n_init)")
        data = _as_matrix(matrix)
        rng = np.random.default_rng(self.seed)
        sample = _start_points(data, rng, k)
        centres = _best_start(sample, k, n_init, rng, progress, cancel)
        report(progress, _STARTS_SHARE, "Refining the segments on all customers")
        labels, centres, inertia = _refine(data, centres, cancel)

        sizes = np.bincount(labels, minlength=k)
        order = _stable_order(centres, sizes)
        new_label = np.empty(k, dtype=np.int64)
        new_label[order] = np.arange(k)
        self.labels_ = new_label[labels]
        self.cluster_centers_ = centres[order]
        self.sizes_ = sizes[order]
        self.inertia_ = inertia
        report(progress, 1.0, f"Found {k} segments")
        return self

    def predict(self, matrix: np.ndarray) -> np.ndarray:
        """The segment (in this model's numbering) whose centre is nearest to each row."""
        data = _as_matrix(matrix)
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
) -> KSweep:
    """Fit every k in [k_min, k_max]; `on_score` gets each KScore as soon as its k is done (the elbow
    chart grows point by point). Cancellation is honoured between fits."""
    k_min = _check_count(k_min, "smallest number of segments")
    k_max = _check_count(k_max, "largest number of segments")
    if k_min >= k_max:
        raise SettingsError(
            f"The smallest number of segments to try ({k_min}) must be below the largest ({k_max}); "
            "lower the first or raise the second."
        )
    if k_max > MAX_K:
        raise SettingsError(f"At most {MAX_K} segments can be tried; you asked for up to {k_max}.")
    data = _as_matrix(matrix)
    rng = np.random.default_rng(seed)
    distinct = _distinct_rows_up_to(data, _start_sample(data, rng), k_max)
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

    separation = _SeparationSample(data, rng)
    scores: list[KScore] = []
    total = k_max - k_min + 1
    for k in range(k_min, k_max + 1):
        raise_if_cancelled(cancel)
        score = _score_k(data, k, seed, separation, cancel)
        scores.append(score)
        if on_score is not None:
            on_score(score)
        report(progress, len(scores) / total, f"Tried {len(scores)} of {total} segment counts")
    suggested, reason = suggest_k(tuple(scores))
    return KSweep(tuple(scores), suggested, reason, notes)


def _score_k(
    data: np.ndarray, k: int, seed: int, separation: "_SeparationSample", cancel: CancelCheck | None
) -> KScore:
    """One k of the sweep. The fitted model (a label per customer) is dropped on return, so that it is
    not still held while the next k is fitted."""
    segmenter = KMeansSegmenter(k, seed=seed).fit(data, cancel=cancel)
    return KScore(k, segmenter.inertia_, *separation.scores(segmenter.labels_))


def suggest_k(scores: tuple[KScore, ...]) -> tuple[int, str]:
    """The knee of the WCSS curve, checked against silhouette, and the reason in one sentence.

    The rule: the knee is the k whose point lies furthest below the straight line from the first to
    the last point of the WCSS curve, with both axes scaled to 0..1 (the Kneedle idea). The knee of a
    curve that bends gradually is only known roughly: its neighbours (knee - 1, knee + 1) and any k
    whose point lies almost as far below the line (within KNEE_TOLERANCE of the knee's distance) are
    candidates too, and the candidate that separates the groups best is suggested if its silhouette is
    higher than the knee's by more than 0.01. (On the benchmark's six groups of customers the points for
    4, 5 and 6 lie within 8 % of each other below the line: the knee alone said 4, silhouette says 6.)
    Without a knee (one or two k, or a curve with no bend) the k with the best silhouette is suggested,
    or the smallest k if none has one.
    """
    if not scores:
        raise SettingsError("No segment counts were tried, so none can be suggested.")
    ordered = sorted(scores, key=lambda score: score.k)
    depths = _depths_below_chord(ordered)
    by_k = {score.k: score for score in ordered}
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
    if knee_silhouette is None:
        return knee, f"{knee} segments: adding more after {knee} barely makes the groups tighter."
    if best_candidate is not None and best_candidate.silhouette > knee_silhouette + _SILHOUETTE_MARGIN:
        chosen = best_candidate.k
        return chosen, (
            f"{chosen} segments: the groups stop getting much tighter around {knee}, and {chosen} "
            f"separates them more clearly (silhouette {best_candidate.silhouette:.2f} against "
            f"{knee_silhouette:.2f})."
        )
    if best_candidate is None or best_candidate.silhouette <= knee_silhouette:
        return knee, (
            f"{knee} segments: adding more after {knee} barely makes the groups tighter, and {knee} "
            f"gives the clearest separation nearby (silhouette {knee_silhouette:.2f})."
        )
    return knee, (
        f"{knee} segments: adding more after {knee} barely makes the groups tighter, and the groups are "
        f"about as clearly separated as with {best_candidate.k} (silhouette {knee_silhouette:.2f} "
        f"against {best_candidate.silhouette:.2f})."
    )


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


def _check_count(value: object, setting: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise SettingsError(f"The {setting} must be a whole number of at least 1; got {value!r}.")
    return int(value)


def _as_matrix(matrix: np.ndarray) -> np.ndarray:
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


def _start_sample(data: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The customers the starts run on: a random sample of large tables, else all (as a copy, since
    it is centred in place later)."""
    if len(data) <= START_SAMPLE_ROWS:
        return data.copy()
    rows = np.sort(rng.choice(len(data), START_SAMPLE_ROWS, replace=False))
    return data[rows]


def _distinct_rows(rows: np.ndarray) -> int:
    """How many different rows there are (-0.0 equals 0.0, as in any comparison).

    Sorted by all columns, then neighbours compared: 15x faster than np.unique(axis=0), which sorts the
    rows as raw bytes and holds the GIL for 40 ms on the 10,000-customer start sample."""
    if len(rows) < 2:
        return len(rows)
    ordered = rows[np.lexsort(rows.T[::-1])]
    return 1 + int(np.count_nonzero((ordered[1:] != ordered[:-1]).any(axis=1)))


def _distinct_rows_up_to(data: np.ndarray, sample: np.ndarray, limit: int) -> int:
    """The number of distinct rows, exact when below `limit` (otherwise `limit` or more). Looks at the
    sample first so that the usual case never sorts a million rows."""
    in_sample = _distinct_rows(sample)
    if in_sample >= limit or len(sample) == len(data):
        return in_sample
    return _distinct_rows(data)


def _start_points(data: np.ndarray, rng: np.random.Generator, k: int) -> np.ndarray:
    """The start sample, checked to hold at least k different customers."""
    sample = _start_sample(data, rng)
    in_sample = _distinct_rows(sample)
    if in_sample >= k:
        return sample
    distinct = in_sample if len(sample) == len(data) else _distinct_rows(data)
    if distinct < k:
        raise SettingsError(
            f"You asked for {k} segments but only {distinct} customers differ from each other; "
            f"choose at most {distinct}."
        )
    # The sample missed some rare values that the k segments need: start from all customers.
    return data.copy()


def _best_start(
    sample: np.ndarray,
    k: int,
    n_init: int,
    rng: np.random.Generator,
    progress: ProgressCallback | None,
    cancel: CancelCheck | None,
) -> np.ndarray:
    """Centres (in the data's units) of the best of at least `n_init` k-means++ + Lloyd starts on
    `sample`."""
    offset = sample.mean(axis=0)
    sample -= offset  # centred, so that the distance shortcut below keeps its precision
    squared_norms = np.einsum("ij,ij->i", sample, sample)
    tol = _RELATIVE_TOL * float(sample.var(axis=0).mean())
    best_centres, best_inertia = None, np.inf
    starts = n_init * min(_MAX_STARTS_FACTOR, max(_MIN_STARTS_FACTOR, START_SAMPLE_ROWS // len(sample)))
    for start, start_seed in enumerate(rng.integers(2**31 - 1, size=starts)):
        raise_if_cancelled(cancel)
        seeds, _ = kmeans_plusplus(sample, k, x_squared_norms=squared_norms, random_state=int(start_seed))
        result = _lloyd(sample, seeds, tol)
        if result is not None and result[1] < best_inertia:
            best_centres, best_inertia = result
        report(progress, _STARTS_SHARE * (start + 1) / starts, f"Tried start {start + 1} of {starts}")
    if best_centres is None:
        raise DataError(
            f"No start found {k} separate segments; the customers may have too few different values "
            "for this many segments. Choose fewer segments."
        )
    return best_centres + offset


def _lloyd(points: np.ndarray, centres: np.ndarray, tol: float) -> tuple[np.ndarray, float] | None:
    """Lloyd iterations from `centres`; returns the last centres that each kept at least one point and
    their inertia, or None if k-means++ handed over centres that share their points."""
    kept = None
    for _ in range(_SAMPLE_MAX_ITER):
        # argmin |x - c|^2 = argmax (x.c - |c|^2 / 2): one matrix product instead of all differences
        labels = np.argmax(points @ centres.T - 0.5 * np.einsum("ij,ij->i", centres, centres), axis=1)
        counts = np.bincount(labels, minlength=len(centres))
        if not counts.all():
            break
        kept = centres, labels
        moved = np.stack(
            [np.bincount(labels, weights=column, minlength=len(centres)) for column in points.T], axis=1
        ) / counts[:, None]
        shift = float(((moved - centres) ** 2).sum())
        centres = moved
        if shift <= tol:
            break
    if kept is None:
        return None
    centres, labels = kept
    residuals = points - centres[labels]
    return centres, float(np.einsum("ij,ij->", residuals, residuals))


def _refine(
    data: np.ndarray, centres: np.ndarray, cancel: CancelCheck | None
) -> tuple[np.ndarray, np.ndarray, float]:
    """Lloyd on all customers from `centres`, in rounds with a Cancel check between them; returns the
    labels, the centres and the inertia.

    The iterations are scikit-learn's own (`_kmeans_single_lloyd`: what `KMeans.fit` runs for each
    start, multi-threaded, without the GIL), prepared the way `KMeans.fit` prepares them (centred data,
    the same tolerance). `KMeans.fit` itself ends with `len(set(labels))`: a Python set of a million
    labels, which holds the GIL for 65 ms per call and froze the window during every fit. The private
    name is pinned by constraints.txt, and tests compare the result with `KMeans.fit`'s.
    """
    offset = data.mean(axis=0)
    centred = data - offset  # also keeps the caller's array untouched, as KMeans' copy_x did
    weights = np.ones(len(centred), dtype=centred.dtype)
    tol = _RELATIVE_TOL * float(np.mean(np.var(data, axis=0)))
    centres = np.ascontiguousarray(centres - offset)
    threads = _openmp_effective_n_threads()
    for _ in range(_REFINE_MAX_ROUNDS):
        raise_if_cancelled(cancel)
        labels, inertia, centres, iterations = _kmeans_single_lloyd(
            centred, weights, centres, max_iter=_REFINE_ROUND_ITER, tol=tol, n_threads=threads
        )
        if iterations < _REFINE_ROUND_ITER:
            break
    return labels, centres + offset, float(inertia)


def _stable_order(centres: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Old segment numbers in their new order: largest first, equal sizes by centroid coordinates."""
    keys = [centres[:, column] for column in reversed(range(centres.shape[1]))]
    return np.lexsort([*keys, -sizes])


class _SeparationSample:
    """Silhouette, Calinski-Harabasz and Davies-Bouldin on a fixed set of customers: all of them up to
    SILHOUETTE_SAMPLE, else a random sample of that size shared by every k so the scores are comparable.
    The other two scores would be cheap on all rows but are measured on the same sample so that the
    three agree on what they describe and the sweep stays fast."""

    def __init__(self, data: np.ndarray, rng: np.random.Generator) -> None:
        if len(data) > SILHOUETTE_SAMPLE:
            self.rows: np.ndarray | None = np.sort(rng.choice(len(data), SILHOUETTE_SAMPLE, replace=False))
            self.points = data[self.rows]
        else:
            self.rows, self.points = None, data

    def scores(self, labels: np.ndarray) -> tuple[float | None, float | None, float | None]:
        if self.rows is not None:
            labels = labels[self.rows]
        groups = len(np.unique(labels))
        if groups < 2 or groups >= len(labels):
            return None, None, None
        return (
            _mean_silhouette(self.points, labels),
            float(calinski_harabasz_score(self.points, labels)),
            float(davies_bouldin_score(self.points, labels)),
        )


def _mean_silhouette(points: np.ndarray, labels: np.ndarray) -> float:
    """scikit-learn's silhouette_score (Euclidean) of `labels`, without holding all pairwise distances.

    For each point, a is the mean distance to the other points of its group and b the smallest mean
    distance to the points of another group; its silhouette is (b - a) / max(a, b), or 0 when it is
    alone in its group (or a = b = 0). The distances are worked through in square blocks, each one
    computed once for both of its sides (distances are symmetric); a block's summed distances to every
    group come from one matrix product with the one-hot group matrix, not a Python loop over points."""
    groups, codes = np.unique(labels, return_inverse=True)
    sizes = np.bincount(codes, minlength=len(groups))
    one_hot = np.zeros((len(codes), len(groups)))
    one_hot[np.arange(len(codes)), codes] = 1.0
    summed_to_group = np.zeros_like(one_hot)
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
                summed_to_group[rows] += distances @ one_hot[rows]
            else:  # the block also gives the distances from the columns' points to the rows' points
                summed_to_group[rows] += distances @ one_hot[columns]
                summed_to_group[columns] += distances.T @ one_hot[rows]

    everyone = np.arange(len(codes))
    own_sizes = sizes[codes]
    # The point's own (zero) distance is in its group's sum but is not one of the "others".
    a = summed_to_group[everyone, codes] / np.maximum(own_sizes - 1, 1)
    summed_to_group[everyone, codes] = np.inf
    b = (summed_to_group / sizes).min(axis=1)
    larger = np.maximum(a, b)
    defined = (own_sizes > 1) & (larger > 0)
    return float(np.where(defined, (b - a) / np.where(defined, larger, 1.0), 0.0).mean())
