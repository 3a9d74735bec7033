"""Choose k: the elbow chart (WCSS and silhouette per number of segments) and the choice of k.

The tab keeps the sweep's results, so choosing another k only marks it and emits `k_chosen`; nothing
is recomputed here. Programmatic updates (`show_sweep`, `set_chosen_k`) never emit `k_chosen`.
The chart is drawn only while the tab is visible, on a worker (see `_draw`); scores streaming in during
a sweep are drawn together at most every tenth of a second.
"""

from dataclasses import dataclass

from matplotlib.backend_bases import MouseButton, MouseEvent
from matplotlib.ticker import NullLocator
from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.clustering import MAX_K, KScore, KSweep
from core.methods import DEFAULT_METHOD, Method, method_named
from core.pipeline import Segmentation
from core.stability import STABLE_AT
from desktop_app.dendrogram_view import DendrogramView
from desktop_app.plot_canvas import PlotCanvas
from desktop_app.splits_view import SplitsView

HELP_TEXT = (
    "How many groups are there in your customers? For each number of segments the chart shows how far "
    "customers are, in total, from the centre of their segment (the solid line, lower is tighter). "
    "The line drops fast while extra segments reveal real groups, then flattens once new segments only "
    "split groups that belong together: pick the number where it bends (the “elbow”). The dashed line "
    "shows how clearly the segments are separated (higher is better), the dotted line how stable the "
    "least stable segment is when your customers are reshuffled (0.75 and above: stable). Beside it, "
    "How segments split shows where each segment's customers go as segments are added. Click a point or "
    "a row, or set the number below, then press “Show segments”."
)
MEASURES_TOOLTIP = (
    "<b>Distance within segments (WCSS)</b>: how far customers are, all together, from the centre of "
    "their segment. Lower means tighter segments; it always falls as segments are added, so look for "
    "where it stops falling steeply.<br><b>Separation (silhouette)</b>, from -1 to 1: how clearly each "
    "customer sits in its own segment rather than in the next one. Higher is clearer; above 0.5 the "
    "segments are well apart, below 0.25 they blur into each other.<br><b>Stability of the weakest "
    "segment</b>, from 0 to 1: the customers are reshuffled and grouped again many times; this is how "
    "much the least stable segment overlaps with itself on average (0.85 and above highly stable, 0.75 "
    "stable, below 0.6 not to be trusted)."
)
MIXTURE_HELP_TEXT = (
    "How many groups are there in your customers? For each number of segments the chart shows how well "
    "a mixture of that many groups describes your customers, with a price for every extra group, so "
    "that splitting a real group in two does not pay (the solid line, lower is better). The suggested "
    "number is marked and its reason given above. Click a point or set the number below, then press "
    "“Show segments”."
)
MIXTURE_TOOLTIP = (
    "<b>Fit with a price per group (BIC, the Bayesian information criterion)</b>: how well the mixture "
    "describes the customers, minus a price for each of its settings. Lower is better; a difference of "
    "10 or more is a clear difference."
)


@dataclass(frozen=True)
class CurveMeasure:
    """What the chart's solid line shows: the sweep's own measure of fit (both are lower-is-better)."""

    legend: str
    axis: str
    help: str
    tooltip: str


DISTANCE = CurveMeasure("Distance within segments", "Distance within segments (WCSS)", HELP_TEXT,
                        MEASURES_TOOLTIP)
MIXTURE_FIT = CurveMeasure("Fit with a price per group", "Fit with a price per group (BIC)",
                           MIXTURE_HELP_TEXT, MIXTURE_TOOLTIP)


def curve_value(score) -> float:
    """The solid line's value of a score: a Gaussian mixture's sweep scores its BIC, k-means' the
    distance within segments (core.methods.gmm.MixtureScore, core.clustering.KScore)."""
    bic = getattr(score, "bic", None)
    return score.wcss if bic is None else bic


def curve_measure(score) -> CurveMeasure:
    return DISTANCE if getattr(score, "bic", None) is None else MIXTURE_FIT


WCSS_COLOUR = "#0072B2"
SILHOUETTE_COLOUR = "#D55E00"
SUGGESTED_COLOUR = "#E69F00"
STABILITY_COLOUR = "#009E73"
# Entries per legend row: beside How segments split, three in a row can be wider than the chart.
LEGEND_COLUMNS = 2
SPLITS_TITLE = (
    "<b>How segments split</b><br>One row per number of segments; circles sized by customers and "
    "coloured by stability (green: stable, orange: doubtful, red: not to be trusted, grey: not checked); "
    "lines show where 10 % or more of a segment's customers came from. Click a row to pick it."
)
DEFAULT_K_MIN, DEFAULT_K_MAX = 1, 10


class ElbowTab(QWidget):
    sweep_requested = Signal(int, int)
    k_chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._scores: dict[int, KScore] = {}
        self._stability: dict[int, float] = {}  # each k's smallest segment stability, as it is checked
        self._suggested_k: int | None = None
        self._k_range: tuple[int, int] | None = None
        self._chart_theme: dict[str, object] | None = None  # the theme the chart's artists were made in
        self._legend_labels: tuple[str, ...] | None = None
        self._method: Method = method_named(DEFAULT_METHOD)
        self._measure = DISTANCE  # what the solid line shows, from the sweep's scores

        help_label = self.help_label = QLabel(HELP_TEXT)
        help_label.setWordWrap(True)
        help_label.setToolTip(MEASURES_TOOLTIP)

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

        self.plot = PlotCanvas(self, background=True)
        self.plot.setMinimumHeight(240)
        self.plot.setToolTip(MEASURES_TOOLTIP)
        self.plot.set_painter(self._draw)
        self.plot.canvas.mpl_connect("button_press_event", self._on_press)

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

        # Methods that find the number of segments themselves have nothing to choose here: they say so.
        self.no_k_label = QLabel()
        self.no_k_label.setWordWrap(True)
        self.no_k_label.setTextFormat(Qt.TextFormat.PlainText)
        self.no_k_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.no_k_label.setContentsMargins(12, 24, 12, 12)
        font = self.no_k_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.no_k_label.setFont(font)
        self.no_k_label.hide()
        # Hierarchical grouping: its tree, cut at the chosen number, beside the chart.
        self.dendrogram = DendrogramView()
        self.dendrogram.cut_chosen.connect(self._on_tree_cut)
        self.splits_view = SplitsView()
        self.splits_view.k_clicked.connect(self._on_split_row_clicked)
        splits_title = QLabel(SPLITS_TITLE)
        splits_title.setWordWrap(True)
        splits_panel = QWidget()
        splits_layout = QVBoxLayout(splits_panel)
        splits_layout.setContentsMargins(0, 0, 0, 0)
        splits_layout.addWidget(splits_title)
        splits_layout.addWidget(self.splits_view, stretch=1)
        # How segments split and the tree share the space beside the chart, one at a time: side by side
        # at 1280 pixels the chart and both views were each too narrow to read.
        self.side_views = QTabWidget()
        self.side_views.addTab(splits_panel, "How segments split")
        self._tree_tab = self.side_views.addTab(self.dendrogram, "Tree")
        self.side_views.setTabVisible(self._tree_tab, False)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.plot)
        self.splitter.addWidget(self.side_views)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self._k_widgets = [help_label, self.splitter, self.reason_label]

        layout = QVBoxLayout(self)
        layout.addWidget(help_label)
        layout.addLayout(controls)
        layout.addWidget(self.reason_label)
        self._strip_layout = QVBoxLayout()  # the stability check's row (set_stability_strip)
        layout.addLayout(self._strip_layout)
        layout.addWidget(self.no_k_label, stretch=1)
        layout.addWidget(self.splitter, stretch=1)
        layout.addLayout(choice)
        self._k_layouts = [controls, choice]
        # Made now, while the window opens a file, rather than when the tab first shows during a sweep.
        self._build_chart()
        self.plot.request_draw()

    # --- driven by the session -------------------------------------------------------------------
    def set_method(self, method: Method) -> None:
        """Show the choice of k for a method that takes one; otherwise say plainly there is none."""
        self._method = method
        finds_k = not method.takes_k
        for widget in self._k_widgets:
            widget.setVisible(not finds_k)
        for row in self._k_layouts:
            for index in range(row.count()):
                item = row.itemAt(index).widget()
                if item is not None:
                    item.setVisible(not finds_k)
        self.no_k_label.setVisible(finds_k)
        if finds_k:
            self.no_k_label.setText(
                f"{method.title} finds the number of segments itself: there is no number to choose here. "
                "Customers who belong to no group are shown as segment 0, “Unusual customers”."
            )
        self.dendrogram.show_segmentation(None)
        self._show_tree_tab(False)

    def _show_tree_tab(self, tree: bool) -> None:
        """The tree's tab is there only for a grouping that has a tree, and comes to the front with it."""
        was_shown = self.side_views.isTabVisible(self._tree_tab)
        self.side_views.setTabVisible(self._tree_tab, tree)
        if tree and not was_shown:
            self.side_views.setCurrentWidget(self.dendrogram)

    def _set_measure(self, measure: CurveMeasure) -> None:
        if measure is self._measure:
            return
        self._measure = measure
        self.help_label.setText(measure.help)
        for widget in (self.help_label, self.plot):
            widget.setToolTip(measure.tooltip)

    def show_segmentation(self, segmentation: Segmentation) -> None:
        """What the fitted segments add to this tab: the tree of a hierarchical grouping, or what a
        method that finds the number itself found."""
        method = method_named(segmentation.method)
        if method is not self._method:
            self.set_method(method)
        tree = DendrogramView.has_tree(segmentation)
        # Drawn once shown and laid out: a chart made visible in the same step has no size yet.
        self.dendrogram.show_segmentation(segmentation if tree else None)
        self._show_tree_tab(tree)
        if not method.takes_k:
            unusual = segmentation.unusual
            found = f"It found {segmentation.k} segment{'s' if segmentation.k != 1 else ''}" + (
                f" and {unusual:,} unusual customers (segment 0)." if unusual
                else " and no unusual customers."
            )
            finds_itself = (
                f"{method.title} finds the number of segments itself: there is no number to choose here."
            )
            notes = segmentation.segmenter.notes_
            self.no_k_label.setText(
                " ".join([finds_itself, found, *notes, "See them on the Clusters and Segments tabs."])
            )

    def set_k_limit(self, max_k: int) -> None:
        """Bound every k to what the data allows (no more segments than customers), and to MAX_K."""
        limit = max(1, min(max_k, MAX_K))
        self.k_max_spin.setMaximum(max(limit, 2))
        self.k_min_spin.setMaximum(max(1, min(self.k_max_spin.value(), limit) - 1))
        self.k_spin.setMaximum(limit)
        self.run_button.setEnabled(limit >= 2)

    def set_stability_strip(self, strip: QWidget) -> None:
        """The row that shows the stability check of each k (desktop_app.stability_check)."""
        self._strip_layout.addWidget(strip)

    def show_splits(self, tree) -> None:
        """How segments split (core.splits.SplitTree) for the sweep's ks; None forgets it and the
        stability found so far."""
        self.splits_view.show_tree(tree)
        self.splits_view.set_chosen_k(self.k_spin.value() if tree is not None else None)
        if tree is None and self._stability:
            self._stability.clear()
            self.plot.request_draw()

    def add_stability(self, k: int, result) -> None:
        """One k's stability (core.stability.StabilityResult): its weakest segment on the chart, each
        segment's colour in How segments split."""
        self._stability[k] = result.smallest
        self.splits_view.set_stability(k, result)
        self.plot.request_draw_soon()

    def sweep_started(self, k_min: int, k_max: int) -> None:
        """A new sweep runs: forget the old scores, show the range it covers."""
        redraw = bool(self._scores) or self._suggested_k is not None or self._k_range != (k_min, k_max)
        self._scores.clear()
        self._stability.clear()
        self.splits_view.show_tree(None)
        self._suggested_k = None
        self._k_range = (k_min, k_max)
        with QSignalBlocker(self.k_min_spin), QSignalBlocker(self.k_max_spin):
            self.k_max_spin.setMinimum(k_min + 1)
            self.k_min_spin.setMaximum(k_max - 1)
            self.k_min_spin.setValue(k_min)
            self.k_max_spin.setValue(k_max)
        self.reason_label.setText(f"Comparing {k_min} to {k_max} segments…")
        if redraw:  # the chart may already show this sweep's empty axes (see MainWindow.find_segments)
            self.plot.request_draw()

    def add_score(self, score: KScore) -> None:
        self._scores[score.k] = score
        self._set_measure(curve_measure(score))
        self.plot.request_draw_soon()

    def show_sweep(self, sweep: KSweep) -> None:
        self._scores = {score.k: score for score in sweep.scores}
        self._suggested_k = sweep.suggested_k
        if sweep.scores:
            self._set_measure(curve_measure(sweep.scores[0]))
        self.reason_label.setText(sweep.reason)  # names the suggested k; the chart marks it
        with QSignalBlocker(self.k_spin):
            self.k_spin.setValue(sweep.suggested_k)
        self.splits_view.set_chosen_k(sweep.suggested_k)
        self.plot.request_draw()

    def set_chosen_k(self, k: int) -> None:
        self.splits_view.set_chosen_k(k)
        if k == self.k_spin.value():
            return  # already marked: the fit that follows a choice must not cost another draw
        with QSignalBlocker(self.k_spin):
            self.k_spin.setValue(k)
        self.plot.request_draw()

    def shutdown(self) -> None:
        """Wait for a chart being rendered on a worker to end (call on quit, like the session's shutdown)."""
        self.plot.shutdown()

    def clear(self) -> None:
        """Forget the results and go back to the default range (a new file starts afresh)."""
        self._scores.clear()
        self._stability.clear()
        self.splits_view.show_tree(None)
        self._suggested_k = None
        self._k_range = None
        with QSignalBlocker(self.k_min_spin), QSignalBlocker(self.k_max_spin):
            self.k_min_spin.setMaximum(DEFAULT_K_MAX - 1)
            self.k_max_spin.setMinimum(DEFAULT_K_MIN + 1)
            self.k_min_spin.setValue(DEFAULT_K_MIN)
            self.k_max_spin.setValue(DEFAULT_K_MAX)
        self.reason_label.clear()
        self.plot.request_draw()

    @property
    def scores(self) -> tuple[KScore, ...]:
        return tuple(self._scores[k] for k in sorted(self._scores))

    # --- chart -----------------------------------------------------------------------------------
    # Drawing this chart costs 50-150 ms of matplotlib (its text above all), and during a sweep it is
    # redrawn for every score while the computer is busy: drawn on the GUI thread, it held the window
    # that long each time. So the artists are made once (again after a theme change), a draw only
    # updates them (a few milliseconds), and the canvas renders the picture on a worker.
    def _draw(self) -> None:
        if self._chart_theme != self.plot.theme():
            self._build_chart()
        self._update_chart()
        self.plot.render_in_background()

    def _build_chart(self) -> None:
        """The axes (`wcss_axes`, `silhouette_axes`), curves, markers and texts, empty."""
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
            (self._stability_line,) = twin.plot(
                [], [], "^:", color=STABILITY_COLOUR, label="Stability (weakest segment)", markersize=6,
                linewidth=2,
            )
            self._stable_mark = twin.axhline(STABLE_AT, color=STABILITY_COLOUR, linewidth=0.8, alpha=0.5)
            self._stable_text = twin.text(
                0.01, STABLE_AT, "stable above", color=STABILITY_COLOUR, fontsize="small", va="bottom",
                transform=twin.get_yaxis_transform(),
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
        self._legend_labels = None

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
        # While a sweep runs, both curves are in the legend from the start, so the chart does not jump as
        # they fill; the suggestion and the chosen ring join at its end.
        sweeping = self._sweeping
        self._empty_text.set_visible(not scores and not sweeping)
        axes.yaxis.set_major_locator(self._y_locators[axes.yaxis] if scores else NullLocator())

        self._wcss_line.set_visible(bool(scores) or sweeping)  # the legend lists visible lines only
        self._wcss_line.set_data([score.k for score in scores], [curve_value(score) for score in scores])
        self._wcss_line.set_label(self._measure.legend)
        axes.set_ylabel(self._measure.axis, color=WCSS_COLOUR)
        with_silhouette = [score for score in scores if getattr(score, "silhouette", None) is not None]
        self._silhouette_line.set_data(
            [score.k for score in with_silhouette], [score.silhouette for score in with_silhouette]
        )
        # A mixture's sweep has no separation scores: no dashed line then, not even while it runs.
        separation = bool(with_silhouette) or (sweeping and self._measure is DISTANCE)
        self._silhouette_line.set_visible(separation)
        stable_ks = sorted(k for k in self._stability if k in self._scores)
        self._stability_line.set_data(stable_ks, [self._stability[k] for k in stable_ks])
        self._stability_line.set_visible(bool(stable_ks))
        self._stable_mark.set_visible(bool(stable_ks))
        self._stable_text.set_visible(bool(stable_ks))
        twin.set_ylabel(
            "Separation (silhouette) and stability" if stable_ks else "Separation (silhouette)",
            color=SILHOUETTE_COLOUR,
        )
        twin.set_visible(separation or bool(stable_ks))
        twin.yaxis.set_major_locator(
            self._y_locators[twin.yaxis] if with_silhouette or stable_ks else NullLocator()
        )

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

    @property
    def _legend_handles(self) -> list:
        return [
            self._wcss_line, self._silhouette_line, self._stability_line, self._suggested_marker,
            self._chosen_marker,
        ]

    def _mark(self, marker, k: int | None, name: str) -> None:
        marker.set_visible(k is not None)
        if k is not None:
            marker.set_data([k], [curve_value(self._scores[k])])
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
                ncols=min(len(handles), LEGEND_COLUMNS),
                frameon=False,
            )

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

    def _on_tree_cut(self, k: int) -> None:
        # A cut giving more (or fewer) segments than were tried is taken at the nearest number tried.
        if not self._scores:
            return
        k = min(max(k, min(self._scores)), max(self._scores))
        self.set_chosen_k(k)
        self.k_chosen.emit(k)

    def _on_split_row_clicked(self, k: int) -> None:
        self.set_chosen_k(k)
        self.k_chosen.emit(k)

    def _on_k_spin_changed(self, k: int) -> None:
        self.splits_view.set_chosen_k(k)
        self.plot.request_draw()
        self.k_chosen.emit(k)

    def _request_sweep(self) -> None:
        self.sweep_requested.emit(self.k_min_spin.value(), self.k_max_spin.value())
