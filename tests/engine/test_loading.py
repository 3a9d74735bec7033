"""Loading customer files: the real third-party data sets, common dialects, Excel, and bad input."""

import codecs
import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.columns import ColumnKind
from core.errors import InputFileError, OperationCancelled
from core.loading import SAMPLE_BYTES, WHITESPACE, ReadOptions, detect_options, load_table


def kinds(loaded) -> dict[str, ColumnKind]:
    return {summary.name: summary.kind for summary in loaded.report.columns}


def summary(loaded, name):
    return next(column for column in loaded.report.columns if column.name == name)


def write_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


# --- The five real data sets ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file_name", "shape", "delimiter", "expected_kinds"),
    [
        (
            "Mall_Customers.csv", (200, 5), ",",
            {
                "CustomerID": ColumnKind.IDENTIFIER, "Gender": ColumnKind.CATEGORICAL,
                "Age": ColumnKind.NUMERIC,
            },
        ),
        (
            "Wholesale customers data.csv", (440, 8), ",",
            {
                "Channel": ColumnKind.CATEGORICAL, "Region": ColumnKind.CATEGORICAL,
                "Fresh": ColumnKind.NUMERIC, "Delicassen": ColumnKind.NUMERIC,
            },
        ),
        (
            "CC GENERAL.csv", (8950, 18), ",",
            {"CUST_ID": ColumnKind.IDENTIFIER, "BALANCE": ColumnKind.NUMERIC, "TENURE": ColumnKind.NUMERIC},
        ),
        (
            "marketing_campaign.csv", (2240, 29), "\t",
            {
                "ID": ColumnKind.IDENTIFIER, "Education": ColumnKind.CATEGORICAL,
                "Marital_Status": ColumnKind.CATEGORICAL, "Income": ColumnKind.NUMERIC,
                "Dt_Customer": ColumnKind.DATE, "Z_CostContact": ColumnKind.CONSTANT,
                "Z_Revenue": ColumnKind.CONSTANT, "Kidhome": ColumnKind.NUMERIC,
                "AcceptedCmp2": ColumnKind.FLAG, "Complain": ColumnKind.FLAG, "Response": ColumnKind.FLAG,
            },
        ),
        (
            "CDNOW_master.txt", (69659, 4), WHITESPACE,
            {
                "customer_id": ColumnKind.IDENTIFIER, "date": ColumnKind.DATE,
                "dollar_value": ColumnKind.NUMERIC,
            },
        ),
    ],
)
def test_real_data_sets_load_with_their_true_shape_dialect_and_kinds(
    datasets_dir, file_name, shape, delimiter, expected_kinds
):
    loaded = load_table(datasets_dir / file_name)
    assert loaded.frame.shape == shape
    assert loaded.report.rows == shape[0]
    assert loaded.report.file_format == "text"
    assert loaded.report.options.delimiter == delimiter
    assert loaded.report.problems == ()
    assert [column.name for column in loaded.report.columns] == list(loaded.frame.columns)
    assert {name: kinds(loaded)[name] for name in expected_kinds} == expected_kinds


def test_mall_customers_gender_counts(datasets_dir):
    loaded = load_table(datasets_dir / "Mall_Customers.csv")
    assert summary(loaded, "Gender").top_values == (("Female", 112), ("Male", 88))
    assert list(loaded.frame.columns)[3:] == ["Annual Income (k$)", "Spending Score (1-100)"]


def test_credit_card_missing_values_are_counted(datasets_dir):
    loaded = load_table(datasets_dir / "CC GENERAL.csv")
    assert summary(loaded, "MINIMUM_PAYMENTS").missing == 313
    assert summary(loaded, "CREDIT_LIMIT").missing == 1
    assert loaded.frame["CUST_ID"].iloc[0] == "C10001"


def test_marketing_campaign_income_gaps_and_day_first_dates(datasets_dir):
    loaded = load_table(datasets_dir / "marketing_campaign.csv")
    assert summary(loaded, "Income").missing == 24
    assert summary(loaded, "Income").maximum == 666666
    dates = summary(loaded, "Dt_Customer")
    assert "day-month-year" in dates.reason
    assert "2012-07-30 to 2014-06-29" in dates.reason


def test_columns_come_out_as_numbers_and_text_with_each_word_stored_once(datasets_dir):
    frame = load_table(datasets_dir / "marketing_campaign.csv").frame
    assert pd.api.types.is_string_dtype(frame["Education"])
    assert frame["Education"].iloc[0] == "Graduation"
    # A million customers' region names would otherwise be a million separate strings in memory.
    assert isinstance(frame["Education"].dtype, pd.CategoricalDtype)
    assert frame["Dt_Customer"].iloc[0] == "04-09-2012"  # dates are reported, not converted
    assert pd.api.types.is_integer_dtype(frame["ID"])
    assert pd.api.types.is_float_dtype(frame["Income"])


def test_cdnow_keeps_zero_padded_customer_ids_as_text(datasets_dir):
    loaded = load_table(datasets_dir / "CDNOW_master.txt")
    assert loaded.frame["customer_id"].iloc[0] == "00001"
    assert list(loaded.frame.columns) == ["customer_id", "date", "number_of_cds", "dollar_value"]
    # yyyymmdd dates are reported as dates but stay the file's integers.
    assert loaded.frame["date"].iloc[0] == 19970101
    assert summary(loaded, "customer_id").distinct == 23570


def test_preview_reads_only_the_first_rows(datasets_dir):
    loaded = load_table(datasets_dir / "CDNOW_master.txt", max_rows=10)
    assert loaded.frame.shape == (10, 4)
    assert loaded.report.rows == 10


def test_detect_options_sniffs_without_loading(datasets_dir):
    options = detect_options(datasets_dir / "marketing_campaign.csv")
    assert options == ReadOptions(delimiter="\t", encoding="utf-8", decimal=".", thousands=None, header=True)


# --- Dialects -----------------------------------------------------------------------------------------------


def test_semicolon_with_decimal_comma_and_thousands_point(tmp_path):
    text = "Name;Income;Score\nAnna;1.234,56;3,5\nBo;987,10;4,25\nCy;12.000,00;1,0\n"
    path = write_text(tmp_path / "export.csv", text)
    loaded = load_table(path)
    options = loaded.report.options
    assert (options.delimiter, options.decimal, options.thousands) == (";", ",", ".")
    assert loaded.frame["Income"].tolist() == [1234.56, 987.10, 12000.0]
    assert loaded.frame["Score"].tolist() == [3.5, 4.25, 1.0]


def test_comma_file_with_quoted_thousands(tmp_path):
    path = write_text(tmp_path / "us.csv", 'Name,Income\nAnna,"1,234.50"\nBo,"12,000.00"\nCy,980.25\n')
    loaded = load_table(path)
    assert (loaded.report.options.decimal, loaded.report.options.thousands) == (".", ",")
    assert loaded.frame["Income"].tolist() == [1234.5, 12000.0, 980.25]


@pytest.mark.parametrize(
    ("text", "decimal", "thousands"),
    [
        ("a;b\n1 234,50;x\n2 000,00;y\n", ",", " "),
        ("a;b\n1\u00a0234,50;x\n2\u00a0000,00;y\n", ",", "\u00a0"),
        ("a;b\n1'234.50;x\n2'000.00;y\n", ".", "'"),
        ("a|b\n1.234.567;x\n2.000,5;y\n".replace(";", "|"), ",", "."),
    ],
    ids=["space", "no-break space", "apostrophe", "points"],
)
def test_thousands_marks(tmp_path, text, decimal, thousands):
    loaded = load_table(write_text(tmp_path / "marks.csv", text))
    assert (loaded.report.options.decimal, loaded.report.options.thousands) == (decimal, thousands)
    assert loaded.frame["a"].iloc[1] in (2000.0, 2000.5)
    assert loaded.frame["a"].iloc[0] in (1234.5, 1234567)


def test_semicolon_file_with_only_three_decimals_reads_them_as_decimals(tmp_path):
    loaded = load_table(write_text(tmp_path / "ambiguous.csv", "a;b\n1,234;x\n5,678;y\n"))
    assert loaded.frame["a"].tolist() == [1.234, 5.678]


def test_pipe_delimited(tmp_path):
    path = write_text(tmp_path / "export.txt", "id|city|spend\n1|Porto|10.5\n2|Lisbon|20\n")
    loaded = load_table(path)
    assert loaded.report.options.delimiter == "|"
    assert loaded.frame.shape == (2, 3)
    assert loaded.frame["city"].tolist() == ["Porto", "Lisbon"]


def test_tab_separated_text_with_spaces_is_not_whitespace(tmp_path):
    text = "Name\tEducation\tSpend\nA\t2n Cycle\t1\nB\tPhD\t2\nC\tBasic school\t3\n"
    path = write_text(tmp_path / "t.tsv", text)
    loaded = load_table(path)
    assert loaded.report.options.delimiter == "\t"
    assert loaded.frame["Education"].tolist() == ["2n Cycle", "PhD", "Basic school"]


def test_runs_of_spaces_with_leading_space(tmp_path):
    text = " id   amount  visits\n 001   10.5     3\n 002    7.25   12\n 010  100.0     1\n"
    path = write_text(tmp_path / "fixed.txt", text)
    loaded = load_table(path)
    assert loaded.report.options.delimiter == WHITESPACE
    assert loaded.frame["id"].tolist() == ["001", "002", "010"]
    assert loaded.frame["amount"].tolist() == [10.5, 7.25, 100.0]


def test_utf16_with_bom(tmp_path):
    path = write_text(tmp_path / "u16.csv", "Nom,Âge\nZoë,31\nJosé,45\n", encoding="utf-16")
    loaded = load_table(path)
    assert loaded.report.options.encoding == "utf-16"
    assert list(loaded.frame.columns) == ["Nom", "Âge"]
    assert loaded.frame["Nom"].tolist() == ["Zoë", "José"]


def test_utf16_big_endian_with_bom(tmp_path):
    path = tmp_path / "u16be.csv"
    path.write_bytes(codecs.BOM_UTF16_BE + "a;b\n1;2\n3;4\n".encode("utf-16-be"))
    loaded = load_table(path)
    assert loaded.frame["b"].tolist() == [2, 4]


def test_utf16_without_bom(tmp_path):
    path = write_text(tmp_path / "u16.txt", "x;y\n1,5;2\n3;4\n", encoding="utf-16-le")
    loaded = load_table(path)
    assert loaded.report.options.encoding == "utf-16-le"
    assert loaded.frame["x"].tolist() == [1.5, 3.0]


def test_windows_1252_with_accented_headers(tmp_path):
    text = "Âge;Région;Dépense\n34;Île-de-France;12,5\n51;Côte d'Or;7,25\n"
    path = write_text(tmp_path / "fr.csv", text, "cp1252")
    loaded = load_table(path)
    assert loaded.report.options.encoding == "cp1252"
    assert list(loaded.frame.columns) == ["Âge", "Région", "Dépense"]
    assert loaded.frame["Région"].tolist() == ["Île-de-France", "Côte d'Or"]
    assert loaded.frame["Dépense"].tolist() == [12.5, 7.25]


def test_utf8_bom_does_not_leak_into_the_first_name(tmp_path):
    path = write_text(tmp_path / "bom.csv", "CustomerID,Spend\n1,10\n2,20\n", encoding="utf-8-sig")
    loaded = load_table(path)
    assert loaded.report.options.encoding == "utf-8-sig"
    assert list(loaded.frame.columns) == ["CustomerID", "Spend"]


def test_latin1_beyond_the_sample_falls_back_and_says_so(tmp_path):
    rows = "".join(f"{number},plain\n" for number in range(SAMPLE_BYTES // 8))
    path = tmp_path / "late.csv"
    path.write_bytes(("id,note\n" + rows).encode() + "99999,café\n".encode("cp1252"))
    loaded = load_table(path)
    assert loaded.frame["note"].iloc[-1] == "café"
    assert loaded.report.options.encoding == "cp1252"
    assert any("cp1252" in problem for problem in loaded.report.problems)


def test_old_mac_line_ends(tmp_path):
    path = tmp_path / "mac.csv"
    path.write_bytes(b'a;b\r1;"x;y"\r2;z\r')
    assert load_table(path).frame.to_dict("list") == {"a": [1, 2], "b": ["x;y", "z"]}


def test_quoted_fields_with_embedded_newlines_and_delimiters(tmp_path):
    path = write_text(tmp_path / "notes.csv", 'id,note,spend\n1,"line one\nline two",10\n2,"x, y",20\n')
    loaded = load_table(path)
    assert loaded.frame.shape == (2, 3)
    assert loaded.frame["note"].tolist() == ["line one\nline two", "x, y"]


def test_ragged_rows_are_cut_and_reported(tmp_path):
    path = write_text(tmp_path / "ragged.csv", "a,b,c\n1,2,3\n4,5,6,7\n8,9,10\n11,12,13,14,15\n")
    loaded = load_table(path)
    assert loaded.frame.shape == (4, 3)
    assert loaded.frame["c"].tolist() == [3, 6, 10, 13]
    assert "2 rows had more fields than the header" in " ".join(loaded.report.problems)


def test_ragged_row_after_the_sample_is_cut_and_reported(tmp_path):
    rows = "".join(f"{number},{number * 2}\n" for number in range(SAMPLE_BYTES // 6))
    path = write_text(tmp_path / "late_ragged.csv", "a,b\n" + rows + "1,2,3\n")
    loaded = load_table(path)
    assert loaded.frame.shape == (SAMPLE_BYTES // 6 + 1, 2)
    assert "1 row had more fields than the header" in " ".join(loaded.report.problems)


def test_short_rows_are_filled_with_missing_values(tmp_path):
    path = write_text(tmp_path / "short.csv", "a,b,c\n1,2,3\n4,5\n")
    loaded = load_table(path)
    assert loaded.frame["c"].isna().tolist() == [False, True]


def test_separator_at_the_end_of_each_line_adds_no_column(tmp_path):
    path = write_text(tmp_path / "trailing.csv", "a;b;\n1;2;\n3;4;\n")
    loaded = load_table(path)
    assert list(loaded.frame.columns) == ["a", "b"]
    assert any("left out" in problem for problem in loaded.report.problems)


def test_names_are_stripped_and_blank_or_repeated_names_made_unique(tmp_path):
    path = write_text(tmp_path / "names.csv", " Income ,,Income,Age\n1,2,3,4\n5,6,7,8\n")
    loaded = load_table(path)
    assert list(loaded.frame.columns) == ["Income", "Unnamed 2", "Income (2)", "Age"]
    problems = " ".join(loaded.report.problems)
    assert "'Unnamed 2'" in problems
    assert "'Income (2)'" in problems


def test_numbers_with_stray_words_become_numbers_and_are_reported(tmp_path):
    incomes = ["100", "n/a", "250.5", "-", "300", "?", *[str(value) for value in range(400, 430)]]
    lines = "".join(f"c{number},{income}\n" for number, income in enumerate(incomes))
    path = write_text(tmp_path / "stray.csv", "Name,Income\n" + lines)
    loaded = load_table(path)
    income = loaded.frame["Income"]
    assert pd.api.types.is_float_dtype(income)
    assert income.isna().sum() == 3
    assert income.iloc[2] == 250.5
    assert summary(loaded, "Income").kind is ColumnKind.NUMERIC
    (problem,) = loaded.report.problems
    assert problem.startswith("Column 'Income' had 3 values that are not numbers (such as ")
    assert "'n/a'" in problem
    assert "treated as missing" in problem


def test_mostly_words_stay_words(tmp_path):
    path = write_text(tmp_path / "words.csv", "Plan,Spend\n1,5\nbasic,6\npremium,7\nbasic,8\n")
    loaded = load_table(path)
    assert loaded.frame["Plan"].tolist() == ["1", "basic", "premium", "basic"]
    assert loaded.report.problems == ()


def test_text_values_are_kept_unchanged(tmp_path):
    path = write_text(tmp_path / "na.csv", "Region,Spend\nNA,1\nEU,2\nNA,3\n")
    loaded = load_table(path)
    assert loaded.frame["Region"].tolist() == ["NA", "EU", "NA"]


def test_without_a_header_row_columns_are_numbered(tmp_path):
    path = write_text(tmp_path / "noheader.csv", "1,2.5,a\n2,3.5,b\n")
    loaded = load_table(path, ReadOptions(header=False))
    assert list(loaded.frame.columns) == ["Column 1", "Column 2", "Column 3"]
    assert loaded.frame.shape == (2, 3)


def test_a_file_without_a_header_row_is_recognised_and_keeps_its_first_row(tmp_path, datasets_dir):
    """CDNOW as its author published it, without the header line the lifetimes project added: its first
    purchase used to become the column names."""
    lines = (datasets_dir / "CDNOW_master.txt").read_bytes().splitlines(keepends=True)
    path = tmp_path / "CDNOW_without_header.txt"
    path.write_bytes(b"".join(lines[1:]))
    loaded = load_table(path)
    assert loaded.report.options.header is False
    assert list(loaded.frame.columns) == ["Column 1", "Column 2", "Column 3", "Column 4"]
    assert loaded.frame.shape == (69659, 4)
    assert loaded.frame.iloc[0].tolist() == ["00001", 19970101, 1, 11.77]


def test_a_header_of_names_over_numbers_is_kept(tmp_path):
    path = write_text(tmp_path / "named.csv", "Customer,Spend,2024\nAnna,1,2\nBen,3,4\n")
    loaded = load_table(path)
    assert loaded.report.options.header is True
    assert list(loaded.frame.columns) == ["Customer", "Spend", "2024"]
    words_only = write_text(tmp_path / "words.csv", "Name,Region\nAnna,North\nBen,South\n")
    assert list(load_table(words_only).frame.columns) == ["Name", "Region"]


def test_an_excel_sheet_without_a_header_row_is_recognised(tmp_path):
    path = tmp_path / "noheader.xlsx"
    rows = [["A1", 3, 10.5], ["B2", 4, 12.0], ["A1", 5, 8.25]]
    pd.DataFrame(rows).to_excel(path, header=False, index=False)
    loaded = load_table(path)
    assert list(loaded.frame.columns) == ["Column 1", "Column 2", "Column 3"]
    assert loaded.frame["Column 2"].tolist() == [3, 4, 5]


def test_given_options_override_detection(tmp_path):
    path = write_text(tmp_path / "forced.csv", "a;b,c\n1;2,3\n")
    loaded = load_table(path, ReadOptions(delimiter=";", decimal="."))
    assert list(loaded.frame.columns) == ["a", "b,c"]


def test_a_single_column_file_loads(tmp_path):
    path = write_text(tmp_path / "one.csv", "spend\n1\n2\n3\n")
    assert load_table(path).frame["spend"].tolist() == [1, 2, 3]


# --- Excel --------------------------------------------------------------------------------------------------


@pytest.fixture
def workbook(tmp_path) -> Path:
    path = tmp_path / "customers.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        pd.DataFrame({"Notes": ["not the customers"]}).to_excel(writer, sheet_name="Read me", index=False)
        customers = pd.DataFrame({
            "CustomerID": ["00001", "00002", "00003"],
            "Gender": ["F", "M", "F"],
            "Spend": [10.5, 20.0, 30.25],
        })
        customers.to_excel(writer, sheet_name="Customers", index=False)
    return path


def test_excel_named_sheet_and_sheet_names(workbook):
    loaded = load_table(workbook, ReadOptions(sheet="Customers"))
    assert loaded.report.file_format == "excel"
    assert loaded.report.sheet_names == ("Read me", "Customers")
    assert loaded.report.options.sheet == "Customers"
    assert loaded.frame.shape == (3, 3)
    assert loaded.frame["CustomerID"].tolist() == ["00001", "00002", "00003"]
    assert loaded.frame["Spend"].tolist() == [10.5, 20.0, 30.25]
    assert kinds(loaded)["CustomerID"] is ColumnKind.IDENTIFIER


def test_excel_first_sheet_by_default(workbook):
    loaded = load_table(workbook)
    assert loaded.report.options.sheet == "Read me"
    assert list(loaded.frame.columns) == ["Notes"]


def test_excel_preview_rows(workbook):
    assert load_table(workbook, ReadOptions(sheet=1), max_rows=2).frame.shape == (2, 3)


def test_excel_unknown_sheet_names_the_sheets(workbook):
    with pytest.raises(InputFileError, match="'Read me', 'Customers'"):
        load_table(workbook, ReadOptions(sheet="Sheet9"))


def test_excel_named_csv_is_read_as_excel(workbook, tmp_path):
    renamed = tmp_path / "really_excel.csv"
    renamed.write_bytes(workbook.read_bytes())
    loaded = load_table(renamed, ReadOptions(sheet="Customers"))
    assert loaded.report.file_format == "excel"
    assert loaded.frame.shape == (3, 3)
    assert "Excel workbook" in loaded.report.problems[0]


def test_csv_named_xlsx_is_read_as_text(tmp_path):
    path = write_text(tmp_path / "really_text.xlsx", "a,b\n1,2\n3,4\n")
    loaded = load_table(path)
    assert loaded.report.file_format == "text"
    assert loaded.frame.shape == (2, 2)
    assert "plain text" in loaded.report.problems[0]


def test_excel_duplicate_and_blank_headers(tmp_path):
    path = tmp_path / "dupes.xlsx"
    pd.DataFrame([["Income", None, "Income"], [1, 2, 3], [4, 5, 6]]).to_excel(path, header=False, index=False)
    loaded = load_table(path)
    assert list(loaded.frame.columns) == ["Income", "Unnamed 2", "Income (2)"]
    assert loaded.frame["Income (2)"].tolist() == [3, 6]


def test_damaged_workbook(workbook, tmp_path):
    damaged = tmp_path / "damaged.xlsx"
    damaged.write_bytes(workbook.read_bytes()[:400])
    with pytest.raises(InputFileError, match="damaged"):
        load_table(damaged)


def test_password_protected_workbook(tmp_path):
    # Encrypted .xlsx files are OLE2 compound files holding an "EncryptedPackage" stream.
    path = tmp_path / "secret.xlsx"
    ole2_magic = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    path.write_bytes(ole2_magic + bytes(504) + "EncryptedPackage".encode("utf-16-le"))
    with pytest.raises(InputFileError, match="password"):
        load_table(path)


def test_old_excel_xls_asks_to_save_as_xlsx(tmp_path):
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024))
    with pytest.raises(InputFileError, match=r"old.xls.*\.xlsx"):
        load_table(path)


# --- Bad input ----------------------------------------------------------------------------------------------


def test_missing_file(tmp_path):
    with pytest.raises(InputFileError, match=r"nothere\.csv' does not exist"):
        load_table(tmp_path / "nothere.csv")


def test_folder(tmp_path):
    with pytest.raises(InputFileError, match="is a folder"):
        load_table(tmp_path)


@pytest.mark.parametrize("content", [b"", b"\n\r\n  \n", codecs.BOM_UTF8])
def test_empty_file(tmp_path, content):
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    with pytest.raises(InputFileError, match=r"empty\.csv.*empty"):
        load_table(path)


def test_header_only(tmp_path):
    path = write_text(tmp_path / "header.csv", "CustomerID,Age,Income\n")
    with pytest.raises(InputFileError, match=r"header\.csv.*no customer rows"):
        load_table(path)


def test_binary_garbage(tmp_path):
    path = tmp_path / "garbage.csv"
    path.write_bytes(np.random.default_rng(1).integers(0, 256, 5000, dtype=np.uint8).tobytes())
    with pytest.raises(InputFileError, match=r"garbage\.csv.*binary"):
        load_table(path)


@pytest.mark.parametrize(("name", "what"), [("data.json", "JSON"), ("report.pdf", "PDF")])
def test_unsupported_types(tmp_path, name, what):
    path = write_text(tmp_path / name, '{"a": 1}\n')
    with pytest.raises(InputFileError, match=what):
        load_table(path)


def test_open_document_spreadsheet(tmp_path):
    import zipfile

    path = tmp_path / "sheet.ods"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    with pytest.raises(InputFileError, match=r"OpenDocument.*xlsx or CSV"):
        load_table(path)


def test_quote_never_closed(tmp_path):
    path = write_text(tmp_path / "quote.csv", 'a,b\n1,"open\n2,3\n')
    with pytest.raises(InputFileError, match=r"quote\.csv"):
        load_table(path)


# --- Never writes, progress and cancel ---------------------------------------------------------------------


def test_loading_never_modifies_the_input_files(tmp_path, workbook, datasets_dir):
    ragged = write_text(tmp_path / "ragged.csv", "a,b\n1,2,3\n4,5\n")
    files = [workbook, ragged, datasets_dir / "marketing_campaign.csv"]

    def fingerprints():
        return {path: (hashlib.sha256(path.read_bytes()).digest(), path.stat().st_mtime_ns) for path in files}

    before = fingerprints()
    for path in files:
        load_table(path)
        detect_options(path)
    after = fingerprints()
    assert after == before
    assert sorted(item.name for item in tmp_path.iterdir()) == ["customers.xlsx", "ragged.csv"]


def test_progress_goes_from_start_to_end(datasets_dir):
    seen = []
    load_table(datasets_dir / "Mall_Customers.csv", progress=lambda fraction, message: seen.append(fraction))
    assert seen[0] == 0.0
    assert seen[-1] == 1.0
    assert seen == sorted(seen)


def test_cancel_before_reading(datasets_dir):
    with pytest.raises(OperationCancelled):
        load_table(datasets_dir / "Mall_Customers.csv", cancel=lambda: True)


def test_cancel_during_reading_stops_after_the_read(datasets_dir):
    checks = []

    def cancel_after_first_check():
        checks.append(None)
        return len(checks) > 1

    with pytest.raises(OperationCancelled):
        load_table(datasets_dir / "CDNOW_master.txt", cancel=cancel_after_first_check)
    assert len(checks) == 2


# --- Size (speed is measured by `make bench`, not here) ---------------------------------------------------


@pytest.mark.slow
def test_a_million_rows_load_whole_with_the_right_kinds(tmp_path):
    rows = 1_000_000
    rng = np.random.default_rng(0)
    path = tmp_path / "big.csv"
    pd.DataFrame({
        "CustomerID": np.arange(1, rows + 1),
        "Gender": rng.choice(["Female", "Male"], rows),
        "Age": rng.integers(18, 80, rows),
        "Income": rng.normal(50_000, 15_000, rows).round(2),
        "Spend": rng.gamma(2, 300, rows).round(2),
        "Visits": rng.integers(0, 50, rows),
    }).to_csv(path, index=False)

    table = load_table(path)

    assert table.frame.shape == (rows, 6)
    kinds = {column.name: column.kind for column in table.report.columns}
    assert kinds == {
        "CustomerID": ColumnKind.IDENTIFIER,
        "Gender": ColumnKind.CATEGORICAL,
        "Age": ColumnKind.NUMERIC,
        "Income": ColumnKind.NUMERIC,
        "Spend": ColumnKind.NUMERIC,
        "Visits": ColumnKind.NUMERIC,
    }
    assert table.report.problems == ()
