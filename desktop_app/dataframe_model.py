"""A thin, read-only Qt table model over a pandas DataFrame.

Only the cells Qt asks for are touched (one `.iat` read each), so a million-row table scrolls smoothly.
Sorting keeps the frame as it is and computes a row order (a NumPy permutation) instead.
"""

from __future__ import annotations

import math
from datetime import datetime, time
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

ModelIndex = QModelIndex | QPersistentModelIndex


# Rows factorised per call: each call holds the GIL, so a GUI thread waits at most this long (~10 ms).
FACTORIZE_CHUNK_ROWS = 65_536
SEGMENT_HEADER = "Segment"
LEFT_OUT_TEXT = "Left out"
# The only roles `DataFrameModel.data` answers: a visible cell is asked for eight at every paint.
_ANSWERED_ROLES = frozenset(
    int(role)
    for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.TextAlignmentRole)
)


def _factorize_in_chunks(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """`pd.factorize(values)` (codes, distinct values; -1 marks missing) in chunks.

    Factorising Python strings holds the GIL for the whole call (about 120 ms per million cells); chunks
    let the GUI thread run between them while the sort runs on a worker thread.
    """
    import numpy as np
    import pandas as pd

    codes = np.empty(len(values), dtype=np.intp)
    chunk_uniques = []
    for start in range(0, len(values), FACTORIZE_CHUNK_ROWS):
        chunk_codes, uniques = pd.factorize(values.iloc[start : start + FACTORIZE_CHUNK_ROWS])
        codes[start : start + FACTORIZE_CHUNK_ROWS] = chunk_codes
        chunk_uniques.append(np.asarray(uniques, dtype=object))
    distinct = pd.Index(np.concatenate(chunk_uniques) if chunk_uniques else [], dtype=object).unique()
    for chunk, uniques in enumerate(chunk_uniques):
        where = slice(chunk * FACTORIZE_CHUNK_ROWS, (chunk + 1) * FACTORIZE_CHUNK_ROWS)
        to_distinct = np.append(distinct.get_indexer(uniques), -1)  # a local -1 (missing) stays -1
        codes[where] = to_distinct[codes[where]]
    return codes, np.asarray(distinct, dtype=object)


def sort_permutation(values: pd.Series, ascending: bool) -> np.ndarray:
    """Row positions that sort `values`, missing values last, ties kept in file order.

    Numbers are sorted as they are (NumPy releases the GIL, so a worker thread never stalls the GUI);
    anything else is factorised first, so that a million cells of a few distinct texts sort as a million
    small integers (a tenth of the time of comparing strings).
    """
    import numpy as np

    if values.dtype.kind in "iu":
        keys = values.to_numpy()
    elif values.dtype.kind == "f":
        keys = values.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        codes, distinct = _factorize_in_chunks(values)
        try:
            unique_order = np.argsort(distinct, kind="stable")
        except TypeError:  # mixed types in one column: compare them as text
            unique_order = np.argsort(distinct.astype(str), kind="stable")
        ranks = np.empty(len(distinct), dtype=np.float64)
        ranks[unique_order] = np.arange(len(distinct))
        keys = np.where(codes < 0, np.nan, ranks[codes])
    # Negating instead of reversing keeps ties in file order; NaN stays NaN and so stays last.
    return np.argsort(keys if ascending else -keys, kind="stable")


def format_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return f"{value:.6g}" if abs(value) < 1e15 else f"{value:.4e}"
    if isinstance(value, datetime) and value.time() == time.min:  # pandas' Timestamp is a datetime
        return f"{value:%Y-%m-%d}"  # a day (a purchase date), not a moment: no "00:00:00"
    text = str(value)
    return "" if text in ("<NA>", "NaT", "nan") else text


class DataFrameModel(QAbstractTableModel):
    """Rows and columns of a DataFrame; the vertical header shows each row's 1-based position in the file.

    Once segments are set, a last "Segment" column shows each customer's segment (number · name); it is
    read from the label array, never added to the frame.
    """

    def __init__(self, frame: pd.DataFrame | None = None, parent=None) -> None:
        super().__init__(parent)
        self._frame = frame
        self._order: np.ndarray | None = None  # row positions in display order, None = file order
        self._numeric: list[bool] = self._numeric_columns(frame)
        self._labels: np.ndarray | None = None  # one 0-based segment per frame row, -1 = left out
        self._segment_names: tuple[str, ...] = ()
        self._segment_numbers: tuple[int, ...] = ()

    @staticmethod
    def _numeric_columns(frame: pd.DataFrame | None) -> list[bool]:
        if frame is None:
            return []
        return [dtype.kind in "biuf" for dtype in frame.dtypes]

    @property
    def frame(self) -> pd.DataFrame | None:
        return self._frame

    def set_frame(self, frame: pd.DataFrame | None) -> None:
        self.beginResetModel()
        self._frame = frame
        self._order = None
        self._numeric = self._numeric_columns(frame)
        self._labels, self._segment_names = None, ()
        self.endResetModel()

    def set_segments(
        self, labels: np.ndarray | None, names: tuple[str, ...], numbers: tuple[int, ...]
    ) -> None:
        """Show (or, with None, remove) the Segment column; `labels` has one entry per frame row, a
        position in `names` and `numbers` (the segment numbers shown, 0 for unusual customers)."""
        import numpy as np

        if self._frame is None:
            return
        labels = None if labels is None else np.asarray(labels)
        if labels is not None and len(labels) != len(self._frame):
            raise ValueError(f"{len(labels):,} segment labels for a table of {len(self._frame):,} rows")
        column = self._frame.shape[1]
        if labels is None and self._labels is not None:
            self.beginRemoveColumns(QModelIndex(), column, column)
            self._labels, self._segment_names = None, ()
            self.endRemoveColumns()
        elif labels is not None and self._labels is None:
            self.beginInsertColumns(QModelIndex(), column, column)
            self._labels, self._segment_names = labels, tuple(names)
            self._segment_numbers = tuple(numbers)
            self.endInsertColumns()
        elif labels is not None:
            self._labels, self._segment_names = labels, tuple(names)
            self._segment_numbers = tuple(numbers)
            self.dataChanged.emit(self.index(0, column), self.index(self.rowCount() - 1, column))
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, column, column)

    @property
    def segment_column(self) -> int | None:
        """The position of the Segment column, None while there are no segments."""
        return None if self._frame is None or self._labels is None else self._frame.shape[1]

    def source_row(self, row: int) -> int:
        """The frame position shown at display row `row`."""
        return row if self._order is None else int(self._order[row])

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt API
        if parent.isValid() or self._frame is None:
            return 0
        return len(self._frame)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt API
        if parent.isValid() or self._frame is None:
            return 0
        return self._frame.shape[1] + (self._labels is not None)

    def _segment_text(self, source: int) -> str:
        label = int(self._labels[source])
        if label < 0:
            return LEFT_OUT_TEXT
        return f"{self._segment_numbers[label]} · {self._segment_names[label]}"

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in _ANSWERED_ROLES or self._frame is None or not index.isValid():
            return None
        column = index.column()
        is_segment = column == self.segment_column
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            source = self.source_row(index.row())
            return self._segment_text(source) if is_segment else format_cell(self._frame.iat[source, column])
        if role == Qt.ItemDataRole.TextAlignmentRole:
            numeric = not is_segment and self._numeric[column]
            horizontal = Qt.AlignmentFlag.AlignRight if numeric else Qt.AlignmentFlag.AlignLeft
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole or self._frame is None:
            return None
        if orientation == Qt.Orientation.Horizontal:
            if section == self.segment_column:
                return SEGMENT_HEADER
            return str(self._frame.columns[section]) if 0 <= section < self._frame.shape[1] else None
        return str(self.source_row(section) + 1) if 0 <= section < len(self._frame) else None

    def sort_keys(self, column: int) -> pd.Series | None:
        """The values column `column` sorts by (a view, no copy), None for a column that does not exist.

        Safe to read on a worker thread: the model never changes a frame or a label array it was given.
        """
        import pandas as pd

        if self._frame is None or not 0 <= column < self.columnCount():
            return None
        if column == self.segment_column:
            return pd.Series(self._labels, copy=False)
        return self._frame.iloc[:, column]

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort here and now (Qt's API); the Data tab computes the permutation on a worker instead."""
        keys = self.sort_keys(column)
        if keys is not None:
            self.apply_order(sort_permutation(keys, ascending=order == Qt.SortOrder.AscendingOrder))

    def apply_order(self, permutation: np.ndarray) -> None:
        """Show rows in the order `permutation` (frame positions, as from `sort_permutation`)."""
        import numpy as np

        if self._frame is None or len(permutation) != len(self._frame):
            return
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        sources = [self.source_row(index.row()) for index in persistent]
        self._order = permutation
        display_row = np.empty_like(permutation)
        display_row[permutation] = np.arange(len(permutation))
        self.changePersistentIndexList(
            persistent,
            [
                self.index(int(display_row[source]), index.column())
                for source, index in zip(sources, persistent, strict=True)
            ],
        )
        self.layoutChanged.emit()
