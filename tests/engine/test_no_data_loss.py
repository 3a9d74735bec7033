"""Nothing is lost: a failure half-way through an export or a cancelled run leaves earlier work intact."""

import copy
import json

import numpy as np
import pandas as pd
import pytest

from core import export
from core.cli import EXIT_BAD_INPUT, EXIT_INTERRUPTED, main
from core.errors import OperationCancelled
from core.loading import load_table
from core.pipeline import AnalysisSettings, fit_segmentation, run_analysis, run_sweep
from tests.corpus.make_corpus import csv_text, customers

EARLIER = "the earlier export\n"


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text(csv_text(customers()), encoding="utf-8")
    return path


def fail_half_way(monkeypatch, method: str):
    """Make pandas' writer put part of the file on disk and then fail, as a full disk would."""

    def write_part_then_fail(frame, target, *arguments, **keywords):
        with open(target, "w", encoding="utf-8") as handle:
            handle.write("CustomerID,Age,Inc")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, method, write_part_then_fail)


@pytest.mark.parametrize(("suffix", "method"), [(".csv", "to_csv"), (".xlsx", "to_excel")])
def test_a_failed_table_export_leaves_the_earlier_file_intact(monkeypatch, tmp_path, suffix, method):
    target = tmp_path / f"labelled{suffix}"
    target.write_text(EARLIER, encoding="utf-8")
    fail_half_way(monkeypatch, method)
    with pytest.raises(OSError, match="No space left on device"):
        export.write_table(target, customers())
    assert target.read_text(encoding="utf-8") == EARLIER
    assert [path.name for path in tmp_path.iterdir()] == [target.name]  # no half-written leftovers


def test_a_failed_export_on_the_command_line_says_so_and_keeps_the_earlier_file(
    monkeypatch, capsys, tmp_path, source
):
    target = tmp_path / "labelled.csv"
    target.write_text(EARLIER, encoding="utf-8")
    fail_half_way(monkeypatch, "to_csv")
    code = main(["analyze", str(source), "--k", "3", "--k-max", "4", "--labels", str(target)])
    err = capsys.readouterr().err
    assert code == EXIT_BAD_INPUT
    assert err.count("\n") == 1
    assert err.startswith("error: a file could not be written or read (No space left on device); any earlier")
    assert target.read_text(encoding="utf-8") == EARLIER


def test_a_failed_json_export_leaves_the_earlier_file_intact(monkeypatch, tmp_path):
    target = tmp_path / "summary.json"
    target.write_text(EARLIER, encoding="utf-8")

    def fail(path, *arguments, **keywords):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export.os, "replace", fail)  # the very last step: the rename
    with pytest.raises(OSError, match="No space left on device"):
        export.write_json(target, {"k": 3})
    assert target.read_text(encoding="utf-8") == EARLIER
    assert [path.name for path in tmp_path.iterdir()] == [target.name]


def test_no_output_may_overwrite_the_input_file(capsys, source):
    before = source.read_bytes()
    for option in ("--labels", "--profiles", "--summary", "--report", "--workbook", "--model"):
        assert main(["analyze", str(source), "--k", "3", option, str(source)]) == EXIT_BAD_INPUT
        assert "is the input file" in capsys.readouterr().err
    assert source.read_bytes() == before


def test_a_successful_export_replaces_the_earlier_file(tmp_path):
    target = tmp_path / "profiles.csv"
    target.write_text(EARLIER, encoding="utf-8")
    export.write_table(target, customers())
    assert len(pd.read_csv(target, encoding="utf-8-sig")) == 60


def cancel_after(calls: int):
    """A cancel hook that asks to stop on its `calls`-th check."""
    asked = iter(range(1, 10_000))
    return lambda: next(asked) >= calls


def checks_made(run) -> int:
    """How many times `run` asks whether to stop when never told to."""
    asked = 0

    def never():
        nonlocal asked
        asked += 1
        return False

    run(never)
    return asked


def snapshot(result):
    segmentation = result.segmentation
    return (
        segmentation.labels.copy(),
        segmentation.centroids.copy(),
        copy.deepcopy(segmentation.profiles),
        result.sweep.scores,
        result.prepared.matrix.copy(),
    )


def assert_same(before, after):
    labels, centroids, profiles, scores, matrix = before
    np.testing.assert_array_equal(after[0], labels)
    pd.testing.assert_frame_equal(after[1], centroids)
    assert after[2] == profiles
    assert after[3] == scores
    np.testing.assert_array_equal(after[4], matrix)


@pytest.mark.parametrize("stop_at", [1, 2, 4, 7])
def test_cancelling_a_new_run_at_any_moment_leaves_the_previous_results_unchanged(source, stop_at):
    table = load_table(source)
    settings = AnalysisSettings(k_max=5)
    previous = run_analysis(table, settings)
    before = snapshot(previous)
    frame_before = table.frame.copy()
    runs = [
        lambda cancel: run_analysis(table, AnalysisSettings(k_max=6, k=4), cancel=cancel),
        lambda cancel: run_sweep(previous.prepared, settings, cancel=cancel),
        lambda cancel: fit_segmentation(table.frame, previous.prepared, 3, cancel=cancel),
    ]
    for run in runs:
        # A short run checks for Cancel only a few times: stop at its last check if it has fewer.
        with pytest.raises(OperationCancelled):
            run(cancel_after(min(stop_at, checks_made(run))))
    assert_same(before, snapshot(previous))
    pd.testing.assert_frame_equal(table.frame, frame_before)


def test_an_interrupted_command_line_run_writes_nothing(monkeypatch, capsys, tmp_path, source):
    target = tmp_path / "summary.json"
    target.write_text(EARLIER, encoding="utf-8")

    def interrupted(*arguments, **keywords):
        raise KeyboardInterrupt

    monkeypatch.setattr("core.pipeline.run_sweep", interrupted)
    assert main(["analyze", str(source), "--summary", str(target)]) == EXIT_INTERRUPTED
    assert capsys.readouterr().err == "error: interrupted; nothing more was written.\n"
    assert target.read_text(encoding="utf-8") == EARLIER
    assert json.dumps(EARLIER)  # the earlier file is still the user's, untouched
