"""The Data tab: default feature choice with reasons, missing-value counts, and the settings it emits."""

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import Qt

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
