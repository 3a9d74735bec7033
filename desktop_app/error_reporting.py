"""Unexpected errors: write the details to a log file, show the user a short message, keep the app running.

Errors the user can act on (core.errors.SegmentStudioError) never come here: the session shows their
message as it is. This is for bugs; the user sees one sentence and can copy the details for a report.
"""

from __future__ import annotations

import sys
import traceback
from datetime import datetime
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

LOG_FILE_NAME = "segment-studio.log"


def log_file_path() -> Path:
    """The log file in the user's data folder (created on first use)."""
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    path = Path(folder) if folder else Path.home() / ".segment-studio"
    path.mkdir(parents=True, exist_ok=True)
    return path / LOG_FILE_NAME


def format_details(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> str:
    return "".join(traceback.format_exception(exc_type, exc, tb))


def log_exception(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> Path:
    """Append the traceback to the log file (safe to call from any thread) and return the file's path."""
    path = log_file_path()
    with path.open("a", encoding="utf-8") as log:
        log.write(f"--- {datetime.now().isoformat(timespec='seconds')}\n")
        log.write(format_details(exc_type, exc, tb))
    return path


class ErrorDialog(QDialog):
    """A short message, the details folded away, and a "Copy details" button."""

    def __init__(self, message: str, details: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Segment Studio — unexpected error")
        self.details = details
        self.message_label = QLabel(message)
        self.message_label.setWordWrap(True)
        self.details_view = QPlainTextEdit(details)
        self.details_view.setReadOnly(True)
        self.details_view.setVisible(False)
        self.copy_button = QPushButton("Copy details")
        self.copy_button.clicked.connect(self.copy_details)
        show_button = QPushButton("Show details")
        show_button.setCheckable(True)
        show_button.toggled.connect(self.details_view.setVisible)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(show_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message_label)
        layout.addWidget(self.details_view)
        layout.addWidget(buttons)

    def copy_details(self) -> None:
        QApplication.clipboard().setText(self.details)


class ExceptionHook:
    """`sys.excepthook` replacement: log, then show a non-blocking ErrorDialog over the active window."""

    def __init__(self) -> None:
        self.previous = sys.excepthook
        self.dialog: ErrorDialog | None = None

    def __call__(self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            self.previous(exc_type, exc, tb)
            return
        log_path = log_exception(exc_type, exc, tb)
        message = (
            f"Something unexpected went wrong ({exc_type.__name__}: {exc}). Your data is unchanged and "
            f"you can keep working. The details were written to {log_path}."
        )
        self.dialog = ErrorDialog(message, format_details(exc_type, exc, tb), QApplication.activeWindow())
        self.dialog.open()

    def uninstall(self) -> None:
        sys.excepthook = self.previous


def install_excepthook() -> ExceptionHook:
    hook = ExceptionHook()
    sys.excepthook = hook
    return hook
