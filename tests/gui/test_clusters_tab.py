"""The Clusters tab: customers coloured by segment, centres, legend, overview axes, sampling, hovering."""

import dataclasses
import threading
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from matplotlib.backend_bases import MouseEvent
from matplotlib.colors import to_hex

from core.loading import load_table
from core.pipeline import AnalysisSettings, Segmentation, run_analysis
from core.preparation import PreparedData
from core.profiling import OverallProfile, SegmentProfile
from desktop_app.clusters_tab import MAX_POINTS, OVERVIEW, TWO_FEATURES, ClustersTab
from desktop_app.palette import segment_colour

FEATURES = ("Income", "Spending")
NAMES = ("High income, high spending", "Low income, low spending", "Average")


def make_analysis(sizes=(40, 30, 20), left_out=0, seed=1):
    """A hand-built customer table, prepared matrix and segmentation shaped like the pipeline's."""
    rng = np.random.default_rng(seed)
    centres = np.array([[90.0, 80.0], [25.0, 20.0], [55.0, 50.0]])[: len(sizes)]
    labels = np.repeat(np.arange(len(sizes)), sizes)
    values = centres[labels] + rng.normal(scale=5.0, size=(len(labels), 2))
    frame = pd.DataFrame(
        {"CustomerID": np.arange(1, len(labels) + 1), "Age": rng.integers(18, 70, len(labels))}
    )
    frame[list(FEATURES)] = values
    labels = labels.copy()
    labels[:left_out] = -1
    used = np.flatnonzero(labels >= 0)
    mean, std = values[used].mean(axis=0), values[used].std(axis=0)
    matrix = (values[used] - mean) / std
    segmenter = SimpleNamespace(cluster_centers_=(centres - mean) / std, labels_=labels[used])
    prepared = PreparedData(matrix, used, FEATURES, preprocessor=None, steps=("Scaled",))
    counts = np.bincount(labels[used], minlength=len(sizes))
    profiles = tuple(
        SegmentProfile(
            number=i + 1,
            name=NAMES[i],
            size=int(counts[i]),
            share=counts[i] / len(used),
            centroid=dict(zip(FEATURES, centres[i], strict=True)),
            means=dict(zip(FEATURES, centres[i], strict=True)),
            medians=dict(zip(FEATURES, centres[i], strict=True)),
            difference={"Income": (centres[i, 0] - 55) / 25, "Spending": (centres[i, 1] - 50) / 25},
            description=f"Customers of segment {i + 1}.",
            standing={"Income": centres[i, 0] - 5, "Spending": centres[i, 1]},
            level={"Income": int(np.sign(centres[i, 0] - 55)), "Spending": int(np.sign(centres[i, 1] - 50))},
            standouts=("Income", "Spending"),
        )
        for i in range(len(sizes))
    )
    typical = {"Income": 55.0, "Spending": 50.0}
    overall = OverallProfile(size=len(used), means=typical, medians=typical, std={})
    centroids = pd.DataFrame(centres, columns=list(FEATURES))
    segmentation = Segmentation(
        len(sizes), segmenter, labels, centroids, profiles, overall, segmenter.cluster_centers_
    )
    return frame, prepared, segmentation


@pytest.fixture
def hidden_tab(qtbot):
    widget = ClustersTab()
    qtbot.addWidget(widget)
    widget.resize(900, 600)
    return widget


@pytest.fixture
def tab(qtbot, hidden_tab):
    """On screen: the chart is drawn only while visible."""
    hidden_tab.show()
    settle(qtbot, hidden_tab)
    return hidden_tab


def settle(qtbot, tab):
    """Wait for the chart: it is rendered on a worker, and a change asked for meanwhile is drawn after."""
    qtbot.waitUntil(lambda: not tab.plot.draw_pending)


def segment_points(tab):
    """The drawn customers: one set of markers per segment, in segment order."""
    return [line for line in tab.axes.get_lines() if not line.get_label().startswith("_")]


def test_one_set_of_points_per_segment_in_its_colour(tab):
    tab.show_segmentation(*make_analysis())
    drawn = segment_points(tab)
    assert len(drawn) == 3
    for index, points in enumerate(drawn):
        assert to_hex(points.get_color()) == segment_colour(index).lower()
    assert [len(c.get_xydata()) for c in drawn] == [40, 30, 20]


def test_a_hidden_tab_samples_and_draws_only_when_shown(hidden_tab, qtbot, monkeypatch):
    import desktop_app.clusters_tab

    projections = []
    project = desktop_app.clusters_tab.project_2d
    monkeypatch.setattr(
        desktop_app.clusters_tab, "project_2d", lambda *a, **k: projections.append(1) or project(*a, **k)
    )
    hidden_tab.show_segmentation(*make_analysis())
    assert hidden_tab.axes is None, "a hidden tab does not draw"
    assert projections == [], "a hidden tab does not project"
    hidden_tab.show()
    qtbot.waitUntil(lambda: not hidden_tab.plot.draw_pending)
    assert [len(c.get_xydata()) for c in segment_points(hidden_tab)] == [40, 30, 20]
    assert projections == [1]


def test_the_segments_are_drawn_off_the_window_thread(tab, qtbot, monkeypatch):
    """Drawing a million customers' segments held the window 0.2-0.3 s at every new fit."""
    threads = []
    draw = tab.plot.figure.draw
    monkeypatch.setattr(
        tab.plot.figure, "draw", lambda renderer: (threads.append(threading.current_thread()), draw(renderer))
    )
    tab.show_segmentation(*make_analysis())
    settle(qtbot, tab)
    assert threads
    assert threading.main_thread() not in threads


def test_legend_names_segments_with_sizes(tab):
    tab.show_segmentation(*make_analysis())
    texts = [text.get_text() for text in tab.axes.get_legend().get_texts()]
    assert texts == [
        "1 · High income, high spending (40)",
        "2 · Low income, low spending (30)",
        "3 · Average (20)",
    ]


def test_two_prepared_features_start_in_their_own_units(tab):
    tab.show_segmentation(*make_analysis())
    assert not tab.showing_overview
    assert (tab.axes.get_xlabel(), tab.axes.get_ylabel()) == FEATURES


def test_overview_axes_name_the_driving_features(tab, qtbot):
    tab.show_segmentation(*make_analysis())
    tab.view_combo.setCurrentText(OVERVIEW)
    settle(qtbot, tab)
    assert tab.showing_overview
    x_label = tab.axes.get_xlabel()
    assert "Income" in x_label
    assert "Spending" in x_label
    assert "% of variation" in x_label


def test_two_features_in_user_units_with_centres(tab, qtbot):
    frame, prepared, segmentation = make_analysis()
    tab.show_segmentation(frame, prepared, segmentation)
    tab.view_combo.setCurrentText(TWO_FEATURES)
    tab.x_combo.setCurrentText("Spending")
    tab.y_combo.setCurrentText("Income")
    settle(qtbot, tab)
    assert (tab.axes.get_xlabel(), tab.axes.get_ylabel()) == ("Spending", "Income")
    first = segment_points(tab)[0].get_xydata()
    assert np.allclose(np.sort(first[:, 0]), np.sort(frame["Spending"].to_numpy()[:40]))
    centre_marks = tab.axes.collections[0]
    assert np.allclose(centre_marks.get_offsets()[0], [80.0, 90.0])


def test_left_out_customers_are_not_drawn_and_counted(tab):
    tab.show_segmentation(*make_analysis(left_out=5))
    assert sum(len(c.get_xydata()) for c in segment_points(tab)) == 85
    assert "5 left out" in tab.axes.get_title(loc="left")


def test_sampling_note_above_the_threshold(tab):
    tab.show_segmentation(*make_analysis(sizes=(MAX_POINTS, 900, 100)))
    drawn = [len(c.get_xydata()) for c in segment_points(tab)]
    assert sum(drawn) <= MAX_POINTS
    assert min(drawn) == 100, "a small segment keeps all its customers in the sample"
    assert f"Showing {sum(drawn):,} of {MAX_POINTS + 1000:,} customers" in tab.axes.get_title(loc="left")


def test_no_sampling_note_below_the_threshold(tab):
    tab.show_segmentation(*make_analysis())
    assert "Showing" not in tab.axes.get_title(loc="left")


def test_hovering_a_customer_shows_their_row(tab, qtbot):
    frame, prepared, segmentation = make_analysis()
    tab.show_segmentation(frame, prepared, segmentation)
    settle(qtbot, tab)  # where a customer lands is known once the chart is laid out
    target = 45  # a customer of segment 2
    x, y = tab.axes.transData.transform(segment_points(tab)[1].get_xydata()[target - 40])
    tab.plot.canvas.callbacks.process(
        "motion_notify_event", MouseEvent("motion_notify_event", tab.plot.canvas, x, y)
    )
    qtbot.waitUntil(lambda: "Segment 2" in tab.hover_label.text())
    assert f"CustomerID: {target + 1}" in tab.hover_label.text()


def test_clear_removes_the_customers(tab, qtbot):
    tab.show_segmentation(*make_analysis())
    tab.clear()
    settle(qtbot, tab)
    assert segment_points(tab) == []


def test_a_million_customers_are_drawn_as_a_bounded_sample_in_both_views(tab, qtbot):
    """Sampling keeps a redraw independent of the number of customers (`make bench` times it)."""
    tab.show_segmentation(*make_analysis(sizes=(600_000, 300_000, 100_000)))
    for view in (OVERVIEW, TWO_FEATURES):
        tab.view_combo.setCurrentText(view)
        settle(qtbot, tab)
        assert tab.showing_overview == (view == OVERVIEW)
        drawn = segment_points(tab)
        assert len(drawn) == 3
        assert sum(len(points.get_xydata()) for points in drawn) <= MAX_POINTS


def test_real_analysis_of_the_mall_customers(tab, qtbot, datasets_dir):
    table = load_table(datasets_dir / "Mall_Customers.csv")
    settings = AnalysisSettings(features=("Annual Income (k$)", "Spending Score (1-100)"), k_max=8)
    result = run_analysis(table, settings)
    tab.show_segmentation(table.frame, result.prepared, result.segmentation)
    drawn = segment_points(tab)
    assert len(drawn) == result.segmentation.k
    assert sum(len(c.get_xydata()) for c in drawn) == len(table.frame)
    texts = [text.get_text() for text in tab.axes.get_legend().get_texts()]
    assert texts[0] == f"1 · {result.segmentation.names[0]} ({result.segmentation.profiles[0].size})"
    tab.view_combo.setCurrentText(OVERVIEW)
    settle(qtbot, tab)
    assert "Annual Income (k$)" in tab.axes.get_xlabel() + tab.axes.get_ylabel()


def test_renamed_segments_keep_the_sample_and_the_chosen_view(tab, qtbot):
    frame, prepared, segmentation = make_analysis()
    tab.show_segmentation(frame, prepared, segmentation)
    tab.view_combo.setCurrentText(OVERVIEW)
    projection = tab._projection
    renamed = dataclasses.replace(
        segmentation,
        profiles=(dataclasses.replace(segmentation.profiles[0], name="VIP"), *segmentation.profiles[1:]),
    )
    tab.show_segmentation(frame, prepared, renamed)
    settle(qtbot, tab)
    assert tab.showing_overview
    assert tab._projection is projection
    assert tab.axes.get_legend().get_texts()[0].get_text() == "1 · VIP (40)"


def test_overview_axis_titles_of_many_columns_stay_inside_the_chart(tab, qtbot, datasets_dir):
    from core.loading import load_table
    from core.pipeline import AnalysisSettings, fit_segmentation, prepare_table

    table = load_table(datasets_dir / "CC GENERAL.csv")
    prepared = prepare_table(table, AnalysisSettings())
    tab.show_segmentation(table.frame, prepared, fit_segmentation(table.frame, prepared, 3))
    tab.view_combo.setCurrentText(OVERVIEW)
    settle(qtbot, tab)
    figure = tab.plot.figure
    renderer = figure.canvas.get_renderer()
    page = figure.bbox
    for title in (tab.axes.xaxis.label, tab.axes.yaxis.label):
        box = title.get_window_extent(renderer)
        assert page.x0 - 1 <= box.x0, title.get_text()
        assert box.x1 <= page.x1 + 1, title.get_text()
        assert page.y0 - 1 <= box.y0, title.get_text()
        assert box.y1 <= page.y1 + 1, title.get_text()
