"""Every awkward or broken file of the corpus has one exact outcome on the command line.

Either the analysis succeeds (exit 0) and says, in a `warning:` line or a `not used:` line, what it did
about the problem, or it stops with exit 2 and a single `error:` line that names the file, the problem and
what to do. Never a traceback, and never a changed input file.
"""

import hashlib
from dataclasses import dataclass

import pytest

from core.cli import EXIT_BAD_INPUT, EXIT_OK, main
from tests.corpus.make_corpus import CASES, write_case, write_large_file


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class Fails:
    """Exit 2; the one error line holds each of these texts."""

    texts: tuple[str, ...]


@dataclass(frozen=True)
class Succeeds:
    """Exit 0; `warnings` are exactly the warning lines, and `shows` are lines the output must hold."""

    warnings: tuple[str, ...] = ()
    shows: tuple[str, ...] = ()


READ_AS_NUMBERS = "Segmented on: Age, Income, Spending"

OUTCOMES = {
    ("empty", ()): Fails(
        ("Cannot open 'customers.csv'", "the file is empty", "Export the customer table again")
    ),
    ("header_only", ()): Fails(
        ("'customers.csv'", "column names but no customer rows", "Export the table again")
    ),
    ("single_row", ()): Fails(
        (
            "'customers.csv' holds only 1 customer",
            "needs at least 2",
            "Choose the file with all your customers",
        )
    ),
    ("single_row", ("--features", "Age", "Income")): Fails(
        ("'customers.csv'", "only 1 customer", "at least 2")
    ),
    ("binary_garbage", ()): Fails(
        ("Cannot open 'customers.csv'", "not a text table", "reads CSV, TSV or TXT tables and Excel .xlsx")
    ),
    ("csv_named_xlsx", ()): Succeeds(
        ("The file is named '.xlsx' but holds plain text; it was read as text.",), (READ_AS_NUMBERS,)
    ),
    ("xlsx_named_csv", ()): Succeeds(
        ("The file is named '.csv' but is an Excel workbook; it was read as one.",), (READ_AS_NUMBERS,)
    ),
    ("corrupt_xlsx", ()): Fails(("Cannot open 'customers.xlsx'", "damaged", "save it again as .xlsx")),
    ("encrypted_xlsx", ()): Fails(
        ("Cannot open 'customers.xlsx'", "protected by a password", "remove the password", "export it as CSV")
    ),
    ("utf16", ()): Succeeds(shows=(READ_AS_NUMBERS, "(60 customers, 5 columns)")),
    ("windows_1252", ()): Succeeds(
        shows=("Segmented on: Âge, Revenu (€), Dépenses", "  not used: Nº client: every value is different")
    ),
    ("utf8_bom", ()): Succeeds(shows=(READ_AS_NUMBERS, "  not used: CustomerID: every value is different")),
    ("semicolon_decimal_comma", ()): Succeeds(shows=(READ_AS_NUMBERS, "(60 customers, 5 columns)")),
    ("thousands_separators", ()): Succeeds(shows=(READ_AS_NUMBERS,)),
    ("quoted_line_breaks", ()): Succeeds(shows=(READ_AS_NUMBERS, "(60 customers, 6 columns)")),
    ("ragged_rows", ()): Succeeds(
        ("3 rows had more fields than the header (5) and were cut to 5 fields.",),
        (READ_AS_NUMBERS, "Customers used: 58 of 60"),
    ),
    ("duplicate_blank_names", ()): Succeeds(
        (
            "Column 3 had no name; it is called 'Unnamed 3'.",
            "More than one column was called 'Spending'; column 5 is called 'Spending (2)'.",
        )
    ),
    ("all_missing_column", ()): Succeeds(
        shows=(
            READ_AS_NUMBERS,
            "  not used: Loyalty: it has no values at all, so it cannot tell customers apart",
        )
    ),
    ("all_missing_column", ("--features", "Loyalty", "Age")): Fails(
        ("In 'customers.csv'", "'Loyalty' has no values at all", "Leave it out")
    ),
    ("constant_column", ()): Succeeds(
        shows=(READ_AS_NUMBERS, "  not used: Country: every customer has the same value")
    ),
    ("constant_column", ("--features", "Country")): Fails(
        (
            "In 'customers.csv'",
            "All customers have the same values",
            "choose columns in which customers differ",
        )
    ),
    ("words_in_numbers", ()): Succeeds(
        (
            "Column 'Income' had 3 values that are not numbers (such as 'n/a', '-', 'unknown'); they were "
            "treated as missing.",
        ),
        (READ_AS_NUMBERS, "Customers used: 57 of 60"),
    ),
    ("infinity", ()): Fails(
        ("In 'customers.csv'", "'Income' contains an infinite value", "Correct it in the file")
    ),
    ("infinity", ("--features", "Age", "Spending")): Succeeds(shows=("Segmented on: Age, Spending",)),
    ("huge_numbers", ()): Fails(
        ("In 'customers.csv'", "'Income' has values too large to compute with (up to 1e+308)", "leave it out")
    ),
    ("negative_incomes", ()): Succeeds(shows=(READ_AS_NUMBERS,)),
    ("negative_incomes", ("--log", "Income")): Fails(
        ("In 'customers.csv'", "'Income' has negative values", "Remove it from the columns to log-transform")
    ),
    ("duplicate_ids", ()): Succeeds(
        (
            "Column 'CustomerID' looks like a customer number, but 5 of its values repeat an earlier one; "
            "each row is treated as a separate customer. Check the file for customers listed twice.",
        ),
        (READ_AS_NUMBERS,),
    ),
    ("wide", ("--k", "3")): Succeeds(shows=("File: ", "(40 customers, 1001 columns)", "3 segments:")),
    ("few_distinct_customers", ("--k", "5")): Fails(
        ("In 'customers.csv'", "You asked for 5 segments but only 2 customers differ", "choose at most 2")
    ),
    ("few_distinct_customers", ()): Succeeds(shows=("2 segments:",)),
    ("mostly_missing", ("--k", "5")): Fails(
        ("In 'customers.csv'", "Only 3 of 12 customers have a value in every chosen column", "--missing fill")
    ),
    ("mostly_missing", ("--k", "5", "--missing", "fill")): Succeeds(shows=("5 segments:",)),
}


def run_cli(capsys, *arguments):
    code = main([str(argument) for argument in arguments])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_outcome(outcome, code, out, err, path):
    assert "Traceback" not in out + err
    if isinstance(outcome, Fails):
        assert code == EXIT_BAD_INPUT, out
        lines = err.strip().splitlines()
        assert len(lines) == 1, err
        assert lines[0].startswith("error: ")
        assert path.name in lines[0]
        for text in outcome.texts:
            assert text in lines[0]
    else:
        assert code == EXIT_OK, err
        assert err == ""
        warnings = [
            line.removeprefix("warning: ") for line in out.splitlines() if line.startswith("warning:")
        ]
        assert warnings == list(outcome.warnings)
        for text in outcome.shows:
            assert text in out


def test_every_corpus_case_has_an_outcome():
    assert {name for name, _ in OUTCOMES} == set(CASES)


@pytest.mark.parametrize(("case", "options"), list(OUTCOMES), ids=[" ".join((n, *o)) for n, o in OUTCOMES])
def test_corpus_case_gives_its_exact_outcome_and_leaves_the_file_unchanged(capsys, tmp_path, case, options):
    path = write_case(tmp_path, case)
    before = sha256(path)
    labels = tmp_path / "labelled.csv"
    code, out, err = run_cli(capsys, "analyze", path, *options, "--k-max", "5", "--labels", labels)
    assert_outcome(OUTCOMES[case, options], code, out, err, path)
    assert sha256(path) == before
    assert labels.exists() == (code == EXIT_OK)  # a failed run writes nothing


def test_assign_with_a_broken_customer_file_gives_one_error_line(capsys, tmp_path):
    model = tmp_path / "model.json"
    code, _, err = run_cli(capsys, "analyze", write_case(tmp_path, "utf8_bom"), "--k", "3", "--model", model)
    assert code == EXIT_OK, err
    for case in ("empty", "binary_garbage", "encrypted_xlsx", "corrupt_xlsx"):
        path = write_case(tmp_path, case)
        before = sha256(path)
        code, out, err = run_cli(capsys, "assign", model, path, "--labels", tmp_path / "assigned.csv")
        assert_outcome(Fails(("Cannot open",)), code, out, err, path)
        assert sha256(path) == before
    assert not (tmp_path / "assigned.csv").exists()


@pytest.mark.parametrize(
    "content", [b"", b"\x80\x04\x95pickle", b"{not json", b'{"format": "something else"}']
)
def test_a_damaged_model_file_gives_one_error_line(capsys, tmp_path, content):
    model = tmp_path / "model.json"
    model.write_bytes(content)
    code, out, err = run_cli(
        capsys, "assign", model, write_case(tmp_path, "utf8_bom"), "--labels", tmp_path / "out.csv"
    )
    assert_outcome(Fails(()), code, out, err, model)


@pytest.mark.slow
def test_a_50_megabyte_file_is_read_and_segmented(capsys, tmp_path):
    path = write_large_file(tmp_path / "big.csv")
    assert path.stat().st_size >= 50 * 1024 * 1024
    before = sha256(path)
    code, out, err = run_cli(capsys, "analyze", path, "--k", "3", "--summary", tmp_path / "summary.json")
    assert code == EXIT_OK, err
    assert err == ""
    assert "warning:" not in out
    assert "3 segments:" in out
    assert sha256(path) == before
