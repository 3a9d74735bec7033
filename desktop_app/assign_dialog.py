"""Assign New Customers: place the customers of another file into the segments, show and export the result.

The segments come from the current analysis (a segment model is built from it on the worker) or from a
model file saved with Export Segment Model. The customer file goes through the usual import preview.
Its columns are matched to the model's by name; when some are missing, ColumnMappingDialog lets the
user pick the file's column for each. Loading, matching and assigning run on the session's one
TaskRunner, so progress, Cancel and error messages appear in the main window as for every other task.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.dataframe_model import DataFrameModel

if TYPE_CHECKING:
    import pandas as pd

    from core.loading import LoadedTable
    from core.pipeline import AnalysisResult
    from core.segment_model import Assignment, ColumnMatch, SegmentModel
    from desktop_app.import_dialog import ImportDialog
    from desktop_app.session import AnalysisSession
    from desktop_app.worker import TaskHooks

OPEN_FILTER = "Customer tables (*.csv *.tsv *.txt *.xlsx *.xlsm *.xls);;All files (*)"
MODEL_FILTER = "Segment model (*.json);;All files (*)"
TABLE_FILTERS = {"CSV file (*.csv)": ".csv", "Excel workbook (*.xlsx)": ".xlsx"}
CHOOSE_COLUMN = "(choose a column)"


class ColumnMappingDialog(QDialog):
    """One combo per model column, listing the file's columns; `mapping()` is the user's choice."""

    def __init__(
        self,
        features: Sequence[str],
        columns: Sequence[str],
        matched: Mapping[str, str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Match the columns")
        intro = QLabel(
            "The segments were made from columns this file does not have under the same names. "
            "For each one, choose the file's column that holds the same information."
        )
        intro.setWordWrap(True)
        self.combos: dict[str, QComboBox] = {}
        form = QFormLayout()
        for feature in features:
            combo = QComboBox()
            combo.addItem(CHOOSE_COLUMN, None)
            for column in columns:
                combo.addItem(column, column)
            if feature in matched:
                combo.setCurrentIndex(combo.findData(matched[feature]))
            combo.currentIndexChanged.connect(self._update_ok)
            self.combos[feature] = combo
            form.addRow(f"{feature}:", combo)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Assign")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self._update_ok()

    def mapping(self) -> dict[str, str]:
        """Model column -> the file's column, for every model column that has one chosen."""
        return {feature: combo.currentData() for feature, combo in self.combos.items() if combo.currentData()}

    def _update_ok(self, *_args) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(
            len(self.mapping()) == len(self.combos)
        )


class AssignDialog(QDialog):
    """A non-modal window: the main window's status bar (progress, Cancel) stays usable beside it.

    Signal: assigned(Assignment), once the result is on screen."""

    assigned = Signal(object)

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
        self.model: SegmentModel | None = None  # the segments customers are placed in, once known
        self._current: AnalysisResult | None = None  # the analysis to build `model` from, when it is not yet
        self.customers: LoadedTable | None = None
        self.assignment: Assignment | None = None
        self.result_frame: pd.DataFrame | None = None
        self.import_dialog: ImportDialog | None = None
        self.mapping_dialog: ColumnMappingDialog | None = None
        self.setWindowTitle("Assign new customers")
        self.resize(900, 600)

        self.segments_label = QLabel()
        self.segments_label.setWordWrap(True)
        self.current_button = QPushButton("Use the current segments")
        self.current_button.clicked.connect(self.use_current_segments)
        self.open_model_button = QPushButton("Open model…")
        self.open_model_button.setToolTip("A model file saved with File > Export Segment Model")
        self.open_model_button.clicked.connect(self.choose_model_file)
        self.customers_label = QLabel("No customer file chosen yet.")
        self.customers_label.setWordWrap(True)
        self.open_customers_button = QPushButton("Choose customer file…")
        self.open_customers_button.clicked.connect(self.choose_customer_file)
        self.summary_label = QLabel()
        self.summary_label.setWordWrap(True)
        self.table_model = DataFrameModel(parent=self)
        self.table_view = QTableView()
        self.table_view.setModel(self.table_model)
        self.table_view.verticalHeader().setDefaultSectionSize(22)  # as compact as the Data tab's table
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Save the customers with their segments (CSV or Excel)")
        self.export_button.clicked.connect(self.export_result)
        close_buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close_buttons.rejected.connect(self.close)

        segments_box = QGroupBox("1. Segments")
        segments_layout = QHBoxLayout(segments_box)
        segments_layout.addWidget(self.segments_label, stretch=1)
        segments_layout.addWidget(self.current_button)
        segments_layout.addWidget(self.open_model_button)
        customers_box = QGroupBox("2. New customers")
        customers_layout = QHBoxLayout(customers_box)
        customers_layout.addWidget(self.customers_label, stretch=1)
        customers_layout.addWidget(self.open_customers_button)
        result_box = QGroupBox("3. Result")
        result_layout = QVBoxLayout(result_box)
        result_layout.addWidget(self.summary_label)
        result_layout.addWidget(self.table_view, stretch=1)
        export_row = QHBoxLayout()
        export_row.addStretch()
        export_row.addWidget(self.export_button)
        result_layout.addLayout(export_row)
        layout = QVBoxLayout(self)
        layout.addWidget(segments_box)
        layout.addWidget(customers_box)
        layout.addWidget(result_box, stretch=1)
        layout.addWidget(close_buttons)

        session.segmentation_changed.connect(self._segments_changed)
        session.busy_changed.connect(self._update_buttons)
        self._clear_result()

    # --- segments --------------------------------------------------------------------------------------

    def use_current_segments(self) -> None:
        """Place customers in the analysis on screen (kept when there is none, such as an opened model)."""
        result = self.session.analysis_result()
        if result is None:
            if self.model is None:
                self.segments_label.setText(
                    "There are no segments yet. Open a model file, or find segments in the main window first."
                )
            self._update_buttons()
            return
        self._current, self.model = result, None
        source = Path(self.session.table.report.path).name
        self.segments_label.setText(
            f"The {result.segmentation.k} segments found in {source}: {', '.join(result.segmentation.names)}."
        )
        self._clear_result()

    def _segments_changed(self, _segmentation) -> None:
        if self._current is not None:  # following the analysis on screen (new k, a renamed segment)
            self.use_current_segments()

    def choose_model_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open segment model", self._last_folder(), MODEL_FILTER)
        if path:
            self.open_model_file(path)

    def open_model_file(self, path: str | Path) -> None:
        path = Path(path)

        def load(hooks: TaskHooks) -> SegmentModel:
            self.session.import_modules(analysis=True)
            from core.segment_model import load_segment_model

            return load_segment_model(path)

        self.session.runner.run(
            load, lambda model: self._model_opened(model, path), description=f"opening {path.name}"
        )

    def _model_opened(self, model: SegmentModel, path: Path) -> None:
        self._current, self.model = None, model
        self.segments_label.setText(
            f"The {model.k} segments of the model {path.name}: {', '.join(model.names)}."
        )
        self._clear_result()
        if self.customers is not None:
            self.assign()

    # --- customers -------------------------------------------------------------------------------------

    def choose_customer_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open new customers", self._last_folder(), OPEN_FILTER)
        if path:
            self.preview_customer_file(path)

    def preview_customer_file(self, path: str | Path) -> None:
        """The import preview; its Open button loads the file on the worker and assigns the customers."""
        from desktop_app.import_dialog import ImportDialog

        path = Path(path)
        dialog = ImportDialog(path, self)
        dialog.accepted.connect(lambda: self.open_customer_file(path, dialog.options()))
        dialog.finished.connect(dialog.deleteLater)
        self.import_dialog = dialog
        dialog.open()

    def open_customer_file(self, path: str | Path, options=None) -> None:
        path = Path(path)

        def load(hooks: TaskHooks) -> LoadedTable:
            self.session.import_modules(analysis=False)
            from core.loading import load_table

            return load_table(path, options, progress=hooks.progress, cancel=hooks.cancel)

        self.session.runner.run(load, self._customers_loaded, description=f"opening {path.name}")

    def _customers_loaded(self, table: LoadedTable) -> None:
        self.customers = table
        report = table.report
        self.customers_label.setText(
            f"{Path(report.path).name}: {report.rows:,} customers, {len(report.columns)} columns."
        )
        self._clear_result()
        if self._current is not None or self.model is not None:
            self.assign()

    # --- assigning -------------------------------------------------------------------------------------

    def assign(self, mapping: Mapping[str, str] | None = None) -> None:
        """Match the columns and place the customers; asks for the columns it cannot match by name."""
        if self.customers is None or (self._current is None and self.model is None):
            return
        model, current, frame = self.model, self._current, self.customers.frame

        def place(hooks: TaskHooks):
            self.session.import_modules(analysis=True)
            from core.segment_model import (
                assign_customers,
                assignment_frame,
                build_segment_model,
                match_columns,
            )

            used = model if model is not None else build_segment_model(current)
            match = match_columns(used, frame.columns, mapping)
            if not match.complete:
                return used, match, None
            assignment = assign_customers(
                used, frame, match.mapping, progress=hooks.progress, cancel=hooks.cancel
            )
            return used, match, (assignment, assignment_frame(frame, assignment))

        self.session.runner.run(place, self._placed, description="assigning the new customers")

    def _placed(self, outcome: tuple[SegmentModel, ColumnMatch, tuple | None]) -> None:
        self.model, match, placed = outcome
        if placed is None:
            self._ask_for_columns(match)
            return
        self.assignment, self.result_frame = placed
        self.table_model.set_frame(self.result_frame)
        self.table_view.resizeColumnsToContents()
        self.summary_label.setText(assignment_text(self.assignment))
        self._update_buttons()
        self.assigned.emit(self.assignment)

    def _ask_for_columns(self, match: ColumnMatch) -> None:
        columns = [str(column) for column in self.customers.frame.columns]
        dialog = ColumnMappingDialog(self.model.features, columns, match.mapping, self)
        dialog.accepted.connect(lambda: self.assign(dialog.mapping()))
        dialog.finished.connect(dialog.deleteLater)
        self.mapping_dialog = dialog
        dialog.open()

    # --- export ----------------------------------------------------------------------------------------

    def export_result(self) -> None:
        if self.result_frame is None or self.customers is None:
            return
        source = Path(self.customers.report.path)
        path = self._ask_save_path("Export assigned customers", f"{source.stem}_segments.csv", TABLE_FILTERS)
        if path is not None:
            self.session.export_table(path, self.result_frame, protected=source)

    # --- state -----------------------------------------------------------------------------------------

    def _clear_result(self) -> None:
        self.assignment = self.result_frame = None
        self.table_model.set_frame(None)
        self.summary_label.setText(
            "Choose the segments and a file of new customers; each customer is placed in the nearest segment."
        )
        self._update_buttons()

    def _update_buttons(self, *_args) -> None:
        idle = not self.session.is_busy
        self.current_button.setEnabled(idle and self.session.segmentation is not None)
        self.open_model_button.setEnabled(idle)
        self.open_customers_button.setEnabled(idle)
        self.export_button.setEnabled(idle and self.result_frame is not None)


def assignment_text(assignment: Assignment) -> str:
    """How many customers went where, in plain words (HTML for the dialog's summary)."""
    counts = assignment.counts()
    lines = [f"<b>{name}</b>: {count:,}" for name, count in counts.items()]
    not_fitting = int(assignment.not_fitting.sum())
    lines.append(
        f"<b>Does not fit any segment</b>: {not_fitting:,} (farther from every segment than almost all "
        "of the customers the segments were made from; each is still shown with its nearest segment)"
    )
    left_out = int(assignment.left_out.sum())
    if left_out:
        lines.append(f"<b>Not placed (missing values)</b>: {left_out:,}")
    return f"{len(assignment.labels):,} customers placed:<br>" + "<br>".join(lines)
