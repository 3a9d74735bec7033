"""Every grouping method of core.methods through the whole pipeline: profiles, exports, summary, report,
projects and segment models, with the unusual customers of density methods as segment 0."""

import json

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection
from matplotlib.colors import to_rgba
from matplotlib.patches import Rectangle
from matplotlib.text import Text

from core.colours import UNUSUAL_COLOUR, segment_number_colour
from core.errors import SettingsError
from core.export import SEGMENT_COLUMN, SEGMENT_NAME_COLUMN
from core.loading import load_table
from core.methods import METHODS
from core.pipeline import (
    AnalysisSettings,
    analysis_summary,
    labelled_customers,
    run_analysis,
    segment_probabilities,
)
from core.profiling import UNUSUAL_NAME, UNUSUAL_NUMBER
from core.project import load_project, reopen, save_project
from core.report import build_report_pages
from core.segment_model import (
    assign_customers,
    assignment_frame,
    build_segment_model,
    load_segment_model,
    save_segment_model,
)
from tests.engine.stand_in_methods import FAR_AWAY, FAR_FROM_CENTRES, FEATURES, customers_csv


@pytest.fixture
def with_stand_in_density_method(monkeypatch):
    monkeypatch.setitem(METHODS, FAR_FROM_CENTRES.name, FAR_FROM_CENTRES)
    return FAR_FROM_CENTRES.name


@pytest.fixture(scope="module")
def data_file(tmp_path_factory):
    return customers_csv(tmp_path_factory.mktemp("methods") / "customers.csv")


_ANALYSES: dict[str, tuple] = {}


def analysed(data_file, name: str):
    """The table and the analysis of the test customers with method `name` (3 segments where the
    method takes a number), computed once per method."""
    if name not in _ANALYSES:
        table = load_table(data_file)
        settings = AnalysisSettings(features=FEATURES, k=3, k_min=2, k_max=4, method=name)
        _ANALYSES[name] = (table, run_analysis(table, settings))
    return _ANALYSES[name]


def check_numbering(segmentation) -> None:
    """Labels index the profiles; numbers are 1..k, after 0 for the unusual customers when present."""
    labels = segmentation.labels
    used = labels >= 0
    sizes = np.bincount(labels[used], minlength=len(segmentation.profiles))
    assert sizes.tolist() == [profile.size for profile in segmentation.profiles]
    assert (sizes > 0).all()
    first = [UNUSUAL_NUMBER] if segmentation.unusual else []
    assert list(segmentation.numbers) == first + list(range(1, segmentation.k + 1))
    assert list(segmentation.centroids.index) == list(segmentation.numbers)
    assert segmentation.centres.shape[0] == len(segmentation.profiles)


@pytest.mark.parametrize("name", list(METHODS))
def test_every_method_gives_numbered_segments_the_exports_and_the_summary_agree_on(data_file, name):
    table, result = analysed(data_file, name)
    segmentation = result.segmentation
    assert segmentation.method == name
    check_numbering(segmentation)
    labelled = labelled_customers(table.frame, segmentation, result.prepared)
    used = segmentation.labels >= 0
    numbers = np.array(segmentation.numbers)[segmentation.labels[used]]
    assert labelled[SEGMENT_COLUMN][used].tolist() == numbers.tolist()
    assert labelled[SEGMENT_COLUMN].isna().sum() == 1  # the customer with a missing value
    names = np.array(segmentation.names, dtype=object)[segmentation.labels[used]]
    assert labelled[SEGMENT_NAME_COLUMN][used].tolist() == names.tolist()
    summary = analysis_summary(table, result)
    assert summary["method"] == name
    assert summary["k"] == segmentation.k
    assert [segment["number"] for segment in summary["segments"]] == list(segmentation.numbers)
    json.dumps(summary, allow_nan=False)


@pytest.mark.parametrize("name", list(METHODS))
def test_reopening_a_project_gives_exactly_the_same_labels(data_file, name, tmp_path):
    table, result = analysed(data_file, name)
    saved = save_project(tmp_path / "work.segproj", table, result)
    loaded = load_project(saved.path)
    assert loaded.settings.method == name
    _, reopened = reopen(loaded)
    assert reopened.segmentation.method == name
    np.testing.assert_array_equal(reopened.segmentation.labels, result.segmentation.labels)
    assert reopened.segmentation.names == result.segmentation.names


@pytest.mark.parametrize("name", [name for name, method in METHODS.items() if method.assign_saved])
def test_the_chosen_segments_come_from_the_sweep_and_a_project_reopens_without_fitting_again(
    data_file, name, tmp_path, monkeypatch
):
    """The chosen k's segments are the sweep's grouping for k (the score beside k in the chart is
    theirs), and a project's customers go back to its saved parameters: neither fits the method again."""

    def fit_again(*args, **kwargs):
        raise AssertionError(f"{name} was fitted again")

    monkeypatch.setattr(type(METHODS[name].make(2, 0, {})), "fit", fit_again)
    table = load_table(data_file)
    result = run_analysis(table, AnalysisSettings(features=FEATURES, k_min=2, k_max=4, method=name))
    assert result.segmentation.k == result.sweep.suggested_k
    _, reopened = reopen(load_project(save_project(tmp_path / "work.segproj", table, result).path))
    np.testing.assert_array_equal(reopened.segmentation.labels, result.segmentation.labels)


@pytest.mark.parametrize("name", list(METHODS))
def test_assigning_the_original_file_with_a_saved_model_gives_back_the_same_segments(
    data_file, name, tmp_path
):
    table, result = analysed(data_file, name)
    path = save_segment_model(tmp_path / "model.json", build_segment_model(result))
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["method"] == name
    assert saved["version"] == (1 if name == "kmeans" else 2)  # k-means models open in older versions
    model = load_segment_model(path)
    assert model.method == name
    assignment = assign_customers(model, table.frame)
    assigned = assignment_frame(table.frame, assignment)
    exported = labelled_customers(table.frame, result.segmentation, result.prepared)
    pd.testing.assert_series_equal(assigned[SEGMENT_COLUMN], exported[SEGMENT_COLUMN])
    pd.testing.assert_series_equal(assigned[SEGMENT_NAME_COLUMN], exported[SEGMENT_NAME_COLUMN])
    chances = [column for column in exported.columns if column.startswith("P(segment")]
    assert [column for column in assigned.columns if column.startswith("P(segment")] == chances
    pd.testing.assert_frame_equal(assigned[chances], exported[chances], rtol=1e-9)


def test_a_method_that_leaves_customers_out_makes_them_segment_0_everywhere(
    data_file, with_stand_in_density_method, tmp_path
):
    table = load_table(data_file)
    result = run_analysis(
        table, AnalysisSettings(features=FEATURES, k=5, method=with_stand_in_density_method)
    )
    segmentation = result.segmentation
    check_numbering(segmentation)
    assert result.sweep is None  # the method finds the number itself: nothing to sweep
    assert segmentation.k == 3
    unusual = segmentation.profiles[0]
    assert (unusual.number, unusual.name) == (UNUSUAL_NUMBER, UNUSUAL_NAME)
    # The six customers far from every group, and no one else.
    far = table.frame.index[-len(FAR_AWAY):]
    assert segmentation.unusual == len(FAR_AWAY)
    assert (segmentation.labels[far] == 0).all()
    assert segment_number_colour(unusual.number) == UNUSUAL_COLOUR
    assert segment_number_colour(1) != UNUSUAL_COLOUR
    labelled = labelled_customers(table.frame, segmentation, result.prepared)
    assert labelled[SEGMENT_COLUMN][far].tolist() == [0] * len(FAR_AWAY)
    assert set(labelled[SEGMENT_NAME_COLUMN][far]) == {UNUSUAL_NAME}
    summary = analysis_summary(table, result)
    assert summary["unusual"] == len(FAR_AWAY)
    assert summary["segments"][0]["number"] == 0
    assert summary["suggested_k"] is None

    model = load_segment_model(save_segment_model(tmp_path / "model.json", build_segment_model(result)))
    assignment = assign_customers(model, table.frame)
    np.testing.assert_array_equal(assignment.labels, segmentation.labels)
    assert assignment.counts()[UNUSUAL_NAME] == len(FAR_AWAY)
    assert assignment.unusual.sum() == len(FAR_AWAY)
    assert not assignment.fits[far].any()
    assert not assignment.not_fitting[far].any()  # unusual, which is not "does not fit its segment"

    _, reopened = reopen(load_project(save_project(tmp_path / "p.segproj", table, result).path))
    np.testing.assert_array_equal(reopened.segmentation.labels, segmentation.labels)


def test_new_customers_unlike_every_group_are_unusual_even_when_the_training_had_none(
    data_file, with_stand_in_density_method
):
    table = load_table(data_file)
    result = run_analysis(
        table, AnalysisSettings(features=FEATURES, method=with_stand_in_density_method,
                                method_options={"radius": 100.0}),
    )
    assert result.segmentation.unusual == 0
    assert 0 not in result.segmentation.numbers
    model = build_segment_model(result)
    newcomers = pd.DataFrame({"Income": [50.0, 5000.0], "Spending": [15.0, 5000.0], "Region": ["North"] * 2})
    assignment = assign_customers(model, newcomers)
    assert assignment.numbers[0] == UNUSUAL_NUMBER
    assigned = assignment_frame(newcomers, assignment)
    third_group = result.segmentation.numbers[result.segmentation.labels[250]]  # around (50, 15)
    assert assigned[SEGMENT_COLUMN].tolist() == [third_group, 0]
    assert assigned[SEGMENT_NAME_COLUMN].tolist()[1] == UNUSUAL_NAME


def test_a_setting_the_method_does_not_have_is_refused_by_name(data_file):
    table = load_table(data_file)
    with pytest.raises(SettingsError, match="k-means has no setting called 'radius'"):
        run_analysis(table, AnalysisSettings(features=FEATURES, k=3, method_options={"radius": 2.0}))


@pytest.mark.parametrize("name", [name for name, method in METHODS.items() if method.gives_probabilities])
def test_probabilities_are_columns_named_by_segment_number_that_sum_to_one(data_file, name):
    table, result = analysed(data_file, name)
    probabilities = segment_probabilities(result.segmentation, result.prepared)
    expected = [f"P(segment {number})" for number in result.segmentation.numbers if number != UNUSUAL_NUMBER]
    assert list(probabilities.columns) == expected
    used = result.segmentation.labels >= 0
    np.testing.assert_allclose(probabilities[used].sum(axis=1), 1.0)
    assert probabilities[~used].isna().all().all()
    # The most likely segment is the customer's segment.
    most_likely = probabilities[used].to_numpy().argmax(axis=1)
    np.testing.assert_array_equal(
        np.array(result.segmentation.numbers)[result.segmentation.labels[used]],
        np.array([int(column.split()[-1][:-1]) for column in expected])[most_likely],
    )
    labelled = labelled_customers(table.frame, result.segmentation, result.prepared)
    assert set(expected) <= set(labelled.columns)


def test_methods_without_probabilities_export_no_probability_columns(data_file):
    table, result = analysed(data_file, "kmeans")
    assert segment_probabilities(result.segmentation, result.prepared) is None
    labelled = labelled_customers(table.frame, result.segmentation, result.prepared)
    assert not [column for column in labelled.columns if column.startswith("P(segment")]


def test_older_projects_without_a_method_reopen_with_k_means(data_file, tmp_path):
    table, result = analysed(data_file, "kmeans")
    path = save_project(tmp_path / "old.segproj", table, result).path
    content = json.loads(path.read_text(encoding="utf-8"))
    assert content["version"] == 1  # k-means projects stay readable by older versions
    del content["settings"]["method"], content["settings"]["method_options"], content["results"]["segmenter"]
    path.write_text(json.dumps(content), encoding="utf-8")
    _, reopened = reopen(load_project(path))
    np.testing.assert_array_equal(reopened.segmentation.labels, result.segmentation.labels)


def test_renaming_and_relabelling_columns_keep_the_numbers(data_file, with_stand_in_density_method):
    from core.pipeline import relabel_columns, rename_segments

    table = load_table(data_file)
    result = run_analysis(table, AnalysisSettings(features=FEATURES, method=with_stand_in_density_method))
    segmentation = result.segmentation
    renamed = rename_segments(segmentation, ["Odd ones", "A", "B", "C"])
    assert renamed.numbers == segmentation.numbers == (0, 1, 2, 3)
    assert renamed.names[0] == "Odd ones"
    relabelled = relabel_columns(table.frame, segmentation, FEATURES, {"Income": "Earnings"})
    assert relabelled.numbers == (0, 1, 2, 3)
    assert relabelled.names[0] == UNUSUAL_NAME


def report_text(pages) -> str:
    return " ".join(" ".join(item.get_text() for item in page.findobj(Text)) for page in pages)


@pytest.mark.parametrize("name", list(METHODS))
def test_the_report_names_the_method_and_when_it_fits(data_file, name):
    table, result = analysed(data_file, name)
    text = report_text(build_report_pages(table, result))
    method = METHODS[name]
    assert f"Grouping method: {method.title}" in text
    assert method.when_to_use in text


def test_the_report_counts_the_unusual_customers_and_shows_them_in_grey(
    data_file, with_stand_in_density_method
):
    table = load_table(data_file)
    result = run_analysis(table, AnalysisSettings(features=FEATURES, method=with_stand_in_density_method))
    pages = build_report_pages(table, result)
    text = report_text(pages)
    assert f"left {len(FAR_AWAY)} customers (2%) in no group" in text
    assert "a number Far from centres found itself" in text
    assert "Segment 0: Unusual customers" in text
    grey = to_rgba(UNUSUAL_COLOUR)
    swatches = [patch for patch in pages[0].findobj(Rectangle) if patch.get_facecolor() == grey]
    assert swatches  # the unusual customers' line on the first page is grey
    dots = [
        collection for page in pages for collection in page.findobj(PathCollection)
        if len(collection.get_facecolors()) and tuple(collection.get_facecolors()[0][:3]) == grey[:3]
    ]
    assert dots  # and so are their dots on the cluster chart


def test_the_report_says_when_ward_ran_on_small_groups(data_file, monkeypatch):
    from core.methods import hierarchical

    # A "large" table of 306 customers: Ward on 40 small groups found on a sample of 200.
    monkeypatch.setattr(hierarchical, "EXACT_ROWS", 100)
    monkeypatch.setattr(hierarchical, "MICRO_SAMPLE_ROWS", 200)
    monkeypatch.setattr(hierarchical, "MICRO_GROUPS", 40)
    table = load_table(data_file)
    result = run_analysis(table, AnalysisSettings(features=FEATURES, k=3, method="hierarchical"))
    assert "were first put into 40 small groups" in report_text(build_report_pages(table, result))


@pytest.mark.parametrize("name", [name for name, method in METHODS.items() if method.finds_unusual])
def test_density_methods_put_the_far_customers_in_segment_0(data_file, name):
    table, result = analysed(data_file, name)
    segmentation = result.segmentation
    assert segmentation.profiles[0].number == UNUSUAL_NUMBER
    far = table.frame.index[-len(FAR_AWAY):]
    assert (segmentation.labels[far] == 0).all()
    assert analysis_summary(table, result)["unusual"] == segmentation.profiles[0].size >= len(FAR_AWAY)
