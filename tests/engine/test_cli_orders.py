"""`segment-studio-cli orders`: an order history summarised per customer and segmented in the same run."""

import json

import pandas as pd
import pytest

from core.cli import EXIT_OK
from core.orders import CUSTOMER_COLUMNS
from core.rfm import RFM_COLUMNS
from tests.engine.test_cli import assert_one_error_line, run_cli, sha256

CDNOW_COLUMNS = ("--customer", "customer_id", "--date", "date", "--amount", "dollar_value")


@pytest.fixture
def cdnow_without_header(tmp_path, datasets_dir):
    """CDNOW as Bruce Hardie published it: no header row."""
    lines = (datasets_dir / "CDNOW_master.txt").read_bytes().splitlines(keepends=True)
    path = tmp_path / "CDNOW_as_published.txt"
    path.write_bytes(b"".join(lines[1:]))
    return path


def test_cdnow_is_summarised_per_customer_without_segmenting(capsys, tmp_path, datasets_dir):
    cdnow = datasets_dir / "CDNOW_master.txt"
    before = sha256(cdnow)
    out_path, summary_path = tmp_path / "customers.csv", tmp_path / "summary.json"
    code, out, err = run_cli(
        capsys, "orders", cdnow, *CDNOW_COLUMNS, "--quantity", "number_of_cds", "--out", out_path,
        "--summary", summary_path,
    )  # fmt: skip
    assert code == EXIT_OK, err
    assert "Built from 69,659 purchases, 1997-01-01 to 1998-06-30, as of 1998-07-01: 23,570 customers" in out
    assert "segments" not in out
    customers = pd.read_csv(out_path, dtype={"Customer": str})
    assert list(customers.columns) == [*CUSTOMER_COLUMNS, "Items", *RFM_COLUMNS]
    assert len(customers) == 23570
    assert customers["Customer"].iloc[0] == "00001"
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    keys = ("orders_read", "orders_used", "customers", "as_of", "left_out")
    assert {key: summary[key] for key in keys} == {
        "orders_read": 69659, "orders_used": 69659, "customers": 23570, "as_of": "1998-07-01", "left_out": {},
    }
    assert summary["repeat_customers"] == int((customers["Purchases"] > 1).sum())
    assert (summary["first_purchase"], summary["last_purchase"]) == ("1997-01-01", "1998-06-30")
    assert sha256(cdnow) == before


def test_a_file_without_a_header_is_named_by_column_numbers_and_segmented(
    capsys, tmp_path, cdnow_without_header
):
    summary_path, labels_path = tmp_path / "summary.json", tmp_path / "labels.csv"
    code, _, err = run_cli(
        capsys, "orders", cdnow_without_header, "--customer", "1", "--date", "2", "--amount", "4",
        "--k", "4", "--summary", summary_path, "--labels", labels_path,
    )  # fmt: skip
    assert code == EXIT_OK, err
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    assert summary["customers"] == 23570
    assert summary["k"] == 4
    assert summary["features"] == ["Days since last purchase", "Purchases", "Average spend"]
    assert summary["log_columns"] == ["Purchases", "Average spend"]  # the skewed ones
    names = [segment["name"] for segment in summary["segments"]]
    assert any(name.startswith("Recent") for name in names)
    assert any(name.startswith("Lapsed") for name in names)
    labels = pd.read_csv(labels_path, dtype={"Customer": str})
    assert {"RFM group", "Segment"} <= set(labels.columns)  # the export carries both
    assert labels["Segment"].nunique() == 4


def test_an_earlier_as_of_date_and_guests_are_counted_in_the_summary(capsys, tmp_path):
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "Order,Customer,Date,Total\n"
        "1,A,03/01/2024,\"$1,200.00\"\n2,A,15/01/2024,$30.00\n3,,16/01/2024,$5.00\n"
        "4,B,20/02/2024,$12.50\n5,B,21/02/2024,-$2.50\n",
        encoding="utf-8",
    )
    summary_path = tmp_path / "summary.json"
    code, _, err = run_cli(
        capsys, "orders", orders, "--customer", "Customer", "--date", "Date", "--amount", "Total",
        "--as-of", "2024-02-20", "--summary", summary_path,
    )  # fmt: skip
    assert code == EXIT_OK, err
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    assert summary["left_out"] == {"no customer number (guest purchase)": 1, "dated after the as-of date": 1}
    assert (summary["orders_read"], summary["orders_used"], summary["customers"]) == (5, 3, 2)
    assert summary["repeat_customers"] == 1


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("--customer", "customer_id", "--date", "date"), "give --amount COL, or --quantity COL and --price"),
        ((*CDNOW_COLUMNS[:3], "Date", *CDNOW_COLUMNS[4:]), "--date 'Date': the file has no such column"),
        ((*CDNOW_COLUMNS, "--as-of", "1990-01-01"), "No purchase is dated on or before the as-of date"),
        ((*CDNOW_COLUMNS, "--as-of", "someday"), "'someday' is not a date"),
        ((*CDNOW_COLUMNS, "--date-format", "dmy"), "--date-format expects day-first, month-first"),
        (("--customer", "customer_id", "--date", "number_of_cds", "--amount", "dollar_value"), "not dates"),
    ],
)
def test_bad_input_gives_one_error_line(capsys, datasets_dir, arguments, message):
    code, _, err = run_cli(capsys, "orders", datasets_dir / "CDNOW_master.txt", *arguments)
    assert_one_error_line(code, err)
    assert message in err


def test_ambiguous_dates_name_the_option_that_settles_them(capsys, tmp_path):
    orders = tmp_path / "orders.csv"
    orders.write_text("Customer,Date,Amount\nA,01/02/2024,5\nA,03/04/2024,6\nB,05/06/2024,7\n")
    arguments = ("orders", orders, "--customer", "Customer", "--date", "Date", "--amount", "Amount")
    code, _, err = run_cli(capsys, *arguments)
    assert_one_error_line(code, err)
    assert "--date-format day-first or --date-format month-first" in err
    out_path = tmp_path / "customers.csv"
    code, _, err = run_cli(capsys, *arguments, "--date-format", "month-first", "--out", out_path)
    assert code == EXIT_OK, err
    assert pd.read_csv(out_path)["Last purchase"].tolist() == ["2024-03-04", "2024-05-06"]
