"""GUI test fixtures: a private user data folder, private settings, and a worker that must end idle."""

import pytest
from PySide6.QtCore import QSettings

from desktop_app.worker import TaskRunner


@pytest.fixture(autouse=True)
def user_data_folder(tmp_path, monkeypatch):
    """Keeps the log file (and anything else in the user data folder) out of the real home folder."""
    folder = tmp_path / "user-data"
    monkeypatch.setenv("XDG_DATA_HOME", str(folder))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "user-config"))
    return folder


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def runner(qtbot):
    """A TaskRunner that is shut down after the test; no test may leave a thread behind."""
    task_runner = TaskRunner()
    yield task_runner
    task_runner.shutdown()
    assert task_runner.is_idle()


@pytest.fixture
def session(qtbot):
    """An AnalysisSession whose worker must be idle and joined after the test."""
    from desktop_app.session import AnalysisSession

    analysis = AnalysisSession()
    yield analysis
    analysis.shutdown()
    assert analysis.runner.is_idle()


@pytest.fixture(scope="session")
def sample_path():
    from desktop_app.app import sample_data_path

    return sample_data_path()


class QuestionAnswers:
    """Answers QMessageBox.question in order (then `default`) and keeps each question's text.

    A real question box would wait forever for a click in the offscreen tests (also when a window with
    unsaved segments closes at the end of a test), so every GUI test gets this one.
    """

    def __init__(self, default):
        self.default = default
        self.queued = []
        self.asked: list[str] = []

    def __call__(self, parent, title, text, *args, **kwargs):
        self.asked.append(text)
        return self.queued.pop(0) if self.queued else self.default


@pytest.fixture(autouse=True)
def questions(monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    answers = QuestionAnswers(QMessageBox.StandardButton.Discard)
    monkeypatch.setattr(QMessageBox, "question", answers)
    return answers


GUI_TIMEOUT = 60_000


@pytest.fixture
def analysed_window(qtbot, session, settings, sample_path):
    """A main window on the sample, segmented with k swept over 1..4 (quick) at the suggested k."""
    from core.pipeline import AnalysisSettings
    from desktop_app.main_window import MainWindow

    window = MainWindow(session, settings)
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(session.analysis_ready, timeout=GUI_TIMEOUT):
        window.open_sample_data()
    with qtbot.waitSignal(session.segmentation_changed, timeout=GUI_TIMEOUT):
        window.find_segments(AnalysisSettings(k_max=4))
    return window
