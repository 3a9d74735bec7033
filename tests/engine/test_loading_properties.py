"""Property tests: any small table written in a common dialect reads back the same, and no bytes at all
make the loader fail with anything but an InputFileError."""

import string
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import InputFileError
from core.loading import WHITESPACE, load_table

PROPERTY_SETTINGS = settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# Letters that never spell a number ("inf", "nan"), a missing-value word or a word pandas reads as yes or
# no ("true", "false": a column of them is read as a yes/no column, as a spreadsheet's TRUE/FALSE should
# be), in every tested encoding.
WORD_LETTERS = "abcdeghkmoprstvwxyzéÄ"
NAMES = st.lists(
    st.text(alphabet=string.ascii_letters, min_size=1, max_size=8),
    min_size=1, max_size=5, unique_by=str.lower,
)


@st.composite
def tables(draw) -> pd.DataFrame:
    names = draw(NAMES)
    rows = draw(st.integers(min_value=1, max_value=25))
    columns = {}
    for name in names:
        kind = draw(st.sampled_from(["int", "float", "word"]))
        if kind == "int":
            values = st.integers(min_value=-10**9, max_value=10**9)
        elif kind == "float":
            # Money-like: at most two decimals, so "1,234" can never stand for 1.234.
            values = st.floats(min_value=-1e6, max_value=1e6).map(lambda value: round(value, 2))
        else:
            values = st.text(alphabet=WORD_LETTERS, min_size=1, max_size=6)
        columns[name] = draw(st.lists(values, min_size=rows, max_size=rows))
    return pd.DataFrame(columns)


@PROPERTY_SETTINGS
@given(
    frame=tables(),
    delimiter=st.sampled_from([",", ";", "\t", "|", " "]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]),
    decimal=st.sampled_from([".", ","]),
)
def test_written_tables_read_back_with_the_same_shape_and_numbers(frame, delimiter, encoding, decimal):
    if decimal == delimiter:
        decimal = "."
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "table.csv"
        frame.to_csv(path, sep=delimiter, encoding=encoding, decimal=decimal, index=False)
        loaded = load_table(path)
    assert loaded.frame.shape == frame.shape
    assert list(loaded.frame.columns) == list(frame.columns)
    if frame.shape[1] > 1:
        assert loaded.report.options.delimiter == (WHITESPACE if delimiter == " " else delimiter)
    for name in frame.columns:
        if pd.api.types.is_numeric_dtype(frame[name]):
            assert pd.api.types.is_numeric_dtype(loaded.frame[name]), f"{name} was read as text"
            read_back = loaded.frame[name].to_numpy(dtype=float)
            np.testing.assert_allclose(read_back, frame[name].to_numpy(dtype=float))
        else:
            assert loaded.frame[name].tolist() == frame[name].tolist()


TABLE_LIKE_BYTES = st.text(alphabet=',;\t|" \n\r0123456789abc.-éÂ', max_size=300).map(
    lambda text: text.encode("utf-8")
)


@PROPERTY_SETTINGS
@given(
    content=st.one_of(st.binary(max_size=2000), TABLE_LIKE_BYTES),
    suffix=st.sampled_from([".csv", ".txt", ".xlsx", ".tsv"]),
)
def test_any_bytes_load_or_raise_an_input_file_error(content, suffix):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(content)
        try:
            loaded = load_table(path)
        except InputFileError as error:
            message = str(error)
        else:
            assert loaded.report.rows == len(loaded.frame) > 0
            return
    assert "upload" in message  # every message names the file


def _workbook_bytes() -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "good.xlsx"
        customers = pd.DataFrame({"CustomerID": range(1, 31), "Spend": np.linspace(1, 30, 30)})
        customers.to_excel(path, index=False)
        return path.read_bytes()


WORKBOOK = _workbook_bytes()


@PROPERTY_SETTINGS
@given(
    cut=st.integers(min_value=4, max_value=len(WORKBOOK)),
    changes=st.lists(st.tuples(st.integers(0, len(WORKBOOK) - 1), st.integers(0, 255)), max_size=20),
)
def test_damaged_workbooks_load_or_raise_an_input_file_error(cut, changes):
    content = bytearray(WORKBOOK)
    for position, value in changes:
        content[position] = value
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "damaged.xlsx"
        path.write_bytes(bytes(content[:cut]))
        try:
            loaded = load_table(path)
        except InputFileError as error:
            message = str(error)
        else:
            assert loaded.report.rows == len(loaded.frame) > 0
            return
    assert "damaged.xlsx" in message
