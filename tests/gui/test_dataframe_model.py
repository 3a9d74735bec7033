"""The table model is thin, correct for Qt's views, and sorts through a row order."""

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import Qt

from desktop_app import dataframe_model
from desktop_app.dataframe_model import DataFrameModel, sort_permutation


@pytest.fixture
def frame():
    return pd.DataFrame(
        {
            "CustomerID": [1, 2, 3, 4],
            "Gender": ["Male", "Female", None, "Female"],
            "Income": [50.5, np.nan, 12.25, 80.0],
        }
    )


def test_model_passes_qt_model_tester(qtmodeltester, frame):
    model = DataFrameModel(frame)
    qtmodeltester.check(model, force_py=True)
    model.sort(2, Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(model, force_py=True)


def test_cells_and_headers_show_the_file(frame):
    model = DataFrameModel(frame)
    assert (model.rowCount(), model.columnCount()) == (4, 3)
    assert model.headerData(1, Qt.Orientation.Horizontal) == "Gender"
    assert model.data(model.index(0, 2)) == "50.5"
    assert model.data(model.index(1, 2)) == ""  # missing shows as an empty cell
    assert model.data(model.index(2, 1)) == ""


def test_numbers_align_right_text_left_and_a_cell_tells_its_value_on_hover(frame):
    model = DataFrameModel(frame)
    alignment = Qt.ItemDataRole.TextAlignmentRole
    assert model.data(model.index(0, 2), alignment) & Qt.AlignmentFlag.AlignRight
    assert model.data(model.index(0, 1), alignment) & Qt.AlignmentFlag.AlignLeft
    assert model.data(model.index(0, 1), Qt.ItemDataRole.ToolTipRole) == "Male"
    assert model.data(model.index(0, 1), Qt.ItemDataRole.FontRole) is None


def test_sorting_orders_rows_with_missing_values_last(frame):
    model = DataFrameModel(frame)
    model.sort(2, Qt.SortOrder.AscendingOrder)
    assert [model.data(model.index(row, 2)) for row in range(4)] == ["12.25", "50.5", "80", ""]
    assert [model.headerData(row, Qt.Orientation.Vertical) for row in range(4)] == ["3", "1", "4", "2"]
    model.sort(1, Qt.SortOrder.DescendingOrder)
    assert [model.data(model.index(row, 0)) for row in range(4)] == ["1", "2", "4", "3"]


def test_million_rows_sort_without_copying_the_frame():
    big = pd.DataFrame({"value": np.random.default_rng(0).random(1_000_000)})
    model = DataFrameModel(big)
    model.sort(0, Qt.SortOrder.DescendingOrder)
    shown = [float(model.data(model.index(row, 0))) for row in range(3)]
    assert shown == sorted(shown, reverse=True)
    assert shown[0] == pytest.approx(big["value"].max(), rel=1e-5)
    assert model.frame is big


def test_model_with_a_segment_column_passes_qt_model_tester(qtmodeltester, frame):
    model = DataFrameModel(frame)
    model.set_segments(np.array([1, 0, -1, 1]), ("Low", "High"), (1, 2))
    qtmodeltester.check(model, force_py=True)
    model.sort(3, Qt.SortOrder.DescendingOrder)
    shown = [model.data(model.index(row, 3)) for row in range(4)]
    assert shown == ["2 · High", "2 · High", "1 · Low", "Left out"]
    qtmodeltester.check(model, force_py=True)


def test_text_sort_is_the_same_across_factorising_chunks(monkeypatch):
    texts = ["pear", None, "apple", "fig", "apple", "pear", None, "fig", "kiwi"] * 3
    values = pd.Series(texts, dtype="str")
    monkeypatch.setattr(dataframe_model, "FACTORIZE_CHUNK_ROWS", 4)  # each chunk meets other texts
    in_file_order_missing_last = sorted(range(len(texts)), key=lambda i: (texts[i] is None, texts[i] or ""))
    assert sort_permutation(values, ascending=True).tolist() == in_file_order_missing_last
    descending = values.iloc[sort_permutation(values, ascending=False)]
    assert descending.iloc[:6].tolist() == ["pear"] * 6
    assert descending.iloc[-6:].isna().all()
