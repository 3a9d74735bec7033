"""Exports from the window: the PDF report, the Excel workbook, the segment model, and never losing a file
(a suffix added after the dialog asks before replacing; a failed write says so and keeps the old file)."""

import json
import math

import openpyxl
import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

import core.export
from core.workbook import sheet_names
from tests.gui.conftest import GUI_TIMEOUT

Button = QMessageBox.StandardButton


def answer_save_dialog(monkeypatch, path, chosen_filter=""):
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(path), chosen_filter))


def export(qtbot, window, action):
    with qtbot.waitSignal(window.session.exported, timeout=GUI_TIMEOUT) as blocker:
        action.trigger()
    return blocker.args[0]


def test_report_export_writes_a_pdf_with_the_segments(qtbot, monkeypatch, analysed_window, tmp_path):
    window = analysed_window
    window.session.rename_segment(1, "Big spenders")
    answer_save_dialog(monkeypatch, tmp_path / "report", "PDF document (*.pdf)")
    written = export(qtbot, window, window.export_report_action)
    assert written == str(tmp_path / "report.pdf")
    pdf = (tmp_path / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    # Summary, how the segments were made, elbow, clusters and the segments two to a page.
    pages = pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ")
    assert pages == 4 + math.ceil(window.session.segmentation.k / 2)
    assert "Saved" in window.statusBar().currentMessage()


def test_dashboard_export_writes_one_web_page_with_the_renamed_segments(
    qtbot, monkeypatch, analysed_window, tmp_path
):
    window = analysed_window
    window.session.rename_segment(1, "Big spenders")
    answer_save_dialog(monkeypatch, tmp_path / "dashboard", "Web page (*.html)")
    written = export(qtbot, window, window.export_dashboard_action)
    assert written == str(tmp_path / "dashboard.html")
    page = (tmp_path / "dashboard.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "Segment 1: Big spenders" in page
    assert "Saved" in window.statusBar().currentMessage()


def test_workbook_export_has_a_summary_and_a_sheet_per_segment(qtbot, monkeypatch, analysed_window, tmp_path):
    window = analysed_window
    segmentation = window.session.segmentation
    answer_save_dialog(monkeypatch, tmp_path / "segments.xlsx")
    export(qtbot, window, window.export_workbook_action)
    workbook = openpyxl.load_workbook(tmp_path / "segments.xlsx", read_only=True)
    assert workbook.sheetnames == sheet_names(["Summary", *segmentation.names])  # at most 31 characters
    first = workbook[workbook.sheetnames[1]]  # the first segment, its name cut to fit a sheet name
    assert first.max_row == segmentation.profiles[0].size + 1  # the header row
    workbook.close()


def test_segment_model_export_is_readable_json(qtbot, monkeypatch, analysed_window, tmp_path):
    window = analysed_window
    answer_save_dialog(monkeypatch, tmp_path / "model.json")
    export(qtbot, window, window.export_model_action)
    model = json.loads((tmp_path / "model.json").read_text(encoding="utf-8"))
    assert model["format"] == "segment-studio-segment-model"
    assert [segment["name"] for segment in model["segments"]] == list(window.session.segmentation.names)


@pytest.mark.parametrize(
    ("answer", "replaced"), [(Button.No, False), (Button.Yes, True)], ids=["no-keeps-it", "yes-replaces"]
)
def test_an_added_suffix_never_replaces_a_file_without_asking(
    qtbot, monkeypatch, analysed_window, questions, tmp_path, answer, replaced
):
    window = analysed_window
    existing = tmp_path / "labels.csv"
    existing.write_text("keep me\n", encoding="utf-8")
    # The user typed "labels"; the dialog confirmed nothing because "labels" does not exist.
    answer_save_dialog(monkeypatch, tmp_path / "labels", "CSV file (*.csv)")
    questions.queued = [answer]
    if replaced:
        export(qtbot, window, window.export_labels_action)
        assert existing.read_text(encoding="utf-8-sig").startswith("CustomerID,")
    else:
        window.export_labels_action.trigger()
        assert not window.session.is_busy
        assert existing.read_text(encoding="utf-8") == "keep me\n"
    assert questions.asked == ["'labels.csv' already exists in " + str(tmp_path) + ". Replace it?"]


def test_a_failed_export_says_so_and_keeps_the_earlier_file(qtbot, monkeypatch, analysed_window, tmp_path):
    window = analysed_window
    folder = tmp_path / "exports"
    folder.mkdir()
    target = folder / "labels.csv"
    target.write_text("earlier export\n", encoding="utf-8")

    def disk_full(frame, temporary, *args, **kwargs):
        temporary.write_text("half", encoding="utf-8")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(core.export.pd.DataFrame, "to_csv", disk_full)
    answer_save_dialog(monkeypatch, target)
    with qtbot.waitSignal(window.session.error, timeout=GUI_TIMEOUT):
        window.export_labels_action.trigger()
    message = window.error_box.text()
    assert "Could not write 'labels.csv'" in message
    assert "No space left on device" in message
    assert "unchanged" in message
    assert "Traceback" not in message
    assert target.read_text(encoding="utf-8") == "earlier export\n"
    assert [path.name for path in folder.iterdir()] == ["labels.csv"]  # no temporary file left
    window.error_box.accept()


def test_chart_export_is_atomic(qtbot, monkeypatch, analysed_window, tmp_path):
    window = analysed_window
    window.tabs.setCurrentWidget(window.elbow_tab)
    folder = tmp_path / "charts"
    folder.mkdir()
    target = folder / "elbow.png"
    answer_save_dialog(monkeypatch, target)
    window.export_chart_action.trigger()
    first = target.read_bytes()
    assert first.startswith(b"\x89PNG")

    from matplotlib.figure import Figure

    def fails_half_way(figure, path, **kwargs):
        path.write_bytes(b"\x89PNG half")
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(Figure, "savefig", fails_half_way)
    window.export_chart_action.trigger()
    assert "Could not write the chart 'elbow.png'" in window.error_box.text()
    assert "unchanged" in window.error_box.text()
    assert target.read_bytes() == first
    assert [path.name for path in folder.iterdir()] == ["elbow.png"]
    window.error_box.accept()
