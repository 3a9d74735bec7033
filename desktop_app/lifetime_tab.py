"""The lifetime-value view: what the customers of an order history are expected to buy, and how far to
trust that forecast.

Shown only for customers summarised from an order history. The models are fitted by the core on the
session's worker (`AnalysisSession.lifetime_value_ready` delivers a `core.clv.OrderLifetimeValue`); this
tab shows the result, the holdout check's chart and sentence, and asks for another horizon or split date.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop_app.palette import segment_colour
from desktop_app.plot_canvas import PlotCanvas

if TYPE_CHECKING:
    from core.clv import OrderLifetimeValue

MAX_WEEKS = 520  # core.clv.MAX_WEEKS, without importing the models' module on the GUI thread
EXPLANATION = (
    "<b>Lifetime value</b> — for each customer, the purchases expected over the coming weeks, the chance "
    "that they are still a customer, and their expected spend (the BG/NBD and Gamma-Gamma models). The "
    "models assume that customers buy at a steady rate while active, may stop after any purchase without "
    "saying so, and spend the same whether they buy often or rarely; they do not suit subscriptions or "
    "contracts. Customers who bought only once count as still active (the models let a customer drop out "
    "only after a repeat purchase); their small expected purchases tell them apart. The Data tab's table "
    "and the exports carry the four columns; the Segments and RFM groups tabs show each group's share."
)
HOLDOUT_EXPLANATION = (
    "<b>Check the forecast</b> — the models are fitted again on the purchases up to the split date only, "
    "and what they expected after it is compared with what customers did."
)
NOT_CHECKED_YET = (
    "Press Check the forecast to see how far to trust it (the split is two thirds into the history unless "
    "you choose another day)."
)


class LifetimeTab(QWidget):
    """`estimate_requested(weeks)`: the user asked for another horizon; `check_requested(split)`: for the
    holdout check at a split date ("YYYY-MM-DD")."""

    estimate_requested = Signal(int)
    check_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lifetime: OrderLifetimeValue | None = None
        explanation = QLabel(EXPLANATION)
        explanation.setWordWrap(True)
        self.sentence_label = QLabel()
        self.sentence_label.setWordWrap(True)
        self.sentence_label.setTextFormat(Qt.TextFormat.PlainText)
        font = self.sentence_label.font()
        font.setBold(True)
        self.sentence_label.setFont(font)
        self.notes_label = QLabel()
        self.notes_label.setWordWrap(True)
        self.notes_label.setTextFormat(Qt.TextFormat.PlainText)

        self.weeks_box = QSpinBox()
        self.weeks_box.setRange(1, MAX_WEEKS)
        self.weeks_box.setValue(52)
        self.weeks_box.setSuffix(" weeks")
        self.weeks_box.setAccessibleName("Forecast horizon in weeks")
        self.split_edit = QDateEdit()
        self.split_edit.setCalendarPopup(True)
        self.split_edit.setDisplayFormat("yyyy-MM-dd")
        self.split_edit.setAccessibleName("Split date of the forecast check")
        self.split_edit.setToolTip("The purchases up to this day are used to forecast the ones after it.")
        self.estimate_button = QPushButton("Estimate again")
        self.estimate_button.setToolTip(
            "Forecast again over this many weeks. Segments already found are cleared: their profiles "
            "describe the old forecast."
        )
        self.estimate_button.clicked.connect(
            lambda: self.estimate_requested.emit(self.weeks_box.value())
        )
        self.check_button = QPushButton("Check the forecast")
        self.check_button.setToolTip("Fit the models on the purchases up to the split date and compare.")
        self.check_button.clicked.connect(
            lambda: self.check_requested.emit(self.split_edit.date().toString("yyyy-MM-dd"))
        )
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Forecast the next"))
        controls.addWidget(self.weeks_box)
        controls.addWidget(self.estimate_button)
        controls.addStretch()
        check_controls = QHBoxLayout()
        check_controls.addWidget(QLabel("Split the history on"))
        check_controls.addWidget(self.split_edit)
        check_controls.addWidget(self.check_button)
        check_controls.addStretch()

        holdout_explanation = QLabel(HOLDOUT_EXPLANATION)
        holdout_explanation.setWordWrap(True)
        self.holdout_label = QLabel()
        self.holdout_label.setWordWrap(True)
        self.holdout_label.setTextFormat(Qt.TextFormat.PlainText)
        self.holdout_label.setFont(font)
        self.plot = PlotCanvas(self, toolbar=False)
        self.plot.setToolTip(
            "Left: purchases after the split, added up week by week. Right: purchases per customer after "
            "the split, by how many times they had bought again before it."
        )
        self.plot.set_painter(self._draw)

        layout = QVBoxLayout(self)
        layout.addWidget(explanation)
        layout.addWidget(self.sentence_label)
        layout.addWidget(self.notes_label)
        layout.addLayout(controls)
        layout.addWidget(holdout_explanation)
        layout.addLayout(check_controls)
        layout.addWidget(self.holdout_label)
        layout.addWidget(self.plot, stretch=1)

    def set_lifetime(self, lifetime: OrderLifetimeValue | None) -> None:
        """Show what the core found (None empties the view)."""
        self.lifetime = lifetime
        if lifetime is None:
            self.sentence_label.clear()
            self.notes_label.clear()
            self.holdout_label.clear()
            self.plot.clear()
            return
        self.sentence_label.setText(lifetime.sentence())
        notes = () if lifetime.lifetime_value is None else lifetime.lifetime_value.notes
        self.notes_label.setText("\n".join(notes))
        self.notes_label.setVisible(bool(notes))
        if lifetime.lifetime_value is not None:
            self.weeks_box.setValue(lifetime.lifetime_value.weeks)
        check = lifetime.holdout
        if check is not None:
            self.holdout_label.setText(check.sentence)
        else:
            self.holdout_label.setText(lifetime.not_checked or NOT_CHECKED_YET)
        split = check.split if check is not None else lifetime.default_split
        if split is not None:
            self.split_edit.setDate(QDate(split.year, split.month, split.day))
        self.plot.request_draw()

    def set_busy(self, busy: bool) -> None:
        self.estimate_button.setEnabled(not busy)
        self.check_button.setEnabled(not busy)

    def _draw(self) -> None:
        check = None if self.lifetime is None else self.lifetime.holdout
        with self.plot.drawing() as figure:
            if check is None:
                return
            weekly_axes, group_axes = figure.subplots(1, 2)
            weekly = check.weekly
            weekly_axes.plot(weekly["Week"], weekly["Actual purchases (cumulative)"],
                             color=self.plot.text_colour, label="Actual")
            weekly_axes.plot(weekly["Week"], weekly["Predicted purchases (cumulative)"],
                             color=segment_colour(0), linestyle="--", label="Expected by the model")
            weekly_axes.set_xlabel("Weeks after the split")
            weekly_axes.set_ylabel("Purchases, added up")
            weekly_axes.legend(fontsize="small")
            weekly_axes.grid(True)
            groups = check.by_purchases_before
            positions = np.arange(len(groups))
            group_axes.bar(positions - 0.2, groups["Actual per customer"], width=0.4,
                           color=self.plot.muted_colour, label="Actual")
            group_axes.bar(positions + 0.2, groups["Predicted per customer"], width=0.4,
                           color=segment_colour(0), label="Expected by the model")
            group_axes.set_xticks(positions, groups["Repeat purchases before the split"])
            group_axes.set_xlabel("Repeat purchases before the split")
            group_axes.set_ylabel("Purchases per customer after it")
            group_axes.legend(fontsize="small")
