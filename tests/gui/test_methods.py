"""Other ways of grouping in the app: the method chooser on the Data tab, what Choose k shows for each
method, unusual customers in grey, and Compare ways of grouping with keeping one."""

import numpy as np
import pandas as pd
import pytest
from matplotlib.backend_bases import MouseButton, MouseEvent
from matplotlib.colors import to_hex

from core.methods import METHODS
from desktop_app.clusters_tab import HOVER_HINT
from desktop_app.elbow_tab import MIXTURE_HELP_TEXT
from desktop_app.main_window import MainWindow
from desktop_app.palette import UNUSUAL_COLOUR
from tests.gui.conftest import GUI_TIMEOUT


def groups_with_strays(path, rows_per_group=70, strays=10, seed=5):
    """Three well-apart groups of customers in two columns, and a few customers far from all of them."""
    rng = np.random.default_rng(seed)
    centres = np.array([[20.0, 20.0], [80.0, 20.0], [50.0, 80.0]])
    points = np.vstack([centre + rng.normal(scale=3.0, size=(rows_per_group, 2)) for centre in centres])
    stray_points = np.array([[-60.0, -60.0], [160.0, -60.0], [-60.0, 160.0], [160.0, 160.0], [50.0, -90.0],
                             [50.0, 190.0], [-90.0, 50.0], [190.0, 50.0], [120.0, 130.0], [-30.0, 110.0]])
    points = np.vstack([points, stray_points[:strays]])
    frame = pd.DataFrame({"Customer": np.arange(1, len(points) + 1), "Spending": points[:, 0].round(2),
                          "Visits": points[:, 1].round(2)})
    frame.to_csv(path, index=False)
    return path


@pytest.fixture
def window(qtbot, session, settings):
    main = MainWindow(session, settings)
    qtbot.addWidget(main)
    main.show()
    return main


def open_file(qtbot, window, path):
    with qtbot.waitSignal(window.session.analysis_ready, timeout=GUI_TIMEOUT):
        window.session.open_file(path)
    qtbot.waitUntil(lambda: window.session.is_idle, timeout=GUI_TIMEOUT)


def choose_method(window, name):
    chooser = window.data_tab.method_chooser
    chooser.method_combo.setCurrentIndex(chooser.method_combo.findData(name))


def find_segments(qtbot, window):
    with qtbot.waitSignal(window.session.segmentation_changed, timeout=GUI_TIMEOUT):
        window.data_tab.find_button.click()
    qtbot.waitUntil(lambda: not window.session.is_busy, timeout=GUI_TIMEOUT)
    return window.session.segmentation


def test_the_chooser_offers_every_registered_method_in_plain_words(qtbot, window, sample_path):
    open_file(qtbot, window, sample_path)
    chooser = window.data_tab.method_chooser
    titles = [chooser.method_combo.itemText(index) for index in range(chooser.method_combo.count())]
    assert titles == [method.title for method in METHODS.values()]
    assert chooser.method.name == "kmeans"  # the default
    for method in METHODS.values():
        choose_method(window, method.name)
        assert chooser.when_label.text() == method.when_to_use
        assert ("Choose k" in chooser.k_note.text()) == method.takes_k
        assert chooser.distance_box.isVisibleTo(chooser) == ("distance" in method.options)
        assert chooser.share_box.isVisibleTo(chooser) == ("min_segment_share" in method.options)
        assert window.data_tab.analysis_settings().method == method.name


def test_hierarchical_grouping_shows_its_tree_cut_at_the_chosen_number(qtbot, window, tmp_path):
    open_file(qtbot, window, groups_with_strays(tmp_path / "groups.csv", strays=0))
    choose_method(window, "hierarchical")
    segmentation = find_segments(qtbot, window)
    assert segmentation.method == "hierarchical"
    assert segmentation.k == 3
    tab = window.elbow_tab
    assert tab.dendrogram.isVisible()
    assert tab.dendrogram.tree.segments == 3
    assert "Cut into 3 segments" in tab.dendrogram.note_label.text()
    # Another number of segments: the tree is cut again there.
    with qtbot.waitSignal(window.session.segmentation_changed, timeout=GUI_TIMEOUT):
        tab.k_spin.setValue(4)
    assert tab.dendrogram.tree.segments == 4
    # A click on the tree between its two highest joins cuts it into two segments.
    plot = tab.dendrogram.plot
    qtbot.waitUntil(lambda: not plot.draw_pending, timeout=GUI_TIMEOUT)
    highest, second = tab.dendrogram.tree.join_heights[-1], tab.dendrogram.tree.join_heights[-2]
    axes = plot.canvas.figure.axes[0]
    x, y = axes.transData.transform((axes.get_xlim()[0], (highest + second) / 2))
    with qtbot.waitSignal(window.session.segmentation_changed, timeout=GUI_TIMEOUT):
        plot.canvas.callbacks.process(
            "button_press_event", MouseEvent("button_press_event", plot.canvas, x, y, button=MouseButton.LEFT)
        )
    assert window.session.segmentation.k == 2
    assert tab.k_spin.value() == 2
    assert tab.dendrogram.tree.segments == 2
    # Back to k-means: no tree.
    choose_method(window, "kmeans")
    find_segments(qtbot, window)
    assert not tab.dendrogram.isVisible()


def test_compare_two_ways_and_keep_the_other(qtbot, window, tmp_path):
    open_file(qtbot, window, groups_with_strays(tmp_path / "groups.csv", strays=0))
    find_segments(qtbot, window)
    assert window.compare_methods_action.isEnabled()
    window.compare_methods_action.trigger()
    dialog = window.compare_methods_dialog
    qtbot.waitUntil(dialog.isVisible)
    for name, check in dialog.method_checks.items():
        check.setChecked(name in ("kmeans", "hierarchical"))
    dialog.k_spins["hierarchical"].setValue(3)
    with qtbot.waitSignal(window.session.methods_compared, timeout=GUI_TIMEOUT):
        dialog.compare_button.click()
    comparison = dialog.comparison
    assert [result.choice.method for result in comparison.results] == ["kmeans", "hierarchical"]
    assert dialog.overview_model.rowCount() == 2
    assert "put 100% of customers in corresponding segments" in dialog.agreement_label.text()
    assert dialog.cross_model.rowCount() == 3
    # The adjusted Rand index is only in the details.
    assert "Rand" not in dialog.agreement_label.text()
    assert not dialog.details_label.isVisible()
    dialog.details_button.click()
    assert "adjusted Rand index 1.00" in dialog.details_label.text()
    # The guide's measured signs and when each compared way fits.
    assert comparison.advice[0].sentence in dialog.guide_label.text()
    assert METHODS["hierarchical"].when_to_use in dialog.guide_label.text()
    # Keeping the hierarchical result makes it the segments; the Data tab shows its method.
    before = window.session.segmentation
    with qtbot.waitSignal(window.session.segmentation_changed, timeout=GUI_TIMEOUT):
        dialog.keep_buttons[1].click()
    assert window.session.segmentation is comparison.results[1].segmentation
    assert window.session.segmentation is not before
    assert window.session.settings.method == "hierarchical"
    assert window.data_tab.method_chooser.method.name == "hierarchical"
    assert not window.results_out_of_date()
    assert not dialog.isVisible()
    assert dialog.comparison is None  # the other result is discarded


def test_cancelling_a_comparison_keeps_the_segments(qtbot, window, tmp_path):
    open_file(qtbot, window, groups_with_strays(tmp_path / "groups.csv", strays=0))
    segmentation = find_segments(qtbot, window)
    window.compare_methods()
    dialog = window.compare_methods_dialog
    with qtbot.waitSignal(window.session.cancelled, timeout=GUI_TIMEOUT):
        dialog.compare_button.click()
        assert dialog.cancel_button.isVisible()
        dialog.cancel_button.click()
    assert window.session.segmentation is segmentation
    assert dialog.comparison is None
    assert "Stopped" in dialog.status_label.text()
    assert not dialog.results.isVisible()


def line_colours(axes):
    return {line.get_label(): to_hex(line.get_color()) for line in axes.get_lines()}


def test_a_density_method_greys_out_unusual_customers_and_has_no_k_to_choose(qtbot, window, tmp_path):
    open_file(qtbot, window, groups_with_strays(tmp_path / "groups.csv"))
    choose_method(window, "hdbscan")
    segmentation = find_segments(qtbot, window)
    assert segmentation.method == "hdbscan"
    assert segmentation.unusual >= 8
    tab = window.elbow_tab
    assert tab.no_k_label.isVisible()
    assert "no number to choose" in tab.no_k_label.text()
    assert f"{segmentation.unusual:,} unusual customers" in tab.no_k_label.text()
    assert not tab.plot.isVisible()
    # Clusters: the unusual customers in grey, no centres.
    window.tabs.setCurrentWidget(window.clusters_tab)
    qtbot.waitUntil(lambda: not window.clusters_tab.plot.draw_pending, timeout=GUI_TIMEOUT)
    colours = line_colours(window.clusters_tab.axes)
    unusual = [label for label in colours if label.startswith("0 · Unusual customers")]
    assert unusual
    assert colours[unusual[0]] == UNUSUAL_COLOUR.lower()
    assert f"({segmentation.unusual:,})" in unusual[0]
    assert not window.clusters_tab.axes.collections  # no centre markers
    # Segments: a grey card for them, first.
    window.tabs.setCurrentWidget(window.segments_tab)
    first = window.segments_tab.cards[0]
    assert first.profile.number == 0
    assert UNUSUAL_COLOUR.lower() in first.findChildren(type(first.size_label))[0].styleSheet().lower()


def hover(qtbot, tab, line_index, point_index):
    """Point at one drawn customer of the Clusters chart; the label under it describes them."""
    qtbot.waitUntil(lambda: not tab.plot.draw_pending, timeout=GUI_TIMEOUT)
    drawn = [line for line in tab.axes.get_lines() if not line.get_label().startswith("_")]
    x, y = tab.axes.transData.transform(drawn[line_index].get_xydata()[point_index])
    tab.plot.canvas.callbacks.process(
        "motion_notify_event", MouseEvent("motion_notify_event", tab.plot.canvas, x, y)
    )
    qtbot.waitUntil(lambda: tab.hover_label.text() != HOVER_HINT, timeout=GUI_TIMEOUT)
    return tab.hover_label.text()


def test_a_gaussian_mixture_shows_its_fit_curve_and_each_customers_chances(qtbot, window, tmp_path):
    open_file(qtbot, window, groups_with_strays(tmp_path / "groups.csv", strays=0))
    choose_method(window, "gmm")
    segmentation = find_segments(qtbot, window)
    assert segmentation.method == "gmm"
    assert segmentation.k == 3  # the fit curve's suggestion
    tab = window.elbow_tab
    assert tab.help_label.text() == MIXTURE_HELP_TEXT
    assert tab.reason_label.text() == window.session.sweep.reason
    qtbot.waitUntil(lambda: not tab.plot.draw_pending, timeout=GUI_TIMEOUT)
    assert "BIC" in tab.wcss_axes.get_ylabel()
    assert not tab._silhouette_line.get_visible()  # a mixture's sweep has no separation scores
    assert [value for _, value in tab._wcss_line.get_xydata()] == [
        score.bic for score in window.session.sweep.scores
    ]
    # On the Clusters tab each customer's chance of each segment shows on hover; centres are marked.
    window.tabs.setCurrentWidget(window.clusters_tab)
    text = hover(qtbot, window.clusters_tab, 1, 0)
    assert text.startswith("Segment 2 (")
    assert "100% likely" in text
    assert window.clusters_tab.axes.collections  # the mixture's centres
    # The workbook lists each customer's chances too, as the customers' CSV does.
    with qtbot.waitSignal(window.session.exported, timeout=GUI_TIMEOUT):
        window.session.export_workbook(tmp_path / "segments.xlsx")
    first_segment = pd.read_excel(tmp_path / "segments.xlsx", sheet_name=1)
    assert [column for column in first_segment.columns if column.startswith("P(segment")] == [
        f"P(segment {number})" for number in segmentation.numbers
    ]


def test_dbscan_shows_its_automatic_distance_with_the_curve_and_takes_the_users_own(qtbot, window, tmp_path):
    open_file(qtbot, window, groups_with_strays(tmp_path / "groups.csv"))
    choose_method(window, "dbscan")
    chooser = window.data_tab.method_chooser
    assert chooser.automatic_distance_check.isChecked()
    assert not chooser.distance_spin.isEnabled()
    assert "distance" not in window.data_tab.analysis_settings().method_options  # automatic
    with qtbot.waitSignal(window.session.distance_measured, timeout=GUI_TIMEOUT):
        chooser.curve_button.click()
    assert window.session.segmentation is None  # measuring finds no segments
    qtbot.waitUntil(lambda: chooser.curve_plot is not None and chooser.curve_plot.isVisible())
    measured = chooser._curve
    assert chooser.distance_spin.value() == pytest.approx(measured.chosen_distance, abs=1e-3)
    assert measured.sentence in chooser.distance_label.text()
    # The segments use the automatic distance; the Choose k tab says there is no number to choose.
    segmentation = find_segments(qtbot, window)
    assert segmentation.method == "dbscan"
    assert "no number to choose" in window.elbow_tab.no_k_label.text()
    assert f"{measured.chosen_distance:.3g}" in window.elbow_tab.no_k_label.text()
    # The user's own, smaller distance: the segments shown are out of date until found again.
    chooser.automatic_distance_check.setChecked(False)
    chooser.distance_spin.setValue(measured.chosen_distance * 0.6)
    assert window.data_tab.analysis_settings().method_options == {
        "distance": pytest.approx(measured.chosen_distance * 0.6, abs=1e-3)
    }
    assert window.results_out_of_date()
    smaller = find_segments(qtbot, window)
    assert smaller.unusual > segmentation.unusual
    # Another scaling prepares other numbers: the curve measured before is no longer shown.
    window.data_tab.scaling_combo.setCurrentIndex(1)
    assert not chooser.curve_plot.isVisible()


def test_hdbscan_takes_its_smallest_group_as_a_share_of_customers(qtbot, window, sample_path):
    open_file(qtbot, window, sample_path)
    choose_method(window, "hdbscan")
    chooser = window.data_tab.method_chooser
    assert chooser.share_spin.value() == pytest.approx(1.0)  # the method's default, 1 %
    assert chooser.share_spin.suffix() == " % of customers"
    assert "never fewer than 5 customers" in chooser.share_count_label.text()
    assert window.data_tab.analysis_settings().method_options == {}
    chooser.share_spin.setValue(5.0)
    assert window.data_tab.analysis_settings().method_options == {"min_segment_share": 0.05}


def test_a_reopened_project_puts_its_method_back_on_the_data_tab(qtbot, monkeypatch, window, tmp_path):
    from tests.gui.test_projects import reopen, save_project_to

    open_file(qtbot, window, groups_with_strays(tmp_path / "groups.csv"))
    choose_method(window, "hdbscan")
    window.data_tab.method_chooser.share_spin.setValue(5.0)
    segmentation = find_segments(qtbot, window)
    project = save_project_to(qtbot, monkeypatch, window, tmp_path / "dense.segproj")
    choose_method(window, "kmeans")  # another choice on the Data tab: the segments shown are out of date
    assert window.results_out_of_date()
    reopen(qtbot, window, project)
    chooser = window.data_tab.method_chooser
    assert chooser.method.name == "hdbscan"
    assert chooser.share_spin.value() == pytest.approx(5.0)
    assert not window.results_out_of_date()
    assert window.session.segmentation.unusual == segmentation.unusual
    assert window.elbow_tab.no_k_label.isVisibleTo(window.elbow_tab)


def test_a_comparison_that_cannot_be_made_says_so_and_keeps_the_segments(qtbot, window, tmp_path):
    open_file(qtbot, window, groups_with_strays(tmp_path / "groups.csv", rows_per_group=4, strays=0))
    segmentation = find_segments(qtbot, window)
    window.compare_methods()
    dialog = window.compare_methods_dialog
    for name, check in dialog.method_checks.items():
        check.setChecked(name in ("kmeans", "hierarchical"))
    dialog.k_spins["hierarchical"].setValue(20)  # more segments than the 12 customers
    with qtbot.waitSignal(window.session.error, timeout=GUI_TIMEOUT):
        dialog.compare_button.click()
    assert "Could not compare" in dialog.status_label.text()
    assert window.session.segmentation is segmentation
    assert not dialog.results.isVisible()


def test_the_tree_of_a_large_table_says_it_joins_small_groups_first(qtbot):
    from types import SimpleNamespace

    from core.methods.hierarchical import EXACT_ROWS, WardSegmenter
    from desktop_app.dendrogram_view import DendrogramView

    rng = np.random.default_rng(1)
    half = EXACT_ROWS // 2 + 1  # one customer more than the exact tree takes
    data = np.vstack([rng.normal(centre, 1.0, size=(half, 2)) for centre in (0.0, 8.0)])
    segmenter = WardSegmenter(2).fit(data)
    view = DendrogramView()
    qtbot.addWidget(view)
    view.show_segmentation(SimpleNamespace(segmenter=segmenter, numbers=(1, 2)))
    assert view.tree.micro_grouped
    assert "Cut into 2 segments" in view.note_label.text()
    assert "small groups" in view.note_label.text()
    assert segmenter.notes_[0] in view.note_label.text()
