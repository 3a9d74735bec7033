"""Comparing two segmentations of the same customers: who went where, and how far they agree.

Used to compare methods (k-means against a Gaussian mixture), two numbers of segments, or the current
segmentation against a saved project. Segments are matched one to one so that the largest number of
customers sits in matched pairs (the Hungarian algorithm on the cross-table); that share is the
agreement in words. The adjusted Rand index (0: no better than chance, 1: the same grouping) is the
usual number for the same question and goes in the details.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import adjusted_rand_score

from core.errors import DataError
from core.progress import CancelCheck, ProgressCallback

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


@dataclass(frozen=True, eq=False)
class SavedSegmentation:
    """One side of a comparison of files: the customers' columns and each customer's segment."""

    title: str  # "mall.segproj (5 segments)"
    customers: pd.DataFrame  # the customer file's columns, one row per customer, without the segment
    labels: np.ndarray  # per row: index into `names`, -1 for customers left out
    names: tuple[str, ...]
    sha256: str | None = None  # of the customer file, when known (projects)


@dataclass(frozen=True, eq=False)
class FileComparison:
    comparison: Comparison  # over the customers in both files (the rows of `customers`)
    customers: pd.DataFrame  # the compared customers' columns, as the first file has them
    first_labels: np.ndarray  # per compared customer: index into first_names, -1 when left out
    second_labels: np.ndarray
    first_names: tuple[str, ...]
    second_names: tuple[str, ...]
    matched_by: str  # in words: "by row", "by the column 'CustomerID'"
    only_in_first: int = 0  # customers matched by id that only one of the files has
    only_in_second: int = 0

    def moved(self) -> pd.DataFrame:
        """The customers in both segmentations but not in matched segments (`moved_customers`)."""
        return moved_customers(
            self.customers, self.comparison, self.first_labels, self.second_labels, self.first_names,
            self.second_names,
        )


def read_saved_segmentation(
    path: str | Path,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
) -> SavedSegmentation:
    """A project file (reopened: its customer file is read and the saved segments fitted again), or a
    file of customers with their segment as Segment Studio writes it (columns 'Segment' and 'Segment
    name', any other columns the customer's own)."""
    from core.export import SEGMENT_COLUMN, SEGMENT_NAME_COLUMN
    from core.loading import load_table
    from core.project import load_project, read_json_file, reopen

    path = Path(path)
    if _is_json(path):
        read_json_file(path, "project")  # a clear message when it is some other JSON
        project = load_project(path)
        table, result = reopen(project, progress=progress, cancel=cancel)
        segmentation = result.segmentation
        return SavedSegmentation(
            f"{path.name} ({segmentation.k} segments)", table.frame, np.asarray(segmentation.labels),
            segmentation.names, project.data_file.sha256,
        )
    frame = load_table(path, progress=progress, cancel=cancel).frame
    if SEGMENT_COLUMN not in frame.columns:
        raise DataError(
            f"'{path.name}' has no '{SEGMENT_COLUMN}' column; choose a project file or a file of customers "
            "with their segment, as Segment Studio exports it."
        )
    numbers = pd.to_numeric(frame[SEGMENT_COLUMN], errors="coerce")
    if (numbers.dropna() % 1 != 0).any():
        raise DataError(
            f"The '{SEGMENT_COLUMN}' column of '{path.name}' holds values that are not segment numbers."
        )
    present = np.sort(numbers.dropna().unique())
    given = frame[SEGMENT_NAME_COLUMN] if SEGMENT_NAME_COLUMN in frame.columns else None
    names = []
    for number in present:
        named = given[numbers == number].dropna() if given is not None else pd.Series(dtype=object)
        names.append(str(named.iloc[0]) if len(named) else f"Segment {int(number)}")
    labels = np.full(len(frame), -1, dtype=np.int64)
    known = numbers.notna().to_numpy()
    labels[known] = np.searchsorted(present, numbers[known].to_numpy())
    customers = frame.drop(columns=[SEGMENT_COLUMN, SEGMENT_NAME_COLUMN], errors="ignore")
    return SavedSegmentation(f"{path.name} ({len(present)} segments)", customers, labels, tuple(names))


def _is_json(path: Path) -> bool:
    if path.suffix.lower() in (".segproj", ".json"):
        return True
    try:
        with path.open("rb") as file:
            return file.read(64).lstrip().startswith(b"{")
    except OSError:
        return False


def compare_saved_segmentations(
    first: SavedSegmentation, second: SavedSegmentation, *, id_column: str | None = None
) -> FileComparison:
    """Compare two saved segmentations of the same customers: matched by the `id_column` both files
    have, else row by row, after checking that they are segmentations of the same file (the same
    checksum, or the same values in the columns both have)."""
    if id_column is not None:
        first_ids, second_ids = (_ids(side, id_column) for side in (first, second))
        common = first_ids.intersection(second_ids, sort=False)
        if common.empty:
            raise DataError(
                f"No customer of {first.title} has an '{id_column}' that {second.title} has; compare "
                "segmentations of the same customers."
            )
        rows = first_ids.get_indexer(common)
        a, b = first.labels[rows], second.labels[second_ids.get_indexer(common)]
        customers = first.customers.iloc[rows].reset_index(drop=True)
        matched_by = f"by the column '{id_column}'"
        only = (len(first_ids) - len(common), len(second_ids) - len(common))
    else:
        _check_same_customers(first, second)
        a, b = first.labels, second.labels
        customers, matched_by, only = first.customers, "by row", (0, 0)
    comparison = compare_segmentations(
        a, b, first.names, second.names, first_title=first.title, second_title=second.title
    )
    return FileComparison(comparison, customers, a, b, first.names, second.names, matched_by, *only)


def _ids(side: SavedSegmentation, column: str) -> pd.Index:
    if column not in side.customers.columns:
        raise DataError(f"{side.title} has no column '{column}' to match customers by.")
    ids = pd.Index(side.customers[column].astype(str))
    if ids.has_duplicates:
        raise DataError(
            f"In {side.title} some values of '{column}' occur twice, so customers cannot be matched by it."
        )
    return ids


def _check_same_customers(first: SavedSegmentation, second: SavedSegmentation) -> None:
    """Row by row only compares the same customers when both come from one customer file."""
    if len(first.labels) != len(second.labels):
        raise DataError(
            f"{first.title} has {len(first.labels):,} customers and {second.title} {len(second.labels):,}; "
            "compare segmentations of the same file, or match the customers by an id column (--id)."
        )
    if first.sha256 is not None and first.sha256 == second.sha256:
        return
    shared = [column for column in first.customers.columns if column in second.customers.columns]
    if not shared:
        raise DataError(
            f"{first.title} and {second.title} have no column in common, so they cannot be checked to be "
            "of the same customers; compare segmentations of the same file."
        )
    for column in shared:
        if not _same_values(first.customers[column], second.customers[column]):
            raise DataError(
                f"The column '{column}' differs between {first.title} and {second.title}: they are not "
                "segmentations of the same customer file in the same order. Compare segmentations of the "
                "same file, or match the customers by an id column (--id)."
            )


def _same_values(first: pd.Series, second: pd.Series) -> bool:
    """Equal values (numbers to nine digits, as a CSV round trip keeps them; gaps equal gaps)."""
    left, right = first.reset_index(drop=True), second.reset_index(drop=True)
    sides = (left, right)
    numbers = [pd.to_numeric(side, errors="coerce") for side in sides]
    if all(number.notna().sum() == side.notna().sum() for number, side in zip(numbers, sides, strict=True)):
        return bool(np.allclose(numbers[0], numbers[1], rtol=1e-9, atol=0.0, equal_nan=True))
    texts = [side.astype(str).where(side.notna(), "") for side in (left, right)]
    return bool((texts[0] == texts[1]).all())
