"""Waiting for the window to paint what just changed, before work that would hold Python's lock."""

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget


class _NextPaint(QObject):
    """Calls `callback` once the given windows' next paint has ended (see `after_next_paint`).

    The filter sits on the top-level widgets alone: a window paints all its changed widgets while it
    handles one UpdateRequest. A filter on the whole application would hand every event of every object
    to Python, and PySide creates the Python types of objects it has not wrapped before (130 enum types
    in one pass, 50 ms, just as the first table was to be painted)."""

    def __init__(self, windows: list[QWidget], callback: Callable[[], None]) -> None:
        super().__init__(QCoreApplication.instance())
        self._windows = windows
        self._callback = callback
        for window in windows:
            window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt override
        if event.type() == QEvent.Type.UpdateRequest:
            for window in self._windows:
                window.removeEventFilter(self)
            # The timer fires once the window has handled this request, that is, painted.
            QTimer.singleShot(0, self._callback)
            self.deleteLater()
        return False


def after_next_paint(callback: Callable[[], None]) -> None:
    """Call `callback` once the windows on screen have painted what just changed, or now if no window
    is on screen (none shown, or minimised)."""
    windows = [
        window for window in QApplication.topLevelWidgets()
        if window.isVisible() and window.windowHandle() is not None and window.windowHandle().isExposed()
    ]
    if windows:
        _NextPaint(windows, callback)
    else:
        callback()
