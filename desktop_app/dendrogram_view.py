"""The tree of a hierarchical grouping (a dendrogram), cut at the chosen number of segments.

The tree's top part and the cut come from the core (`dendrogram_data` of the fitted segmenter); this view
only draws them: the links below the cut in their segment's colour, the joins above it in grey, a dashed
line where the tree is cut, and under each leaf how many customers it holds. On a large table the leaves
are small groups of similar customers found first, and the view says so with the segmenter's notes.
A click on the tree asks for it to be cut at that height: `cut_chosen` carries the number of segments
that cut gives (`segments_at_height`), and the owner chooses it as any other number of segments.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from matplotlib.backend_bases import MouseButton, MouseEvent
from matplotlib.patheffects import withStroke
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from desktop_app.palette import segment_number_colour
from desktop_app.plot_canvas import PlotCanvas

if TYPE_CHECKING:
    from core.pipeline import Segmentation

HELP_TEXT = (
    "The tree shows how customers were joined, the most alike first, into ever larger groups; the higher "
    "a join, the more different the groups it joins. Cutting across it gives the segments: a tall gap "
    "below the line means the groups under it are clearly apart. Click the tree at a height to cut it "
    "there."
)
ABOVE_CUT_COLOUR = "#8C8C8C"


class DendrogramView(QWidget):
    """`show_segmentation(segmentation)` draws its tree when its segmenter has one (`has_tree`)."""

    cut_chosen = Signal(int)  # the number of segments of a cut the user clicked

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tree = None  # core's Dendrogram of the segmentation shown
        self._numbers: tuple[int, ...] = ()
        help_label = QLabel(HELP_TEXT)
        help_label.setWordWrap(True)
        self.note_label = QLabel()
        self.note_label.setWordWrap(True)
        self.note_label.setTextFormat(Qt.TextFormat.PlainText)
        self.plot = PlotCanvas(self, toolbar=False)
        self.plot.setMinimumHeight(220)
        self.plot.set_painter(self._draw)
        self.plot.canvas.mpl_connect("button_press_event", self._on_press)
        self.plot.canvas.setCursor(Qt.CursorShape.PointingHandCursor)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(help_label)
        layout.addWidget(self.plot, stretch=1)
        layout.addWidget(self.note_label)

    @staticmethod
    def has_tree(segmentation: Segmentation | None) -> bool:
        """Whether the segmentation's segmenter built a tree (a hierarchical grouping fitted here; one
        rebuilt from saved centres has none)."""
        return segmentation is not None and getattr(segmentation.segmenter, "tree_", None) is not None

    def show_segmentation(self, segmentation: Segmentation | None) -> None:
        from core.methods.hierarchical import dendrogram_data

        if not self.has_tree(segmentation):
            self._tree = None
            self.note_label.clear()
        else:
            self._tree = dendrogram_data(segmentation.segmenter)
            self._numbers = segmentation.numbers
            # On a large table the leaves are small groups: the segmenter's notes say so (core's words).
            notes = [
                f"Cut into {self._tree.segments} segments (the dashed line).", *segmentation.segmenter.notes_
            ]
            self.note_label.setText(" ".join(notes))
        self.plot.request_draw()

    @property
    def tree(self):
        return self._tree

    def _on_press(self, event: MouseEvent) -> None:
        from core.methods.hierarchical import segments_at_height

        if self._tree is None or event.button != MouseButton.LEFT or event.ydata is None:
            return
        self.cut_chosen.emit(segments_at_height(self._tree, event.ydata))

    def _draw(self) -> None:
        with self.plot.drawing() as figure:
            axes = figure.add_subplot()
            tree = self._tree
            if tree is None:
                axes.set_axis_off()
                axes.text(0.5, 0.5, "The tree appears once the segments are found.", ha="center",
                          va="center", transform=axes.transAxes)
                return
            for link in tree.links:
                colour = ABOVE_CUT_COLOUR
                if link.segment is not None:
                    colour = segment_number_colour(self._numbers[link.segment])
                axes.plot(link.xs, link.heights, color=colour, linewidth=1.6)
            halo = [withStroke(linewidth=3, foreground=self.plot.plot_area_colour)]
            axes.axhline(tree.cut_height, color=self.plot.text_colour, linestyle="--", linewidth=1.2)
            axes.annotate(
                f"{tree.segments} segments", (1.0, tree.cut_height), xycoords=("axes fraction", "data"),
                xytext=(-4, 4), textcoords="offset points", ha="right", va="bottom", path_effects=halo,
            )
            axes.set_xticks([leaf.x for leaf in tree.leaves])
            axes.set_xticklabels([f"{leaf.customers:,}" for leaf in tree.leaves], rotation=90,
                                 fontsize="small")
            for tick, leaf in zip(axes.get_xticklabels(), tree.leaves, strict=True):
                tick.set_color(segment_number_colour(self._numbers[leaf.segment]))
            axes.set_xlabel("Customers under each branch")
            axes.set_ylabel("How different the joined groups are")
            axes.set_ylim(0, tree.top_height * 1.05)
            for side in ("top", "right"):
                axes.spines[side].set_visible(False)
