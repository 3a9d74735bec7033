"""The main window: menus, toolbar, status bar with progress and Cancel, the welcome view and the tabs.

The window owns no analysis state: it forwards the user's requests to the AnalysisSession and shows
what the session reports. The analysis tabs (which load matplotlib) are built when the first file
opens, so the empty window starts quickly.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app.app import APPLICATION_NAME, sample_data_path
from desktop_app.session import AnalysisSession

if TYPE_CHECKING:
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent

    from core.loading import LoadedTable
    from core.pipeline import Segmentation
    from desktop_app.import_dialog import ImportDialog

MAX_RECENT_FILES = 8
OPEN_FILTER = "Customer tables (*.csv *.tsv *.txt *.xlsx *.xlsm *.xls);;All files (*)"
TABLE_FILTERS = {"CSV file (*.csv)": ".csv", "Excel workbook (*.xlsx)": ".xlsx"}
CHART_FILTERS = {"PNG image (*.png)": ".png", "SVG drawing (*.svg)": ".svg", "PDF document (*.pdf)": ".pdf"}

QUICK_GUIDE = """<h3>Quick guide</h3>
<ol>
<li><b>Open</b> a table of customers (CSV, text or Excel), one customer per row, or try the sample data.</li>
<li>On <b>Data</b>, tick the columns that describe how customers behave (age, income, spending...).
Customer numbers, dates and constant columns are left out for you.</li>
<li>Press <b>Find segments</b>. <b>Choose k</b> shows how well 1 to 10 segments fit; the suggested number
is marked, and you can pick another.</li>
<li><b>Clusters</b> shows the segments on charts; <b>Segments</b> describes each one in plain words.
Give them your own names there.</li>
<li><b>Export labelled data</b> (Ctrl+E) saves every customer with its segment, for your mailing or CRM.</li>
</ol>
<p>Esc stops a long calculation; the previous results stay.</p>"""


def import_tab_modules() -> None:
    """Import (never build) the tabs' modules; safe on the worker thread, see AnalysisSession.warm_up."""
    import desktop_app.clusters_tab
    import desktop_app.data_tab
    import desktop_app.elbow_tab
    import desktop_app.explore_tab
    import desktop_app.segments_tab  # noqa: F401


def _centred(widget: QWidget) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addStretch()
    row.addWidget(widget)
    row.addStretch()
    return row


class WelcomeView(QWidget):
    """What the window shows with no file open.

    Centred with stretches and HTML rather than Qt.AlignmentFlag: the first use of the `Qt` namespace
    costs a third of an empty window's start-up, and nothing else needs it before a file is open.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        intro = QLabel(
            f'<h1 align="center">{APPLICATION_NAME}</h1><p align="center">Find groups of similar customers '
            "in your own data — on your computer, nothing is uploaded.</p>"
        )
        self.open_button = QPushButton("Open a file…")
        self.sample_button = QPushButton("Try the sample data")
        for button in (self.open_button, self.sample_button):
            button.setMinimumSize(240, 40)
        self.open_button.setDefault(True)
        hint = QLabel('<p align="center">or drop a CSV or Excel file onto this window</p>')
        hint.setEnabled(False)
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        for widget in (intro, self.open_button, self.sample_button, hint):
            layout.addLayout(_centred(widget))
        layout.addStretch(3)


class MainWindow(QMainWindow):
    def __init__(
        self,
        session: AnalysisSession | None = None,
        settings: QSettings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session if session is not None else AnalysisSession(self)
        self.session.warm_up = import_tab_modules
        self.settings = settings if settings is not None else QSettings()
        self.import_dialog: ImportDialog | None = None
        self.error_box: QMessageBox | None = None
        self.data_tab = self.explore_tab = self.elbow_tab = self.clusters_tab = self.segments_tab = None

        self.setWindowTitle(APPLICATION_NAME)
        self.setAcceptDrops(True)
        self.resize(1200, 800)
        self.welcome = WelcomeView()
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.welcome)
        self.stack.addWidget(self.tabs)
        self.setCentralWidget(self.stack)
        self._build_actions()
        self._build_menus_and_toolbar()
        self._build_status_bar()
        self.welcome.open_button.clicked.connect(self.open_file_dialog)
        self.welcome.sample_button.clicked.connect(self.open_sample_data)
        self._connect_session()
        self._update_actions()
        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)

    # --- building --------------------------------------------------------------------------------------

    def _action(
        self, text: str, slot, shortcut: QKeySequence.StandardKey | str | None = None, tip: str = ""
    ) -> QAction:
        action = QAction(text, self)
        # setShortcuts, not setShortcut: the latter's overload check builds every Qt enum on first use
        # (a quarter of the start-up time); a standard key also brings each platform's own bindings.
        if isinstance(shortcut, QKeySequence.StandardKey):
            action.setShortcuts(shortcut)
        elif shortcut is not None:
            action.setShortcuts([QKeySequence(shortcut)])
        action.setStatusTip(tip)
        action.triggered.connect(slot)
        self.addAction(action)  # shortcuts work while any part of the window has focus
        return action

    def _build_actions(self) -> None:
        self.open_action = self._action(
            "&Open…", self.open_file_dialog, QKeySequence.StandardKey.Open, "Open a table of customers"
        )
        self.sample_action = self._action(
            "Open &Sample Data", self.open_sample_data, tip="Open a small example set of customers"
        )
        self.export_labels_action = self._action(
            "&Export Labelled Data…",
            self.export_labelled_data,
            "Ctrl+E",
            "Save every customer with their segment",
        )
        self.export_profiles_action = self._action(
            "Export Segment &Profiles…", self.export_profiles, tip="Save one row per segment"
        )
        self.export_chart_action = self._action(
            "Export &Chart…", self.export_chart, tip="Save the chart on the current tab as an image"
        )
        self.quit_action = self._action("&Quit", self.close, "Ctrl+Q")
        self.cancel_action = self._action(
            "Cancel", self.session.cancel, "Esc", "Stop the current calculation"
        )
        self.guide_action = self._action(
            "&Quick Guide", self.show_quick_guide, QKeySequence.StandardKey.HelpContents
        )
        self.about_action = self._action(f"&About {APPLICATION_NAME}", self.show_about)

    def _build_menus_and_toolbar(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        file_menu.addAction(self.open_action)
        file_menu.addAction(self.sample_action)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addSeparator()
        file_menu.addAction(self.export_labels_action)
        file_menu.addAction(self.export_profiles_action)
        file_menu.addAction(self.export_chart_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction(self.guide_action)
        help_menu.addAction(self.about_action)
        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("main_toolbar")
        toolbar.setMovable(False)
        for action in (
            self.open_action,
            self.sample_action,
            self.export_labels_action,
            self.export_chart_action,
        ):
            toolbar.addAction(action)

    def _build_status_bar(self) -> None:
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setMaximumWidth(240)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the current calculation (Esc); the previous results stay")
        self.cancel_button.clicked.connect(self.session.cancel)
        self.statusBar().addPermanentWidget(self.progress_bar)
        self.statusBar().addPermanentWidget(self.cancel_button)
        self._show_busy(False)

    def _connect_session(self) -> None:
        session = self.session
        session.table_loaded.connect(self._table_loaded)
        session.results_cleared.connect(self._clear_results)
        session.sweep_started.connect(self._sweep_started)
        session.score_added.connect(lambda score: self.elbow_tab.add_score(score))
        session.sweep_finished.connect(lambda sweep: self.elbow_tab.show_sweep(sweep))
        session.segmentation_changed.connect(self._segmentation_changed)
        session.busy_changed.connect(self._show_busy)
        session.progress.connect(self._show_progress)
        session.error.connect(self.show_error)
        session.cancelled.connect(
            lambda: self.statusBar().showMessage("Stopped. The previous results are kept.", 5000)
        )
        session.exported.connect(lambda path: self.statusBar().showMessage(f"Saved {path}", 8000))

    def _ensure_tabs(self) -> None:
        """Build the tabs on first use; the analysis tabs bring in matplotlib."""
        if self.data_tab is not None:
            return
        from desktop_app.clusters_tab import ClustersTab
        from desktop_app.data_tab import DataTab
        from desktop_app.elbow_tab import ElbowTab
        from desktop_app.explore_tab import ExploreTab
        from desktop_app.segments_tab import SegmentsTab

        self.data_tab = DataTab()
        self.explore_tab = ExploreTab()
        self.elbow_tab = ElbowTab()
        self.clusters_tab = ClustersTab()
        self.segments_tab = SegmentsTab()
        self.tabs.addTab(self.data_tab, "Data")
        self.tabs.addTab(self.explore_tab, "Explore")
        self.tabs.addTab(self.elbow_tab, "Choose k")
        self.tabs.addTab(self.clusters_tab, "Clusters")
        self.tabs.addTab(self.segments_tab, "Segments")
        self.data_tab.find_segments_requested.connect(self.find_segments)
        self.elbow_tab.sweep_requested.connect(self._sweep_range_requested)
        self.elbow_tab.k_chosen.connect(self.session.choose_k)
        self.segments_tab.segment_renamed.connect(self.session.rename_segment)
        self.segments_tab.export_labels_requested.connect(self.export_labelled_data)
        self.segments_tab.export_profiles_requested.connect(self.export_profiles)

    # --- opening files ---------------------------------------------------------------------------------

    def open_file_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open customer file", self._last_folder(), OPEN_FILTER)
        if path:
            self.open_with_preview(path)

    def open_with_preview(self, path: str | Path) -> None:
        """Show the import preview; its Open button loads the whole file with the chosen options."""
        from desktop_app.import_dialog import ImportDialog

        path = Path(path)
        self.settings.setValue("files/last_folder", str(path.parent))
        dialog = ImportDialog(path, self)
        dialog.accepted.connect(lambda: self.session.open_file(path, dialog.options()))
        dialog.finished.connect(dialog.deleteLater)
        self.import_dialog = dialog
        dialog.open()

    def open_path(self, path: str | Path) -> None:
        """Open a file with the detected options, no preview (command line, recent files)."""
        self.session.open_file(Path(path))

    def open_sample_data(self) -> None:
        self.session.open_file(sample_data_path())

    def _last_folder(self) -> str:
        return str(self.settings.value("files/last_folder", str(Path.home())))

    def recent_files(self) -> list[str]:
        value = self.settings.value("files/recent", [])
        return [value] if isinstance(value, str) else list(value or [])

    def _remember_recent(self, path: str) -> None:
        if Path(path).resolve() == sample_data_path().resolve():
            return
        recent = [path, *(p for p in self.recent_files() if p != path)][:MAX_RECENT_FILES]
        self.settings.setValue("files/recent", recent)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self.recent_files()
        for path in recent:
            action = self.recent_menu.addAction(Path(path).name)
            action.setToolTip(path)
            action.setStatusTip(path)
            action.triggered.connect(lambda _checked=False, p=path: self.open_path(p))
        if not recent:
            self.recent_menu.addAction("No recent files").setEnabled(False)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # Qt override
        if self._dropped_file(event.mimeData().urls()) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # Qt override
        path = self._dropped_file(event.mimeData().urls())
        if path is not None:
            event.acceptProposedAction()
            self.open_with_preview(path)

    @staticmethod
    def _dropped_file(urls: list[QUrl]) -> Path | None:
        files = [Path(url.toLocalFile()) for url in urls if url.isLocalFile()]
        return files[0] if len(files) == 1 and files[0].is_file() else None

    # --- session events --------------------------------------------------------------------------------

    def _table_loaded(self, table: LoadedTable) -> None:
        from core.clustering import MAX_K

        self._ensure_tabs()
        report = table.report
        self.data_tab.set_table(table)
        self.explore_tab.set_table(table.frame, report.columns)
        self.elbow_tab.set_k_limit(max(1, min(MAX_K, report.rows)))
        self.setWindowTitle(f"{Path(report.path).name} — {APPLICATION_NAME}")
        self._remember_recent(report.path)
        self.stack.setCurrentWidget(self.tabs)
        self.tabs.setCurrentWidget(self.data_tab)
        problems = f" ({len(report.problems)} problems fixed, see Data)" if report.problems else ""
        self.statusBar().showMessage(
            f"Opened {report.rows:,} customers with {len(report.columns)} columns{problems}.", 8000
        )
        self._update_actions()

    def _clear_results(self) -> None:
        if self.data_tab is None:
            return
        self.explore_tab.set_segments(None, ())
        self.elbow_tab.clear()
        self.clusters_tab.clear()
        self.segments_tab.clear()
        self._update_actions()

    def find_segments(self, settings) -> None:
        """Prepare and sweep k with the Data tab's choices, and show the Choose k tab as the chart grows."""
        self.session.find_segments(settings)
        self.tabs.setCurrentWidget(self.elbow_tab)

    def _sweep_range_requested(self, k_min: int, k_max: int) -> None:
        settings = dataclasses.replace(self.data_tab.analysis_settings(), k_min=k_min, k_max=k_max)
        self.session.find_segments(settings)

    def _sweep_started(self, k_min: int, k_max: int) -> None:
        self.elbow_tab.sweep_started(k_min, k_max)

    def _segmentation_changed(self, segmentation: Segmentation) -> None:
        session = self.session
        self.elbow_tab.set_chosen_k(segmentation.k)
        self.explore_tab.set_segments(segmentation.labels, segmentation.names)
        self.clusters_tab.show_segmentation(session.table.frame, session.prepared, segmentation)
        self.segments_tab.show_segmentation(segmentation)
        self._update_actions()

    def _show_busy(self, busy: bool) -> None:
        self.progress_bar.setVisible(busy)
        self.cancel_button.setVisible(busy)
        self.cancel_action.setEnabled(busy)
        self.progress_bar.setValue(0)
        if self.data_tab is not None:
            self.data_tab.set_busy(busy)
        if not busy:
            self.statusBar().clearMessage()

    def _show_progress(self, fraction: float, message: str) -> None:
        self.progress_bar.setValue(round(fraction * 1000))
        self.statusBar().showMessage(message)

    def show_error(self, message: str) -> None:
        """Errors the user can act on: a window-modal message that does not block the event loop."""
        box = QMessageBox(
            QMessageBox.Icon.Warning, APPLICATION_NAME, message, QMessageBox.StandardButton.Ok, self
        )
        box.finished.connect(box.deleteLater)
        self.error_box = box
        box.open()

    def _update_actions(self) -> None:
        has_segments = self.session.segmentation is not None
        self.export_labels_action.setEnabled(has_segments)
        self.export_profiles_action.setEnabled(has_segments)
        self.export_chart_action.setEnabled(self.data_tab is not None)

    # --- exports ---------------------------------------------------------------------------------------

    def _ask_save_path(self, title: str, suggested_name: str, filters: dict[str, str]) -> Path | None:
        """A native save dialog (it asks before replacing a file); adds the suffix of the chosen type."""
        start = str(Path(self._last_folder()) / suggested_name)
        path, chosen_filter = QFileDialog.getSaveFileName(self, title, start, ";;".join(filters))
        if not path:
            return None
        path = Path(path)
        if path.suffix.lower() not in filters.values():
            path = path.with_name(path.name + filters.get(chosen_filter, next(iter(filters.values()))))
        self.settings.setValue("files/last_folder", str(path.parent))
        return path

    def _source_stem(self) -> str:
        return Path(self.session.table.report.path).stem if self.session.table is not None else "customers"

    def export_labelled_data(self) -> None:
        if self.session.segmentation is None:
            return
        path = self._ask_save_path(
            "Export labelled data", f"{self._source_stem()}_segments.csv", TABLE_FILTERS
        )
        if path is not None:
            self.session.export_labelled(path)

    def export_profiles(self) -> None:
        if self.session.segmentation is None:
            return
        path = self._ask_save_path(
            "Export segment profiles", f"{self._source_stem()}_profiles.csv", TABLE_FILTERS
        )
        if path is not None:
            self.session.export_profiles(path)

    def export_chart(self) -> None:
        """Save the chart shown on the current tab (the first visible one when a tab has several)."""
        from desktop_app.plot_canvas import PlotCanvas

        tab = self.tabs.currentWidget()
        canvases = [canvas for canvas in tab.findChildren(PlotCanvas) if canvas.isVisible()] if tab else []
        if not canvases:
            self.show_error("This tab has no chart. Go to Explore, Choose k or Clusters and try again.")
            return
        label = self.tabs.tabText(self.tabs.currentIndex()).lower().replace(" ", "_")
        path = self._ask_save_path("Export chart", f"{self._source_stem()}_{label}.png", CHART_FILTERS)
        if path is None:
            return
        try:
            canvases[0].figure.savefig(path, dpi=150, facecolor=canvases[0].figure.get_facecolor())
        except (OSError, ValueError) as problem:
            self.show_error(
                f"Could not save the chart as '{path.name}': {problem}. Choose another folder or name."
            )
            return
        self.statusBar().showMessage(f"Saved {path}", 8000)

    # --- help and closing ------------------------------------------------------------------------------

    def show_quick_guide(self) -> None:
        QMessageBox.information(self, f"{APPLICATION_NAME} — Quick guide", QUICK_GUIDE)

    def show_about(self) -> None:
        import core

        QMessageBox.about(
            self,
            f"About {APPLICATION_NAME}",
            f"<h3>{APPLICATION_NAME} {core.__version__}</h3>"
            "<p>Customer segmentation with k-means, for people who are not data scientists. "
            "Everything runs on your computer.</p>",
        )

    def closeEvent(self, event: QCloseEvent) -> None:  # Qt override
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.session.shutdown()
        super().closeEvent(event)
