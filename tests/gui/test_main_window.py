"""The main window: welcome view, opening files (sample, preview, drop), errors, settings and the hook."""

import dataclasses
import sys
import threading

import pytest
from PySide6.QtCore import QEvent, QMimeData, QObject, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QKeySequence
from PySide6.QtWidgets import QApplication

from desktop_app.error_reporting import ExceptionHook
from desktop_app.main_window import MainWindow

TIMEOUT = 30_000


@pytest.fixture
def window(qtbot, session, settings):
    main_window = MainWindow(session, settings)
    qtbot.addWidget(main_window)
    main_window.show()
    return main_window


def visible_tabs(window) -> list[str]:
    """The tabs the user sees (RFM groups is there only for customers summarised from orders)."""
    return [window.tabs.tabText(i) for i in range(window.tabs.count()) if window.tabs.isTabVisible(i)]


def test_starts_on_the_welcome_view(window):
    assert window.stack.currentWidget() is window.welcome
    assert window.windowTitle() == "Segment Studio"
    assert not window.cancel_button.isVisible()
    assert not window.export_labels_action.isEnabled()
    for action in (
        window.save_project_action,
        window.export_report_action,
        window.export_dashboard_action,
        window.export_workbook_action,
        window.export_model_action,
    ):
        assert not action.isEnabled()  # nothing to save before there are segments
    assert window.open_project_action.isEnabled()
    assert window.assign_action.isEnabled()  # with a model file, no segments are needed
    assert window.export_labels_action.shortcut() == QKeySequence("Ctrl+E")
    assert window.cancel_action.shortcut() == QKeySequence("Esc")


def test_the_table_shows_while_the_chart_modules_still_load(
    qtbot, session, settings, sample_path, monkeypatch
):
    """The first file of a session: the customers appear before scikit-learn and matplotlib are imported;
    Find segments and the chart tabs wait for them."""
    import desktop_app.session
    from desktop_app.main_window import import_tab_modules

    monkeypatch.setattr(desktop_app.session, "_imported_modules", desktop_app.session._ImportedModules())
    modules_may_load = threading.Event()

    def slow_chart_modules():
        assert modules_may_load.wait(TIMEOUT / 1000)
        import_tab_modules()

    main_window = MainWindow(session, settings)  # not shown: no preload, the file's task imports
    qtbot.addWidget(main_window)
    session.warm_up = slow_chart_modules
    try:
        with qtbot.waitSignal(session.table_loaded, timeout=TIMEOUT):
            main_window.open_path(sample_path)
        assert main_window.data_tab.model.rowCount() == 300
        assert not main_window.data_tab.find_button.isEnabled()
        assert main_window.elbow_tab is None
        assert main_window.tabs.count() == 1
        assert session.is_busy
    finally:
        modules_may_load.set()
    with qtbot.waitSignal(session.analysis_ready, timeout=TIMEOUT):
        pass
    assert visible_tabs(main_window) == [
        "Data", "Explore", "Choose k", "Clusters", "Segments"
    ]
    assert main_window.data_tab.find_button.isEnabled()
    assert session.modules_ready


def test_a_window_on_screen_loads_the_analysis_modules_before_any_file(qtbot, session, settings, monkeypatch):
    import desktop_app.session
    from desktop_app.main_window import import_tab_modules

    monkeypatch.setattr(desktop_app.session, "_imported_modules", desktop_app.session._ImportedModules())
    warmed_up = threading.Event()

    def chart_modules():
        import_tab_modules()
        warmed_up.set()

    main_window = MainWindow(session, settings)
    qtbot.addWidget(main_window)
    session.warm_up = chart_modules
    assert not session.modules_ready
    main_window.show()
    qtbot.waitUntil(lambda: session.modules_ready, timeout=TIMEOUT)
    assert warmed_up.is_set()
    # Then the tabs are built while the user reads the welcome view, so the first file opens quickly.
    qtbot.waitUntil(lambda: main_window.elbow_tab is not None, timeout=TIMEOUT)
    assert main_window.data_tab is not None
    assert main_window.stack.currentWidget() is main_window.welcome  # nothing opened by it
    assert not main_window.export_chart_action.isEnabled()
    # ... and laid out at the window's size: showing them with the first file costs no layout.
    assert main_window.tabs.geometry() == main_window.welcome.geometry()
    assert not main_window.data_tab.testAttribute(Qt.WidgetAttribute.WA_PendingResizeEvent)


def test_try_the_sample_data_opens_the_data_tab(qtbot, window):
    busy_states = []
    window.session.busy_changed.connect(lambda busy: busy_states.append(window.cancel_button.isVisible()))
    with qtbot.waitSignal(window.session.analysis_ready, timeout=TIMEOUT):
        qtbot.mouseClick(window.welcome.sample_button, Qt.MouseButton.LeftButton)
    assert busy_states[0] is True  # Cancel was visible while loading
    assert not window.cancel_button.isVisible()
    assert window.stack.currentWidget() is window.results_page
    assert window.tabs.currentWidget() is window.data_tab
    assert window.data_tab.model.rowCount() == 300
    assert window.windowTitle() == "sample_customers.csv — Segment Studio"
    assert visible_tabs(window) == [
        "Data",
        "Explore",
        "Choose k",
        "Clusters",
        "Segments",
    ]


def customer_file(tmp_path):
    path = tmp_path / "shop.csv"
    lines = ["id;age;spend"] + [f"{n};{20 + n % 50};{n * 3 % 97},5" for n in range(1, 101)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_dropped_file_goes_through_the_preview_and_into_recent_files(qtbot, window, tmp_path):
    path = customer_file(tmp_path)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    drop = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(drop)
    dialog = window.import_dialog
    assert dialog is not None
    assert dialog.isVisible()
    assert dialog.delimiter_combo.currentData() == ";"
    with qtbot.waitSignal(window.session.analysis_ready, timeout=TIMEOUT):
        dialog.accept()
    assert window.session.table.report.options.delimiter == ";"
    assert window.windowTitle().startswith("shop.csv")
    assert window.recent_files() == [str(path)]
    assert window.settings.value("files/last_folder") == str(tmp_path)


def test_a_failing_load_shows_the_message_and_the_app_stays_usable(qtbot, window, tmp_path):
    path = tmp_path / "broken.csv"
    path.write_bytes(b"")
    with qtbot.waitSignal(window.session.error, timeout=TIMEOUT):
        window.open_path(path)
    assert window.error_box.isVisible()
    assert "broken.csv" in window.error_box.text()
    assert window.stack.currentWidget() is window.welcome
    assert not window.session.is_busy
    window.error_box.accept()


def test_window_geometry_is_remembered(qtbot, session, settings):
    first = MainWindow(session, settings)
    qtbot.addWidget(first)
    first.show()
    first.resize(640, 480)  # inside the offscreen screen, which restoreGeometry clamps to
    size = first.size()
    first.close()
    second = MainWindow(session, settings)
    qtbot.addWidget(second)
    assert second.size() == size
    assert (second.width(), second.height()) != (1200, 800)  # not the default size


def test_unexpected_exception_shows_a_dialog_with_copy_details(qtbot, user_data_folder):
    hook = ExceptionHook()
    try:
        raise RuntimeError("a bug")
    except RuntimeError:
        hook(*sys.exc_info())
    dialog = hook.dialog
    qtbot.addWidget(dialog)
    assert dialog.isVisible()
    assert "RuntimeError" in dialog.message_label.text()
    assert "Traceback" not in dialog.message_label.text()
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    assert 'raise RuntimeError("a bug")' in QApplication.clipboard().text()
    log = next(user_data_folder.rglob("segment-studio.log")).read_text(encoding="utf-8")
    assert "RuntimeError: a bug" in log
    dialog.reject()


def test_cancel_mid_sweep_leaves_a_usable_window(qtbot, window, monkeypatch):
    import threading

    import core.pipeline
    from core.errors import OperationCancelled

    with qtbot.waitSignal(window.session.analysis_ready, timeout=TIMEOUT):
        window.open_sample_data()
    real_sweep = core.pipeline.run_sweep
    waiting = threading.Event()

    def sweep_until_cancelled(prepared, settings, *, progress, cancel, on_score, on_labels):
        while not cancel():
            waiting.wait(0.01)
        raise OperationCancelled()

    monkeypatch.setattr(core.pipeline, "run_sweep", sweep_until_cancelled)
    with qtbot.waitSignal(window.session.busy_changed, timeout=TIMEOUT):
        qtbot.mouseClick(window.data_tab.find_button, Qt.MouseButton.LeftButton)
    assert window.cancel_button.isVisible()
    assert not window.data_tab.find_button.isEnabled()
    with qtbot.waitSignal(window.session.cancelled, timeout=TIMEOUT):
        qtbot.mouseClick(window.cancel_button, Qt.MouseButton.LeftButton)
    assert not window.cancel_button.isVisible()
    assert "Stopped" in window.statusBar().currentMessage()
    assert window.data_tab.find_button.isEnabled()

    monkeypatch.setattr(core.pipeline, "run_sweep", real_sweep)
    with qtbot.waitSignal(window.session.segmentation_changed, timeout=TIMEOUT):
        window.find_segments(dataclasses.replace(window.data_tab.analysis_settings(), k_max=3))
    window.tabs.setCurrentWidget(window.segments_tab)
    assert len(window.segments_tab.cards) == window.session.segmentation.k


def test_segments_show_in_the_data_table_and_statistics_on_explore(qtbot, analysed_window):
    window = analysed_window
    columns = len(window.session.table.frame.columns)
    assert window.explore_tab.statistics_model.rowCount() == columns  # computed on the worker at load
    assert window.data_tab.model.segment_column == columns
    with qtbot.waitSignal(window.session.analysis_ready, timeout=TIMEOUT):
        window.open_sample_data()  # the test's question fixture answers Discard
    assert window.data_tab.model.segment_column is None


def test_the_hidden_choose_k_tab_is_sized_before_it_shows(qtbot, window):
    """Find segments shows the Choose k tab as the sweep starts: a chart rendered for a new size then
    competes with the sweep (the window waited up to 100 ms), so the tab takes its size while idle."""
    with qtbot.waitSignal(window.session.analysis_ready, timeout=TIMEOUT):
        window.open_sample_data()
    chart = window.elbow_tab.plot
    qtbot.waitUntil(lambda: window.elbow_tab.geometry() == window.data_tab.geometry(), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not chart.rendering, timeout=TIMEOUT)

    window.tabs.setCurrentWidget(window.elbow_tab)
    assert not chart.rendering, "no new picture for a new size"
    ratio = chart.canvas.device_pixel_ratio
    assert chart.canvas.picture.size() == chart.canvas.size() * ratio


def test_find_segments_starts_once_the_chart_shows_the_sweep(qtbot, window):
    """The sweep's empty axes are rendered first: rendered while the data is prepared, the two took
    turns with Python's lock and the window waited for both."""
    from core.pipeline import AnalysisSettings

    with qtbot.waitSignal(window.session.analysis_ready, timeout=TIMEOUT):
        window.open_sample_data()
    chart = window.elbow_tab.plot
    rendering_when_busy = []
    window.session.busy_changed.connect(lambda busy: busy and rendering_when_busy.append(chart.rendering))
    with qtbot.waitSignal(window.session.sweep_finished, timeout=TIMEOUT):
        window.find_segments(AnalysisSettings(k_max=4))
    assert rendering_when_busy[0] is False
    assert window.tabs.currentWidget() is window.elbow_tab
    assert [score.k for score in window.elbow_tab.scores] == [1, 2, 3, 4]


def test_the_window_is_idle_only_when_no_chart_is_rendering(qtbot, window):
    with qtbot.waitSignal(window.session.analysis_ready, timeout=TIMEOUT):
        window.open_sample_data()
    qtbot.waitUntil(lambda: window.is_idle, timeout=TIMEOUT)
    window.elbow_tab.plot.render_in_background()
    assert not window.is_idle
    qtbot.waitUntil(lambda: window.is_idle, timeout=TIMEOUT)


def test_find_segments_renders_the_empty_chart_once_the_tab_has_painted(qtbot, window, monkeypatch):
    """Rendering on a worker while the tab painted held the window 20-40 ms longer."""
    from core.pipeline import AnalysisSettings

    with qtbot.waitSignal(window.session.analysis_ready, timeout=TIMEOUT):
        window.open_sample_data()
    plot = window.elbow_tab.plot
    window.tabs.setCurrentWidget(window.elbow_tab)  # the chart drawn once, so showing it draws nothing
    qtbot.waitUntil(lambda: not plot.draw_pending, timeout=TIMEOUT)
    window.tabs.setCurrentWidget(window.data_tab)
    painted, painted_at_render = [], []

    class PaintWatch(QObject):
        def eventFilter(self, watched, event) -> bool:  # Qt override
            if event.type() == QEvent.Type.Paint:
                painted.append(True)
            return False

    watch = PaintWatch()
    window.elbow_tab.installEventFilter(watch)
    monkeypatch.setattr(plot, "render_in_background", lambda: painted_at_render.append(bool(painted)))
    monkeypatch.setattr(plot, "after_render", lambda start: None)  # no sweep
    window.find_segments(AnalysisSettings(k_max=4))
    qtbot.waitUntil(lambda: bool(painted_at_render))
    assert painted_at_render == [True]


def test_find_segments_starts_when_another_tab_is_chosen_before_its_chart_is_drawn(qtbot, window):
    from core.pipeline import AnalysisSettings

    with qtbot.waitSignal(window.session.analysis_ready, timeout=TIMEOUT):
        window.open_sample_data()
    qtbot.waitUntil(lambda: window.is_idle, timeout=TIMEOUT)  # no chart is rendering
    with qtbot.waitSignal(window.session.segmentation_changed, timeout=TIMEOUT):
        window.find_segments(AnalysisSettings(k_max=4))
        window.tabs.setCurrentWidget(window.data_tab)  # before the Choose k tab has painted
    assert window.session.sweep is not None


def test_find_segments_does_not_start_on_a_file_opened_while_its_chart_rendered(qtbot, window, monkeypatch):
    from core.pipeline import AnalysisSettings

    with qtbot.waitSignal(window.session.analysis_ready, timeout=TIMEOUT):
        window.open_sample_data()
    waiting_for_the_chart = []
    monkeypatch.setattr(window.elbow_tab.plot, "after_render", waiting_for_the_chart.append)
    window.find_segments(AnalysisSettings(k_max=4))
    qtbot.waitUntil(lambda: bool(waiting_for_the_chart))  # the tab has painted; its empty axes are rendering
    with qtbot.waitSignal(window.session.analysis_ready, timeout=TIMEOUT):
        window.open_sample_data()  # another table, with perhaps other columns
    sweeps = []
    window.session.sweep_started.connect(lambda *k_range: sweeps.append(k_range))
    waiting_for_the_chart.pop()()  # the chart is drawn: the sweep would start now
    assert sweeps == []
    assert not window.session.is_busy
