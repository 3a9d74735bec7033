"""Reading customer files: CSV/TSV/TXT in any common dialect, and Excel workbooks.

Text files are sniffed from their first 64 KB (encoding, delimiter, decimal mark, thousands mark, which
columns are zero-padded codes) and then read in one pass by pandas' C parser, so loading costs about what
a plain `pandas.read_csv` costs. Whether a file is Excel is decided by its content (zip magic), not its
name. Values are kept as they are, with two exceptions that are reported as problems: columns of
numbers with a few stray words ("n/a", "-") become numbers with those cells missing, and rows with more
fields than the header are cut to the header's length. Columns of zero-padded codes ("00001") are read
as text so that they keep their zeros; other integer identifiers stay integers. Only empty cells are
missing in text columns: words such as "NA" stay as they are (they may be a region code). Columns of
words from text files are pandas categories (text values, each distinct word stored once). A file whose
first row holds values like the rest (a number over every column of numbers) has no header row: its
columns are called "Column 1", "Column 2", ... and its first row is a customer like the others.
"""

import codecs
import csv
import io
import os
import re
import warnings
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from xml.etree.ElementTree import ParseError

import numpy as np
import pandas as pd

from core.columns import ColumnSummary, summarize_columns
from core.errors import InputFileError
from core.progress import CancelCheck, ProgressCallback, raise_if_cancelled, report

WHITESPACE = "whitespace"  # the delimiter value meaning "runs of spaces or tabs"


@dataclass(frozen=True)
class ReadOptions:
    """How to read a text file. `None` means "detect it"; a loaded table's report holds the resolved
    values."""

    delimiter: str | None = None  # ",", ";", "\t", "|", or WHITESPACE
    encoding: str | None = None  # "utf-8", "utf-8-sig", "utf-16", "cp1252", ...
    decimal: str | None = None  # "." or ","
    thousands: str | None = None  # None, ",", ".", " ", "'" or a no-break space
    # The first row holds the column names; None = decide from the file (see `first_row_is_header`).
    header: bool | None = None
    sheet: str | int | None = None  # Excel only: a sheet name or 0-based position; None = first sheet


@dataclass(frozen=True)
class LoadReport:
    path: str
    file_format: str  # "text" or "excel"
    options: ReadOptions  # what was used, with every detected value filled in
    rows: int
    columns: tuple[ColumnSummary, ...]
    # Problems found and what was done about them, in plain words ("3 rows had more fields than the header").
    problems: tuple[str, ...] = field(default_factory=tuple)
    sheet_names: tuple[str, ...] = field(default_factory=tuple)  # Excel only
    # For a table derived from the file rather than read as it is (customers summarised from an order
    # history, core.orders): where it came from, in one line. Empty for a table read as it is.
    built_from: str = ""


@dataclass(frozen=True)
class LoadedTable:
    frame: pd.DataFrame
    report: LoadReport


SAMPLE_BYTES = 64 * 1024
SNIFF_ROWS = 300  # rows of the sample used to judge the dialect: plenty, and sniffing stays a few ms
# A column of numbers may hold this share of stray words ("n/a", "-") before it counts as text.
MIN_NUMERIC_SHARE = 0.9
DELIMITERS = (",", ";", "\t", "|")
FALLBACK_ENCODINGS = {"utf-8": "cp1252", "cp1252": "latin-1"}

_ZIP_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls, and password-protected .xlsx
_ENCRYPTED_MARK = "EncryptedPackage".encode("utf-16-le")
_EXCEL_EXTENSIONS = (".xlsx", ".xlsm")
# What zipfile and the XML parser raise for a damaged workbook (a bad zip, bad compressed data, bad XML);
# openpyxl's own InvalidFileException joins them in `_read_excel` (openpyxl is imported only for Excel
# files: it costs a quarter of pandas' import time when a CSV is opened).
_DAMAGED_WORKBOOK_ERRORS = (
    zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ParseError, KeyError, ValueError,
    TypeError, OSError,
)
_SUPPORTED = "Segment Studio reads CSV, TSV or TXT tables and Excel .xlsx workbooks"
_NOT_TABLE_EXTENSIONS = {
    ".pdf": "a PDF document", ".doc": "a Word document", ".docx": "a Word document",
    ".json": "a JSON file", ".xml": "an XML file", ".html": "a web page", ".htm": "a web page",
    ".ods": "an OpenDocument spreadsheet", ".numbers": "an Apple Numbers spreadsheet",
    ".parquet": "a Parquet file", ".sav": "an SPSS file", ".dta": "a Stata file",
    ".zip": "a zip archive", ".gz": "a compressed file", ".db": "a database", ".sqlite": "a database",
}
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13)) + b"\x7f"
# How numbers look with each decimal mark, in the first 64 KB.
_THOUSANDS_MARKS = (",", ".", " ", "'", "\u00a0", "\u202f")  # the last two: French (narrow) no-break space
_DECIMAL_COMMA = re.compile(r"^[-+]?(\d{1,3}([. '\u00a0\u202f]\d{3})+|\d+),\d+$")
_DECIMAL_POINT = re.compile(r"^[-+]?(\d{1,3}([, '\u00a0\u202f]\d{3})+|\d+)\.\d+$")
_THREE_AFTER_MARK = re.compile(r"^[-+]?\d{1,3}[.,]\d{3}$")  # "1.234": thousands or decimal, cannot tell
_GROUPED = {
    mark: re.compile(rf"^[-+]?\d{{1,3}}({re.escape(mark)}\d{{3}})+([.,]\d+)?$")
    for mark in _THOUSANDS_MARKS
}
_ZERO_PADDED = re.compile(r"^0\d+$")
# A number as it may be written in any dialect ("1,234.50", "-3", "0,5"): enough to tell values from names.
_LOOSE_NUMBER = re.compile(r"^[-+]?\d[\d.,' \u00a0\u202f]*$")
_REWRITE_DELIMITER = "\x1f"  # ASCII unit separator: never part of a customer table
_PARSER_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


# Memory a full load takes per byte of the file (parsed columns, text, summaries), measured on CSV exports
# with a pandas frame of about 1-2x the file; Excel's compressed XML unpacks to far more than it occupies.
MEMORY_PER_FILE_BYTE = {"text": 3, "excel": 30}


def available_memory_bytes() -> int | None:
    """Memory free for new work, or None where the system does not say (then no limit is checked)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):  # Windows has no sysconf
        return None


def _size_text(size: int) -> str:
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} bytes"


def _check_memory(path: Path, file_format: str) -> None:
    """Refuse a file that cannot fit in memory before reading it, instead of letting the computer freeze
    half-way or the program be killed."""
    size = path.stat().st_size
    needed = size * MEMORY_PER_FILE_BYTE[file_format]
    available = available_memory_bytes()
    if available is not None and needed > available:
        raise _fail(path, f"it is {_size_text(size)} and reading it needs about {_size_text(needed)} of "
                    f"memory, but this computer has {_size_text(available)} free. Split the file into "
                    "smaller parts or choose fewer columns (remove the ones you do not need), or close "
                    "other programs.")


def _fail(path: Path, message: str) -> InputFileError:
    return InputFileError(f"Cannot open '{path.name}': {message}")


def _check_path(path: Path) -> None:
    if not path.exists():
        raise InputFileError(
            f"The file '{path}' does not exist. Check the name and folder, then choose it again."
        )
    if path.is_dir():
        raise InputFileError(f"'{path}' is a folder, not a file. Choose a CSV, TXT or Excel file inside it.")


def _read_head(path: Path) -> tuple[bytes, bool]:
    """The first SAMPLE_BYTES of the file, and whether that is the whole file."""
    try:
        with path.open("rb") as handle:
            head = handle.read(SAMPLE_BYTES + 1)
    except OSError as error:
        raise _fail(path, f"the file could not be read ({error.strerror}). Check that it is not open "
                    "in another program and that you may read it.") from error
    if not head.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise _fail(path, "the file is empty. Export the customer table again and choose the new file.")
    return head[:SAMPLE_BYTES], len(head) <= SAMPLE_BYTES


def _is_excel_content(path: Path, head: bytes) -> bool:
    """True for an .xlsx workbook; raises for other spreadsheet or binary formats we cannot read."""
    if head.startswith(_ZIP_MAGIC):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError) as error:
            raise _fail(path, "it looks like an Excel workbook but it is damaged. Open it in Excel and save "
                        "it again as .xlsx, or export it as CSV.") from error
        if "xl/workbook.xml" in names:
            return True
        if "xl/workbook.bin" in names:
            what = "an Excel binary workbook (.xlsb)"
        elif "content.xml" in names:
            what = "an OpenDocument spreadsheet"
        else:
            what = "a zip archive, not a table"
        raise _fail(path, f"it is {what}. {_SUPPORTED}: save it as .xlsx or CSV.")
    if head.startswith(_OLE2_MAGIC):
        # Excel keeps the .xlsx name when it encrypts a workbook into this older container.
        if _ENCRYPTED_MARK in head or path.suffix.lower() in _EXCEL_EXTENSIONS:
            raise _fail(path, "the Excel workbook is protected by a password. Open it in Excel, remove the "
                        "password (File > Info > Protect Workbook) and save it, or export it as CSV.")
        raise _fail(path, "it is an old-style Excel workbook (.xls). Open it in Excel and save it as .xlsx "
                    "(Excel Workbook) or CSV, then choose the new file.")
    return False


def _detect_encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    even, odd = head[0::2], head[1::2]
    # UTF-16 without a byte-order mark: ASCII text leaves every other byte zero.
    if len(head) >= 4 and odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if len(head) >= 4 and even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        # Bytes Windows-1252 leaves undefined: Latin-1 reads every byte.
        return "latin-1" if any(byte in head for byte in b"\x81\x8d\x8f\x90\x9d") else "cp1252"
    return "utf-8"


def _decode_sample(path: Path, head: bytes, complete: bool, encoding: str) -> str:
    control_bytes = sum(head.count(byte) for byte in _CONTROL_BYTES)
    if not encoding.startswith(("utf-16", "utf-32")) and control_bytes > max(1, len(head) // 100):
        raise _fail(path, f"it is not a text table (it holds binary data). {_SUPPORTED}.")
    try:
        text = codecs.getincrementaldecoder(encoding)().decode(head, final=complete)
    except (UnicodeDecodeError, LookupError) as error:
        raise _fail(path, f"its text could not be read with the encoding '{encoding}'. Choose another "
                    "encoding, or save the file as 'CSV UTF-8'.") from error
    if "\x00" in text:
        raise _fail(path, f"it is not a text table (it holds binary data). {_SUPPORTED}.")
    text = text.lstrip("\ufeff")
    # The last line of a cut sample is incomplete: drop it.
    return text if complete else text[: max(text.rfind("\n"), text.rfind("\r"), 0)]


def _records(text: str, delimiter: str) -> list[list[str]]:
    """The sample's non-blank rows split into fields, honouring quotes (at most SNIFF_ROWS rows)."""
    if delimiter == WHITESPACE:
        # newline=None: lines may also end in "\r" alone (old Mac exports).
        lines = io.StringIO(text.replace("\t", " "), newline=None)
        reader = csv.reader(lines, delimiter=" ", skipinitialspace=True)
        rows = ([value for value in row if value] for row in reader)
    else:
        rows = csv.reader(io.StringIO(text, newline=None), delimiter=delimiter)
    records = []
    try:
        for row in rows:
            if any(value.strip() for value in row):
                records.append(row)
            if len(records) == SNIFF_ROWS:
                break
    except csv.Error:
        pass  # a quote left open at the sample's end: the rows before it are enough to judge by
    return records


def _consistency(records: list[list[str]]) -> float:
    """Share of rows with as many fields as the header; 0 when the header has a single field."""
    if len(records) == 0 or len(records[0]) < 2:
        return 0.0
    width = len(records[0])
    return sum(len(row) == width for row in records) / len(records)


def _detect_delimiter(text: str) -> str:
    scores = {delimiter: _consistency(_records(text, delimiter)) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda delimiter: scores[delimiter])
    if scores[best] >= 0.9:
        return best
    whitespace_score = _consistency(_records(text, WHITESPACE))
    if whitespace_score > scores[best]:
        return WHITESPACE
    if scores[best] > 0:
        return best
    # A single column: any separator that never occurs keeps each line whole (a comma may be a decimal).
    return next((delimiter for delimiter in DELIMITERS if delimiter not in text), ",")


def _detect_number_marks(values: list[str], delimiter: str) -> tuple[str, str | None]:
    """(decimal mark, thousands mark) from how the sample's numbers are written (fields already split,
    so a quoted "1,234.50" in a comma file is seen whole). Each different value is looked at once, with
    its count: a sample's values repeat (the digits' 19,000 are 17 different ones)."""
    counts = Counter(values)
    ambiguous = {value for value in counts if _THREE_AFTER_MARK.match(value)}
    clear = [(value, count) for value, count in counts.items() if value not in ambiguous]
    comma = sum(count for value, count in clear if _DECIMAL_COMMA.match(value))
    point = sum(count for value, count in clear if _DECIMAL_POINT.match(value))
    decimal_seen = max(comma, point) > 0
    # Semicolons separate fields where the comma is the decimal mark: "1,234" there is most likely 1.234.
    if not decimal_seen and delimiter == ";":
        comma = sum(counts[value] for value in ambiguous if "," in value)
    decimal = "," if comma > point else "."
    for mark in _THOUSANDS_MARKS:
        if mark == decimal or (mark in " \u00a0\u202f" and delimiter == WHITESPACE):
            continue
        grouped = [value for value in counts if _GROUPED[mark].match(value)]
        # "1.234" alone could be a decimal; it is a group mark when there are two groups, a decimal part
        # after it, or when the other mark is known to be the decimal one.
        if grouped and (decimal_seen or any(value.count(mark) > 1 or decimal in value for value in grouped)):
            return decimal, mark
    return decimal, None


def first_row_is_header(rows: Sequence[Sequence[object]], is_number: Callable[[object], bool]) -> bool:
    """Whether the first of `rows` names the columns rather than holding a customer's values.

    Column names are words: a file whose first row has a number over every column of numbers (CDNOW as
    its author published it: ` 00001 19970101  1   11.77`) has no header row. A file of text columns
    only cannot tell, and keeps the usual header."""
    if len(rows) < 2:
        return True
    first, rest = rows[0], rows[1:]
    numeric_positions = []
    for position in range(len(first)):
        values = Counter(row[position] for row in rest if len(row) > position)
        present = {value: count for value, count in values.items() if not _is_blank(value)}
        numbers = sum(count for value, count in present.items() if is_number(value))
        if present and numbers >= MIN_NUMERIC_SHARE * sum(present.values()):
            numeric_positions.append(position)
    if not numeric_positions:
        return True
    return not all(is_number(first[position]) for position in numeric_positions)


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value) or str(value).strip() == ""


def _is_number_text(value: object) -> bool:
    return _LOOSE_NUMBER.match(str(value).strip()) is not None


def _is_number_cell(value: object) -> bool:
    """An Excel cell holding a number (a date cell is a value too, never a column name)."""
    return isinstance(value, (int, float, np.number, datetime)) and not isinstance(value, bool)


def _sniff_text(path: Path, head: bytes, complete: bool, given: ReadOptions) -> tuple[ReadOptions, str]:
    """The resolved options and the decoded sample."""
    encoding = given.encoding or _detect_encoding(head)
    text = _decode_sample(path, head, complete, encoding)
    delimiter = given.delimiter or _detect_delimiter(text)
    header = given.header
    if header is None:
        header = first_row_is_header(_records(text, delimiter), _is_number_text)
    decimal, thousands = given.decimal, given.thousands
    if decimal is None:
        records = _records(text, delimiter)
        values = [value.strip() for row in records[1 if header else 0 :] for value in row]
        decimal, detected_thousands = _detect_number_marks(values, delimiter)
        thousands = thousands if given.thousands is not None else detected_thousands
    resolved = replace(
        given, encoding=encoding, delimiter=delimiter, header=header, decimal=decimal, thousands=thousands
    )
    return resolved, text


def detect_options(path: str | Path) -> ReadOptions:
    """Sniff a file's dialect without loading it all (used by the import preview)."""
    path = Path(path)
    _check_path(path)
    head, complete = _read_head(path)
    if _is_excel_content(path, head):
        return ReadOptions(header=True, sheet=0)
    return _sniff_text(path, head, complete, ReadOptions())[0]


@dataclass(frozen=True)
class _Rename:
    position: int  # 1-based
    original: str
    name: str


def _unique_names(raw: list[str]) -> tuple[list[str], list[_Rename]]:
    """Names stripped of surrounding spaces, blanks named "Unnamed 3", repeats "Income (2)"."""
    stripped = [str(name).strip() for name in raw]
    taken = set(stripped)
    names, renames, seen = [], [], set()
    for position, name in enumerate(stripped, start=1):
        unique = name
        if not name:
            unique = f"Unnamed {position}"
            while unique in taken:
                unique += "_"
        elif name in seen:
            copy = 2
            while f"{name} ({copy})" in taken:
                copy += 1
            unique = f"{name} ({copy})"
        if unique != name:
            renames.append(_Rename(position, name, unique))
        names.append(unique)
        seen.add(name)
        taken.add(unique)
    return names, renames


def _rename_problems(frame: pd.DataFrame, renames: list[_Rename]) -> list[str]:
    """Report renamed columns; drop those without a name or values (a separator at the end of each line)."""
    problems = []
    for rename in renames:
        if not rename.original and frame[rename.name].isna().all():
            del frame[rename.name]
            problems.append(f"Column {rename.position} had no name and no values (a separator at the end of "
                            "each line); it was left out.")
        elif not rename.original:
            problems.append(f"Column {rename.position} had no name; it is called '{rename.name}'.")
        else:
            problems.append(f"More than one column was called '{rename.original}'; column {rename.position} "
                            f"is called '{rename.name}'.")
    return problems


@dataclass
class _RawTable:
    """A table as read, before columns are checked."""

    frame: pd.DataFrame
    options: ReadOptions
    problems: list[str]
    renames: list[_Rename]
    code_columns: list[str] = field(default_factory=list)  # zero-padded codes read as text on purpose
    sheet_names: tuple[str, ...] = ()


def _text_read_arguments(
    options: ReadOptions, names: list[str], code_columns: list[str], label_columns: list[str]
) -> dict:
    delimiter = r"\s+" if options.delimiter == WHITESPACE else options.delimiter
    return {
        "sep": delimiter,
        "decimal": options.decimal,
        "thousands": options.thousands,
        "header": 0 if options.header else None,
        "names": names,
        "index_col": False,
        "dtype": dict.fromkeys(code_columns, "str") | dict.fromkeys(label_columns, "category"),
        # Only empty cells are missing here; words like "n/a" are handled (and reported) per column.
        "keep_default_na": False,
        "na_values": [""],
        "engine": "c",
    }


def _read_ragged(
    path: Path, options: ReadOptions, arguments: dict, max_rows: int | None
) -> tuple[pd.DataFrame, str]:
    """Reread a file whose rows have more fields than the header, cutting each row to the header's length.

    The rows are rewritten into memory and parsed by the same pandas call, so types come out as usual."""
    width = len(arguments["names"])
    limit = None if max_rows is None else max_rows + int(options.header)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=_REWRITE_DELIMITER, lineterminator="\n")
    long_rows = 0
    try:
        with path.open("r", encoding=options.encoding, newline="") as handle:
            if options.delimiter == WHITESPACE:
                rows = (line.split() for line in handle)
            else:
                rows = csv.reader(handle, delimiter=options.delimiter)
            for number, row in enumerate(row for row in rows if any(value.strip() for value in row)):
                if limit is not None and number >= limit:
                    break
                # Only cut fields that hold something count: a separator at the end of a line is harmless.
                long_rows += any(value.strip() for value in row[width:])
                writer.writerow(row[:width])
    except (csv.Error, UnicodeDecodeError) as error:
        raise _fail(path, f"it is not a readable table ({error}).") from error
    buffer.seek(0)
    frame = pd.read_csv(buffer, **{**arguments, "sep": _REWRITE_DELIMITER})
    if long_rows == 0:
        return frame, ""
    rows_had, were = ("1 row had", "was") if long_rows == 1 else (f"{long_rows:,} rows had", "were")
    return frame, f"{rows_had} more fields than the header ({width}) and {were} cut to {width} fields."


def _word_positions(data: list[list[str]], width: int, options: ReadOptions) -> set[int]:
    """The positions of the columns (of the first `width`) whose sample values are mostly not numbers.
    The sample's values are converted at once, each different one once (converting column by column
    took 13 ms of the 41 ms the digits' 64 columns took to open)."""
    positions, present = [], []
    for row in data:
        for position, value in enumerate(row[:width]):
            if value := value.strip():
                positions.append(position)
                present.append(value)
    if not present:
        return set()
    codes, different = pd.factorize(pd.Series(present, dtype="str"))
    decimal = options.decimal or "."
    numbers = _numbers_from_text(pd.Series(different), decimal, options.thousands)
    not_numbers = numbers.isna().to_numpy()[codes]
    words = np.bincount(positions, weights=not_numbers, minlength=width)
    values = np.bincount(positions, minlength=width)
    return {position for position in range(width) if words[position] > 0.5 * values[position]}


def _read_csv_quietly(path: Path, encoding: str, max_rows: int | None, arguments: dict) -> pd.DataFrame:
    with warnings.catch_warnings():
        # A column that is numbers in one block of the file and words in another comes out as mixed
        # values; _convert_mostly_numeric sorts those out and reports them, so the warning says nothing new.
        warnings.simplefilter("ignore", pd.errors.DtypeWarning)
        return pd.read_csv(path, nrows=max_rows, encoding=encoding, **arguments)


def _read_text(
    path: Path, head: bytes, complete: bool, given: ReadOptions, max_rows: int | None
) -> _RawTable:
    options, text = _sniff_text(path, head, complete, given)
    records = _records(text, options.delimiter)
    if not records:
        raise _fail(path, "no rows of a table were found in it. Check the file in a text editor.")
    width = len(records[0])
    problems: list[str] = []
    if options.header:
        names, renames = _unique_names(records[0])
        data = records[1:]
    else:
        names, renames, data = [f"Column {position}" for position in range(1, width + 1)], [], records
    # Zero-padded codes ("00001") are read as text so that they keep their zeros.
    code_columns = [
        name for position, name in enumerate(names)
        if any(len(row) > position and _ZERO_PADDED.match(row[position].strip()) for row in data)
    ]
    # Columns of words are held as pandas categories: each distinct word is stored once, which parses
    # faster and takes a fraction of the memory of a million separate strings (the values are the same).
    word_positions = _word_positions(data, width, options)
    label_columns = [
        name for position, name in enumerate(names) if name not in code_columns and position in word_positions
    ]
    arguments = _text_read_arguments(options, names, code_columns, label_columns)
    # pandas would silently cut rows if the first data row is longer than the header: cut them knowingly.
    ragged = any(len(row) > width for row in data)
    while True:
        try:
            if ragged:
                frame, problem = _read_ragged(path, options, arguments, max_rows)
                problems += [problem] if problem else []
            else:
                frame = _read_csv_quietly(path, options.encoding, max_rows, arguments)
            break
        except UnicodeDecodeError as error:
            fallback = FALLBACK_ENCODINGS.get(options.encoding) if given.encoding is None else None
            if fallback is None:
                raise _fail(path, f"its text is not valid '{options.encoding}'. Choose the right encoding, "
                            "or save the file as 'CSV UTF-8'.") from error
            problems.append(f"Some text was not valid {options.encoding}; the file was read as {fallback}.")
            options = replace(options, encoding=fallback)
        except pd.errors.ParserError as error:
            if not _PARSER_FIELDS.search(str(error)):
                raise _fail(path, f"it is not a readable table ({error}). Check the file in a text editor: "
                            "a quote mark (\") may be left open.") from error
            ragged = True
        except (pd.errors.EmptyDataError, ValueError) as error:
            raise _fail(path, f"it is not a readable table ({error}).") from error
    return _RawTable(frame, options, problems, renames, code_columns)


def _read_excel(path: Path, given: ReadOptions, max_rows: int | None) -> _RawTable:
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with pd.ExcelFile(path, engine="openpyxl") as workbook:
            sheet_names = tuple(str(name) for name in workbook.sheet_names)
            sheet = 0 if given.sheet is None else given.sheet
            sheets = f"its sheets are {_listing(sheet_names)}. Choose one of those"
            if isinstance(sheet, int) and not 0 <= sheet < len(sheet_names):
                raise _fail(path, f"it has no sheet number {sheet + 1}; {sheets}.")
            if isinstance(sheet, str) and sheet not in sheet_names:
                raise _fail(path, f"it has no sheet called '{sheet}'; {sheets}.")
            nrows = None if max_rows is None else max_rows + 1  # the first row may be the header
            cells = pd.read_excel(workbook, sheet_name=sheet, header=None, nrows=nrows)
    except InputFileError:
        raise
    except (*_DAMAGED_WORKBOOK_ERRORS, InvalidFileException) as error:
        raise _fail(path, "the Excel workbook is damaged or could not be read. Open it in Excel and save it "
                    "again as .xlsx, or export the sheet as CSV.") from error
    sheet_name = sheet_names[sheet] if isinstance(sheet, int) else sheet
    cells = cells.dropna(how="all").dropna(axis=1, how="all")
    if cells.empty:
        raise _fail(path, f"the sheet '{sheet_name}' is empty. Choose the sheet with the customer table.")
    header = given.header
    if header is None:
        header = first_row_is_header(cells.to_numpy().tolist(), _is_number_cell)
    if header:
        raw_names = ["" if pd.isna(value) else str(value) for value in cells.iloc[0]]
        names, renames = _unique_names(raw_names)
        cells = cells.iloc[1:]
    else:
        names, renames = [f"Column {position}" for position in range(1, cells.shape[1] + 1)], []
        if max_rows is not None:
            cells = cells.iloc[:max_rows]
    frame = cells.reset_index(drop=True).infer_objects()
    frame.columns = names
    # Codes typed as text in Excel ("00001") stay text, as in CSV files.
    code_columns = [
        name for name in names
        if _holds_text(frame[name]) and frame[name].map(_is_zero_padded_text).any()
    ]
    options = replace(given, header=header, sheet=sheet_name)
    return _RawTable(frame, options, [], renames, code_columns=code_columns, sheet_names=sheet_names)


def _holds_text(series: pd.Series) -> bool:
    """Text or mixed values (pandas' "str" dtype, or object)."""
    return series.dtype == object or pd.api.types.is_string_dtype(series)


def _is_zero_padded_text(value: object) -> bool:
    return isinstance(value, str) and _ZERO_PADDED.match(value.strip()) is not None


def _listing(names: tuple[str, ...]) -> str:
    return ", ".join(f"'{name}'" for name in names)


def _numbers_from_text(series: pd.Series, decimal: str, thousands: str | None) -> pd.Series:
    cleaned = series.astype("str").str.strip()
    if thousands is not None:
        cleaned = cleaned.str.replace(thousands, "", regex=False)
    if decimal != ".":
        cleaned = cleaned.str.replace(decimal, ".", regex=False)
    return pd.to_numeric(cleaned, errors="coerce")


def _convert_mostly_numeric(frame: pd.DataFrame, options: ReadOptions, keep_as_text: list[str]) -> list[str]:
    """Turn text columns that are numbers apart from a few stray words into numbers; say what was dropped."""
    problems = []
    decimal = options.decimal or "."
    for name in frame.columns:
        series = frame[name]
        # Columns parsed as categories were judged mostly words on the first rows already.
        if name in keep_as_text or not _holds_text(series) or isinstance(series.dtype, pd.CategoricalDtype):
            continue
        # Judge from the first rows: a column of words is rejected without converting it all.
        sample = series.head(1000).dropna()
        if sample.empty:
            continue
        if _numbers_from_text(sample, decimal, options.thousands).notna().mean() < MIN_NUMERIC_SHARE:
            continue
        numbers = _numbers_from_text(series, decimal, options.thousands)
        present = series.notna()
        stray = series[present & numbers.isna()]
        if len(stray) > (1 - MIN_NUMERIC_SHARE) * present.sum():
            continue
        frame[name] = numbers
        if len(stray):
            examples = ", ".join(f"'{value}'" for value in stray.astype("str").value_counts().index[:3])
            if len(stray) == 1:
                what = f"1 value that is not a number ({examples}); it was"
            else:
                what = f"{len(stray):,} values that are not numbers (such as {examples}); they were"
            problems.append(f"Column '{name}' had {what} treated as missing.")
    return problems


def load_table(
    path: str | Path,
    options: ReadOptions | None = None,
    *,
    max_rows: int | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
) -> LoadedTable:
    """Read the file (or its first `max_rows` data rows, for a preview). Raises InputFileError with an
    actionable message for anything that is not a readable customer table. Never writes the file."""
    path = Path(path)
    given = options or ReadOptions()
    raise_if_cancelled(cancel)
    report(progress, 0.0, f"Reading {path.name}")
    _check_path(path)
    head, complete = _read_head(path)
    extension = path.suffix.lower()
    is_excel = _is_excel_content(path, head)
    if max_rows is None:
        _check_memory(path, "excel" if is_excel else "text")
    if is_excel:
        table, file_format = _read_excel(path, given, max_rows), "excel"
        named_otherwise = extension not in _EXCEL_EXTENSIONS
        file_note = f"The file is named '{extension}' but is an Excel workbook; it was read as one."
    else:
        if extension in _NOT_TABLE_EXTENSIONS:
            raise _fail(path, f"it is {_NOT_TABLE_EXTENSIONS[extension]}. {_SUPPORTED}.")
        table, file_format = _read_text(path, head, complete, given, max_rows), "text"
        named_otherwise = extension in (*_EXCEL_EXTENSIONS, ".xls")
        file_note = f"The file is named '{extension}' but holds plain text; it was read as text."
    raise_if_cancelled(cancel)
    report(progress, 0.8, f"Checking the columns of {path.name}")
    frame = table.frame
    problems = [file_note] if named_otherwise else []
    problems += _rename_problems(frame, table.renames) + table.problems
    if frame.shape[1] == 0:
        raise _fail(path, "it holds no values. Export the customer table again and choose the new file.")
    if frame.empty:
        raise _fail(path, "it has column names but no customer rows. Export the table again with its rows.")
    problems += _convert_mostly_numeric(frame, table.options, table.code_columns)
    columns = summarize_columns(frame)
    raise_if_cancelled(cancel)
    report(progress, 1.0, f"Read {len(frame):,} rows from {path.name}")
    load_report = LoadReport(
        path=str(path), file_format=file_format, options=table.options, rows=len(frame), columns=columns,
        problems=tuple(problems), sheet_names=table.sheet_names,
    )
    return LoadedTable(frame=frame, report=load_report)
