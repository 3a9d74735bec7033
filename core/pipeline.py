"""The whole analysis as a few calls that the GUI (on its worker), the command line and tests share.

CONTRACT (implementation pending).
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.clustering import DEFAULT_SEED, KMeansSegmenter, KSweep
from core.preparation import MissingPolicy, PreparedData, Scaling
from core.profiling import OverallProfile, SegmentProfile


@dataclass(frozen=True)
class AnalysisSettings:
    features: tuple[str, ...] | None = None  # None: the default choice (numeric/categorical, no IDs)
    k: int | None = None  # None: use the suggested k
    k_min: int = 1
    k_max: int = 10
    scaling: Scaling = Scaling.STANDARD
    missing: MissingPolicy = MissingPolicy.DROP
    log_columns: tuple[str, ...] = ()
    seed: int = DEFAULT_SEED


@dataclass(frozen=True)
class Segmentation:
    """One fitted k: labels per row of the table (-1 = left out), profiles and centroids in user units."""

    k: int
    segmenter: KMeansSegmenter
    labels: np.ndarray
    centroids: pd.DataFrame  # one row per segment, chosen features in the file's units
    profiles: tuple[SegmentProfile, ...]
    overall: OverallProfile

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(profile.name for profile in self.profiles)


@dataclass(frozen=True)
class AnalysisResult:
    settings: AnalysisSettings  # with features resolved
    prepared: PreparedData
    sweep: KSweep | None  # None when k was given and no sweep was asked for
    segmentation: Segmentation


def resolve_features(table: "LoadedTable", features: tuple[str, ...] | None) -> tuple[str, ...]:
    """The chosen features, or the default choice when `features` is None."""
    raise NotImplementedError


def prepare_table(table: "LoadedTable", settings: AnalysisSettings) -> PreparedData:
    raise NotImplementedError


def run_sweep(
    prepared: PreparedData,
    settings: AnalysisSettings,
    *,
    progress: "ProgressCallback | None" = None,
    cancel: "CancelCheck | None" = None,
    on_score: "Callable[[KScore], None] | None" = None,
) -> KSweep:
    raise NotImplementedError


def fit_segmentation(
    frame: pd.DataFrame,
    prepared: PreparedData,
    k: int,
    *,
    seed: int = DEFAULT_SEED,
    progress: "ProgressCallback | None" = None,
    cancel: "CancelCheck | None" = None,
) -> Segmentation:
    raise NotImplementedError


def rename_segments(segmentation: Segmentation, names: "Sequence[str]") -> Segmentation:
    """The same segmentation with the user's names (edits flow into charts and exports)."""
    raise NotImplementedError


def run_analysis(
    table: "LoadedTable",
    settings: AnalysisSettings,
    *,
    progress: "ProgressCallback | None" = None,
    cancel: "CancelCheck | None" = None,
    on_score: "Callable[[KScore], None] | None" = None,
) -> AnalysisResult:
    """Prepare, sweep k (unless settings.k is given), fit the chosen k and profile the segments."""
    raise NotImplementedError
