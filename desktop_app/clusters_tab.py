"""The customers on a map, coloured by segment, with each segment's centre.

The map is either two chosen features in the file's own units or an overview of all features (a 2-D
principal-component projection whose axes are named after the features that drive them). With many
customers a fixed, stratified sample is drawn so the chart stays quick and every segment stays visible;
the chart says so. Pointing at a customer shows their row under the chart. The sample, the projection
and the chart are made only while the tab is visible, so new segments cost a hidden tab nothing.
"""

import textwrap

import numpy as np
import pandas as pd
from matplotlib.backend_bases import MouseEvent
from matplotlib.patheffects import withStroke
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from core.exploration import Projection, is_numeric_column, project_2d, sample_rows
from core.pipeline import Segmentation
from core.preparation import PreparedData
from desktop_app.palette import segment_number_colour
from desktop_app.plot_canvas import PlotCanvas, marker_size

MAX_POINTS = 20_000
SAMPLE_SEED = 0
HOVER_RADIUS_PX = 10  # in logical pixels; scaled by the display's pixel ratio
HOVER_DELAY_MS = 40  # mouse moves are coalesced: at most one nearest-point search per interval
MAX_HOVER_COLUMNS = 8
# Axis titles wrap after about this many characters (the vertical one after half).
AXIS_TITLE_CHARACTERS = 70
OVERVIEW, TWO_FEATURES = "Overview of all features", "Two features"
HOVER_HINT = "Point at a customer to see their row."


class ClustersTab(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._frame: pd.DataFrame | None = None
        self._prepared: PreparedData | None = None
        self._segmentation: Segmentation | None = None
        self._projection: Projection | None = None  # its coords: one per customer in _sample
        self._features: list[str] = []
        self._sample = np.empty(0, dtype=int)  # frame positions of the customers drawn
        self._shown_xy = np.empty((0, 2))
        self._segmented_count = 0
        self._pending_hover: tuple[float, float] | None = None
        self._needs_sample = False  # a new fit is kept but not yet sampled and projected
        self.axes = None  # set by each draw

        self.view_combo = QComboBox()
        self.view_combo.addItems([OVERVIEW, TWO_FEATURES])
        self.view_combo.setToolTip(
            "The overview places similar customers close together using every feature at once; "
            "“Two features” shows two of them in your own units."
        )
        self.x_combo = QComboBox()
        self.y_combo = QComboBox()
        self.x_combo.setAccessibleName("Horizontal axis")
        self.y_combo.setAccessibleName("Vertical axis")
        for combo in (self.view_combo, self.x_combo, self.y_combo):
            combo.currentIndexChanged.connect(self._on_view_changed)
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Show:"))
        controls.addWidget(self.view_combo)
        controls.addWidget(QLabel("Across:"))
        controls.addWidget(self.x_combo)
        controls.addWidget(QLabel("Up:"))
        controls.addWidget(self.y_combo)
        controls.addStretch()

        # Drawn on a worker: drawing the segments of a million customers (a sample of them, the text
        # above all) held the window for 0.2-0.3 s at every new fit.
        self.plot = PlotCanvas(self, background=True)
        self.plot.set_painter(self._draw)
        self.plot.canvas.mpl_connect("motion_notify_event", self._on_motion)
        self.hover_label = QLabel(HOVER_HINT)
        self.hover_label.setWordWrap(True)
        self._hover_timer = QTimer(self)
        self._hover_timer.setSingleShot(True)
        self._hover_timer.setInterval(HOVER_DELAY_MS)
        self._hover_timer.timeout.connect(self._show_pending_hover)

        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.plot, stretch=1)
        layout.addWidget(self.hover_label)
        self._update_combos_enabled()
        self.plot.request_draw()

    def show_segmentation(
        self, frame: pd.DataFrame, prepared: PreparedData, segmentation: Segmentation
    ) -> None:
        previous_fit = self._segmentation
        self._segmentation = segmentation
        new_features = frame is not self._frame or prepared is not self._prepared
        renamed_only = (
            previous_fit is not None
            and not new_features
            and segmentation.segmenter is previous_fit.segmenter
            and segmentation.labels is previous_fit.labels
        )
        if not renamed_only:  # a new fit: sample and project again when drawn (renaming keeps both)
            self._frame, self._prepared = frame, prepared
            self._needs_sample = True
        previous = (self.x_combo.currentText(), self.y_combo.currentText())
        self._features = [
            name
            for name in segmentation.centroids.columns
            if name in frame and is_numeric_column(frame[name])
        ]
        for combo, default in zip((self.x_combo, self.y_combo), (0, 1), strict=True):
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(self._features)
            kept = previous[default]
            index = self._features.index(kept) if kept in self._features else default
            combo.setCurrentIndex(min(index, len(self._features) - 1))
            combo.blockSignals(False)
        if new_features and prepared.matrix.shape[1] <= 2 and len(self._features) >= 2:
            # With two features the overview is only a rotation of them: the features themselves read better.
            self.view_combo.blockSignals(True)
            self.view_combo.setCurrentText(TWO_FEATURES)
            self.view_combo.blockSignals(False)
        self._update_combos_enabled()
        self.plot.request_draw()

    def _sample_and_project(self) -> None:
        frame, prepared, segmentation = self._frame, self._prepared, self._segmentation
        self._needs_sample = False
        labels = np.asarray(segmentation.labels)
        segmented = np.flatnonzero(labels >= 0)
        self._segmented_count = len(segmented)
        self._sample = segmented[sample_rows(len(segmented), MAX_POINTS, labels[segmented], seed=SAMPLE_SEED)]
        matrix_row = np.full(len(frame), -1)
        matrix_row[np.asarray(prepared.row_positions)] = np.arange(len(prepared.row_positions))
        self._projection = project_2d(
            prepared.matrix,
            prepared.feature_names,
            segmentation.centres,
            rows=matrix_row[self._sample],
        )

    def clear(self) -> None:
        self._frame = None
        self._prepared = None
        self._segmentation = None
        self._projection = None
        self._features = []
        self._sample = np.empty(0, dtype=int)
        self._needs_sample = False
        for combo in (self.x_combo, self.y_combo):
            combo.blockSignals(True)
            combo.clear()
            combo.blockSignals(False)
        self._update_combos_enabled()
        self.plot.request_draw()

    @property
    def showing_overview(self) -> bool:
        return self.view_combo.currentText() == OVERVIEW or len(self._features) < 2

    # --- chart -----------------------------------------------------------------------------------
    def _on_view_changed(self) -> None:
        self._update_combos_enabled()
        self.plot.request_draw()

    def _update_combos_enabled(self) -> None:
        two = self.view_combo.currentText() == TWO_FEATURES
        self.view_combo.setEnabled(len(self._features) >= 2)
        for combo in (self.x_combo, self.y_combo):
            combo.setEnabled(two and len(self._features) >= 2)

    def _points_and_centres(self) -> tuple[np.ndarray, np.ndarray, tuple[str, str]]:
        segmentation = self._segmentation
        if self.showing_overview:
            return self._projection.coords, self._projection.centres, self._projection.axis_labels
        x_name, y_name = self.x_combo.currentText(), self.y_combo.currentText()
        points = self._frame[[x_name, y_name]].to_numpy(dtype="float64", na_value=np.nan)[self._sample]
        centres = segmentation.centroids[[x_name, y_name]].to_numpy(dtype="float64")
        return points, centres, (x_name, y_name)

    def _draw(self) -> None:
        with self.plot.drawing() as figure:
            self.axes = axes = figure.add_subplot()
            if self._segmentation is None:
                self._shown_xy = np.empty((0, 2))
                axes.set_axis_off()
                axes.text(
                    0.5,
                    0.5,
                    "Segments appear here once they are found.",
                    ha="center",
                    va="center",
                    transform=axes.transAxes,
                )
                return
            if self._needs_sample:
                self._sample_and_project()
            segmentation = self._segmentation
            points, centres, (x_label, y_label) = self._points_and_centres()
            self._shown_xy = points
            labels = np.asarray(segmentation.labels)[self._sample]
            size = marker_size(len(points))
            for index, profile in enumerate(segmentation.profiles):
                mine = labels == index
                # Plain markers (a Line2D) draw many times faster than a scatter collection.
                axes.plot(
                    points[mine, 0],
                    points[mine, 1],
                    linestyle="none",
                    marker="o",
                    markersize=size,
                    markeredgewidth=0,
                    color=segment_number_colour(profile.number),
                    alpha=0.75 if len(points) > 5000 else 0.9,
                    label=f"{profile.number} · {profile.name} ({profile.size:,})",
                )
            # A halo in the background colour keeps each centre visible on its own crowd of points.
            halo = [withStroke(linewidth=4, foreground=self.plot.plot_area_colour)]
            colours = [segment_number_colour(number) for number in segmentation.numbers]
            axes.scatter(
                centres[:, 0],
                centres[:, 1],
                marker="X",
                s=260,
                c=colours,
                edgecolors=self.plot.text_colour,
                linewidths=1.5,
                zorder=3,
                path_effects=halo,
            )
            for index, (x, y) in enumerate(centres):
                axes.annotate(
                    str(segmentation.numbers[index]),
                    (x, y),
                    xytext=(9, 7),
                    textcoords="offset points",
                    fontweight="bold",
                    zorder=4,
                    path_effects=halo,
                )
            # An overview's titles name the columns driving each direction: long on wide files (CC
            # GENERAL), so they wrap rather than run past the chart's edge.
            axes.set_xlabel(textwrap.fill(x_label, AXIS_TITLE_CHARACTERS))
            axes.set_ylabel(textwrap.fill(y_label, AXIS_TITLE_CHARACTERS // 2))
            axes.grid(True)
            axes.legend(
                title="Segments (✕ = centre)",
                loc="upper left",
                bbox_to_anchor=(1.02, 1),
                markerscale=max(1.0, 6.0 / size),
                borderaxespad=0,
            )
            axes.set_title(self._sample_note(), loc="left", fontsize="small")

    def _sample_note(self) -> str:
        total = len(self._segmentation.labels)
        notes = []
        if len(self._sample) < self._segmented_count:
            notes.append(
                f"Showing {len(self._sample):,} of {self._segmented_count:,} customers "
                "(a sample that keeps every segment)."
            )
        else:
            notes.append(f"All {self._segmented_count:,} customers.")
        if total > self._segmented_count:
            notes.append(f"{total - self._segmented_count:,} left out for missing values are not shown.")
        return " ".join(notes)

    # --- hovering --------------------------------------------------------------------------------
    def _on_motion(self, event: MouseEvent) -> None:
        self._pending_hover = (event.x, event.y) if event.inaxes is self.axes else None
        if not self._hover_timer.isActive():
            self._hover_timer.start()

    def _show_pending_hover(self) -> None:
        if self.plot.draw_pending:
            # The worker is laying the chart out: where a customer lands is known once it is done (a
            # hidden tab has nothing under the pointer, and waits for nothing).
            if self.isVisible():
                self._hover_timer.start()
            return
        row = None if self._pending_hover is None else self.customer_at(*self._pending_hover)
        self.hover_label.setText(HOVER_HINT if row is None else self._describe(row))

    def customer_at(self, x_pixel: float, y_pixel: float) -> int | None:
        """Frame position of the drawn customer nearest to a canvas pixel, if one is close enough."""
        if len(self._shown_xy) == 0:
            return None
        on_screen = self.axes.transData.transform(self._shown_xy)
        distance = np.hypot(on_screen[:, 0] - x_pixel, on_screen[:, 1] - y_pixel)
        if np.all(np.isnan(distance)):
            return None
        nearest = int(np.nanargmin(distance))
        radius = HOVER_RADIUS_PX * self.plot.canvas.device_pixel_ratio
        return int(self._sample[nearest]) if distance[nearest] <= radius else None

    def _describe(self, row: int) -> str:
        label = int(self._segmentation.labels[row])
        profile = self._segmentation.profiles[label]
        values = self._frame.iloc[row]
        shown = " · ".join(f"{name}: {value}" for name, value in list(values.items())[:MAX_HOVER_COLUMNS])
        return f"Segment {profile.number} ({profile.name}) — {shown}"
