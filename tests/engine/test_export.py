"""Exports keep the user's data intact: atomic writes, the input file protected, formulas made inert."""

import numpy as np
import pandas as pd
import pytest

from core.errors import SettingsError
from core.export import (
    SEGMENT_COLUMN,
    SEGMENT_NAME_COLUMN,
    atomic_write,
    labelled_frame,
    neutralise_formulas,
    write_json,
    write_table,
)


def test_labelled_frame_keeps_original_columns_and_adds_segment_number_and_name():
    frame = pd.DataFrame({"CustomerID": ["007", "008", "009"], "Income": [10.5, None, 30.0]})
    labelled = labelled_frame(frame, np.array([1, -1, 0]), ("Budget", "Premium"), (1, 2))
    pd.testing.assert_frame_equal(labelled[["CustomerID", "Income"]], frame)
    assert labelled[SEGMENT_COLUMN].tolist()[0] == 2
    assert labelled[SEGMENT_COLUMN].isna().tolist() == [False, True, False]
    assert labelled[SEGMENT_NAME_COLUMN].tolist()[0] == "Premium"
    assert labelled[SEGMENT_NAME_COLUMN].tolist()[2] == "Budget"


def test_labelled_frame_refuses_to_clobber_an_existing_segment_column():
    frame = pd.DataFrame({"Segment": [1]})
    with pytest.raises(SettingsError, match="already has a column"):
        labelled_frame(frame, np.array([0]), ("A",), (1,))


def test_formula_like_text_is_neutralised_but_numbers_and_plain_text_are_not():
    frame = pd.DataFrame(
        {
            "Name": ['=HYPERLINK("http://x")', "+1+2", "@SUM(A1)", "-2+3", "Ann", "-5", "+3.5"],
            "Amount": [-1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
        }
    )
    safe = neutralise_formulas(frame)
    assert safe["Name"].tolist() == [
        '\'=HYPERLINK("http://x")',
        "'+1+2",
        "'@SUM(A1)",
        "'-2+3",
        "Ann",
        "-5",
        "+3.5",
    ]
    assert safe["Amount"].tolist() == frame["Amount"].tolist()
    assert frame["Name"][0].startswith("=")  # the caller's frame is untouched


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_write_table_round_trips(tmp_path, suffix):
    frame = pd.DataFrame({"Région": ["Île", "Nord"], "Income": [1.5, 2.0]})
    target = write_table(tmp_path / f"out{suffix}", frame)
    read = pd.read_csv(target, encoding="utf-8-sig") if suffix == ".csv" else pd.read_excel(target)
    assert read["Région"].tolist() == ["Île", "Nord"]
    assert read["Income"].tolist() == [1.5, 2.0]


def test_write_table_rejects_unknown_suffix(tmp_path):
    with pytest.raises(SettingsError, match=r"\.csv or \.xlsx"):
        write_table(tmp_path / "out.txt", pd.DataFrame({"a": [1]}))


def test_failed_write_leaves_the_earlier_file_intact_and_no_temporary_behind(tmp_path):
    target = tmp_path / "segments.csv"
    target.write_text("earlier export\n", encoding="utf-8")

    def write_half_then_fail(temporary):
        temporary.write_text("half of a new exp", encoding="utf-8")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_write(target, write_half_then_fail)
    assert target.read_text(encoding="utf-8") == "earlier export\n"
    assert [path.name for path in tmp_path.iterdir()] == ["segments.csv"]


def test_export_onto_the_input_file_is_refused(tmp_path):
    source = tmp_path / "customers.csv"
    source.write_text("a\n1\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="customer file the results came from"):
        write_table(source, pd.DataFrame({"a": [2]}), protected=source)
    assert source.read_text(encoding="utf-8") == "a\n1\n"


def test_export_into_a_missing_folder_says_so(tmp_path):
    with pytest.raises(SettingsError, match="does not exist"):
        write_table(tmp_path / "nowhere" / "out.csv", pd.DataFrame({"a": [1]}))


def test_write_json_refuses_nan_instead_of_writing_invalid_json(tmp_path):
    target = tmp_path / "summary.json"
    with pytest.raises(ValueError, match="JSON compliant"):
        write_json(target, {"value": float("nan")})
    assert not target.exists()


def test_exports_get_the_permissions_of_a_normal_new_file(tmp_path):
    reference = tmp_path / "reference.txt"
    reference.write_text("x", encoding="utf-8")
    exported = write_table(tmp_path / "out.csv", pd.DataFrame({"a": [1]}))
    assert exported.stat().st_mode & 0o777 == reference.stat().st_mode & 0o777
