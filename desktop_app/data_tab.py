"""The Data tab: the customer table, what each column is, and the choices made before finding segments.

The tab only collects choices; the user presses "Find segments" and the tab emits the settings. The
defaults come from the core (`default_features`, `suggest_log_columns`), and the count of customers the
missing-value choice affects from `missing_impact`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.dataframe_model import DataFrameModel, sort_permutation
from desktop_app.worker import TaskRunner

if TYPE_CHECKING:
    import numpy as np

    from core.columns import ColumnSummary
    from core.loading import LoadedTable
    from core.pipeline import AnalysisSettings

# (scaling value, label, one-line explanation); the first is the recommended default.
SCALING_CHOICES = (
    (
        "standard",
        "Same weight for every column (recommended)",
        "Each column counts equally, whatever its units (income in thousands does not drown out age).",
    ),
    ("minmax", "Min-max", "Squeezes every column into 0 to 1; one extreme customer squeezes the rest."),
    (
        "robust",
        "Robust to outliers",
        "Uses the median and middle half of each column, so a few extreme customers pull less.",
    ),
    ("none", "None", "Uses the numbers as they are: the column with the biggest numbers decides alone."),
)

USE_COLUMN, NAME_COLUMN, KIND_COLUMN, MISSING_COLUMN, VALUES_COLUMN = range(5)
# Rows measured when fitting column widths to their contents: Qt's default (1,000) costs 0.3 s on open,
# 100 still 50 ms; a longer value further down is elided ("…") and its tooltip shows it whole.
WIDTH_SAMPLE_ROWS = 30


def describe_values(summary: ColumnSummary) -> str:
    """A column's range (numbers, dates written as numbers) or its most common values (categories), for
    the column panel."""
    if summary.minimum is not None and summary.maximum is not None:
        if summary.kind == "date":  # 19970101: written year-month-day
            low, high = (f"{value:08.0f}" for value in (summary.minimum, summary.maximum))
            return f"{low[:4]}-{low[4:6]}-{low[6:]} to {high[:4]}-{high[4:6]}-{high[6:]}"
        low, high = (
            f"{value:,.0f}" if float(value).is_integer() and abs(value) < 1e15 else f"{value:,.6g}"
            for value in (summary.minimum, summary.maximum)
        )
        return f"{low} to {high}"
    if summary.top_values:
        return ", ".join(f"{value} ({count:,})" for value, count in summary.top_values[:3])
    return ""


class DataTab(QWidget):
    """Signals: find_segments_requested(AnalysisSettings); settings_changed().

    Clicking a column header sorts the table: the row order is computed by the tab's own TaskRunner (so a
    sort never cancels an analysis on the session's runner) and shown when ready; the GUI thread never
    waits for it. Call `shutdown()` before the application quits.
    """

    find_segments_requested = Signal(object)
    # The user changed a choice that shapes the segments (columns, missing values, scaling, log scale).
    settings_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._table: LoadedTable | None = None
        self._busy = False
        self._excluded_reasons: dict[str, str] = {}
        self.model = DataFrameModel(parent=self)
        self.sort_runner = TaskRunner(self)
        self.table_view = QTableView()
        self.table_view.setModel(self.model)
        header = self.table_view.horizontalHeader()
        # Not the view's own sorting (it would call model.sort on the GUI thread): the header's clicks
        # move the indicator and the tab sorts on the worker.
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        header.setResizeContentsPrecision(WIDTH_SAMPLE_ROWS)
        header.sortIndicatorChanged.connect(self._sort_requested)
        self.table_view.verticalHeader().setDefaultSectionSize(22)
        self.table_view.setTabKeyNavigation(False)  # Tab moves on to the column list, not cell to cell

        self.columns_tree = QTreeWidget()
        self.columns_tree.setHeaderLabels(["Use", "Column", "Kind", "Missing", "Values"])
        self.columns_tree.setRootIsDecorated(False)
        self.columns_tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.columns_tree.itemChanged.connect(self._column_choice_changed)

        self.leave_out_button = QRadioButton("Leave out customers with missing values")
        self.fill_button = QRadioButton("Fill them in (typical value of the column)")
        self.leave_out_button.setChecked(True)
        self.missing_group = QButtonGroup(self)
        self.missing_group.addButton(self.leave_out_button)
        self.missing_group.addButton(self.fill_button)
        self.missing_group.buttonToggled.connect(self._update_missing_label)
        self.missing_group.buttonToggled.connect(self._missing_choice_changed)
        self.missing_label = QLabel()
        self.missing_label.setWordWrap(True)

        self.scaling_combo = QComboBox()
        for value, label, _ in SCALING_CHOICES:
            self.scaling_combo.addItem(label, value)
        self.scaling_label = QLabel()
        self.scaling_label.setWordWrap(True)
        self.scaling_combo.currentIndexChanged.connect(self._update_scaling_label)
        self.scaling_combo.currentIndexChanged.connect(self.settings_changed)
        self._update_scaling_label()

        self.log_group = QGroupBox("Skewed columns: compare them on a log scale")
        self.log_layout = QVBoxLayout(self.log_group)
        self.log_boxes: dict[str, QCheckBox] = {}

        self.find_button = QPushButton("Find segments")
        self.find_button.setDefault(True)
        self.find_button.setMinimumHeight(36)
        self.find_button.setStyleSheet("font-weight: bold;")
        self.find_button.clicked.connect(self._request_find_segments)

        missing_box = QGroupBox("Missing values")
        missing_layout = QVBoxLayout(missing_box)
        missing_layout.addWidget(self.leave_out_button)
        missing_layout.addWidget(self.fill_button)
        missing_layout.addWidget(self.missing_label)
        scaling_box = QGroupBox("Scaling")
        scaling_layout = QFormLayout(scaling_box)
        scaling_layout.addRow(self.scaling_combo)
        scaling_layout.addRow(self.scaling_label)

        # The column list and the choices below it share the height through a splitter the user can
        # drag; the choices scroll rather than overlap in a small window.
        columns_part = QWidget()
        columns_layout = QVBoxLayout(columns_part)
        columns_layout.setContentsMargins(0, 0, 0, 0)
        columns_layout.addWidget(QLabel("<b>Columns</b> — tick the ones that describe your customers"))
        columns_layout.addWidget(self.columns_tree)
        choices = QWidget()
        choices_layout = QVBoxLayout(choices)
        choices_layout.setContentsMargins(0, 0, 0, 0)
        choices_layout.addWidget(missing_box)
        choices_layout.addWidget(scaling_box)
        choices_layout.addWidget(self.log_group)
        choices_layout.addStretch()
        choices_scroll = QScrollArea()
        choices_scroll.setWidgetResizable(True)
        choices_scroll.setFrameShape(QFrame.Shape.NoFrame)
        choices_scroll.setWidget(choices)
        self.panel_splitter = QSplitter(Qt.Orientation.Vertical)
        self.panel_splitter.addWidget(columns_part)
        self.panel_splitter.addWidget(choices_scroll)
        self.panel_splitter.setStretchFactor(0, 3)
        self.panel_splitter.setStretchFactor(1, 2)
        self.panel_splitter.setChildrenCollapsible(False)
        panel = QWidget()
        panel_layout = QVBoxLayout(panel)
        panel_layout.addWidget(self.panel_splitter, stretch=1)
        self.find_hint = QLabel()  # why Find segments is greyed out, when it is
        self.find_hint.setWordWrap(True)
        button_row = QHBoxLayout()
        button_row.addWidget(self.find_hint, stretch=1)
        button_row.addWidget(self.find_button)
        panel_layout.addLayout(button_row)

        # Where a derived table came from ("Built from 69,659 purchases, ..."); hidden for a file read as is.
        self.source_label = QLabel()
        self.source_label.setWordWrap(True)
        self.source_label.setContentsMargins(6, 4, 6, 4)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.table_view)
        splitter.addWidget(panel)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([3000, 2000])  # proportions: the table gets the larger share from the start
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.source_label)
        layout.addWidget(splitter, stretch=1)
        self.clear()

    # --- public ----------------------------------------------------------------------------------------

    def set_table(self, table: LoadedTable) -> None:
        from core.orders import DEFINITIONS, is_customer_summary
        from core.preparation import default_features

        self._table = table
        self.model.set_frame(table.frame)
        self.table_view.scrollToTop()  # not where the previous file was scrolled to
        self.table_view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table_view.resizeColumnsToContents()  # measures the first rows only, also on huge tables
        choice = default_features(table.report.columns)
        self._excluded_reasons = dict(choice.excluded)
        self.columns_tree.blockSignals(True)
        self.columns_tree.clear()
        for summary in table.report.columns:
            self.columns_tree.addTopLevelItem(self._column_item(summary, summary.name in choice.selected))
        self.columns_tree.blockSignals(False)
        self._refresh_dependent_choices()
        # Where the table came from, and what was left out or corrected on the way (one line each).
        self.source_label.setText("\n".join([table.report.built_from, *table.report.problems]))
        self.source_label.setVisible(bool(table.report.built_from))
        if is_customer_summary(table.frame.columns):
            self.source_label.setToolTip(DEFINITIONS)
            # Purchases and spend are heavily skewed (a few customers buy hundreds of times): the
            # suggested columns start on a log scale.
            for box in self.log_boxes.values():
                box.setChecked(True)

    def set_segments(
        self, labels: np.ndarray | None, names: tuple[str, ...], numbers: tuple[int, ...]
    ) -> None:
        """Show each customer's segment (number · name) in a last table column; None removes it.

        `labels`: one position in `names` and `numbers` per table row (-1 = left out), as in
        `Segmentation.labels`; `numbers` are the segment numbers shown (`Segmentation.numbers`).
        """
        had_column = self.model.segment_column is not None
        self.model.set_segments(labels, names, numbers)
        column = self.model.segment_column
        if column is not None and not had_column:
            self.table_view.resizeColumnToContents(column)

    def shutdown(self) -> None:
        """Wait for a running sort to end (call on quit, like the session's shutdown)."""
        self.sort_runner.shutdown()

    def clear(self) -> None:
        self._table = None
        self.model.set_frame(None)
        self.columns_tree.clear()
        self._rebuild_log_boxes(())
        self.missing_label.clear()
        self.source_label.clear()
        self.source_label.setVisible(False)
        self._update_find_button()

    def selected_features(self) -> tuple[str, ...]:
        items = (self.columns_tree.topLevelItem(i) for i in range(self.columns_tree.topLevelItemCount()))
        return tuple(
            item.text(NAME_COLUMN) for item in items if item.checkState(USE_COLUMN) == Qt.CheckState.Checked
        )

    def set_feature_used(self, name: str, used: bool) -> None:
        for item in self.columns_tree.findItems(name, Qt.MatchFlag.MatchExactly, NAME_COLUMN):
            item.setCheckState(USE_COLUMN, Qt.CheckState.Checked if used else Qt.CheckState.Unchecked)

    def analysis_settings(self) -> AnalysisSettings:
        from core.pipeline import AnalysisSettings
        from core.preparation import MissingPolicy, Scaling

        return AnalysisSettings(
            features=self.selected_features(),
            scaling=Scaling(self.scaling_combo.currentData()),
            missing=MissingPolicy.FILL if self.fill_button.isChecked() else MissingPolicy.DROP,
            log_columns=tuple(name for name, box in self.log_boxes.items() if box.isChecked()),
        )

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        self._update_find_button()

    def _update_find_button(self) -> None:
        features = bool(self.selected_features())
        self.find_button.setEnabled(not self._busy and self._table is not None and features)
        if self._table is not None and not features:
            usable = any(summary.minimum is not None for summary in self._table.report.columns)
            self.find_hint.setText(
                "Tick at least one column to find segments."
                if usable
                else "This file has no column of numbers to compare customers by (such as spending or "
                "visits): tick a category, or open a file with numbers."
            )
        else:
            self.find_hint.clear()

    # --- private ---------------------------------------------------------------------------------------

    def _sort_requested(self, column: int, order: Qt.SortOrder) -> None:
        keys = self.model.sort_keys(column)
        if keys is None:
            return
        frame = self.model.frame
        ascending = order == Qt.SortOrder.AscendingOrder

        def apply(permutation: np.ndarray) -> None:
            if self.model.frame is frame:  # a table opened meanwhile has its own order
                self.model.apply_order(permutation)

        name = self.model.headerData(column, Qt.Orientation.Horizontal)
        self.sort_runner.run(
            lambda _hooks: sort_permutation(keys, ascending), apply, description=f"sorting by '{name}'"
        )

    def _column_item(self, summary: ColumnSummary, used: bool) -> QTreeWidgetItem:
        item = QTreeWidgetItem(
            ["", summary.name, str(summary.kind), f"{summary.missing:,}", describe_values(summary)]
        )
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(USE_COLUMN, Qt.CheckState.Checked if used else Qt.CheckState.Unchecked)
        item.setTextAlignment(MISSING_COLUMN, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        reason = self._excluded_reasons.get(summary.name)
        tooltip = f"Not used by default: {reason}." if reason else f"Used by default. {summary.reason}"
        for column in range(5):
            item.setToolTip(column, tooltip)
        return item

    def _column_choice_changed(self, item: QTreeWidgetItem, column: int) -> None:
        if column == USE_COLUMN:
            self._refresh_dependent_choices()
            self.settings_changed.emit()

    def _missing_choice_changed(self, _button, checked: bool) -> None:
        if checked:
            self.settings_changed.emit()

    def _refresh_dependent_choices(self) -> None:
        from core.preparation import suggest_log_columns

        if self._table is None:
            return
        features = self.selected_features()
        self._rebuild_log_boxes(suggest_log_columns(self._table.report.columns, features))
        self._update_missing_label()
        self._update_find_button()

    def _rebuild_log_boxes(self, columns: tuple[str, ...]) -> None:
        kept = {name for name, box in self.log_boxes.items() if box.isChecked()}
        for box in self.log_boxes.values():
            box.deleteLater()
        self.log_boxes = {}
        for name in columns:
            box = QCheckBox(name)
            box.setChecked(name in kept)
            box.toggled.connect(self.settings_changed)
            box.setToolTip(
                f"A few customers have much larger '{name}' values than most; on a log scale they do "
                "not pull the segments towards themselves."
            )
            self.log_layout.addWidget(box)
            self.log_boxes[name] = box
        self.log_group.setVisible(bool(columns))

    def _update_missing_label(self, *_args) -> None:
        from core.preparation import missing_impact

        if self._table is None:
            return
        impact = missing_impact(self._table.frame, self.selected_features(), self._table.report.columns)
        rows = impact.rows_with_missing
        if rows == 0:
            text = "No customer has a missing value in the chosen columns."
        elif self.fill_button.isChecked():
            filled = sum(impact.cells_missing.values())
            text = f"{rows:,} customers have missing values; {filled:,} values will be filled in."
        else:
            text = f"{rows:,} customers have a missing value and will be left out."
        self.missing_label.setText(text)

    def _update_scaling_label(self, *_args) -> None:
        self.scaling_label.setText(SCALING_CHOICES[self.scaling_combo.currentIndex()][2])

    def _request_find_segments(self) -> None:
        if self._table is not None:
            self.find_segments_requested.emit(self.analysis_settings())
