"""Bad files from the corpus, opened through the window: one readable message in the error display (the
same words as the command line), no traceback, and a window that still works afterwards."""

import dataclasses

import pytest
from PySide6.QtWidgets import QMessageBox

from desktop_app.main_window import MainWindow
from tests.corpus.make_corpus import write_case
from tests.gui.conftest import GUI_TIMEOUT

# case -> (where it fails: opening the file or finding segments, texts the message holds)
FAILING_CASES = {
    "empty": ("open", ("Cannot open 'customers.csv'", "the file is empty")),
    "header_only": ("open", ("'customers.csv'", "column names but no customer rows")),
    "binary_garbage": ("open", ("Cannot open 'customers.csv'", "not a text table")),
    "corrupt_xlsx": ("open", ("Cannot open 'customers.xlsx'", "damaged")),
    "encrypted_xlsx": ("open", ("Cannot open 'customers.xlsx'", "protected by a password")),
    "infinity": ("analyse", ("'Income' contains an infinite value", "Correct it in the file")),
    "huge_numbers": ("analyse", ("'Income' has values too large to compute with",)),
}


@pytest.fixture
def window(qtbot, session, settings):
    main_window = MainWindow(session, settings)
    qtbot.addWidget(main_window)
    main_window.show()
    return main_window


@pytest.mark.parametrize(
    "case",
    FAILING_CASES,
)
def test_a_bad_file_shows_one_readable_message_and_the_window_stays_usable(
    qtbot, window, tmp_path, sample_path, case
):
    stage, texts = FAILING_CASES[case]
    path = write_case(tmp_path, case)
    before = path.read_bytes()
    session = window.session
    if stage == "open":
        with qtbot.waitSignal(session.error, timeout=GUI_TIMEOUT) as blocker:
            window.open_path(path)
    else:
        with qtbot.waitSignal(session.analysis_ready, timeout=GUI_TIMEOUT):
            window.open_path(path)
        with qtbot.waitSignal(session.error, timeout=GUI_TIMEOUT) as blocker:
            window.data_tab.find_button.click()

    message = window.error_box.text()
    assert message == blocker.args[0]
    for text in texts:
        assert text in message
    assert "Traceback" not in message
    assert "Error:" not in message  # no exception class names either
    assert len(message.splitlines()) == 1
    assert window.error_box.icon() == QMessageBox.Icon.Warning
    assert not session.is_busy
    assert path.read_bytes() == before
    window.error_box.accept()

    with qtbot.waitSignal(session.analysis_ready, timeout=GUI_TIMEOUT):
        window.open_sample_data()
    assert window.data_tab.model.rowCount() == 300
    with qtbot.waitSignal(session.segmentation_changed, timeout=GUI_TIMEOUT):
        window.find_segments(dataclasses.replace(window.data_tab.analysis_settings(), k_max=3))
    assert window.windowTitle() == "sample_customers.csv* — Segment Studio"


def test_a_file_with_fixable_problems_opens_and_says_what_was_fixed(qtbot, window, tmp_path):
    path = write_case(tmp_path, "words_in_numbers")
    with qtbot.waitSignal(window.session.analysis_ready, timeout=GUI_TIMEOUT):
        window.open_path(path)
    assert "problems fixed, see Data" in window.statusBar().currentMessage()
    assert any("'n/a'" in problem for problem in window.session.table.report.problems)
