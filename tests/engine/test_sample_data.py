"""The bundled sample is exactly what its script makes, and shows the five groups it promises."""

from importlib.resources import files

import pandas as pd

from resources.make_sample_customers import HEADER, sample_csv_text


def sample_path():
    return files("resources") / "sample_customers.csv"


def test_committed_sample_is_what_the_script_generates():
    assert sample_path().read_text(encoding="utf-8") == sample_csv_text()


def test_sample_has_the_documented_columns_and_a_few_hundred_customers():
    frame = pd.read_csv(sample_path())
    assert tuple(frame.columns) == HEADER
    assert 200 <= len(frame) <= 500
    assert frame["CustomerID"].is_unique
    assert set(frame["Gender"]) == {"Female", "Male"}
    assert not frame.isna().any().any()
