"""Choose k: the elbow chart (WCSS and silhouette per number of segments) and the choice of k.

The tab keeps the sweep's results, so choosing another k only marks it and emits `k_chosen`; nothing
is recomputed here. Programmatic updates (`show_sweep`, `set_chosen_k`) never emit `k_chosen`.
The chart is drawn only while the tab is visible; scores streaming in during a sweep are drawn together
at most every few tenths of a second, so the window keeps answering.
"""

from matplotlib.backend_bases import MouseButton, MouseEvent
from matplotlib.ticker import NullLocator
from matplotlib.transforms import Bbox
from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from core.clustering import MAX_K, KScore, KSweep
from desktop_app.plot_canvas import PlotCanvas

HELP_TEXT = (
    "How many groups are there in your customers? For each number of segments the chart shows how far "
    "customers are, in total, from the centre of their segment (the solid line, lower is tighter). "
    "The line drops fast while extra segments reveal real groups, then flattens once new segments only "
    "split groups that belong together: pick the number where it bends (the “elbow”). The dashed line "
    "shows how clearly the segments are separated (higher is better). Click a point or set the number "
    "below, then press “Show segments”."
)
WCSS_COLOUR = "#0072B2"
SILHOUETTE_COLOUR = "#D55E00"
SUGGESTED_COLOUR = "#E69F00"
DEFAULT_K_MIN, DEFAULT_K_MAX = 1, 10
# As wide as the widest y tick label matplotlib writes without an exponent (it switches at a million).
WIDEST_TICK_LABEL = "000000"


class ElbowTab(QWidget):
    sweep_requested = Signal(int, int)
    k_chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._scores: dict[int, KScore] = {}
        self._suggested_k: int | None = None
        self._k_range: tuple[int, int] | None = None
        self.wcss_axes = self.silhouette_axes = None  # created by the first draw
        self._chart_theme: dict[str, object] | None = None  # the theme the chart's artists were made in
        self._legend_labels: tuple[str, ...] | None = None
        self._background = None  # the picture of the chart's unchanging parts (see `_draw`)
        self._background_state: tuple | None = None
        self._label_room = [0.0, 0.0]  # pixels kept for the widest y tick labels, left and right

        help_label = QLabel(HELP_TEXT)
        help_label.setWordWrap(True)

        self.k_min_spin = QSpinBox()
        self.k_max_spin = QSpinBox()
        self.k_min_spin.setAccessibleName("Fewest segments to try")
        self.k_max_spin.setAccessibleName("Most segments to try")
        self.k_min_spin.setRange(1, DEFAULT_K_MAX - 1)
        self.k_max_spin.setRange(DEFAULT_K_MIN + 1, MAX_K)
        self.k_min_spin.setValue(DEFAULT_K_MIN)
        self.k_max_spin.setValue(DEFAULT_K_MAX)
        # Each bound limits the other, so k-min always stays below k-max.
        self.k_min_spin.valueChanged.connect(lambda value: self.k_max_spin.setMinimum(value + 1))
        self.k_max_spin.valueChanged.connect(lambda value: self.k_min_spin.setMaximum(value - 1))
        self.run_button = QPushButton("Compare numbers of segments")
        self.run_button.clicked.connect(self._request_sweep)

        controls = QHBoxLayout()
        controls.addWidget(QLabel("Try from"))
        controls.addWidget(self.k_min_spin)
        controls.addWidget(QLabel("to"))
        controls.addWidget(self.k_max_spin)
        controls.addWidget(QLabel("segments"))
        controls.addWidget(self.run_button)
        controls.addStretch()

        self.reason_label = QLabel()
        self.reason_label.setWordWrap(True)
        self.reason_label.setTextFormat(Qt.TextFormat.PlainText)
        font = self.reason_label.font()
        font.setBold(True)
        self.reason_label.setFont(font)

        self.plot = PlotCanvas(self)
        self.plot.setMinimumHeight(240)
        self.plot.set_painter(self._draw)
        self.plot.canvas.mpl_connect("button_press_event", self._on_press)
        self.plot.canvas.mpl_connect("resize_event", self._on_resize)
        self.plot.canvas.mpl_connect("draw_event", self._keep_background)

        self.k_spin = QSpinBox()
        self.k_spin.setAccessibleName("Number of segments")
        self.k_spin.setRange(1, MAX_K)
        self.k_spin.setValue(DEFAULT_K_MIN + 2)
        # Typing "12" must not choose 1 on the way: emit once the number is complete.
        self.k_spin.setKeyboardTracking(False)
        self.k_spin.valueChanged.connect(self._on_k_spin_changed)
        self.show_button = QPushButton("Show segments")
        self.show_button.clicked.connect(lambda: self.k_chosen.emit(self.k_spin.value()))
        choice = QHBoxLayout()
        choice.addWidget(QLabel("Number of segments:"))
        choice.addWidget(self.k_spin)
        choice.addWidget(self.show_button)
        choice.addStretch()

        layout = QVBoxLayout(self)
        layout.addWidget(help_label)
        layout.addLayout(controls)
        layout.addWidget(self.reason_label)
        layout.addWidget(self.plot, stretch=1)
        layout.addLayout(choice)
        self.plot.request_draw()

    # --- driven by the session -------------------------------------------------------------------
    def set_k_limit(self, max_k: int) -> None:
        """Bound every k to what the data allows (no more segments than customers), and to MAX_K."""
        limit = max(1, min(max_k, MAX_K))
        self.k_max_spin.setMaximum(max(limit, 2))
        self.k_min_spin.setMaximum(max(1, min(self.k_max_spin.value(), limit) - 1))
        self.k_spin.setMaximum(limit)
        self.run_button.setEnabled(limit >= 2)

    def sweep_started(self, k_min: int, k_max: int) -> None:
        """A new sweep runs: forget the old scores, show the range it covers."""
        self._scores.clear()
        self._suggested_k = None
        self._k_range = (k_min, k_max)
        self._label_room = [0.0, 0.0]
        with QSignalBlocker(self.k_min_spin), QSignalBlocker(self.k_max_spin):
            self.k_max_spin.setMinimum(k_min + 1)
            self.k_min_spin.setMaximum(k_max - 1)
            self.k_min_spin.setValue(k_min)
            self.k_max_spin.setValue(k_max)
        self.reason_label.setText(f"Comparing {k_min} to {k_max} segments…")
        self.plot.request_draw()

    def add_score(self, score: KScore) -> None:
        self._scores[score.k] = score
        self.plot.request_draw_soon()

    def show_sweep(self, sweep: KSweep) -> None:
        self._scores = {score.k: score for score in sweep.scores}
        self._suggested_k = sweep.suggested_k
        self._label_room = [0.0, 0.0]  # fit the final labels: the legend changes, so all is drawn anyway
        self.reason_label.setText(sweep.reason)  # names the suggested k; the chart marks it
        with QSignalBlocker(self.k_spin):
            self.k_spin.setValue(sweep.suggested_k)
        self.plot.request_draw()

    def set_chosen_k(self, k: int) -> None:
        if k == self.k_spin.value():
            return  # already marked: the fit that follows a choice must not cost another draw
        with QSignalBlocker(self.k_spin):
            self.k_spin.setValue(k)
        self.plot.request_draw()

    def clear(self) -> None:
        self._scores.clear()
        self._suggested_k = None
        self._k_range = None
        self._label_room = [0.0, 0.0]
        self.reason_label.clear()
        self.plot.request_draw()

    @property
    def scores(self) -> tuple[KScore, ...]:
        return tuple(self._scores[k] for k in sorted(self._scores))

    # --- chart -----------------------------------------------------------------------------------
    # Rebuilding and laying out the figure for every streamed score stalled the window for a quarter of a
    # second per score on large data. So the artists are created once (again after a theme change) and
    # updated in place, the layout is computed once per size, and the parts that do not change while
    # scores arrive (axes frame, k axis, legend) are rendered once and kept as a picture: a draw puts the
    # picture back and renders only the curves, the markers and the y axes on it.
    def _draw(self) -> None:
        if self.wcss_axes is None or self._chart_theme != self.plot.theme():
            self._build_chart()
        self._update_chart()
        if self._background is None or self._background_state != self._static_state():
            self.plot.redraw()  # `_keep_background` then adds the changing parts
            return
        canvas = self.plot.canvas
        canvas.restore_region(self._background)
        self._draw_changing_parts()
        canvas.blit(self.plot.figure.bbox)

    def _static_state(self) -> tuple:
        """What the kept picture shows: when any of it changes, the whole chart is drawn again."""
        return (
            tuple(self.plot.figure.bbox.bounds),
            tuple(self.wcss_axes.get_position().bounds),
            self.wcss_axes.get_xlim(),
            self._legend_labels,
            self.silhouette_axes.get_visible(),
            self._empty_text.get_visible(),
        )

    def _keep_background(self, event) -> None:
        """After every full draw (ours, a resize, the toolbar): keep the picture, then add the rest."""
        if self.wcss_axes is None:
            return
        if self.plot.canvas.is_saving():
            self._background = None  # a file's picture has another size; saving draws every part anyway
            return
        self._background = self.plot.canvas.copy_from_bbox(self.plot.figure.bbox)
        self._background_state = self._static_state()
        self._draw_changing_parts()

    def _draw_changing_parts(self) -> None:
        figure = self.plot.figure
        with self.plot.themed():  # new ticks take their colours and sizes from the theme
            for artist in self._changing_parts:
                if artist.axes.get_visible():
                    figure.draw_artist(artist)

    def _build_chart(self) -> None:
        self._chart_theme = self.plot.theme()
        with self.plot.building() as figure:
            axes = self.wcss_axes = figure.add_subplot()
            axes.set_xlabel("Number of segments (k)")
            axes.set_ylabel("Distance within segments (WCSS)", color=WCSS_COLOUR)
            axes.grid(True, axis="x")
            axes.xaxis.get_major_locator().set_params(integer=True)
            (self._wcss_line,) = axes.plot(
                [], [], "o-", color=WCSS_COLOUR, label="Distance within segments", markersize=6
            )
            twin = self.silhouette_axes = axes.twinx()
            twin.set_ylabel("Separation (silhouette)", color=SILHOUETTE_COLOUR)
            (self._silhouette_line,) = twin.plot(
                [], [], "s--", color=SILHOUETTE_COLOUR, label="Separation", markersize=6
            )
            self._suggested_line = axes.axvline(0, color=SUGGESTED_COLOUR, linestyle=":", linewidth=2)
            (self._suggested_marker,) = axes.plot(
                [],
                [],
                "*",
                linestyle="none",
                color=SUGGESTED_COLOUR,
                markersize=18,
                markeredgecolor=self.plot.text_colour,
            )
            (self._chosen_marker,) = axes.plot(
                [],
                [],
                "o",
                linestyle="none",
                markersize=14,
                markerfacecolor="none",
                markeredgecolor=self.plot.text_colour,
                markeredgewidth=2,
            )
            self._empty_text = axes.text(
                0.5,
                0.5,
                "Press “Compare numbers of segments” to fill this chart.",
                ha="center",
                va="center",
                transform=axes.transAxes,
            )
        self._y_locators = {axis: axis.get_major_locator() for axis in (axes.yaxis, twin.yaxis)}
        # Drawn by `_draw_changing_parts` only (and when saving to a file): left out of full draws.
        self._changing_parts = (
            axes.yaxis,
            twin.yaxis,
            self._suggested_line,
            self._wcss_line,
            self._silhouette_line,
            self._suggested_marker,
            self._chosen_marker,
        )
        for artist in self._changing_parts:
            artist.set_animated(True)
        self._background = None
        self._lay_out()

    def _lay_out(self) -> None:
        """Constrained layout for the current size, with room for everything the chart can show.

        The plot area then stays put while scores arrive; only the y tick labels, which change with the
        data, move its sides (`_fit_margins`).
        """
        self.silhouette_axes.set_visible(True)
        for axis, locator in self._y_locators.items():
            axis.set_major_locator(locator)
        self._set_legend(self._legend_handles)  # the tallest legend: all four entries
        self.plot.freeze_layout()
        self._laid_out_position = self.wcss_axes.get_position()
        self._laid_out_label_widths = self._tick_label_widths()
        self._label_room = [0.0, 0.0]
        self._legend_labels = None  # the next update puts back the legend it needs

    @property
    def _legend_handles(self) -> list:
        return [self._wcss_line, self._silhouette_line, self._suggested_marker, self._chosen_marker]

    @property
    def _sweeping(self) -> bool:
        """Scores are streaming in: the suggestion and the choice belong to the sweep's end."""
        return self._k_range is not None and self._suggested_k is None

    def _update_chart(self) -> None:
        scores = self.scores
        axes, twin = self.wcss_axes, self.silhouette_axes
        low, high = self._k_range or (
            (scores[0].k, scores[-1].k) if scores else (self.k_min_spin.value(), self.k_max_spin.value())
        )
        axes.set_xlim(low - 0.5, high + 0.5)
        # While a sweep runs, the frame, both axes and the legend look the same from its first score to
        # its last, so each streamed score needs only the quick redraw of the curves and y axes.
        sweeping = self._sweeping
        self._empty_text.set_visible(not scores and not sweeping)
        axes.yaxis.set_major_locator(self._y_locators[axes.yaxis] if scores else NullLocator())

        self._wcss_line.set_visible(bool(scores) or sweeping)  # the legend lists visible lines only
        self._wcss_line.set_data([score.k for score in scores], [score.wcss for score in scores])
        with_silhouette = [score for score in scores if score.silhouette is not None]
        self._silhouette_line.set_data(
            [score.k for score in with_silhouette], [score.silhouette for score in with_silhouette]
        )
        self._silhouette_line.set_visible(bool(with_silhouette) or sweeping)
        twin.set_visible(bool(with_silhouette) or sweeping)
        twin.yaxis.set_major_locator(self._y_locators[twin.yaxis] if with_silhouette else NullLocator())

        suggested = self._suggested_k if self._suggested_k in self._scores else None
        self._suggested_line.set_visible(suggested is not None)
        self._mark(self._suggested_marker, suggested, "Suggested")
        if suggested is not None:
            self._suggested_line.set_xdata([suggested, suggested])
        chosen = self.k_spin.value()
        marked = chosen in self._scores and not sweeping
        self._mark(self._chosen_marker, chosen if marked else None, "Chosen")

        for each_axes in (axes, twin):
            each_axes.relim(visible_only=True)
            each_axes.autoscale_view(scalex=False)
        self._set_legend([line for line in self._legend_handles if line.get_visible()])
        self._fit_margins()

    def _mark(self, marker, k: int | None, name: str) -> None:
        marker.set_visible(k is not None)
        if k is not None:
            marker.set_data([k], [self._scores[k].wcss])
            marker.set_label(f"{name}: {k}")

    def _set_legend(self, handles: list) -> None:
        """Above the plot area, so it never hides a point of either curve; made again only if it changes."""
        labels = tuple(handle.get_label() for handle in handles)
        if labels == self._legend_labels:
            return
        self._legend_labels = labels
        if not handles:
            if self.wcss_axes.get_legend() is not None:
                self.wcss_axes.get_legend().remove()
            return
        with self.plot.themed():
            self.wcss_axes.legend(
                handles=handles,
                loc="lower center",
                bbox_to_anchor=(0.5, 1.0),
                ncols=len(handles),
                frameon=False,
            )

    def _tick_text_width(self, text: str) -> float:
        font = self.wcss_axes.yaxis.get_major_ticks(1)[0].label1.get_fontproperties()
        renderer = self.plot.canvas.get_renderer()
        return renderer.get_text_width_height_descent(text, font, ismath=False)[0]

    def _tick_label_widths(self) -> tuple[float, float]:
        """Pixel widths of the widest y tick label left and right, for the limits the axes show now."""
        renderer = self.plot.canvas.get_renderer()
        widths = []
        for axis in (self.wcss_axes.yaxis, self.silhouette_axes.yaxis):
            low, high = sorted(axis.get_view_interval())
            locations = [location for location in axis.get_majorticklocs() if low <= location <= high]
            font = axis.get_major_ticks(1)[0].label1.get_fontproperties()
            widths.append(
                max(
                    (
                        renderer.get_text_width_height_descent(label, font, ismath=False)[0]
                        for label in axis.get_major_formatter().format_ticks(locations)
                    ),
                    default=0.0,
                )
            )
        return widths[0], widths[1]

    def _fit_margins(self) -> None:
        """Move the plot area's sides by how much wider or narrower the y tick labels got since layout.

        While a sweep runs, room is kept for the widest labels the axes can show (six digits: larger
        numbers get an exponent), so the plot area and the kept picture never change with its scores.
        """
        left, right = self._tick_label_widths()
        if self._sweeping:
            widest = self._tick_text_width(WIDEST_TICK_LABEL)
            left, right = max(left, widest), max(right, widest)
        left = self._label_room[0] = max(left, self._label_room[0])
        right = self._label_room[1] = max(right, self._label_room[1])
        laid_out_left, laid_out_right = self._laid_out_label_widths
        width = self.plot.figure.bbox.width
        box = self._laid_out_position
        self.wcss_axes.set_position(
            Bbox.from_extents(
                box.x0 + (left - laid_out_left) / width,
                box.y0,
                box.x1 - (right - laid_out_right) / width,
                box.y1,
            )
        )

    def _on_resize(self, event) -> None:
        if self.wcss_axes is not None:
            self._build_chart()
            self._update_chart()

    def _on_press(self, event: MouseEvent) -> None:
        # Panning or zooming with the toolbar is not a choice of k.
        if event.button != MouseButton.LEFT or event.inaxes is None or event.xdata is None:
            return
        if self.plot.toolbar is not None and self.plot.toolbar.mode:
            return
        if not self._scores:
            return
        nearest = min(self._scores, key=lambda k: abs(k - event.xdata))
        self.set_chosen_k(nearest)
        self.k_chosen.emit(nearest)

    def _on_k_spin_changed(self, k: int) -> None:
        self.plot.request_draw()
        self.k_chosen.emit(k)

    def _request_sweep(self) -> None:
        self.sweep_requested.emit(self.k_min_spin.value(), self.k_max_spin.value())
