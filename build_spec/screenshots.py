"""Screenshots of every tab of the real app, for the README: `make screenshots` (runs under Xvfb).

The app is driven the way a user would drive it (open the sample, find segments, look at each tab);
each PNG is the main window as the X server shows it. Then the same for an order history: CDNOW as its
author published it (without a header row, made from ../shared/datasets/CDNOW_master.txt in a temporary
folder) through the import preview's "summarise per customer" step, the Data tab, the RFM groups tab,
the Segments tab with each segment's predicted value and the Lifetime value tab after Check the forecast.
"""

import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QTimer
from screenshot_window import DATASETS, OUTPUT, screenshot_window
from screenshot_window import grab as grab_window

EXTRA_FILES = ("marketing_campaign.csv", "CC GENERAL.csv")
CDNOW = DATASETS / "CDNOW_master.txt"
TIMEOUT_MS = 300_000  # the sample, two bigger real files and an order history


def main() -> int:
    application, session, window = screenshot_window(".screenshot-settings.ini")
    failures: list[str] = []
    finished: list[bool] = []

    def grab(name: str, shown=None) -> None:
        grab_window(application, window, name, shown)

    # After the sample: the Segments tab on real files, whose cards must explain messier data.
    more_files = [DATASETS / name for name in EXTRA_FILES if (DATASETS / name).is_file()]

    def segments_of_next_file() -> None:
        if not more_files:
            start_orders()
            return
        path = more_files.pop(0)

        def loaded(_table) -> None:
            session.analysis_ready.disconnect(loaded)
            session.segmentation_changed.connect(found)
            window.find_segments(window.data_tab.analysis_settings())

        def found(_segmentation) -> None:
            session.segmentation_changed.disconnect(found)
            window.tabs.setCurrentWidget(window.segments_tab)
            grab(f"5-segments-{path.stem.lower().replace(' ', '-').replace('_', '-')}")
            segments_of_next_file()

        session.analysis_ready.connect(loaded)
        session.open_file(path)  # not the window's open_path: it would ask to save the sample's segments

    def after_segments(_segmentation) -> None:
        session.segmentation_changed.disconnect(after_segments)
        for index in range(window.tabs.count()):
            if window.tabs.isTabVisible(index):
                window.tabs.setCurrentIndex(index)
                grab(f"{index + 1}-{window.tabs.tabText(index).lower().replace(' ', '-')}")
        segments_of_next_file()

    orders_folder = tempfile.TemporaryDirectory()

    def start_orders() -> None:
        lines = CDNOW.read_bytes().splitlines(keepends=True)
        published = Path(orders_folder.name) / "CDNOW_master.txt"
        published.write_bytes(b"".join(lines[1:]))  # without the header line the lifetimes project added
        session.analysis_ready.connect(after_orders_load)
        window._preview(published)
        QTimer.singleShot(1000, import_step_shown)

    def import_step_shown() -> None:
        grab("orders-import", window.import_dialog)
        window.import_dialog.accept()

    def after_orders_load(_table) -> None:
        session.analysis_ready.disconnect(after_orders_load)
        window.tabs.setCurrentIndex(0)
        grab("orders-data")
        session.segmentation_changed.connect(after_orders_segments)
        window.find_segments(window.data_tab.analysis_settings())

    def after_orders_segments(_segmentation) -> None:
        session.segmentation_changed.disconnect(after_orders_segments)
        window.tabs.setCurrentWidget(window.rfm_tab)
        grab("orders-rfm-groups")
        window.tabs.setCurrentWidget(window.segments_tab)
        grab("orders-segments")
        window.tabs.setCurrentWidget(window.lifetime_tab)
        session.lifetime_value_ready.connect(after_forecast_check)
        window.lifetime_tab.check_button.click()

    def after_forecast_check(_lifetime) -> None:
        session.lifetime_value_ready.disconnect(after_forecast_check)
        grab("orders-lifetime-value")
        finished.append(True)
        application.exit(0)

    def after_load(_table) -> None:
        session.analysis_ready.disconnect(after_load)
        window.tabs.setCurrentIndex(0)
        grab("0-data-before-analysis")
        session.segmentation_changed.connect(after_segments)
        window.find_segments(window.data_tab.analysis_settings())

    def give_up() -> None:
        if not finished:
            failures.append("timed out")
            application.exit(0)

    def start() -> None:
        grab("welcome")
        window.open_sample_data()

    session.error.connect(lambda message: (failures.append(message), application.exit(1)))
    session.analysis_ready.connect(after_load)
    QTimer.singleShot(1000, start)  # let the window manager-less X server paint the first frame
    QTimer.singleShot(TIMEOUT_MS, give_up)
    application.exec()
    window.shutdown()
    orders_folder.cleanup()
    (OUTPUT / ".screenshot-settings.ini").unlink(missing_ok=True)
    if failures:
        print(f"screenshots failed: {failures}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
