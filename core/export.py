"""Writing results for the user: labelled customers, the segment profile table and the JSON summary.

Every write is atomic (a temporary file beside the target, then a rename), so a failure half-way leaves
any earlier file intact, and no export may overwrite the file the customers were read from.
"""

import json
import os
import re
import secrets
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from core.errors import InputFileError, SettingsError

SEGMENT_COLUMN = "Segment"
SEGMENT_NAME_COLUMN = "Segment name"
TABLE_SUFFIXES = (".csv", ".xlsx")

# A spreadsheet treats text starting with these as a formula; a customer file from outside may carry
# "=HYPERLINK(...)" style payloads, so such text is written with a leading apostrophe (OWASP's advice).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy in which text cells that a spreadsheet would run as a formula are made inert."""

    def make_inert(value: object) -> object:
        if isinstance(value, str) and value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.match(value):
            return "'" + value
        return value

    safe = frame.copy()
    for column in safe.columns:
        if not pd.api.types.is_numeric_dtype(safe[column]) and not pd.api.types.is_bool_dtype(safe[column]):
            safe[column] = safe[column].map(make_inert, na_action="ignore")
    return safe


def atomic_write(
    path: str | Path, write: Callable[[Path], None], *, protected: str | Path | None = None
) -> Path:
    """Call `write(temporary_path)`, then move the result onto `path` in one step.

    `protected` is the user's input file: writing onto it is refused, because exports must never
    change the data they came from.
    """
    target = Path(path)
    if protected is not None and target.exists() and target.resolve() == Path(protected).resolve():
        raise SettingsError(
            f"'{target.name}' is the customer file the results came from; choose another file name "
            "so the original stays as it is."
        )
    if not target.parent.is_dir():
        raise SettingsError(f"The folder '{target.parent}' does not exist; choose an existing folder.")
    temporary = _new_temporary_beside(target)
    try:
        write(temporary)
        with open(temporary, "rb+") as written:
            os.fsync(written.fileno())
        os.replace(temporary, target)
    except PermissionError as error:
        raise SettingsError(
            f"Could not write '{target}': permission denied. If the file is open in another program "
            "(such as Excel), close it, or choose another name."
        ) from error
    finally:
        temporary.unlink(missing_ok=True)
    return target


def _new_temporary_beside(target: Path) -> Path:
    """An empty, new file in the target's folder with the permissions a normal new file gets there.

    (tempfile.mkstemp would create it readable by its owner only, and the rename would keep that.)
    """
    while True:
        candidate = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
        try:
            os.close(os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        return candidate


def write_table(path: str | Path, frame: pd.DataFrame, *, protected: str | Path | None = None) -> Path:
    """CSV (UTF-8 with a byte-order mark, so Excel shows accents right) or .xlsx, by the file's suffix."""
    suffix = Path(path).suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise SettingsError(
            f"Cannot save a table as '{Path(path).name}': use a name ending in .csv or .xlsx."
        )
    safe = neutralise_formulas(frame)
    if suffix == ".csv":
        return atomic_write(
            path,
            lambda temporary: safe.to_csv(temporary, index=False, encoding="utf-8-sig"),
            protected=protected,
        )
    return atomic_write(
        path, lambda temporary: safe.to_excel(temporary, index=False, engine="openpyxl"), protected=protected
    )


def write_json(path: str | Path, data: dict, *, protected: str | Path | None = None) -> Path:
    text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)
    return atomic_write(
        path, lambda temporary: temporary.write_text(text + "\n", encoding="utf-8"), protected=protected
    )


def check_file_header(data: object, *, file_format: str, newest_version: int, source: str, kind: str) -> None:
    """Raise InputFileError unless `data` is a JSON object of our `file_format` that this version reads.

    `source` names the file for the user ("'march.segproj'"); `kind` says what it should be and how
    one is made ("Segment Studio project. Choose a file saved with Save Project.").
    """
    if not isinstance(data, dict) or data.get("format") != file_format:
        raise InputFileError(f"{source} is not a {kind}")
    version = data.get("version")
    if not isinstance(version, int) or version > newest_version:
        raise InputFileError(
            f"{source} was saved by a newer Segment Studio (version {version} of the file format); this "
            f"version reads version {newest_version}. Update Segment Studio to open it."
        )


def probability_column(number: int) -> str:
    """The header of the column of each customer's probability of belonging to segment `number`."""
    return f"P(segment {number})"


def labelled_frame(
    frame: pd.DataFrame,
    labels,
    names,
    numbers,
    *,
    probabilities: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The original columns unchanged, plus the segment number and name of every customer, and the
    `probabilities` columns (one row per row of `frame`) when given.

    `labels[row]` is a position in `names` and `numbers` (the number shown, 0 for unusual customers);
    customers left out of the segmentation (label -1, missing values) keep an empty segment.
    """
    added = [SEGMENT_COLUMN, SEGMENT_NAME_COLUMN, *(() if probabilities is None else probabilities.columns)]
    clashing = [column for column in added if column in frame.columns]
    if clashing:
        raise SettingsError(
            f"The file already has a column named '{clashing[0]}'; rename it in the file before exporting "
            "segments."
        )
    labels = np.asarray(labels)
    left_out = labels < 0
    shown = np.where(left_out, 0, labels)
    labelled = frame.copy()
    labelled[SEGMENT_COLUMN] = pd.arrays.IntegerArray(
        np.asarray(numbers, dtype=np.int64)[shown], mask=left_out
    )
    segment_names = np.asarray(names, dtype=object)[shown]
    segment_names[left_out] = pd.NA
    labelled[SEGMENT_NAME_COLUMN] = pd.array(segment_names, dtype="string")
    if probabilities is not None:
        for column in probabilities.columns:
            labelled[column] = probabilities[column].to_numpy()
    return labelled
