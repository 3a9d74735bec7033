"""Assign New Customers from the window: the training file gets its own labels back, a far-away customer is
flagged, differently named columns are matched by hand, a saved model works alone, and the result exports."""

import numpy as np
import pandas as pd
import pytest
from PySide6.QtWidgets import QFileDialog

from core.segment_model import FITS_COLUMN, NOT_FITTING
from tests.gui.conftest import GUI_TIMEOUT


@pytest.fixture
def dialog(analysed_window):
    analysed_window.assign_action.trigger()
    return analysed_window.assign_dialog


def assign_file(qtbot, dialog, path):
    with qtbot.waitSignal(dialog.assigned, timeout=GUI_TIMEOUT) as blocker:
        dialog.open_customer_file(path)
    return blocker.args[0]


def test_assigning_the_training_file_reproduces_its_labels(qtbot, dialog, analysed_window, sample_path):
    segmentation = analysed_window.session.segmentation
    assert dialog.isVisible()
    assert f"The {segmentation.k} segments found in sample_customers.csv" in dialog.segments_label.text()
    assignment = assign_file(qtbot, dialog, sample_path)
    assert np.array_equal(assignment.labels, segmentation.labels)
    assert dialog.table_model.rowCount() == 300
    assert list(dialog.result_frame["Segment name"]) == [segmentation.names[n] for n in segmentation.labels]
    for name, count in assignment.counts().items():
        assert f"<b>{name}</b>: {count:,}" in dialog.summary_label.text()
    assert "Does not fit any segment" in dialog.summary_label.text()
    assert dialog.export_button.isEnabled()


def test_a_far_away_customer_is_flagged(qtbot, dialog, sample_path, tmp_path):
    frame = pd.read_csv(sample_path)
    far = frame.iloc[[0]].assign(**{"Annual Income (k$)": 5000, "Spending Score (1-100)": 100, "Age": 99})
    path = tmp_path / "new customers.csv"
    pd.concat([frame.iloc[:20], far]).to_csv(path, index=False)
    assignment = assign_file(qtbot, dialog, path)
    assert not assignment.fits[-1]
    assert dialog.result_frame[FITS_COLUMN].iloc[-1] == NOT_FITTING
    assert f"Does not fit any segment</b>: {int(assignment.not_fitting.sum())}" in dialog.summary_label.text()


def test_differently_named_columns_are_matched_in_the_mapping_step(
    qtbot, dialog, analysed_window, sample_path, tmp_path
):
    renamed = pd.read_csv(sample_path).rename(columns={"Age": "Age in years"})
    path = tmp_path / "crm export.csv"
    renamed.to_csv(path, index=False)
    with qtbot.waitSignal(analysed_window.session.busy_changed, timeout=GUI_TIMEOUT):
        dialog.open_customer_file(path)
    qtbot.waitUntil(lambda: dialog.mapping_dialog is not None and dialog.mapping_dialog.isVisible())
    mapping = dialog.mapping_dialog
    assert list(mapping.combos) == list(dialog.model.features)
    assert mapping.combos["Age"].currentData() is None
    assert mapping.combos["Annual Income (k$)"].currentData() == "Annual Income (k$)"
    assert not mapping.buttons.button(mapping.buttons.StandardButton.Ok).isEnabled()
    mapping.combos["Age"].setCurrentIndex(mapping.combos["Age"].findData("Age in years"))
    with qtbot.waitSignal(dialog.assigned, timeout=GUI_TIMEOUT) as blocker:
        mapping.accept()
    assert np.array_equal(blocker.args[0].labels, analysed_window.session.segmentation.labels)


def test_a_saved_model_assigns_without_an_analysis_and_the_result_exports(
    qtbot, monkeypatch, dialog, analysed_window, sample_path, tmp_path
):
    session = analysed_window.session
    labels = session.segmentation.labels.copy()
    model_path = tmp_path / "model.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(model_path), ""))
    with qtbot.waitSignal(session.exported, timeout=GUI_TIMEOUT):
        analysed_window.export_model_action.trigger()

    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kwargs: (str(model_path), ""))
    with qtbot.waitSignal(session.busy_changed, timeout=GUI_TIMEOUT):
        dialog.open_model_button.click()
    qtbot.waitUntil(lambda: "model.json" in dialog.segments_label.text())
    assignment = assign_file(qtbot, dialog, sample_path)
    assert np.array_equal(assignment.labels, labels)

    target = tmp_path / "assigned.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(target), ""))
    with qtbot.waitSignal(session.exported, timeout=GUI_TIMEOUT):
        dialog.export_button.click()
    written = pd.read_csv(target, encoding="utf-8-sig")
    assert len(written) == 300
    assert list(written.columns[-4:]) == [
        "Segment",
        "Segment name",
        FITS_COLUMN,
        "Distance to segment centre",
    ]
    assert list(written["Segment"]) == list(labels + 1)


def test_a_file_that_cannot_be_read_shows_the_message_in_the_window(qtbot, dialog, analysed_window, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with qtbot.waitSignal(analysed_window.session.error, timeout=GUI_TIMEOUT):
        dialog.open_customer_file(path)
    assert "empty.csv" in analysed_window.error_box.text()
    assert dialog.result_frame is None
    assert dialog.open_customers_button.isEnabled()
    analysed_window.error_box.accept()


def test_reading_a_model_waits_for_the_analysis_modules_like_every_task(
    qtbot, monkeypatch, dialog, analysed_window, tmp_path
):
    """Two threads importing scikit-learn at once fail (half-initialised modules): this window's tasks go
    through the session's import gate, as opening a file does, also right after start-up."""
    import desktop_app.session

    session = analysed_window.session
    model_path = tmp_path / "model.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(model_path), ""))
    with qtbot.waitSignal(session.exported, timeout=GUI_TIMEOUT):
        analysed_window.export_model_action.trigger()
    monkeypatch.setattr(desktop_app.session, "_imported_modules", desktop_app.session._ImportedModules())
    gate_passed = []
    monkeypatch.setattr(session, "warm_up", lambda: gate_passed.append(True))

    dialog.open_model_file(model_path)
    qtbot.waitUntil(lambda: "model.json" in dialog.segments_label.text(), timeout=GUI_TIMEOUT)

    assert gate_passed == [True]
    assert session.modules_ready
