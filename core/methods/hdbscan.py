"""HDBSCAN (scikit-learn's): dense groups of any shape and of different densities, without a distance
to choose; the user sets the smallest segment worth keeping, as a share of the customers.

New customers (and, on a large table, the customers outside the sample) join the group of the
nearest group member if they lie within that member's own neighbourhood (its distance to its n-th
nearest customer, the "core distance" HDBSCAN measures density by), else they are unusual.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.cluster import HDBSCAN as ScikitHDBSCAN
from sklearn.neighbors import NearestNeighbors

from core.errors import SettingsError
from core.methods.base import UNUSUAL, Method
from core.methods.density import DensitySegmenter, SampleGrouping, default_neighbours
from core.progress import CancelCheck, ProgressCallback, raise_if_cancelled, report

# The smallest segment kept, as a share of the customers (issue 19: about 1 %), and in customers.
DEFAULT_MIN_SEGMENT_SHARE = 0.01
MIN_SEGMENT_CUSTOMERS = 5


@dataclass(frozen=True)
class _HdbscanGrouper:
    min_segment_share: float

    def group(
        self, sample: np.ndarray, progress: ProgressCallback | None, cancel: CancelCheck | None
    ) -> SampleGrouping:
        smallest = max(MIN_SEGMENT_CUSTOMERS, round(self.min_segment_share * len(sample)))
        if len(sample) < 2 * smallest:
            raise SettingsError(
                f"Segments of at least {smallest} customers need at least {2 * smallest} customers; there "
                f"are {len(sample)}. Allow smaller segments."
            )
        # Density is measured over the same number of neighbours as DBSCAN's (never more than the
        # smallest segment): scikit-learn's default (the smallest segment, 200 customers in a sample
        # of 20,000) left 24 % of five generated round groups unusual where this left 14 %.
        neighbours = min(default_neighbours(sample.shape[1]), smallest)
        report(progress, 0.0, "Finding dense groups")
        model = ScikitHDBSCAN(min_cluster_size=smallest, min_samples=neighbours, copy=True).fit(sample)
        raise_if_cancelled(cancel)
        report(progress, 0.8, "Measuring each group member's neighbourhood")
        reach = NearestNeighbors(n_neighbors=neighbours).fit(sample).kneighbors(sample)[0][:, -1]
        labels = model.labels_.astype(np.int64)
        notes = (
            f"Groups of fewer than {smallest:,} customers ({self.min_segment_share:.1%} of "
            f"{len(sample):,}) were not kept as segments; their customers count as unusual.",
        )
        return SampleGrouping(labels, labels != UNUSUAL, reach, notes)


def _make(k: int | None, seed: int, options: Mapping[str, Any]) -> DensitySegmenter:
    share = options.get("min_segment_share", DEFAULT_MIN_SEGMENT_SHARE)
    if isinstance(share, bool) or not isinstance(share, int | float) or not 0 < share <= 0.5:
        raise SettingsError(
            "The smallest segment must be a share of the customers above 0 % and at most 50 %; "
            f"got {share!r}."
        )
    return DensitySegmenter(_HdbscanGrouper(float(share)), seed=seed)


HDBSCAN = Method(
    name="hdbscan",
    title="HDBSCAN (dense groups, any density)",
    when_to_use=(
        "Finds the number of groups itself, follows groups of any shape, even when some are packed "
        "more tightly than others, and sets apart customers who fit no group; no distance to choose."
    ),
    takes_k=False,
    has_centres=False,
    make=_make,
    from_dict=DensitySegmenter.from_dict,
    # The smallest segment worth keeping, as a share of the customers (at least 5 customers).
    options={"min_segment_share": DEFAULT_MIN_SEGMENT_SHARE},
    finds_unusual=True,
)
