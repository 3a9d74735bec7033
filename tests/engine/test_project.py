"""Project files: saved work reopens to exactly the same segments, and a moved or changed file is noticed."""

import dataclasses
import json
import shutil
from importlib.resources import files

import numpy as np
import pytest

from core.errors import InputFileError
from core.loading import LoadedTable, ReadOptions, load_table
from core.pipeline import AnalysisResult, AnalysisSettings, rename_segments, run_analysis
from core.preparation import MissingPolicy, Scaling
from core.project import (
    DataFileState,
    check_data_file,
    file_checksum,
    load_project,
    reopen,
    save_project,
)

SAMPLE = files("resources") / "sample_customers.csv"


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    """The sample analysed with non-default settings and renamed segments."""
    table = load_table(SAMPLE)
    settings = AnalysisSettings(
        features=("Age", "Annual Income (k$)", "Spending Score (1-100)", "Region"),
        k=4,
        k_min=3,
        k_max=5,
        scaling=Scaling.ROBUST,
        missing=MissingPolicy.FILL,
        log_columns=("Annual Income (k$)",),
        seed=7,
    )
    result = run_analysis(table, settings)
    names = [f"Group {number}" for number in range(1, 5)]
    result = AnalysisResult(
        result.settings, result.prepared, result.sweep, rename_segments(result.segmentation, names)
    )
    return table, result


@pytest.fixture
def saved(analysed, tmp_path):
    """The analysis saved as work/analysis.segproj, its customer file as data/customers.csv."""
    table, result = analysed
    data = tmp_path / "data" / "customers.csv"
    data.parent.mkdir()
    shutil.copyfile(SAMPLE, data)
    copied = LoadedTable(table.frame, dataclasses.replace(table.report, path=str(data)))
    project_path = tmp_path / "work" / "analysis.segproj"
    project_path.parent.mkdir()
    save_project(project_path, copied, result)
    return project_path, data, result


def test_reopening_gives_identical_segments_with_the_users_names(saved):
    project_path, _data, result = saved
    project = load_project(project_path)
    assert check_data_file(project).state == DataFileState.OK
    table, reopened = reopen(project)
    np.testing.assert_array_equal(reopened.segmentation.labels, result.segmentation.labels)
    assert reopened.segmentation.names == result.segmentation.names
    assert reopened.settings == result.settings
    assert reopened.sweep == result.sweep
    assert len(table.frame) == 300


def test_project_file_is_readable_json_with_every_setting(saved):
    project_path, data, result = saved
    content = json.loads(project_path.read_text(encoding="utf-8"))
    assert content["format"] == "segment-studio-project"
    assert content["version"] == 1
    assert content["data_file"]["path"] == str(data.resolve())
    assert content["data_file"]["relative_path"] == "../data/customers.csv"
    assert content["data_file"]["sha256"] == file_checksum(data)
    assert content["read_options"]["delimiter"] == ","
    assert content["settings"] == {
        "features": ["Age", "Annual Income (k$)", "Spending Score (1-100)", "Region"],
        "k": 4,
        "k_min": 3,
        "k_max": 5,
        "scaling": "robust",
        "missing": "fill",
        "log_columns": ["Annual Income (k$)"],
        "seed": 7,
        "category_columns": [],  # Region is text here: a category anyway
        "method": "kmeans",
        "method_options": {},
    }
    assert content["chosen_k"] == 4
    assert [segment["name"] for segment in content["results"]["segments"]] == list(result.segmentation.names)
    assert [segment["size"] for segment in content["results"]["segments"]] == [
        p.size for p in result.segmentation.profiles
    ]
    assert load_project(project_path).read_options == load_table(data).report.options


def test_a_moved_data_file_is_detected_and_can_be_located(saved, tmp_path):
    project_path, data, result = saved
    moved = tmp_path / "elsewhere.csv"
    data.rename(moved)
    project = load_project(project_path)
    status = check_data_file(project)
    assert status.state == DataFileState.MOVED
    assert "customers.csv" in status.message
    assert "Locate" in status.message
    with pytest.raises(InputFileError, match="no longer at"):
        reopen(project)
    _, reopened = reopen(project, moved)
    np.testing.assert_array_equal(reopened.segmentation.labels, result.segmentation.labels)


def test_a_folder_moved_as_a_whole_still_opens(saved, tmp_path):
    _project_path, data, _result = saved
    copy = tmp_path.parent / (tmp_path.name + "-copy")
    shutil.copytree(tmp_path, copy)
    data.unlink()
    project = load_project(copy / "work" / "analysis.segproj")
    status = check_data_file(project)
    assert status.state == DataFileState.OK
    assert status.path == copy / "work" / "../data/customers.csv"
    shutil.rmtree(copy)


def test_a_changed_data_file_is_detected(saved):
    project_path, data, _ = saved
    text = data.read_text(encoding="utf-8")
    data.write_text(text.replace("\n1,Male,65,", "\n1,Male,66,", 1), encoding="utf-8")
    project = load_project(project_path)
    status = check_data_file(project)
    assert status.state == DataFileState.CHANGED
    assert status.path == data
    assert "has changed" in status.message
    with pytest.raises(InputFileError, match="has changed"):
        reopen(project)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{ not json", "not valid JSON"),
        ('{"format": "something-else"}', "not a Segment Studio project"),
        ('{"format": "segment-studio-project", "version": 4}', "newer Segment Studio"),
        ('{"format": "segment-studio-project", "version": 1, "settings": {}}', "damaged"),
    ],
)
def test_a_wrong_or_damaged_project_is_refused_plainly(tmp_path, content, message):
    path = tmp_path / "broken.segproj"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputFileError, match=message):
        load_project(path)


def test_saved_read_options_are_used_when_reopening(tmp_path):
    data = tmp_path / "semicolons.csv"
    frame = load_table(SAMPLE).frame
    frame.to_csv(data, sep=";", decimal=",", index=False)
    table = load_table(data, ReadOptions(delimiter=";", decimal=","))
    result = run_analysis(table, AnalysisSettings(k=3, k_max=3))
    save_project(tmp_path / "p.segproj", table, result)
    _, reopened = reopen(load_project(tmp_path / "p.segproj"))
    np.testing.assert_array_equal(reopened.segmentation.labels, result.segmentation.labels)


def test_locating_a_file_that_does_not_exist_says_so(saved, tmp_path):
    project_path, _, _ = saved
    status = check_data_file(load_project(project_path), tmp_path / "typo.csv")
    assert status.state == DataFileState.MOVED
    assert "typo.csv' does not exist" in status.message


def test_column_labels_are_saved_and_reopen_with_the_names_charts_and_exports_using_them(analysed, tmp_path):
    from core.pipeline import relabel_columns
    from core.profiling import profile_table

    table, result = analysed
    data = tmp_path / "customers.csv"
    shutil.copyfile(SAMPLE, data)
    copied = LoadedTable(table.frame, dataclasses.replace(table.report, path=str(data)))
    features = result.prepared.preprocessor.settings.features
    labels = {"Annual Income (k$)": "Household income", "Spending Score (1-100)": "Loyalty points"}
    relabelled = relabel_columns(table.frame, result.segmentation, features, labels, table.report.columns)
    assert relabelled.names == result.segmentation.names, "names the user typed stay"
    result = AnalysisResult(result.settings, result.prepared, result.sweep, relabelled)
    project_path = tmp_path / "labelled.segproj"

    save_project(project_path, copied, result)
    content = json.loads(project_path.read_text(encoding="utf-8"))
    _table, reopened = reopen(load_project(project_path))

    assert content["version"] == 2
    assert content["column_labels"] == labels
    overall = reopened.segmentation.overall
    assert overall.column_labels == labels
    assert reopened.segmentation.names == result.segmentation.names
    assert "Household income" in profile_table(reopened.segmentation.profiles, overall).columns
    described = " ".join(profile.description for profile in reopened.segmentation.profiles)
    assert "Annual Income" not in described
    assert "Household income" in described or "Loyalty points" in described


def test_a_changed_file_can_be_used_with_the_saved_settings_keeping_names_that_still_match(saved):
    from core.project import reopen_with_new_data

    project_path, data, result = saved
    original = data.read_text(encoding="utf-8").splitlines()
    data.write_text("\n".join(original[:-12]) + "\n", encoding="utf-8")  # 12 customers removed
    project = load_project(project_path)
    assert check_data_file(project).state == DataFileState.CHANGED

    table, refreshed, message = reopen_with_new_data(project)

    assert len(table.frame) == 288
    assert refreshed.settings == result.settings
    assert refreshed.segmentation.k == result.segmentation.k
    assert "288 customers are segmented now, 300 before (12 removed)" in message
    kept = [name for name in refreshed.segmentation.names if name in result.segmentation.names]
    assert len(kept) >= 3, "segments that barely moved keep the user's names"
    assert f"{len(kept)} of the 4 still match" in message
    assert len(set(refreshed.segmentation.names)) == 4


def test_new_data_lacking_a_saved_column_is_refused_plainly(saved):
    from core.errors import SettingsError
    from core.project import reopen_with_new_data

    project_path, data, _result = saved
    frame = load_table(data).frame.drop(columns=["Age"])
    frame.to_csv(data, index=False)
    with pytest.raises(SettingsError, match="no column 'Age'"):
        reopen_with_new_data(load_project(project_path))


def test_projects_keep_which_columns_were_categories_and_older_ones_used_numbers(analysed, tmp_path):
    table, result = analysed
    project_path = tmp_path / "p.segproj"
    save_project(project_path, LoadedTable(table.frame, table.report), result)
    content = json.loads(project_path.read_text(encoding="utf-8"))
    assert content["settings"]["category_columns"] == list(result.settings.category_columns)
    del content["settings"]["category_columns"]  # as a project saved before this setting existed
    project_path.write_text(json.dumps(content), encoding="utf-8")
    assert load_project(project_path).settings.category_columns == ()


def test_a_project_saved_with_the_retired_separation_measures_reopens_with_its_elbow_chart(saved):
    project_path, _, result = saved
    content = json.loads(project_path.read_text(encoding="utf-8"))
    for score in content["results"]["sweep"]["scores"]:  # as every k-means project saved before them
        score.update(calinski_harabasz=None if score["silhouette"] is None else 410.5, davies_bouldin=0.8)
    project_path.write_text(json.dumps(content), encoding="utf-8")
    assert load_project(project_path).sweep.scores == result.sweep.scores


def test_a_k_means_project_reopens_to_its_saved_centres_without_searching_again(saved, monkeypatch):
    """The saved segments came from the sweep, which also tries starts grown from the previous k's
    answer; a fit of k alone may settle elsewhere. Reopening puts each customer at the nearest saved
    centre, so it gives the saved segments whatever a new search would find."""
    from core.clustering import KMeansSegmenter

    def search(*args, **kwargs):
        raise AssertionError("reopening a k-means project searched for segments again")

    monkeypatch.setattr(KMeansSegmenter, "fit", search)
    project_path, _data, result = saved
    _table, reopened = reopen(load_project(project_path))
    np.testing.assert_array_equal(reopened.segmentation.labels, result.segmentation.labels)
