"""The Explore tab: histograms and boxes split by segment, scatters with sampling, correlations, stats."""

import itertools

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex

from core.columns import ColumnKind, ColumnSummary
from core.exploration import summary_statistics
from desktop_app.explore_tab import BOX_PLOT, CORRELATIONS, HISTOGRAM, MAX_SCATTER_POINTS, SCATTER, ExploreTab
from desktop_app.palette import segment_colour

KINDS = {
    "CustomerID": ColumnKind.IDENTIFIER,
    "Gender": ColumnKind.CATEGORICAL,
    "Age": ColumnKind.NUMERIC,
    "Income": ColumnKind.NUMERIC,
    "Spending": ColumnKind.NUMERIC,
    "Country": ColumnKind.CONSTANT,
}


def make_table(rows=60, seed=3):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "CustomerID": np.arange(1, rows + 1),
            "Gender": rng.choice(["Female", "Male"], rows),
            "Age": rng.integers(18, 70, rows),
            "Income": rng.normal(60, 20, rows),
            "Spending": rng.normal(50, 25, rows),
            "Country": ["NL"] * rows,
        }
    )
    columns = tuple(ColumnSummary(name, kind, missing=0, distinct=2) for name, kind in KINDS.items())
    return frame, columns


@pytest.fixture
def tab(qtbot):
    widget = ExploreTab()
    qtbot.addWidget(widget)
    widget.resize(900, 700)
    widget.show()  # a hidden tab postpones drawing until it is shown
    return widget


def labelled_patches(axes):
    return [patch for patch in axes.patches if not patch.get_label().startswith("_")]


def test_histogram_of_all_customers_before_segments(tab):
    tab.set_table(*make_table())
    tab.x_combo.setCurrentText("Income")
    assert not tab.split_check.isEnabled()
    patches = labelled_patches(tab.axes)
    assert [patch.get_label() for patch in patches] == ["All customers"]
    assert tab.axes.get_xlabel() == "Income"


def test_histogram_split_by_segment_in_segment_colours(tab):
    frame, columns = make_table()
    tab.set_table(frame, columns)
    labels = np.repeat([0, 1, 2], 20)
    tab.set_segments(labels, ("Young", "Rich", "Thrifty"), (1, 2, 3))
    assert tab.split_check.isChecked()
    patches = labelled_patches(tab.axes)
    assert [patch.get_label() for patch in patches] == ["1 · Young", "2 · Rich", "3 · Thrifty"]
    assert [to_hex(patch.get_edgecolor()) for patch in patches] == [
        segment_colour(i).lower() for i in range(3)
    ]
    legend = [text.get_text() for text in tab.axes.get_legend().get_texts()]
    assert legend == ["1 · Young", "2 · Rich", "3 · Thrifty"]


def test_box_plot_has_one_box_per_segment(tab):
    tab.set_table(*make_table())
    tab.set_segments(np.repeat([0, 1], 30), ("A", "B"), (1, 2))
    tab.chart_combo.setCurrentText(BOX_PLOT)
    assert [label.get_text() for label in tab.axes.get_yticklabels()] == ["1 · A", "2 · B"]
    box_colours = [to_hex(patch.get_edgecolor()) for patch in tab.axes.patches]
    assert box_colours == [segment_colour(0).lower(), segment_colour(1).lower()]


def test_box_plot_offers_numeric_columns_only(tab):
    tab.set_table(*make_table())
    tab.chart_combo.setCurrentText(BOX_PLOT)
    assert [tab.x_combo.itemText(i) for i in range(tab.x_combo.count())] == ["Age", "Income", "Spending"]


def test_categorical_histogram_counts_levels(tab):
    frame, columns = make_table()
    tab.set_table(frame, columns)
    tab.chart_combo.setCurrentText(HISTOGRAM)
    tab.x_combo.setCurrentText("Gender")
    counts = sorted(patch.get_width() for patch in tab.axes.patches)
    assert counts == sorted(frame["Gender"].value_counts().tolist())


@pytest.mark.parametrize("dtype", ["category", "str"])
def test_level_counts_per_segment_most_common_first_without_gaps(tab, dtype):
    """As a file's word columns load (categories) and as other text columns are held."""
    frame, columns = make_table()
    gender = ["Female"] * 25 + ["Male"] * 30 + [None] * 5
    frame["Gender"] = pd.Series(gender, dtype=dtype)
    tab.set_table(frame, columns)
    tab.set_segments(np.repeat([0, 1], 30), ("A", "B"), (1, 2))
    tab.chart_combo.setCurrentText(HISTOGRAM)
    tab.x_combo.setCurrentText("Gender")
    assert [label.get_text() for label in tab.axes.get_yticklabels()] == ["Male", "Female"]
    widths = {
        label: [bar.get_width() for bar in container]
        for container, label in zip(tab.axes.containers, ("A", "B"), strict=True)
    }
    assert widths == {"A": [5, 25], "B": [25, 0]}


def test_correlation_heatmap_of_numeric_columns_only(tab):
    frame, columns = make_table()
    tab.set_table(frame, columns)
    tab.chart_combo.setCurrentText(CORRELATIONS)
    names = [label.get_text() for label in tab.axes.get_xticklabels()]
    assert names == ["Age", "Income", "Spending"]
    image = tab.axes.get_images()[0]
    assert image.get_array().shape == (3, 3)
    values = [text.get_text() for text in tab.axes.texts]
    assert "1.00" in values
    assert len(values) == 9


def test_scatter_samples_big_tables_and_says_so(tab):
    rows = MAX_SCATTER_POINTS + 5000
    tab.set_table(*make_table(rows=rows))
    tab.chart_combo.setCurrentText(SCATTER)
    tab.x_combo.setCurrentText("Income")
    tab.y_combo.setCurrentText("Spending")
    drawn = sum(len(line.get_xydata()) for line in tab.axes.get_lines())
    assert drawn == MAX_SCATTER_POINTS
    assert f"Showing {MAX_SCATTER_POINTS:,} of {rows:,} customers" in tab.axes.get_title(loc="left")
    assert (tab.axes.get_xlabel(), tab.axes.get_ylabel()) == ("Income", "Spending")


def test_small_scatter_shows_everyone_without_note(tab):
    tab.set_table(*make_table())
    tab.chart_combo.setCurrentText(SCATTER)
    assert sum(len(line.get_xydata()) for line in tab.axes.get_lines()) == 60
    assert tab.axes.get_title(loc="left") == ""


def test_summary_statistics_table_lists_every_column_once_given(tab):
    frame, columns = make_table()
    tab.set_table(frame, columns)
    model = tab.statistics_model
    assert model.rowCount() == 0  # computed by the session's worker, never by the tab
    tab.set_summary(summary_statistics(frame))
    assert model.rowCount() == len(frame.columns)
    assert [model.index(row, 0).data() for row in range(model.rowCount())] == list(frame.columns)


def test_new_table_drops_the_previous_summary(tab):
    frame, columns = make_table()
    tab.set_table(frame, columns)
    tab.set_summary(summary_statistics(frame))
    tab.set_table(*make_table(rows=10))
    assert tab.statistics_model.rowCount() == 0


def test_hidden_tab_draws_the_new_table_when_shown(qtbot):
    widget = ExploreTab()
    qtbot.addWidget(widget)
    widget.set_table(*make_table())
    widget.x_combo.setCurrentText("Income")
    assert not hasattr(widget, "axes") or widget.axes.get_xlabel() != "Income"
    widget.show()
    assert widget.axes.get_xlabel() == "Income"
    assert [patch.get_label() for patch in labelled_patches(widget.axes)] == ["All customers"]


def test_clear_forgets_the_table(tab):
    tab.set_table(*make_table())
    tab.clear()
    assert tab.statistics_model.rowCount() == 0
    assert tab.x_combo.count() == 0


def test_summary_of_values_near_the_float_limit_shows_them_unrounded(tab):
    frame, columns = make_table(rows=4)
    frame["Income"] = [1e308, -1e308, 12.3456, 7.0]
    tab.set_table(frame, columns)
    with np.errstate(over="ignore", invalid="ignore"):  # as the session computes it on its worker
        statistics = summary_statistics(frame)
    tab.set_summary(statistics)  # warnings are errors: an overflow while rounding would fail here
    statistics = tab.statistics_model.frame.set_index(tab.statistics_model.frame.columns[0])
    numbers = statistics.select_dtypes("number")
    assert (numbers.loc["Income", "Minimum"], numbers.loc["Income", "Maximum"]) == (-1e308, 1e308)
    assert (numbers.loc["Age"] == numbers.loc["Age"].round(2)).all()


def test_correlation_labels_of_many_columns_do_not_overlap(tab, datasets_dir):
    from core.loading import load_table

    table = load_table(datasets_dir / "CC GENERAL.csv")
    tab.set_table(table.frame, table.report.columns)
    tab.chart_combo.setCurrentText(CORRELATIONS)
    figure = tab.plot.figure
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    for labels in (tab.axes.get_xticklabels(), tab.axes.get_yticklabels()):
        boxes = [label.get_window_extent(renderer) for label in labels if label.get_text()]
        assert len(boxes) == 17
        for first, second in itertools.pairwise(boxes):
            assert not first.overlaps(second), "two column names are drawn over each other"
