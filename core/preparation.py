"""From a customer table to the numeric matrix k-means works on, with every step recorded in plain words.

CONTRACT (implementation pending).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import pandas as pd

from core.columns import ColumnSummary


class MissingPolicy(StrEnum):
    DROP = "drop"  # leave out customers with a missing value in a chosen column (default)
    FILL = "fill"  # median for numbers, most frequent value for categories


class Scaling(StrEnum):
    STANDARD = "standard"  # default: every feature gets the same weight (z-score)
    MINMAX = "minmax"
    ROBUST = "robust"  # median and interquartile range: outliers pull less
    NONE = "none"  # distances in the file's own units


MAX_CATEGORY_LEVELS = 20


@dataclass(frozen=True)
class PreparationSettings:
    features: tuple[str, ...]
    missing: MissingPolicy = MissingPolicy.DROP
    scaling: Scaling = Scaling.STANDARD
    log_columns: tuple[str, ...] = ()  # features to log-transform before scaling


@dataclass(frozen=True)
class FeatureChoice:
    selected: tuple[str, ...]
    excluded: dict[str, str] = field(default_factory=dict)  # column name -> plain-words reason


@dataclass(frozen=True)
class MissingImpact:
    rows_with_missing: int  # rows that DROP would leave out
    cells_missing: dict[str, int] = field(default_factory=dict)  # per chosen feature, only those with any


def default_features(columns: Sequence[ColumnSummary]) -> FeatureChoice:
    """Numeric and categorical columns are used; identifiers, dates, constants and free text are not."""
    raise NotImplementedError


def suggest_log_columns(frame: pd.DataFrame, features: Sequence[str]) -> tuple[str, ...]:
    """Strongly right-skewed, strictly positive numeric features for which a log transform helps."""
    raise NotImplementedError


def missing_impact(frame: pd.DataFrame, features: Sequence[str]) -> MissingImpact:
    raise NotImplementedError


class Preprocessor:
    """scikit-learn style: the constructor stores settings, `fit` learns, learned values end in `_`.

    Learned: `feature_names_out_` (encoded column names, e.g. "Gender = Female"), fill values, log
    columns, scaling centre and scale, category levels. `transform` applies the same steps to new
    customers (for assigning them later); `inverse_transform` maps points of the prepared space (such
    as centroids) back to the user's units: numeric features in their own units, a categorical feature
    as the share of each level. `to_dict`/`from_dict` give a JSON-safe form (never pickle).
    """

    def __init__(self, settings: PreparationSettings) -> None:
        self.settings = settings

    def fit(self, frame: pd.DataFrame) -> "Preprocessor":
        raise NotImplementedError

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        raise NotImplementedError

    def inverse_transform(self, matrix: np.ndarray) -> pd.DataFrame:
        raise NotImplementedError

    def to_dict(self) -> dict:
        raise NotImplementedError

    @classmethod
    def from_dict(cls, data: dict) -> "Preprocessor":
        raise NotImplementedError


@dataclass(frozen=True)
class PreparedData:
    matrix: np.ndarray  # float64, (rows used, encoded features)
    row_positions: np.ndarray  # int positions into the original frame of the rows in `matrix`
    feature_names: tuple[str, ...]  # encoded names, one per matrix column
    preprocessor: Preprocessor  # fitted
    steps: tuple[str, ...]  # every step applied, in plain words, in order
    rows_dropped: int = 0
    cells_filled: int = 0


def prepare(frame: pd.DataFrame, settings: PreparationSettings) -> PreparedData:
    """Raises DataError/SettingsError with a plain message (no features, unknown column, too many
    category levels, no rows left after dropping missing values, ...)."""
    raise NotImplementedError
