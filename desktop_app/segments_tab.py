"""One card per segment (editable name, size, how it differs from the average, description), the
profile table in the file's units below, and the export buttons. The main window opens the dialogs.
The cards and the table are made when the tab is on screen, and a card's chart when the card is, so new
segments cost a hidden tab nothing."""

import pandas as pd
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from core.pipeline import Segmentation
from core.profiling import OverallProfile, SegmentProfile, profile_table
from core.segment_chart import standout_bars
from desktop_app.dataframe_model import DataFrameModel
from desktop_app.palette import segment_number_colour
from desktop_app.plot_canvas import PlotCanvas
from desktop_app.stability_check import LEVEL_COLOURS, READINGS_TOOLTIP, UNKNOWN_COLOUR

CARD_COLUMNS = 2
CARD_CHART_HEIGHT = 190
# Narrower, the column labels would leave the bars no room.
CARD_CHART_MIN_WIDTH = 400
SPLIT_UNIT = 200
CHART_TOOLTIP = (
    "The columns that set this segment apart most. Each bar shows where its customers rank among all "
    "customers: in the middle like the typical customer, to the right higher, to the left lower. The "
    "figure beside it compares the segment's typical value with everyone's (2.1x = twice as much)."
)


class SegmentCard(QFrame):
    """One segment: colour, editable name, size and share, a difference chart and the description."""

    renamed = Signal(int, str)

    def __init__(self, profile: SegmentProfile, overall: OverallProfile, parent=None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.profile = profile
        self._name = profile.name
        colour = segment_number_colour(profile.number)

        swatch = QLabel()
        swatch.setFixedSize(14, 28)
        swatch.setStyleSheet(f"background-color: {colour}; border-radius: 3px;")
        number = QLabel(f"{profile.number}")
        font = number.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.3)
        number.setFont(font)
        self.name_edit = QLineEdit(profile.name)
        self.name_edit.setAccessibleName(f"Name of segment {profile.number}")
        self.name_edit.setToolTip("Type a name that means something to you; charts and exports use it.")
        self.name_edit.editingFinished.connect(self._finish_editing)
        header = QHBoxLayout()
        header.addWidget(swatch)
        header.addWidget(number)
        header.addWidget(self.name_edit, stretch=1)

        self.size_label = QLabel()
        # How sure we are of this segment: coloured by Hennig's reading, with the one-line explanation.
        self.stability_badge = QLabel()
        self.stability_badge.setWordWrap(True)
        self.stability_badge.setTextFormat(Qt.TextFormat.PlainText)
        self.stability_badge.setToolTip(READINGS_TOOLTIP)
        self.show_stability(None, "Stability not checked yet")
        self.plot = PlotCanvas(self, toolbar=False)
        self.plot.setFixedHeight(CARD_CHART_HEIGHT)
        self.plot.setMinimumWidth(CARD_CHART_MIN_WIDTH)
        self.plot.setToolTip(CHART_TOOLTIP)
        self._overall = overall
        self.plot.set_painter(self._draw)
        self.description_label = QLabel()
        self.description_label.setWordWrap(True)
        self.description_label.setTextFormat(Qt.TextFormat.PlainText)
        self.value_label = QLabel()  # predicted value, for customers summarised from orders
        self.value_label.setWordWrap(True)
        self.value_label.setTextFormat(Qt.TextFormat.PlainText)
        self.value_label.hide()
        self.show_profile(profile)

        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.size_label)
        layout.addWidget(self.stability_badge)
        layout.addWidget(self.plot)
        layout.addWidget(self.description_label)
        layout.addWidget(self.value_label)
        layout.addStretch()  # a card taller than its contents (beside a longer one) keeps them together
        self.plot.request_draw()

    def show_stability(self, stability, pending: str) -> None:
        """The segment's stability (core.stability.SegmentStability), or `pending` ("being checked")."""
        neutral = stability is None or stability.is_unusual  # the unusual customers are no segment to rate
        colour = QColor(UNKNOWN_COLOUR if neutral else LEVEL_COLOURS[str(stability.level)])
        self.stability_badge.setText(pending if stability is None else stability.explanation)
        # A faint tint with a bar of the reading's colour: the text stays readable in light and dark themes.
        tint = f"rgba({colour.red()}, {colour.green()}, {colour.blue()}, 40)"
        self.stability_badge.setStyleSheet(
            f"QLabel {{ border-left: 6px solid {colour.name()}; background: {tint}; padding: 2px 6px; }}"
        )

    def show_value(self, text: str) -> None:
        """The segment's predicted value and share still active, in words; "" hides the line."""
        self.value_label.setText(text)
        self.value_label.setVisible(bool(text))

    def show_profile(self, profile: SegmentProfile) -> None:
        """Show the texts of `profile` (the same segment, perhaps renamed or with a rename undone)."""
        self.profile = profile
        self._name = profile.name
        if self.name_edit.text().strip() != profile.name:
            self.name_edit.setText(profile.name)
        self.size_label.setText(f"{profile.size:,} customers · {profile.share * 100:.1f} % of all")
        self.description_label.setText(profile.description)

    def _draw(self) -> None:
        with self.plot.drawing() as figure:
            standout_bars(
                figure.add_subplot(), self.profile, self._overall,
                colour=segment_number_colour(self.profile.number), ink=self.plot.text_colour,
                font_size=self.plot.theme()["ytick.labelsize"],
            )

    def _finish_editing(self) -> None:
        name = self.name_edit.text().strip()
        if not name:
            self.name_edit.setText(self._name)
        elif name != self._name:
            self._name = name
            self.renamed.emit(self.profile.number, name)


class SegmentsTab(QWidget):
    segment_renamed = Signal(int, str)
    export_labels_requested = Signal()
    export_profiles_requested = Signal()
    column_labels_requested = Signal()
    compare_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cards: list[SegmentCard] = []
        self._waiting: Segmentation | None = None  # shown when the tab is next on screen
        self._shown: Segmentation | None = None
        # Each segment's stability in profile order (None: not checked) and what the cards say until then.
        self._stability: tuple | None = None
        self._stability_pending = "Stability not checked yet"
        self._customers: pd.DataFrame | None = None  # the segmented table, for the predicted value

        self._cards_widget = QWidget()
        self._cards_layout = QGridLayout(self._cards_widget)
        self._placeholder = QLabel("Segments appear here once they are found.")
        self._cards_layout.addWidget(self._placeholder, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self._cards_widget)

        self.profile_model = DataFrameModel(parent=self)
        self.profile_view = QTableView()
        self.profile_view.setModel(self.profile_model)
        self.profile_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.profile_view.verticalHeader().hide()  # the Segment column numbers the rows
        self.profile_view.setTabKeyNavigation(False)  # Tab moves on to the buttons
        self.export_labels_button = QPushButton("Export customers with segments…")
        self.export_profiles_button = QPushButton("Export segment profiles…")
        self.export_labels_button.clicked.connect(self.export_labels_requested)
        self.export_profiles_button.clicked.connect(self.export_profiles_requested)
        self.column_labels_button = QPushButton("Column labels…")
        self.column_labels_button.setToolTip(
            "Give columns names of your own (\"MntWines\" → \"Wine spending\") for the segment names, charts "
            "and exports."
        )
        self.column_labels_button.clicked.connect(self.column_labels_requested)
        self.compare_button = QPushButton("Compare with…")
        self.compare_button.setToolTip(
            "Compare these segments with another number of segments, another method or a saved project"
        )
        self.compare_button.clicked.connect(self.compare_requested)
        buttons = QHBoxLayout()
        buttons.addWidget(self.column_labels_button)
        buttons.addWidget(self.compare_button)
        buttons.addStretch()
        buttons.addWidget(self.export_labels_button)
        buttons.addWidget(self.export_profiles_button)
        table_title = QLabel("Averages per segment, in your file's units")
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addWidget(table_title)
        bottom_layout.addWidget(self.profile_view)
        self._strip_layout = QVBoxLayout()  # the stability check's row (set_stability_strip)
        bottom_layout.addLayout(self._strip_layout)
        bottom_layout.addLayout(buttons)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(scroll)
        splitter.addWidget(bottom)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([3 * SPLIT_UNIT, SPLIT_UNIT])  # the cards first; the table needs a few rows
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        self.set_exports_enabled(False)

    def set_stability_strip(self, strip: QWidget) -> None:
        """The row that shows the stability check of the segments (desktop_app.stability_check)."""
        self._strip_layout.addWidget(strip)

    def show_stability(self, stability: tuple | None, pending: str = "Stability not checked yet") -> None:
        """Each segment's stability (core.stability.SegmentStability, in profile order), on the cards and
        in the profile table; None: not checked, and the cards say `pending`."""
        self._stability, self._stability_pending = stability, pending
        if self._shown is not None and self._waiting is None:
            self._show_stability(self._shown)

    def _show_stability(self, segmentation: Segmentation) -> None:
        stability = self._stability
        if stability is not None and len(stability) != len(segmentation.profiles):
            stability = None  # another segmentation's numbers, on their way out
        for index, card in enumerate(self.cards):
            card.show_stability(stability[index] if stability else None, self._stability_pending)
        self.profile_model.set_frame(self._display_table(segmentation, self._customers, stability))

    def show_segmentation(self, segmentation: Segmentation, customers: pd.DataFrame | None = None) -> None:
        """Show the segments now if the tab is on screen, else when it is next shown: building the cards
        and the table costs the window 20-35 ms, which a hidden tab should not take at the end of every
        fit (the Choose k tab is on screen then). `customers` (the segmented table) adds each segment's
        predicted value when it carries the lifetime-value columns."""
        self.set_exports_enabled(True)
        self._waiting = segmentation
        self._customers = customers
        if self.isVisible():
            self._show_waiting()

    def showEvent(self, event) -> None:  # Qt override
        super().showEvent(event)
        self._show_waiting()

    def _show_waiting(self) -> None:
        segmentation, self._waiting = self._waiting, None
        if segmentation is None:
            return
        self._shown = segmentation
        shown = [(card.profile.number, card.profile.size) for card in self.cards]
        if shown == [(profile.number, profile.size) for profile in segmentation.profiles]:
            # The same segments renamed: update the texts in place, so typing in a card is not interrupted.
            for card, profile in zip(self.cards, segmentation.profiles, strict=True):
                card.show_profile(profile)
            self._show_stability(segmentation)
            return
        self._remove_cards()
        self._placeholder.hide()
        for index, profile in enumerate(segmentation.profiles):
            card = SegmentCard(profile, segmentation.overall, self._cards_widget)
            card.renamed.connect(self.segment_renamed)
            self._cards_layout.addWidget(card, index // CARD_COLUMNS, index % CARD_COLUMNS)
            self.cards.append(card)
        self._show_value(segmentation)
        self._show_stability(segmentation)

    def _show_value(self, segmentation: Segmentation) -> None:
        from core.clv import segment_value_lines

        lines = None
        if self._customers is not None:
            lines = segment_value_lines(self._customers, segmentation.labels, segmentation.numbers)
        for card in self.cards:
            card.show_value("" if lines is None else lines[card.profile.number])

    def clear(self) -> None:
        self._waiting = self._customers = self._shown = self._stability = None
        self._remove_cards()
        self._placeholder.show()
        self.profile_model.set_frame(None)
        self.set_exports_enabled(False)

    @staticmethod
    def _display_table(segmentation: Segmentation, customers: pd.DataFrame | None, stability=None):
        from core.clv import with_segment_value
        from core.stability import DISSOLVED_COLUMN, with_stability

        table = with_stability(profile_table(segmentation.profiles, segmentation.overall), stability)
        if customers is not None:
            table = with_segment_value(table, customers, segmentation.labels, segmentation.numbers)
        table["Share"] = (table["Share"] * 100).round(1)
        table = table.rename(columns={"Share": "Share %"})
        if DISSOLVED_COLUMN in table:
            table[DISSOLVED_COLUMN] = (table[DISSOLVED_COLUMN] * 100).round(0)
            table = table.rename(columns={DISSOLVED_COLUMN: "Dissolved in % of reshuffles"})
        numeric = table.select_dtypes("float").columns
        table[numeric] = table[numeric].round(2)
        return table

    def _remove_cards(self) -> None:
        for card in self.cards:
            # A focused name box finishes editing as it goes away: that is not a rename.
            card.blockSignals(True)
            self._cards_layout.removeWidget(card)
            card.deleteLater()
        self.cards = []

    def set_exports_enabled(self, enabled: bool) -> None:
        self.column_labels_button.setEnabled(enabled)
        self.compare_button.setEnabled(enabled)
        self.export_labels_button.setEnabled(enabled)
        self.export_profiles_button.setEnabled(enabled)
