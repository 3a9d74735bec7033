"""Reading customer files: CSV/TSV/TXT in any common dialect, and Excel workbooks.

CONTRACT (implementation pending).
"""

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from core.columns import ColumnSummary
from core.progress import CancelCheck, ProgressCallback

WHITESPACE = "whitespace"  # the delimiter value meaning "runs of spaces or tabs"


@dataclass(frozen=True)
class ReadOptions:
    """How to read a text file. `None` means "detect it"; a loaded table's report holds the resolved values."""

    delimiter: str | None = None  # ",", ";", "\t", "|", or WHITESPACE
    encoding: str | None = None  # "utf-8", "utf-8-sig", "utf-16", "cp1252", ...
    decimal: str | None = None  # "." or ","
    thousands: str | None = None  # None, ",", ".", " " or "'"
    header: bool = True  # the first row holds the column names
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


@dataclass(frozen=True)
class LoadedTable:
    frame: pd.DataFrame
    report: LoadReport


def detect_options(path: str | Path) -> ReadOptions:
    """Sniff a file's dialect without loading it all (used by the import preview)."""
    raise NotImplementedError


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
    raise NotImplementedError
