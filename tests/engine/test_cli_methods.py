"""The command line's --method: every registered method, the number of segments only where the method
takes one, the methods' own settings, and the unusual customers as segment 0."""

import json

import numpy as np
import pandas as pd
import pytest

from core.cli import EXIT_BAD_INPUT, EXIT_OK, main
from core.methods import METHODS
from core.workbook import RFM_SHEET, SUMMARY_SHEET
from tests.engine.stand_in_methods import FAR_AWAY, FAR_FROM_CENTRES, FEATURES, customers_csv


def run_cli(capsys, *arguments):
    code = main([str(argument) for argument in arguments])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def data_file(tmp_path):
    return customers_csv(tmp_path / "customers.csv")


@pytest.mark.parametrize("name", list(METHODS))
def test_each_method_runs_from_the_command_line_and_says_which_it_was(capsys, tmp_path, data_file, name):
    summary_path, labels_path = tmp_path / "summary.json", tmp_path / "labels.csv"
    workbook_path = tmp_path / "segments.xlsx"
    method = METHODS[name]
    code, out, err = run_cli(
        capsys, "analyze", data_file, "--features", *FEATURES, "--method", name, "--k", "3",
        "--summary", summary_path, "--labels", labels_path, "--workbook", workbook_path,
    )  # fmt: skip
    assert code == EXIT_OK, err
    assert f"Method: {method.title}" in out
    if name == "dbscan":  # the distance it chose, so that the user can change it with --distance
        assert "The distance " in out
        assert "was chosen where the distance curve bends" in out
    assert ("--k 3 is ignored" in err) == (not method.takes_k)
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    assert summary["method"] == name
    if method.takes_k:
        assert summary["k"] == 3
    labelled = pd.read_csv(labels_path)
    counts = labelled["Segment"].value_counts().to_dict()
    assert {segment["number"]: segment["size"] for segment in summary["segments"]} == counts
    probability_columns = [column for column in labelled.columns if column.startswith("P(segment")]
    if method.gives_probabilities:
        assert probability_columns == [f"P(segment {number})" for number in range(1, summary["k"] + 1)]
        np.testing.assert_allclose(labelled[probability_columns].dropna().sum(axis=1), 1.0)
    else:
        assert probability_columns == []
    # The workbook's segment sheets list the same customers with the same columns as the CSV.
    sheets = pd.read_excel(workbook_path, sheet_name=None)
    segment_sheets = [sheet for title, sheet in sheets.items() if title not in (SUMMARY_SHEET, RFM_SHEET)]
    customers = pd.concat(segment_sheets)
    assert list(customers.columns) == list(labelled.columns)
    assert len(customers) == len(labelled)


def test_k_means_is_the_default_method(capsys, tmp_path, data_file):
    summary_path = tmp_path / "summary.json"
    code, out, err = run_cli(capsys, "analyze", data_file, "--features", *FEATURES, "--summary", summary_path)
    assert code == EXIT_OK, err
    assert json.loads(summary_path.read_text(encoding="utf-8"))["method"] == "kmeans"
    assert "Method: k-means" in out


def test_a_density_method_ignores_k_with_a_warning_and_counts_the_unusual_customers(
    capsys, tmp_path, data_file, monkeypatch
):
    monkeypatch.setitem(METHODS, FAR_FROM_CENTRES.name, FAR_FROM_CENTRES)
    summary_path, labels_path = tmp_path / "summary.json", tmp_path / "labels.csv"
    code, out, err = run_cli(
        capsys, "analyze", data_file, "--features", *FEATURES, "--method", FAR_FROM_CENTRES.name,
        "--k", "5", "--radius", "2.5", "--summary", summary_path, "--labels", labels_path,
    )  # fmt: skip
    assert code == EXIT_OK, err
    assert err.strip() == (
        "warning: Far from centres finds the number of segments itself; --k 5 is ignored."
    )
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    assert summary["method_options"] == {"radius": 2.5}
    assert summary["k"] == 3
    assert summary["unusual"] == len(FAR_AWAY)
    assert summary["segments"][0]["name"] == "Unusual customers"
    assert "Segments tried" not in out  # nothing to choose, nothing swept
    assert f"3 segments, and {len(FAR_AWAY)} unusual customers in no group:" in out
    assert "0. Unusual customers" in out
    labelled = pd.read_csv(labels_path)
    assert labelled["Segment"].tail(len(FAR_AWAY)).tolist() == [0] * len(FAR_AWAY)


def test_a_setting_of_another_method_is_one_error_line(capsys, data_file, monkeypatch):
    monkeypatch.setitem(METHODS, FAR_FROM_CENTRES.name, FAR_FROM_CENTRES)
    code, _, err = run_cli(capsys, "analyze", data_file, "--features", *FEATURES, "--radius", "2")
    assert code == EXIT_BAD_INPUT
    assert err.startswith("error: ")
    assert len(err.strip().splitlines()) == 1
    assert "k-means has no setting called 'radius'" in err


def test_an_unknown_method_lists_the_known_ones(capsys, data_file):
    code, _, err = run_cli(capsys, "analyze", data_file, "--method", "spectral")
    assert code == EXIT_BAD_INPUT
    assert "invalid choice: 'spectral'" in err
    assert "kmeans" in err


def test_orders_segment_with_the_chosen_method(capsys, tmp_path):
    rng = np.random.default_rng(0)
    rows = [
        (f"C{customer}", f"2024-{1 + day // 28:02d}-{1 + day % 28:02d}", round(float(amount), 2))
        for customer in range(60)
        for day, amount in zip(
            rng.choice(300, size=1 + customer % 7, replace=False), rng.gamma(2.0, 20.0, size=7), strict=False
        )
    ]
    orders = tmp_path / "orders.csv"
    pd.DataFrame(rows, columns=["Customer", "Date", "Total"]).to_csv(orders, index=False)
    summary_path = tmp_path / "summary.json"
    name = next(name for name in METHODS if name != "kmeans")
    code, _, err = run_cli(
        capsys, "orders", orders, "--customer", "Customer", "--date", "Date", "--amount", "Total",
        "--method", name, "--summary", summary_path,
    )  # fmt: skip
    assert code == EXIT_OK, err
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    assert summary["method"] == name
    assert summary["customers"] == 60


@pytest.mark.parametrize(
    ("method", "setting", "value", "given"),
    [("dbscan", "--distance", "0.5", 0.5), ("hdbscan", "--min-segment-share", "2%", 0.02)],
)
def test_the_density_methods_settings_reach_the_method(
    capsys, tmp_path, data_file, method, setting, value, given
):
    summary_path = tmp_path / "summary.json"
    code, out, err = run_cli(
        capsys, "analyze", data_file, "--features", *FEATURES, "--method", method, setting, value,
        "--summary", summary_path,
    )  # fmt: skip
    assert code == EXIT_OK, err
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    assert summary["method_options"] == {setting[2:].replace("-", "_"): given}
    if method == "dbscan":
        assert "distance curve bends" not in out  # given, not read from the data
    assert summary["unusual"] == summary["segments"][0]["size"]


def test_a_setting_out_of_range_is_one_error_line(capsys, data_file):
    code, _, err = run_cli(
        capsys, "analyze", data_file, "--method", "hdbscan", "--min-segment-share", "80%"
    )
    assert code == EXIT_BAD_INPUT
    assert len(err.strip().splitlines()) == 1
    assert "at most 50 %" in err
