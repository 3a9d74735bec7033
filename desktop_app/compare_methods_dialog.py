"""Compare methods: run two or more ways of grouping on the same prepared customers and see them side by
side (sizes, separation on the same sample, who went where, the agreement in words), then keep one.

The comparison itself is `core.method_comparison.compare_methods`, run by the session on its worker
(progress and Cancel here and in the main window). Keeping a result makes it the current segments; the
other results are dropped with the dialog's comparison.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.dataframe_model import DataFrameModel

if TYPE_CHECKING:
    from core.method_comparison import MethodChoice, MethodComparison, MethodResult
    from desktop_app.session import AnalysisSession

INTRO = (
    "Group the same customers, by the same columns, in other ways and see how the answers differ. "
    "Tick two or more ways, then press Compare. Keep the one you like: the others are discarded."
)
TICK_TWO = "Tick at least two ways to compare them."
CROSS_CORNER = "Segments ↓ went to →"
GUIDE_WIDTH = 340
CROSS_HEADER_CHARACTERS = 16
SEPARATION_NOTE = (
    "Separation (silhouette, -1 to 1; higher: customers sit more clearly in their own segment) is "
    "measured on the same {sample:,} customers for every way; unusual customers are not counted."
)
RAND_NOTE = (
    "Details: adjusted Rand index {rand:.2f} (1: the same grouping; 0: no closer than chance), over "
    "{compared:,} customers."
)


class CompareMethodsDialog(QDialog):
    """Non-modal: the window stays usable while the methods run on the session's worker."""

    def __init__(self, session: AnalysisSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from core.methods import METHODS

        self.setWindowTitle("Compare ways of grouping")
        self.resize(960, 720)
        self.session = session
        self.comparison: MethodComparison | None = None
        self._waiting = False  # a comparison asked for here is running
        self._current: str | None = None  # the method of the segments shown: the others compare with it

        intro = QLabel(INTRO)
        intro.setWordWrap(True)
        choices_box = QGroupBox("Ways to compare")
        grid = QGridLayout(choices_box)
        self.method_checks: dict[str, QCheckBox] = {}
        self.k_spins: dict[str, QSpinBox] = {}
        for row, method in enumerate(METHODS.values()):
            check = QCheckBox(method.title)
            check.setToolTip(method.when_to_use)
            check.toggled.connect(self._update_compare_button)
            grid.addWidget(check, row, 0)
            self.method_checks[method.name] = check
            if method.takes_k:
                spin = QSpinBox()
                spin.setAccessibleName(f"Number of segments for {method.title}")
                spin.setRange(1, 30)
                spin.setSuffix(" segments")
                grid.addWidget(spin, row, 1)
                self.k_spins[method.name] = spin
            else:
                grid.addWidget(QLabel("finds the number itself"), row, 1)
            when = QLabel(method.when_to_use)
            when.setWordWrap(True)
            grid.addWidget(when, row, 2)
        grid.setColumnStretch(2, 1)

        self.compare_button = QPushButton("Compare")
        self.compare_button.setDefault(True)
        self.compare_button.clicked.connect(self.compare)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop comparing; the segments you have stay as they are")
        self.cancel_button.clicked.connect(session.cancel)
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        run_row = QHBoxLayout()
        run_row.addWidget(self.compare_button)
        run_row.addWidget(self.progress_bar)
        run_row.addWidget(self.cancel_button)
        run_row.addWidget(self.status_label, stretch=1)

        # The results, once compared.
        self.overview_model = DataFrameModel(parent=self)
        self.overview_view = QTableView()
        self.overview_view.setModel(self.overview_model)
        self.overview_view.verticalHeader().hide()
        self.overview_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.separation_label = QLabel()
        self.separation_label.setWordWrap(True)
        self.pair_combo = QComboBox()
        self.pair_combo.setAccessibleName("Compared with")
        self.pair_combo.currentIndexChanged.connect(self._show_pair)
        self.agreement_label = QLabel()
        self.agreement_label.setWordWrap(True)
        font = self.agreement_label.font()
        font.setBold(True)
        self.agreement_label.setFont(font)
        self.cross_model = DataFrameModel(parent=self)
        self.cross_view = QTableView()
        self.cross_view.setModel(self.cross_model)
        self.cross_view.verticalHeader().hide()
        self.cross_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.details_button = QPushButton("Details")
        self.details_button.setCheckable(True)
        self.details_label = QLabel()
        self.details_label.setWordWrap(True)
        self.details_label.hide()
        self.details_button.toggled.connect(self.details_label.setVisible)
        self.guide_label = QLabel()
        self.guide_label.setWordWrap(True)
        self.guide_label.setTextFormat(Qt.TextFormat.RichText)
        self.guide_label.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.guide_label.setMinimumWidth(GUIDE_WIDTH)
        self.guide_label.setMaximumWidth(GUIDE_WIDTH)
        self.keep_row = QHBoxLayout()
        self.keep_row.addWidget(QLabel("<b>Keep one:</b>"))
        self.keep_row.addStretch()
        self.keep_buttons: list[QPushButton] = []

        pair_row = QHBoxLayout()
        pair_row.addWidget(QLabel("Who went where:"))
        pair_row.addWidget(self.pair_combo, stretch=1)
        pair_row.addWidget(self.details_button)
        self.results = QWidget()
        who_went_where = QVBoxLayout()
        who_went_where.addLayout(pair_row)
        who_went_where.addWidget(self.agreement_label)
        who_went_where.addWidget(self.cross_view, stretch=1)
        who_went_where.addWidget(self.details_label)
        below = QHBoxLayout()
        below.addLayout(who_went_where, stretch=1)
        below.addWidget(self.guide_label)
        results_layout = QVBoxLayout(self.results)
        results_layout.setContentsMargins(0, 0, 0, 0)
        results_layout.addWidget(QLabel("<b>Side by side</b>"))
        results_layout.addWidget(self.overview_view)
        results_layout.addWidget(self.separation_label)
        results_layout.addLayout(self.keep_row)
        results_layout.addLayout(below, stretch=1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.results)
        self.results.hide()  # after setWidget, which shows it

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(choices_box)
        layout.addLayout(run_row)
        layout.addWidget(scroll, stretch=1)

        session.methods_compared.connect(self._compared)
        session.results_cleared.connect(self._forget)
        session.busy_changed.connect(self._show_busy)
        session.progress.connect(self._show_progress)
        session.cancelled.connect(self._stopped)
        session.error.connect(self._failed)
        self._show_busy(session.is_busy)

    # --- public ----------------------------------------------------------------------------------------

    def use_current_segments(self) -> None:
        """Start from the segments shown: their method ticked with their number of segments, and the
        next method in the list ticked beside it (two are needed to compare)."""
        settings, segmentation = self.session.settings, self.session.segmentation
        if settings is None or segmentation is None:
            return
        for spin in self.k_spins.values():
            spin.setValue(max(2, segmentation.k))
        names = list(self.method_checks)
        current = settings.method if settings.method in self.method_checks else names[0]
        partner = names[(names.index(current) + 1) % len(names)]
        for name, check in self.method_checks.items():
            check.setChecked(name in (current, partner))
        self._current = current

    def choices(self) -> list[MethodChoice]:
        """The ticked ways, the segments' own method first (it is the one the others are compared with)."""
        from core.method_comparison import MethodChoice

        settings = self.session.settings
        ticked = [name for name, check in self.method_checks.items() if check.isChecked()]
        ticked.sort(key=lambda name: name != self._current)
        return [
            MethodChoice(
                name,
                self.k_spins[name].value() if name in self.k_spins else None,
                dict(settings.method_options) if settings is not None and name == settings.method else {},
            )
            for name in ticked
        ]

    def compare(self) -> None:
        choices = self.choices()
        if len(choices) < 2 or self.session.is_busy:
            return
        self._waiting = True
        self.status_label.setText("Grouping the customers in each way…")
        self.session.compare_methods(choices)

    def keep(self, result: MethodResult) -> None:
        """Make `result` the current segments and close; the other results are discarded."""
        self.session.keep_method(result)
        self.comparison = None
        self.accept()

    # --- private ---------------------------------------------------------------------------------------

    def _forget(self) -> None:
        """Another table or project: results compared on the old one no longer apply."""
        self.comparison = None
        self.results.hide()

    def _update_compare_button(self) -> None:
        ticked = sum(check.isChecked() for check in self.method_checks.values())
        self.compare_button.setEnabled(ticked >= 2 and not self.session.is_busy)
        if ticked < 2 and not self._waiting:
            self.status_label.setText(TICK_TWO)
        elif self.status_label.text() == TICK_TWO:
            self.status_label.clear()

    def _show_busy(self, busy: bool) -> None:
        self.progress_bar.setVisible(busy and self._waiting)
        self.cancel_button.setVisible(busy and self._waiting)
        self.progress_bar.setValue(0)
        self._update_compare_button()
        self.compare_button.setEnabled(self.compare_button.isEnabled() and not busy)

    def _show_progress(self, fraction: float, message: str) -> None:
        if self._waiting:
            self.progress_bar.setValue(round(fraction * 1000))
            self.status_label.setText(message)

    def _stopped(self) -> None:
        self._end_waiting("Stopped. The segments you have are kept.")

    def _failed(self, _message: str) -> None:
        # The main window shows the message itself.
        self._end_waiting("Could not compare (see the message); the segments you have are kept.")

    def _end_waiting(self, text: str) -> None:
        if self._waiting:
            self._waiting = False
            self.status_label.setText(text)
            self._show_busy(self.session.is_busy)

    def _compared(self, comparison: MethodComparison) -> None:
        if not self._waiting:
            return
        self._waiting = False
        self.comparison = comparison
        self.status_label.clear()
        self._show_busy(self.session.is_busy)
        overview = comparison.overview().reset_index(names="Way of grouping")
        self.overview_model.set_frame(overview)
        # As tall as its rows: the space below is for who went where.
        view = self.overview_view
        rows = sum(view.rowHeight(row) for row in range(len(overview)))
        view.setFixedHeight(rows + view.horizontalHeader().sizeHint().height() + 2 * view.frameWidth())
        self.separation_label.setText(SEPARATION_NOTE.format(sample=comparison.sample_size))
        self.pair_combo.blockSignals(True)
        self.pair_combo.clear()
        for pair in comparison.comparisons:
            self.pair_combo.addItem(f"{pair.first_title} against {pair.second_title}")
        self.pair_combo.blockSignals(False)
        self._show_pair()
        self.guide_label.setText(self._guide(comparison))
        for button in self.keep_buttons:
            self.keep_row.removeWidget(button)
            button.deleteLater()
        self.keep_buttons = []
        for index, result in enumerate(comparison.results):
            button = QPushButton(result.title)
            button.setToolTip("Make these the segments; the other results are discarded")
            button.clicked.connect(lambda _checked=False, kept=result: self.keep(kept))
            self.keep_row.insertWidget(1 + index, button)
            self.keep_buttons.append(button)
        self.results.show()

    def _show_pair(self) -> None:
        if self.comparison is None or not self.comparison.comparisons:
            return
        pair = self.comparison.comparisons[max(0, self.pair_combo.currentIndex())]
        self.agreement_label.setText(pair.sentence)
        # Rows: the first way's segments; columns: where their customers went in the other.
        table = pair.counts.copy()
        # The other way's segment names over a few short lines, so that several columns fit side by side.
        table.columns = [textwrap.fill(name, CROSS_HEADER_CHARACTERS) for name in table.columns]
        table.insert(0, CROSS_CORNER, table.index)
        self.cross_model.set_frame(table.reset_index(drop=True))
        self.details_label.setText(RAND_NOTE.format(rand=pair.adjusted_rand, compared=pair.compared))

    @staticmethod
    def _guide(comparison: MethodComparison) -> str:
        """The guide's signs measured on these customers, then when each compared way fits."""
        from html import escape

        from core.methods import method_named

        signs = "".join(f"<li>{escape(advice.sentence)}</li>" for advice in comparison.advice)
        compared = [method_named(name) for name in dict.fromkeys(r.choice.method for r in comparison.results)]
        ways = "".join(
            f"<li><b>{escape(method.title)}</b>: {escape(method.when_to_use)}</li>" for method in compared
        )
        return (
            f"<b>What your customers look like</b><ul>{signs}</ul>"
            f"<b>When to prefer each</b><ul>{ways}</ul>"
        )
