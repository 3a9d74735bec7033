"""Comparing two segmentations of the same customers: who went where, and how far they agree.

Used to compare methods (k-means against a Gaussian mixture), two numbers of segments, or the current
segmentation against a saved project. Segments are matched one to one so that the largest number of
customers sits in matched pairs (the Hungarian algorithm on the cross-table); that share is the
agreement in words. The adjusted Rand index (0: no better than chance, 1: the same grouping) is the
usual number for the same question and goes in the details.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import adjusted_rand_score

from core.errors import DataError

# Agreement share at or above which two segmentations are "almost the same" / "mostly the same".
_ALMOST_SAME = 0.9
_MOSTLY_SAME = 0.7


@dataclass(frozen=True, eq=False)
class Comparison:
    first_title: str  # "k-means, 5 segments"
    second_title: str
    # Customers in both segmentations: rows are the first's segment names, columns the second's.
    counts: pd.DataFrame
    # For each of the first's segments, the second's segment matched to it (None: left unmatched, when
    # the second has fewer segments).
    matches: dict[str, str | None]
    agreement: float  # share of the compared customers in matched pairs of segments, 0 to 1
    adjusted_rand: float
    compared: int  # customers with a segment in both
    moved: np.ndarray  # bool per row of the inputs: in both, but not in the matched segment

    @property
    def shares(self) -> pd.DataFrame:
        """The cross-table as shares of each row (where the first's segment's customers went)."""
        totals = self.counts.sum(axis=1).replace(0, np.nan)
        return self.counts.div(totals, axis=0).fillna(0.0)

    @property
    def sentence(self) -> str:
        """The agreement in words, for people who never heard of the Rand index."""
        share = f"{self.agreement:.0%}"
        verdict = (
            "almost the same segments" if self.agreement >= _ALMOST_SAME
            else "mostly the same segments" if self.agreement >= _MOSTLY_SAME
            else "quite different segments"
        )
        return (
            f"{self.first_title} and {self.second_title} put {share} of customers in corresponding "
            f"segments: {verdict}."
        )


def compare_segmentations(
    first: np.ndarray,
    second: np.ndarray,
    first_names: Sequence[str],
    second_names: Sequence[str],
    *,
    first_title: str = "The first segmentation",
    second_title: str = "the second",
    left_out: int = -1,
) -> Comparison:
    """Compare two label arrays over the same rows. Labels are 0-based indices into the names; rows
    labelled `left_out` in either (customers one of them did not segment) are not compared."""
    first = np.asarray(first, dtype=np.int64)
    second = np.asarray(second, dtype=np.int64)
    if first.shape != second.shape:
        raise DataError(
            f"The two segmentations are of different numbers of customers ({len(first):,} and "
            f"{len(second):,}); compare segmentations of the same file."
        )
    both = (first != left_out) & (second != left_out)
    a, b = first[both], second[both]
    rows, columns = len(first_names), len(second_names)
    if a.size and (a.min() < 0 or a.max() >= rows or b.min() < 0 or b.max() >= columns):
        raise DataError("A segment number has no name; the segmentations do not belong to these names.")
    table = np.zeros((rows, columns), dtype=np.int64)
    np.add.at(table, (a, b), 1)
    row_of, column_of = linear_sum_assignment(table, maximize=True)
    matched_column = np.full(rows, -1, dtype=np.int64)
    matched_column[row_of] = column_of
    moved = np.zeros(len(first), dtype=bool)
    moved[both] = matched_column[a] != b
    compared = int(both.sum())
    return Comparison(
        first_title=first_title,
        second_title=second_title,
        counts=pd.DataFrame(table, index=list(first_names), columns=list(second_names)),
        matches={
            name: (second_names[matched_column[row]] if matched_column[row] >= 0 else None)
            for row, name in enumerate(first_names)
        },
        agreement=float(table[row_of, column_of].sum() / compared) if compared else 0.0,
        adjusted_rand=float(adjusted_rand_score(a, b)) if compared else 0.0,
        compared=compared,
        moved=moved,
    )


def moved_customers(
    frame: pd.DataFrame,
    comparison: Comparison,
    first: np.ndarray,
    second: np.ndarray,
    first_names: Sequence[str],
    second_names: Sequence[str],
) -> pd.DataFrame:
    """The customers who moved (`comparison.moved`), with every column of `frame` (the rows the labels
    belong to) and, after them, their segment in each segmentation by name: the list a marketer exports
    to see who would be treated differently."""
    moved = np.asarray(comparison.moved, dtype=bool)
    if len(moved) != len(frame):
        raise DataError("The customers who moved belong to another table than this one.")
    rows = frame.iloc[np.flatnonzero(moved)].copy()
    for title, labels, names in (
        (comparison.first_title, first, first_names),
        (comparison.second_title, second, second_names),
    ):
        column = f"Segment in {title[:1].lower()}{title[1:]}"
        if column in rows.columns:
            raise DataError(f"The file already has a column named '{column}'; rename it in the file first.")
        rows[column] = np.asarray(names, dtype=object)[np.asarray(labels)[moved]]
    return rows.reset_index(drop=True)
