"""How segments split, on its own: rows pick k by click and arrow keys, each segment's tooltip says where
its customers came from and how stable it is, and circles are coloured by the stability check."""

import numpy as np
import pytest
from PySide6.QtCore import Qt

from core.splits import segment_splits
from core.stability import SegmentStability, StabilityResult
from desktop_app.splits_view import SplitsView
from desktop_app.stability_check import LEVEL_COLOURS, UNKNOWN_COLOUR

# 100 customers: two groups at k = 2; at k = 3 the third segment takes half of each of them.
LABELS = {
    1: np.zeros(100, dtype=np.int64),
    2: np.repeat([0, 1], 50),
    3: np.concatenate([np.repeat(0, 25), np.repeat(2, 25), np.repeat(1, 25), np.repeat(2, 25)]),
}


@pytest.fixture
def view(qtbot):
    widget = SplitsView()
    qtbot.addWidget(widget)
    widget.resize(500, 300)
    widget.show()
    qtbot.waitExposed(widget)
    widget.show_tree(segment_splits(LABELS))
    return widget


def test_clicking_a_row_picks_its_number_of_segments(qtbot, view):
    with qtbot.waitSignal(view.k_clicked) as blocker:
        qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=view.row_rect(2).center().toPoint())
    assert blocker.args == [2]
    assert view.chosen_k == 2
    with qtbot.waitSignal(view.k_clicked) as blocker:
        qtbot.keyClick(view, Qt.Key.Key_Down)
    assert blocker.args == [3]


def test_a_segment_made_of_two_says_so_and_gets_its_stability_colour(qtbot, view):
    text = view.node_text(3, 2)
    assert "50 customers (50%)" in text
    assert "Made of 2 segments of 2 (50% and 50% of its customers)" in text
    assert "Stability not checked yet." in text
    assert view.stability_text(3) == "not checked"

    doubtful = SegmentStability(label=2, jaccard=0.65, dissolved=0.3, found_again=14, resamples=20)
    stable = [SegmentStability(label, 0.9, 0.0, 20, 20) for label in (0, 1)]
    view.set_stability(3, StabilityResult("kmeans", 3, (*stable, doubtful), 20, 100, 1))
    assert view.stability_text(3) == "weakest 0.65"
    assert "Doubtful: found again in only 14 of 20 reshuffles" in view.node_text(3, 2)
    image = view.grab().toImage()
    centre = view.node_centre(3, 2).toPoint()
    assert image.pixelColor(centre).name() == LEVEL_COLOURS["doubtful"].lower()
    assert image.pixelColor(view.node_centre(2, 0).toPoint()).name() == UNKNOWN_COLOUR.lower()
