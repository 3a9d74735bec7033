"""Screenshots of the stability checks and the comparison of two segmentations, for the README (run by
`make screenshots` under Xvfb after build_spec/screenshots.py).

On two real files (../shared/datasets): Mall_Customers.csv and CC GENERAL.csv, each opened and segmented
as a user would (Find segments with the Data tab's choices), then, once every check has ended, the
Choose k tab (the stability line and How segments split) and the Segments tab (the badges); on Mall,
also the Compare two segmentations window against one segment fewer.
"""

import sys
import threading
import time
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from desktop_app.main_window import MainWindow
from desktop_app.plot_canvas import PlotCanvas
from desktop_app.session import AnalysisSession

OUTPUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
FILES = ("Mall_Customers.csv", "CC GENERAL.csv")
TIMEOUT_S = 600  # CC GENERAL's checks take a minute or two on a busy 2-core machine


def main() -> int:
    application = QApplication(sys.argv)
    application.setApplicationName("Segment Studio")
    settings = QSettings(str(OUTPUT / ".screenshot-stability.ini"), QSettings.Format.IniFormat)
    session = AnalysisSession()
    window = MainWindow(session, settings)
    window.resize(1280, 800)
    window.show()
    OUTPUT.mkdir(parents=True, exist_ok=True)
    failures: list[str] = []
    session.error.connect(failures.append)

    def wait_until(condition, what: str) -> None:
        deadline = time.monotonic() + TIMEOUT_S
        while not condition():
            if failures:
                raise RuntimeError(failures[0])
            if time.monotonic() > deadline:
                raise TimeoutError(f"timed out waiting for {what}")
            application.processEvents()
            threading.Event().wait(0.01)

    def grab(name: str, shown=None) -> None:
        # The cards' charts are made once their tab shows: look for canvases afresh each time.
        def drawn() -> bool:
            canvases = window.findChildren(PlotCanvas)
            return not any(canvas.isVisible() and canvas.draw_pending for canvas in canvases)

        settle = time.monotonic() + 2.0  # and let the X server paint widgets that just changed
        wait_until(lambda: drawn() and time.monotonic() > settle, "the charts")
        application.processEvents()
        widget = shown or window
        widget.screen().grabWindow(widget.winId()).save(str(OUTPUT / f"{name}.png"))
        print(f"wrote {OUTPUT / f'{name}.png'}")

    try:
        wait_until(lambda: window._painted, "the window")
        for name in FILES:
            path = DATASETS / name
            if not path.is_file():
                continue
            stem = path.stem.lower().replace(" ", "-").replace("_", "-")
            ready: list[bool] = []
            session.analysis_ready.connect(lambda _table, ready=ready: ready.append(True))
            session.open_file(path)
            wait_until(lambda ready=ready: ready and session.is_idle, f"{name} to open")
            window.find_segments(window.data_tab.analysis_settings())
            wait_until(
                lambda: session.is_idle and session.stability.segments is not None,
                f"the segments of {name} and their stability",
            )
            window.tabs.setCurrentWidget(window.elbow_tab)
            grab(f"stability-choose-k-{stem}")
            window.tabs.setCurrentWidget(window.segments_tab)
            grab(f"stability-segments-{stem}")
            if name == FILES[0]:
                window.compare_segmentations()
                dialog = window.compare_dialog
                dialog.resize(900, 620)
                dialog.k_spin.setValue(session.segmentation.k - 1)
                compared: list[bool] = []
                dialog.compared.connect(lambda _result, compared=compared: compared.append(True))
                dialog.compare_button.click()
                wait_until(lambda compared=compared: compared and session.is_idle, "the comparison")
                grab("compare-segmentations", dialog)
                dialog.close()
            session.has_unsaved_changes = False  # the next file opens without asking to save these
    except (RuntimeError, TimeoutError) as problem:
        failures.append(str(problem))
    window.shutdown()
    (OUTPUT / ".screenshot-stability.ini").unlink(missing_ok=True)
    if failures:
        print(f"screenshots failed: {failures}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
