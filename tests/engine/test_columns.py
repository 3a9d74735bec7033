"""Column kinds decide which columns are offered as segmentation features, so each rule is pinned here."""

import numpy as np
import pandas as pd
import pytest

from core.columns import (
    LOG_SKEWNESS,
    LOG_SPREAD,
    PARALLEL_FROM_ROWS,
    ColumnKind,
    categorical_level_limit,
    name_looks_like_id,
    name_looks_like_outcome,
    summarize_column,
    summarize_columns,
)


def summary_of(values, name="column"):
    (summary,) = summarize_columns(pd.DataFrame({name: values}))
    return summary


@pytest.mark.parametrize(
    "name", ["id", "ID", "CustomerID", "CUST_ID", "customer_id", "Customer code", "Member No"]
)
def test_names_that_say_identifier(name):
    assert name_looks_like_id(name)


@pytest.mark.parametrize("name", ["Income", "paid", "Kidhome", "number_of_cds", "Valid", "Ideas"])
def test_names_that_do_not_say_identifier(name):
    assert not name_looks_like_id(name)


def test_unique_integers_named_like_an_id_are_an_identifier():
    summary = summary_of([7, 3, 9, 1], name="CustomerID")
    assert summary.kind is ColumnKind.IDENTIFIER
    assert "ID" in summary.reason


def test_integers_counting_up_are_an_identifier_even_without_an_id_name():
    assert summary_of(list(range(1001, 1101)), name="Kunde").kind is ColumnKind.IDENTIFIER


def test_unique_but_unordered_amounts_stay_numeric():
    rng = np.random.default_rng(0)
    amounts = rng.choice(np.arange(1, 100_000), size=200, replace=False)
    assert summary_of(amounts, name="Fresh").kind is ColumnKind.NUMERIC


def test_repeated_integers_named_id_stay_numeric():
    assert summary_of([4, 4, 7, 19], name="Store ID").kind is ColumnKind.NUMERIC


def test_text_where_every_value_differs_is_an_identifier_and_keeps_no_top_values():
    summary = summary_of(pd.Series(["C10001", "C10002", "C10003"], dtype="str"), name="CUST_ID")
    assert summary.kind is ColumnKind.IDENTIFIER
    assert summary.top_values == ()


def test_zero_padded_codes_named_id_are_identifiers_even_when_repeated():
    codes = [f"{number:05d}" for number in range(1, 60)] * 2
    summary = summary_of(pd.Series(codes, dtype="str"), name="customer_id")
    assert summary.kind is ColumnKind.IDENTIFIER
    assert summary.distinct == 59


def test_one_value_is_constant_and_says_which():
    summary = summary_of([3, 3, 3, None], name="Z_CostContact")
    assert summary.kind is ColumnKind.CONSTANT
    assert summary.missing == 1
    assert "(3)" in summary.reason


def test_an_empty_column_is_constant():
    summary = summary_of([np.nan, np.nan])
    assert summary.kind is ColumnKind.CONSTANT
    assert (summary.missing, summary.distinct) == (2, 0)


def test_one_text_value_is_constant():
    assert summary_of(pd.Series(["x", "x", None], dtype="str")).kind is ColumnKind.CONSTANT


def test_few_text_levels_are_categorical_with_counts_most_frequent_first():
    summary = summary_of(pd.Series(["Female"] * 3 + ["Male"] * 2 + [None], dtype="str"), name="Gender")
    assert summary.kind is ColumnKind.CATEGORICAL
    assert summary.top_values == (("Female", 3), ("Male", 2))
    assert (summary.missing, summary.distinct) == (1, 2)


def test_counts_of_a_long_category_column_are_exact_across_its_blocks():
    # The loader reads words as categories; their levels are counted a block of rows at a time.
    rng = np.random.default_rng(3)
    levels = np.array(["North", "South", "East", None], dtype=object)
    words = rng.choice(levels, 200_001, p=[0.5, 0.3, 0.15, 0.05])
    column = pd.Series(words, dtype="category")
    summary = summary_of(column, name="Region")
    expected = column.value_counts()
    assert summary.top_values == tuple((str(level), int(count)) for level, count in expected.items())
    assert summary.missing == int(column.isna().sum())


def test_many_text_levels_are_text():
    words = [f"word {number % 40}" for number in range(400)]
    summary = summary_of(pd.Series(words, dtype="str"), name="Comment")
    assert summary.kind is ColumnKind.TEXT
    assert summary.distinct == 40 > categorical_level_limit(400)


def test_booleans_are_categorical():
    assert summary_of([True, False, True]).kind is ColumnKind.CATEGORICAL


@pytest.mark.parametrize(("name", "values"), [("Channel", [1, 2, 1, 2, 2, 1]), ("Region", [3, 1, 2, 3, 3])])
def test_small_whole_number_codes_from_one_are_a_category(name, values):
    summary = summary_of(values * 4, name=name)
    assert summary.kind is ColumnKind.CATEGORICAL
    assert "codes" in summary.reason


@pytest.mark.parametrize(
    ("name", "values"),
    [
        ("Kidhome", [0, 1, 2, 0]),  # a count: it starts at 0
        ("Satisfaction score", [1, 2, 3, 4, 5]),  # the name says it rates something
        ("Visits", [1, 2, 3, 2]),
        ("Store", [1, 2, 4, 1]),  # a value is missing from 1..n: not a list of codes
    ],
)
def test_counts_ratings_and_gappy_numbers_stay_numeric(name, values):
    assert summary_of(values * 5, name=name).kind is ColumnKind.NUMERIC


def test_a_few_values_are_too_few_to_call_a_flag_or_codes():
    assert summary_of([1, 2, 1, 2], name="Channel").kind is ColumnKind.NUMERIC


@pytest.mark.parametrize("values", [[0, 1, 0, 0], [0.0, 5.0, 5.0, 0.0], [0, 1, np.nan, 1, 1]])
def test_two_numbers_are_a_flag(values):
    summary = summary_of(values * 5, name="Newsletter")
    assert summary.kind is ColumnKind.FLAG
    assert "yes/no" in summary.reason


@pytest.mark.parametrize("name", ["AcceptedCmp2", "Response", "Complain", "Churned", "campaign_response"])
def test_names_that_say_outcome_of_past_campaigns(name):
    assert name_looks_like_outcome(name)
    assert "past campaigns" in summary_of([0, 1, 0, 0] * 5, name=name).reason


@pytest.mark.parametrize("name", ["Income", "MntWines", "Recency", "NumWebPurchases", "Channel"])
def test_names_that_do_not_say_outcome(name):
    assert not name_looks_like_outcome(name)


def test_numeric_statistics_ignore_missing_values():
    summary = summary_of([1.0, 2.0, np.nan, 10.0], name="Income")
    assert summary.kind is ColumnKind.NUMERIC
    assert (summary.minimum, summary.maximum, summary.median) == (1.0, 10.0, 2.0)
    assert summary.mean == pytest.approx(13 / 3)
    assert (summary.missing, summary.distinct) == (1, 3)


def test_day_first_dates_are_recognised_when_a_day_exceeds_twelve():
    values = pd.Series(["04-09-2012", "30-07-2012", "08-03-2014"], dtype="str")
    summary = summary_of(values, "Dt_Customer")
    assert summary.kind is ColumnKind.DATE
    assert "day-month-year" in summary.reason
    assert "2012-07-30 to 2014-03-08" in summary.reason


def test_month_first_dates_are_recognised_when_only_that_fits():
    summary = summary_of(pd.Series(["12/31/2020", "01/02/2021"], dtype="str"), "Joined")
    assert summary.kind is ColumnKind.DATE
    assert "month-day-year" in summary.reason


def test_iso_dates_with_times_are_dates():
    values = pd.Series(["2021-01-02 10:00", "2021-03-04 11:30", None], dtype="str")
    summary = summary_of(values, "Last visit")
    assert summary.kind is ColumnKind.DATE
    assert summary.missing == 1


def test_text_that_only_partly_looks_like_dates_is_not_a_date():
    values = pd.Series(["2021-01-02", "soon", "2021-01-05"], dtype="str")
    assert summary_of(values).kind is not ColumnKind.DATE


def test_yyyymmdd_integers_in_a_date_column_are_dates_but_keep_their_values():
    frame = pd.DataFrame({"date": [19970101, 19970102, 19980630]})
    (summary,) = summarize_columns(frame)
    assert summary.kind is ColumnKind.DATE
    assert "1997-01-01 to 1998-06-30" in summary.reason
    assert frame["date"].tolist() == [19970101, 19970102, 19980630]


def test_yyyymmdd_like_integers_without_a_date_name_stay_numeric():
    assert summary_of([19970101, 19970102, 19970101], name="amount").kind is ColumnKind.NUMERIC


def test_datetime_columns_are_dates():
    assert summary_of(pd.to_datetime(["2020-01-01", "2021-01-01"])).kind is ColumnKind.DATE


def test_summaries_follow_the_column_order():
    frame = pd.DataFrame({"b": [1, 2], "a": ["x", "y"]})
    assert [summary.name for summary in summarize_columns(frame)] == ["b", "a"]


def test_every_kind_comes_with_a_reason():
    frame = pd.DataFrame({"ID": [1, 2, 3], "Age": [20, 30, 20], "Gender": ["F", "M", "F"], "Same": [0, 0, 0]})
    assert all(summary.reason for summary in summarize_columns(frame))


def test_big_tables_get_the_same_summaries_in_the_same_order():
    rows = PARALLEL_FROM_ROWS
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({
        "Spend": rng.gamma(2, 100, rows).round(2),
        "Gender": pd.Series(rng.choice(["F", "M"], rows), dtype="str"),
        "CustomerID": np.arange(rows),
        "Visits": rng.integers(0, 9, rows),
    })
    summaries = summarize_columns(frame)
    assert summaries == tuple(summarize_column(frame[name]) for name in frame.columns)
    assert [summary.kind for summary in summaries] == [
        ColumnKind.NUMERIC, ColumnKind.CATEGORICAL, ColumnKind.IDENTIFIER, ColumnKind.NUMERIC,
    ]


def _log_rule_by_pandas(values: np.ndarray) -> bool:
    """The log-scale rule written out with pandas, to check the loader's one-pass version against."""
    finite = values[np.isfinite(values)]
    positive = finite[finite > 0]
    if finite.size < 3 or finite.min() < 0 or positive.size == 0:
        return False
    return bool(pd.Series(finite).skew() > LOG_SKEWNESS and finite.max() >= LOG_SPREAD * np.median(positive))


@pytest.mark.parametrize("seed", range(6))
def test_the_log_scale_suggestion_follows_skewness_and_spread(seed):
    rng = np.random.default_rng(seed)
    columns = {
        "spending": rng.lognormal(3, 1.2, 2000),
        "spending with zeros and a gap": np.r_[np.zeros(500), rng.lognormal(3, 1.5, 1498), np.inf, np.nan],
        "mildly skewed": rng.gamma(4, 10, 2000),
        "age": rng.normal(45, 12, 2000).round(),
        "balance": rng.normal(0, 100, 2000),  # negative values: never on a log scale
        "flag": rng.integers(0, 2, 2000),
        "rare big spenders": np.r_[np.full(1990, 10.0), rng.uniform(100, 1000, 10)],
    }
    summaries = {summary.name: summary for summary in summarize_columns(pd.DataFrame(columns))}

    for name, values in columns.items():
        assert summaries[name].log_scale_helps == _log_rule_by_pandas(np.asarray(values, dtype=float)), name
    assert summaries["spending"].log_scale_helps
    assert not summaries["age"].log_scale_helps
    assert not summaries["balance"].log_scale_helps


def test_a_column_with_a_value_near_float64s_limit_is_summarised():
    """Its skewness overflowed (1e103 cubed is past 1e308), and the file did not load (found by fuzzing)."""
    summary = summarize_column(pd.Series([1.0, 1.0, 1.2e103], name="Spend"))
    assert summary.kind is ColumnKind.NUMERIC
    assert summary.log_scale_helps, "three values, one of them huge: as skewed as three values can be"


def test_a_column_with_both_infinities_is_summarised_without_a_warning():
    # pytest turns warnings into errors: numpy's "invalid value" reached the command line's users.
    summary = summary_of([1.0, np.inf, -np.inf, 4.0], name="B")
    assert summary.kind is ColumnKind.NUMERIC
    assert summary.maximum == np.inf
