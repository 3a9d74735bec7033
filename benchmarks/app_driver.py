"""Measurements of the real desktop app, each in a fresh process: `python -m benchmarks.app_driver WHAT ...`.

Every command prints one JSON object on its last stdout line. The app is driven from outside, through
the same public calls a user's clicks reach (no test-only branches in the app); Qt runs offscreen.

    startup app|bare          seconds from process start to the first exposed window
    open CSV                  start the main window, wait for its start-up preload, open CSV until the
                              table shows (first), then once the app is idle again (next)
    open_at_start CSV         open CSV in the main window as soon as it shows (what `segment-studio
                              CSV` does): the open competes with the start-up imports
    read_csv CSV              pandas.read_csv of CSV, cold (with `import pandas`) and warm; the size of
                              the DataFrame it makes
    analyse CSV               open CSV, press Find segments, wait for the fit: longest event-loop stall,
                              peak memory and the size of the app's table
    analyse_session CSV       the same analysis through the session alone: longest event-loop stall
    bare_memory               peak memory of a bare PySide6 window
    clusters CSV              Clusters tab show_segmentation + redraw of CSV's customers until the
                              picture (rendered on a worker) is on screen, against a plain matplotlib
                              scatter of every point
"""

from __future__ import annotations

import functools
import itertools
import json
import os
import sys
import time

STALL_PROBE_MS = 10
WAIT_LIMIT_MS = 600_000


def _process_start_time() -> float:
    """Wall-clock time this process started (from /proc), so interpreter start-up counts too."""
    with open("/proc/self/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    start_ticks = int(fields[19])  # field 22 of stat; the two before the split are pid and name
    with open("/proc/uptime") as uptime:
        seconds_since_boot = float(uptime.read().split()[0])
    return time.time() - seconds_since_boot + start_ticks / os.sysconf("SC_CLK_TCK")


def _peak_memory_mb() -> float:
    """This process's peak resident memory (VmHWM).

    Not getrusage's ru_maxrss: Linux carries that over from the parent across fork and exec, so a child of
    a big benchmark process would report the parent's peak.
    """
    with open("/proc/self/status") as status:
        kilobytes = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    return kilobytes / 1024


def _application():
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication(["segment-studio"])


def _wait_for(signal, limit_ms: int = WAIT_LIMIT_MS) -> None:
    """Run the event loop until `signal` fires."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    signal.connect(loop.quit)
    QTimer.singleShot(limit_ms, loop.quit)
    loop.exec()
    signal.disconnect(loop.quit)


def startup(kind: str) -> dict:
    """The first Expose event of the window; `app` runs desktop_app.app.main as `python -m desktop_app` does.

    The Expose event is watched on the window alone: a filter on the whole application would run Python
    for every event of every object as the window is built (PySide wraps each one), which costs a
    window of many widgets far more than a bare one."""
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QMainWindow

    started = _process_start_time()
    app = _application()
    shown: list[float] = []

    class FirstExpose(QObject):
        def eventFilter(self, watched, event) -> bool:  # Qt override
            if event.type() == QEvent.Type.Expose and not shown:
                shown.append(time.time())
                QTimer.singleShot(0, app.quit)
            return False

    expose_filter = FirstExpose()
    real_show = QMainWindow.show

    def show_watched(window: QMainWindow) -> None:
        window.winId()  # makes the window's QWindow now (show would), so the filter is in place first
        window.windowHandle().installEventFilter(expose_filter)
        real_show(window)

    QMainWindow.show = show_watched  # the app's MainWindow is a QMainWindow; restored below
    try:
        if kind == "app":
            from desktop_app.app import main

            main([])
        else:
            window = QMainWindow()
            window.resize(800, 600)
            window.show()
            app.exec()
    finally:
        QMainWindow.show = real_show
    return {"seconds": shown[0] - started}


def _main_window():
    from desktop_app.main_window import MainWindow

    app = _application()
    window = MainWindow()
    window.show()
    app.processEvents()
    return app, window


def _open(app, window, path: str) -> float:
    """Seconds from open_path until the table is in the Data tab and one event pass has painted it."""
    started = time.perf_counter()
    window.open_path(path)
    _wait_for(window.session.table_loaded)
    app.processEvents()  # the main window's own table_loaded handler ran first (connected first)
    seconds = time.perf_counter() - started
    if window.data_tab is None or window.data_tab.model.rowCount() == 0:
        raise RuntimeError(f"{path} did not reach the Data tab")
    return seconds


def _wait_until(condition, limit_ms: int = WAIT_LIMIT_MS) -> None:
    """Run the event loop until `condition()` holds (checked every STALL_PROBE_MS)."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    check = QTimer()
    check.timeout.connect(lambda: loop.quit() if condition() else None)
    check.start(STALL_PROBE_MS)
    QTimer.singleShot(limit_ms, loop.quit)
    loop.exec()
    check.stop()


def open_file(path: str) -> dict:
    """The user's way: the window shows, a file is picked a moment later, another one later still."""
    app, window = _main_window()
    _wait_until(lambda: window.session.modules_ready and window.is_idle)
    first = _open(app, window, path)
    _wait_until(lambda: window.is_idle)  # the summary is done, the chart tabs are ready
    following = _open(app, window, path)
    window.shutdown()
    return {"first": first, "next": following}


def open_at_start(path: str) -> dict:
    app, window = _main_window()
    seconds = _open(app, window, path)
    window.shutdown()
    return {"seconds": seconds}


def read_csv(path: str) -> dict:
    started = time.perf_counter()
    import pandas

    pandas.read_csv(path)
    cold = time.perf_counter() - started
    started = time.perf_counter()
    frame = pandas.read_csv(path)
    warm = time.perf_counter() - started
    return {"cold": cold, "warm": warm, "frame_mb": frame.memory_usage(deep=True).sum() / 2**20}


def _longest_stall_ms(app, start, finished) -> float:
    """Call `start()`, run the event loop until `finished` fires; the longest gap between 10 ms ticks."""
    from PySide6.QtCore import QTimer

    ticks: list[float] = []
    probe = QTimer()
    probe.setInterval(STALL_PROBE_MS)
    probe.timeout.connect(lambda: ticks.append(time.perf_counter()))
    probe.start()
    ticks.append(time.perf_counter())
    start()
    _wait_for(finished)
    app.processEvents()
    ticks.append(time.perf_counter())
    probe.stop()
    return 1000 * max(later - earlier for earlier, later in itertools.pairwise(ticks))


def analyse(path: str) -> dict:
    """Open the file in the main window and press Find segments (sweep, then the fit at the suggested k)."""
    app, window = _main_window()
    _open(app, window, path)
    # As a user would: the table is open, its summary is done, then Find segments is pressed.
    _wait_until(lambda: window.session.modules_ready and window.is_idle)
    peak_after_open = _peak_memory_mb()
    frame_mb = window.session.table.frame.memory_usage(deep=True).sum() / 2**20
    started = time.perf_counter()
    stall = _longest_stall_ms(app, window.data_tab.find_button.click, window.session.segmentation_changed)
    find_seconds = time.perf_counter() - started
    if window.session.segmentation is None:
        raise RuntimeError("Find segments did not finish")
    window.shutdown()
    return {
        "longest_stall_ms": stall,
        "find_seconds": find_seconds,
        "features": list(window.session.settings.features),
        "peak_after_open_mb": peak_after_open,
        "peak_mb": _peak_memory_mb(),
        "frame_mb": frame_mb,
    }


def analyse_session(path: str) -> dict:
    """The same analysis through the AnalysisSession alone (no tabs drawing): the worker's own effect."""
    from desktop_app.session import AnalysisSession

    app = _application()
    session = AnalysisSession()
    session.open_file(path)
    # Not before analysis_ready: the worker may still be importing scikit-learn (see session.import_modules).
    _wait_until(lambda: session.modules_ready and session.is_idle)
    from core.pipeline import AnalysisSettings

    find_segments = functools.partial(session.find_segments, AnalysisSettings())
    stall = _longest_stall_ms(app, find_segments, session.segmentation_changed)
    if session.segmentation is None:
        raise RuntimeError("Find segments did not finish")
    session.shutdown()
    return {"longest_stall_ms": stall}


def bare_memory() -> dict:
    from PySide6.QtWidgets import QMainWindow

    app = _application()
    window = QMainWindow()
    window.show()
    app.processEvents()
    return {"peak_mb": _peak_memory_mb()}


def _wait_for_picture(plot) -> None:
    """Run the event loop until the chart's picture is up to date (it is rendered on a worker)."""
    from PySide6.QtCore import QEventLoop

    loop = QEventLoop()
    drawn: list[bool] = []
    plot.after_render(lambda: (drawn.append(True), loop.quit()))
    if not drawn:
        loop.exec()


def clusters(path: str) -> dict:
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from core.loading import load_table
    from core.pipeline import AnalysisSettings, fit_segmentation, prepare_table
    from desktop_app.clusters_tab import ClustersTab

    app = _application()
    table = load_table(path)
    prepared = prepare_table(table, AnalysisSettings())
    segmentation = fit_segmentation(table.frame, prepared, 5)
    tab = ClustersTab()
    tab.resize(1000, 700)
    tab.show()
    app.processEvents()
    _wait_for_picture(tab.plot)
    started = time.perf_counter()
    tab.show_segmentation(table.frame, prepared, segmentation)
    _wait_for_picture(tab.plot)
    app.processEvents()
    shown = time.perf_counter() - started
    started = time.perf_counter()
    tab.view_combo.setCurrentIndex(1 - tab.view_combo.currentIndex())  # another view: a full redraw
    _wait_for_picture(tab.plot)
    app.processEvents()
    redrawn = time.perf_counter() - started

    x, y = (np.asarray(prepared.matrix[:, column]) for column in (0, 1))
    started = time.perf_counter()
    figure = Figure(figsize=(10, 7), dpi=100)
    canvas = FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.scatter(x, y, c=segmentation.labels[np.asarray(prepared.row_positions)], s=4)
    canvas.draw()
    plain = time.perf_counter() - started
    return {"show_segmentation": shown, "redraw": redrawn, "plain_scatter": plain, "points": len(x)}


COMMANDS = {
    "startup": startup,
    "open": open_file,
    "open_at_start": open_at_start,
    "read_csv": read_csv,
    "analyse": analyse,
    "analyse_session": analyse_session,
    "bare_memory": bare_memory,
    "clusters": clusters,
}


if __name__ == "__main__":
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    command, *arguments = sys.argv[1:]
    print(json.dumps(COMMANDS[command](*arguments)), flush=True)
