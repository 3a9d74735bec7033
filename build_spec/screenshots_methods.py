"""Screenshots of the other ways of grouping (issue 19), for the README: part of `make screenshots`.

Driven as a user would: Mall_Customers.csv grouped hierarchically (Choose k with the tree cut at the
chosen number), the same customers in Compare ways of grouping (k-means, hierarchical and Gaussian
mixture side by side) and grouped by HDBSCAN (the Clusters and Segments tabs with the unusual customers
in grey), then CC GENERAL.csv with DBSCAN (the Data tab's chooser with the distance curve its automatic
distance is read from, and Choose k saying there is no number to choose).
The real files are read from ../shared/datasets; without them there is nothing to show and no picture
is made.
"""

import sys
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer
from screenshot_window import DATASETS, OUTPUT, grab, screenshot_window

SETTINGS_FILE = ".screenshot-methods-settings.ini"
MALL = DATASETS / "Mall_Customers.csv"
CC_GENERAL = DATASETS / "CC GENERAL.csv"
WAIT_MS = 180_000  # the longest step: a comparison of three methods on a busy machine
# Mall's spending and income, where its five groups are plain to see (age blurs them).
MALL_COLUMNS = ("Annual Income (k$)", "Spending Score (1-100)")


class Failed(Exception):
    pass


def main() -> int:
    if not (MALL.is_file() and CC_GENERAL.is_file()):
        print(f"no screenshots of the grouping methods: {DATASETS} lacks the data sets", file=sys.stderr)
        return 0
    application, session, window = screenshot_window(SETTINGS_FILE)
    errors: list[str] = []
    session.error.connect(errors.append)

    def wait_for(signal) -> None:
        """Run the event loop until `signal` is emitted (or an error is reported, or time runs out)."""
        loop = QEventLoop()
        signal.connect(loop.quit)
        session.error.connect(loop.quit)
        QTimer.singleShot(WAIT_MS, loop.quit)
        loop.exec()
        signal.disconnect(loop.quit)
        session.error.disconnect(loop.quit)
        if errors:
            raise Failed(errors[-1])
        while not session.is_idle:
            application.processEvents()

    def open_and_choose(path: Path, method: str, columns: tuple[str, ...] | None = None) -> None:
        session.open_file(path)
        wait_for(session.analysis_ready)
        if columns is not None:
            for column in session.table.report.columns:
                window.data_tab.set_feature_used(column.name, column.name in columns)
        chooser = window.data_tab.method_chooser
        chooser.method_combo.setCurrentIndex(chooser.method_combo.findData(method))

    def find_segments() -> None:
        window.find_segments(window.data_tab.analysis_settings())
        wait_for(session.segmentation_changed)

    try:
        # Hierarchical on Mall: the tree beside the elbow chart.
        open_and_choose(MALL, "hierarchical", MALL_COLUMNS)
        find_segments()
        window.tabs.setCurrentWidget(window.elbow_tab)
        grab(application, window, "methods-dendrogram")

        # Compare ways of grouping on the same customers.
        window.compare_methods()
        dialog = window.compare_methods_dialog
        dialog.setGeometry(10, 10, 1260, 780)  # all of it on the 1280x800 screen
        for name, check in dialog.method_checks.items():
            check.setChecked(name in ("hierarchical", "kmeans", "gmm"))
        dialog.compare()
        wait_for(session.methods_compared)
        grab(application, window, "methods-compare", dialog)
        dialog.close()

        # HDBSCAN on the same customers: the unusual ones in grey, on the chart and as a card.
        chooser = window.data_tab.method_chooser
        chooser.method_combo.setCurrentIndex(chooser.method_combo.findData("hdbscan"))
        find_segments()
        for tab, name in ((window.clusters_tab, "clusters"), (window.segments_tab, "segments")):
            window.tabs.setCurrentWidget(tab)
            grab(application, window, f"methods-density-{name}")

        # DBSCAN on CC GENERAL: the distance curve, and no number of segments to choose.
        session.open_file(CC_GENERAL)  # not the window's open_path: it would ask to save Mall's segments
        wait_for(session.analysis_ready)
        chooser.method_combo.setCurrentIndex(chooser.method_combo.findData("dbscan"))
        window.tabs.setCurrentWidget(window.data_tab)
        window.data_tab.panel_splitter.setSizes([250, 550])  # the choices in view, the columns above
        chooser.curve_button.click()
        wait_for(session.distance_measured)
        grab(application, window, "methods-dbscan-data")
        find_segments()
        window.tabs.setCurrentWidget(window.elbow_tab)
        grab(application, window, "methods-dbscan-choose-k")
    except Failed as problem:
        print(f"screenshots of the grouping methods failed: {problem}", file=sys.stderr)
        return 1
    finally:
        window.shutdown()
        (OUTPUT / SETTINGS_FILE).unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
