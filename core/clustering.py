"""k-means that stays fast on a million customers, the k sweep, and the suggested k with its reason.

CONTRACT (implementation pending).
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from core.progress import CancelCheck, ProgressCallback

DEFAULT_SEED = 42
DEFAULT_N_INIT = 10
MAX_K = 30
SILHOUETTE_SAMPLE = 5000


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

    def score_for(self, k: int) -> KScore:
        raise NotImplementedError


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
        raise NotImplementedError

    def predict(self, matrix: np.ndarray) -> np.ndarray:
        raise NotImplementedError


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
    raise NotImplementedError


def suggest_k(scores: tuple[KScore, ...]) -> tuple[int, str]:
    """The knee of the WCSS curve, checked against silhouette, and the reason in one sentence."""
    raise NotImplementedError
