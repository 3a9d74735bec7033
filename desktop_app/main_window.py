"""The main window: menus, toolbar, status bar with progress and Cancel, the welcome view and the tabs.

The window owns no analysis state: it forwards the user's requests to the AnalysisSession and shows
what the session reports. The analysis tabs (which load matplotlib) are built when the first file
opens, so the empty window starts quickly.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QRect, QSettings, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QDialog,
    QFileDialog,
    QFrame,
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
    from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QPaintEvent

    from core.loading import LoadedTable
    from core.pipeline import AnalysisSettings, Segmentation
    from core.project import DataFileStatus, ProjectFile
    from desktop_app.assign_dialog import AssignDialog
    from desktop_app.compare_dialog import CompareDialog
    from desktop_app.compare_methods_dialog import CompareMethodsDialog
    from desktop_app.import_dialog import ImportDialog

MAX_RECENT_FILES = 8
CHART_LAYOUT_DELAY_MS = 200  # after the window's last resize, the hidden Choose k tab takes the new size
OPEN_FILTER = "Customer tables (*.csv *.tsv *.txt *.xlsx *.xlsm *.xls);;All files (*)"
TABLE_FILTERS = {"CSV file (*.csv)": ".csv", "Excel workbook (*.xlsx)": ".xlsx"}
CHART_FILTERS = {"PNG image (*.png)": ".png", "SVG drawing (*.svg)": ".svg", "PDF document (*.pdf)": ".pdf"}
PROJECT_SUFFIX = ".segproj"  # core.project.PROJECT_SUFFIX; not imported, as core.project loads pandas
PROJECT_FILTERS = {f"Segment Studio project (*{PROJECT_SUFFIX})": PROJECT_SUFFIX}
REPORT_FILTERS = {"PDF document (*.pdf)": ".pdf"}
DASHBOARD_FILTERS = {"Web page (*.html)": ".html"}
WORKBOOK_FILTERS = {"Excel workbook (*.xlsx)": ".xlsx"}
MODEL_FILTERS = {"Segment model (*.json)": ".json"}
UNSAVED_QUESTION = (
    "The segments have changes that are not saved in a project. Save them before you go on?\n\n"
    "Discard forgets them; the customer file itself is never changed."
)

QUICK_GUIDE = """<h3>Quick guide</h3>
<ol>
<li><b>Open</b> a table of customers (CSV, text or Excel), one customer per row, or try the sample data.
A list of purchases (one row per order) works too: the preview offers to summarise it per customer
(recency, frequency, spend and RFM groups), as does File &gt; Summarise Purchases per Customer.</li>
<li>On <b>Data</b>, tick the columns that describe how customers behave (age, income, spending...).
Customer numbers, dates and constant columns are left out for you. <i>How to group the customers</i>
offers other methods than k-means, each with a sentence on when it fits; Analysis &gt; Compare Ways of
Grouping shows them side by side on your customers.</li>
<li>Press <b>Find segments</b> (F5 or Ctrl+Enter). <b>Choose k</b> shows how well 1 to 10 segments fit;
the suggested number is marked, and you can pick another. <i>Distance within segments</i> (WCSS) is how far
customers are, all together, from the centre of their segment: lower means tighter segments, and it
always falls as segments are added, so look for where it stops falling steeply. <i>Separation</i>
(silhouette, from -1 to 1) says how clearly each customer sits in its own segment rather than the next
one: higher is clearer; above 0.5 the segments are well apart.</li>
<li><b>Clusters</b> shows the segments on charts; <b>Segments</b> describes each one in plain words.
Give them your own names there.</li>
<li><b>Export labelled data</b> (Ctrl+E) saves every customer with its segment, for your mailing or CRM.
<b>Export Report</b> makes a PDF to share, <b>Export Dashboard</b> a web page that opens in any
browser; <b>Save Project</b> (Ctrl+S) keeps your work to reopen later.</li>
<li><b>Assign New Customers</b> places the customers of another file into the same segments.</li>
</ol>
<p>Esc stops a long calculation; the previous results stay. Every toolbar button has a menu entry and
a shortcut: Ctrl+O open, Ctrl+Shift+D sample data, Ctrl+S save, Ctrl+E export labelled data, Ctrl+R
report, Ctrl+Shift+C chart. Tab and Shift+Tab move between the table, the column list and the buttons;
Ctrl+Tab moves between tabs.</p>"""


# Usable from a 1024x640 screen up; smaller, the column list and charts would no longer fit.
MINIMUM_WINDOW_SIZE = (1024, 640)
STALE_TEXT = (
    "The segments shown were found with other settings than the ones on the Data tab now. "
    "Find segments again to see segments for the new settings; exports wait until then."
)


def import_tab_modules() -> None:
    """Import (never build) the tabs' modules; safe on the worker thread, see AnalysisSession.warm_up."""
    import desktop_app.clusters_tab
    import desktop_app.data_tab
    import desktop_app.elbow_tab
    import desktop_app.explore_tab
    import desktop_app.lifetime_tab
    import desktop_app.rfm_tab
    import desktop_app.segments_tab  # noqa: F401


def _is_project(path: str | Path) -> bool:
    return Path(path).suffix.lower() == PROJECT_SUFFIX


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
    """Signals: on_screen() once, after the window's first paint: the moment for start-up work that
    would otherwise hold the window back (the window preloads the analysis modules then)."""

    on_screen = Signal()

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
        self.column_labels_dialog: QDialog | None = None
        self.error_box: QMessageBox | None = None
        self.data_file_box: QMessageBox | None = None  # "the project's customer file moved": Locate…
        self.date_order_box: QMessageBox | None = None  # an order file's dates: day-first or month-first?
        self.locate_button: QPushButton | None = None
        self.new_data_button: QPushButton | None = None  # on the box of a changed customer file
        self.new_data_box: QMessageBox | None = None  # what changed, after using the new data
        self.assign_dialog: AssignDialog | None = None
        self.compare_methods_dialog: CompareMethodsDialog | None = None
        self.compare_dialog: CompareDialog | None = None
        self._after_save: Callable[[], None] | None = None  # what the user was doing when asked to save
        self._close_confirmed = False
        self._painted = False
        self.data_tab = self.explore_tab = self.elbow_tab = self.clusters_tab = self.segments_tab = None
        self.rfm_tab = self.lifetime_tab = None

        self.setWindowTitle(APPLICATION_NAME)
        self.setAcceptDrops(True)
        self.resize(1200, 800)
        self.setMinimumSize(*MINIMUM_WINDOW_SIZE)
        self.welcome = WelcomeView()
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.stale_banner = QFrame()
        self.stale_banner.setObjectName("stale_banner")
        self.stale_banner.setStyleSheet(
            "#stale_banner { background: #fff4d6; border: 1px solid #e0b040; } "
            "#stale_banner QLabel { color: #4a3800; }"
        )
        self.stale_label = QLabel(STALE_TEXT)
        self.stale_label.setWordWrap(True)
        self.find_again_button = QPushButton("Find segments again")
        self.find_again_button.clicked.connect(self.find_segments_with_current_settings)
        banner_layout = QHBoxLayout(self.stale_banner)
        banner_layout.addWidget(self.stale_label, stretch=1)
        banner_layout.addWidget(self.find_again_button)
        self.stale_banner.hide()
        self.results_page = QWidget()
        results_layout = QVBoxLayout(self.results_page)
        results_layout.setContentsMargins(0, 0, 0, 0)
        results_layout.setSpacing(0)
        results_layout.addWidget(self.stale_banner)
        results_layout.addWidget(self.tabs, stretch=1)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.welcome)
        self.stack.addWidget(self.results_page)
        self.setCentralWidget(self.stack)
        self._build_actions()
        self._build_menus_and_toolbar()
        self._build_status_bar()
        self.welcome.open_button.clicked.connect(self.open_file_dialog)
        self.welcome.sample_button.clicked.connect(self.open_sample_data)
        self._connect_session()
        # By the time the user has picked a file, opening it no longer waits for scikit-learn and
        # matplotlib to load.
        self.on_screen.connect(self.session.preload)
        self.session.preloaded.connect(self._build_tabs_while_idle)
        self._chart_layout_timer = QTimer(self)
        self._chart_layout_timer.setSingleShot(True)
        self._chart_layout_timer.setInterval(CHART_LAYOUT_DELAY_MS)
        self._chart_layout_timer.timeout.connect(self._lay_out_choose_k_tab)
        self.tabs.installEventFilter(self)
        self.tabs.currentChanged.connect(self._update_actions)
        self._update_actions()
        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)

    # --- building --------------------------------------------------------------------------------------

    def _action(
        self,
        text: str,
        slot,
        shortcut: QKeySequence.StandardKey | str | list[str] | None = None,
        tip: str = "",
    ) -> QAction:
        action = QAction(text, self)
        # setShortcuts, not setShortcut: the latter's overload check builds every Qt enum on first use
        # (a quarter of the start-up time); a standard key also brings each platform's own bindings.
        if isinstance(shortcut, QKeySequence.StandardKey):
            action.setShortcuts(shortcut)
        elif isinstance(shortcut, list):
            action.setShortcuts([QKeySequence(key) for key in shortcut])
        elif shortcut is not None:
            action.setShortcuts([QKeySequence(shortcut)])
        action.setStatusTip(tip)
        keys = ", ".join(key.toString() for key in action.shortcuts())
        action.setToolTip(f"{tip} ({keys})" if tip and keys else tip or text.replace("&", ""))
        action.triggered.connect(slot)
        self.addAction(action)  # shortcuts work while any part of the window has focus
        return action

    def _build_actions(self) -> None:
        self.open_action = self._action(
            "&Open…", self.open_file_dialog, QKeySequence.StandardKey.Open, "Open a table of customers"
        )
        self.sample_action = self._action(
            "Open &Sample Data",
            self.open_sample_data,
            "Ctrl+Shift+D",
            "Open a small example set of customers",
        )
        self.find_segments_action = self._action(
            "&Find Segments",
            self.find_segments_with_current_settings,
            ["F5", "Ctrl+Return", "Ctrl+Enter"],
            "Group the customers by the columns chosen on the Data tab",
        )
        self.open_orders_action = self._action(
            "Summarise &Purchases per Customer…",
            self.open_orders_dialog,
            tip="Open a list of purchases (orders) and summarise it into one row per customer",
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
            "Export &Chart…",
            self.export_chart,
            "Ctrl+Shift+C",
            "Save the chart on the current tab as an image",
        )
        self.open_project_action = self._action(
            "Open Pro&ject…", self.open_project_dialog, "Ctrl+Shift+O", "Reopen a saved project"
        )
        self.save_project_action = self._action(
            "&Save Project",
            self.save_project,
            QKeySequence.StandardKey.Save,
            "Save the analysis and segment names to reopen later",
        )
        self.save_project_as_action = self._action(
            "Save Project &As…", self.save_project_as, QKeySequence.StandardKey.SaveAs
        )
        self.export_report_action = self._action(
            "Export &Report (PDF)…", self.export_report, "Ctrl+R", "A PDF report of the segments to share"
        )
        self.export_dashboard_action = self._action(
            "Export &Dashboard (HTML)…",
            self.export_dashboard,
            tip="An interactive web page of the segments that opens offline in any browser, to share",
        )
        self.export_workbook_action = self._action(
            "Export &Workbook (Excel)…",
            self.export_workbook,
            tip="An Excel workbook: a summary sheet and one sheet of customers per segment",
        )
        self.export_model_action = self._action(
            "Export Segment &Model…",
            self.export_segment_model,
            tip="Save the segments to place new customers in them later",
        )
        self.assign_action = self._action(
            "Assign &New Customers…",
            self.assign_new_customers,
            tip="Place the customers of another file into these segments",
        )
        self.compare_methods_action = self._action(
            "&Compare Ways of Grouping…",
            self.compare_methods,
            tip="Group the same customers with other methods and see how the segments differ",
        )
        self.compare_action = self._action(
            "&Compare Two Segmentations…",
            self.compare_segmentations,
            tip="Compare the segments with another number of segments, another method or a saved project",
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
        file_menu.addAction(self.open_orders_action)
        file_menu.addAction(self.sample_action)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addAction(self.open_project_action)
        file_menu.addSeparator()
        file_menu.addAction(self.save_project_action)
        file_menu.addAction(self.save_project_as_action)
        file_menu.addSeparator()
        file_menu.addAction(self.export_labels_action)
        file_menu.addAction(self.export_profiles_action)
        file_menu.addAction(self.export_workbook_action)
        file_menu.addAction(self.export_report_action)
        file_menu.addAction(self.export_dashboard_action)
        file_menu.addAction(self.export_chart_action)
        file_menu.addAction(self.export_model_action)
        file_menu.addSeparator()
        file_menu.addAction(self.assign_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        analysis_menu = self.menuBar().addMenu("&Analysis")
        analysis_menu.addAction(self.find_segments_action)
        analysis_menu.addAction(self.compare_methods_action)
        analysis_menu.addAction(self.compare_action)
        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction(self.guide_action)
        help_menu.addAction(self.about_action)
        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("main_toolbar")
        toolbar.setMovable(False)
        for action in (
            self.open_action,
            self.sample_action,
            self.find_segments_action,
            self.save_project_action,
            self.export_labels_action,
            self.export_report_action,
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
        session.analysis_ready.connect(self._analysis_ready)
        session.results_cleared.connect(self._clear_results)
        session.score_added.connect(lambda score: self.elbow_tab.add_score(score))
        session.sweep_finished.connect(self._sweep_finished)
        session.segmentation_changed.connect(self._segmentation_changed)
        session.busy_changed.connect(self._show_busy)
        session.progress.connect(self._show_progress)
        session.summary_ready.connect(lambda statistics: self.explore_tab.set_summary(statistics))
        session.rfm_groups_ready.connect(self._show_rfm_groups)
        session.lifetime_value_ready.connect(self._show_lifetime_value)
        session.error.connect(self.show_error)
        session.error.connect(self._forget_after_save)
        session.cancelled.connect(
            lambda: self.statusBar().showMessage("Stopped. The previous results are kept.", 5000)
        )
        session.cancelled.connect(self._forget_after_save)
        session.exported.connect(lambda path: self.statusBar().showMessage(f"Saved {path}", 8000))
        session.project_saved.connect(self._project_saved)
        session.project_opened.connect(self._project_opened)
        session.data_file_problem.connect(self._data_file_problem)
        session.dates_ambiguous.connect(self._ask_date_order)
        session.new_data_used.connect(self._new_data_used)
        session.unsaved_changed.connect(self._update_title)
        session.distance_measured.connect(
            lambda curve: self.data_tab.method_chooser.show_distance_curve(curve)
        )
        session.method_kept.connect(self._method_kept)

    def _build_tabs_while_idle(self) -> None:
        """Right after start-up, before any file: build the tabs (0.1 s) so the first file opens as
        quickly as the next."""
        if self.session.table is None:
            self._ensure_data_tab()
            self._ensure_analysis_tabs()
            _lay_out_hidden(self.results_page, self.stack.currentWidget().geometry())

    def _ensure_data_tab(self) -> None:
        """Build the Data tab on the first table (its modules were imported on the loading worker)."""
        if self.data_tab is not None:
            return
        from desktop_app.data_tab import DataTab

        self.data_tab = DataTab()
        self.tabs.addTab(self.data_tab, "Data")
        self.data_tab.find_segments_requested.connect(self.find_segments)
        self.data_tab.settings_changed.connect(self._update_actions)
        self.data_tab.distance_curve_requested.connect(
            lambda: self.session.measure_distance(self.data_tab.analysis_settings())
        )

    def _ensure_analysis_tabs(self) -> None:
        """Build the chart tabs once the session's analysis modules are imported (never on this thread)."""
        if self.elbow_tab is not None:
            return
        from desktop_app.clusters_tab import ClustersTab
        from desktop_app.elbow_tab import ElbowTab
        from desktop_app.explore_tab import ExploreTab
        from desktop_app.lifetime_tab import LifetimeTab
        from desktop_app.rfm_tab import RfmTab
        from desktop_app.segments_tab import SegmentsTab

        self.explore_tab = ExploreTab()
        self.elbow_tab = ElbowTab()
        self.clusters_tab = ClustersTab()
        self.segments_tab = SegmentsTab()
        self.rfm_tab = RfmTab()
        self.lifetime_tab = LifetimeTab()
        self.tabs.addTab(self.explore_tab, "Explore")
        self.tabs.addTab(self.elbow_tab, "Choose k")
        self.tabs.addTab(self.clusters_tab, "Clusters")
        self.tabs.addTab(self.segments_tab, "Segments")
        self.tabs.addTab(self.rfm_tab, "RFM groups")
        self.tabs.setTabVisible(self.tabs.indexOf(self.rfm_tab), False)  # orders only
        self.tabs.addTab(self.lifetime_tab, "Lifetime value")
        self.tabs.setTabVisible(self.tabs.indexOf(self.lifetime_tab), False)  # orders only
        self.lifetime_tab.estimate_requested.connect(self.session.estimate_lifetime_value)
        self.lifetime_tab.check_requested.connect(self.session.check_forecast)
        self.elbow_tab.sweep_requested.connect(self._sweep_range_requested)
        self.elbow_tab.k_chosen.connect(self.session.choose_k)
        self.segments_tab.segment_renamed.connect(self.session.rename_segment)
        self.segments_tab.export_labels_requested.connect(self.export_labelled_data)
        self.segments_tab.export_profiles_requested.connect(self.export_profiles)
        self.segments_tab.column_labels_requested.connect(self.edit_column_labels)
        self.segments_tab.compare_requested.connect(self.compare_segmentations)
        self._connect_stability()
        for tab in (self.explore_tab, self.elbow_tab, self.clusters_tab, self.segments_tab):
            for number_box in tab.findChildren(QAbstractSpinBox):
                number_box.installEventFilter(self)  # the window's shortcuts work there: see eventFilter
        self._chart_layout_timer.start()

    def _connect_stability(self) -> None:
        """The stability checks' rows on the Segments and Choose k tabs, and where their results go."""
        from desktop_app.stability_check import Check, StabilityStrip

        check = self.session.stability
        self.segments_tab.set_stability_strip(
            StabilityStrip(check, Check.SEGMENTS, "Check how stable the segments are")
        )
        self.elbow_tab.set_stability_strip(
            StabilityStrip(check, Check.SWEEP, "Check how stable each number of segments is")
        )
        check.segments_checked.connect(self._show_segment_stability)
        check.running_changed.connect(self._show_segment_stability)
        check.tree_ready.connect(self.elbow_tab.show_splits)
        check.k_checked.connect(self.elbow_tab.add_stability)

    def _show_segment_stability(self, *_args) -> None:
        from desktop_app.stability_check import Check

        check = self.session.stability
        checking = check.is_pending(Check.SEGMENTS)
        pending = "Stability: being checked…" if checking else "Stability not checked yet"
        self.segments_tab.show_stability(check.segments, pending)

    @property
    def is_idle(self) -> bool:
        """Nothing runs or is about to: no session task, no chart rendering, no tab waiting to be sized."""
        rendering = self.elbow_tab is not None and any(
            tab.plot.rendering for tab in (self.elbow_tab, self.clusters_tab)
        )
        return self.session.is_idle and not rendering and not self._chart_layout_timer.isActive()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt override
        if watched is self.tabs and event.type() == QEvent.Type.Resize:
            self._chart_layout_timer.start()  # once the size settles
        elif event.type() == QEvent.Type.ShortcutOverride and self._is_window_shortcut(watched, event):
            # A number box's text field claims Ctrl+E (end of line) and friends for itself; in a box
            # that holds a number those keys mean the window's actions.
            event.ignore()
            return True
        return super().eventFilter(watched, event)

    def _is_window_shortcut(self, watched: QObject, event: QEvent) -> bool:
        if not isinstance(watched, QAbstractSpinBox):
            return False
        pressed = QKeySequence(event.keyCombination())
        return any(
            action.isEnabled() and pressed in action.shortcuts() for action in self.actions()
        )

    def _lay_out_choose_k_tab(self) -> None:
        """Give the hidden Choose k tab the size it will be shown at, while the window is idle.

        Qt sizes a tab's page only when it is shown, and a new size means a new picture of the chart.
        Pressing Find segments shows this tab as the sweep starts: rendering the chart then, on a worker
        competing with the sweep for Python's lock, held the window up to 100 ms."""
        tab, page = self.elbow_tab, self.tabs.currentWidget()
        if tab is None or page is tab or not self.tabs.isVisible() or tab.geometry() == page.geometry():
            return
        _lay_out_hidden(tab, page.geometry())  # the chart renders for its new size on its worker

    def paintEvent(self, event: QPaintEvent) -> None:  # Qt override
        super().paintEvent(event)
        if not self._painted:
            # Not at show: a timer started there fires before the window is first exposed.
            self._painted = True
            QTimer.singleShot(0, self.on_screen.emit)

    # --- opening files ---------------------------------------------------------------------------------

    def open_file_dialog(self) -> None:
        self._when_saved_or_discarded(self._choose_file_to_open)

    def _choose_file_to_open(self, *, summarise: bool = False) -> None:
        title = "Open a list of purchases" if summarise else "Open customer file"
        path, _ = QFileDialog.getOpenFileName(self, title, self._last_folder(), OPEN_FILTER)
        if path:
            self._preview(path, summarise=summarise)

    def open_orders_dialog(self) -> None:
        """Choose any file and summarise its purchases per customer (the import preview shows how)."""
        self._when_saved_or_discarded(lambda: self._choose_file_to_open(summarise=True))

    def _ask_date_order(self, path: Path, options, orders) -> None:
        """Every date of the order file could be day-first or month-first: ask, then open it again."""
        import dataclasses

        from core.orders import DAY_FIRST, MONTH_FIRST

        box = QMessageBox(QMessageBox.Icon.Question, APPLICATION_NAME, "", QMessageBox.StandardButton.Cancel,
                          self)
        box.setText(f"How are the dates in column '{orders.columns.date}' of {path.name} written? Every one "
                    "of them could be read either way (like 03/01/2024).")
        day_first = box.addButton("Day first (31/12/2024)", QMessageBox.ButtonRole.AcceptRole)
        month_first = box.addButton("Month first (12/31/2024)", QMessageBox.ButtonRole.AcceptRole)

        def answered() -> None:
            clicked = box.clickedButton()
            if clicked in (day_first, month_first):
                date_format = DAY_FIRST if clicked is day_first else MONTH_FIRST
                columns = dataclasses.replace(orders.columns, date_format=date_format)
                self.session.open_file(path, options, dataclasses.replace(orders, columns=columns))

        box.finished.connect(answered)
        box.finished.connect(box.deleteLater)
        self.date_order_box = box
        box.open()

    def open_with_preview(self, path: str | Path) -> None:
        """Show the import preview; its Open button loads the whole file with the chosen options.

        A project file (dropped onto the window) opens as a project instead."""
        if _is_project(path):
            self._when_saved_or_discarded(lambda: self.open_project(path))
        else:
            self._when_saved_or_discarded(lambda: self._preview(path))

    def _preview(self, path: str | Path, *, summarise: bool = False) -> None:
        from desktop_app.import_dialog import ImportDialog

        path = Path(path)
        self.settings.setValue("files/last_folder", str(path.parent))
        dialog = ImportDialog(path, self, summarise=summarise)
        dialog.accepted.connect(
            lambda: self.session.open_file(path, dialog.options(), dialog.order_request())
        )
        dialog.finished.connect(dialog.deleteLater)
        self.import_dialog = dialog
        dialog.open()

    def open_path(self, path: str | Path) -> None:
        """Open a file with the detected options, no preview (command line, recent files), or a project."""
        if _is_project(path):
            self._when_saved_or_discarded(lambda: self.open_project(path))
        else:
            self._when_saved_or_discarded(lambda: self.session.open_file(Path(path)))

    def open_sample_data(self) -> None:
        self._when_saved_or_discarded(lambda: self.session.open_file(sample_data_path()))

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
        """Show the table at once; the chart tabs follow in `_analysis_ready`."""
        self._ensure_data_tab()
        report = table.report
        self.data_tab.set_table(table)
        self.data_tab.set_busy(self.session.is_busy)  # Find segments waits for the chart modules
        self._update_title()
        self._remember_recent(report.path)
        self.stack.setCurrentWidget(self.results_page)
        self.tabs.setCurrentWidget(self.data_tab)
        self._update_actions()

    def _analysis_ready(self, table: LoadedTable) -> None:
        """The file is open: build or fill the chart tabs and say what was opened."""
        from core.clustering import MAX_K

        self._ensure_analysis_tabs()
        report = table.report
        self.explore_tab.set_table(table.frame, report.columns)
        self.elbow_tab.set_k_limit(max(1, min(MAX_K, report.rows)))
        problems = f" ({len(report.problems)} problems fixed, see Data)" if report.problems else ""
        self.statusBar().showMessage(
            f"Opened {report.rows:,} customers with {len(report.columns)} columns{problems}.", 8000
        )
        self._update_actions()

    def _show_rfm_groups(self, groups) -> None:
        """The RFM groups tab is there only for customers summarised from orders."""
        self._ensure_analysis_tabs()
        self.rfm_tab.set_groups(groups)
        self.tabs.setTabVisible(self.tabs.indexOf(self.rfm_tab), groups is not None)

    def _show_lifetime_value(self, lifetime) -> None:
        """The Lifetime value tab is there only for customers summarised from orders. The table with the
        lifetime-value columns replaces the one shown (they are added on the worker after it is shown)."""
        if lifetime is None:
            if self.lifetime_tab is not None:
                self.lifetime_tab.set_lifetime(None)
                self.tabs.setTabVisible(self.tabs.indexOf(self.lifetime_tab), False)
            return
        self._ensure_analysis_tabs()
        table = lifetime.table
        self.data_tab.set_table(table)
        self.explore_tab.set_table(table.frame, table.report.columns)
        self.lifetime_tab.set_lifetime(lifetime)
        self.tabs.setTabVisible(self.tabs.indexOf(self.lifetime_tab), True)

    def _clear_results(self) -> None:
        if self.data_tab is not None:
            self.data_tab.set_segments(None, (), ())
        if self.elbow_tab is not None:
            self.explore_tab.set_segments(None, (), ())
            self.elbow_tab.clear()
            self.clusters_tab.clear()
            self.segments_tab.clear()
        self._update_actions()

    def find_segments(self, settings) -> None:
        """Show the Choose k tab, then prepare and sweep k with the Data tab's choices as the chart grows.

        The work starts once the tab is on screen with the sweep's empty axes drawn: that picture is
        rendered on a worker, and rendering it while the data is prepared on another held the window
        for 40-60 ms (the two take turns with Python's lock, and the window waits for both). The axes
        are set while the tab is hidden, so the chart renders them once, after the tab has painted."""
        from core.methods import method_named

        self.elbow_tab.set_method(method_named(settings.method))
        self.elbow_tab.sweep_started(settings.k_min, settings.k_max)
        self.tabs.setCurrentWidget(self.elbow_tab)
        # Not the tab's first number box, which would keep the window's shortcuts (Ctrl+E) for itself.
        self.tabs.tabBar().setFocus()
        table = self.session.table

        def start() -> None:
            if self.session.table is table:  # not if another file was opened meanwhile
                self.session.find_segments(settings)

        self.elbow_tab.plot.after_render(start)

    def find_segments_with_current_settings(self) -> None:
        """Find segments with the Data tab's choices (the menu entry, its shortcut and the banner's
        button); says why when it cannot."""
        if self.data_tab is None or self.session.table is None or self.elbow_tab is None:
            return
        if self.session.is_busy:
            return
        if not self.data_tab.find_button.isEnabled():
            self.tabs.setCurrentWidget(self.data_tab)
            self.statusBar().showMessage(self.data_tab.find_hint.text() or "Tick a column first.", 8000)
            return
        self.find_segments(self.data_tab.analysis_settings())

    def _sweep_finished(self, sweep) -> None:
        """A sweep to show; None: the segments' method has none (it finds the number of segments itself,
        or was kept from a comparison without one). After a Cancel the segments kept are shown again."""
        from core.methods import method_named

        if self.session.settings is not None:
            self.elbow_tab.set_method(method_named(self.session.settings.method))
        if sweep is not None:
            self.elbow_tab.show_sweep(sweep)
        else:
            self.elbow_tab.clear()
        segmentation = self.session.segmentation
        if segmentation is not None:
            # The segments shown keep their mark: a suggestion that changes once the stability of
            # each k is known does not move it.
            if sweep is not None:
                self.elbow_tab.set_chosen_k(segmentation.k)
            self.elbow_tab.show_segmentation(segmentation)

    def _sweep_range_requested(self, k_min: int, k_max: int) -> None:
        self.find_segments(dataclasses.replace(self.data_tab.analysis_settings(), k_min=k_min, k_max=k_max))

    def _segmentation_changed(self, segmentation: Segmentation) -> None:
        session = self.session
        self.elbow_tab.set_chosen_k(segmentation.k)
        self.elbow_tab.show_segmentation(segmentation)
        self.data_tab.set_segments(segmentation.labels, segmentation.names, segmentation.numbers)
        self.explore_tab.set_segments(segmentation.labels, segmentation.names, segmentation.numbers)
        self.clusters_tab.show_segmentation(session.table.frame, session.prepared, segmentation)
        self.segments_tab.show_segmentation(segmentation, session.table.frame)
        self._update_actions()

    def _show_busy(self, busy: bool) -> None:
        self.progress_bar.setVisible(busy)
        self.cancel_button.setVisible(busy)
        self.cancel_action.setEnabled(busy)
        self.progress_bar.setValue(0)
        if self.data_tab is not None:
            self.data_tab.set_busy(busy)
        if self.lifetime_tab is not None:
            self.lifetime_tab.set_busy(busy)
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

    def results_out_of_date(self) -> bool:
        """Whether the segments shown were found with other choices than those now on the Data tab."""
        used, segmentation = self.session.settings, self.session.segmentation
        if used is None or segmentation is None or self.data_tab is None or self.session.table is None:
            return False
        chosen = self.data_tab.analysis_settings()
        return (
            set(chosen.features or ()) != set(used.features or ())
            or chosen.scaling != used.scaling
            or chosen.missing != used.missing
            or set(chosen.log_columns) != set(used.log_columns)
            or chosen.method != used.method
            or dict(chosen.method_options) != dict(used.method_options)
        )

    def _update_actions(self) -> None:
        stale = self.results_out_of_date()
        self.stale_banner.setVisible(stale)
        has_segments = self.session.segmentation is not None
        # A project keeps the segments with the settings they were found with, so it may be saved.
        for action in (self.save_project_action, self.save_project_as_action, self.compare_action):
            action.setEnabled(has_segments)
        for action in (
            self.export_labels_action,
            self.export_profiles_action,
            self.export_workbook_action,
            self.export_report_action,
            self.export_dashboard_action,
            self.export_model_action,
            self.compare_methods_action,
        ):
            action.setEnabled(has_segments and not stale)
        if self.segments_tab is not None:
            self.segments_tab.set_exports_enabled(has_segments and not stale)
        self.find_segments_action.setEnabled(self.session.table is not None and self.elbow_tab is not None)
        self.export_chart_action.setEnabled(self._current_tab_has_chart())

    def _current_tab_has_chart(self) -> bool:
        return self.session.table is not None and self.tabs.currentWidget() in (
            self.explore_tab, self.elbow_tab, self.clusters_tab
        ) and self.tabs.currentWidget() is not None

    def _update_title(self, *_args) -> None:
        """ "file — Segment Studio", with a "*" after the file while the segments are not saved."""
        table = self.session.table
        if table is None:
            self.setWindowTitle(APPLICATION_NAME)
            return
        name = self.session.project_path.name if self.session.project_path else Path(table.report.path).name
        unsaved = "*" if self.session.has_unsaved_changes else ""
        self.setWindowTitle(f"{name}{unsaved} — {APPLICATION_NAME}")

    # --- projects --------------------------------------------------------------------------------------

    def _ask_to_save(self) -> QMessageBox.StandardButton:
        buttons = (
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel
        )
        return QMessageBox.question(
            self, APPLICATION_NAME, UNSAVED_QUESTION, buttons, QMessageBox.StandardButton.Save
        )

    def _when_saved_or_discarded(self, action: Callable[[], None]) -> None:
        """Run `action` now, or once unsaved segments are saved or discarded; never after Cancel."""
        if not self.session.has_unsaved_changes:
            action()
            return
        answer = self._ask_to_save()
        if answer == QMessageBox.StandardButton.Discard:
            action()
        elif answer == QMessageBox.StandardButton.Save:
            self._after_save = action
            self.save_project()

    def _forget_after_save(self, *_args) -> None:
        # The save failed or was stopped: what was waiting for it must not run.
        self._after_save = None

    def save_project(self) -> None:
        """Save to the current project file, or ask for one the first time."""
        if self.session.project_path is None:
            self.save_project_as()
        elif self.session.segmentation is not None:
            self.session.save_project(self.session.project_path)

    def save_project_as(self) -> None:
        if self.session.segmentation is None:
            return
        path = self._ask_save_path("Save project", f"{self._source_stem()}{PROJECT_SUFFIX}", PROJECT_FILTERS)
        if path is None:
            self._after_save = None
            return
        self.session.save_project(path)

    def _project_saved(self, path: str) -> None:
        self.statusBar().showMessage(f"Saved the project {path}", 8000)
        self._update_title()
        action, self._after_save = self._after_save, None
        if action is not None:
            action()

    def open_project_dialog(self) -> None:
        self._when_saved_or_discarded(self._choose_project)

    def _choose_project(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open project", self._last_folder(), ";;".join([*PROJECT_FILTERS, "All files (*)"])
        )
        if path:
            self.open_project(path)

    def open_project(self, path: str | Path, data_path: str | Path | None = None) -> None:
        """Reopen a project (no question about unsaved segments: the callers ask)."""
        self.settings.setValue("files/last_folder", str(Path(path).parent))
        self.session.open_project(Path(path), data_path)

    def _data_file_problem(self, project: ProjectFile, status: DataFileStatus) -> None:
        """The project's customer file moved or changed: say so and offer to locate it, or, when it
        changed (a refreshed spreadsheet), to use the new data with the saved settings."""
        from core.project import DataFileState

        box = QMessageBox(QMessageBox.Icon.Warning, APPLICATION_NAME, status.message, parent=self)
        if status.state == DataFileState.CHANGED and status.path is not None:
            self.new_data_button = box.addButton(
                "Use the new data with the saved settings", QMessageBox.ButtonRole.AcceptRole
            )
            self.new_data_button.clicked.connect(
                lambda: self.session.open_project_with_new_data(project, status.path)
            )
        self.locate_button = box.addButton("Locate the file…", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        self.locate_button.clicked.connect(lambda: self._locate_data_file(project))
        box.finished.connect(box.deleteLater)
        self.data_file_box = box
        box.open()

    def _new_data_used(self, message: str) -> None:
        """Say what changed in the customer file (a message that does not block the window)."""
        box = QMessageBox(
            QMessageBox.Icon.Information, APPLICATION_NAME, message, QMessageBox.StandardButton.Ok, self
        )
        box.finished.connect(box.deleteLater)
        self.new_data_box = box
        box.open()

    def _locate_data_file(self, project: ProjectFile) -> None:
        saved_name = Path(project.data_file.path).name
        folder = str(project.path.parent) if project.path is not None else self._last_folder()
        path, _ = QFileDialog.getOpenFileName(
            self, f"Locate the customer file {saved_name}", folder, OPEN_FILTER
        )
        if path and project.path is not None:
            self.open_project(project.path, path)

    def _project_opened(self, project: ProjectFile) -> None:
        self._restore_settings(project.settings)
        self._update_title()
        self.tabs.setCurrentWidget(self.segments_tab)
        self.statusBar().showMessage(
            f"Opened the project {project.path.name if project.path else ''}: {project.k} segments.", 8000
        )

    def _restore_settings(self, settings: AnalysisSettings) -> None:
        """Put the project's choices back on the Data tab, so "Find segments" starts from them."""
        from core.preparation import MissingPolicy

        tab = self.data_tab
        features = set(settings.features or ())
        for column in self.session.table.report.columns:
            tab.set_feature_used(column.name, column.name in features)
        tab.scaling_combo.setCurrentIndex(max(0, tab.scaling_combo.findData(str(settings.scaling))))
        fill = settings.missing == MissingPolicy.FILL
        (tab.fill_button if fill else tab.leave_out_button).setChecked(True)
        for name, box in tab.log_boxes.items():
            box.setChecked(name in settings.log_columns)
        tab.method_chooser.set_choice(settings.method, settings.method_options)

    # --- other ways of grouping ------------------------------------------------------------------------

    def compare_methods(self) -> None:
        """Open the Compare ways of grouping window, starting from the segments shown."""
        from desktop_app.compare_methods_dialog import CompareMethodsDialog

        if self.session.segmentation is None or self.results_out_of_date():
            return
        if self.compare_methods_dialog is None:
            self.compare_methods_dialog = CompareMethodsDialog(self.session, self)
        self.compare_methods_dialog.use_current_segments()
        if self.compare_methods_dialog.isVisible():  # already open, perhaps behind the main window
            self.compare_methods_dialog.raise_()
        self.compare_methods_dialog.show()

    def _method_kept(self, settings: AnalysisSettings) -> None:
        """A compared method became the segments: the Data tab shows it, so they are not out of date."""
        self.data_tab.method_chooser.set_choice(settings.method, settings.method_options)
        self.tabs.setCurrentWidget(self.segments_tab)
        self._update_actions()

    # --- new customers ---------------------------------------------------------------------------------

    def assign_new_customers(self) -> None:
        """Open the Assign New Customers window (it places the customers of another file)."""
        from desktop_app.assign_dialog import AssignDialog

        if self.assign_dialog is None:
            self.assign_dialog = AssignDialog(self.session, self._ask_save_path, self._last_folder, self)
        self.assign_dialog.use_current_segments()
        if self.assign_dialog.isVisible():  # already open, perhaps behind the main window
            self.assign_dialog.raise_()
        self.assign_dialog.show()

    def compare_segmentations(self) -> None:
        """Open the Compare two segmentations window (the segments on screen against other ones)."""
        from desktop_app.compare_dialog import CompareDialog

        if self.session.segmentation is None:
            return
        if self.compare_dialog is None:
            self.compare_dialog = CompareDialog(self.session, self._ask_save_path, self._last_folder, self)
        if self.compare_dialog.isVisible():
            self.compare_dialog.raise_()
        self.compare_dialog.show()

    # --- exports ---------------------------------------------------------------------------------------

    def _ask_save_path(self, title: str, suggested_name: str, filters: dict[str, str]) -> Path | None:
        """A native save dialog; adds the suffix of the chosen type when the name has none.

        The dialog asks before replacing the file the user typed; when the suffix is added afterwards,
        the real name may be another, existing file, so that replacement is confirmed here."""
        start = str(Path(self._last_folder()) / suggested_name)
        path, chosen_filter = QFileDialog.getSaveFileName(self, title, start, ";;".join(filters))
        if not path:
            return None
        path = Path(path)
        if path.suffix.lower() not in filters.values():
            path = path.with_name(path.name + filters.get(chosen_filter, next(iter(filters.values()))))
            if path.exists() and not self._confirm_replace(path):
                return None
        self.settings.setValue("files/last_folder", str(path.parent))
        return path

    def _confirm_replace(self, path: Path) -> bool:
        answer = QMessageBox.question(
            self,
            APPLICATION_NAME,
            f"'{path.name}' already exists in {path.parent}. Replace it?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

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

    def export_workbook(self) -> None:
        if self.session.segmentation is None:
            return
        path = self._ask_save_path(
            "Export workbook", f"{self._source_stem()}_segments.xlsx", WORKBOOK_FILTERS
        )
        if path is not None:
            self.session.export_workbook(path)

    def export_report(self) -> None:
        if self.session.segmentation is None:
            return
        path = self._ask_save_path("Export report", f"{self._source_stem()}_report.pdf", REPORT_FILTERS)
        if path is not None:
            self.session.export_report(path)

    def export_dashboard(self) -> None:
        if self.session.segmentation is None:
            return
        path = self._ask_save_path(
            "Export dashboard", f"{self._source_stem()}_dashboard.html", DASHBOARD_FILTERS
        )
        if path is not None:
            self.session.export_dashboard(path)

    def export_segment_model(self) -> None:
        if self.session.segmentation is None:
            return
        path = self._ask_save_path("Export segment model", f"{self._source_stem()}_model.json", MODEL_FILTERS)
        if path is not None:
            self.session.export_segment_model(path)

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
        from core.errors import SegmentStudioError
        from core.export import atomic_write

        # On the GUI thread: the figure belongs to the canvas on screen, and one chart saves quickly
        # (once a picture being rendered on a worker is done with it). Atomic, so a failure half-way
        # keeps an earlier file of that name; the temporary file has no image suffix, hence the format.
        canvases[0].wait_for_render()
        figure = canvases[0].figure
        try:
            atomic_write(
                path,
                lambda temporary: figure.savefig(
                    temporary, format=path.suffix[1:], dpi=150, facecolor=figure.get_facecolor()
                ),
                protected=self.session.table.report.path if self.session.table else None,
            )
        except (OSError, ValueError, SegmentStudioError) as problem:
            reason = getattr(problem, "strerror", None) or str(problem)
            self.show_error(
                f"Could not write the chart '{path.name}': {reason}. Any earlier file of that name is "
                "unchanged. Choose another folder or name."
            )
            return
        self.statusBar().showMessage(f"Saved {path}", 8000)

    # --- help and closing ------------------------------------------------------------------------------

    def edit_column_labels(self) -> None:
        """Let the user name the profiled columns; the session describes the segments again with them."""
        from desktop_app.column_labels_dialog import ColumnLabelsDialog

        segmentation = self.session.segmentation
        if segmentation is None:
            return
        overall = segmentation.overall
        columns = [*overall.means, *overall.category_shares]
        dialog = ColumnLabelsDialog(columns, self.session.column_labels, self)
        dialog.accepted.connect(lambda: self.session.set_column_labels(dialog.labels()))
        dialog.finished.connect(dialog.deleteLater)
        self.column_labels_dialog = dialog
        dialog.open()

    def show_quick_guide(self) -> None:
        QMessageBox.information(self, f"{APPLICATION_NAME} — Quick guide", QUICK_GUIDE)

    def show_about(self) -> None:
        import core
        from desktop_app.about_dialog import AboutDialog

        AboutDialog(core.__version__, self).exec()

    def closeEvent(self, event: QCloseEvent) -> None:  # Qt override
        if self.session.has_unsaved_changes and not self._close_confirmed:
            answer = self._ask_to_save()
            if answer != QMessageBox.StandardButton.Discard:
                event.ignore()
                if answer == QMessageBox.StandardButton.Save:
                    self._after_save = self._close_after_saving
                    self.save_project()
                return
        self.settings.setValue("window/geometry", self.saveGeometry())
        for dialog in (self.assign_dialog, self.compare_methods_dialog, self.compare_dialog):
            if dialog is not None:
                dialog.close()
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop every background task and wait for its thread (on close, and on quit without closing)."""
        if self.data_tab is not None:
            self.data_tab.shutdown()
        if self.elbow_tab is not None:
            self.elbow_tab.shutdown()
        self.session.shutdown()

    def _close_after_saving(self) -> None:
        self._close_confirmed = True
        self.close()


def _lay_out_hidden(widget: QWidget, geometry: QRect) -> None:
    """Size, polish and lay out a hidden widget now, as showing it would (then its first show is cheap).

    Qt defers a hidden widget's resize events to its show; painting one pixel of it delivers them."""
    widget.setGeometry(geometry)
    widget.grab(QRect(0, 0, 1, 1))
