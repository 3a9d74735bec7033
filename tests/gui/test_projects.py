"""Projects from the window: save, reopen the same segments, a moved or changed customer file, and the
question about unsaved segments before closing or opening something else."""

import dataclasses
import shutil

import numpy as np
import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from core.preparation import MissingPolicy, Scaling
from desktop_app.main_window import MainWindow
from tests.gui.conftest import GUI_TIMEOUT

Button = QMessageBox.StandardButton


def save_project_to(qtbot, monkeypatch, window, path, chosen_filter="Segment Studio project (*.segproj)"):
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(path), chosen_filter))
    with qtbot.waitSignal(window.session.project_saved, timeout=GUI_TIMEOUT) as blocker:
        window.save_project_action.trigger()
    return blocker.args[0]


def reopen(qtbot, window, path, data_path=None):
    with qtbot.waitSignal(window.session.project_opened, timeout=GUI_TIMEOUT):
        window.open_project(path, data_path)


@pytest.fixture
def customers_copy(tmp_path, sample_path):
    folder = tmp_path / "data"
    folder.mkdir()
    return shutil.copy(sample_path, folder / "customers.csv")


@pytest.fixture
def window_on_copy(qtbot, session, settings, customers_copy):
    """The copied sample segmented with the user's own choices on the Data tab, one segment renamed."""
    window = MainWindow(session, settings)
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(session.analysis_ready, timeout=GUI_TIMEOUT):
        window.open_path(customers_copy)
    tab = window.data_tab
    tab.set_feature_used("Tenure (years)", False)
    tab.scaling_combo.setCurrentIndex(tab.scaling_combo.findData("robust"))
    tab.fill_button.setChecked(True)
    with qtbot.waitSignal(session.segmentation_changed, timeout=GUI_TIMEOUT):
        window.find_segments(dataclasses.replace(tab.analysis_settings(), k_max=4))
    with qtbot.waitSignal(session.segmentation_changed, timeout=GUI_TIMEOUT):
        window.elbow_tab.k_chosen.emit(3)
    session.rename_segment(2, "Weekend shoppers")
    return window


def test_save_then_reopen_gives_the_same_segments_names_and_settings(
    qtbot, monkeypatch, window_on_copy, tmp_path
):
    window, session = window_on_copy, window_on_copy.session
    assert window.windowTitle() == "customers.csv* — Segment Studio"
    labels, names = session.segmentation.labels.copy(), session.segmentation.names

    saved = save_project_to(qtbot, monkeypatch, window, tmp_path / "spring campaign", "")
    assert saved == str(tmp_path / "spring campaign.segproj")  # the dialog's type added the suffix
    assert window.windowTitle() == "spring campaign.segproj — Segment Studio"

    with qtbot.waitSignal(session.analysis_ready, timeout=GUI_TIMEOUT):  # start again from other settings
        window.open_sample_data()
    assert session.segmentation is None
    reopen(qtbot, window, saved)

    assert session.segmentation.k == 3
    assert np.array_equal(session.segmentation.labels, labels)
    assert session.segmentation.names == names
    assert names[1] == "Weekend shoppers"
    window.tabs.setCurrentWidget(window.segments_tab)
    assert window.segments_tab.cards[1].name_edit.text() == "Weekend shoppers"
    assert window.elbow_tab.k_spin.value() == 3
    tab = window.data_tab
    assert "Tenure (years)" not in tab.selected_features()
    assert tab.analysis_settings().scaling == Scaling.ROBUST
    assert tab.analysis_settings().missing == MissingPolicy.FILL
    assert not session.has_unsaved_changes
    assert window.windowTitle() == "spring campaign.segproj — Segment Studio"


@pytest.mark.parametrize("what_happened", ["moved", "changed"])
def test_a_moved_or_changed_data_file_is_detected_and_can_be_located(
    qtbot, monkeypatch, window_on_copy, customers_copy, tmp_path, what_happened
):
    window, session = window_on_copy, window_on_copy.session
    labels = session.segmentation.labels.copy()
    project = save_project_to(qtbot, monkeypatch, window, tmp_path / "work.segproj")
    elsewhere = tmp_path / "archive"
    elsewhere.mkdir()
    original = shutil.copy(customers_copy, elsewhere / "customers.csv")
    if what_happened == "moved":
        customers_copy.unlink()
    else:
        with customers_copy.open("a", encoding="utf-8") as data:
            data.write("301,Male,40,70,50,North,3\n")

    with qtbot.waitSignal(session.data_file_problem, timeout=GUI_TIMEOUT):
        window.open_project(project)
    box = window.data_file_box
    assert box.isVisible()
    expected = "no longer at" if what_happened == "moved" else "has changed since the project was saved"
    assert expected in box.text()
    assert "customers.csv" in box.text()
    assert np.array_equal(session.segmentation.labels, labels)  # nothing replaced meanwhile

    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kwargs: (str(original), ""))
    with qtbot.waitSignal(session.project_opened, timeout=GUI_TIMEOUT):
        window.locate_button.click()
    assert np.array_equal(session.segmentation.labels, labels)
    assert session.table.report.path == str(original)


def test_closing_with_unsaved_segments_asks_and_cancel_keeps_the_window(qtbot, analysed_window, questions):
    window = analysed_window
    questions.queued = [Button.Cancel]
    assert not window.close()
    assert window.isVisible()
    assert len(questions.asked) == 1
    assert "not saved" in questions.asked[0]
    assert window.session.segmentation is not None

    questions.queued = [Button.Discard]
    assert window.close()
    assert not window.isVisible()


def test_save_from_the_question_saves_then_closes(qtbot, monkeypatch, analysed_window, questions, tmp_path):
    window = analysed_window
    target = tmp_path / "before closing.segproj"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(target), ""))
    questions.queued = [Button.Save]
    with qtbot.waitSignal(window.session.project_saved, timeout=GUI_TIMEOUT):
        window.close()
    assert target.is_file()
    assert not window.isVisible()


def test_opening_another_file_asks_first_and_cancel_keeps_the_segments(qtbot, analysed_window, questions):
    window = analysed_window
    segmentation = window.session.segmentation
    questions.queued = [Button.Cancel]
    window.open_sample_data()
    assert not window.session.is_busy
    assert window.session.segmentation is segmentation
    assert len(questions.asked) == 1


def test_the_project_suffix_is_the_cores(qtbot):
    from core.project import PROJECT_SUFFIX
    from desktop_app import main_window

    assert main_window.PROJECT_SUFFIX == PROJECT_SUFFIX


def test_a_project_given_on_the_command_line_opens_as_a_project(
    qtbot, monkeypatch, window_on_copy, session, tmp_path
):
    labels = session.segmentation.labels.copy()
    project = save_project_to(qtbot, monkeypatch, window_on_copy, tmp_path / "cli.segproj")
    with qtbot.waitSignal(session.analysis_ready, timeout=GUI_TIMEOUT):
        window_on_copy.open_sample_data()
    with qtbot.waitSignal(session.project_opened, timeout=GUI_TIMEOUT):
        window_on_copy.open_path(project)
    assert np.array_equal(session.segmentation.labels, labels)


def test_a_changed_data_file_can_be_used_with_the_saved_settings_and_names(
    qtbot, monkeypatch, window_on_copy, customers_copy, tmp_path
):
    window, session = window_on_copy, window_on_copy.session
    project = save_project_to(qtbot, monkeypatch, window, tmp_path / "work.segproj")
    settings = session.settings
    with customers_copy.open("a", encoding="utf-8") as data:
        data.write("301,Male,40,70,50,3,North\n302,Female,33,45,81,2,South\n")

    with qtbot.waitSignal(session.data_file_problem, timeout=GUI_TIMEOUT):
        window.open_project(project)
    assert window.new_data_button is not None
    assert "saved settings" in window.new_data_button.text()
    with qtbot.waitSignal(session.new_data_used, timeout=GUI_TIMEOUT) as blocker:
        window.new_data_button.click()

    assert "302 customers are segmented now, 300 before (2 added)" in blocker.args[0]
    assert window.new_data_box.isVisible()
    assert len(session.table.frame) == 302
    assert session.settings == settings
    assert "Weekend shoppers" in session.segmentation.names
    assert session.has_unsaved_changes
    assert not window.results_out_of_date(), "the Data tab shows the saved settings used"
