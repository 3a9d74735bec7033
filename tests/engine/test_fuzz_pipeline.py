"""Fuzzing: whatever bytes or table a user hands over, the loader raises only InputFileError and the command
line ends in exactly one of two ways: exit 0, or exit 2 with one `error:` line. Bounded to a few seconds."""

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.cli import EXIT_BAD_INPUT, EXIT_OK, main
from core.errors import InputFileError
from core.loading import load_table

BOUNDED = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

cells = st.one_of(
    st.integers(-(10**6), 10**6).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["", "n/a", "-", "unknown", "NA", '"', "1,5", "1.234,5", "é", "=1+1", "\t", " "]),
    st.text(max_size=6),
)
delimiters = st.sampled_from([",", ";", "\t", "|"])


@st.composite
def csv_bytes(draw) -> bytes:
    delimiter = draw(delimiters)
    width = draw(st.integers(1, 5))
    rows = draw(st.lists(st.lists(cells, min_size=max(1, width - 1), max_size=width + 1), max_size=25))
    header = delimiter.join(
        draw(st.lists(st.sampled_from(["ID", "Age", "Income", "", "Age"]), min_size=width, max_size=width))
    )
    text = "\n".join([header, *(delimiter.join(row) for row in rows)])
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
    return text.encode(encoding, errors="replace")


def assert_one_of_two_outcomes(code, err):
    assert code in (EXIT_OK, EXIT_BAD_INPUT), err
    if code == EXIT_BAD_INPUT:
        lines = err.strip().splitlines()
        assert len(lines) == 1, err
        assert lines[0].startswith("error: ")
    else:
        assert err == ""


@BOUNDED
@given(content=st.one_of(csv_bytes(), st.binary(max_size=300)))
def test_the_loader_reads_a_file_or_says_why_not(tmp_path_factory, content):
    path = tmp_path_factory.mktemp("fuzz") / "customers.csv"
    path.write_bytes(content)
    try:
        loaded = load_table(path)
    except InputFileError as error:
        message = str(error)
    else:
        message = "'customers.csv'"
        assert len(loaded.frame) == loaded.report.rows > 0
    assert "'customers.csv'" in message
    assert path.read_bytes() == content


@BOUNDED
@given(content=csv_bytes(), k=st.sampled_from([[], ["--k", "2"], ["--k", "4"]]))
def test_the_whole_command_line_ends_in_one_of_two_ways(tmp_path_factory, capsys, content, k):
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / "customers.csv"
    path.write_bytes(content)
    code = main(["analyze", str(path), "--k-max", "4", *k, "--labels", str(folder / "out.csv")])
    assert_one_of_two_outcomes(code, capsys.readouterr().err)
    assert path.read_bytes() == content


numbers = st.floats(-1e12, 1e12) | st.sampled_from([float("nan"), float("inf"), 1e308, 0.0])


@BOUNDED
@given(
    frame=st.integers(1, 30).flatmap(
        lambda rows: st.fixed_dictionaries(
            {
                "Income": st.lists(numbers, min_size=rows, max_size=rows),
                "Visits": st.lists(st.integers(0, 5) | st.none(), min_size=rows, max_size=rows),
                "Region": st.lists(st.sampled_from(["N", "S", None]), min_size=rows, max_size=rows),
            }
        )
    ),
    missing=st.sampled_from(["drop", "fill"]),
)
def test_generated_tables_through_the_pipeline_end_in_one_of_two_ways(
    tmp_path_factory, capsys, frame, missing
):
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / "customers.csv"
    pd.DataFrame(frame).to_csv(path, index=False)
    code = main(
        ["analyze", str(path), "--k-max", "4", "--missing", missing, "--summary", str(folder / "s.json")]
    )
    assert_one_of_two_outcomes(code, capsys.readouterr().err)
