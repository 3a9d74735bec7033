"""The command line's report, workbook and model outputs, and `assign` for new customers."""

import json
import re
import shutil
from importlib.resources import files

import pandas as pd
import pytest

from core.cli import EXIT_BAD_INPUT, EXIT_OK, main

SAMPLE = str(files("resources") / "sample_customers.csv")


def run_cli(capsys, *arguments):
    code = main([str(argument) for argument in arguments])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_error_line(code, err, *fragments):
    assert code == EXIT_BAD_INPUT
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    """`analyze --k 4` on the sample with every output; the outputs' folder."""
    folder = tmp_path_factory.mktemp("analyze")
    code = main(
        [
            "analyze", SAMPLE, "--k", "4", "--k-min", "3", "--k-max", "4",
            "--labels", str(folder / "labels.csv"),
            "--report", str(folder / "report.pdf"),
            "--workbook", str(folder / "segments.xlsx"),
            "--model", str(folder / "model.json"),
        ]
    )  # fmt: skip
    assert code == EXIT_OK
    return folder


def test_analyze_writes_the_report_workbook_and_model(analysed):
    assert (analysed / "report.pdf").read_bytes().startswith(b"%PDF")
    pages = re.findall(rb"/Type\s*/Page(?![a-zA-Z])", (analysed / "report.pdf").read_bytes())
    assert len(pages) == 4 + 2  # summary, how they were made, elbow, clusters, then two segments a page
    sheets = pd.read_excel(analysed / "segments.xlsx", sheet_name=None)
    assert len(sheets) == 1 + 4
    model = json.loads((analysed / "model.json").read_text(encoding="utf-8"))
    assert model["format"] == "segment-studio-segment-model"
    assert len(model["segments"]) == 4


def test_assigning_the_training_file_reproduces_the_analysis_labels(capsys, analysed, tmp_path):
    labels_path, summary_path = tmp_path / "assigned.csv", tmp_path / "summary.json"
    code, out, err = run_cli(
        capsys, "assign", analysed / "model.json", SAMPLE, "--labels", labels_path, "--summary", summary_path
    )
    assert code == EXIT_OK, err
    assigned = pd.read_csv(labels_path)
    original = pd.read_csv(analysed / "labels.csv")
    pd.testing.assert_series_equal(assigned["Segment"], original["Segment"])
    pd.testing.assert_series_equal(assigned["Segment name"], original["Segment name"])
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    assert summary["rows"] == 300
    assert sum(summary["assigned"].values()) + summary["not_fitting"] == 300
    assert summary["not_fitting"] == (assigned["Fits a segment"] != "yes").sum()
    assert "Do not fit any segment" in out


def test_assign_maps_differently_named_columns(capsys, analysed, tmp_path):
    renamed = tmp_path / "new.csv"
    pd.read_csv(SAMPLE).rename(columns={"Age": "Years"}).to_csv(renamed, index=False)
    code, _, err = run_cli(capsys, "assign", analysed / "model.json", renamed, "--labels", tmp_path / "o.csv")
    assert_one_error_line(code, err, "'Age'", "--map", "Years")
    model = analysed / "model.json"
    code, _, err = run_cli(
        capsys, "assign", model, renamed, "--labels", tmp_path / "o.csv", "--map", "Age=Years"
    )
    assert code == EXIT_OK, err


@pytest.mark.parametrize("mapping", ["Age", "=Years", "Age="])
def test_assign_rejects_a_malformed_mapping(capsys, analysed, tmp_path, mapping):
    code, _, err = run_cli(
        capsys, "assign", analysed / "model.json", SAMPLE, "--labels", tmp_path / "o.csv", "--map", mapping
    )
    assert_one_error_line(code, err, "--map")


def test_assign_refuses_a_file_that_is_not_a_model(capsys, tmp_path):
    code, _, err = run_cli(capsys, "assign", SAMPLE, SAMPLE, "--labels", tmp_path / "o.csv")
    assert_one_error_line(code, err, "sample_customers.csv")
    assert not (tmp_path / "o.csv").exists()


def test_assign_needs_somewhere_to_write_the_labels(capsys, analysed):
    code, _, err = run_cli(capsys, "assign", analysed / "model.json", SAMPLE)
    assert_one_error_line(code, err, "--labels")


def test_assign_never_overwrites_the_new_customers_file(capsys, analysed, tmp_path):
    copy = tmp_path / "new.csv"
    shutil.copyfile(SAMPLE, copy)
    before = copy.read_bytes()
    code, _, err = run_cli(capsys, "assign", analysed / "model.json", copy, "--labels", copy)
    assert_one_error_line(code, err)
    assert copy.read_bytes() == before
