"""k-means++ seedings drawn many at a time, for scikit-learn's KMeans to start from.

`KMeans(init="k-means++", n_init=50)` draws each start's seeding on its own, in scikit-learn's Python
code: on a table of a few hundred customers the seeding is most of a start's time (Mall customers,
k = 6: 28 ms for 50 starts, 8 ms from seedings given). `kmeans_plusplus_seedings` draws the same seedings
(scikit-learn's greedy k-means++: each centre the best of 2 + log k candidates drawn in proportion to
their weighted squared distance from the nearest centre so far) for all the starts side by side, one
numpy step per centre; `KMeansStarts` hands them to KMeans through its public `init=callable`, with
any other starts of the same call.
"""

from collections.abc import Sequence

import numpy as np

# Each step works on about this many candidate-to-customer distances (2 MB, in one array): the starts are
# drawn in groups small enough for that, down to one start at a time (one start's candidates on a table
# of 250,000 customers are 6 MB).
_STEP_CELLS = 250_000


def kmeans_plusplus_seedings(
    points: np.ndarray, k: int, count: int, rng: np.random.Generator, weights: np.ndarray | None = None
) -> np.ndarray:
    """`count` k-means++ seedings of `k` centres among `points` (rows weighted by `weights`, one each by
    default), as an array of shape (count, k, columns). The points must hold at least k different rows."""
    rows, columns = points.shape
    weights = np.ones(rows) if weights is None else np.asarray(weights, dtype=np.float64)
    trials = 2 + int(np.log(k))
    norms = np.einsum("ij,ij->i", points, points)
    seedings = np.empty((count, k, columns))
    group_size = max(1, _STEP_CELLS // (trials * rows))
    for first in range(0, count, group_size):
        group = min(group_size, count - first)
        seedings[first:first + group] = _seedings(points, norms, weights, k, group, trials, rng)
    return seedings


def _seedings(
    points: np.ndarray,
    norms: np.ndarray,
    weights: np.ndarray,
    k: int,
    count: int,
    trials: int,
    rng: np.random.Generator,
) -> np.ndarray:
    rows, columns = points.shape
    starts = np.arange(count)
    centres = np.empty((count, k, columns))
    first = rng.choice(rows, size=count, p=weights / weights.sum())
    centres[:, 0] = points[first]
    # Each start's squared distance from every point to its nearest centre so far.
    nearest = _squared_distances(points, norms, first[:, None])[:, 0]
    for centre in range(1, k):
        # Candidates drawn in proportion to weight times squared distance: one running sum over all the
        # starts' rows, each start's draws falling within its own stretch of it.
        running = np.cumsum(nearest * weights, axis=None)
        ends = running[rows - 1::rows]
        beginnings = np.concatenate(([0.0], ends[:-1]))
        targets = beginnings[:, None] + rng.random((count, trials)) * (ends - beginnings)[:, None]
        found = np.searchsorted(running, targets.ravel()).reshape(count, trials)
        candidates = np.clip(found - (starts * rows)[:, None], 0, rows - 1)
        # The candidate that leaves the least weighted squared distance is kept (greedy k-means++).
        after = _squared_distances(points, norms, candidates)
        np.minimum(after, nearest[:, None, :], out=after)
        best = (after @ weights).argmin(axis=1)
        nearest = after[starts, best]
        centres[:, centre] = points[candidates[starts, best]]
    return centres


def _squared_distances(points: np.ndarray, norms: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Squared distances from each candidate row (an integer array of shape (starts, trials)) to every
    point, shape (starts, trials, points), worked out in one array."""
    distances = points[candidates.ravel()] @ points.T
    distances *= -2.0
    distances += norms
    distances += norms[candidates.ravel(), None]
    np.maximum(distances, 0.0, out=distances)
    return distances.reshape(*candidates.shape, len(points))


class KMeansStarts:
    """KMeans's `init` callable for `KMeans(k, init=starts, n_init=starts.count)`: hands KMeans one start
    at a time, first `count` k-means++ seedings (drawn side by side at the first start, on the customers
    KMeans passes it, in its order, so that `weights`, one per customer, stay with their customers), then
    the `given` sets of centres, so that one call runs them all (a call costs about a millisecond more
    than its starts on a small table).

    KMeans moves the customers by their mean before it asks for a start: the given centres, in the
    customers' own coordinates, are moved by `points_mean`, the mean of the customers passed to
    KMeans.fit, as KMeans moves centres given as an array."""

    def __init__(
        self,
        count: int,
        rng: np.random.Generator,
        weights: np.ndarray | None = None,
        given: Sequence[np.ndarray] = (),
        points_mean: np.ndarray | None = None,
    ) -> None:
        if given and points_mean is None:
            raise ValueError("given centres need the mean of the customers KMeans is fitted on")
        self.count = count + len(given)
        self._seeding_count = count
        self._rng = rng
        self._weights = weights
        self._given = [np.asarray(centres, dtype=np.float64) - points_mean for centres in given]
        self._waiting: list[np.ndarray] | None = None

    def __call__(self, points: np.ndarray, k: int, random_state: object) -> np.ndarray:
        if self._waiting is None:
            drawn = kmeans_plusplus_seedings(points, k, self._seeding_count, self._rng, self._weights)
            self._waiting = [*drawn, *self._given][::-1]
        if not self._waiting:
            raise RuntimeError(f"KMeans asked for more than the {self.count} starts it was given")
        return self._waiting.pop()
