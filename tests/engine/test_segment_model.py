"""Segment models: saved as JSON, read back safely, and placing new customers into the same segments."""

import json
from importlib.resources import files

import numpy as np
import pandas as pd
import pytest

from core.errors import DataError, InputFileError, OperationCancelled, SettingsError
from core.loading import LoadedTable, load_table
from core.pipeline import AnalysisSettings, run_analysis
from core.preparation import MissingPolicy, Scaling
from core.segment_model import (
    FIT_PERCENTILE,
    FITS_COLUMN,
    NOT_FITTING,
    assign_customers,
    assignment_frame,
    assignment_summary,
    build_segment_model,
    load_segment_model,
    match_columns,
    save_segment_model,
)

SAMPLE = str(files("resources") / "sample_customers.csv")
MALL_FEATURES = ("Annual Income (k$)", "Spending Score (1-100)")


@pytest.fixture(scope="module")
def sample():
    table = load_table(SAMPLE)
    result = run_analysis(table, AnalysisSettings(k_min=4, k_max=5))
    return table, result, build_segment_model(result)


def test_model_file_is_readable_json_that_round_trips(sample, tmp_path):
    _, result, model = sample
    path = save_segment_model(tmp_path / "model.json", model)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == "segment-studio-segment-model"
    assert data["version"] == 1
    assert data["features"] == list(result.settings.features)
    assert [segment["name"] for segment in data["segments"]] == list(result.segmentation.names)
    assert data["preparation"]["settings"]["scaling"] == "standard"
    loaded = load_segment_model(path)
    assert loaded.names == model.names
    assert loaded.sizes == model.sizes
    assert loaded.features == model.features
    assert loaded.distance_threshold == model.distance_threshold
    np.testing.assert_array_equal(loaded.centroids, model.centroids)
    np.testing.assert_array_equal(
        loaded.preprocessor.transform(load_table(SAMPLE).frame),
        model.preprocessor.transform(load_table(SAMPLE).frame),
    )


def test_assigning_the_training_file_reproduces_its_labels(sample, tmp_path):
    table, result, model = sample
    loaded = load_segment_model(save_segment_model(tmp_path / "model.json", model))
    assignment = assign_customers(loaded, table.frame)
    np.testing.assert_array_equal(assignment.labels, result.segmentation.labels)
    # The threshold is the 99th percentile of the training distances: about 1 % of them lie beyond it.
    assert 0 < assignment.not_fitting.sum() <= np.ceil(len(table.frame) * (100 - FIT_PERCENTILE) / 100)


def test_assigning_mall_reproduces_its_labels(datasets_dir):
    table = load_table(datasets_dir / "Mall_Customers.csv")
    result = run_analysis(table, AnalysisSettings(features=MALL_FEATURES, k=5, k_max=5, scaling=Scaling.NONE))
    assignment = assign_customers(build_segment_model(result), table.frame)
    np.testing.assert_array_equal(assignment.labels, result.segmentation.labels)


def test_customers_with_gaps_follow_the_models_missing_value_policy():
    frame = pd.read_csv(SAMPLE)
    frame.loc[[2, 5], "Annual Income (k$)"] = np.nan
    table = LoadedTable(frame, load_table(SAMPLE).report)
    for policy in MissingPolicy:
        result = run_analysis(table, AnalysisSettings(k=3, k_max=3, missing=policy))
        assignment = assign_customers(build_segment_model(result), frame)
        np.testing.assert_array_equal(assignment.labels, result.segmentation.labels)
        gaps = assignment.left_out if policy == MissingPolicy.DROP else assignment.filled
        assert np.flatnonzero(gaps).tolist() == [2, 5]


def test_a_far_away_customer_does_not_fit_any_segment(sample):
    table, _, model = sample
    newcomers = table.frame.head(3).copy()
    newcomers.loc[newcomers.index[1], ["Annual Income (k$)", "Spending Score (1-100)"]] = [5000, 900]
    assignment = assign_customers(model, newcomers)
    assert not assignment.fits[1]
    assert assignment.labels[1] >= 0
    assert assignment.distances[1] > model.distance_threshold
    exported = assignment_frame(newcomers, assignment)
    assert exported[FITS_COLUMN].iloc[1] == NOT_FITTING
    assert assignment_summary(assignment)["not_fitting"] == 1


def test_columns_match_by_name_ignoring_case_and_spaces(sample):
    table, result, model = sample
    renamed = table.frame.rename(columns={"Annual Income (k$)": "  annual income  (K$) ", "Age": "age"})
    match = match_columns(model, renamed.columns)
    assert match.complete
    assert match.mapping["Age"] == "age"
    assignment = assign_customers(model, renamed)
    np.testing.assert_array_equal(assignment.labels, result.segmentation.labels)


def test_a_mapping_supplies_columns_with_other_names(sample):
    table, result, model = sample
    renamed = table.frame.rename(columns={"Spending Score (1-100)": "Score"})
    assert match_columns(model, renamed.columns).missing == ("Spending Score (1-100)",)
    with pytest.raises(DataError, match=r"Spending Score \(1-100\)"):
        assign_customers(model, renamed)
    assignment = assign_customers(model, renamed, {"Spending Score (1-100)": "Score"})
    np.testing.assert_array_equal(assignment.labels, result.segmentation.labels)
    with pytest.raises(SettingsError, match="Points"):
        match_columns(model, renamed.columns, {"Spending Score (1-100)": "Points"})


def test_assignment_can_be_cancelled(sample):
    table, _, model = sample
    with pytest.raises(OperationCancelled):
        assign_customers(model, table.frame, cancel=lambda: True)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json at all", "not valid JSON"),
        ('{"format": "segment-studio-project", "version": 1}', "not a Segment Studio segment model"),
        ('{"format": "segment-studio-segment-model", "version": 99}', "newer Segment Studio"),
        ('{"format": "segment-studio-segment-model", "version": 1, "segments": []}', "damaged"),
    ],
)
def test_a_wrong_or_damaged_model_file_is_refused_plainly(tmp_path, content, message):
    path = tmp_path / "model.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputFileError, match=message):
        load_segment_model(path)


def test_a_model_with_a_truncated_centre_is_refused(sample, tmp_path):
    _, _, model = sample
    path = save_segment_model(tmp_path / "model.json", model)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["segments"][0]["centre_prepared"].pop()
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(InputFileError, match="damaged"):
        load_segment_model(path)


def test_a_missing_model_file_is_named(tmp_path):
    with pytest.raises(InputFileError, match="does not exist"):
        load_segment_model(tmp_path / "nowhere.json")
