"""Explore the customer table: histograms, box plots, scatters, correlations and summary statistics.

Once segments exist, histograms, box plots and scatters can be split by segment in the segment colours.
Big tables: histograms and boxes use every row; scatters draw a fixed sample and say so on the chart.
Charts are drawn only while the tab is visible (a hidden tab draws when it is shown), correlations are
computed when that chart is first asked for, and the summary statistics arrive ready-made from the
session's worker (`set_summary`), so opening a big file costs the GUI thread next to nothing here.
"""

import numpy as np
import pandas as pd
from matplotlib.colors import to_rgba
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from core.columns import ColumnKind, ColumnSummary
from core.exploration import correlation_matrix, histogram_edges, sample_rows
from desktop_app.dataframe_model import DataFrameModel
from desktop_app.palette import LEFT_OUT_COLOUR, segment_colour, segment_number_colour
from desktop_app.plot_canvas import PlotCanvas, marker_size

HISTOGRAM, BOX_PLOT, SCATTER, CORRELATIONS = "Histogram", "Box plot", "Scatter", "Correlations"
MAX_SCATTER_POINTS = 20_000
MAX_BINS = 50
MAX_LEVELS = 20  # most common levels shown for a categorical column
MAX_ANNOTATED_COLUMNS = 10  # correlation values are written in the cells up to this many columns
SAMPLE_SEED = 0
SPLIT_UNIT = 100


class ExploreTab(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._frame: pd.DataFrame | None = None
        self._numeric: list[str] = []
        self._categorical: list[str] = []
        self._not_numeric: list[str] = []
        self._correlations: pd.DataFrame | None = None  # computed on first use
        self._chart_stale = False  # a draw was asked for while the tab was hidden
        self._labels: np.ndarray | None = None
        self._names: tuple[str, ...] = ()
        self._segment_numbers: tuple[int, ...] = ()

        self.chart_combo = QComboBox()
        self.chart_combo.addItems([HISTOGRAM, BOX_PLOT, SCATTER, CORRELATIONS])
        self.x_combo = QComboBox()
        self.y_combo = QComboBox()
        self.x_combo.setAccessibleName("Column")
        self.y_combo.setAccessibleName("Second column")
        self.split_check = QCheckBox("Split by segment")
        self.split_check.setEnabled(False)
        self.chart_combo.currentIndexChanged.connect(self._on_chart_changed)
        self.x_combo.currentIndexChanged.connect(self._request_draw)
        self.y_combo.currentIndexChanged.connect(self._request_draw)
        self.split_check.toggled.connect(self._request_draw)
        self.x_caption, self.y_caption = QLabel("Column:"), QLabel("against:")
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Chart:"))
        controls.addWidget(self.chart_combo)
        controls.addWidget(self.x_caption)
        controls.addWidget(self.x_combo)
        controls.addWidget(self.y_caption)
        controls.addWidget(self.y_combo)
        controls.addWidget(self.split_check)
        controls.addStretch()

        self.plot = PlotCanvas(self)
        self.plot.theme_changed.connect(self._request_draw)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addLayout(controls)
        top_layout.addWidget(self.plot, stretch=1)

        self.statistics_model = DataFrameModel(parent=self)
        self.statistics_view = QTableView()
        self.statistics_view.setTabKeyNavigation(False)  # Tab moves on, not from cell to cell
        self.statistics_view.setModel(self.statistics_model)
        self.statistics_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.statistics_view.verticalHeader().hide()
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addWidget(QLabel("Summary of every column"))
        bottom_layout.addWidget(self.statistics_view)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(bottom)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([5 * SPLIT_UNIT, 2 * SPLIT_UNIT])  # the chart first, a few rows of statistics
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        self._fill_column_combos()
        self._request_draw()

    # --- driven by the session -------------------------------------------------------------------
    def set_table(self, frame: pd.DataFrame, columns: tuple[ColumnSummary, ...]) -> None:
        self._frame = frame
        # A 0/1 flag is a number too: its histogram shows how many customers have it.
        numbers = (ColumnKind.NUMERIC, ColumnKind.FLAG)
        self._numeric = [c.name for c in columns if c.kind in numbers]
        self._categorical = [c.name for c in columns if c.kind == ColumnKind.CATEGORICAL]
        self._not_numeric = [c.name for c in columns if c.kind not in numbers]
        self._correlations = None
        self.statistics_model.set_frame(None)  # the new table's summary follows through set_summary
        self._set_labels(None, (), ())
        self._fill_column_combos()
        self._request_draw()

    def set_summary(self, statistics: pd.DataFrame) -> None:
        """Show `core.exploration.summary_statistics` of the table, computed by the caller off this thread."""
        shown = statistics.reset_index()
        numbers = shown.select_dtypes("number").columns
        # Rounding multiplies by 100: values near 1e308 overflow, and they have no decimals to lose.
        with np.errstate(over="ignore", invalid="ignore"):
            rounded = shown[numbers].round(2)
        shown[numbers] = rounded.where(np.isfinite(rounded), shown[numbers])
        self.statistics_model.set_frame(shown)

    def set_segments(
        self, labels: np.ndarray | None, names: tuple[str, ...], numbers: tuple[int, ...]
    ) -> None:
        """`labels`: one position in `names` and `numbers` (the segment numbers shown) per table row
        (-1 = left out), as in `Segmentation.labels`, or None when there are none."""
        self._set_labels(labels, names, numbers)
        self._request_draw()

    def _set_labels(
        self, labels: np.ndarray | None, names: tuple[str, ...], numbers: tuple[int, ...]
    ) -> None:
        self._labels = None if labels is None else np.asarray(labels)
        self._names = tuple(names)
        self._segment_numbers = tuple(numbers)
        self.split_check.blockSignals(True)
        self.split_check.setEnabled(labels is not None)
        self.split_check.setChecked(labels is not None)
        self.split_check.blockSignals(False)

    def clear(self) -> None:
        self._frame = None
        self._numeric, self._categorical, self._not_numeric = [], [], []
        self._correlations = None
        self.statistics_model.set_frame(None)
        self._set_labels(None, (), ())
        self._fill_column_combos()
        self._request_draw()

    @property
    def split_by_segment(self) -> bool:
        return self._labels is not None and self.split_check.isChecked()

    # --- controls --------------------------------------------------------------------------------
    def _on_chart_changed(self) -> None:
        self._fill_column_combos()
        self._request_draw()

    def _fill_column_combos(self) -> None:
        chart = self.chart_combo.currentText()
        x_choices = self._numeric + self._categorical if chart == HISTOGRAM else self._numeric
        for combo, choices, default in ((self.x_combo, x_choices, 0), (self.y_combo, self._numeric, 1)):
            previous = combo.currentText()
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(choices)
            index = choices.index(previous) if previous in choices else default
            combo.setCurrentIndex(min(index, len(choices) - 1))
            combo.blockSignals(False)
        self.x_combo.setVisible(chart != CORRELATIONS)
        self.x_caption.setVisible(chart != CORRELATIONS)
        self.y_combo.setVisible(chart == SCATTER)
        self.y_caption.setVisible(chart == SCATTER)
        self.split_check.setVisible(chart != CORRELATIONS)

    # --- charts ----------------------------------------------------------------------------------
    def _request_draw(self) -> None:
        if self.isVisible():
            self._draw()
        else:
            self._chart_stale = True

    def showEvent(self, event) -> None:  # Qt override
        super().showEvent(event)
        if self._chart_stale:
            self._draw()

    def _draw(self) -> None:
        self._chart_stale = False
        chart = self.chart_combo.currentText()
        with self.plot.drawing() as figure:
            self.axes = axes = figure.add_subplot()
            column = self.x_combo.currentText()
            if self._frame is None or (chart != CORRELATIONS and not column):
                axes.set_axis_off()
                message = (
                    "Open a customer file to explore it." if self._frame is None else "No column to show."
                )
                axes.text(0.5, 0.5, message, ha="center", va="center", transform=axes.transAxes)
            elif chart == HISTOGRAM and column in self._categorical:
                self._draw_level_counts(axes, column)
            elif chart == HISTOGRAM:
                self._draw_histogram(axes, column)
            elif chart == BOX_PLOT:
                self._draw_box_plot(axes, column)
            elif chart == SCATTER:
                self._draw_scatter(axes, column, self.y_combo.currentText())
            else:
                self._draw_correlations(figure, axes)

    def _groups(self) -> list[tuple[str, str, np.ndarray]]:
        """(legend label, colour, row mask) per segment with customers, or one group of everyone."""
        if not self.split_by_segment:
            return [("All customers", segment_colour(0), np.ones(len(self._frame), dtype=bool))]
        groups = []
        for index, (name, number) in enumerate(zip(self._names, self._segment_numbers, strict=True)):
            mask = self._labels == index
            groups.append((f"{number} · {name}", segment_number_colour(number), mask))
        left_out = self._labels < 0
        if left_out.any():
            groups.append((f"Left out ({left_out.sum():,})", LEFT_OUT_COLOUR, left_out))
        return [group for group in groups if group[2].any()]

    def _numbers(self, column: str) -> np.ndarray:
        return pd.to_numeric(self._frame[column], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)

    def _draw_histogram(self, axes, column: str) -> None:
        values = self._numbers(column)
        finite = values[np.isfinite(values)]
        edges = histogram_edges(finite, MAX_BINS)
        for label, colour, mask in self._groups():
            axes.hist(
                values[mask & np.isfinite(values)],
                bins=edges,
                histtype="stepfilled",
                facecolor=to_rgba(colour, 0.35),
                edgecolor=colour,
                linewidth=1.5,
                label=label,
            )
        axes.set_xlabel(column)
        axes.set_ylabel("Customers")
        axes.grid(True, axis="y")
        if self.split_by_segment:
            axes.legend(loc="upper left", bbox_to_anchor=(1.02, 1), borderaxespad=0)

    def _draw_level_counts(self, axes, column: str) -> None:
        # Counted from level codes (a column of categories is factorized from its own codes): a million
        # customers' words turned into text and counted per group held the window 0.1-0.15 s.
        codes, distinct = self._frame[column].factorize(use_na_sentinel=True)
        present = codes >= 0
        totals = np.bincount(codes[present], minlength=len(distinct))
        shown = np.argsort(-totals, kind="stable")[:MAX_LEVELS]
        shown = shown[totals[shown] > 0]
        levels = [str(distinct[code]) for code in shown]
        groups = self._groups()
        width = 0.8 / len(groups)
        positions = np.arange(len(levels))
        for offset, (label, colour, mask) in enumerate(groups):
            counts = np.bincount(codes[mask & present], minlength=len(distinct))[shown]
            axes.barh(
                positions - 0.4 + width * (offset + 0.5),
                counts,
                height=width,
                color=colour,
                label=label,
            )
        axes.set_yticks(positions, levels)
        axes.invert_yaxis()
        axes.set_xlabel("Customers")
        axes.set_ylabel(column)
        axes.grid(True, axis="x")
        if self.split_by_segment:
            axes.legend(loc="upper left", bbox_to_anchor=(1.02, 1), borderaxespad=0)

    def _draw_box_plot(self, axes, column: str) -> None:
        values = self._numbers(column)
        finite = np.isfinite(values)
        groups = [group for group in self._groups() if (group[2] & finite).any()]
        boxes = axes.boxplot(
            [values[mask & finite] for _, _, mask in groups],
            orientation="horizontal",
            patch_artist=True,
            tick_labels=[label for label, _, _ in groups],
            widths=0.6,
            medianprops={"color": self.plot.text_colour, "linewidth": 2},
            whiskerprops={"color": self.plot.text_colour},
            capprops={"color": self.plot.text_colour},
            flierprops={
                "marker": ".",
                "markersize": 3,
                "alpha": 0.4,
                "markeredgecolor": self.plot.muted_colour,
            },
        )
        for box, (_, colour, _) in zip(boxes["boxes"], groups, strict=True):
            box.set_facecolor(to_rgba(colour, 0.6))
            box.set_edgecolor(colour)
        axes.invert_yaxis()
        axes.set_xlabel(column)
        axes.grid(True, axis="x")

    def _draw_scatter(self, axes, x_column: str, y_column: str) -> None:
        rows = len(self._frame)
        labels = self._labels if self.split_by_segment else None
        sample = sample_rows(rows, MAX_SCATTER_POINTS, labels, seed=SAMPLE_SEED)
        x, y = self._numbers(x_column)[sample], self._numbers(y_column)[sample]
        size = marker_size(len(sample))
        for label, colour, mask in self._groups():
            chosen = mask[sample]
            # Plain markers (a Line2D) draw many times faster than a scatter collection.
            axes.plot(
                x[chosen],
                y[chosen],
                linestyle="none",
                marker="o",
                markersize=size,
                markeredgewidth=0,
                color=colour,
                alpha=0.8,
                label=label,
            )
        axes.set_xlabel(x_column)
        axes.set_ylabel(y_column)
        axes.grid(True)
        if len(sample) < rows:
            axes.set_title(
                f"Showing {len(sample):,} of {rows:,} customers (a random sample).",
                loc="left",
                fontsize="small",
            )
        if self.split_by_segment:
            axes.legend(
                loc="upper left", bbox_to_anchor=(1.02, 1), borderaxespad=0, markerscale=max(1.0, 6.0 / size)
            )

    def _draw_correlations(self, figure, axes) -> None:
        if self._correlations is None:
            self._correlations = correlation_matrix(self._frame, exclude=self._not_numeric)
        correlations = self._correlations
        if len(correlations) < 2:
            axes.set_axis_off()
            axes.text(
                0.5,
                0.5,
                "Correlations need at least two numeric columns.",
                ha="center",
                va="center",
                transform=axes.transAxes,
            )
            return
        names = [str(name) for name in correlations.columns]
        image = axes.imshow(correlations.to_numpy(), cmap="RdBu_r", vmin=-1, vmax=1)
        # Many columns (CC GENERAL's 17): smaller, upright labels that do not run into each other.
        many = len(names) > MAX_ANNOTATED_COLUMNS
        size = "x-small" if many else "medium"
        axes.set_xticks(
            range(len(names)), names, rotation=90 if many else 35, ha="right", rotation_mode="anchor",
            fontsize=size,
        )
        axes.set_yticks(range(len(names)), names, fontsize=size)
        figure.colorbar(image, ax=axes, label="Correlation (−1 opposite, +1 together)", shrink=0.85)
        if len(names) <= MAX_ANNOTATED_COLUMNS:
            for (row, col), value in np.ndenumerate(correlations.to_numpy()):
                if np.isfinite(value):
                    axes.text(
                        col,
                        row,
                        f"{value:.2f}",
                        ha="center",
                        va="center",
                        fontsize="small",
                        color="white" if abs(value) > 0.6 else "black",
                    )
        axes.set_title("How numeric columns move together", loc="left")
