"""What each column of a customer table is: numeric, categorical, identifier-like, date or constant.

The loader and the preparation step both use these summaries. Every kind comes with a reason in plain
words, because the user decides from it whether to keep the column as a segmentation feature.

Rules, in the order they are applied:
- constant: at most one distinct non-missing value;
- date: datetime values, text that parses as dates in one consistent format (day-first when the first
  part exceeds 12 somewhere, also when no value settles it), or 8-digit integers like 19970101 in a
  column whose name says it is a date (CDNOW's `date`): those are DATE, the frame keeps the integers;
- identifier: the name says ID/code/number and every value is different, or integers counting up one
  per row, or text where every value is different, or ID-named text with too many values for a category;
- numeric: any other number column, small integer codes (1/2/3) included;
- categorical: text or yes/no with few levels (see `categorical_level_limit`);
- text: text with more levels than that.
"""

import re
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import pandas as pd


class ColumnKind(StrEnum):
    NUMERIC = "numeric"
    CATEGORICAL = "categorical"
    IDENTIFIER = "identifier"  # a customer number or code: unique per row, says nothing about behaviour
    DATE = "date"
    CONSTANT = "constant"  # one value (or none at all): cannot separate customers
    TEXT = "text"  # free text with too many distinct values to be a category


@dataclass(frozen=True)
class ColumnSummary:
    name: str
    kind: ColumnKind
    missing: int
    distinct: int
    # Why the kind was chosen, in plain words, e.g. "Every value is different, like a customer number".
    reason: str = ""
    minimum: float | None = None
    maximum: float | None = None
    mean: float | None = None
    median: float | None = None
    # Most frequent values with their counts, most frequent first (categorical and text columns).
    top_values: tuple[tuple[str, int], ...] = field(default_factory=tuple)


TOP_VALUES_SHOWN = 5
# Below this many values, "every value is different" or "counts up one per row" is chance, not an ID.
MIN_ROWS_FOR_SEQUENCE_ID = 20

_ID_WORDS_ANYWHERE = frozenset({"id", "ids", "uuid", "guid", "identifier"})
_ID_WORDS_LAST = frozenset({"code", "number", "no", "nr", "num", "key", "ref", "reference"})
_DATE_WORDS = frozenset({"date", "dt", "day", "datum", "fecha", "time", "timestamp"})
# Three numbers separated by - / or . with an optional time: the shapes tried as dates.
_DATE_SHAPE = re.compile(r"^\s*(\d{1,4})([-/.])(\d{1,2})\2(\d{1,4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?\s*$")
_DATE_SAMPLE = 200


def categorical_level_limit(rows: int) -> int:
    """Most distinct values a text column may have to count as categorical: 20, up to 50 on big tables."""
    return max(20, min(50, rows // 200))


def name_words(name: str) -> list[str]:
    """Lower-case words of a column name: "CustomerID" -> ["customer", "id"], "CUST_ID" -> ["cust", "id"]."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    spaced = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", spaced)
    return [word.lower() for word in re.split(r"[^A-Za-z0-9]+", spaced) if word]


def name_looks_like_id(name: str) -> bool:
    words = name_words(name)
    return bool(words) and (any(word in _ID_WORDS_ANYWHERE for word in words) or words[-1] in _ID_WORDS_LAST)


def _name_looks_like_date(name: str) -> bool:
    return any(word in _DATE_WORDS for word in name_words(name))


def _text_date_format(values: pd.Series) -> tuple[str, str] | None:
    """(strptime format, plain-words order) that parses every value, or None if they are not dates."""
    matches = values.str.extract(_DATE_SHAPE)
    if matches.isna().any(axis=None):
        return None
    first, separator, middle, last = (matches[i] for i in range(4))
    separator_used = separator.iloc[0]
    if (separator != separator_used).any():
        return None
    first_len, last_len = first.str.len(), last.str.len()
    if (first_len == 4).all():
        date_format, order = f"%Y{separator_used}%m{separator_used}%d", "year-month-day"
    elif (first_len <= 2).all() and ((last_len == 4).all() or (last_len == 2).all()):
        year = "%Y" if (last_len == 4).all() else "%y"
        # Day-first unless only month-first fits: most of the world writes dates that way.
        if middle.astype(int).max() > 12 >= first.astype(int).max():
            date_format, order = f"%m{separator_used}%d{separator_used}{year}", "month-day-year"
        else:
            date_format, order = f"%d{separator_used}%m{separator_used}{year}", "day-month-year"
    else:
        return None
    for time_part in ("", " %H:%M", " %H:%M:%S", "T%H:%M", "T%H:%M:%S"):
        full_format = date_format + time_part
        if pd.to_datetime(values.str.strip(), format=full_format, errors="coerce").notna().all():
            return full_format, order
    return None


def parse_dates(series: pd.Series) -> tuple[pd.Series, str] | None:
    """The column as datetimes with a plain-words description of how it was written, or None if it does
    not hold dates. Text is read in the one format that fits every value (day-first when the first part
    exceeds 12 somewhere); yyyymmdd integers are dates only when the column's name says so."""
    if pd.api.types.is_datetime64_any_dtype(series):
        return series, "dates"
    present = series.dropna()
    if present.empty:
        return None
    if pd.api.types.is_integer_dtype(series) and not pd.api.types.is_bool_dtype(series):
        if not _name_looks_like_date(str(series.name)) or not present.between(10000101, 99991231).all():
            return None
        parsed = pd.to_datetime(series.astype("Int64").astype("str"), format="%Y%m%d", errors="coerce")
        if parsed[series.notna()].isna().any():
            return None
        return parsed, f"numbers written year-month-day, like {present.iloc[0]}"
    if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        return None
    distinct = pd.Series(present.astype(str).unique())
    if not distinct.head(_DATE_SAMPLE).str.match(_DATE_SHAPE).all():
        return None
    found = _text_date_format(distinct)
    if found is None:
        return None
    date_format, order = found
    parsed = pd.to_datetime(series.astype("str").str.strip(), format=date_format, errors="coerce")
    return parsed.where(series.notna()), f"dates written {order}, like '{present.iloc[0]}'"


def _number(value: float) -> str:
    """A number as people write it: 112151, 1893, 0.01916, 40761.25 (no exponent, no thousands mark)."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.4g}" if abs(value) < 1 else f"{value:.2f}".rstrip("0").rstrip(".")


def _counts_up(values: pd.Series) -> bool:
    """Integers that count up one per row (1, 2, 3, ...), perhaps with a few gaps."""
    return bool(values.is_monotonic_increasing and values.iloc[-1] - values.iloc[0] < 2 * len(values))


def _summarize_numeric(name: str, series: pd.Series, missing: int) -> ColumnSummary:
    present = series.dropna()
    values = present.to_numpy(dtype=float)
    stats = {
        "minimum": float(values.min()),
        "maximum": float(values.max()),
        "mean": float(values.mean()),
        "median": float(np.median(values)),
    }
    is_integer = pd.api.types.is_integer_dtype(series) or bool(np.all(np.mod(values, 1) == 0))
    rows = len(present)
    # A strictly increasing column is all-distinct without hashing it: the cheap test first.
    distinct = rows if (present.is_monotonic_increasing and present.is_unique) else int(present.nunique())
    lowest, highest = _number(stats["minimum"]), _number(stats["maximum"])
    if distinct == 1:
        reason = f"Every customer has the same value ({lowest}), so it cannot tell them apart."
        return ColumnSummary(name, ColumnKind.CONSTANT, missing, 1, reason, **stats)
    kind, reason = ColumnKind.NUMERIC, f"Numbers from {lowest} to {highest}"
    if is_integer and distinct == rows and missing == 0:
        if name_looks_like_id(name) and rows >= 2:
            kind, reason = ColumnKind.IDENTIFIER, "Every value is different and the name says it is an ID"
        elif rows >= MIN_ROWS_FOR_SEQUENCE_ID and _counts_up(present):
            kind = ColumnKind.IDENTIFIER
            reason = "Whole numbers counting up row by row, like a customer number"
    return ColumnSummary(name, kind, missing, distinct, reason + ".", **stats)


def _top_values(counts: pd.Series) -> tuple[tuple[str, int], ...]:
    return tuple((str(value), int(count)) for value, count in counts.head(TOP_VALUES_SHOWN).items())


def _summarize_labels(name: str, series: pd.Series, missing: int, rows: int) -> ColumnSummary:
    counts = series.value_counts(dropna=True)
    distinct = len(counts)
    present = rows - missing
    examples = ", ".join(f"'{value}'" for value in counts.index[:3])
    if pd.api.types.is_bool_dtype(series):
        kind, reason = ColumnKind.CATEGORICAL, "Yes/no values"
    elif distinct == present and present >= 2:
        kind, reason = ColumnKind.IDENTIFIER, f"Every value is different, like a customer number ({examples})"
    elif distinct <= categorical_level_limit(rows):
        kind, reason = ColumnKind.CATEGORICAL, f"Text with {distinct} different values, such as {examples}"
    elif name_looks_like_id(name):
        kind = ColumnKind.IDENTIFIER
        reason = f"The name says it is an ID, and it has {distinct:,} different values"
    else:
        kind = ColumnKind.TEXT
        reason = f"Text with {distinct:,} different values: too many to compare customers by group"
    top = () if kind is ColumnKind.IDENTIFIER else _top_values(counts)
    return ColumnSummary(name, kind, missing, distinct, reason + ".", top_values=top)


def summarize_column(series: pd.Series) -> ColumnSummary:
    name = str(series.name)
    rows = len(series)
    missing = int(series.isna().sum())
    if rows - missing == 0:
        return ColumnSummary(name, ColumnKind.CONSTANT, missing, 0, "The column is empty.")
    dates = parse_dates(series)
    if dates is not None:
        parsed, description = dates
        present = parsed.dropna()
        distinct = int(present.nunique())
        if distinct > 1:
            span = f"from {present.min():%Y-%m-%d} to {present.max():%Y-%m-%d}"
            reason = f"{description[0].upper()}{description[1:]}, {span}."
            return ColumnSummary(name, ColumnKind.DATE, missing, distinct, reason)
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return _summarize_numeric(name, series, missing)
    if pd.api.types.is_datetime64_any_dtype(series):
        return ColumnSummary(name, ColumnKind.CONSTANT, missing, 1, "Every customer has the same date.")
    labels = series if pd.api.types.is_bool_dtype(series) else series.astype("str").where(series.notna())
    summary = _summarize_labels(name, labels, missing, rows)
    if summary.distinct == 1:
        value = summary.top_values[0][0] if summary.top_values else ""
        reason = f"Every customer has the same value ('{value}'), so it cannot tell them apart."
        return ColumnSummary(name, ColumnKind.CONSTANT, missing, 1, reason, top_values=summary.top_values)
    return summary


def summarize_columns(frame: pd.DataFrame) -> tuple[ColumnSummary, ...]:
    """One summary per column, in the frame's column order."""
    return tuple(summarize_column(frame.iloc[:, position]) for position in range(frame.shape[1]))
