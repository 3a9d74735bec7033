"""Start-up: `segment-studio [FILE] [--sample]` (also `python -m desktop_app`).

Kept light on purpose: pandas, scikit-learn and matplotlib are imported only when a file is opened, so
the window appears about as fast as an empty Qt window.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

APPLICATION_NAME = "Segment Studio"
SAMPLE_FILE_NAME = "sample_customers.csv"
ICON_FILE_NAME = "icons/segment-studio.png"


def resource_path(name: str) -> Path:
    """A bundled resource file, from the source tree, the installed package or a PyInstaller build."""
    bundle = getattr(sys, "_MEIPASS", None)  # set by PyInstaller's boot loader in frozen builds
    if bundle is not None:
        return Path(bundle) / "resources" / name
    from importlib import resources

    return Path(str(resources.files("resources") / name))


def sample_data_path() -> Path:
    return resource_path(SAMPLE_FILE_NAME)


def installed_version() -> str:
    import core

    return core.__version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="segment-studio", description="Find groups of similar customers in a table, offline."
    )
    parser.add_argument("file", nargs="?", help="a CSV, text or Excel file of customers to open")
    parser.add_argument("--sample", action="store_true", help="open the bundled sample customers")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from desktop_app.error_reporting import install_excepthook
    from desktop_app.main_window import MainWindow

    qt_arguments = list(sys.argv) if argv is None else ["segment-studio", *argv]
    app = QApplication.instance() or QApplication(qt_arguments)
    app.setApplicationName(APPLICATION_NAME)
    app.setOrganizationName(APPLICATION_NAME)
    # Qt has taken out its own options (-platform, -style, ...); the rest are ours.
    arguments = build_parser().parse_args(app.arguments()[1:])

    install_excepthook()
    window = MainWindow()
    window.show()
    app.aboutToQuit.connect(window.shutdown)  # also when quit without closing the window
    # Once the window is on screen: decoding the icon and reading the installed version each cost about
    # as much as building the window, and a file opened on the command line would hold it back too.
    window.on_screen.connect(lambda: app.setWindowIcon(QIcon(str(resource_path(ICON_FILE_NAME)))))
    window.on_screen.connect(lambda: app.setApplicationVersion(installed_version()))
    if arguments.sample:
        window.on_screen.connect(window.open_sample_data)
    elif arguments.file:
        window.on_screen.connect(lambda: window.open_path(arguments.file))
    return app.exec()
