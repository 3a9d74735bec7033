"""Order histories: the per-customer table against a plain pandas computation, dates and amounts as real
exports write them, the rows left out, and recognising an order file."""

import numpy as np
import pandas as pd
import pytest

from core.errors import DataError, OperationCancelled, SettingsError
from core.loading import load_table
from core.orders import (
    AFTER_AS_OF,
    BAD_AMOUNT,
    BAD_DATE,
    CUSTOMER_COLUMNS,
    GUEST,
    ONLY_REFUNDS,
    AmbiguousDatesError,
    OrderColumns,
    OrderRequest,
    parse_amounts,
    parse_dates,
    recognise_order_history,
    summarise_order_file,
    summarise_orders,
)
from core.pipeline import AnalysisSettings, run_analysis
from core.project import load_project, reopen, save_project
from core.rfm import GRID, RFM_COLUMNS, RFM_GROUPS, group_summary, quintile_scores, rfm_groups

ORDER_COLUMNS = OrderColumns(customer="customer", date="date", amount="amount")


def expected_customers(orders: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """The per-customer table computed the plain way: filter, then group by customer."""
    used = orders[orders["date"] <= as_of]
    bought = used[used["amount"] >= 0]
    by_customer = bought.groupby("customer")
    table = pd.DataFrame({
        "First purchase": by_customer["date"].min(),
        "Last purchase": by_customer["date"].max(),
        "Purchases": by_customer["date"].nunique(),
    })
    table["Days since last purchase"] = (as_of - table["Last purchase"]).dt.days
    table["Days as customer"] = (as_of - table["First purchase"]).dt.days
    table["Total spend"] = used.groupby("customer")["amount"].sum().reindex(table.index).round(2)
    table["Average spend"] = (table["Total spend"] / table["Purchases"]).round(2)
    return table.rename_axis("Customer").reset_index()


def generated_orders(seed: int = 7, rows: int = 5000) -> pd.DataFrame:
    """Orders with the awkward parts: repeat customers, several lines on a day, refunds, a zero amount."""
    rng = np.random.default_rng(seed)
    customers = rng.integers(1, 800, rows)
    dates = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 500, rows), unit="D")
    amounts = rng.lognormal(3, 1, rows).round(2)
    refunds = rng.random(rows) < 0.05
    amounts[refunds] = -amounts[refunds]
    amounts[0] = 0.0
    return pd.DataFrame({"customer": [f"C{number:04d}" for number in customers], "date": dates,
                         "amount": amounts})


def compare(summary_table: pd.DataFrame, expected: pd.DataFrame) -> None:
    columns = list(CUSTOMER_COLUMNS)
    actual = summary_table[columns].reset_index(drop=True)
    pd.testing.assert_frame_equal(actual, expected[columns].reset_index(drop=True), check_dtype=False)


def test_generated_orders_match_a_plain_pandas_computation():
    orders = generated_orders()
    summary = summarise_orders(orders, ORDER_COLUMNS)
    as_of = orders["date"].max() + pd.Timedelta(days=1)
    assert summary.as_of == as_of
    compare(summary.customers, expected_customers(orders, as_of))
    assert list(summary.customers.columns) == [*CUSTOMER_COLUMNS, *RFM_COLUMNS]
    assert summary.refunds == int((orders["amount"] < 0).sum())


def test_an_earlier_as_of_date_leaves_out_later_purchases_and_counts_them():
    orders = generated_orders(seed=11)
    as_of = pd.Timestamp("2023-09-30")
    summary = summarise_orders(orders, ORDER_COLUMNS, as_of="2023-09-30")
    expected = expected_customers(orders, as_of)
    compare(summary.customers, expected)
    assert summary.left_out[AFTER_AS_OF] == int((orders["date"] > as_of).sum())
    assert summary.last_purchase <= as_of
    assert summary.customers["Days since last purchase"].min() >= 0


def test_cdnow_matches_a_plain_pandas_computation(datasets_dir):
    path = datasets_dir / "CDNOW_master.txt"
    raw = pd.read_csv(path, sep=r"\s+", dtype={"customer_id": str})
    orders = pd.DataFrame({
        "customer": raw["customer_id"],
        "date": pd.to_datetime(raw["date"].astype(str), format="%Y%m%d"),
        "amount": raw["dollar_value"],
    })
    expected = expected_customers(orders, pd.Timestamp("1998-07-01"))
    table = load_table(path)
    columns = OrderColumns(
        customer="customer_id", date="date", amount="dollar_value", quantity="number_of_cds"
    )
    summary, customers = summarise_order_file(table, columns)
    assert len(summary.customers) == 23570
    compare(summary.customers, expected)
    assert summary.customers["Items"].sum() == raw["number_of_cds"].sum()
    assert summary.to_dict() == {
        "orders_read": 69659, "orders_used": 69659, "customers": 23570,
        "repeat_customers": int((expected["Purchases"] > 1).sum()), "as_of": "1998-07-01",
        "first_purchase": "1997-01-01", "last_purchase": "1998-06-30", "left_out": {},
    }
    assert summary.source_text() == "Built from 69,659 purchases, 1997-01-01 to 1998-06-30, as of 1998-07-01"
    assert customers.report.rows == 23570
    assert customers.frame is summary.customers


def test_cdnow_without_its_header_is_recognised_with_numbered_columns(tmp_path, datasets_dir):
    lines = (datasets_dir / "CDNOW_master.txt").read_bytes().splitlines(keepends=True)
    path = tmp_path / "CDNOW_as_published.txt"
    path.write_bytes(b"".join(lines[1:]))
    guess = recognise_order_history(load_table(path))
    assert guess is not None
    chosen = (guess.columns.customer, guess.columns.date, guess.columns.amount)
    assert chosen == ("Column 1", "Column 2", "Column 4")
    assert guess.sentence() == "This looks like a list of purchases: 69,659 purchases by 23,570 customers."


def test_cdnow_with_its_header_is_recognised(datasets_dir):
    guess = recognise_order_history(load_table(datasets_dir / "CDNOW_master.txt"))
    assert guess.columns == OrderColumns(customer="customer_id", date="date", amount="dollar_value",
                                         quantity="number_of_cds")


@pytest.mark.parametrize("file_name", ["Mall_Customers.csv", "Wholesale customers data.csv",
                                       "marketing_campaign.csv"])
def test_customer_tables_are_not_taken_for_orders(datasets_dir, file_name):
    assert recognise_order_history(load_table(datasets_dir / file_name)) is None


# --- Dates ------------------------------------------------------------------------------------------------


def dates(values, date_format=None) -> list[str]:
    parsed, _ = parse_dates(pd.Series(values, name="Date"), date_format)
    return [None if pd.isna(day) else f"{day:%Y-%m-%d}" for day in parsed]


def test_iso_and_compact_dates_with_or_without_times():
    assert dates(["2024-03-01", "2024-03-02 14:05", "2024-03-03T08:00:00", "junk"]) == [
        "2024-03-01", "2024-03-02", "2024-03-03", None]
    assert dates(["20240301", "20240302"]) == ["2024-03-01", "2024-03-02"]
    assert dates([20240301, 20240302]) == ["2024-03-01", "2024-03-02"]


def test_day_first_or_month_first_is_decided_from_the_values():
    assert dates(["01/03/2024", "13/03/2024"]) == ["2024-03-01", "2024-03-13"]  # 13 can only be a day
    assert dates(["03/01/2024", "03/13/2024 9:15 PM"]) == ["2024-03-01", "2024-03-13"]
    assert dates(["1.3.24", "31.12.23"]) == ["2024-03-01", "2023-12-31"]


def test_dates_that_could_be_read_either_way_ask_which():
    with pytest.raises(AmbiguousDatesError, match=r"'Date'.*day-first or month-first.*--date-format"):
        parse_dates(pd.Series(["01/03/2024", "02/03/2024"], name="Date"))
    assert dates(["01/03/2024", "02/03/2024"], "day-first") == ["2024-03-01", "2024-03-02"]
    assert dates(["01/03/2024", "02/03/2024"], "month-first") == ["2024-01-03", "2024-02-03"]
    assert dates(["01.03.2024"], "%d.%m.%Y") == ["2024-03-01"]


def test_dates_written_both_ways_are_refused():
    with pytest.raises(DataError, match=r"day-first \('13/01/2024'\) and month-first \('01/13/2024'\)"):
        parse_dates(pd.Series(["13/01/2024", "01/13/2024"], name="Date"))


def test_excel_dates_as_cells_and_as_numbers():
    cells = [pd.Timestamp("2024-03-01 10:30"), pd.Timestamp("2024-03-02")]
    assert dates(cells) == ["2024-03-01", "2024-03-02"]
    assert dates([45352.0, 45353.75]) == ["2024-03-01", "2024-03-02"]  # Excel's day numbers


def test_a_column_that_is_not_dates_is_refused_in_plain_words():
    with pytest.raises(DataError, match="'Date' holds numbers such as '3', not dates"):
        parse_dates(pd.Series([3, 4, 5], name="Date"))
    with pytest.raises(DataError, match="'Date' does not hold dates"):
        parse_dates(pd.Series(["red", "blue"], name="Date"))


# --- Amounts ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected", "currency"),
    [
        (["$1,234.50", "$12.00", "-$3.20"], [1234.5, 12.0, -3.2], "$"),
        (["1.234,50 €", "12,5 €", "(3,20) €"], [1234.5, 12.5, -3.2], "€"),
        (["12,50", "7,00", "3,20-"], [12.5, 7.0, -3.2], ""),
        (["EUR 1 234,50", "EUR 2,00"], [1234.5, 2.0], "EUR"),
        (["12.50", "n/a", ""], [12.5, np.nan, np.nan], ""),
    ],
)
def test_amounts_as_exports_write_them(values, expected, currency):
    amounts, found = parse_amounts(pd.Series(values, name="Amount"))
    np.testing.assert_allclose(amounts.to_numpy(dtype=float), expected)
    assert found == currency


# --- Rows left out, refunds -------------------------------------------------------------------------------


def test_bad_rows_are_left_out_and_counted_and_refunds_are_subtracted():
    orders = pd.DataFrame({
        "customer": ["A", "A", "A", "B", "", None, "C", "D", "E", "E", "F"],
        "date": ["2024-01-05", "2024-01-05", "2024-02-01", "2024-01-10", "2024-01-11", "2024-01-12",
                 "not a date", "2024-01-13", "2024-01-14", "2024-01-20", "2024-05-01"],
        "amount": ["10.00", "5.00", "-4.00", "7.50", "3.00", "3.00", "1.00", "??", "20.00", "-20.00", "9.00"],
    })
    summary = summarise_orders(orders, ORDER_COLUMNS, as_of="2024-03-01")
    table = summary.customers.set_index("Customer")
    assert list(table.index) == ["A", "B", "E"]
    # Two lines on 2024-01-05 are one purchase; the day with only a refund (2024-02-01) is not one.
    assert table.loc["A", "Purchases"] == 1
    assert table.loc["A", "Total spend"] == 11.0
    assert f"{table.loc['A', 'Last purchase']:%Y-%m-%d}" == "2024-01-05"
    assert table.loc["E", "Total spend"] == 0.0
    assert summary.left_out == {GUEST: 2, BAD_DATE: 1, BAD_AMOUNT: 1, AFTER_AS_OF: 1}
    assert (summary.refunds, summary.orders_used, summary.orders_read) == (2, 6, 11)
    assert summary.customers_without_net_spend == ("E",)
    notes = " ".join(summary.notes())
    assert "2 order lines left out: no customer number (guest purchase)." in notes
    assert "1 customers have a total spend of zero or less (E); they are kept." in notes


def test_a_customer_with_only_refunds_is_left_out_and_counted():
    orders = pd.DataFrame({"customer": ["A", "B"], "date": ["2024-01-05", "2024-01-06"],
                           "amount": [10.0, -5.0]})
    summary = summarise_orders(orders, ORDER_COLUMNS)
    assert list(summary.customers["Customer"]) == ["A"]
    assert summary.left_out == {ONLY_REFUNDS: 1}


def test_online_retail_layout_quantity_times_price_with_cancellations_and_guests(tmp_path):
    orders = pd.DataFrame({
        "InvoiceNo": ["536365", "536365", "C536379", "536380", "536381"],
        "StockCode": ["85123A", "71053", "85123A", "22728", "22727"],
        "Description": ["HEART", "LANTERN", "HEART", "ALARM", "ALARM"],
        "Quantity": [6, 6, -2, 24, 3],
        "InvoiceDate": [
            "12/1/2010 8:26", "12/1/2010 8:26", "12/13/2010 9:41", "12/2/2010 9:00", "12/2/2010 9:01"
        ],
        "UnitPrice": [2.55, 3.39, 2.55, 3.75, 1.00],
        "CustomerID": [17850.0, 17850.0, 17850.0, 13047.0, np.nan],
        "Country": ["United Kingdom"] * 5,
    })
    columns = OrderColumns(customer="CustomerID", date="InvoiceDate", quantity="Quantity", price="UnitPrice")
    summary = summarise_orders(orders, columns)
    table = summary.customers.set_index("Customer")
    assert list(table.index) == [13047, 17850]  # whole numbers, not 17850.0
    assert table.loc[17850, "Total spend"] == round(6 * 2.55 + 6 * 3.39 - 2 * 2.55, 2)
    assert table.loc[17850, "Items"] == 10
    assert table.loc[17850, "Purchases"] == 1
    assert summary.left_out == {GUEST: 1}
    assert summary.as_of == pd.Timestamp("2010-12-14")
    # Exported as the "Online Retail" CSV, the layout is recognised with these columns.
    path = tmp_path / "Online Retail.csv"
    orders.to_csv(path, index=False)
    assert recognise_order_history(load_table(path)).columns == columns


def test_settings_errors_name_the_problem():
    orders = generated_orders(rows=10)
    with pytest.raises(SettingsError, match=r"no column 'Spend'\. Its columns are 'customer', 'date'"):
        summarise_orders(orders, OrderColumns(customer="customer", date="date", amount="Spend"))
    with pytest.raises(SettingsError, match="amount of each purchase, or the columns with the quantity"):
        summarise_orders(orders, OrderColumns(customer="customer", date="date"))
    with pytest.raises(SettingsError, match="'soon' is not a date"):
        summarise_orders(orders, ORDER_COLUMNS, as_of="soon")
    with pytest.raises(DataError, match="No purchase is dated on or before the as-of date 2000-01-01"):
        summarise_orders(orders, ORDER_COLUMNS, as_of="2000-01-01")


def test_progress_reaches_the_end_and_cancel_stops():
    messages = []
    summarise_orders(generated_orders(), ORDER_COLUMNS, progress=lambda share, _: messages.append(share))
    assert (messages[0], messages[-1]) == (0.0, 1.0)
    assert messages == sorted(messages)
    with pytest.raises(OperationCancelled):
        summarise_orders(generated_orders(), ORDER_COLUMNS, cancel=lambda: True)


# --- RFM --------------------------------------------------------------------------------------------------


def test_quintile_scores_give_equal_values_equal_scores():
    assert list(quintile_scores([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])) == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert list(quintile_scores([1, 1, 1, 1, 1, 1, 2, 3, 4, 5])) == [1, 1, 1, 1, 1, 1, 4, 4, 5, 5]
    assert list(quintile_scores([10, 20, 30, 40, 50], higher_is_better=False)) == [5, 4, 3, 2, 1]


def test_the_grid_names_every_score_pair_with_one_of_the_eleven_groups():
    assert len(RFM_GROUPS) == 11
    assert {group for row in GRID for group in row} == set(RFM_GROUPS)
    assert list(rfm_groups(np.array([5, 5, 1, 1, 3]), np.array([5, 1, 1, 5, 3]))) == [
        "Champions", "New customers", "Lost", "Can't lose them", "Need attention"]


def test_recent_frequent_customers_are_champions_on_cdnow(datasets_dir):
    table = load_table(datasets_dir / "CDNOW_master.txt")
    summary, _ = summarise_order_file(table, recognise_order_history(table).columns)
    customers = summary.customers
    champions = customers[customers["RFM group"] == "Champions"]
    lost = customers[customers["RFM group"] == "Lost"]
    assert champions["Days since last purchase"].max() < lost["Days since last purchase"].min()
    groups = group_summary(
        customers["RFM group"], customers["Purchases"], customers["Days since last purchase"],
        customers["Total spend"],
    )
    assert groups["Customers"].sum() == 23570
    assert groups["Share of revenue"].sum() == pytest.approx(1.0)
    assert groups.index[0] == "Champions"
    assert groups.loc["Champions", "Share of revenue"] > 0.4


def test_a_project_of_summarised_orders_reopens_to_the_same_customers_and_segments(tmp_path, datasets_dir):
    """The project says how the customers were summarised, with the as-of date used, and reopening the
    order file summarises it again the same way."""
    orders = tmp_path / "orders.txt"
    orders.write_bytes((datasets_dir / "CDNOW_master.txt").read_bytes())
    table = load_table(orders)
    summary, customers = summarise_order_file(table, recognise_order_history(table).columns, "1998-01-01")
    result = run_analysis(customers, AnalysisSettings(k=3))
    project_path = tmp_path / "analysis.segproj"
    save_project(project_path, customers, result, orders=summary.request())
    project = load_project(project_path)
    assert project.orders == OrderRequest(summary.columns, "1998-01-01")
    reopened, reopened_result = reopen(project)
    pd.testing.assert_frame_equal(reopened.frame, customers.frame)
    assert reopened.report.built_from == (
        "Built from 56,965 purchases, 1997-01-01 to 1998-01-01, as of 1998-01-01: 23,570 customers, "
        "10,495 of them bought more than once."
    )
    assert [profile.size for profile in reopened_result.segmentation.profiles] == [
        profile.size for profile in result.segmentation.profiles]


def test_a_refreshed_order_file_is_summarised_again_when_used_with_the_saved_settings(tmp_path, datasets_dir):
    """A shop owner who exported the orders again opens the project on the new file with the saved
    settings: the customers are summarised from the new orders, not read as if each order were one."""
    from core.project import reopen_with_new_data

    orders = tmp_path / "orders.txt"
    lines = (datasets_dir / "CDNOW_master.txt").read_bytes().splitlines(keepends=True)
    orders.write_bytes(b"".join(lines[:-1000]))  # the newer file below adds the last 1,000 order lines
    table = load_table(orders)
    summary, customers = summarise_order_file(table, recognise_order_history(table).columns, "1998-07-01")
    result = run_analysis(customers, AnalysisSettings(k=3))
    project_path = tmp_path / "analysis.segproj"
    save_project(project_path, customers, result, orders=summary.request())
    orders.write_bytes(b"".join(lines))

    refreshed_table, refreshed, _ = reopen_with_new_data(load_project(project_path))
    assert list(refreshed_table.frame.columns[:3]) == ["Customer", "First purchase", "Last purchase"]
    assert len(refreshed_table.frame) == 23_570
    assert refreshed.segmentation.k == 3


def test_the_report_has_a_page_on_rfm_groups_for_summarised_orders_only(datasets_dir):
    from importlib.resources import files

    from matplotlib.text import Text

    from core.report import CLUSTER_TITLE, RFM_TITLE, build_report_pages

    def titles(pages):
        return [page.get_suptitle() for page in pages]

    table = load_table(datasets_dir / "CDNOW_master.txt")
    _, customers = summarise_order_file(table, recognise_order_history(table).columns)
    pages = build_report_pages(customers, run_analysis(customers, AnalysisSettings(k=3, k_max=3)))
    assert titles(pages).index(RFM_TITLE) == titles(pages).index(CLUSTER_TITLE) + 1
    text = " ".join(item.get_text() for item in pages[titles(pages).index(RFM_TITLE)].findobj(Text))
    assert "Built from 69,659 purchases" in text
    assert "Champions: 4,118 customers (17%)" in text
    assert all(group.split()[0] in text for group in RFM_GROUPS)  # the grid names every group
    sample = load_table(files("resources") / "sample_customers.csv")
    sample_result = run_analysis(sample, AnalysisSettings(k=2, k_max=2))
    assert RFM_TITLE not in titles(build_report_pages(sample, sample_result))


def test_an_excel_order_sheet_with_date_cells_and_padded_customer_codes(tmp_path):
    path = tmp_path / "orders.xlsx"
    pd.DataFrame({
        "Customer": ["A1 ", "A1", "B2", "B2", "  "],
        "Date": [pd.Timestamp("2024-03-01 09:30"), pd.Timestamp("2024-03-05"), pd.Timestamp("2024-03-02"),
                 pd.Timestamp("2024-03-02 18:00"), pd.Timestamp("2024-03-03")],
        "Amount": [10.0, 5.5, 7.25, 1.0, 3.0],
    }).to_excel(path, index=False)
    table = load_table(path)
    guess = recognise_order_history(table)
    assert guess.columns == OrderColumns(customer="Customer", date="Date", amount="Amount")
    summary, _ = summarise_order_file(table, guess.columns)
    customers = summary.customers.set_index("Customer")
    assert list(customers.index) == ["A1", "B2"]  # "A1 " and "A1" are one customer
    assert customers.loc["A1", "Purchases"] == 2
    assert customers.loc["A1", "Total spend"] == 15.5
    assert customers.loc["B2", "Purchases"] == 1  # two lines on one day
    assert summary.left_out == {GUEST: 1}
