"""Stability in the window: the badge on each segment card after the check, the profile table's numbers,
Cancel and check again, a check that an unrelated export does not stop, and How segments split on the
Choose k tab (its rows pick k, its colours and the chart's line come from the check of each k)."""

import pytest
from PySide6.QtCore import Qt

from core.stability import STABILITY_COLUMN, segmentation_stability
from desktop_app.stability_check import Check
from tests.gui.conftest import GUI_TIMEOUT


def settled(qtbot, session):
    """Every check done (and the k the stability suggests shown, when it differs)."""
    qtbot.waitUntil(lambda: session.is_idle and session.stability.segments is not None, timeout=GUI_TIMEOUT)


def strip_of(tab):
    from desktop_app.stability_check import StabilityStrip

    return tab.findChild(StabilityStrip)


def test_each_card_shows_its_segments_stability_after_a_fit(qtbot, analysed_window):
    session, window = analysed_window.session, analysed_window
    settled(qtbot, session)
    window.tabs.setCurrentWidget(window.segments_tab)
    segmentation = session.segmentation
    # The same numbers as the core's check with the analysis's seed: the badges show the real result.
    expected = segmentation_stability(session.prepared, segmentation, seed=session.settings.seed)
    badges = [card.stability_badge.text() for card in window.segments_tab.cards]
    assert badges == [segment.explanation for segment in expected]
    assert all(" of 50 reshuffles of your customers" in badge for badge in badges)
    table = window.segments_tab.profile_model.frame
    assert table[STABILITY_COLUMN].iloc[:-1].tolist() == pytest.approx(
        [round(segment.jaccard, 2) for segment in expected]
    )
    assert "least stable segment is" in strip_of(window.segments_tab).status_label.text()


def test_cancel_stops_the_check_and_the_button_checks_again(qtbot, analysed_window):
    session, window = analysed_window.session, analysed_window
    settled(qtbot, session)
    window.tabs.setCurrentWidget(window.segments_tab)
    strip = strip_of(window.segments_tab)
    qtbot.mouseClick(strip.check_button, Qt.MouseButton.LeftButton)
    assert session.stability.running == Check.SEGMENTS
    assert strip.cancel_button.isVisible()
    assert window.segments_tab.cards[0].stability_badge.text() == "Stability: being checked…"
    with qtbot.waitSignal(session.stability.stopped, timeout=GUI_TIMEOUT):
        qtbot.mouseClick(strip.cancel_button, Qt.MouseButton.LeftButton)
    assert session.stability.segments is None
    assert window.segments_tab.cards[0].stability_badge.text() == "Stability not checked yet"
    assert "Stopped" in strip.status_label.text()
    assert strip.check_button.isVisible()
    assert strip.check_button.isEnabled()

    with qtbot.waitSignal(session.stability.segments_checked, check_params_cb=bool, timeout=GUI_TIMEOUT):
        qtbot.mouseClick(strip.check_button, Qt.MouseButton.LeftButton)
    assert "reshuffles of your customers" in window.segments_tab.cards[0].stability_badge.text()


def test_an_export_while_the_check_runs_does_not_stop_it(qtbot, analysed_window, tmp_path):
    session = analysed_window.session
    settled(qtbot, session)
    stopped = []
    session.stability.stopped.connect(lambda *args: stopped.append(args))
    session.stability.check(Check.SEGMENTS)
    assert session.stability.running == Check.SEGMENTS
    with qtbot.waitSignal(session.exported, timeout=GUI_TIMEOUT):
        session.export_labelled(tmp_path / "labelled.csv")
    qtbot.waitUntil(lambda: session.stability.segments is not None, timeout=GUI_TIMEOUT)
    assert stopped == []
    assert (tmp_path / "labelled.csv").is_file()


def test_clicking_a_row_of_how_segments_split_picks_that_k(qtbot, analysed_window):
    session, window = analysed_window.session, analysed_window
    settled(qtbot, session)
    window.tabs.setCurrentWidget(window.elbow_tab)
    tab = window.elbow_tab
    view = tab.splits_view
    assert view.ks == (1, 2, 3, 4)
    assert [len(view.tree.nodes_at(k)) for k in view.ks] == [1, 2, 3, 4]
    # The chart's stability line and the rows' texts are the weakest segment of each k.
    by_k = session.stability.by_k
    assert list(tab._stability_line.get_ydata()) == pytest.approx([by_k[k].smallest for k in (1, 2, 3, 4)])
    assert view.stability_text(3) == f"weakest {by_k[3].smallest:.2f}"

    other = 4 if session.segmentation.k != 4 else 3
    with qtbot.waitSignal(session.segmentation_changed, timeout=GUI_TIMEOUT):
        qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=view.row_rect(other).center().toPoint())
    assert session.segmentation.k == other
    assert tab.k_spin.value() == other
    assert view.chosen_k == other


def test_the_suggestion_says_what_the_stability_found(qtbot, analysed_window):
    session, window = analysed_window.session, analysed_window
    settled(qtbot, session)
    assert "stable" in window.elbow_tab.reason_label.text()
    assert window.elbow_tab.reason_label.text() == session.sweep.reason


def test_the_profile_export_and_the_workbook_carry_the_checked_stability(
    qtbot, analysed_window, monkeypatch, tmp_path
):
    import openpyxl
    import pandas as pd
    from PySide6.QtWidgets import QFileDialog

    session, window = analysed_window.session, analysed_window
    settled(qtbot, session)
    expected = [segment.jaccard for segment in session.stability.segments]
    exports = (("profiles.csv", window.export_profiles_action), ("book.xlsx", window.export_workbook_action))
    for name, action in exports:
        target = tmp_path / name
        monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a, to=target, **_k: (str(to), ""))
        with qtbot.waitSignal(session.exported, timeout=GUI_TIMEOUT):
            action.trigger()
    profiles = pd.read_csv(tmp_path / "profiles.csv", encoding="utf-8-sig")
    assert profiles[STABILITY_COLUMN].iloc[:-1].tolist() == pytest.approx(expected)
    workbook = openpyxl.load_workbook(tmp_path / "book.xlsx", read_only=True)
    rows = list(workbook["Summary"].iter_rows(values_only=True))
    workbook.close()
    column = rows[0].index(STABILITY_COLUMN)
    assert [row[column] for row in rows[1 : 1 + len(expected)]] == pytest.approx(expected)
