"""A matplotlib figure inside a Qt widget, with the navigation toolbar and the colours of the Qt theme.

Charts never use pyplot: each owns a `Figure` drawn by `FigureCanvasQTAgg`. Tabs draw from their data
inside `drawing()` and clear with `clear()`. When the Qt palette changes (light/dark theme), the widget
emits `theme_changed` so its owner draws again from its data with the new colours.

A tab that hands its drawing function to `set_painter` asks for draws with `request_draw`: the chart is
drawn at once while it is on screen and only when it is next shown otherwise, so a hidden tab costs the
GUI thread nothing however often its data changes. `request_draw_soon` folds a burst of updates (scores
streaming in) into one draw.

A chart that is redrawn while the computer is busy (the elbow chart, as scores stream in from a sweep) or
that takes long to draw (the clusters chart of a big table) is made with `background=True`: its painter
makes or updates the artists, and `render_in_background()` has the figure drawn into a picture on a worker
(the session's TaskRunner mechanism), which the canvas then shows. Drawing a figure costs 50-300 ms of
Python (text above all) that would otherwise hold the window; meanwhile the GUI thread never touches the
figure: requests wait for the render in flight, then run once. The render leaves matplotlib's settings
alone: they are global, and the GUI thread applies the theme to them for its own charts meanwhile. It
needs no theme: the artists were made in it, and the ticks matplotlib adds while drawing copy the first
tick of their axis, which was made with the axes.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import matplotlib as mpl
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg, NavigationToolbar2QT
from matplotlib.figure import Figure
from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QIcon, QImage, QPainter, QPalette
from PySide6.QtWidgets import QSizePolicy, QVBoxLayout, QWidget

from desktop_app.painting import after_next_paint
from desktop_app.worker import TaskHooks, TaskRunner

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


class _BackgroundCanvas(FigureCanvasQTAgg):
    """The canvas of a chart rendered in the background: it shows the last picture made on the worker,
    and a draw that matplotlib asks for (a resize, a toolbar step, after saving) renders there too."""

    def __init__(self, figure: Figure, owner: "PlotCanvas") -> None:
        super().__init__(figure)
        self._owner = owner
        self.picture: QImage | None = None
        self.failure: str | None = None  # why the last render failed, shown in place of a picture

    def show_failure(self, message: str) -> None:
        """Say the chart could not be drawn: an older picture would pass for the chart of the data now."""
        self.picture = None
        self.failure = message
        self.update()

    def draw(self) -> None:  # matplotlib override
        self._owner.render_current()

    def draw_idle(self) -> None:  # matplotlib override: rendering is deferred anyway
        self._owner.render_current()

    def show_picture(self, picture: QImage) -> None:
        self.picture = picture
        self.failure = None
        self.update()

    def paintEvent(self, event) -> None:  # Qt override
        painter = QPainter(self)
        try:
            # The last picture may be smaller than the canvas while a resize is being rendered.
            painter.fillRect(event.rect(), QColor(self._owner.face_colour))
            if self.failure is not None:
                painter.setPen(QColor(self._owner.text_colour))
                flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
                painter.drawText(self.rect().adjusted(40, 40, -40, -40), flags, self.failure)
            elif self.picture is not None:
                painter.drawImage(0, 0, self.picture)
            self._draw_rect_callback(painter)  # the toolbar's zoom rectangle
        finally:
            painter.end()


class PlotCanvas(QWidget):
    theme_changed = Signal()

    def __init__(
        self, parent: QWidget | None = None, *, toolbar: bool = True, background: bool = False
    ) -> None:
        super().__init__(parent)
        self.figure = Figure(layout="constrained")
        self.background = background
        self.canvas = _BackgroundCanvas(self.figure, self) if background else FigureCanvasQTAgg(self.figure)
        self._render_runner = TaskRunner(self) if background else None
        self._render_again = False  # a render was asked for while one was in flight
        self._paint_again = False  # new data came while a render was in flight
        self._after_render: list[Callable[[], None]] = []
        self.canvas.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.toolbar = NavigationToolbar2QT(self.canvas, self) if toolbar else None
        if self.toolbar is not None:
            layout.addWidget(self.toolbar)
        layout.addWidget(self.canvas)
        actions = self.toolbar.actions() if self.toolbar is not None else ()
        self._toolbar_icons = {action: action.icon() for action in actions if not action.icon().isNull()}
        self._freeze_toolbar_icons()
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
        if not self.isVisible():
            self._stale = True
            if not self.rendering:
                self._call_after_render()  # no picture is coming until the chart is shown
        elif self.rendering:
            self._paint_again = True  # the worker is drawing the figure: its artists must stay as they are
        else:
            self._stale = False
            self._painter()

    def request_draw_soon(self) -> None:
        """Like `request_draw`, within DRAW_COALESCE_MS, once for any number of requests until then."""
        if not self._coalesce_timer.isActive():
            self._coalesce_timer.start()

    @property
    def draw_pending(self) -> bool:
        """A requested draw has not happened yet (the chart is hidden, a coalesced draw is due, or the
        picture is being rendered)."""
        return self._stale or self._coalesce_timer.isActive() or self.rendering

    # Rendering on a worker (charts made with background=True).
    @property
    def rendering(self) -> bool:
        return self._render_runner is not None and self._render_runner.is_busy

    def render_in_background(self) -> None:
        """Draw the figure, as its artists are now, into a picture on a worker; the canvas shows it when
        ready. The caller must not change the artists until `rendering` is False (request_draw waits)."""
        if self.rendering:
            self._render_again = True
            return
        self._render_again = False
        figure = self.figure
        ratio = self.canvas.device_pixel_ratio

        def render(hooks: TaskHooks) -> QImage:
            width, height = (round(size) for size in figure.bbox.size)
            renderer = RendererAgg(width, height, figure.dpi)
            figure.draw(renderer)
            picture = QImage(renderer.buffer_rgba(), width, height, QImage.Format.Format_RGBA8888).copy()
            picture.setDevicePixelRatio(ratio)
            return picture

        self._render_runner.run(
            render,
            self._rendered,
            description="drawing a chart",
            on_error=self._render_failed,
            on_cancelled=self._render_ended,
        )

    def render_current(self) -> None:
        """Render for a draw matplotlib asks for (a resize, a toolbar step). A chart whose data changed
        while it was hidden is brought up to date first: the main window gives the hidden Choose k tab
        its size while idle, and the picture rendered then is the one the tab first shows."""
        if self._stale and self._painter is not None and not self.rendering:
            self._stale = False
            self._painter()
        else:
            self.render_in_background()

    def after_render(self, callback: Callable[[], None]) -> None:
        """Call `callback` once the picture is up to date: now if no render is in flight or due (a chart
        just shown with a stale picture is drawn once the window has painted, see showEvent)."""
        shown_stale = self._stale and self.isVisible()
        if self.rendering or self._paint_again or self._render_again or shown_stale:
            self._after_render.append(callback)
        else:
            callback()

    def wait_for_render(self) -> None:
        """Block until a render in flight has ended (before the GUI thread uses the figure itself)."""
        if self._render_runner is not None:
            self._render_runner.wait()

    def shutdown(self) -> None:
        """Stop rendering and wait for the worker (before the application quits)."""
        if self._render_runner is not None:
            self._render_runner.shutdown()

    def _rendered(self, picture: QImage) -> None:
        self.canvas.show_picture(picture)
        self._render_ended()

    def _render_failed(self, message: str) -> None:
        self.canvas.show_failure(message)
        self._render_ended()

    def _render_ended(self) -> None:
        if self._paint_again:
            self._paint_again = False
            self.request_draw()
        elif self._render_again:
            self.render_in_background()
        if not self.rendering:
            self._call_after_render()

    def _call_after_render(self) -> None:
        callbacks, self._after_render = self._after_render, []
        for callback in callbacks:
            callback()

    def showEvent(self, event) -> None:  # Qt override
        super().showEvent(event)
        if self._stale and self.background:
            # Its picture is rendered on a worker: rendering while the newly shown tab paints would make
            # the window wait for Python's lock.
            after_next_paint(self._draw_if_stale)
        elif self._stale:
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

    def redraw(self) -> None:
        """Render now (small charts: a synchronous draw keeps their layout, and so picking, exact at
        once), or on the worker for a chart made with background=True."""
        if self.background:
            self.render_in_background()
            return
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
            # Once the toolbar has the new palette too (children get it after their parent).
            QTimer.singleShot(0, self, self._freeze_toolbar_icons)

    def _freeze_toolbar_icons(self) -> None:
        """matplotlib's toolbar icons read and render their SVG file at every paint (8 icons: about 30 ms
        per toolbar repaint, the longest part of showing a chart tab the first time). Each is rendered once
        into a plain icon instead, and again when the theme changes (the icons follow light or dark)."""
        if self.toolbar is None:
            return
        size = self.toolbar.iconSize()
        for action, icon in self._toolbar_icons.items():
            action.setIcon(QIcon(icon.pixmap(size)))
