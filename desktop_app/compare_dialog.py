"""Compare two segmentations: the segments on screen against another number of segments, another way of
grouping, or a saved project on the same customer file.

The other segmentation is fitted (or the project reopened) and compared with `core.comparison` on the
session's one TaskRunner, so progress, Cancel and error messages appear in the main window as for every
other task. The dialog shows the cross-table (customers in both, and the share of each row's segment;
matched segments in bold), the agreement in words with the adjusted Rand index in a details line, and
how many customers moved, which it exports as a list (never over the customer file).
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.clustering import MAX_K
from core.methods import DEFAULT_METHOD, METHODS

if TYPE_CHECKING:
    import pandas as pd

    from core.comparison import Comparison
    from core.pipeline import Segmentation
    from desktop_app.session import AnalysisSession
    from desktop_app.worker import TaskHooks

HEADER_LINE_LENGTH = 16  # characters per line of a column's heading
PROJECT_FILTER = "Segment Studio project (*.segproj);;All files (*)"
TABLE_FILTERS = {"CSV file (*.csv)": ".csv", "Excel workbook (*.xlsx)": ".xlsx"}
MATCHED_BACKGROUND = "#fff1c7"  # light amber: readable with the default text colour in both themes
INTRO = (
    "Would other choices give other segments? Compare the segments shown now with another number of "
    "segments, another way of grouping or a saved project, and see where their customers go."
)
TABLE_HELP = (
    "Rows: the segments shown now. Columns: the other segmentation's segments. Each cell counts the "
    "customers in both, with the share of the row's segment; the segments that correspond to each other "
    "are in bold."
)


@dataclass(frozen=True)
class ComparedSegmentations:
    """What a comparison task hands back: the comparison and the list of customers who moved."""

    comparison: Comparison
    first_numbers: tuple[int, ...]  # the segment number the user sees, per row of the cross-table
    second_numbers: tuple[int, ...]  # per column
    moved: pd.DataFrame  # the moved customers with their columns and both segments' names


class CompareDialog(QDialog):
    """A non-modal window: the main window's status bar (progress, Cancel) stays usable beside it.

    Signal: compared(ComparedSegmentations), once a comparison is on screen."""

    compared = Signal(object)

    def __init__(
        self,
        session: AnalysisSession,
        ask_save_path: Callable[[str, str, dict[str, str]], Path | None],
        last_folder: Callable[[], str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self._ask_save_path = ask_save_path
        self._last_folder = last_folder
        self.result: ComparedSegmentations | None = None
        self.project_path: Path | None = None
        self.setWindowTitle("Compare two segmentations")
        self.resize(860, 600)

        intro = QLabel(INTRO)
        intro.setWordWrap(True)
        self.current_label = QLabel()
        self.current_label.setWordWrap(True)

        self.k_button = QRadioButton("Another number of segments:")
        self.k_spin = QSpinBox()
        self.k_spin.setAccessibleName("Number of segments to compare with")
        self.k_spin.setRange(1, MAX_K)
        self.method_button = QRadioButton("Another way of grouping:")
        self.method_combo = QComboBox()
        self.method_combo.setAccessibleName("Way of grouping to compare with")
        for method in METHODS.values():
            self.method_combo.addItem(method.title, method.name)
            self.method_combo.setItemData(
                self.method_combo.count() - 1, method.when_to_use, Qt.ItemDataRole.ToolTipRole
            )
        self.method_combo.setCurrentIndex(max(0, self.method_combo.findData(DEFAULT_METHOD)))
        self.method_k_spin = QSpinBox()
        self.method_k_spin.setAccessibleName("Number of segments for that way of grouping")
        self.method_k_spin.setRange(1, MAX_K)
        self.method_k_label = QLabel("segments")
        self.method_combo.currentIndexChanged.connect(self._method_changed)
        self.project_button = QRadioButton("A saved project:")
        self.project_label = QLabel("none chosen")
        self.choose_project_button = QPushButton("Choose…")
        self.choose_project_button.setToolTip("A project saved on the same customer file")
        self.choose_project_button.clicked.connect(self.choose_project)
        self.choice_group = QButtonGroup(self)
        for button in (self.k_button, self.method_button, self.project_button):
            self.choice_group.addButton(button)
        self.k_button.setChecked(True)
        self.choice_group.buttonToggled.connect(self._update_buttons)
        self.k_spin.valueChanged.connect(lambda _value: self.k_button.setChecked(True))
        self.method_k_spin.valueChanged.connect(lambda _value: self.method_button.setChecked(True))
        self.method_combo.activated.connect(lambda _index: self.method_button.setChecked(True))
        self.compare_button = QPushButton("Compare")
        self.compare_button.setDefault(True)
        self.compare_button.clicked.connect(self.compare)

        choices = QGridLayout()
        choices.addWidget(self.k_button, 0, 0)
        k_row = QHBoxLayout()
        k_row.addWidget(self.k_spin)
        k_row.addStretch()
        choices.addLayout(k_row, 0, 1)
        choices.addWidget(self.method_button, 1, 0)
        method_row = QHBoxLayout()
        method_row.addWidget(self.method_combo)
        method_row.addWidget(QLabel("with"))
        method_row.addWidget(self.method_k_spin)
        method_row.addWidget(self.method_k_label)
        method_row.addStretch()
        choices.addLayout(method_row, 1, 1)
        choices.addWidget(self.project_button, 2, 0)
        project_row = QHBoxLayout()
        project_row.addWidget(self.choose_project_button)
        project_row.addWidget(self.project_label, stretch=1)
        choices.addLayout(project_row, 2, 1)
        choices.setColumnStretch(1, 1)
        compare_row = QHBoxLayout()
        compare_row.addStretch()
        compare_row.addWidget(self.compare_button)
        choice_box = QGroupBox("Compare the segments shown now with")
        choice_layout = QVBoxLayout(choice_box)
        choice_layout.addWidget(self.current_label)
        choice_layout.addLayout(choices)
        choice_layout.addLayout(compare_row)

        self.sentence_label = QLabel()
        self.sentence_label.setWordWrap(True)
        self.sentence_label.setTextFormat(Qt.TextFormat.PlainText)
        bold = self.sentence_label.font()
        bold.setBold(True)
        self.sentence_label.setFont(bold)
        self.details_label = QLabel()
        self.details_label.setWordWrap(True)
        self.details_label.setEnabled(False)  # greyed: the number for specialists
        self.table_help = QLabel(TABLE_HELP)
        self.table_help.setWordWrap(True)
        self.cross_table = QTableWidget()
        self.cross_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.cross_table.setTabKeyNavigation(False)
        self.cross_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.cross_table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.moved_label = QLabel()
        self.moved_label.setWordWrap(True)
        self.export_button = QPushButton("Export the customers who moved…")
        self.export_button.setToolTip(
            "Save the customers who are in non-corresponding segments, with their columns and both segments "
            "(CSV or Excel); your customer file is never changed"
        )
        self.export_button.clicked.connect(self.export_moved)
        result_box = QGroupBox("How far they agree")
        result_layout = QVBoxLayout(result_box)
        result_layout.addWidget(self.sentence_label)
        result_layout.addWidget(self.details_label)
        result_layout.addWidget(self.table_help)
        result_layout.addWidget(self.cross_table, stretch=1)
        moved_row = QHBoxLayout()
        moved_row.addWidget(self.moved_label, stretch=1)
        moved_row.addWidget(self.export_button)
        result_layout.addLayout(moved_row)

        close_buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close_buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(choice_box)
        layout.addWidget(result_box, stretch=1)
        layout.addWidget(close_buttons)

        session.segmentation_changed.connect(self._segments_changed)
        session.results_cleared.connect(self.use_current_segments)
        session.busy_changed.connect(self._update_buttons)
        self._method_changed()
        self.use_current_segments()

    # --- choices ---------------------------------------------------------------------------------------

    def use_current_segments(self) -> None:
        """Follow the segments on screen: say which they are and forget a comparison made with others."""
        segmentation = self.session.segmentation
        self._clear_result()
        if segmentation is None:
            self.current_label.setText("There are no segments yet: find segments in the main window first.")
        else:
            self.current_label.setText(f"The segments shown now: {_segments_in_words(segmentation)}.")
            limit = self._k_limit()
            for spin in (self.k_spin, self.method_k_spin):
                spin.setMaximum(limit)
            other_k = segmentation.k + 1 if segmentation.k < limit else max(1, segmentation.k - 1)
            self.k_spin.setValue(other_k)
            self.method_k_spin.setValue(segmentation.k)
            others = [name for name in METHODS if name != segmentation.method]
            if others:  # "another way of grouping" starts at one that is not the one shown
                self.method_combo.setCurrentIndex(self.method_combo.findData(others[0]))
            self.k_button.setChecked(True)
            # Another number of segments means another number for the method shown, if it takes one.
            self.k_button.setEnabled(METHODS[segmentation.method].takes_k)
            if not self.k_button.isEnabled():
                self.method_button.setChecked(True)
        self._update_buttons()

    def _segments_changed(self, segmentation: Segmentation) -> None:
        shown = self.result is not None and self._compared_labels is segmentation.labels
        if shown:  # renamed segments: the same customers, the comparison still holds
            return
        self.use_current_segments()

    def _k_limit(self) -> int:
        prepared = self.session.prepared
        rows = len(prepared.row_positions) if prepared is not None else MAX_K
        return max(1, min(MAX_K, rows))

    def _method_changed(self, *_args) -> None:
        method = METHODS[self.method_combo.currentData()]
        for widget in (self.method_k_spin, self.method_k_label):
            widget.setEnabled(method.takes_k)

    def choose_project(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Choose a saved project", self._last_folder(), PROJECT_FILTER
        )
        if path:
            self.set_project(path)

    def set_project(self, path: str | Path) -> None:
        self.project_path = Path(path)
        self.project_label.setText(self.project_path.name)
        self.project_label.setToolTip(str(self.project_path))
        self.project_button.setChecked(True)
        self._update_buttons()

    # --- comparing -------------------------------------------------------------------------------------

    def compare(self) -> None:
        """Fit or reopen the other segmentation and compare, on the session's worker."""
        session = self.session
        table, prepared, settings, segmentation = (
            session.table, session.prepared, session.settings, session.segmentation
        )
        if table is None or prepared is None or settings is None or segmentation is None:
            return
        column_labels = dict(session.column_labels)
        current_title = f"The segments shown now ({segmentation.k})"
        if self.project_button.isChecked():
            if self.project_path is None:
                self.choose_project()
                return
            project_path = self.project_path

            def other(hooks: TaskHooks) -> tuple[Segmentation, str]:
                from core.project import saved_segments_on

                saved = saved_segments_on(project_path, table, progress=hooks.progress, cancel=hooks.cancel)
                return saved, f"the project {project_path.name}"
        else:
            # Another number of segments: the same method with the same settings; another method: its
            # own default settings.
            same_method = self.k_button.isChecked()
            method = METHODS[segmentation.method if same_method else self.method_combo.currentData()]
            options = settings.method_options if method.name == settings.method else {}
            k = self.k_spin.value() if same_method else self.method_k_spin.value()

            def other(hooks: TaskHooks) -> tuple[Segmentation, str]:
                from core.pipeline import fit_segmentation

                fitted = fit_segmentation(
                    table.frame, prepared, k, seed=settings.seed, method=method.name, method_options=options,
                    columns=table.report.columns, column_labels=column_labels, progress=hooks.progress,
                    cancel=hooks.cancel,
                )
                return fitted, f"{method.title} with {fitted.k} segments"

        def run(hooks: TaskHooks) -> ComparedSegmentations:
            from core.comparison import compare_segmentations, moved_customers

            second, second_title = other(hooks)
            first_names, second_names = segmentation.names, second.names
            comparison = compare_segmentations(
                segmentation.labels, second.labels, first_names, second_names,
                first_title=current_title, second_title=second_title,
            )
            moved = moved_customers(
                table.frame, comparison, segmentation.labels, second.labels, first_names, second_names
            )
            return ComparedSegmentations(
                comparison,
                tuple(profile.number for profile in segmentation.profiles),
                tuple(profile.number for profile in second.profiles),
                moved,
            )

        labels = segmentation.labels
        self.session.runner.run(
            run, lambda result: self._show(result, labels), description="comparing the segmentations"
        )

    def _show(self, result: ComparedSegmentations, labels) -> None:
        if self.session.segmentation is None or self.session.segmentation.labels is not labels:
            return  # the segments changed while the comparison ran: it no longer describes them
        self.result, self._compared_labels = result, labels
        comparison = result.comparison
        self.sentence_label.setText(comparison.sentence)
        self.details_label.setText(
            f"Details: adjusted Rand index {comparison.adjusted_rand:.2f} (1: the same grouping, 0: no "
            f"better than chance); {comparison.compared:,} customers compared."
        )
        self._fill_table(result)
        moved = len(result.moved)
        share = moved / comparison.compared if comparison.compared else 0.0
        self.moved_label.setText(
            f"{moved:,} customers ({share:.0%} of those compared) moved: they are in a segment that does not "
            "correspond to their segment now."
            if moved else "No customer moved: every customer is in corresponding segments."
        )
        for widget in (self.sentence_label, self.details_label, self.table_help, self.cross_table):
            widget.setVisible(True)
        self._update_buttons()
        self.compared.emit(result)

    def _fill_table(self, result: ComparedSegmentations) -> None:
        comparison = result.comparison
        counts, shares = comparison.counts, comparison.shares
        table = self.cross_table
        table.clear()
        table.setRowCount(len(counts.index))
        table.setColumnCount(len(counts.columns))
        table.setVerticalHeaderLabels(
            [f"{number} {name}" for number, name in zip(result.first_numbers, counts.index, strict=True)]
        )
        # Names on short lines under their number, so that several columns fit the window's width.
        table.setHorizontalHeaderLabels(
            [
                f"{number}\n{textwrap.fill(name, HEADER_LINE_LENGTH)}"
                for number, name in zip(result.second_numbers, counts.columns, strict=True)
            ]
        )
        bold = QFont(table.font())
        bold.setBold(True)
        for row, first_name in enumerate(counts.index):
            matched = comparison.matches.get(first_name)
            for column, second_name in enumerate(counts.columns):
                count = int(counts.iat[row, column])
                share = float(shares.iat[row, column])
                item = QTableWidgetItem(f"{count:,} ({share:.0%})")
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                item.setToolTip(
                    f"{count:,} customers of segment {result.first_numbers[row]} ({first_name}) are in "
                    f"segment {result.second_numbers[column]} ({second_name}) of {comparison.second_title}: "
                    f"{share:.0%} of the segment."
                )
                if second_name == matched:
                    item.setFont(bold)
                    item.setBackground(QBrush(QColor(MATCHED_BACKGROUND)))
                    item.setForeground(QBrush(QColor("black")))
                table.setItem(row, column, item)

    # --- export ----------------------------------------------------------------------------------------

    def export_moved(self) -> None:
        if self.result is None or self.session.table is None:
            return
        source = Path(self.session.table.report.path)
        path = self._ask_save_path(
            "Export the customers who moved", f"{source.stem}_moved.csv", TABLE_FILTERS
        )
        if path is not None:
            self.session.export_table(path, self.result.moved, protected=source)

    # --- state -----------------------------------------------------------------------------------------

    def _clear_result(self) -> None:
        self.result = None
        self._compared_labels = None
        self.cross_table.clear()
        self.cross_table.setRowCount(0)
        self.cross_table.setColumnCount(0)
        for widget in (self.sentence_label, self.details_label, self.table_help, self.cross_table):
            widget.setVisible(False)
        self.moved_label.setText("Choose what to compare with, then press Compare.")
        self._update_buttons()

    def _update_buttons(self, *_args) -> None:
        idle = not self.session.is_busy
        has_segments = self.session.segmentation is not None
        needs_project = self.project_button.isChecked() and self.project_path is None
        self.compare_button.setEnabled(idle and has_segments)
        self.compare_button.setText("Choose a project and compare…" if needs_project else "Compare")
        self.export_button.setEnabled(idle and self.result is not None and len(self.result.moved) > 0)


def _segments_in_words(segmentation: Segmentation) -> str:
    names = ", ".join(f"{profile.number} {profile.name}" for profile in segmentation.profiles)
    return f"{segmentation.k} segments ({names})"
