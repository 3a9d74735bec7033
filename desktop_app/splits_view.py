"""How segments split: a clustree-style diagram (Zappia and Oshlack 2018) beside the elbow chart.

One row per number of segments tried, top to bottom; in each row one circle per segment, its area in
proportion to its customers and its colour the segment's stability (grey until checked); a line from a
segment of the row above to one of this row for each share of 10 % or more of the lower segment's
customers (core.splits), thicker for a larger share. Segments fed by two parents, or lines crossing,
show that the extra segment only split a group that belongs together. Clicking a row (or Up and Down)
picks that number of segments. The data come from core.splits and core.stability; this view only lays
them out and draws them (QPainter: a few dozen shapes, drawn on the GUI thread in well under a
millisecond, and crisp at any size).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from core.methods import UNUSUAL
from core.stability import StabilityLevel
from desktop_app.stability_check import LEVEL_COLOURS, UNKNOWN_COLOUR

if TYPE_CHECKING:
    from PySide6.QtGui import QHelpEvent, QKeyEvent, QMouseEvent, QPaintEvent

    from core.splits import SplitNode, SplitTree
    from core.stability import SegmentStability, StabilityResult

LABEL_WIDTH = 92  # "10 segments"
STABILITY_WIDTH = 120  # "weakest 0.78"
MARGIN = 6
MIN_RADIUS = 3.0
EMPTY_TEXT = "How the segments split appears here once numbers of segments are compared."


class SplitsView(QWidget):
    """Signal: k_clicked(k), when the user picks a row."""

    k_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tree: SplitTree | None = None
        self._stability: dict[int, StabilityResult] = {}
        self.chosen_k: int | None = None
        self._hover_k: int | None = None
        self._positions: dict[tuple[int, int], QPointF] = {}  # (k, label) -> centre, from the last layout
        self._radii: dict[tuple[int, int], float] = {}
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName("How segments split as the number of segments grows")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(260, 200)

    def sizeHint(self) -> QSize:  # Qt override
        return QSize(420, 360)

    # --- data ------------------------------------------------------------------------------------------

    def show_tree(self, tree: SplitTree | None) -> None:
        """The nodes and arrows of the sweep's ks (None: nothing to show); stability is kept per k."""
        self.tree = tree
        if tree is None:
            self._stability = {}
        self.update()

    def set_stability(self, k: int, result: StabilityResult) -> None:
        self._stability[k] = result
        self.update()

    def set_chosen_k(self, k: int | None) -> None:
        self.chosen_k = k
        self.update()

    @property
    def ks(self) -> tuple[int, ...]:
        return self.tree.ks if self.tree is not None else ()

    def row_rect(self, k: int) -> QRectF:
        """Where the row of `k` is drawn (what a click there picks)."""
        ks = self.ks
        height = (self.height() - 2 * MARGIN) / max(1, len(ks))
        return QRectF(0, MARGIN + ks.index(k) * height, self.width(), height)

    def node_centre(self, k: int, label: int) -> QPointF:
        """The centre of a segment's circle, as last drawn."""
        return self._positions[(k, label)]

    def stability_text(self, k: int) -> str:
        """What the row's right-hand column says about k (its least stable segment)."""
        result = self._stability.get(k)
        if result is None:
            return "not checked"
        weakest = result.least_stable
        return f"weakest {result.smallest:.2f}" if weakest is not None else "stable"

    def _segment_stability(self, k: int, label: int) -> SegmentStability | None:
        result = self._stability.get(k)
        if result is None:
            return None
        return next((segment for segment in result.segments if segment.label == label), None)

    # --- layout ----------------------------------------------------------------------------------------

    def _lay_out(self) -> None:
        """Place each row's circles left to right, each below the parents it came from (the mean of
        their places, weighted by customers), so that lines cross only where customers really mix."""
        self._positions.clear()
        self._radii.clear()
        tree = self.tree
        if tree is None:
            return
        ks = tree.ks
        row_height = (self.height() - 2 * MARGIN) / max(1, len(ks))
        left, right = LABEL_WIDTH, self.width() - STABILITY_WIDTH
        width = max(1.0, right - left)
        total = max((sum(node.size for node in tree.nodes_at(k)) for k in ks), default=1) or 1
        most = max((len(tree.nodes_at(k)) for k in ks), default=1)
        max_radius = max(MIN_RADIUS, min(row_height * 0.42, width / (2.2 * most)))
        for row, k in enumerate(ks):
            nodes = list(tree.nodes_at(k))
            order = self._barycentres(k, nodes)
            nodes.sort(key=lambda node: (order.get(node.label, math.inf), node.label))
            y = MARGIN + (row + 0.5) * row_height
            for place, node in enumerate(nodes):
                x = left + (place + 0.5) * width / len(nodes)
                self._positions[(k, node.label)] = QPointF(x, y)
                self._radii[(k, node.label)] = max(MIN_RADIUS, max_radius * math.sqrt(node.size / total))

    def _barycentres(self, k: int, nodes: list[SplitNode]) -> dict[int, float]:
        weights: dict[int, list[float]] = {}
        for edge in self.tree.edges_into(k):
            parent = self._positions.get((k - 1, edge.parent))
            if parent is not None:
                sums = weights.setdefault(edge.child, [0.0, 0.0])
                sums[0] += parent.x() * edge.customers
                sums[1] += edge.customers
        return {child: total / count for child, (total, count) in weights.items() if count}

    # --- painting --------------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:  # Qt override
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        text_colour = self.palette().color(self.foregroundRole())
        if self.tree is None:
            painter.setPen(text_colour)
            painter.drawText(
                QRectF(self.rect()).adjusted(MARGIN, MARGIN, -MARGIN, -MARGIN),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                EMPTY_TEXT,
            )
            return
        self._lay_out()
        self._paint_rows(painter, text_colour)
        self._paint_edges(painter, text_colour)
        self._paint_nodes(painter, text_colour)

    def _paint_rows(self, painter: QPainter, text_colour: QColor) -> None:
        highlight = self.palette().highlight().color()
        for k in self.ks:
            rect = self.row_rect(k)
            if k in (self.chosen_k, self._hover_k):
                shade = QColor(highlight)
                shade.setAlpha(70 if k == self.chosen_k else 30)
                painter.fillRect(rect, shade)
            font = painter.font()
            font.setBold(k == self.chosen_k)
            painter.setFont(font)
            painter.setPen(text_colour)
            painter.drawText(
                rect.adjusted(MARGIN, 0, 0, 0).intersected(QRectF(0, rect.top(), LABEL_WIDTH, rect.height())),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                f"{k} segment{'s' if k != 1 else ''}",
            )
            result = self._stability.get(k)
            if result is not None:
                painter.setPen(QColor(LEVEL_COLOURS[str(StabilityLevel.of(result.smallest))]))
            painter.drawText(
                QRectF(self.width() - STABILITY_WIDTH, rect.top(), STABILITY_WIDTH - MARGIN, rect.height()),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                self.stability_text(k),
            )
        font = painter.font()
        font.setBold(False)
        painter.setFont(font)

    def _paint_edges(self, painter: QPainter, text_colour: QColor) -> None:
        for edge in self.tree.edges:
            start = self._positions.get((edge.k - 1, edge.parent))
            end = self._positions.get((edge.k, edge.child))
            if start is None or end is None:
                continue
            colour = QColor(text_colour)
            colour.setAlphaF(0.25 + 0.6 * edge.share)
            width = 1.0 + 5.0 * edge.share
            painter.setPen(QPen(colour, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
            start_radius = self._radii[(edge.k - 1, edge.parent)]
            end_radius = self._radii[(edge.k, edge.child)]
            tail = QPointF(start.x(), start.y() + start_radius)
            tip = QPointF(end.x(), end.y() - end_radius)
            painter.drawLine(tail, tip)
            _draw_arrowhead(painter, tail, tip, colour, 2.0 + 2.5 * edge.share)

    def _paint_nodes(self, painter: QPainter, text_colour: QColor) -> None:
        for node in self.tree.nodes:
            centre = self._positions[(node.k, node.label)]
            radius = self._radii[(node.k, node.label)]
            stability = self._segment_stability(node.k, node.label)
            fill = QColor(LEVEL_COLOURS[str(stability.level)] if stability is not None else UNKNOWN_COLOUR)
            if node.label == UNUSUAL:
                fill = QColor(UNKNOWN_COLOUR)
            painter.setBrush(fill)
            outline = QPen(text_colour, 1.0)
            if node.label == UNUSUAL:
                outline.setStyle(Qt.PenStyle.DashLine)
            painter.setPen(outline)
            path = QPainterPath()
            path.addEllipse(centre, radius, radius)
            painter.drawPath(path)

    # --- interaction -----------------------------------------------------------------------------------

    def _k_at(self, y: float) -> int | None:
        for k in self.ks:
            if self.row_rect(k).top() <= y < self.row_rect(k).bottom():
                return k
        return None

    def mousePressEvent(self, event: QMouseEvent) -> None:  # Qt override
        k = self._k_at(event.position().y())
        if event.button() == Qt.MouseButton.LeftButton and k is not None:
            self.set_chosen_k(k)
            self.k_clicked.emit(k)
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # Qt override
        k = self._k_at(event.position().y())
        if k != self._hover_k:
            self._hover_k = k
            self.update()
        super().mouseMoveEvent(event)

    def leaveEvent(self, event) -> None:  # Qt override
        self._hover_k = None
        self.update()
        super().leaveEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # Qt override
        ks = self.ks
        step = {Qt.Key.Key_Up: -1, Qt.Key.Key_Down: 1}.get(Qt.Key(event.key()))
        if not ks or step is None:
            super().keyPressEvent(event)
            return
        place = ks.index(self.chosen_k) + step if self.chosen_k in ks else 0
        if 0 <= place < len(ks):
            self.set_chosen_k(ks[place])
            self.k_clicked.emit(ks[place])

    def event(self, event) -> bool:  # Qt override: a tooltip per segment
        if event.type() == event.Type.ToolTip:
            self._show_tooltip(event)
            return True
        return super().event(event)

    def _show_tooltip(self, event: QHelpEvent) -> None:
        point = QPointF(event.pos())
        for (k, label), centre in self._positions.items():
            radius = max(self._radii[(k, label)], 6.0)
            if (centre - point).manhattanLength() <= 2 * radius:
                QToolTip.showText(event.globalPos(), self.node_text(k, label), self)
                return
        k = self._k_at(point.y())
        QToolTip.showText(
            event.globalPos(), f"Click to show {k} segments." if k is not None else "", self
        )

    def node_text(self, k: int, label: int) -> str:
        """A segment's tooltip: its customers, where they came from, and its stability."""
        node = next(node for node in self.tree.nodes_at(k) if node.label == label)
        total = sum(other.size for other in self.tree.nodes_at(k)) or 1
        kind = "Unusual customers" if label == UNUSUAL else "A segment"
        lines = [f"{kind} of {k}: {node.size:,} customers ({node.size / total:.0%})."]
        parents = [edge for edge in self.tree.edges_into(k) if edge.child == label]
        if len(parents) > 1:
            shares = " and ".join(f"{edge.share:.0%}" for edge in parents)
            lines.append(f"Made of {len(parents)} segments of {k - 1} ({shares} of its customers).")
        stability = self._segment_stability(k, label)
        checked = stability is not None
        lines.append(f"{stability.explanation}." if checked else "Stability not checked yet.")
        return "\n".join(lines)



def _draw_arrowhead(painter: QPainter, tail: QPointF, tip: QPointF, colour: QColor, size: float) -> None:
    """A small filled triangle at `tip`, pointing along the line from `tail`."""
    dx, dy = tip.x() - tail.x(), tip.y() - tail.y()
    length = math.hypot(dx, dy)
    if length < size:
        return
    ux, uy = dx / length, dy / length
    base = QPointF(tip.x() - ux * size * 1.6, tip.y() - uy * size * 1.6)
    head = QPainterPath(tip)
    head.lineTo(base.x() - uy * size, base.y() + ux * size)
    head.lineTo(base.x() + uy * size, base.y() - ux * size)
    head.closeSubpath()
    painter.save()
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(colour)
    painter.drawPath(head)
    painter.restore()
