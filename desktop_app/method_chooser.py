"""The choice of how to group the customers, on the Data tab: the registered methods (core.methods) by
title, when each fits in a sentence, and the settings a method takes beyond the number of segments.

Everything shown comes from the `Method` records: a new method in the registry appears here without a
change. Two settings have their own plain-words editor, found by the option's name: the distance of
DBSCAN ("distance": None means worked out from the data, shown with the curve it was read from) and the
smallest group of HDBSCAN ("min_segment_share": a share of the customers). The chooser only collects
choices; measuring the distance runs on the session's worker (`distance_curve_requested`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from core.methods import Method

DISTANCE_OPTION = "distance"  # DBSCAN: how close two customers must be to be neighbours; None: automatic
SHARE_OPTION = "min_segment_share"  # HDBSCAN: the smallest group worth naming, as a share of customers
TAKES_K_NOTE = "You choose the number of segments on the Choose k tab once they are found."
FINDS_K_NOTE = (
    "This method finds the number of segments itself. Customers who belong to no group are shown as "
    "segment 0, “Unusual customers”, in grey."
)
DISTANCE_TIP = (
    "How close two customers must be, in the chosen columns, to count as neighbours. Groups are "
    "chains of neighbours; a customer with too few neighbours is unusual. Worked out from your data: "
    "where the curve of each customer's distance to their nearest neighbours turns up sharply."
)
CURVE_HEIGHT = 150


class MethodChooser(QGroupBox):
    """Signals: changed() (the method or one of its settings); distance_curve_requested() (the user
    asked to see how the automatic distance is read from the data: the window measures it on the
    worker with the Data tab's other choices and calls `show_distance_curve`)."""

    changed = Signal()
    distance_curve_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("How to group the customers", parent)
        from core.methods import DEFAULT_METHOD, METHODS
        from core.methods.hdbscan import MIN_SEGMENT_CUSTOMERS

        self._methods: dict[str, Method] = dict(METHODS)
        self._curve = None  # the last distance curve measured (core), drawn under the distance

        self.method_combo = QComboBox()
        self.method_combo.setAccessibleName("Grouping method")
        for method in self._methods.values():
            self.method_combo.addItem(method.title, method.name)
            self.method_combo.setItemData(
                self.method_combo.count() - 1, method.when_to_use, Qt.ItemDataRole.ToolTipRole
            )
        self.method_combo.setCurrentIndex(self.method_combo.findData(DEFAULT_METHOD))
        self.when_label = QLabel()
        self.when_label.setWordWrap(True)
        self.k_note = QLabel()
        self.k_note.setWordWrap(True)
        self.k_note.setEnabled(False)  # a hint, in the muted colour

        # DBSCAN's distance: automatic (from the data) unless the user sets one.
        self.distance_box = QWidget()
        self.automatic_distance_check = QCheckBox("Work out the distance from the data")
        self.automatic_distance_check.setChecked(True)
        self.automatic_distance_check.setToolTip(DISTANCE_TIP)
        self.distance_spin = QDoubleSpinBox()
        self.distance_spin.setAccessibleName("Neighbour distance")
        self.distance_spin.setDecimals(3)
        self.distance_spin.setRange(0.001, 1000.0)
        self.distance_spin.setSingleStep(0.05)
        self.distance_spin.setValue(0.5)
        self.distance_spin.setToolTip(DISTANCE_TIP)
        self.distance_spin.setKeyboardTracking(False)
        self.curve_button = QPushButton("Show how it is worked out")
        self.curve_button.setToolTip("Measure the distance curve of your customers with the choices above")
        self.distance_label = QLabel()
        self.distance_label.setWordWrap(True)
        self.curve_plot = None  # made on the first curve (matplotlib is imported with the chart tabs)
        distance_row = QHBoxLayout()
        distance_row.addWidget(QLabel("Neighbour distance:"))
        distance_row.addWidget(self.distance_spin)
        distance_row.addWidget(self.curve_button)
        distance_row.addStretch()
        self._distance_layout = QVBoxLayout(self.distance_box)
        self._distance_layout.setContentsMargins(0, 0, 0, 0)
        self._distance_layout.addWidget(self.automatic_distance_check)
        self._distance_layout.addLayout(distance_row)
        self._distance_layout.addWidget(self.distance_label)

        # HDBSCAN's smallest group, as a share of the customers.
        self.share_box = QWidget()
        self.share_spin = QDoubleSpinBox()
        self.share_spin.setAccessibleName("Smallest group worth naming, percent of customers")
        self.share_spin.setDecimals(1)
        self.share_spin.setRange(0.1, 50.0)
        self.share_spin.setSingleStep(0.5)
        self.share_spin.setSuffix(" % of customers")
        self.share_spin.setKeyboardTracking(False)
        self.share_count_label = QLabel(f"(and never fewer than {MIN_SEGMENT_CUSTOMERS} customers)")
        self.share_count_label.setEnabled(False)  # a hint, in the muted colour
        self.share_count_label.setWordWrap(True)
        share_row = QHBoxLayout()
        share_row.addWidget(QLabel("Smallest group worth naming:"))
        share_row.addWidget(self.share_spin)
        share_row.addStretch()
        share_layout = QVBoxLayout(self.share_box)
        share_layout.setContentsMargins(0, 0, 0, 0)
        share_layout.addLayout(share_row)
        share_layout.addWidget(self.share_count_label)

        layout = QVBoxLayout(self)
        layout.addWidget(self.method_combo)
        layout.addWidget(self.when_label)
        layout.addWidget(self.k_note)
        layout.addWidget(self.distance_box)
        layout.addWidget(self.share_box)

        self.method_combo.currentIndexChanged.connect(self._method_changed)
        self.automatic_distance_check.toggled.connect(self._distance_choice_changed)
        self.distance_spin.valueChanged.connect(self._distance_value_changed)
        self.curve_button.clicked.connect(self.distance_curve_requested)
        self.share_spin.valueChanged.connect(self.changed)
        self._show_method()

    # --- public ----------------------------------------------------------------------------------------

    @property
    def method(self) -> Method:
        return self._methods[self.method_combo.currentData()]

    def options(self) -> dict[str, Any]:
        """The chosen method's settings that differ from its defaults (the core fills in the rest)."""
        method, chosen = self.method, {}
        if DISTANCE_OPTION in method.options and not self.automatic_distance_check.isChecked():
            chosen[DISTANCE_OPTION] = self.distance_spin.value()
        if SHARE_OPTION in method.options:
            share = round(self.share_spin.value() / 100, 4)
            if share != method.options[SHARE_OPTION]:
                chosen[SHARE_OPTION] = share
        return chosen

    def set_choice(self, name: str, options: dict[str, Any] | None = None) -> None:
        """Show `name` with `options` (a reopened project, a method kept from a comparison); no signal."""
        options = dict(options or {})
        with QSignalBlocker(self.method_combo):
            index = self.method_combo.findData(name)
            self.method_combo.setCurrentIndex(max(index, 0))
        method = self.method
        with QSignalBlocker(self.automatic_distance_check), QSignalBlocker(self.distance_spin):
            distance = options.get(DISTANCE_OPTION)
            self.automatic_distance_check.setChecked(distance is None)
            if distance is not None:
                self.distance_spin.setValue(float(distance))
        with QSignalBlocker(self.share_spin):
            share = options.get(SHARE_OPTION, method.options.get(SHARE_OPTION))
            if share is not None:
                self.share_spin.setValue(float(share) * 100)
        self._show_method()

    def forget_distance_curve(self) -> None:
        """A new table: the curve measured on the previous one no longer applies."""
        self._curve = None
        self._show_method()

    def show_distance_curve(self, curve) -> None:
        """Draw a measured distance curve (core's) and, while the distance is automatic, show its value."""
        self._curve = curve
        if self.automatic_distance_check.isChecked():
            with QSignalBlocker(self.distance_spin):
                self.distance_spin.setValue(curve.chosen_distance)
        self._ensure_curve_plot()
        self.curve_plot.show()
        self.curve_plot.request_draw()
        self._update_distance_label()

    def set_busy(self, busy: bool) -> None:
        self.curve_button.setEnabled(not busy)

    # --- private ---------------------------------------------------------------------------------------

    def _method_changed(self) -> None:
        method = self.method
        if SHARE_OPTION in method.options:
            with QSignalBlocker(self.share_spin):
                self.share_spin.setValue(method.options[SHARE_OPTION] * 100)
        self._show_method()
        self.changed.emit()

    def _show_method(self) -> None:
        method = self.method
        self.when_label.setText(method.when_to_use)
        self.k_note.setText(TAKES_K_NOTE if method.takes_k else FINDS_K_NOTE)
        self.distance_box.setVisible(DISTANCE_OPTION in method.options)
        self.share_box.setVisible(SHARE_OPTION in method.options)
        self.distance_spin.setEnabled(not self.automatic_distance_check.isChecked())
        self._update_distance_label()
        if self.curve_plot is not None:
            self.curve_plot.setVisible(self._curve is not None)

    def _distance_choice_changed(self, automatic: bool) -> None:
        self.distance_spin.setEnabled(not automatic)
        if automatic and self._curve is not None:
            with QSignalBlocker(self.distance_spin):
                self.distance_spin.setValue(self._curve.chosen_distance)
        self._update_distance_label()
        if self.curve_plot is not None and self._curve is not None:
            self.curve_plot.request_draw()
        self.changed.emit()

    def _distance_value_changed(self) -> None:
        self._update_distance_label()
        if self.curve_plot is not None and self._curve is not None:
            self.curve_plot.request_draw()
        self.changed.emit()

    def _update_distance_label(self) -> None:
        if self.automatic_distance_check.isChecked():
            text = (
                f"Worked out from your customers: {self._curve.sentence}"
                if self._curve is not None
                else "Worked out from your customers when the segments are found."
            )
        else:
            text = "Your own distance: smaller finds more, tighter groups and more unusual customers."
        self.distance_label.setText(text)

    def _ensure_curve_plot(self) -> None:
        if self.curve_plot is not None:
            return
        from desktop_app.plot_canvas import PlotCanvas

        self.curve_plot = PlotCanvas(self, toolbar=False)
        self.curve_plot.setFixedHeight(CURVE_HEIGHT)
        self.curve_plot.setToolTip(DISTANCE_TIP)
        self.curve_plot.set_painter(self._draw_curve)
        self._distance_layout.addWidget(self.curve_plot)

    def _draw_curve(self) -> None:
        from desktop_app.distance_curve import draw_distance_curve

        with self.curve_plot.drawing() as figure:
            chosen = None if self.automatic_distance_check.isChecked() else self.distance_spin.value()
            draw_distance_curve(figure.add_subplot(), self._curve, chosen, ink=self.curve_plot.text_colour)
