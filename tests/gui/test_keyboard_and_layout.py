"""Results that no longer match the settings, the keyboard, and small windows: what a user who changes
a choice, never touches the mouse, or works on a small screen depends on."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QToolBar

from desktop_app.data_tab import USE_COLUMN
from desktop_app.main_window import MINIMUM_WINDOW_SIZE

TIMEOUT = 60_000


def item_for(window, name):
    (item,) = window.data_tab.columns_tree.findItems(name, Qt.MatchFlag.MatchExactly, 1)
    return item


def test_changing_a_setting_marks_the_segments_out_of_date_and_exports_wait(qtbot, analysed_window):
    window = analysed_window
    assert not window.stale_banner.isVisible()
    assert window.export_report_action.isEnabled()

    item_for(window, "Age").setCheckState(USE_COLUMN, Qt.CheckState.Unchecked)

    assert window.stale_banner.isVisible()
    assert "Find segments again" in window.find_again_button.text()
    for action in (window.export_report_action, window.export_labels_action, window.export_workbook_action):
        assert not action.isEnabled()
    assert not window.segments_tab.export_labels_button.isEnabled()
    item_for(window, "Age").setCheckState(USE_COLUMN, Qt.CheckState.Checked)
    assert not window.stale_banner.isVisible(), "back to the settings the segments were found with"

    window.data_tab.fill_button.setChecked(True)
    assert window.stale_banner.isVisible()
    with qtbot.waitSignal(window.session.segmentation_changed, timeout=TIMEOUT):
        window.find_again_button.click()
    assert not window.stale_banner.isVisible()
    assert window.export_report_action.isEnabled()
    assert str(window.session.settings.missing) == "fill"


def test_every_toolbar_action_has_a_menu_entry_and_a_shortcut(qtbot, analysed_window):
    window = analysed_window
    toolbar = window.findChild(QToolBar, "main_toolbar")
    menus = [menu_action.menu() for menu_action in window.menuBar().actions()]
    in_menus = {action for menu in menus for action in menu.actions()}
    for action in toolbar.actions():
        assert action in in_menus, action.text()
        assert action.shortcuts(), f"{action.text()} has no shortcut"
        assert "(" in action.toolTip(), "the tooltip names the shortcut"
    assert QKeySequence("F5") in window.find_segments_action.shortcuts()


def test_find_segments_from_the_keyboard_then_export_shortcut_works_from_a_number_box(
    qtbot, analysed_window, monkeypatch
):
    window = analysed_window
    window.tabs.setCurrentWidget(window.data_tab)
    with qtbot.waitSignal(window.session.segmentation_changed, timeout=TIMEOUT):
        QTest.keyClick(window, Qt.Key.Key_F5)
    assert not isinstance(QApplication.focusWidget(), type(window.elbow_tab.k_spin)), (
        "after a run the focus is not in a number box"
    )
    asked = []
    monkeypatch.setattr(window, "_ask_save_path", lambda *args: asked.append(args[0]))
    window.elbow_tab.k_spin.setFocus()
    QTest.keyClick(window.elbow_tab.k_spin, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert asked == ["Export labelled data"]


def test_tab_leaves_the_data_table(qtbot, analysed_window):
    window = analysed_window
    window.tabs.setCurrentWidget(window.data_tab)
    view = window.data_tab.table_view
    view.setFocus()
    view.setCurrentIndex(view.model().index(0, 0))
    QTest.keyClick(view, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is not view


def test_the_measures_are_explained_in_plain_words(analysed_window):
    tooltip = analysed_window.elbow_tab.plot.toolTip()
    assert "WCSS" in tooltip
    assert "silhouette" in tooltip
    assert "tighter" in tooltip
    assert "clearly" in tooltip


def test_the_window_has_a_minimum_size_and_the_column_list_stays_usable_there(
    qtbot, session, settings, datasets_dir
):
    from desktop_app.main_window import MainWindow

    window = MainWindow(session, settings)
    qtbot.addWidget(window)
    window.resize(800, 600)
    window.show()
    assert (window.width(), window.height()) == MINIMUM_WINDOW_SIZE
    with qtbot.waitSignal(session.analysis_ready, timeout=TIMEOUT):
        window.open_path(datasets_dir / "CC GENERAL.csv")
    QApplication.processEvents()
    tree = window.data_tab.columns_tree
    row_height = tree.visualItemRect(tree.topLevelItem(0)).height()
    assert tree.viewport().height() >= 8 * row_height, "at least eight columns in view at 1024x640"
    splitter = window.data_tab.panel_splitter
    assert splitter.orientation() == Qt.Orientation.Vertical, "the user can give the list more room"


@pytest.mark.parametrize("tab_name", ["Data", "Segments"])
def test_export_chart_is_only_offered_on_tabs_with_a_chart(analysed_window, tab_name):
    window = analysed_window
    index = [window.tabs.tabText(i) for i in range(window.tabs.count())].index(tab_name)
    window.tabs.setCurrentIndex(index)
    assert not window.export_chart_action.isEnabled()
    window.tabs.setCurrentWidget(window.clusters_tab)
    assert window.export_chart_action.isEnabled()
