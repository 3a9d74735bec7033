"""A matplotlib figure inside a Qt widget, with the navigation toolbar and the colours of the Qt theme.

Charts never use pyplot: each owns a `Figure` drawn by `FigureCanvasQTAgg`. Tabs draw from their data
inside `drawing()` and clear with `clear()`. When the Qt palette changes (light/dark theme), the widget
emits `theme_changed` so its owner draws again from its data with the new colours.

A tab that hands its drawing function to `set_painter` asks for draws with `request_draw`: the chart is
drawn at once while it is on screen and only when it is next shown otherwise, so a hidden tab costs the
GUI thread nothing however often its data changes. `request_draw_soon` folds a burst of updates (scores
streaming in) into one draw.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import matplotlib as mpl
from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg, NavigationToolbar2QT
from matplotlib.figure import Figure
from PySide6.QtCore import QEvent, QTimer, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QSizePolicy, QVBoxLayout, QWidget

# Font sizes in points: they follow the display scaling (matplotlib scales with the device pixel ratio).
MIN_FONT_POINTS = 8.0
DRAW_COALESCE_MS = 100  # updates arriving within this interval are drawn once


def marker_size(count: int) -> float:
    """Diameter in points of a customer's dot: big for a few customers, small for thousands."""
    if count <= 500:
        return 6.0
    if count <= 5000:
        return 3.5
    return 2.0


class PlotCanvas(QWidget):
    theme_changed = Signal()

    def __init__(self, parent: QWidget | None = None, *, toolbar: bool = True) -> None:
        super().__init__(parent)
        self.figure = Figure(layout="constrained")
        self.canvas = FigureCanvasQTAgg(self.figure)
        self.canvas.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.toolbar = NavigationToolbar2QT(self.canvas, self) if toolbar else None
        if self.toolbar is not None:
            layout.addWidget(self.toolbar)
        layout.addWidget(self.canvas)
        self._apply_face_colour()
        self._painter: Callable[[], None] | None = None
        self._stale = False  # a draw was requested while the chart was hidden
        self._coalesce_timer = QTimer(self)
        self._coalesce_timer.setSingleShot(True)
        self._coalesce_timer.setInterval(DRAW_COALESCE_MS)
        self._coalesce_timer.timeout.connect(self.request_draw)

    # Drawing only what is seen.
    def set_painter(self, painter: Callable[[], None]) -> None:
        """`painter()` draws the chart from its owner's data with `drawing()`; also after theme changes."""
        self._painter = painter
        self.theme_changed.connect(self.request_draw)

    def request_draw(self) -> None:
        """Draw now if the chart is on screen, otherwise as soon as it is shown."""
        self._coalesce_timer.stop()
        if self.isVisible():
            self._stale = False
            self._painter()
        else:
            self._stale = True

    def request_draw_soon(self) -> None:
        """Like `request_draw`, within DRAW_COALESCE_MS, once for any number of requests until then."""
        if not self._coalesce_timer.isActive():
            self._coalesce_timer.start()

    @property
    def draw_pending(self) -> bool:
        """A requested draw has not happened yet (the chart is hidden or a coalesced draw is due)."""
        return self._stale or self._coalesce_timer.isActive()

    def showEvent(self, event) -> None:  # Qt override
        super().showEvent(event)
        if self._stale:
            # Once the show is laid out: a chart shown for the first time has no size yet.
            QTimer.singleShot(0, self, self._draw_if_stale)

    def _draw_if_stale(self) -> None:
        if self._stale:
            self.request_draw()

    # Colours and fonts taken from the widget's palette and font, so charts match the theme.
    @property
    def text_colour(self) -> str:
        return self.palette().color(QPalette.ColorRole.WindowText).name()

    @property
    def face_colour(self) -> str:
        return self.palette().color(QPalette.ColorRole.Window).name()

    @property
    def plot_area_colour(self) -> str:
        return self.palette().color(QPalette.ColorRole.Base).name()

    @property
    def muted_colour(self) -> str:
        return self.palette().color(QPalette.ColorRole.Mid).name()

    @property
    def is_dark(self) -> bool:
        return self.palette().color(QPalette.ColorRole.Window).lightnessF() < 0.5

    def theme(self) -> dict[str, object]:
        """matplotlib settings matching the Qt theme; used while artists are created and drawn."""
        text = self.text_colour
        font_points = max(self.font().pointSizeF(), MIN_FONT_POINTS)
        return {
            "font.size": font_points,
            "axes.titlesize": font_points * 1.1,
            "axes.labelsize": font_points,
            "xtick.labelsize": font_points * 0.9,
            "ytick.labelsize": font_points * 0.9,
            "legend.fontsize": font_points * 0.9,
            "text.color": text,
            "axes.labelcolor": text,
            "axes.edgecolor": self.muted_colour,
            "axes.facecolor": self.plot_area_colour,
            "xtick.color": text,
            "ytick.color": text,
            "grid.color": self.muted_colour,
            "grid.alpha": 0.4,
            "legend.facecolor": self.plot_area_colour,
            "legend.edgecolor": self.muted_colour,
            "legend.framealpha": 0.9,
            "figure.facecolor": self.face_colour,
            "savefig.facecolor": self.face_colour,
        }

    @contextmanager
    def drawing(self) -> Iterator[Figure]:
        """Clear the figure, let the caller add axes and artists in the theme's colours, then redraw."""
        with self.building() as figure:
            yield figure
        self.redraw()

    @contextmanager
    def building(self) -> Iterator[Figure]:
        """Clear the figure and let the caller add axes and artists in the theme's colours; no draw.

        For charts that create their artists once and then update them in place within `themed()`.
        """
        with self.themed() as figure:
            figure.clear()
            self._apply_face_colour()
            yield figure

    @contextmanager
    def themed(self) -> Iterator[Figure]:
        """The figure, with the theme's matplotlib settings in force (for artists created or changed)."""
        with mpl.rc_context(self.theme()):
            yield self.figure

    def freeze_layout(self) -> None:
        """Lay the figure out once for its current size and artists, then draw with those positions.

        Constrained layout costs more than the rest of a small chart's draw, so a chart redrawn often
        (scores streaming in) lays out only when its size or its decorations change, and calls this then.
        `building()` keeps a frozen layout frozen; a chart that freezes must call this after building.
        """
        self.figure.set_layout_engine("constrained")
        with self.themed():
            self.figure.get_layout_engine().execute(self.figure)
        self.figure.set_layout_engine("none")

    def redraw(self) -> None:
        """Render now (charts stay small; a synchronous draw keeps picking and hovering exact)."""
        with mpl.rc_context(self.theme()):
            self.canvas.draw()

    def clear(self) -> None:
        self.figure.clear()
        self._apply_face_colour()
        self.redraw()

    def _apply_face_colour(self) -> None:
        self.figure.set_facecolor(self.face_colour)

    def changeEvent(self, event: QEvent) -> None:  # Qt override
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_face_colour()
            self.theme_changed.emit()
