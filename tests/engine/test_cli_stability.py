"""The command line's stability check (analyze --stability) and comparison of two segmentations."""

import contextlib
import io
import json

import pandas as pd
import pytest

from core.cli import EXIT_OK, main
from core.loading import load_table
from core.pipeline import AnalysisSettings, run_analysis
from core.project import save_project
from core.stability import STABILITY_COLUMN, STABILITY_LABEL_COLUMN
from tests.engine.test_cli import MALL_FEATURES, SAMPLE, assert_one_error_line, run_cli, sha256


@pytest.fixture(scope="module")
def mall_with_stability(tmp_path_factory, datasets_dir):
    """Mall income and spending analysed with --stability 10: (summary, profiles, output)."""
    folder = tmp_path_factory.mktemp("stability")
    mall = datasets_dir / "Mall_Customers.csv"
    before = sha256(mall)
    out = io.StringIO()  # capsys is per test; this analysis is shared by the module's tests
    with contextlib.redirect_stdout(out):
        code = main([
            "analyze", str(mall), "--features", *MALL_FEATURES, "--scale", "none", "--stability", "10",
            "--summary", str(folder / "summary.json"), "--profiles", str(folder / "profiles.csv"),
            "--workbook", str(folder / "segments.xlsx"),
        ])
    assert code == EXIT_OK
    assert sha256(mall) == before
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    profiles = pd.read_csv(folder / "profiles.csv")
    workbook = pd.read_excel(folder / "segments.xlsx", sheet_name="Summary")
    return summary, profiles, workbook, out.getvalue()


def test_stability_adds_its_numbers_to_every_segment_of_the_summary(mall_with_stability):
    summary, _, _, _ = mall_with_stability
    assert summary["k"] == 5
    for segment in summary["segments"]:
        assert 0.85 <= segment["stability"] <= 1.0
        assert segment["stability_label"] == "highly stable"
        assert segment["dissolved"] == 0.0
    assert summary["stability_resamples"] == 10
    assert set(summary["stability_by_k"]) == {str(k) for k in range(1, 11)}
    assert summary["stability_by_k"]["5"] >= 0.85
    assert "every segment is stable" in summary["suggestion_reason"]


def test_stability_is_printed_per_segment_and_per_k_and_goes_into_the_exports(mall_with_stability):
    summary, profiles, workbook, out = mall_with_stability
    assert out.count("Highly stable: found again in 10 of 10 reshuffles of your customers") == 5
    assert "least stable segment" in out
    for table in (profiles, workbook):
        segments = table.iloc[:-1]
        assert segments[STABILITY_LABEL_COLUMN].tolist() == ["highly stable"] * 5
        assert segments[STABILITY_COLUMN].tolist() == pytest.approx(
            [segment["stability"] for segment in summary["segments"]]
        )


def test_without_stability_the_summary_and_profiles_are_as_before(capsys, tmp_path):
    code, out, err = run_cli(
        capsys, "analyze", SAMPLE, "--k", "3", "--summary", tmp_path / "s.json",
        "--profiles", tmp_path / "p.csv",
    )
    assert code == EXIT_OK, err
    summary = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    assert "stability_by_k" not in summary
    assert "stability" not in summary["segments"][0]
    assert STABILITY_COLUMN not in pd.read_csv(tmp_path / "p.csv").columns
    assert "reshuffles" not in out


def test_stability_with_a_given_k_and_no_sweep_still_checks_the_segments(capsys, tmp_path):
    code, _out, err = run_cli(
        capsys, "analyze", SAMPLE, "--k", "3", "--stability", "5", "--summary", tmp_path / "s.json"
    )
    assert code == EXIT_OK, err
    summary = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    assert summary["k"] == 3
    for segment in summary["segments"]:
        assert {"stability", "stability_label", "dissolved"} <= set(segment)


def test_a_stability_of_zero_resamples_is_refused(capsys):
    code, _, err = run_cli(capsys, "analyze", SAMPLE, "--stability", "0")
    assert_one_error_line(code, err)
    assert "--stability" in err


# -- compare -----------------------------------------------------------------------------------------


@pytest.fixture
def labelled_files(capsys, tmp_path):
    paths = {}
    for k in (3, 4):
        paths[k] = tmp_path / f"k{k}.csv"
        code, _, err = run_cli(capsys, "analyze", SAMPLE, "--k", str(k), "--labels", paths[k])
        assert code == EXIT_OK, err
    return paths


def test_compare_two_labelled_files_prints_the_cross_table_and_agreement(capsys, labelled_files, tmp_path):
    before = {k: sha256(path) for k, path in labelled_files.items()}
    code, out, err = run_cli(
        capsys, "compare", labelled_files[3], labelled_files[4], "--summary", tmp_path / "c.json",
        "--moved", tmp_path / "moved.csv",
    )
    assert code == EXIT_OK, err
    summary = json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))
    customers = len(pd.read_csv(labelled_files[3]))
    assert summary["compared"] == customers
    assert sum(sum(row.values()) for row in summary["counts"].values()) == customers
    assert len(summary["counts"]) == 3
    assert all(len(row) == 4 for row in summary["counts"].values())
    assert 0.0 < summary["agreement"] <= 1.0
    assert summary["agreement_sentence"] in out
    assert "adjusted Rand index" in out
    assert len(pd.read_csv(tmp_path / "moved.csv")) == summary["moved"]
    assert {k: sha256(path) for k, path in labelled_files.items()} == before


def test_a_file_compared_with_itself_agrees_fully(capsys, labelled_files, tmp_path):
    code, out, err = run_cli(capsys, "compare", labelled_files[3], labelled_files[3], "--id", "CustomerID")
    assert code == EXIT_OK, err
    assert "100% of customers in corresponding segments: almost the same segments" in out
    assert "matched by the column 'CustomerID'" in out


def test_labelled_files_of_different_customers_are_refused(capsys, labelled_files, tmp_path):
    other = pd.read_csv(labelled_files[4])
    other = other.iloc[::-1]  # the same customers in another order: row by row they do not match
    shuffled = tmp_path / "reversed.csv"
    other.to_csv(shuffled, index=False)
    code, _, err = run_cli(capsys, "compare", labelled_files[3], shuffled)
    assert_one_error_line(code, err)
    assert "not segmentations of the same customer file" in err
    # Matched by the customer number, they compare.
    code, _, err = run_cli(capsys, "compare", labelled_files[3], shuffled, "--id", "CustomerID")
    assert code == EXIT_OK, err


def test_a_file_without_segments_is_refused(capsys, labelled_files):
    code, _, err = run_cli(capsys, "compare", SAMPLE, labelled_files[3])
    assert_one_error_line(code, err)
    assert "has no 'Segment' column" in err


def test_compare_two_project_files(capsys, tmp_path):
    table = load_table(SAMPLE)
    for k in (3, 5):
        save_project(tmp_path / f"k{k}.segproj", table, run_analysis(table, AnalysisSettings(k=k)))
    code, _out, err = run_cli(
        capsys, "compare", tmp_path / "k3.segproj", tmp_path / "k5.segproj", "--summary", tmp_path / "c.json"
    )
    assert code == EXIT_OK, err
    summary = json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))
    assert summary["first"] == "k3.segproj (3 segments)"
    assert summary["second"] == "k5.segproj (5 segments)"
    assert summary["compared"] == len(table.frame)
