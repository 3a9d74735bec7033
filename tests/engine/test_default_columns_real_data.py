"""The default choice of columns on every real file in the shared data sets: what a new user gets by
pressing Find segments without changing anything must group customers by how they behave, never make a
segment of the few customers with a rare yes/no flag (the 21 who complained in marketing_campaign.csv)."""

import numpy as np
import pytest

from core.columns import ColumnKind
from core.loading import load_table
from core.pipeline import AnalysisSettings, fit_segmentation, prepare_table
from core.preparation import default_features

DATA_FILES = [
    "Mall_Customers.csv",
    "Wholesale customers data.csv",
    "CC GENERAL.csv",
    "marketing_campaign.csv",
    "CDNOW_master.txt",
]
# A flag value held by at most this share of all customers is rare ...
RARE_SHARE = 0.1
# ... and a segment in which at least this share of the customers hold it is made of that flag.
MADE_OF_SHARE = 0.9


@pytest.fixture(scope="module", params=DATA_FILES)
def table(request, datasets_dir):
    return load_table(datasets_dir / request.param)


def test_marketing_campaign_defaults_leave_out_flags_and_campaign_outcomes(datasets_dir):
    table = load_table(datasets_dir / "marketing_campaign.csv")

    choice = default_features(table.report.columns)

    outcomes = ["AcceptedCmp1", "AcceptedCmp2", "AcceptedCmp3", "AcceptedCmp4", "AcceptedCmp5", "Response",
                "Complain"]
    for name in outcomes:
        assert name not in choice.selected
        assert "past campaigns" in choice.excluded[name]
    assert {"Income", "MntWines", "Recency", "Kidhome"} <= set(choice.selected)


def test_wholesale_channel_and_region_are_categories_not_numbers(datasets_dir):
    table = load_table(datasets_dir / "Wholesale customers data.csv")

    choice = default_features(table.report.columns)

    assert choice.selected == ("Fresh", "Milk", "Grocery", "Frozen", "Detergents_Paper", "Delicassen")
    assert "category" in choice.excluded["Channel"]
    assert "category" in choice.excluded["Region"]


def test_every_column_the_default_leaves_out_says_why_and_no_flag_is_chosen(table):
    choice = default_features(table.report.columns)

    for column in table.report.columns:
        assert (column.name in choice.selected) != (column.name in choice.excluded)
        if column.name in choice.excluded:
            assert choice.excluded[column.name]
        if column.kind is ColumnKind.FLAG:
            assert column.name not in choice.selected


@pytest.mark.parametrize("k", [3, 6])
def test_no_default_segment_is_a_single_rare_flag(table, k):
    prepared = prepare_table(table, AnalysisSettings())
    segmentation = fit_segmentation(table.frame, prepared, k)
    frame = table.frame
    two_valued = [
        column.name
        for column in table.report.columns
        if column.distinct == 2 and column.minimum is not None
    ]
    for name in two_valued:
        values = frame[name].to_numpy(dtype=float)
        for value in np.unique(values[~np.isnan(values)]):
            holds = values == value
            if holds.mean() > RARE_SHARE:
                continue
            for segment in range(k):
                members = segmentation.labels == segment
                share = holds[members].mean()
                assert share < MADE_OF_SHARE, (
                    f"segment {segment + 1} of {k} is {share:.0%} '{name} = {value:g}' "
                    f"({members.sum()} customers)"
                )
