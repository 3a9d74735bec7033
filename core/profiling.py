"""What each segment is, in the user's own units and in plain words.

CONTRACT (implementation pending).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class SegmentProfile:
    number: int  # 1-based, in the segmentation's stable order
    name: str  # e.g. "High income, low spending"; unique within one run
    size: int
    share: float  # of the segmented customers, 0..1
    centroid: dict[str, float]  # chosen numeric features -> centroid value in the file's units
    means: dict[str, float]  # every numeric column (features and the rest, like Age) -> segment mean
    medians: dict[str, float]
    # categorical column -> {level: share of this segment's customers}
    category_shares: dict[str, dict[str, float]] = field(default_factory=dict)
    # numeric column -> segment mean minus overall mean, in overall standard deviations
    difference: dict[str, float] = field(default_factory=dict)
    description: str = ""  # two or three short sentences


@dataclass(frozen=True)
class OverallProfile:
    size: int
    means: dict[str, float]
    medians: dict[str, float]
    std: dict[str, float]
    category_shares: dict[str, dict[str, float]] = field(default_factory=dict)


def profile_segments(
    frame: pd.DataFrame,
    labels: np.ndarray,
    features: Sequence[str],
    centroids: pd.DataFrame,
) -> tuple[tuple[SegmentProfile, ...], OverallProfile]:
    """`labels` has one entry per row of `frame`: the 0-based segment, or -1 for customers left out
    (missing values). `centroids` is one row per segment in the file's units (from the preprocessor's
    inverse transform). Names come from the features that set each segment apart most."""
    raise NotImplementedError


def profile_table(profiles: Sequence[SegmentProfile], overall: OverallProfile) -> pd.DataFrame:
    """One row per segment plus an "All customers" row: size, share, and the mean of every numeric
    column (categorical columns as the share of their most common level), for display and export."""
    raise NotImplementedError
