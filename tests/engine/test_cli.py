"""The command line: real results on real files, and one `error:` line with exit code 2 for bad input."""

import hashlib
import json
import subprocess
import sys
from importlib.resources import files

import pandas as pd
import pytest

from core.cli import EXIT_BAD_INPUT, EXIT_OK, main

MALL_FEATURES = ["Annual Income (k$)", "Spending Score (1-100)"]
MALL_CENTROIDS = [(55.3, 49.5), (86.5, 82.1), (25.7, 79.4), (88.2, 17.1), (26.3, 20.9)]
MALL_SIZES = [81, 39, 22, 35, 23]
SAMPLE = str(files("resources") / "sample_customers.csv")


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_cli(capsys, *arguments):
    code = main([str(argument) for argument in arguments])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_error_line(code, err):
    assert code == EXIT_BAD_INPUT
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    assert "Traceback" not in err


def test_mall_income_and_spending_unscaled_gives_the_five_known_segments(capsys, tmp_path, datasets_dir):
    mall = datasets_dir / "Mall_Customers.csv"
    before = sha256(mall)
    summary_path = tmp_path / "summary.json"
    labels_path = tmp_path / "labelled.csv"
    code, out, err = run_cli(
        capsys, "analyze", mall, "--features", *MALL_FEATURES, "--scale", "none",
        "--summary", summary_path, "--labels", labels_path,
    )  # fmt: skip
    assert code == EXIT_OK, err
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    assert summary["suggested_k"] == 5
    assert summary["k"] == 5
    assert summary["rows_read"] == summary["rows_used"] == 200
    assert summary["features"] == MALL_FEATURES
    assert set(summary["wcss"]) == {str(k) for k in range(1, 11)}
    assert set(summary["silhouette"]) == {str(k) for k in range(2, 11)}
    assert summary["suggestion_reason"]
    found = sorted(
        (segment["size"], tuple(segment["centroid"][feature] for feature in MALL_FEATURES))
        for segment in summary["segments"]
    )
    expected = sorted(zip(MALL_SIZES, MALL_CENTROIDS, strict=True))
    for (size, centre), (expected_size, expected_centre) in zip(found, expected, strict=True):
        assert size == expected_size
        assert centre == pytest.approx(expected_centre, abs=1.0)
    names = [segment["name"] for segment in summary["segments"]]
    assert len(set(names)) == 5
    assert all(segment["description"] for segment in summary["segments"])
    labelled = pd.read_csv(labels_path, encoding="utf-8-sig")
    assert list(labelled.columns[:5]) == list(pd.read_csv(mall).columns)
    assert labelled["Segment"].value_counts().sort_values().tolist() == sorted(MALL_SIZES)
    assert "5 segments" in out
    assert sha256(mall) == before


@pytest.mark.parametrize(
    ("file_name", "rows"),
    [
        ("Mall_Customers.csv", 200),
        ("Wholesale customers data.csv", 440),
        ("CC GENERAL.csv", 8950),
        ("marketing_campaign.csv", 2240),
        ("CDNOW_master.txt", 69659),
    ],
)
def test_every_shared_data_set_is_analysed(capsys, tmp_path, datasets_dir, file_name, rows):
    summary_path = tmp_path / "summary.json"
    code, _, err = run_cli(
        capsys, "analyze", datasets_dir / file_name, "--k-max", "4", "--summary", summary_path
    )
    assert code == EXIT_OK, err
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    assert summary["rows_read"] == rows
    assert 0 < summary["rows_used"] <= rows
    assert sum(segment["size"] for segment in summary["segments"]) == summary["rows_used"]


def test_sample_data_prints_its_segments(capsys):
    code, out, err = run_cli(capsys, "analyze", SAMPLE)
    assert code == EXIT_OK, err
    assert "segments:" in out
    assert "Suggestion:" in out


def test_fixed_k_is_used_and_excel_labels_are_written(capsys, tmp_path):
    labels_path = tmp_path / "labelled.xlsx"
    code, out, err = run_cli(capsys, "analyze", SAMPLE, "--k", "3", "--labels", labels_path)
    assert code == EXIT_OK, err
    assert "3 segments:" in out
    labelled = pd.read_excel(labels_path)
    assert sorted(labelled["Segment"].unique().tolist()) == [1, 2, 3]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["analyze", "no-such-file.csv"], "no-such-file.csv"),
        (["analyze", SAMPLE, "--features", "Shoe size"], "Shoe size"),
        (["analyze", SAMPLE, "--k", "0"], "--k"),
        (["analyze", SAMPLE, "--k", "many"], "--k"),
        (["analyze", SAMPLE, "--k-min", "6", "--k-max", "3"], "6"),
        (["analyze", SAMPLE, "--k-max", "31"], "30"),
        (["analyze", SAMPLE, "--scale", "huge"], "--scale"),
        (["analyze", SAMPLE, "--bogus"], "--bogus"),
        (["analyze"], "input"),
        ([], "command"),
    ],
)
def test_bad_arguments_give_one_error_line_and_exit_code_2(capsys, arguments, message):
    code, _, err = run_cli(capsys, *arguments)
    assert_one_error_line(code, err)
    assert message in err


def test_bad_files_give_one_error_line_and_exit_code_2(capsys, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(bytes(range(256)) * 40)
    for path in (empty, garbage, tmp_path):
        code, _, err = run_cli(capsys, "analyze", path)
        assert_one_error_line(code, err)


def test_labels_cannot_overwrite_the_input_file(capsys, tmp_path):
    source = tmp_path / "customers.csv"
    source.write_bytes((files("resources") / "sample_customers.csv").read_bytes())
    before = sha256(source)
    code, _, err = run_cli(capsys, "analyze", source, "--labels", source)
    assert_one_error_line(code, err)
    assert sha256(source) == before


def test_installed_entry_point_runs_in_a_fresh_process(tmp_path):
    completed = subprocess.run(
        [sys.executable, "-m", "core.cli", "analyze", SAMPLE, "--k", "4"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert completed.returncode == EXIT_OK, completed.stderr
    assert "4 segments:" in completed.stdout


@pytest.mark.parametrize("option", ["--summary", "--report", "--model", "--workbook", "--profiles"])
def test_no_output_may_overwrite_the_input_file(capsys, tmp_path, option):
    source = tmp_path / "customers.csv"
    source.write_bytes((files("resources") / "sample_customers.csv").read_bytes())
    before = sha256(source)
    code, _, err = run_cli(capsys, "analyze", source, option, source)
    assert_one_error_line(code, err)
    assert "input file" in err
    assert sha256(source) == before
