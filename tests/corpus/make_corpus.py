"""A corpus of bad and awkward customer files, generated on demand (nothing large is committed).

Every case is a file name and the exact bytes a user might hand the app: exports from tills, CRMs and
spreadsheets in odd encodings and layouts, damaged files and files that are not tables at all. Tests call
`write_corpus(folder)`; `write_large_file` makes the multi-megabyte file separately because it is slow.

Run it as a script to look at the files: `python -m tests.corpus.make_corpus OUTPUT_FOLDER`.

The password-protected workbook is a stand-in: Excel encrypts an .xlsx by wrapping it in an OLE2 compound
file, so a file that starts with the OLE2 signature (D0 CF 11 E0 A1 B1 1A E1) and carries the
"EncryptedPackage" stream name, but is named .xlsx, is what the loader sees from a real one.
"""

import io
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20240605
CUSTOMERS = 60
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
LARGE_FILE_BYTES = 50 * 1024 * 1024


def customers(rows: int = CUSTOMERS, seed: int = SEED) -> pd.DataFrame:
    """A small, plausible customer table with three clear spending groups."""
    generator = np.random.default_rng(seed)
    group = generator.integers(0, 3, rows)
    return pd.DataFrame(
        {
            "CustomerID": np.arange(1, rows + 1),
            "Age": generator.integers(18, 80, rows),
            "Income": np.round(
                np.array([25_000.0, 55_000.0, 110_000.0])[group] + generator.normal(0, 4000, rows), 2
            ),
            "Spending": np.round(np.array([80.0, 40.0, 15.0])[group] + generator.normal(0, 5, rows), 1),
            "Region": generator.choice(["North", "South", "East", "West"], rows),
        }
    )


def csv_text(frame: pd.DataFrame, **options) -> str:
    return frame.to_csv(index=False, lineterminator="\n", **options)


def _plain() -> bytes:
    return csv_text(customers()).encode()


def _excel_bytes() -> bytes:
    buffer = io.BytesIO()
    customers().to_excel(buffer, index=False, engine="openpyxl")
    return buffer.getvalue()


def _encrypted_stand_in() -> bytes:
    header = OLE2_SIGNATURE + bytes(504)
    directory = "Root Entry".encode("utf-16-le").ljust(128, b"\0") + "EncryptedPackage".encode("utf-16-le")
    return (header + directory).ljust(4096, b"\0")


def _windows_1252() -> bytes:
    frame = customers().rename(
        columns={
            "CustomerID": "Nº client",
            "Age": "Âge",
            "Income": "Revenu (€)",
            "Spending": "Dépenses",
            "Region": "Région",
        }
    )
    frame["Région"] = frame["Région"].map(
        {"North": "Île-de-France", "South": "Provence", "East": "Alsace", "West": "Bretagne"}
    )
    return csv_text(frame, sep=";", decimal=",").encode("cp1252")


def _thousands_separators() -> bytes:
    frame = customers()
    frame["Income"] = frame["Income"].map(lambda value: f"{value:,.2f}")
    return csv_text(frame).encode()  # "55,123.40" is quoted because it holds the delimiter


def _quoted_line_breaks() -> bytes:
    frame = customers()
    frame["Address"] = [f"{number} High Street\nFlat {number % 7}\r\nTown" for number in range(len(frame))]
    return csv_text(frame).encode()


def _ragged_rows() -> bytes:
    lines = _plain().decode().splitlines()
    for number in (3, 10, 20):
        lines[number] += ",extra,fields"
    for number in (5, 15):
        lines[number] = ",".join(lines[number].split(",")[:3])  # a short row: the rest is missing
    return ("\n".join(lines) + "\n").encode()


def _duplicate_and_blank_names() -> bytes:
    body = csv_text(
        customers()[["CustomerID", "Age", "Income", "Spending", "Spending", "Region"]].set_axis(
            range(6), axis=1
        )
    ).split("\n", 1)[1]
    return ("CustomerID,Age,,Spending,Spending,Region\n" + body).encode()


def _with_column(name: str, values) -> Callable[[], bytes]:
    def build() -> bytes:
        frame = customers()
        frame[name] = values(len(frame))
        return csv_text(frame).encode()

    return build


def _words_in_numbers() -> bytes:
    frame = customers().astype({"Income": "object"})
    frame.loc[[2, 9, 30], "Income"] = ["n/a", "-", "unknown"]
    return csv_text(frame).encode()


def _infinity() -> bytes:
    frame = customers().astype({"Income": "object"})
    frame.loc[4, "Income"] = "inf"
    return csv_text(frame).encode()


def _huge_numbers() -> bytes:
    frame = customers()
    frame.loc[4, "Income"] = 1e308
    frame.loc[5, "Income"] = -1e308
    return csv_text(frame).encode()


def _negative_incomes() -> bytes:
    frame = customers()
    frame.loc[::7, "Income"] *= -1  # refunds and debts, as tills export them
    return csv_text(frame).encode()


def _duplicate_ids() -> bytes:
    frame = customers()
    frame.loc[10:14, "CustomerID"] = [3, 3, 4, 5, 5]
    return csv_text(frame).encode()


def _wide() -> bytes:
    generator = np.random.default_rng(SEED)
    values = generator.normal(50, 10, (40, 1000)).round(2)
    frame = pd.DataFrame(values, columns=[f"Measure {number}" for number in range(1, 1001)])
    frame.insert(0, "CustomerID", np.arange(1, 41))
    return csv_text(frame).encode()


def _few_distinct_customers() -> bytes:
    frame = customers(8)[["CustomerID", "Age", "Income"]]
    frame[["Age", "Income"]] = [[30, 20_000.0]] * 4 + [[60, 90_000.0]] * 4  # only two different customers
    return csv_text(frame).encode()


def _mostly_missing() -> bytes:
    frame = customers(12).astype({"Income": "float64"})
    frame.loc[3:, "Income"] = np.nan  # 3 complete customers left after dropping the gaps
    return csv_text(frame).encode()


@dataclass(frozen=True)
class Case:
    file_name: str
    build: Callable[[], bytes]
    what: str


CASES: dict[str, Case] = {
    "empty": Case("customers.csv", lambda: b"", "an empty file"),
    "header_only": Case(
        "customers.csv", lambda: b"CustomerID,Age,Income,Spending\n", "column names, no rows"
    ),
    "single_row": Case("customers.csv", lambda: b"CustomerID,Age,Income\n1,34,52000\n", "one customer"),
    "binary_garbage": Case(
        "customers.csv", lambda: np.random.default_rng(SEED).bytes(8192), "random bytes named .csv"
    ),
    "csv_named_xlsx": Case("customers.xlsx", _plain, "a CSV file named .xlsx"),
    "xlsx_named_csv": Case("customers.csv", _excel_bytes, "an Excel workbook named .csv"),
    "corrupt_xlsx": Case("customers.xlsx", lambda: _excel_bytes()[:1500], "a workbook cut short"),
    "encrypted_xlsx": Case("customers.xlsx", _encrypted_stand_in, "a password-protected workbook (stand-in)"),
    "utf16": Case(
        "customers.csv", lambda: csv_text(customers(), sep="\t").encode("utf-16"), "UTF-16 with BOM"
    ),
    "windows_1252": Case("clients.csv", _windows_1252, "Windows-1252, accented names, ; and decimal commas"),
    "utf8_bom": Case("customers.csv", lambda: csv_text(customers()).encode("utf-8-sig"), "UTF-8 with a BOM"),
    "semicolon_decimal_comma": Case(
        "customers.csv", lambda: csv_text(customers(), sep=";", decimal=",").encode(), "; and decimal commas"
    ),
    "thousands_separators": Case("customers.csv", _thousands_separators, 'quoted "55,123.40" incomes'),
    "quoted_line_breaks": Case("customers.csv", _quoted_line_breaks, "addresses with line breaks in quotes"),
    "ragged_rows": Case("customers.csv", _ragged_rows, "rows longer and shorter than the header"),
    "duplicate_blank_names": Case("customers.csv", _duplicate_and_blank_names, "a blank and a repeated name"),
    "all_missing_column": Case(
        "customers.csv", _with_column("Loyalty", lambda rows: [np.nan] * rows), "an empty column"
    ),
    "constant_column": Case(
        "customers.csv", _with_column("Country", lambda rows: ["UK"] * rows), "one value"
    ),
    "words_in_numbers": Case("customers.csv", _words_in_numbers, "n/a, - and unknown among incomes"),
    "infinity": Case("customers.csv", _infinity, "an 'inf' income"),
    "huge_numbers": Case("customers.csv", _huge_numbers, "incomes of 1e308 and -1e308"),
    "negative_incomes": Case("customers.csv", _negative_incomes, "some negative incomes"),
    "duplicate_ids": Case("customers.csv", _duplicate_ids, "customer numbers that repeat"),
    "wide": Case("customers.csv", _wide, "1,001 columns"),
    "few_distinct_customers": Case("customers.csv", _few_distinct_customers, "8 rows, 2 distinct customers"),
    "mostly_missing": Case("customers.csv", _mostly_missing, "3 complete rows of 12"),
}


def write_case(folder: Path, name: str) -> Path:
    """Write one case into its own sub-folder (several cases share a file name) and return its path."""
    case = CASES[name]
    path = Path(folder) / name / case.file_name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(case.build())
    return path


def write_corpus(folder: Path) -> dict[str, Path]:
    return {name: write_case(folder, name) for name in CASES}


def write_large_file(path: Path, minimum_bytes: int = LARGE_FILE_BYTES) -> Path:
    """A plain customer CSV of at least `minimum_bytes`, built by repeating a generated block (fast)."""
    block = customers(20_000)
    block["Notes"] = "Prefers email; visits on weekends"
    header, body = csv_text(block).split("\n", 1)
    repeats = -(-minimum_bytes // len(body.encode()))
    with Path(path).open("w", encoding="utf-8", newline="") as handle:
        handle.write(header + "\n")
        for _ in range(repeats):
            handle.write(body)
    return Path(path)


if __name__ == "__main__":
    output = Path(sys.argv[1] if len(sys.argv) > 1 else "corpus")
    for name, written in write_corpus(output).items():
        print(f"{name:26} {written}")
    print(f"{'large':26} {write_large_file(output / 'large.csv')}")
