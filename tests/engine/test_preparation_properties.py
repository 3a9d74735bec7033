"""Whatever table and settings a user gives prepare(), the answer is a usable matrix or a typed error."""

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import SegmentStudioError
from core.preparation import MissingPolicy, PreparationSettings, Scaling, prepare

NUMBERS = st.one_of(
    st.none(),
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
    st.integers(-5, 5),
    st.integers(0, 10**6),
)
LEVELS = st.one_of(st.none(), st.sampled_from(["Female", "Male", "Other", "North", "South", ""]))


@st.composite
def tables_and_settings(draw):
    rows = draw(st.integers(min_value=0, max_value=25))
    n_numeric = draw(st.integers(min_value=0, max_value=3))
    n_categorical = draw(st.integers(min_value=0, max_value=2))
    columns = {}
    for i in range(n_numeric):
        values = draw(st.lists(NUMBERS, min_size=rows, max_size=rows))
        columns[f"Number {i}"] = pd.Series(
            [np.nan if v is None else float(v) for v in values], dtype="float64"
        )
    for i in range(n_categorical):
        values = draw(st.lists(LEVELS, min_size=rows, max_size=rows))
        columns[f"Category {i}"] = pd.Series(values, dtype="str")
    frame = pd.DataFrame(columns, index=pd.RangeIndex(rows))
    names = list(columns)
    # Mostly sensible choices, so that most examples reach the matrix; now and then a wrong one.
    features = draw(st.lists(st.sampled_from(names), unique=True, min_size=1) if names else st.just([]))
    if draw(st.integers(0, 9)) == 9:
        features.append("Not a column")
    numeric = [name for name in features if name.startswith("Number")]
    log_choices = features if draw(st.integers(0, 4)) == 0 else numeric
    log_columns = draw(
        st.lists(st.sampled_from(log_choices), unique=True, max_size=2) if log_choices else st.just([])
    )
    chosen = PreparationSettings(
        features=tuple(features),
        missing=draw(st.sampled_from(list(MissingPolicy))),
        scaling=draw(st.sampled_from(list(Scaling))),
        log_columns=tuple(log_columns),
    )
    return frame, chosen


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables_and_settings())
def test_prepare_gives_a_finite_matrix_or_a_typed_error(case):
    frame, chosen = case
    before = frame.copy(deep=True)
    try:
        prepared = prepare(frame, chosen)
    except SegmentStudioError as error:
        message = str(error)
        assert message, "a typed error must carry a message the user can read"
    else:
        gaps = frame[list(chosen.features)].isna().any(axis=1).to_numpy()
        expected_rows = (
            np.flatnonzero(~gaps) if chosen.missing == MissingPolicy.DROP else np.arange(len(frame))
        )
        assert prepared.row_positions.tolist() == expected_rows.tolist()
        assert prepared.matrix.shape == (len(expected_rows), len(prepared.feature_names))
        assert prepared.matrix.dtype == np.float64
        assert np.isfinite(prepared.matrix).all()
        assert prepared.rows_dropped == len(frame) - len(expected_rows)
        restored = prepared.preprocessor.inverse_transform(prepared.matrix)
        assert list(restored.columns) == list(prepared.feature_names)
    pd.testing.assert_frame_equal(frame, before)
