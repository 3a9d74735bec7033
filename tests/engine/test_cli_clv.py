"""`segment-studio-cli orders --predict-weeks N --holdout-split DAY`: lifetime value and the forecast check
from the command line, on CDNOW and on generated order files."""

import json

import numpy as np
import pandas as pd
import pytest

from core.cli import EXIT_OK
from core.clv import CHANCE_ACTIVE, lifetime_value_columns
from core.orders import CUSTOMER_COLUMNS
from core.rfm import RFM_COLUMNS
from tests.engine.test_cli import assert_one_error_line, run_cli, sha256
from tests.engine.test_cli_orders import CDNOW_COLUMNS

CDNOW_SPLIT = "1997-09-30"
GENERATED_COLUMNS = ("--customer", "Customer", "--date", "Date", "--amount", "Amount")


def write_orders(path, customers, days, amounts):
    pd.DataFrame({"Customer": customers, "Date": pd.to_datetime(days).strftime("%Y-%m-%d"),
                  "Amount": amounts}).to_csv(path, index=False)
    return path


@pytest.fixture
def generated_orders(tmp_path):
    """800 customers over 2024: each first buys in the first 30 weeks, then comes back a few times."""
    rng = np.random.default_rng(3)
    customers, days = [], []
    for customer in range(800):
        first = pd.Timestamp("2024-01-01") + pd.Timedelta(days=int(rng.integers(0, 210)))
        later = rng.integers(0, (pd.Timestamp("2024-12-31") - first).days + 1, rng.poisson(2.0))
        for offset in (0, *later):
            customers.append(f"C{customer:04d}")
            days.append(first + pd.Timedelta(days=int(offset)))
    amounts = rng.gamma(4.0, 10.0, len(days)).round(2)
    return write_orders(tmp_path / "orders.csv", customers, days, amounts)


def test_cdnow_lifetime_value_and_holdout_check(capsys, tmp_path, datasets_dir):
    cdnow = datasets_dir / "CDNOW_master.txt"
    before = sha256(cdnow)
    out_path, summary_path = tmp_path / "customers.csv", tmp_path / "summary.json"
    code, out, err = run_cli(
        capsys, "orders", cdnow, *CDNOW_COLUMNS, "--predict-weeks", "52", "--holdout-split", CDNOW_SPLIT,
        "--out", out_path, "--summary", summary_path,
    )  # fmt: skip
    assert code == EXIT_OK, err
    sentence = "Over the 39 weeks after the split the model expected 16,874 purchases; customers made 19,684."
    assert sentence in out
    customers = pd.read_csv(out_path, dtype={"Customer": str})
    assert list(customers.columns) == [*CUSTOMER_COLUMNS, *RFM_COLUMNS, *lifetime_value_columns(52)]
    assert len(customers) == 23570
    assert np.isfinite(customers[lifetime_value_columns(52)].to_numpy()).all()
    assert customers[CHANCE_ACTIVE].between(0, 100).all()
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    clv = summary["clv"]
    assert clv["weeks"] == 52
    assert set(clv["bgnbd"]) == {"r", "alpha", "a", "b", "log_likelihood"}
    assert set(clv["gamma_gamma"]) == {"p", "q", "gamma"}
    # Near the published estimates of the 1/10 sample (r 0.243, alpha 4.41, a 0.79, b 2.43), fitted here
    # on the whole file to its end rather than to the calibration date.
    assert 0.15 < clv["bgnbd"]["r"] < 0.4
    assert 2 < clv["bgnbd"]["alpha"] < 10
    groups = clv["by_rfm_group"]
    assert sum(group["customers"] for group in groups) == 23570
    assert sum(group["share_of_predicted_value"] for group in groups) == pytest.approx(1.0)
    assert sum(group["predicted_value"] for group in groups) == pytest.approx(
        customers["Predicted value (next 52 weeks)"].sum(), rel=1e-6
    )
    champions = next(group for group in groups if group["group"] == "Champions")
    assert champions["share_of_predicted_value"] > 0.5  # a sixth of the customers, most of the value
    holdout = summary["holdout"]
    assert (holdout["split"], holdout["actual_purchases"]) == (CDNOW_SPLIT, 19_684)
    assert holdout["predicted_purchases"] == pytest.approx(16_874, abs=1)
    assert [row["purchases_before"] for row in holdout["by_purchases_before"]] == [
        "0", "1", "2", "3", "4", "5", "6", "7+"
    ]
    assert sha256(cdnow) == before


def test_segments_carry_their_predicted_value(capsys, tmp_path, generated_orders):
    summary_path, profiles_path = tmp_path / "summary.json", tmp_path / "profiles.csv"
    workbook_path, out_path = tmp_path / "segments.xlsx", tmp_path / "customers.csv"
    code, out, err = run_cli(
        capsys, "orders", generated_orders, *GENERATED_COLUMNS, "--predict-weeks", "26", "--k", "3",
        "--out", out_path, "--summary", summary_path, "--profiles", profiles_path,
        "--workbook", workbook_path,
    )  # fmt: skip
    assert code == EXIT_OK, err
    assert "Segment 1 holds " in out
    assert "of the next 26 weeks' expected revenue." in out
    customers = pd.read_csv(out_path)
    total_value = customers["Predicted value (next 26 weeks)"].sum()
    segments = json.loads(summary_path.read_text(encoding="utf-8"))["segments"]
    assert len(segments) == 3
    assert sum(segment["share_of_predicted_value"] for segment in segments) == pytest.approx(1.0)
    assert sum(segment["predicted_value"] for segment in segments) == pytest.approx(total_value)
    for segment in segments:
        per_customer = segment["predicted_value"] / segment["size"]
        assert segment["predicted_value_per_customer"] == pytest.approx(per_customer)
        assert 0 <= segment["share_still_active"] <= 1
        holds = f"Segment {segment['number']} holds {100 * segment['share']:.0f} % of your customers"
        assert segment["sentence"].startswith(holds)
    profiles = pd.read_csv(profiles_path)
    added = ["Predicted value (next 26 weeks), total", "Predicted value per customer",
             "Share of predicted value (%)", "Share still active (%)"]
    assert set(added) <= set(profiles.columns)
    everyone = profiles[profiles["Name"] == "All customers"].iloc[0]
    assert everyone["Predicted value (next 26 weeks), total"] == pytest.approx(total_value)
    assert everyone["Share of predicted value (%)"] == 100
    assert profiles["Share of predicted value (%)"].iloc[:3].sum() == pytest.approx(100)
    sheets = pd.read_excel(workbook_path, sheet_name=None)
    assert list(sheets)[:2] == ["Summary", "RFM groups"]
    active = profiles["Share still active (%)"].tolist()
    assert sheets["Summary"]["Share still active (%)"].tolist() == pytest.approx(active)
    rfm_groups = sheets["RFM groups"]
    assert rfm_groups["Customers"].sum() == len(customers)
    assert rfm_groups["Share of predicted value (%)"].sum() == pytest.approx(100)


def test_every_customer_bought_once_still_writes_the_rfm_table(capsys, tmp_path):
    orders = write_orders(tmp_path / "orders.csv", [f"C{n}" for n in range(400)],
                          pd.date_range("2024-01-01", periods=400, freq="D"), np.full(400, 20.0))
    out_path, summary_path = tmp_path / "customers.csv", tmp_path / "summary.json"
    code, out, err = run_cli(
        capsys, "orders", orders, *GENERATED_COLUMNS, "--predict-weeks", "52", "--out", out_path,
        "--summary", summary_path,
    )  # fmt: skip
    assert code == EXIT_OK, err
    warnings = [line for line in out.splitlines() if "lifetime value cannot be estimated" in line]
    assert len(warnings) == 1
    assert warnings[0].startswith("warning: Every customer bought only once")
    assert list(pd.read_csv(out_path).columns) == [*CUSTOMER_COLUMNS, *RFM_COLUMNS]
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    assert summary["clv"] is None
    assert summary["clv_not_estimated"].startswith("Every customer bought only once")


def test_a_history_of_two_weeks_is_too_short_to_forecast(capsys, tmp_path):
    days = np.repeat(pd.to_datetime(["2024-03-01", "2024-03-05", "2024-03-08", "2024-03-12"]), 100)
    orders = write_orders(tmp_path / "orders.csv", [f"C{n}" for n in range(100)] * 4, days, np.full(400, 5.0))
    code, out, err = run_cli(capsys, "orders", orders, *GENERATED_COLUMNS, "--predict-weeks", "52")
    assert code == EXIT_OK, err
    assert "warning: The order history covers only 12 days." in out


def test_nobody_came_back_before_the_split_is_a_warning(capsys, tmp_path):
    # Customers buy once each until June, and the repeat purchases all come after the split.
    customers = [f"C{n}" for n in range(100)] * 2
    days = [*pd.date_range("2024-01-01", periods=100, freq="D"), *pd.date_range("2024-07-01", periods=100)]
    orders = write_orders(tmp_path / "orders.csv", customers, days, np.full(200, 10.0))
    summary_path = tmp_path / "summary.json"
    code, out, err = run_cli(
        capsys, "orders", orders, *GENERATED_COLUMNS, "--holdout-split", "2024-05-01",
        "--summary", summary_path,
    )  # fmt: skip
    assert code == EXIT_OK, err
    assert "warning: Every customer bought only once" in out
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    assert summary["holdout"] is None
    assert summary["customers"] == 100


def test_the_automatic_split_is_two_thirds_into_the_history(capsys, tmp_path, generated_orders):
    summary_path = tmp_path / "summary.json"
    code, _, err = run_cli(
        capsys, "orders", generated_orders, *GENERATED_COLUMNS, "--holdout-split", "auto",
        "--summary", summary_path,
    )  # fmt: skip
    assert code == EXIT_OK, err
    holdout = json.loads(summary_path.read_text(encoding="utf-8"))["holdout"]
    first, last = pd.Timestamp("2024-01-01"), pd.Timestamp("2024-12-31")
    assert pd.Timestamp(holdout["split"]) == first + pd.Timedelta(days=round(2 / 3 * (last - first).days))
    by_group = holdout["by_purchases_before"]
    assert holdout["actual_purchases"] == sum(row["actual_purchases"] for row in by_group)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("--holdout-split", "1998-06-29"), "must leave at least 4 weeks of history before it and a week"),
        (("--holdout-split", "30/09/1997"), "expected a day written YYYY-MM-DD or 'auto'"),
        (("--predict-weeks", "0"), "expected a number of at least 1"),
        (("--predict-weeks", "600"), "expected at most 520 weeks"),
        (("--predict-weeks", "a year"), "expected a whole number"),
    ],
)
def test_impossible_requests_give_one_error_line_and_write_nothing(
    capsys, tmp_path, datasets_dir, arguments, message
):
    out_path = tmp_path / "customers.csv"
    code, _, err = run_cli(
        capsys, "orders", datasets_dir / "CDNOW_master.txt", *CDNOW_COLUMNS, *arguments, "--out", out_path
    )
    assert_one_error_line(code, err)
    assert message in err
    assert not out_path.exists()
