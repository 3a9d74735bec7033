"""What the methods whose cost grows faster than the number of customers share on large tables.

Ward, DBSCAN and HDBSCAN (and the Gaussian mixture's fit) run on a random sample of the customers, of a
size each module documents; every other customer then goes to the group of the nearest reference
point (a sampled customer, a core customer, a micro-group's centre), or to UNUSUAL when it lies
farther from that point than the method allows. The same `assign_to_nearest` also predicts new
customers from a saved model, so that assigning the analysed file again gives back the same segments.
"""

from dataclasses import dataclass

import numpy as np
from sklearn.neighbors import NearestNeighbors

from core.errors import DataError
from core.methods.base import UNUSUAL
from core.progress import CancelCheck, ProgressCallback, raise_if_cancelled, report

# Customers looked up per step of `assign_to_nearest`, with a Cancel check between steps. Steps of
# 100,000 customers against 20,000 reference customers took up to 0.7 s with the machine's load at 7
# (make bench, row 13) but 3-4 s at a load of 17 (4 random columns); half of that is still short.
_ASSIGN_CHUNK_ROWS = 50_000


def sample_rows(rows: int, size: int, seed: int) -> np.ndarray | None:
    """The rows (sorted) of a uniform random sample of `size` customers drawn with `seed`, or None when
    the table has no more than `size` customers (then all of them are used)."""
    if rows <= size:
        return None
    return np.sort(np.random.default_rng(seed).choice(rows, size, replace=False))


def check_columns(data: np.ndarray, columns: int) -> None:
    """A DataError when customers to assign were prepared with a different number of columns."""
    if data.shape[1] != columns:
        raise DataError(
            f"The customers to assign have {data.shape[1]} prepared columns but the segments were "
            f"built from {columns}; prepare them with the same settings as the analysed file."
        )


@dataclass(frozen=True)
class NearestReference:
    """Reference points with a segment each (and optionally how far each reaches), for assigning."""

    points: np.ndarray  # (n, columns)
    labels: np.ndarray  # int64 per point, a segment number
    # How far from each point (or from every point, a scalar) a customer may lie to join its segment;
    # None: no limit (every customer joins the segment of its nearest point).
    reach: np.ndarray | float | None = None


def assign_to_nearest(
    data: np.ndarray,
    reference: NearestReference,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
) -> np.ndarray:
    """The segment of each row of `data`: that of its nearest reference point (the first of equally
    near ones, as the tree search finds it, the same on every call), or UNUSUAL when that point is
    farther than its reach. In steps of _ASSIGN_CHUNK_ROWS rows with Cancel checked between them."""
    check_columns(data, reference.points.shape[1])
    labels = np.full(len(data), UNUSUAL, dtype=np.int64)
    if len(reference.points) == 0:
        return labels
    search = NearestNeighbors(n_neighbors=1).fit(reference.points)
    reach = None if reference.reach is None else np.asarray(reference.reach, dtype=np.float64)
    for start in range(0, len(data), _ASSIGN_CHUNK_ROWS):
        raise_if_cancelled(cancel)
        chunk = data[start : start + _ASSIGN_CHUNK_ROWS]
        distances, nearest = search.kneighbors(chunk)
        distances, nearest = distances[:, 0], nearest[:, 0]
        found = reference.labels[nearest]
        if reach is not None:
            allowed = reach if reach.ndim == 0 else reach[nearest]
            found = np.where(distances <= allowed, found, UNUSUAL)
        labels[start : start + len(chunk)] = found
        report(progress, min(start + len(chunk), len(data)) / len(data), "Assigning every customer")
    return labels


def numbered_by_size(labels: np.ndarray, data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Labels renumbered 0, 1, ... largest segment first (equal sizes by their mean's coordinates, so
    the order does not depend on the method's own numbering), UNUSUAL kept; and the means of the
    segments in that order (each segment's centre in the prepared space)."""
    kept = labels != UNUSUAL
    groups, codes = np.unique(labels[kept], return_inverse=True)
    sizes = np.bincount(codes, minlength=len(groups))
    means = np.stack(
        [np.bincount(codes, weights=column, minlength=len(groups)) for column in data[kept].T], axis=1
    ) / np.maximum(sizes, 1)[:, None]
    order = size_order(sizes, means)
    new_number = np.empty(len(groups), dtype=np.int64)
    new_number[order] = np.arange(len(groups))
    renumbered = np.full(len(labels), UNUSUAL, dtype=np.int64)
    renumbered[kept] = new_number[codes]
    return renumbered, means[order].reshape(len(groups), data.shape[1])


def size_order(sizes: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """The segments' old numbers in their new order: largest first, equal sizes by their centres'
    coordinates (first column first)."""
    return np.lexsort([*(centres[:, column] for column in reversed(range(centres.shape[1]))), -sizes])


def within_sum_of_squares(data: np.ndarray, labels: np.ndarray, centres: np.ndarray) -> float:
    """The within-segment sum of squared distances to the centres, unusual customers not counted."""
    kept = labels != UNUSUAL
    residuals = data[kept] - centres[labels[kept]]
    return float(np.einsum("ij,ij->", residuals, residuals))
