"""What DBSCAN and HDBSCAN share: groups of customers packed closely together, customers in no group
left UNUSUAL, large tables grouped on a sample, and new customers placed by the nearest customer of a
group within reach.

Each method groups a sample (`SampleGrouper`) and names its reference customers: the customers that
others are placed by (DBSCAN's core customers, HDBSCAN's group members), with how far from each a
customer may lie to join its group. Every customer of the table, sampled ones included, then gets
its segment by `assign_to_nearest`, the same rule a saved model uses on new customers, so assigning
the analysed file again gives back exactly the same segments.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from core.clustering import DEFAULT_SEED, MAX_K, as_matrix, check_magnitudes
from core.errors import DataError, SettingsError
from core.methods.sampling import (
    NearestReference,
    assign_to_nearest,
    numbered_by_size,
    sample_rows,
    within_sum_of_squares,
)
from core.progress import CancelCheck, ProgressCallback, raise_if_cancelled, report, scaled

# The density methods group a random sample of at most this many customers. Their cost grows faster
# than the number of customers (HDBSCAN builds a tree of all mutual distances: about 2 s on 20,000
# customers in 4 columns on the busy machine, against 0.6 s for DBSCAN), and a saved model keeps the
# sample's reference customers, so this also bounds a segment model's size (20,000 customers x 4
# columns: about 1.6 MB of JSON). 20,000 customers still hold 200 of a group of 1 % of the table.
SAMPLE_ROWS = 20_000
# Each customer's density is measured by its distance to its n-th nearest customer (itself counted,
# as scikit-learn counts): n = twice the columns (Sander et al. 1998; Schubert et al. 2017), at least
# this many. On generated crescents, blobs and scattered outliers, n = 4 split crescents into 5-7
# pieces where 10 found them whole.
MIN_NEIGHBOURS = 10

# More than this share of the customers in no group gets the warning of `_mostly_unusual`.
MOSTLY_UNUSUAL_SHARE = 0.5


def default_neighbours(columns: int) -> int:
    """How many customers (itself counted) must lie close to a customer for it to be in a dense spot."""
    return max(MIN_NEIGHBOURS, 2 * columns)


def grouped_sample(data: np.ndarray, seed: int) -> tuple[np.ndarray | None, np.ndarray]:
    """The customers a density method groups: the rows of a sample of SAMPLE_ROWS of a larger table
    (None: all of them), and their values; a DataError when they are all the same."""
    check_magnitudes(data)
    rows = sample_rows(len(data), SAMPLE_ROWS, seed)
    sample = data if rows is None else data[rows]
    if (sample == sample[0]).all():
        raise DataError(
            "All customers have the same values in the chosen columns, so there is nothing to group; "
            "choose columns in which customers differ."
        )
    return rows, sample


@dataclass(frozen=True)
class SampleGrouping:
    labels: np.ndarray  # per sampled customer: a group number, or UNUSUAL
    reference: np.ndarray  # bool per sampled customer: the customers the others are placed by
    reach: np.ndarray | float  # how far from each reference customer (or from all) a customer may lie
    notes: tuple[str, ...] = ()  # what the user should know about the grouping, in plain words


class SampleGrouper(Protocol):
    def group(
        self, sample: np.ndarray, progress: ProgressCallback | None, cancel: CancelCheck | None
    ) -> SampleGrouping: ...


class DensitySegmenter:
    """A density method's segments (scikit-learn estimator style), from its `grouper`.

    After `fit`: `labels_` (UNUSUAL for customers in no group), `n_segments_`, `cluster_centers_`
    (each segment's mean), `inertia_`, `notes_`, `unusual_` (how many customers are in no group)
    and `sample_size_` (how many customers were grouped; the others were placed)."""

    def __init__(self, grouper: SampleGrouper | None, *, seed: int = DEFAULT_SEED) -> None:
        self.grouper = grouper
        self.seed = seed

    def fit(
        self,
        matrix: np.ndarray,
        *,
        progress: ProgressCallback | None = None,
        cancel: CancelCheck | None = None,
    ) -> "DensitySegmenter":
        data = as_matrix(matrix)
        rows, sample = grouped_sample(data, self.seed)
        grouping = self.grouper.group(sample, scaled(progress, 0.0, 0.5), cancel)
        raise_if_cancelled(cancel)
        if not grouping.reference.any():
            raise SettingsError(
                "No group of customers was found: every customer looks unusual with these settings. "
                "Allow a larger distance between customers of a group, or smaller segments."
            )
        reach = grouping.reach
        if np.ndim(reach) == 1:
            reach = np.asarray(reach)[grouping.reference]
        reference = NearestReference(sample[grouping.reference], grouping.labels[grouping.reference], reach)
        report(progress, 0.5, "Placing every customer")
        raw = assign_to_nearest(data, reference, progress=scaled(progress, 0.5, 0.95), cancel=cancel)
        labels, centres = numbered_by_size(raw, data)
        # A reference customer is its own nearest reference (at distance 0), so its segment in the new
        # numbering is its own label.
        in_table = np.flatnonzero(grouping.reference) if rows is None else rows[grouping.reference]
        self._set_reference(NearestReference(reference.points, labels[in_table], reference.reach))
        self.labels_ = labels
        self.cluster_centers_ = centres
        self.n_segments_ = len(centres)
        self.inertia_ = within_sum_of_squares(data, labels, centres)
        self.unusual_ = int(np.count_nonzero(labels < 0))
        self.sample_size_ = len(sample)
        placed = () if rows is None else (
            f"The groups were found among a random sample of {len(sample):,} of your {len(data):,} "
            "customers; every other customer joined the group of the nearest sampled group member close "
            "enough to them, or the unusual customers when none was.",
        )
        self.notes_ = (
            grouping.notes + placed + _mostly_unusual(self.unusual_, len(data)) + _too_many(self.n_segments_)
        )
        report(progress, 1.0, f"Found {self.n_segments_} segments and {self.unusual_:,} unusual customers")
        return self

    def _set_reference(self, reference: NearestReference) -> None:
        self.reference_ = reference
        self.n_segments_ = int(reference.labels.max()) + 1 if len(reference.labels) else 0

    def predict(self, matrix: np.ndarray) -> np.ndarray:
        """The segment of the nearest reference customer when it is within reach, else UNUSUAL."""
        return assign_to_nearest(as_matrix(matrix), self.reference_)

    def to_dict(self) -> dict[str, Any]:
        reach = self.reference_.reach
        return {
            "points": self.reference_.points.tolist(),
            "labels": self.reference_.labels.tolist(),
            "reach": reach.tolist() if isinstance(reach, np.ndarray) else reach,
            "centres": self.cluster_centers_.tolist(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "DensitySegmenter":
        """A fitted segmenter that places customers as the saved one did."""
        reach = data["reach"]
        segmenter = cls(None)
        points = np.asarray(data["points"], dtype=np.float64)
        segmenter._set_reference(
            NearestReference(
                points.reshape(len(points), -1),
                np.asarray(data["labels"], dtype=np.int64),
                np.asarray(reach, dtype=np.float64) if isinstance(reach, list) else reach,
            )
        )
        segmenter.cluster_centers_ = np.asarray(data["centres"], dtype=np.float64).reshape(
            segmenter.n_segments_, points.shape[1]
        )
        segmenter.notes_ = ()
        return segmenter


def _too_many(segments: int) -> tuple[str, ...]:
    """A warning when there are more segments than a sweep would ever offer (MAX_K): on the order lines of
    CDNOW_master.txt (CDs and dollars, whole numbers and round prices repeated thousands of times)
    DBSCAN's automatic distance found 310 tiny groups, each one a clump of identical orders."""
    if segments <= MAX_K:
        return ()
    return (
        f"{segments} segments are more than anyone can plan for: many small clumps of very similar "
        "customers each count as a dense group. Allow a larger distance between customers of a group, or "
        "larger smallest segments, to join them; or use k-means, where you choose how many segments "
        "there are.",
    )


def _mostly_unusual(unusual: int, customers: int) -> tuple[str, ...]:
    """A warning when most customers are in no group: the segments then describe a minority, and the
    customers do not form dense groups in these columns (70 % of CC GENERAL.csv's customers with HDBSCAN's
    defaults), which a method that places everyone describes better."""
    if customers == 0 or unusual / customers <= MOSTLY_UNUSUAL_SHARE:
        return ()
    return (
        f"{unusual / customers:.0%} of your customers belong to no group: they do not form dense groups in "
        "these columns, so the segments describe only the rest. k-means or a Gaussian mixture, which place "
        "every customer, will describe them better.",
    )
