"""What each column of a customer table is: numeric, categorical, identifier-like, date or constant.

CONTRACT (implementation pending): the loader and the preparation step both use these summaries.
"""

from dataclasses import dataclass, field
from enum import StrEnum

import pandas as pd


class ColumnKind(StrEnum):
    NUMERIC = "numeric"
    CATEGORICAL = "categorical"
    IDENTIFIER = "identifier"  # a customer number or code: unique per row, says nothing about behaviour
    DATE = "date"
    CONSTANT = "constant"  # one value (or none at all): cannot separate customers
    TEXT = "text"  # free text with too many distinct values to be a category


@dataclass(frozen=True)
class ColumnSummary:
    name: str
    kind: ColumnKind
    missing: int
    distinct: int
    # Why the kind was chosen, in plain words, e.g. "Every value is different, like a customer number".
    reason: str = ""
    minimum: float | None = None
    maximum: float | None = None
    mean: float | None = None
    median: float | None = None
    # Most frequent values with their counts, most frequent first (categorical and text columns).
    top_values: tuple[tuple[str, int], ...] = field(default_factory=tuple)


def summarize_columns(frame: pd.DataFrame) -> tuple[ColumnSummary, ...]:
    """One summary per column, in the frame's column order."""
    raise NotImplementedError
