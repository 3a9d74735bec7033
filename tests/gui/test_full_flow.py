"""The whole journey through the widgets: open the sample, choose features, compare k, pick k, look at the
clusters and segments, rename a segment, export the labelled customers and a chart."""

import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from desktop_app.main_window import MainWindow

TIMEOUT = 60_000


def test_sample_to_labelled_export(qtbot, session, settings, tmp_path, monkeypatch):
    window = MainWindow(session, settings)
    qtbot.addWidget(window)
    window.show()

    with qtbot.waitSignal(session.analysis_ready, timeout=TIMEOUT):
        qtbot.mouseClick(window.welcome.sample_button, Qt.MouseButton.LeftButton)
    data_tab = window.data_tab
    assert "CustomerID" not in data_tab.selected_features()
    data_tab.set_feature_used("Region", False)
    data_tab.set_feature_used("Gender", False)

    with qtbot.waitSignals([session.sweep_finished, session.segmentation_changed], timeout=TIMEOUT):
        qtbot.mouseClick(data_tab.find_button, Qt.MouseButton.LeftButton)
    assert window.tabs.currentWidget() is window.elbow_tab
    assert [score.k for score in window.elbow_tab.scores] == list(range(1, 11))
    suggested = session.sweep.suggested_k
    assert session.segmentation.k == suggested
    assert set(session.prepared.feature_names) == {
        "Age",
        "Annual Income (k$)",
        "Spending Score (1-100)",
        "Tenure (years)",
    }

    chosen = 4 if suggested != 4 else 5
    window.elbow_tab.k_spin.setValue(chosen)
    with qtbot.waitSignal(session.segmentation_changed, timeout=TIMEOUT):
        qtbot.mouseClick(window.elbow_tab.show_button, Qt.MouseButton.LeftButton)
    assert session.segmentation.k == chosen

    chart = tmp_path / "elbow.png"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(chart), ""))
    window.export_chart_action.trigger()
    assert chart.read_bytes().startswith(b"\x89PNG")

    window.tabs.setCurrentWidget(window.clusters_tab)
    window.tabs.setCurrentWidget(window.segments_tab)
    cards = window.segments_tab.cards
    assert len(cards) == chosen
    name_edit = cards[0].name_edit
    name_edit.selectAll()
    qtbot.keyClicks(name_edit, "Big spenders")
    with qtbot.waitSignal(session.segmentation_changed, timeout=5000):
        qtbot.keyClick(name_edit, Qt.Key.Key_Return)
    assert session.segmentation.names[0] == "Big spenders"

    target = tmp_path / "customers with segments.csv"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(target), "CSV file (*.csv)")
    )
    with qtbot.waitSignal(session.exported, timeout=TIMEOUT):
        qtbot.mouseClick(window.segments_tab.export_labels_button, Qt.MouseButton.LeftButton)
    written = pd.read_csv(target, encoding="utf-8-sig")
    assert len(written) == 300
    assert set(written["Segment"]) == set(range(1, chosen + 1))
    assert (written["Segment name"] == "Big spenders").sum() == session.segmentation.profiles[0].size
    assert list(written.columns[:7]) == list(session.table.frame.columns)
