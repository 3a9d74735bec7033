"""The small interface every way of grouping customers implements (scikit-learn estimator style).

A method is described once by a `Method` (its name on the command line, its title and when it fits, in
plain words) and fitted through a `Segmenter`. Downstream code (profiles, charts, exports, segment
models, projects, stability) only uses what is written here, so a new method touches its own module
and the registry in `core.methods`.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, Self

import numpy as np

from core.progress import CancelCheck, ProgressCallback

# The label of a customer who belongs to no group (density methods). Shown to the user as segment 0,
# "Unusual customers"; scikit-learn's DBSCAN and HDBSCAN use the same -1 for noise.
UNUSUAL = -1


class Segmenter(Protocol):
    """A fitted or unfitted grouping of the rows of a prepared matrix.

    After `fit(matrix)`:
    - `labels_`: int64, one per row: 0-based segment numbers in a stable order (largest segment first,
      ties by centre), or UNUSUAL;
    - `n_segments_`: the number of segments (not counting the unusual customers);
    - `cluster_centers_`: (n_segments_, columns), each segment's centre in the prepared space: the
      method's own centres where it has them (k-means), else the mean of the segment's customers;
    - `inertia_`: the within-segment sum of squared distances to those centres (unusual customers
      not counted), so that methods can be compared on the same measure;
    - `notes_`: sentences the app and the report show about how the fit ran (e.g. that a large table
      was grouped on a sample and how the other customers were placed); empty when there is nothing
      to say.
    """

    labels_: np.ndarray
    n_segments_: int
    cluster_centers_: np.ndarray
    inertia_: float
    notes_: tuple[str, ...]

    def fit(
        self,
        matrix: np.ndarray,
        *,
        progress: ProgressCallback | None = None,
        cancel: CancelCheck | None = None,
    ) -> Self: ...

    def predict(self, matrix: np.ndarray) -> np.ndarray:
        """The segment of each row of a matrix prepared like the fitted one (UNUSUAL where the method
        leaves customers out: far from every group of a density method)."""
        ...

    def to_dict(self) -> dict[str, Any]:
        """What `predict` needs, as JSON-ready plain data (segment models and projects store it)."""
        ...


@dataclass(frozen=True)
class Method:
    name: str  # on the command line and in files: "kmeans", "hierarchical", "gmm", "dbscan", "hdbscan"
    title: str  # in the app and the report: "k-means"
    # One sentence for a non-specialist on when this method fits better than the others.
    when_to_use: str
    # Whether the user chooses the number of segments (density methods find it themselves).
    takes_k: bool
    # Whether the segments have centres of the method's own (k-means, Ward, the mixture's means) that
    # charts can mark (density methods: none).
    has_centres: bool
    # make(k, seed, options) -> an unfitted Segmenter; k is None for methods that do not take it.
    make: Callable[[int | None, int, Mapping[str, Any]], Segmenter]
    # from_dict(data) -> a fitted Segmenter that predicts as the saved one did (its `to_dict`).
    from_dict: Callable[[Mapping[str, Any]], Segmenter]
    # Settings the method takes beyond k, with their defaults (e.g. {"min_segment_share": 0.01}).
    options: Mapping[str, Any] = field(default_factory=dict)
    # The sweep over k that suggests a number of segments, None when the method has none:
    # sweep(matrix, k_min, k_max, *, seed, progress, cancel, on_score, on_labels) -> an object with
    # `scores` (one per k, ascending), `suggested_k`, `reason` (one plain sentence) and `notes`;
    # k-means and Ward give core.clustering.KSweep, the Gaussian mixture core.methods.gmm.MixtureSweep.
    # on_labels(k, labels) gets each k's labels per row, as the method's fit with that k gives them.
    sweep: Callable[..., Any] | None = None
    # Whether the fitted Segmenter has `predict_proba(matrix)`: each customer's probability of each
    # segment (exported as "P(segment N)" columns, shown on hover).
    gives_probabilities: bool = False
    # Whether some customers can be left in no group (labelled UNUSUAL): the density methods.
    finds_unusual: bool = False
    # assign_saved(saved, matrix) -> the fitted Segmenter that saved parameters (`to_dict`) give on the
    # customers they were found for, exactly and without a new search (k-means: each customer to the
    # nearest centre); None where only a new fit gives the labels back. A sweep's k and a reopened
    # project then need no new fit.
    assign_saved: Callable[[Mapping[str, Any], np.ndarray], Segmenter] | None = None
