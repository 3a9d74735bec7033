"""The Choose-k tab: the elbow chart grows per k, marks the suggestion, and clicks choose k."""

import threading
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pytest
from matplotlib import image as plt_image
from matplotlib.artist import Artist
from matplotlib.backend_bases import MouseButton, MouseEvent
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex, to_rgb
from PySide6.QtCore import QRect
from PySide6.QtGui import QColor, QPalette

from core.clustering import KScore, KSweep
from desktop_app.elbow_tab import ElbowTab

WCSS = {1: 400.0, 2: 250.0, 3: 120.0, 4: 100.0, 5: 90.0, 6: 82.0}
SCORES = tuple(
    KScore(k, wcss, silhouette=None if k == 1 else 0.3 + 0.05 * (k == 3)) for k, wcss in WCSS.items()
)
SWEEP = KSweep(SCORES, suggested_k=3, reason="After 3 segments, more segments barely tighten the groups.")


@pytest.fixture
def hidden_tab(qtbot):
    widget = ElbowTab()
    qtbot.addWidget(widget)
    widget.resize(800, 600)
    yield widget
    widget.shutdown()


@pytest.fixture
def tab(qtbot, hidden_tab):
    """On screen: charts draw only while visible."""
    hidden_tab.show()
    qtbot.waitUntil(lambda: not hidden_tab.plot.draw_pending)
    return hidden_tab


def drawn(tab, qtbot):
    """Wait until the chart shows the latest data (it is rendered on a worker)."""
    qtbot.waitUntil(lambda: not tab.plot.draw_pending)


def plotted_wcss_points(tab):
    line = tab.wcss_axes.get_lines()[0]
    return list(line.get_xdata())


def test_curve_grows_one_point_per_score(tab, qtbot):
    tab.sweep_started(1, 6)
    for count, score in enumerate(SCORES, start=1):
        tab.add_score(score)
        qtbot.waitUntil(lambda: not tab.plot.draw_pending)
        assert plotted_wcss_points(tab) == [s.k for s in SCORES[:count]]


def test_scores_arriving_together_are_drawn_once(tab, qtbot, monkeypatch):
    tab.sweep_started(1, 6)
    draws = []
    original = tab._draw
    monkeypatch.setattr(tab, "_draw", lambda: (draws.append(len(tab.scores)), original()))
    tab.plot.set_painter(tab._draw)
    for score in SCORES:
        tab.add_score(score)
    qtbot.waitUntil(lambda: not tab.plot.draw_pending)
    assert draws == [len(SCORES)]
    assert plotted_wcss_points(tab) == list(WCSS)


def test_a_hidden_tab_draws_when_shown(hidden_tab, qtbot):
    hidden_tab.show_sweep(SWEEP)
    assert hidden_tab.plot.canvas.picture is None, "nothing is drawn while hidden"
    hidden_tab.show()
    qtbot.waitUntil(lambda: not hidden_tab.plot.draw_pending)
    assert plotted_wcss_points(hidden_tab) == list(WCSS)
    assert tab_legend(hidden_tab) >= {"Suggested: 3", "Chosen: 3"}


def test_a_hidden_tab_given_a_new_size_renders_its_latest_data(hidden_tab, qtbot):
    """The main window sizes the hidden tab while idle; that picture is what the tab first shows."""
    hidden_tab.show_sweep(SWEEP)
    hidden_tab.setGeometry(QRect(0, 0, 900, 650))
    hidden_tab.grab(QRect(0, 0, 1, 1))  # lays the hidden tab out at that size, as showing it would
    qtbot.waitUntil(lambda: hidden_tab.plot.canvas.picture is not None and not hidden_tab.plot.rendering)
    assert plotted_wcss_points(hidden_tab) == list(WCSS)
    assert not hidden_tab.plot.draw_pending


def tab_legend(tab):
    return {text.get_text() for text in tab.wcss_axes.get_legend().get_texts()}


def test_silhouette_on_second_axis_with_legend(tab, qtbot):
    tab.show_sweep(SWEEP)
    drawn(tab, qtbot)
    assert tab.silhouette_axes is not None
    assert list(tab.silhouette_axes.get_lines()[0].get_xdata()) == [2, 3, 4, 5, 6]
    legend_texts = [text.get_text() for text in tab.wcss_axes.get_legend().get_texts()]
    assert "Separation" in legend_texts
    assert "Suggested: 3" in legend_texts


def test_suggested_k_is_marked_and_explained(tab, qtbot):
    tab.show_sweep(SWEEP)
    drawn(tab, qtbot)
    assert tab.reason_label.text() == SWEEP.reason
    vertical_lines = [line for line in tab.wcss_axes.get_lines() if list(line.get_xdata()) == [3, 3]]
    assert vertical_lines, "the suggested k is marked with a vertical line"
    assert tab.k_spin.value() == 3


def test_clicking_near_a_point_chooses_that_k(tab, qtbot):
    tab.show_sweep(SWEEP)
    drawn(tab, qtbot)
    x, y = tab.wcss_axes.transData.transform((5.1, WCSS[5]))
    # The silhouette axes lie on top of the WCSS axes and receive the click, as on screen.
    event = MouseEvent("button_press_event", tab.plot.canvas, x, y, button=MouseButton.LEFT)
    with qtbot.waitSignal(tab.k_chosen) as blocker:
        tab.plot.canvas.callbacks.process("button_press_event", event)
    assert blocker.args == [5]
    assert tab.k_spin.value() == 5


def test_choosing_k_keeps_the_sweep(tab, qtbot):
    tab.show_sweep(SWEEP)
    with qtbot.waitSignal(tab.k_chosen) as blocker:
        tab.k_spin.setValue(4)
    assert blocker.args == [4]
    drawn(tab, qtbot)
    assert plotted_wcss_points(tab) == list(WCSS)
    assert [s.k for s in tab.scores] == list(WCSS)


def test_show_segments_emits_spin_value(tab, qtbot):
    tab.show_sweep(SWEEP)
    with qtbot.waitSignal(tab.k_chosen) as blocker:
        tab.show_button.click()
    assert blocker.args == [3]


def test_programmatic_choice_does_not_emit(tab, qtbot):
    with qtbot.assertNotEmitted(tab.k_chosen):
        tab.show_sweep(SWEEP)
        tab.set_chosen_k(4)


def test_choosing_k_marks_it_on_the_chart(tab, qtbot):
    tab.show_sweep(SWEEP)
    tab.set_chosen_k(5)
    drawn(tab, qtbot)
    assert "Chosen: 5" in tab_legend(tab)
    assert tab.k_spin.value() == 5


def test_k_min_stays_below_k_max(tab):
    tab.k_max_spin.setValue(4)
    tab.k_min_spin.setValue(9)
    assert tab.k_min_spin.value() == 3
    tab.k_min_spin.setValue(3)
    tab.k_max_spin.setValue(2)
    assert tab.k_max_spin.value() == 4
    assert tab.k_min_spin.value() < tab.k_max_spin.value()


def test_run_button_requests_the_range(tab, qtbot):
    tab.k_min_spin.setValue(2)
    tab.k_max_spin.setValue(8)
    with qtbot.waitSignal(tab.sweep_requested) as blocker:
        tab.run_button.click()
    assert blocker.args == [2, 8]


def test_k_limit_bounds_the_spin_boxes(tab):
    tab.set_k_limit(5)
    assert tab.k_max_spin.maximum() == 5
    assert tab.k_spin.maximum() == 5
    assert tab.k_min_spin.maximum() <= 4
    tab.set_k_limit(1000)
    assert tab.k_max_spin.maximum() == 30


def test_clear_forgets_the_sweep(tab):
    tab.show_sweep(SWEEP)
    tab.clear()
    assert tab.scores == ()
    assert tab.reason_label.text() == ""


def test_clear_goes_back_to_the_default_range_for_the_next_file(tab):
    tab.sweep_started(3, 6)
    tab.clear()
    assert (tab.k_min_spin.value(), tab.k_max_spin.value()) == (1, 10)


def test_chart_follows_a_theme_change(tab, qtbot):
    tab.show_sweep(SWEEP)
    dark = QPalette(tab.palette())
    dark.setColor(QPalette.ColorRole.Window, QColor("#202020"))
    dark.setColor(QPalette.ColorRole.WindowText, QColor("#f0f0f0"))
    dark.setColor(QPalette.ColorRole.Base, QColor("#181818"))
    tab.setPalette(dark)
    drawn(tab, qtbot)
    assert to_hex(tab.plot.figure.get_facecolor()) == "#202020"
    assert to_hex(tab.wcss_axes.get_facecolor()) == "#181818"
    assert to_hex(tab.wcss_axes.xaxis.label.get_color()) == "#f0f0f0"
    # Most ticks are made while the picture is drawn on the worker, where the theme is not applied: they
    # copy the first tick of their axis, made with the axes.
    for axes in (tab.wcss_axes, tab.silhouette_axes):
        labels = [label for axis in (axes.xaxis, axes.yaxis) for label in axis.get_ticklabels()]
        labels = [label for label in labels if label.get_text()]
        assert labels
        assert {to_hex(label.get_color()) for label in labels} == {"#f0f0f0"}
    assert [s.k for s in tab.scores] == list(WCSS), "the results are drawn again, not lost"


def test_the_worker_drawing_the_chart_leaves_matplotlib_settings_alone(tab, qtbot, monkeypatch):
    """matplotlib's settings are global and the GUI thread applies the theme to them for its own charts:
    a worker changing them too could leave another chart's labels in the wrong colours."""
    changed_on = set()
    original = mpl.rcParams.__class__._set

    def recording(params, key, value):
        changed_on.add(threading.get_ident())
        original(params, key, value)

    monkeypatch.setattr(mpl.rcParams.__class__, "_set", recording)
    tab.sweep_started(1, 6)
    for score in SCORES:
        tab.add_score(score)
        drawn(tab, qtbot)
    tab.show_sweep(SWEEP)
    drawn(tab, qtbot)
    assert changed_on <= {threading.get_ident()}


def marker_points(marker):
    return (list(marker.get_xdata()), list(marker.get_ydata())) if marker.get_visible() else None


def test_after_a_sweep_the_lines_hold_exactly_the_scores(tab, qtbot):
    tab.sweep_started(1, 6)
    tab.show_sweep(SWEEP)
    drawn(tab, qtbot)
    wcss_line = tab.wcss_axes.get_lines()[0]
    assert list(wcss_line.get_xdata()) == list(WCSS)
    assert list(wcss_line.get_ydata()) == list(WCSS.values())
    silhouette_line = tab.silhouette_axes.get_lines()[0]
    assert list(silhouette_line.get_ydata()) == [s.silhouette for s in SCORES if s.silhouette is not None]
    low, high = tab.wcss_axes.get_ylim()
    assert low <= min(WCSS.values()), "every point is inside the plot"
    assert high >= max(WCSS.values())


def test_suggested_star_sits_on_the_suggested_k_and_the_ring_follows_the_choice(tab, qtbot):
    tab.show_sweep(SWEEP)
    drawn(tab, qtbot)
    assert marker_points(tab._suggested_marker) == ([3], [WCSS[3]])
    assert marker_points(tab._chosen_marker) == ([3], [WCSS[3]])
    tab.set_chosen_k(5)
    drawn(tab, qtbot)
    assert marker_points(tab._chosen_marker) == ([5], [WCSS[5]])
    assert marker_points(tab._suggested_marker) == ([3], [WCSS[3]]), "the suggestion stays put"
    assert tab_legend(tab) == {"Distance within segments", "Separation", "Suggested: 3", "Chosen: 5"}


def test_clearing_empties_the_chart(tab, qtbot):
    tab.show_sweep(SWEEP)
    tab.clear()
    drawn(tab, qtbot)
    assert list(tab.wcss_axes.get_lines()[0].get_xdata()) == []
    assert marker_points(tab._suggested_marker) is None
    assert marker_points(tab._chosen_marker) is None
    assert not tab.silhouette_axes.get_visible()
    assert tab.wcss_axes.get_legend() is None
    assert tab._empty_text.get_visible()


def test_a_new_sweep_replaces_the_old_points(tab, qtbot):
    tab.show_sweep(SWEEP)
    tab.sweep_started(2, 4)
    tab.add_score(KScore(2, 7.0, silhouette=0.5))
    qtbot.waitUntil(lambda: not tab.plot.draw_pending)
    assert list(tab.wcss_axes.get_lines()[0].get_ydata()) == [7.0]
    assert marker_points(tab._suggested_marker) is None, "the old suggestion is gone"
    assert tab.wcss_axes.get_xlim() == (1.5, 4.5)
    assert tab.wcss_axes.get_ylim()[1] < WCSS[1], "the scale follows the new scores"


def test_the_picture_on_screen_is_the_figure_as_drawn(tab, qtbot):
    tab.show_sweep(SWEEP)
    drawn(tab, qtbot)
    picture = tab.plot.canvas.picture
    on_screen = np.frombuffer(picture.constBits(), np.uint8).reshape(picture.height(), picture.width(), 4)

    here = FigureCanvasAgg(tab.plot.figure)  # the same figure, drawn on this thread into another canvas
    with mpl.rc_context(tab.plot.theme()):
        here.draw()
    tab.plot.figure.set_canvas(tab.plot.canvas)
    assert np.array_equal(on_screen, np.asarray(here.buffer_rgba()))


def test_the_chart_is_drawn_on_a_worker_never_on_the_gui_thread(tab, qtbot):
    """Drawing this chart costs 50-150 ms; on the GUI thread it held the window at every streamed score."""
    drawing_threads = set()
    tab.plot.canvas.mpl_connect("draw_event", lambda _event: drawing_threads.add(threading.get_ident()))
    tab.sweep_started(1, 6)
    for score in SCORES:
        tab.add_score(score)
        drawn(tab, qtbot)
    tab.show_sweep(SWEEP)
    tab.resize(900, 650)
    drawn(tab, qtbot)

    assert plotted_wcss_points(tab) == list(WCSS)
    assert drawing_threads
    assert threading.get_ident() not in drawing_threads


def test_saved_chart_shows_the_curves(tab, qtbot, tmp_path):
    tab.show_sweep(SWEEP)
    drawn(tab, qtbot)
    path = tmp_path / "elbow.png"
    tab.plot.figure.savefig(path, facecolor=tab.plot.figure.get_facecolor())
    image = plt_image.imread(path)
    wcss_rgb = to_rgb("#0072B2")
    assert np.any(np.all(np.abs(image[..., :3] - wcss_rgb) < 0.02, axis=-1)), "the WCSS curve is in the file"
    tab.set_chosen_k(4)
    drawn(tab, qtbot)
    assert marker_points(tab._chosen_marker) == ([4], [WCSS[4]]), "the chart still updates after saving"


@pytest.mark.parametrize("size", [(700, 650), (1200, 800)])
def test_axis_labels_and_legend_stay_inside_the_chart_after_a_resize(tab, qtbot, size):
    tab.show_sweep(SWEEP)
    qtbot.waitUntil(lambda: not tab.plot.draw_pending)

    tab.resize(*size)
    qtbot.waitUntil(lambda: tab.plot.canvas.width() == tab.plot.width())
    drawn(tab, qtbot)

    figure = tab.plot.figure
    renderer = tab.plot.canvas.get_renderer()
    inside = figure.bbox.padded(1)
    parts = {
        "x label": tab.wcss_axes.xaxis.label,
        "WCSS label": tab.wcss_axes.yaxis.label,
        "silhouette label": tab.silhouette_axes.yaxis.label,
        "legend": tab.wcss_axes.get_legend(),
    }
    for name, artist in parts.items():
        extent = artist.get_window_extent(renderer)
        assert extent.width > 0, name
        assert inside.contains(extent.x0, extent.y0), name
        assert inside.contains(extent.x1, extent.y1), name


def test_the_toolbar_paints_its_icons_without_reading_their_files_again(tab, monkeypatch):
    """matplotlib's icons read and render an SVG file at every paint: 30 ms per toolbar repaint."""
    read = []
    original = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda path: (read.append(path.name), original(path))[1])

    picture = tab.plot.toolbar.grab()

    assert not picture.isNull()
    assert not [name for name in read if name.endswith(".svg")]
    assert all(not action.icon().isNull() for action in tab.plot._toolbar_icons)


def test_a_sweep_whose_empty_axes_show_already_is_not_drawn_again(tab, qtbot):
    """The main window draws a sweep's empty axes before starting it; the session's own notice that the
    sweep started must not render the same picture again while the data is being prepared."""
    tab.sweep_started(1, 6)
    drawn(tab, qtbot)
    picture = tab.plot.canvas.picture
    tab.sweep_started(1, 6)
    assert not tab.plot.draw_pending
    assert tab.plot.canvas.picture is picture
    assert tab.reason_label.text() == "Comparing 1 to 6 segments…"


def test_after_render_waits_for_the_picture_in_flight(tab, qtbot):
    calls = []
    tab.plot.after_render(lambda: calls.append("idle"))
    assert calls == ["idle"], "nothing in flight: called at once"

    tab.sweep_started(1, 6)
    assert tab.plot.rendering
    tab.plot.after_render(lambda: calls.append((tab.plot.rendering, tab.plot.canvas.picture is not None)))
    assert calls == ["idle"]
    qtbot.waitUntil(lambda: len(calls) == 2)
    assert calls[1] == (False, True)


class _BrokenArtist(Artist):
    def draw(self, renderer):
        raise RuntimeError("this artist cannot be drawn")


def test_a_chart_that_cannot_be_drawn_says_so_instead_of_showing_an_older_picture(
    tab, qtbot, user_data_folder
):
    tab.show_sweep(SWEEP)
    drawn(tab, qtbot)
    broken = tab.plot.figure.add_artist(_BrokenArtist())
    tab.set_chosen_k(4)
    drawn(tab, qtbot)
    canvas = tab.plot.canvas
    assert canvas.picture is None, "the picture before the change would pass for the chart now"
    assert canvas.failure.startswith("Something went wrong while drawing a chart (RuntimeError).")
    assert str(user_data_folder) in canvas.failure, "it says where the details were written"

    broken.remove()
    tab.set_chosen_k(3)
    drawn(tab, qtbot)
    assert canvas.failure is None
    assert canvas.picture is not None
