"""The Data tab: default feature choice with reasons, missing-value counts, and the settings it emits."""

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from core.columns import summarize_columns
from core.loading import LoadedTable, LoadReport, ReadOptions
from core.preparation import MissingPolicy, Scaling
from desktop_app.data_tab import NAME_COLUMN, USE_COLUMN, DataTab


def loaded(frame: pd.DataFrame) -> LoadedTable:
    report = LoadReport(
        path="customers.csv",
        file_format="text",
        options=ReadOptions(),
        rows=len(frame),
        columns=summarize_columns(frame),
    )
    return LoadedTable(frame, report)


@pytest.fixture
def table():
    rng = np.random.default_rng(1)
    rows = 60
    income = rng.lognormal(3, 1.2, rows)
    income[[3, 7]] = np.nan
    age = rng.integers(18, 80, rows).astype(float)
    age[[7, 11, 12]] = np.nan
    frame = pd.DataFrame(
        {
            "CustomerID": np.arange(1000, 1000 + rows),
            "Age": age,
            "Income": income,
            "Gender": rng.choice(["Female", "Male"], rows),
            "Country": ["NL"] * rows,
        }
    )
    return loaded(frame)


@pytest.fixture
def tab(qtbot, table):
    widget = DataTab()
    qtbot.addWidget(widget)
    widget.set_table(table)
    return widget


def item_for(tab, name):
    (item,) = tab.columns_tree.findItems(name, Qt.MatchFlag.MatchExactly, NAME_COLUMN)
    return item


def test_identifiers_constants_and_categories_are_unticked_with_the_reason(tab):
    assert tab.selected_features() == ("Age", "Income")
    assert "category" in item_for(tab, "Gender").toolTip(USE_COLUMN)
    assert item_for(tab, "CustomerID").checkState(USE_COLUMN) == Qt.CheckState.Unchecked
    assert "customer number" in item_for(tab, "CustomerID").toolTip(USE_COLUMN)
    assert "same value" in item_for(tab, "Country").toolTip(USE_COLUMN)
    assert item_for(tab, "Age").text(3) == "3"  # missing values per column


def test_missing_value_count_follows_the_chosen_columns(tab):
    assert tab.missing_label.text().startswith("4 customers have a missing value")
    item_for(tab, "Age").setCheckState(USE_COLUMN, Qt.CheckState.Unchecked)
    assert tab.missing_label.text().startswith("2 customers have a missing value")
    tab.fill_button.setChecked(True)
    assert "2 values will be filled in" in tab.missing_label.text()


def test_find_segments_emits_the_chosen_settings(qtbot, tab):
    tab.set_feature_used("Gender", True)
    tab.set_feature_used("Age", False)
    tab.fill_button.setChecked(True)
    tab.scaling_combo.setCurrentIndex(tab.scaling_combo.findData("robust"))
    assert "extreme customers pull less" in tab.scaling_label.text()
    assert list(tab.log_boxes) == ["Income"]  # suggested for the skewed column
    tab.log_boxes["Income"].setChecked(True)
    with qtbot.waitSignal(tab.find_segments_requested, timeout=1000) as blocker:
        qtbot.mouseClick(tab.find_button, Qt.MouseButton.LeftButton)
    settings = blocker.args[0]
    assert settings.features == ("Income", "Gender")
    assert settings.missing == MissingPolicy.FILL
    assert settings.scaling == Scaling.ROBUST
    assert settings.log_columns == ("Income",)


def test_find_segments_is_disabled_without_features(tab):
    for name in tab.selected_features():
        tab.set_feature_used(name, False)
    assert not tab.find_button.isEnabled()


def click_header(tab, column):
    header = tab.table_view.horizontalHeader()
    position = QPoint(header.sectionViewportPosition(column) + 5, header.height() // 2)
    QTest.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=position)


def column_texts(tab, column):
    return [tab.model.index(row, column).data() for row in range(tab.model.rowCount())]


def test_clicking_a_header_sorts_the_table_once_the_worker_has_the_order(qtbot, tab, table):
    tab.resize(1000, 600)
    tab.show()
    age = list(table.frame.columns).index("Age")
    click_header(tab, age)
    qtbot.waitUntil(tab.sort_runner.is_idle)
    ages = table.frame["Age"].to_numpy()
    shown = [ages[tab.model.source_row(row)] for row in range(tab.model.rowCount())]
    known = [value for value in shown if not np.isnan(value)]
    assert known == sorted(known)
    assert all(np.isnan(value) for value in shown[len(known):])  # missing ages last
    click_header(tab, age)  # a second click reverses the order
    qtbot.waitUntil(tab.sort_runner.is_idle)
    shown = [ages[tab.model.source_row(row)] for row in range(len(known))]
    assert shown == sorted(known, reverse=True)
    tab.shutdown()


def test_segments_show_as_a_last_column_with_number_and_name(tab, table):
    labels = np.arange(len(table.frame)) % 3
    labels[0] = -1
    columns = table.frame.shape[1]
    tab.set_segments(labels, ("Young", "Rich", "Thrifty"), (1, 2, 3))
    assert tab.model.columnCount() == columns + 1
    assert tab.model.headerData(columns, Qt.Orientation.Horizontal) == "Segment"
    assert column_texts(tab, columns)[:4] == ["Left out", "2 · Rich", "3 · Thrifty", "1 · Young"]
    assert tab.model.frame is table.frame  # the frame is shown as it is, no column added to it
    assert "Segment" not in table.frame.columns
    tab.set_segments(labels, ("Young", "Wealthy", "Thrifty"), (1, 2, 3))  # a rename
    assert column_texts(tab, columns)[1] == "2 · Wealthy"
    tab.set_segments(None, (), ())
    assert tab.model.columnCount() == columns


def test_a_new_table_drops_the_segment_column(tab, table):
    tab.set_segments(np.zeros(len(table.frame), dtype=int), ("Everyone",), (1,))
    tab.set_table(table)
    assert tab.model.columnCount() == table.frame.shape[1]


def test_flags_and_campaign_outcomes_are_unticked_with_a_reason_that_stays(qtbot, datasets_dir):
    from core.loading import load_table

    widget = DataTab()
    qtbot.addWidget(widget)
    widget.set_table(load_table(datasets_dir / "marketing_campaign.csv"))

    chosen = widget.selected_features()
    assert "Complain" not in chosen
    assert "AcceptedCmp2" not in chosen
    assert "Income" in chosen
    assert "past campaigns" in item_for(widget, "AcceptedCmp2").toolTip(USE_COLUMN)
    assert item_for(widget, "Income").toolTip(USE_COLUMN).startswith("Used by default")
    widget.set_feature_used("Complain", True)
    assert "Complain" in widget.selected_features()
    assert "past campaigns" in item_for(widget, "Complain").toolTip(USE_COLUMN)


def test_dates_written_as_numbers_show_as_dates_and_big_whole_numbers_in_full(datasets_dir):
    from core.loading import load_table
    from desktop_app.data_tab import describe_values

    table = load_table(datasets_dir / "CDNOW_master.txt")
    summaries = {column.name: column for column in table.report.columns}
    assert describe_values(summaries["date"]) == "1997-01-01 to 1998-06-30"
    assert "e+" not in describe_values(summaries["dollar_value"])


def test_a_new_table_starts_at_the_top(qtbot, tab, table):
    tab.resize(600, 300)
    tab.show()
    tab.table_view.verticalScrollBar().setValue(tab.table_view.verticalScrollBar().maximum())
    assert tab.table_view.verticalScrollBar().value() > 0
    tab.set_table(table)
    assert tab.table_view.verticalScrollBar().value() == 0


def test_find_segments_says_why_it_is_greyed_out(qtbot):
    frame = pd.DataFrame({"Name": [f"customer {n}" for n in range(30)], "City": ["Lyon", "Paris"] * 15})
    widget = DataTab()
    qtbot.addWidget(widget)
    widget.set_table(loaded(frame))
    assert not widget.find_button.isEnabled()
    assert "no column of numbers" in widget.find_hint.text()
