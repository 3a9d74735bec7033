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
- categorical codes: whole numbers that run 1, 2, ... up to at most MAX_CODE_LEVELS, every one of them
  present, in a column whose name does not say it counts or rates something (Wholesale's Channel and
  Region): numbers like these name groups, and averaging them ("region 2.5") means nothing;
- flag: any other number column with exactly two values (0/1, like AcceptedCmp2 or Complain);
- numeric: any other number column;
- categorical: text or yes/no with few levels (see `categorical_level_limit`);
- text: text with more levels than that.
"""

import math
import os
import re
from concurrent.futures import ThreadPoolExecutor
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
    FLAG = "flag"  # two numbers, such as 0/1: yes or no, not an amount
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
    # Numbers only: strongly right-skewed and never negative, so comparing them on a log scale helps
    # (see `log_scale_helps`).
    log_scale_helps: bool = False


TOP_VALUES_SHOWN = 5
# log_scale_helps: a column is "strongly right-skewed" when its skewness is above this ...
LOG_SKEWNESS = 1.0
# ... and its largest value is this many times its typical (median non-zero) value. Together they pick
# spending-like columns (Wholesale's Fresh: max 13x the median) and leave alone ages, scores, 0/1 flags
# and shares, whose largest values are only a few times the typical one.
LOG_SPREAD = 10.0
PARALLEL_FROM_ROWS = 100_000
# Below this many values, "every value is different" or "counts up one per row" is chance, not an ID,
# and two values or the numbers 1..3 are chance, not a flag or codes.
MIN_ROWS_FOR_PATTERN = 20
# An ID-named column of whole numbers is still a customer number when a few values repeat (a customer
# exported twice); used as a feature, its arbitrary numbers would shape the segments.
MIN_ID_DISTINCT_SHARE = 0.9

_ID_WORDS_ANYWHERE = frozenset({"id", "ids", "uuid", "guid", "identifier"})
_ID_WORDS_LAST = frozenset({"code", "number", "no", "nr", "num", "key", "ref", "reference"})
# Whole numbers 1..n with at most this many values are codes for groups (regions, channels, store types).
MAX_CODE_LEVELS = 9
# Words that say a column of small whole numbers counts or rates something, so 1..n are amounts, not codes.
_MEASURE_WORDS = frozenset({
    "score", "rating", "rate", "rank", "level", "count", "num", "number", "visits", "children", "kids",
    "kid", "size", "tenure", "years", "months", "days", "times", "quantity", "qty", "items",
    "stars", "satisfaction", "purchases", "orders", "members", "persons", "people",
})
# Words that say a column records how customers answered past campaigns (AcceptedCmp3, Response,
# Complain): the result of marketing, not a description of the customer, so it is offered, not chosen.
_OUTCOME_WORDS = frozenset({
    "accepted", "accept", "response", "responded", "respond", "complain", "complaint", "complained",
    "complaints", "cmp", "campaign", "campaigns", "churn", "churned", "converted", "conversion",
    "redeemed", "clicked", "opened", "unsubscribed", "outcome",
})
_DATE_WORDS = frozenset({"date", "dt", "day", "datum", "fecha", "time", "timestamp"})
# Three numbers separated by - / or . with an optional time: the shapes tried as dates.
_DATE_SHAPE = re.compile(r"^\s*(\d{1,4})([-/.])(\d{1,2})\2(\d{1,4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?\s*$")
_DATE_SAMPLE = 200
_COUNT_BLOCK_ROWS = 65_536


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


def name_looks_like_outcome(name: str) -> bool:
    """Whether a column's name says it records the outcome of past campaigns: "AcceptedCmp3" ->
    accepted cmp 3, "Response", "Complain", "churned"."""
    return any(word in _OUTCOME_WORDS for word in name_words(name))


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


def _yyyymmdd_dates(name: str, lowest: float, highest: float) -> bool:
    """8-digit integers in a column named like a date ("date", "Dt_Customer") are read as yyyymmdd."""
    return _name_looks_like_date(name) and lowest >= 10000101 and highest <= 99991231


def _parse_text_dates(values: np.ndarray) -> tuple[pd.Series, str] | None:
    """The distinct values as datetimes, and how they were written; None unless every one is a date."""
    # The first values decide cheaply for the many columns that are plainly not dates.
    if not all(isinstance(value, str) and _DATE_SHAPE.match(value) for value in values[:_DATE_SAMPLE]):
        return None
    distinct = pd.Series(values, dtype="str")
    found = _text_date_format(distinct)
    if found is None:
        return None
    date_format, order = found
    parsed = pd.to_datetime(distinct.str.strip(), format=date_format, errors="coerce")
    return parsed, f"dates written {order}, like '{distinct.iloc[0]}'"


def _number(value: float) -> str:
    """A number as people write it: 112151, 1893, 0.01916, 40761.25 (no exponent, no thousands mark)."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.4g}" if abs(value) < 1 else f"{value:.2f}".rstrip("0").rstrip(".")


def log_scale_helps(ordered: np.ndarray) -> bool:
    """Whether a numeric column, given as its present values in ascending order, is strongly right-skewed
    and never negative, so that a log1p transform helps. Zeros are allowed (CC GENERAL's PURCHASES is 0
    for a quarter of the customers and still needs it); infinite values are left out.

    The cheap tests come first (the sorted values give the extremes and the median at once); the
    skewness, a pass over the column, is computed only for spending-like spreads.
    """
    if ordered.dtype.kind == "f":
        ordered = ordered[: np.searchsorted(ordered, np.inf, side="left")]
    if len(ordered) < 3 or ordered[0] < 0:
        return False
    positive = ordered[np.searchsorted(ordered, 0, side="right"):]
    if len(positive) == 0:
        return False
    middle = len(positive) // 2
    typical = float(positive[middle])
    if len(positive) % 2 == 0:
        typical = (float(positive[middle - 1]) + typical) / 2
    if float(ordered[-1]) < LOG_SPREAD * typical:
        return False
    return _skewness(ordered) > LOG_SKEWNESS


def _skewness(values: np.ndarray) -> float:
    """The sample skewness as pandas' `Series.skew` gives it (adjusted Fisher-Pearson); 0 if constant.

    The deviations are scaled to at most 1 first (skewness does not change with scale): their cubes
    overflowed from about 1e100 on, and a column holding 1e103 then stopped the file from loading."""
    count = len(values)
    with np.errstate(over="ignore", invalid="ignore"):
        deviations = values.astype(np.float64)
        deviations -= deviations.mean()
        largest = max(-float(deviations.min()), float(deviations.max()))  # no temporary copy
        if not 0 < largest < np.inf:  # constant, or a sum past float64's limit (1e308)
            return 0.0
        deviations /= largest
        squares = deviations * deviations
        second = float(squares.mean())
        third = float(np.dot(squares, deviations)) / count
        return math.sqrt(count * (count - 1)) / (count - 2) * third / second**1.5


def _summarize_numeric(name: str, series: pd.Series) -> ColumnSummary:
    # One sort gives the distinct count, extremes and median at once: cheaper than hashing 1M floats.
    is_integer_dtype = pd.api.types.is_integer_dtype(series)
    if is_integer_dtype and not series.hasnans:
        # The column's own integer type (also unsigned or nullable): no precision lost on big codes.
        values = series.to_numpy(dtype=getattr(series.dtype, "numpy_dtype", series.dtype))
    else:
        values = series.to_numpy(dtype="float64", na_value=np.nan)  # a view of a float64 column
    # Customer numbers often come in order already, and sorting them again costs several times the check
    # (a column with missing values never counts as in order).
    in_order = bool(series.is_monotonic_increasing)
    ordered = values if in_order else np.sort(values)
    if ordered.dtype.kind == "f":
        # The sort puts missing values (NaN) last: the present values are a view, not a copy of a million
        # values, whose fresh memory made the first file opened cost more than the next.
        ordered = ordered[: np.searchsorted(ordered, np.nan, side="left")]
    missing = len(values) - len(ordered)
    if len(ordered) == 0:
        return ColumnSummary(name, ColumnKind.CONSTANT, missing, 0, "The column is empty.")
    distinct = 1 + int(np.count_nonzero(ordered[1:] != ordered[:-1]))
    middle = len(ordered) // 2
    # Values near float64's limit (1e308) overflow a sum, and inf beside -inf makes it NaN: the summary
    # then shows inf or NaN, and the preparation refuses the column with a message, so numpy's warning
    # would only be noise before it on stderr.
    with np.errstate(over="ignore", invalid="ignore"):
        median = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
        stats = {
            "minimum": float(ordered[0]),
            "maximum": float(ordered[-1]),
            "mean": float(ordered.mean()),
            "median": float(median),
            "log_scale_helps": log_scale_helps(ordered),
        }
    lowest, highest = _number(stats["minimum"]), _number(stats["maximum"])
    if distinct == 1:
        reason = f"Every customer has the same value ({lowest}), so it cannot tell them apart."
        return ColumnSummary(name, ColumnKind.CONSTANT, missing, 1, reason, **stats)

    def whole_numbers() -> bool:  # only asked when it matters: it costs a pass over the column
        return is_integer_dtype or bool(np.all(ordered == np.floor(ordered)))

    if _yyyymmdd_dates(name, stats["minimum"], stats["maximum"]) and whole_numbers():
        as_text = pd.Series(ordered[np.r_[True, ordered[1:] != ordered[:-1]]].astype("int64").astype(str))
        parsed = pd.to_datetime(as_text, format="%Y%m%d", errors="coerce")
        if parsed.notna().all():
            reason = (f"Numbers written year-month-day, like {int(ordered[0])}, "
                      f"from {parsed.min():%Y-%m-%d} to {parsed.max():%Y-%m-%d}.")
            return ColumnSummary(name, ColumnKind.DATE, missing, distinct, reason, **stats)
    kind, reason = ColumnKind.NUMERIC, f"Numbers from {lowest} to {highest}"
    repeats = len(ordered) - distinct
    enough_to_tell = len(ordered) >= MIN_ROWS_FOR_PATTERN  # a handful of values repeat by chance
    if (
        enough_to_tell and stats["minimum"] == 1 and stats["maximum"] == distinct <= MAX_CODE_LEVELS
        and whole_numbers() and not any(word in _MEASURE_WORDS for word in name_words(name))
    ):
        kind = ColumnKind.CATEGORICAL
        reason = (f"Only the whole numbers 1 to {distinct}, like codes for regions or sales channels: "
                  "a category, not an amount")
    elif enough_to_tell and distinct == 2:
        kind = ColumnKind.FLAG
        reason = f"Only two values ({lowest} and {highest}): a yes/no flag, not an amount"
        if name_looks_like_outcome(name):
            reason += "; the name says it records an outcome of past campaigns"
    elif name_looks_like_id(name) and distinct >= MIN_ID_DISTINCT_SHARE * len(values) and whole_numbers():
        kind, reason = ColumnKind.IDENTIFIER, "Every value is different and the name says it is an ID"
        if repeats:
            reason = f"The name says it is an ID and almost every value is different ({repeats:,} repeat)"
    elif (
        distinct == len(values) and whole_numbers() and len(values) >= MIN_ROWS_FOR_PATTERN
        and in_order and ordered[-1] - ordered[0] < 2 * len(values)
    ):
        kind = ColumnKind.IDENTIFIER
        reason = "Whole numbers counting up row by row, like a customer number"
    return ColumnSummary(name, kind, missing, distinct, reason + ".", **stats)


def _code_counts(codes: np.ndarray, levels: int) -> np.ndarray:
    """How many rows hold each of `levels` codes (-1, missing, is not counted).

    In blocks: `np.bincount` of all rows at once would first copy the small codes of a category to a
    million 8-byte integers, fresh memory that cost 4-6 ms of a 6-8 ms count."""
    counts = np.zeros(levels + 1, dtype=np.int64)  # counts[0]: the missing values
    for start in range(0, len(codes), _COUNT_BLOCK_ROWS):
        shifted = codes[start : start + _COUNT_BLOCK_ROWS].astype(np.intp)
        shifted += 1
        counts += np.bincount(shifted, minlength=levels + 1)
    return counts[1:]


def _summarize_labels(name: str, series: pd.Series) -> ColumnSummary:
    rows = len(series)
    if isinstance(series.dtype, pd.CategoricalDtype):
        # The codes are already there: no hashing (the loader reads text columns this way for speed).
        codes, uniques = series.cat.codes.to_numpy(), series.cat.categories
    else:
        codes, uniques = pd.factorize(series.to_numpy(dtype=object))
    all_counts = _code_counts(codes, len(uniques))
    used = np.flatnonzero(all_counts)  # a categorical column may declare levels no row has
    counts, uniques = all_counts[used], np.asarray(uniques, dtype=object)[used]
    missing = rows - int(counts.sum())
    distinct = len(uniques)
    if distinct == 0:
        return ColumnSummary(name, ColumnKind.CONSTANT, missing, 0, "The column is empty.")
    most_first = np.argsort(-counts, kind="stable")
    labels = [str(uniques[i]) for i in most_first[:TOP_VALUES_SHOWN]]
    top = tuple((label, int(counts[i])) for label, i in zip(labels, most_first, strict=False))
    examples = ", ".join(f"'{label}'" for label in labels[:3])
    if distinct == 1:
        reason = f"Every customer has the same value ('{labels[0]}'), so it cannot tell them apart."
        return ColumnSummary(name, ColumnKind.CONSTANT, missing, 1, reason, top_values=top)
    if pd.api.types.is_bool_dtype(series):
        reason = "Yes/no values."
        return ColumnSummary(name, ColumnKind.CATEGORICAL, missing, distinct, reason, top_values=top)
    dates = _parse_text_dates(uniques)
    if dates is not None:
        parsed, description = dates
        span = f"from {parsed.min():%Y-%m-%d} to {parsed.max():%Y-%m-%d}"
        reason = f"{description[0].upper()}{description[1:]}, {span}."
        return ColumnSummary(name, ColumnKind.DATE, missing, distinct, reason)
    if distinct == rows - missing:
        kind, reason = ColumnKind.IDENTIFIER, f"Every value is different, like a customer number ({examples})"
    elif distinct <= categorical_level_limit(rows):
        kind, reason = ColumnKind.CATEGORICAL, f"Text with {distinct} different values, such as {examples}"
    elif name_looks_like_id(name):
        kind = ColumnKind.IDENTIFIER
        reason = f"The name says it is an ID, and it has {distinct:,} different values"
    else:
        kind = ColumnKind.TEXT
        reason = f"Text with {distinct:,} different values: too many to compare customers by group"
    return ColumnSummary(name, kind, missing, distinct, reason + ".",
                         top_values=() if kind is ColumnKind.IDENTIFIER else top)


def _summarize_datetimes(name: str, series: pd.Series) -> ColumnSummary:
    present = series.dropna()
    missing = len(series) - len(present)
    distinct = int(present.nunique())
    if distinct <= 1:
        reason = "The column is empty." if distinct == 0 else "Every customer has the same date."
        return ColumnSummary(name, ColumnKind.CONSTANT, missing, distinct, reason)
    reason = f"Dates from {present.min():%Y-%m-%d} to {present.max():%Y-%m-%d}."
    return ColumnSummary(name, ColumnKind.DATE, missing, distinct, reason)


def summarize_column(series: pd.Series) -> ColumnSummary:
    name = str(series.name)
    if pd.api.types.is_datetime64_any_dtype(series):
        return _summarize_datetimes(name, series)
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return _summarize_numeric(name, series)
    return _summarize_labels(name, series)


def summarize_columns(frame: pd.DataFrame) -> tuple[ColumnSummary, ...]:
    """One summary per column, in the frame's column order."""
    columns = [frame.iloc[:, position] for position in range(frame.shape[1])]
    if len(frame) < PARALLEL_FROM_ROWS or len(columns) < 2:
        return tuple(map(summarize_column, columns))
    # Sorting numbers releases the GIL, so on big tables the numeric columns are summarised while the
    # text columns are being counted: loading a million rows then costs little more than reading them.
    with ThreadPoolExecutor(max_workers=min(len(columns), os.cpu_count() or 1)) as pool:
        return tuple(pool.map(summarize_column, columns))
