"""What the screenshot scripts share: the app's window at the README's size, and its picture once every
chart shown has been drawn."""

import threading
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QWidget

from desktop_app.main_window import MainWindow
from desktop_app.plot_canvas import PlotCanvas
from desktop_app.session import AnalysisSession

OUTPUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
WINDOW_SIZE = (1280, 800)


def screenshot_window(settings_name: str) -> tuple[QApplication, AnalysisSession, MainWindow]:
    """The application, a session and its main window on screen, with settings of its own in OUTPUT
    (the caller removes the file at the end)."""
    application = QApplication.instance() or QApplication([])
    application.setApplicationName("Segment Studio")
    settings = QSettings(str(OUTPUT / settings_name), QSettings.Format.IniFormat)
    session = AnalysisSession()
    window = MainWindow(session, settings)
    window.resize(*WINDOW_SIZE)
    window.show()
    OUTPUT.mkdir(parents=True, exist_ok=True)
    return application, session, window


def grab(application: QApplication, window: MainWindow, name: str, shown: QWidget | None = None) -> None:
    """Save `shown` (the window by default) as OUTPUT/name.png once the charts on screen are drawn
    (some render on a worker, the Choose k chart among them)."""
    application.processEvents()
    while any(canvas.isVisible() and canvas.draw_pending for canvas in window.findChildren(PlotCanvas)):
        application.processEvents()
        threading.Event().wait(0.01)
    application.processEvents()
    widget = shown or window
    path = OUTPUT / f"{name}.png"
    widget.screen().grabWindow(widget.winId()).save(str(path))
    print(f"wrote {path}")
