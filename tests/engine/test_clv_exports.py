"""Lifetime value in what the user takes away: the per-customer table, the profile table, the report pages
(a page of predicted value per segment and RFM group, and the holdout check), on CDNOW."""

import numpy as np
import pandas as pd
import pytest
from matplotlib.text import Text

from core.clv import (
    CHANCE_ACTIVE,
    calibration_summary,
    estimate_lifetime_value,
    holdout_check,
    lifetime_value_columns,
    lifetime_value_of_orders,
    lifetime_value_weeks,
    value_by_rfm_group,
    value_by_segment,
    with_lifetime_value,
    with_segment_value,
)
from core.errors import SettingsError
from core.loading import load_table
from core.orders import OrderColumns, recognise_order_history, summarise_order_file, summarise_orders
from core.pipeline import AnalysisSettings, run_analysis
from core.profiling import profile_table
from core.report import CLUSTER_TITLE, HOLDOUT_TITLE, LIFETIME_VALUE_TITLE, RFM_TITLE, build_report_pages
from core.rfm import RFM_GROUPS

CDNOW_SPLIT = "1997-09-30"


@pytest.fixture(scope="module")
def cdnow_summarised(datasets_dir):
    table = load_table(datasets_dir / "CDNOW_master.txt")
    summary, customers = summarise_order_file(table, recognise_order_history(table).columns)
    return summary, customers


@pytest.fixture(scope="module")
def cdnow_with_value(cdnow_summarised):
    summary, customers = cdnow_summarised
    lifetime_value = estimate_lifetime_value(summary.customers, summary.as_of, weeks=52)
    with_value = with_lifetime_value(customers, lifetime_value)
    return with_value, run_analysis(with_value, AnalysisSettings(k=3, k_max=3))


def text_of(page) -> str:
    return " ".join(item.get_text() for item in page.findobj(Text))


def test_the_summary_keeps_the_purchase_days_the_holdout_check_needs(cdnow_summarised, datasets_dir):
    summary, _ = cdnow_summarised
    records = pd.read_csv(datasets_dir / "CDNOW_master.txt", sep=r"\s+", dtype={"customer_id": str})
    days = pd.to_datetime(records["date"].astype(str), format="%Y%m%d")
    from_records = calibration_summary(records["customer_id"], days, CDNOW_SPLIT)
    from_summary = calibration_summary(summary.purchase_customers, summary.purchase_days, CDNOW_SPLIT)
    assert len(summary.purchase_days) == int(summary.customers["Purchases"].sum())
    for part in ("x", "t_x", "T", "purchases_after", "weekly_purchases_after"):
        np.testing.assert_array_equal(getattr(from_summary, part), getattr(from_records, part))


def test_the_customer_table_carries_the_four_columns(cdnow_summarised, cdnow_with_value):
    _, customers = cdnow_summarised
    with_value, result = cdnow_with_value
    assert list(with_value.frame.columns) == [*customers.frame.columns, *lifetime_value_columns(52)]
    assert lifetime_value_weeks(with_value.frame.columns) == 52
    assert lifetime_value_weeks(customers.frame.columns) is None
    described = [column.name for column in with_value.report.columns]
    assert described[-4:] == lifetime_value_columns(52)
    # The segments are still found on recency, frequency and spend, not on the forecast.
    assert result.settings.features == ("Days since last purchase", "Purchases", "Average spend")


def test_segments_and_rfm_groups_share_the_predicted_value(cdnow_with_value):
    with_value, result = cdnow_with_value
    segmentation = result.segmentation
    frame = with_value.frame
    by_segment = value_by_segment(frame, segmentation.labels, segmentation.numbers)
    assert by_segment.table.index.tolist() == ["Segment 1", "Segment 2", "Segment 3"]
    assert by_segment.table["Customers"].tolist() == [profile.size for profile in segmentation.profiles]
    assert by_segment.table["Share of predicted value (%)"].sum() == pytest.approx(100)
    by_group = value_by_rfm_group(frame)
    assert set(by_group.table.index) <= set(RFM_GROUPS)
    assert by_group.table.loc["Champions", "Share of predicted value (%)"] > 50
    # Customers who bought once count as active (the model's drop-outs follow repeat purchases only),
    # so the Lost group, all one-off buyers long ago, is "still active" but worth almost nothing.
    lost = by_group.table.loc["Lost"]
    assert lost["Share still active (%)"] == pytest.approx(100)
    assert lost["Predicted value per customer"] < 0.2 * frame["Predicted value (next 52 weeks)"].mean()
    profiles = with_segment_value(
        profile_table(segmentation.profiles, segmentation.overall), frame, segmentation.labels,
        segmentation.numbers,
    )
    assert profiles["Predicted value per customer"].iloc[:3].tolist() == pytest.approx(
        by_segment.table["Predicted value per customer"].tolist()
    )
    assert profiles["Share still active (%)"].iloc[-1] == pytest.approx(frame[CHANCE_ACTIVE].mean())
    # A table without the columns is left as it was.
    plain = frame.drop(columns=lifetime_value_columns(52))
    assert value_by_segment(plain, segmentation.labels, segmentation.numbers) is None
    unchanged = profile_table(segmentation.profiles, segmentation.overall)
    assert with_segment_value(unchanged, plain, segmentation.labels, segmentation.numbers) is unchanged


def test_the_report_has_a_lifetime_value_page_and_the_holdout_check(cdnow_summarised, cdnow_with_value):
    summary, customers = cdnow_summarised
    with_value, result = cdnow_with_value
    check = holdout_check(summary.purchase_customers, summary.purchase_days, CDNOW_SPLIT)
    pages = build_report_pages(with_value, result, holdout=check)
    titles = [page.get_suptitle() for page in pages]
    rfm = titles.index(RFM_TITLE)
    assert titles[rfm - 1:rfm + 3] == [CLUSTER_TITLE, RFM_TITLE, LIFETIME_VALUE_TITLE, HOLDOUT_TITLE]
    value_text = text_of(pages[rfm + 1])
    sentences = value_by_segment(
        with_value.frame, result.segmentation.labels, result.segmentation.numbers
    ).sentences
    for sentence in sentences.values():
        assert sentence in value_text
    assert "The Champions group holds 17 % of your customers" in value_text
    holdout_page = pages[rfm + 2]
    assert check.sentence in text_of(holdout_page)
    charts = holdout_page.axes
    assert len(charts) == 2
    weekly_lines = charts[0].get_lines()
    assert [len(line.get_xdata()) for line in weekly_lines] == [39, 39]
    assert weekly_lines[0].get_ydata()[-1] == 19_684  # actual, cumulative
    # Without the columns or a check, neither page.
    plain_titles = [page.get_suptitle() for page in build_report_pages(
        customers, run_analysis(customers, AnalysisSettings(k=3, k_max=3)))]
    assert LIFETIME_VALUE_TITLE not in plain_titles
    assert HOLDOUT_TITLE not in plain_titles
    for page in pages:
        page.clear()


def test_lifetime_value_of_orders_says_why_rather_than_raising(cdnow_summarised):
    summary, customers = cdnow_summarised
    outcome = lifetime_value_of_orders(summary, customers, 26, check=False)
    assert outcome.default_split == pd.Timestamp("1997-12-30")  # two thirds of 1997-01-01 .. 1998-06-30
    assert outcome.holdout is None
    assert (outcome.not_estimated, outcome.not_checked) == ("", "")
    assert outcome.sentence().startswith("Lifetime value over the next 26 weeks: ")
    # A split the user chose outside the history is a wrong request; what the data cannot support is not.
    with pytest.raises(SettingsError, match="must leave at least 4 weeks of history"):
        lifetime_value_of_orders(summary, customers, None, "1997-01-10")
    early = summarise_orders(
        pd.DataFrame({"Customer": ["A", "B", "A"], "Day": ["2024-01-01", "2024-01-02", "2024-01-09"],
                      "Amount": [5.0, 6.0, 7.0]}),
        OrderColumns("Customer", "Day", "Amount"),
    )
    short = lifetime_value_of_orders(early, customers, 52)
    assert short.lifetime_value is None
    assert short.table is customers  # the table is left as it was
    assert short.not_estimated.startswith("The order history covers only 9 days.")
    assert short.sentence() == short.not_estimated
    assert "must leave at least 4 weeks of history" in short.not_checked
