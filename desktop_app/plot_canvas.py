"""A matplotlib figure inside a Qt widget, with the navigation toolbar and the colours of the Qt theme.

Charts never use pyplot: each owns a `Figure` drawn by `FigureCanvasQTAgg`. Tabs draw from their data
inside `drawing()` and clear with `clear()`. When the Qt palette changes (light/dark theme), the widget
emits `theme_changed` so its owner draws again from its data with the new colours.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import matplotlib as mpl
from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg, NavigationToolbar2QT
from matplotlib.figure import Figure
from PySide6.QtCore import QEvent, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QSizePolicy, QVBoxLayout, QWidget

# Font sizes in points: they follow the display scaling (matplotlib scales with the device pixel ratio).
MIN_FONT_POINTS = 8.0


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
        with mpl.rc_context(self.theme()):
            self.figure.clear()
            self._apply_face_colour()
            yield self.figure
        self.redraw()

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
