"""The Excel workbook export: a summary sheet of the segments and one sheet of customers per segment.

The summary sheet is the profile table, with each segment's predicted value and share still active
when the customers carry the lifetime-value columns of core.clv; customers summarised from orders get a
sheet of their RFM groups after it."""

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from core.clv import rfm_group_table_with_value, with_segment_value
from core.columns import name_words
from core.errors import SettingsError
from core.export import atomic_write, labelled_frame, neutralise_formulas
from core.pipeline import Segmentation
from core.profiling import profile_table
from core.progress import CancelCheck, ProgressCallback, raise_if_cancelled, report
from core.stability import (
    DISSOLVED_COLUMN,
    STABILITY_COLUMN,
    STABILITY_LABEL_COLUMN,
    SegmentStability,
    with_stability,
)

SUMMARY_SHEET = "Summary"
RFM_SHEET = "RFM groups"
LEFT_OUT_SHEET = "Left out (missing values)"
EXCEL_MAX_ROWS = 1_048_576  # including the header row
_SHEET_NAME_LENGTH = 31
_FORBIDDEN_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\]")


def sheet_names(names: list[str]) -> list[str]:
    """Excel-safe, distinct sheet names for `names`, in order: at most 31 characters, none of []:*?/\\,
    no apostrophe at either end, not "History" (reserved), and unique ignoring case, as Excel requires."""
    taken: set[str] = set()
    safe_names = []
    for name in names:
        base = _FORBIDDEN_IN_SHEET_NAMES.sub("-", name).strip().strip("'").strip() or "Sheet"
        if base.casefold() == "history":
            base = "History segment"
        candidate = base[:_SHEET_NAME_LENGTH]
        copy = 1
        while candidate.casefold() in taken:
            copy += 1
            suffix = f" ({copy})"
            candidate = base[: _SHEET_NAME_LENGTH - len(suffix)] + suffix
        taken.add(candidate.casefold())
        safe_names.append(candidate)
    return safe_names


# Number formats of the summary sheet: a share as a percentage, counts whole, a year as written (1965,
# not 1,965), other averages with two decimals and a thousands separator.
SHARE_FORMAT = "0.0%"
COUNT_FORMAT = "#,##0"
YEAR_FORMAT = "0"
AVERAGE_FORMAT = "#,##0.00"
PERCENT_POINTS_FORMAT = '0.0" %"'
_MIN_COLUMN_WIDTH = 10
_MAX_COLUMN_WIDTH = 40


def summary_number_format(column: str) -> str | None:
    """The Excel number format for a column of the summary sheet (None: leave as it is)."""
    if column in ("Share", DISSOLVED_COLUMN):
        return SHARE_FORMAT
    if column == STABILITY_COLUMN:
        return "0.00"
    if column in ("Segment", "Customers"):
        return COUNT_FORMAT
    if column in ("Name", STABILITY_LABEL_COLUMN):
        return None
    if column.endswith((" %", "(%)")):  # a share already in percent (a category's, of predicted value)
        return PERCENT_POINTS_FORMAT
    if "year" in name_words(column) or column.lower().startswith("year"):
        return YEAR_FORMAT
    return AVERAGE_FORMAT


def _format_summary(sheet, summary: pd.DataFrame) -> None:
    """Number formats and column widths that fit the headers, on the summary sheet (openpyxl's)."""
    for position, column in enumerate(summary.columns, start=1):
        letter = sheet.cell(row=1, column=position).column_letter
        number_format = summary_number_format(str(column))
        if number_format is not None:
            for row in range(2, len(summary) + 2):
                sheet.cell(row=row, column=position).number_format = number_format
        width = max(len(str(column)), *(len(str(value)) for value in summary[column].head(50)), 0) + 2
        sheet.column_dimensions[letter].width = min(max(width, _MIN_COLUMN_WIDTH), _MAX_COLUMN_WIDTH)


def write_workbook(
    path: str | Path,
    frame: pd.DataFrame,
    segmentation: Segmentation,
    *,
    protected: str | Path | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
    stability: Sequence[SegmentStability] | None = None,
    probabilities: pd.DataFrame | None = None,
) -> Path:
    """Write `.xlsx` atomically: "Summary" (the profile table), then one sheet per segment with its
    customers (all original columns, segment number and name), then customers left out, if any.
    Text that a spreadsheet would run as a formula is made inert. `protected` is the customer file;
    `stability` (one per segment, core.stability) adds its columns to the summary when it was checked;
    `probabilities` (`core.pipeline.segment_probabilities`, for a method that gives them) adds each
    customer's probability of each segment, as the customers' CSV export has them."""
    if Path(path).suffix.lower() != ".xlsx":
        raise SettingsError(f"Cannot save a workbook as '{Path(path).name}': use a name ending in .xlsx.")
    labels = np.asarray(segmentation.labels)
    labelled = neutralise_formulas(
        labelled_frame(frame, labels, segmentation.names, segmentation.numbers, probabilities=probabilities)
    )
    groups = [(name, labels == position) for position, name in enumerate(segmentation.names)]
    if (labels < 0).any():
        groups.append((LEFT_OUT_SHEET, labels < 0))
    largest = max(int(rows.sum()) for _, rows in groups)
    if largest >= EXCEL_MAX_ROWS:
        raise SettingsError(
            f"A segment has {largest:,} customers, more than one Excel sheet can hold "
            f"({EXCEL_MAX_ROWS - 1:,}). Export the customers as CSV instead."
        )
    # Customers summarised from orders also get their RFM groups (with the predicted value, if estimated)
    # on the sheet after the summary.
    rfm_groups = rfm_group_table_with_value(frame)
    first_titles = [SUMMARY_SHEET] + ([] if rfm_groups is None else [RFM_SHEET])
    titles = sheet_names(first_titles + [name for name, _ in groups])
    summary = with_segment_value(
        with_stability(profile_table(segmentation.profiles, segmentation.overall), stability),
        frame, labels, segmentation.numbers,
    )

    def write(temporary: Path) -> None:
        with pd.ExcelWriter(temporary, engine="openpyxl") as workbook:
            neutralise_formulas(summary).to_excel(workbook, sheet_name=titles[0], index=False)
            _format_summary(workbook.sheets[titles[0]], summary)
            if rfm_groups is not None:
                rfm_groups.to_excel(workbook, sheet_name=titles[1])
            segment_titles = titles[len(first_titles):]
            for done, (title, (_, rows)) in enumerate(zip(segment_titles, groups, strict=True)):
                raise_if_cancelled(cancel)
                report(progress, done / len(groups), f"Writing the sheet {title}")
                labelled[rows].to_excel(workbook, sheet_name=title, index=False)

    written = atomic_write(path, write, protected=protected)
    report(progress, 1.0, f"Wrote the workbook {written.name}")
    return written
