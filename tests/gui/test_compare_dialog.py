"""Compare two segmentations from the window: the cross-table against another number of segments, the
customers who moved exported as a list (the customer file untouched), and a saved project."""

import hashlib

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from core.pipeline import fit_segmentation
from tests.gui.conftest import GUI_TIMEOUT


@pytest.fixture
def dialog(analysed_window):
    analysed_window.compare_action.trigger()
    return analysed_window.compare_dialog


def compare(qtbot, dialog):
    with qtbot.waitSignal(dialog.compared, timeout=GUI_TIMEOUT) as blocker:
        qtbot.mouseClick(dialog.compare_button, Qt.MouseButton.LeftButton)
    return blocker.args[0]


def cell_counts(dialog) -> np.ndarray:
    table = dialog.cross_table

    def count(row, column) -> int:
        return int(table.item(row, column).text().split(" ")[0].replace(",", ""))

    columns = range(table.columnCount())
    return np.array([[count(row, column) for column in columns] for row in range(table.rowCount())])


def test_another_number_of_segments_gives_the_cross_table_of_both(qtbot, dialog, analysed_window):
    session = analysed_window.session
    current = session.segmentation
    dialog.k_spin.setValue(current.k + 1)
    assert dialog.k_button.isChecked()
    compare(qtbot, dialog)

    # The same cross-table as counting the two fits' labels directly.
    other = fit_segmentation(session.table.frame, session.prepared, current.k + 1, seed=session.settings.seed)
    both = (current.labels >= 0) & (other.labels >= 0)
    expected = pd.crosstab(current.labels[both], other.labels[both]).to_numpy()
    assert dialog.cross_table.rowCount() == current.k
    assert dialog.cross_table.columnCount() == current.k + 1
    assert (cell_counts(dialog) == expected).all()
    headers = [dialog.cross_table.verticalHeaderItem(row).text() for row in range(current.k)]
    assert headers == [f"{profile.number} {profile.name}" for profile in current.profiles]
    # Each row's matched segment is in bold; a row's shares add up to its segment.
    comparison = dialog.result.comparison
    for row, name in enumerate(comparison.counts.index):
        bold = [
            comparison.counts.columns[column]
            for column in range(dialog.cross_table.columnCount())
            if dialog.cross_table.item(row, column).font().bold()
        ]
        assert bold == [comparison.matches[name]]
    assert dialog.sentence_label.isVisible()
    assert "of customers in corresponding segments" in dialog.sentence_label.text()
    assert "adjusted Rand index" in dialog.details_label.text()
    assert f"{int(comparison.moved.sum()):,} customers" in dialog.moved_label.text()


def test_the_customers_who_moved_export_as_a_list_and_the_customer_file_is_untouched(
    qtbot, dialog, analysed_window, monkeypatch, tmp_path, sample_path
):
    session = analysed_window.session
    before = hashlib.sha256(sample_path.read_bytes()).hexdigest()
    dialog.k_spin.setValue(session.segmentation.k + 1)
    result = compare(qtbot, dialog)
    assert len(result.moved) > 0, "one more segment moves some customers"
    target = tmp_path / "moved.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(target), ""))
    with qtbot.waitSignal(session.exported, timeout=GUI_TIMEOUT):
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    written = pd.read_csv(target, encoding="utf-8-sig")
    moved_rows = np.flatnonzero(result.comparison.moved)
    assert written["CustomerID"].tolist() == session.table.frame["CustomerID"].iloc[moved_rows].tolist()
    now_column = [column for column in written.columns if column.startswith("Segment in the segments shown")]
    assert len(now_column) == 1
    names = np.array(session.segmentation.names, dtype=object)
    assert written[now_column[0]].tolist() == names[session.segmentation.labels[moved_rows]].tolist()
    assert hashlib.sha256(sample_path.read_bytes()).hexdigest() == before

    # Choosing the customer file itself as the target is refused; the file stays as it was.
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(sample_path), ""))
    with qtbot.waitSignal(session.error, timeout=GUI_TIMEOUT):
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert hashlib.sha256(sample_path.read_bytes()).hexdigest() == before


def test_a_saved_project_of_the_same_segments_agrees_fully(qtbot, dialog, analysed_window, tmp_path):
    session = analysed_window.session
    project = tmp_path / "saved.segproj"
    with qtbot.waitSignal(session.project_saved, timeout=GUI_TIMEOUT):
        session.save_project(project)
    dialog.set_project(project)
    assert dialog.project_button.isChecked()
    result = compare(qtbot, dialog)
    assert result.comparison.agreement == 1.0
    sentence = dialog.sentence_label.text()
    assert "100% of customers in corresponding segments: almost the same segments" in sentence
    assert "No customer moved" in dialog.moved_label.text()
    assert not dialog.export_button.isEnabled()


def test_new_segments_clear_the_comparison(qtbot, dialog, analysed_window):
    session = analysed_window.session
    dialog.k_spin.setValue(session.segmentation.k + 1)
    compare(qtbot, dialog)
    other_k = 1 if session.segmentation.k != 1 else 2
    with qtbot.waitSignal(session.segmentation_changed, timeout=GUI_TIMEOUT):
        session.choose_k(other_k)
    assert dialog.result is None
    assert dialog.cross_table.rowCount() == 0
    assert f"{other_k} segments" in dialog.current_label.text()


@pytest.mark.parametrize("method", ["hierarchical", "hdbscan"])
def test_another_way_of_grouping_is_fitted_with_that_method(qtbot, dialog, analysed_window, method):
    from core.methods import METHODS

    session = analysed_window.session
    current = session.segmentation
    dialog.method_combo.setCurrentIndex(dialog.method_combo.findData(method))
    dialog.method_combo.activated.emit(dialog.method_combo.currentIndex())
    assert dialog.method_button.isChecked()
    assert dialog.method_k_spin.isEnabled() == METHODS[method].takes_k
    result = compare(qtbot, dialog)

    other = fit_segmentation(
        session.table.frame, session.prepared, current.k, seed=session.settings.seed, method=method
    )
    assert list(result.comparison.counts.columns) == list(other.names)
    assert result.second_numbers == other.numbers  # 0 for unusual customers, never computed here
    assert result.comparison.second_title == f"{METHODS[method].title} with {other.k} segments"
    assert METHODS[method].title in dialog.sentence_label.text()
