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
