"""DBSCAN: groups of customers packed closely together, of any shape; customers in no group are unusual.

A customer with at least `neighbours` customers (itself counted) within `distance` is at the heart
of a group; hearts within `distance` of each other are one group, and a customer within `distance`
of a heart joins its group (of the nearest heart, where scikit-learn takes the first one found: the
same rule then places new customers). The distance is read from the k-distance curve as Orange does:
each customer's distance to its n-th nearest customer, sorted; where the curve bends upwards the
customers stop being in dense spots. The user can change it (option "distance").
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.cluster import DBSCAN as ScikitDBSCAN
from sklearn.neighbors import NearestNeighbors

from core.clustering import DEFAULT_SEED, as_matrix, check_count
from core.errors import SettingsError
from core.methods.base import Method
from core.methods.density import DensitySegmenter, SampleGrouping, default_neighbours, grouped_sample
from core.progress import CancelCheck, ProgressCallback, raise_if_cancelled, report

# DBSCAN holds every pair of customers within the distance; more pairs than this (about 0.5 GB of
# them in scikit-learn's lists) are refused with a message rather than risking the memory. The
# automatic distance on the generated million customers gave about 1.3 million pairs in the sample.
MAX_NEIGHBOUR_PAIRS = 40_000_000
# Customers whose neighbours are counted to estimate the pairs.
_PROBE_CUSTOMERS = 200
# The k-distance curve handed to the app's chart holds at most this many points (evenly spread
# along the sorted customers), enough for a smooth line.
CURVE_POINTS = 400


@dataclass(frozen=True)
class DistanceCurve:
    """The k-distance curve as plain data for a chart, and the distance read from its bend."""

    shares: tuple[float, ...]  # x: share of customers (0 to 1), sorted by their distance
    distances: tuple[float, ...]  # y: each one's distance to its `neighbours`-th nearest customer
    neighbours: int
    chosen_distance: float  # at the bend
    chosen_share: float  # the share of customers whose distance is at most the chosen one
    sentence: str  # the bend in plain words


def distance_curve(
    matrix: np.ndarray, *, neighbours: int | None = None, seed: int = DEFAULT_SEED
) -> DistanceCurve:
    """The k-distance curve of the customers DBSCAN would group (the same sample on a large table)
    and the distance at its bend, which DBSCAN uses unless the user sets another."""
    data = as_matrix(matrix)
    sample = grouped_sample(data, seed)[1]
    return _curve(sample, neighbours or default_neighbours(data.shape[1]))


def _curve(sample: np.ndarray, neighbours: int) -> DistanceCurve:
    if len(sample) <= neighbours:
        raise SettingsError(
            f"Finding dense groups needs more than {neighbours} customers; there are {len(sample)}."
        )
    # The sample itself is searched, so each customer is its own nearest (at 0), as DBSCAN counts.
    distances = NearestNeighbors(n_neighbors=neighbours).fit(sample).kneighbors(sample)[0][:, -1]
    ordered = np.sort(distances)
    chosen = _bend_distance(ordered, sample)
    shown = np.unique(np.linspace(0, len(ordered) - 1, min(CURVE_POINTS, len(ordered))).astype(np.int64))
    share = float(np.searchsorted(ordered, chosen, side="right") / len(ordered))
    return DistanceCurve(
        tuple(float(row / (len(ordered) - 1)) for row in shown),
        tuple(float(value) for value in ordered[shown]),
        neighbours,
        chosen,
        share,
        f"{share:.0%} of your customers have {neighbours - 1} others within {chosen:.3g} of them; beyond "
        "that distance the curve turns sharply upwards, so the rest are in sparse places.",
    )


def _bend_distance(ordered: np.ndarray, sample: np.ndarray) -> float:
    """The distance where the sorted distances bend upwards: at the point farthest below the straight
    line from the first to the last point (the Kneedle idea, as core.clustering's elbow), on the
    logarithm of the distances. On the distances themselves one far-away customer sets the scale,
    the line runs along the bottom and the bend lands just before that customer (measured: one
    customer 100 spreads away put all others in one group); the logarithm keeps the curve's shape.
    Always above 0 (DBSCAN needs it): where many customers are identical, at least the smallest
    distance above 0 on the curve, and where every customer has that many identical ones, half the
    smallest distance between different customers (each kind of customer is then a group)."""
    positive = ordered[ordered > 0]
    if len(positive) == 0:  # (the sample holds different customers: see density.grouped_sample)
        different = np.unique(sample, axis=0)
        gaps = NearestNeighbors(n_neighbors=2).fit(different).kneighbors(different)[0][:, 1]
        return float(gaps.min() / 2)
    logs = np.log(np.maximum(ordered, positive[0]))
    if logs[-1] == logs[0]:
        return float(positive[0])  # evenly spaced customers: every one is in an equally dense spot
    along = np.linspace(0.0, 1.0, len(logs))
    up = (logs - logs[0]) / (logs[-1] - logs[0])
    return float(max(ordered[int(np.argmax(along - up))], positive[0]))


@dataclass(frozen=True)
class _DbscanGrouper:
    distance: float | None  # None: read from the curve's bend
    neighbours: int | None  # None: default_neighbours(columns)

    def group(
        self, sample: np.ndarray, progress: ProgressCallback | None, cancel: CancelCheck | None
    ) -> SampleGrouping:
        neighbours = self.neighbours or default_neighbours(sample.shape[1])
        notes: tuple[str, ...] = ()
        distance = self.distance
        if distance is None:
            report(progress, 0.0, "Measuring how closely customers are packed")
            curve = _curve(sample, neighbours)
            distance = curve.chosen_distance
            bend = f"The distance {distance:.3g} was chosen where the distance curve bends: "
            notes = (bend + curve.sentence,)
        raise_if_cancelled(cancel)
        _check_not_everyone_close(sample, distance)
        report(progress, 0.4, "Finding dense groups")
        model = ScikitDBSCAN(eps=distance, min_samples=neighbours).fit(sample)
        core = np.zeros(len(sample), dtype=bool)
        core[model.core_sample_indices_] = True
        return SampleGrouping(model.labels_.astype(np.int64), core, float(distance), notes)


def _check_not_everyone_close(sample: np.ndarray, distance: float) -> None:
    """A SettingsError when the distance would put so many customers within reach of each other that
    scikit-learn's lists of neighbours would not fit in memory (it holds every pair within reach:
    20,000 customers all within reach of each other are 400 million pairs, over 3 GB). Estimated
    from the neighbours of a few hundred customers."""
    probe = sample[:: max(1, len(sample) // _PROBE_CUSTOMERS)]
    within = NearestNeighbors(radius=distance).fit(sample).radius_neighbors(probe, return_distance=False)
    pairs = np.mean([len(neighbours) for neighbours in within]) * len(sample)
    if pairs > MAX_NEIGHBOUR_PAIRS:
        share = pairs / len(sample) ** 2
        raise SettingsError(
            f"With the distance {distance:.3g} each customer has about {share:.0%} of the others close "
            "by, too many to group; choose a smaller distance (leave it empty to have it read from the "
            "distance curve)."
        )


def _make(k: int | None, seed: int, options: Mapping[str, Any]) -> DensitySegmenter:
    distance = options.get("distance")
    if distance is not None and not (isinstance(distance, int | float) and distance > 0):
        raise SettingsError(f"The distance between customers of a group must be above 0; got {distance!r}.")
    neighbours = options.get("neighbours")
    if neighbours is not None:
        neighbours = check_count(neighbours, "number of close customers")
    return DensitySegmenter(
        _DbscanGrouper(None if distance is None else float(distance), neighbours), seed=seed
    )


DBSCAN = Method(
    name="dbscan",
    title="DBSCAN (dense groups)",
    when_to_use=(
        "Finds the number of groups itself, follows groups of any shape and sets apart customers who "
        "fit no group; best when the groups are about equally dense."
    ),
    takes_k=False,
    has_centres=False,
    make=_make,
    from_dict=DensitySegmenter.from_dict,
    # distance: None reads it from the bend of the distance curve (see `distance_curve`);
    # neighbours: None takes core.methods.density.default_neighbours.
    options={"distance": None, "neighbours": None},
    finds_unusual=True,
)
