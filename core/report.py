"""The PDF report: the analysis on A4 pages a manager can read without the app.

Pages: a one-page summary (what was analysed, the segments with their sizes, and a table of all segments
side by side: each column's typical value per segment, marked when the segment is clearly higher or
lower than all customers); how the segments were made (the data, the settings, missing values and the
preparation, problems found while reading, columns not used); the elbow chart with the suggested k and
its reason; the cluster chart; for customers summarised from an order history, a page on the RFM
groups (the grid and the groups' sizes and revenue), and when the table carries the lifetime-value
columns of core.clv, a page on each segment's and group's predicted value (and the holdout check's page,
when one is given); then the segments one by one, two to a page (size,
description, a suggested marketing action and the chart of what sets the segment apart, as on the app's
cards). Pages are numbered, text is at least 9 pt, and segments have the same colours as in the app
(core/colours.py).

Nothing may run off a page: text is wrapped by its measured width (matplotlib's own font metrics, not a
guess per character: a line of capitals is a third wider than one of small letters), names too long for
a table cell are shortened with "…", and a table with more rows than a page holds shows the columns that
set segments apart most and says how many more the workbook has.

The pages are plain matplotlib Figures (never pyplot) so that tests can inspect them; `write_report`
writes them into one PDF. Each section is its own function taking the page list, so sections can be
added.
"""

import math
import re
import textwrap
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Rectangle
from matplotlib.textpath import TextToPath

from core.colours import segment_colour, segment_number_colour
from core.exploration import project_2d, sample_rows
from core.export import atomic_write
from core.loading import LoadedTable
from core.methods import DEFAULT_METHOD, method_named
from core.pipeline import AnalysisResult, rename_segments, sweep_measure
from core.preparation import MissingPolicy, default_features, missing_impact
from core.profiling import HIGH_STANDING, UNUSUAL_NUMBER, OverallProfile, SegmentProfile, column_label
from core.progress import CancelCheck, ProgressCallback, raise_if_cancelled, report, scaled
from core.segment_chart import standout_bars
from core.stability import SegmentStability

A4_PORTRAIT = (8.27, 11.69)  # inches
TITLE_PT = 16
HEADING_PT = 12
BODY_PT = 10
SMALL_PT = 9  # the smallest text in the report
MAX_SCATTER_POINTS = 4000
MAX_PROFILE_BARS = 12

DATA_CHECK_TITLE = "How the segments were made"
SEGMENTS_TITLE = "The segments one by one"
# The side-by-side table: at most this many segment columns next to each other (more: a second block).
TABLE_SEGMENTS_PER_BLOCK = 8
HIGH_MARK, LOW_MARK = "▲", "▼"
# Segment names in a chart's legend are shortened to this width (points); page 1 lists them whole.
LEGEND_TEXT_WIDTH = 190
ELBOW_TITLE = "How many segments?"
CLUSTER_TITLE = "The segments side by side"
REPORT_TITLE = "Customer segments"

_LEFT = 0.09
_RIGHT = 0.91
_TOP = 0.93
_BOTTOM = 0.07
_TEXT_WIDTH_POINTS = (_RIGHT - _LEFT) * A4_PORTRAIT[0] * 72
_LINE_SPACING = 1.45
_NEUTRAL = "#333333"
_SECOND_SERIES = "#888888"
# Every colour of the pages is given here, none is left to matplotlib's settings: those are global, and
# the app applies its chart theme (dark in a dark theme) to them on the GUI thread while this module
# draws a report on a worker.
_INK = "black"
_PAPER = "white"
_FOOTER_INK = "#666666"
_LEGEND_FRAME = "#cccccc"

# Word starts in column names that say what a column measures, for the suggested marketing action.
# A name is split into words (also at capitals: "NumWebPurchases" -> num web purchases) and a column
# matches when one of its words starts with the entry, so "age" finds "Age" but not "Percentage".
_SPENDING_WORDS = (
    "spend",
    "purchas",
    "amount",
    "mnt",
    "sales",
    "revenue",
    "monetary",
    "basket",
    "order value",
)
_INCOME_WORDS = ("income", "salary", "wage", "earning")
_FREQUENCY_WORDS = ("frequen", "visits", "orders", "transactions", "number of purchases")
_RECENCY_WORDS = ("recency", "days since", "last purchase", "last order")
_AGE_WORDS = ("age",)
_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


def _words(column: object) -> str:
    return " " + " ".join(_WORD.findall(str(column))).casefold() + " "


def _level(profile: SegmentProfile, words: Sequence[str]) -> int | None:
    """+1 (high), -1 (low), 0 (about average) for the columns whose names contain `words`, by the
    profile's own levels (the measure its name and description use); None if it has no such column."""
    values = [
        level
        for column, level in profile.level.items()
        if any(f" {word}" in _words(column) for word in words)
    ]
    if not values:
        return None
    mean = float(np.mean(values))
    if mean >= 0.5:
        return 1
    if mean <= -0.5:
        return -1
    return 0


def suggested_action(profile: SegmentProfile, overall: OverallProfile | None = None) -> str:
    """One sentence of marketing advice from what sets the segment apart (rule-based, from the column
    names and the profile's levels against the typical customer); `overall` gives the user's column
    labels."""
    spending = _level(profile, _SPENDING_WORDS)
    income = _level(profile, _INCOME_WORDS)
    frequency = _level(profile, _FREQUENCY_WORDS)
    recency = _level(profile, _RECENCY_WORDS)
    age = _level(profile, _AGE_WORDS)
    if recency == 1:
        action = "Win them back with a 'we miss you' offer: it has been longer than usual since they bought."
    elif spending == 1 and income == -1:
        action = (
            "Protect this loyalty with value bundles and a points scheme: they spend a lot for their budget."
        )
    elif spending == 1:
        action = "Reward them with premium offers, early access and loyalty perks to keep them spending."
    elif spending == -1 and income == 1:
        action = "Win them over with an upsell campaign: show quality products that match their means."
    elif spending == -1 and income == -1:
        action = "Attract them with discounts, budget lines and bundle deals."
    elif spending == -1:
        action = "Encourage more purchases with a next-purchase discount or a free-delivery threshold."
    elif frequency == 1:
        action = "Thank these regulars with a loyalty programme and invitations to try new products."
    elif spending == 0 or income == 0:
        action = "Keep them engaged with the regular newsletter and mainstream offers."
    else:
        action = _generic_action(profile, overall)
    if age == 1:
        action += " Reach them through e-mail and print, which older customers read more."
    elif age == -1:
        action += " Reach them on social media and mobile channels, where younger customers are."
    return action


def _generic_action(profile: SegmentProfile, overall: OverallProfile | None) -> str:
    notable = [column for column in profile.standouts if profile.level.get(column, 0)][:2]
    if not notable:
        return "Keep them engaged with the regular newsletter and mainstream offers."
    labels = overall.column_labels if overall is not None else {}
    traits = " and ".join(
        f"{'higher' if profile.level[column] > 0 else 'lower'} {column_label(column, labels)}"
        for column in notable
    )
    return f"Test a campaign built around what sets them apart: {traits} than the typical customer."


def _number(value: float, column: str = "") -> str:
    """A number for the report: 1,234, 12.5, 0.42; a year as it is written (1965, not 1,965)."""
    value = float(value)
    if not np.isfinite(value):
        return "-"
    if _is_year(column):
        return f"{value:.0f}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _is_year(column: str) -> bool:
    return " year" in _words(column)


_TEXT_TO_PATH = TextToPath()


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """Width in points of `text` as the pages draw it (the default font at `size` points)."""
    properties = FontProperties(size=size, weight="bold" if bold else "normal")
    return _TEXT_TO_PATH.get_text_width_height_descent(text, properties, ismath=False)[0]


def wrap_text(text: str, size: float, width: float, *, bold: bool = False) -> list[str]:
    """`text` in lines at most `width` points wide; a word longer than a line is cut where it must."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if text_width(candidate, size, bold=bold) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        while text_width(word, size, bold=bold) > width and len(word) > 1:
            cut = len(word) - 1
            while cut > 1 and text_width(word[:cut], size, bold=bold) > width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    return lines or [""]


def shortened(text: str, size: float, width: float, *, bold: bool = False) -> str:
    """`text` cut to fit `width` points, ending in "…" when it had to be cut."""
    if text_width(text, size, bold=bold) <= width:
        return text
    while text and text_width(text + "…", size, bold=bold) > width:
        text = text[:-1]
    return text.rstrip() + "…"


class _PageWriter:
    """Lays text and charts top-down on A4 pages, starting a continuation page when one is full."""

    def __init__(
        self, pages: list[Figure], title: str, colour: str | None = None, *, continued: str | None = None
    ) -> None:
        self._pages = pages
        self._title = title
        self._continued = continued if continued is not None else f"{title} (continued)"
        self._colour = colour
        self._new_page(title)

    def _new_page(self, title: str) -> None:
        self.figure = Figure(figsize=A4_PORTRAIT, facecolor=_PAPER, edgecolor=_PAPER)
        indent = 0.03 if self._colour else 0.0
        # At most two lines: the title sits above the text area, which has room for two.
        lines = wrap_text(title, TITLE_PT, _TEXT_WIDTH_POINTS - indent * A4_PORTRAIT[0] * 72, bold=True)
        if len(lines) > 2:
            lines = [lines[0], shortened(" ".join(lines[1:]), TITLE_PT, _TEXT_WIDTH_POINTS, bold=True)]
        self.figure.suptitle(
            "\n".join(lines),
            x=_LEFT + indent,
            y=_TOP + 0.02,
            ha="left",
            va="bottom",
            fontsize=TITLE_PT,
            fontweight="bold",
            color=_INK,
        )
        if self._colour:
            self.figure.add_artist(
                Rectangle(
                    (_LEFT, _TOP + 0.022), 0.02, 0.014, transform=self.figure.transFigure, color=self._colour
                )
            )
        self._pages.append(self.figure)
        self.y = _TOP - 0.01

    def line_height(self, size: float) -> float:
        return size * _LINE_SPACING / (A4_PORTRAIT[1] * 72)

    @property
    def room(self) -> float:
        """Height left on this page (figure fraction)."""
        return self.y - _BOTTOM

    def _ensure(self, height: float) -> None:
        if self.y - height < _BOTTOM:
            self._new_page(self._continued)

    def keep_together(self, height: float) -> None:
        """Start a new page unless `height` (figure fraction) fits below on this one."""
        self._ensure(height)

    def space(self, lines: float = 0.6) -> None:
        self.y -= lines * self.line_height(BODY_PT)

    def heading(self, text: str, *, colour: str | None = None) -> None:
        """A bold heading, wrapped; after a square in `colour` when given (a segment's)."""
        indent = 0.03 if colour else 0.0
        lines = wrap_text(text, HEADING_PT, _TEXT_WIDTH_POINTS - indent * A4_PORTRAIT[0] * 72, bold=True)
        self.space(0.5)
        self._ensure((len(lines) + 2) * self.line_height(HEADING_PT))
        if colour:
            height = self.line_height(HEADING_PT)
            self.figure.add_artist(
                Rectangle(
                    (_LEFT, self.y - 0.8 * height), 0.018, 0.7 * height,
                    transform=self.figure.transFigure, color=colour,
                )
            )
        for line in lines:
            self.figure.text(
                _LEFT + indent, self.y, line, fontsize=HEADING_PT, fontweight="bold", va="top", color=_INK
            )
            self.y -= self.line_height(HEADING_PT) * 1.1
        self.y -= self.line_height(HEADING_PT) * 0.1

    def heading_height(self, text: str) -> float:
        lines = wrap_text(text, HEADING_PT, _TEXT_WIDTH_POINTS - 0.03 * A4_PORTRAIT[0] * 72, bold=True)
        return (len(lines) * 1.1 + 0.6) * self.line_height(HEADING_PT)

    def paragraph_height(self, text: str, *, size: float = BODY_PT) -> float:
        return len(wrap_text(text, size, _TEXT_WIDTH_POINTS)) * self.line_height(size)

    def paragraph(
        self, text: str, *, size: float = BODY_PT, indent: float = 0.0, bullet: bool = False
    ) -> None:
        width = _TEXT_WIDTH_POINTS - indent * A4_PORTRAIT[0] * 72 - (text_width("• ", size) if bullet else 0)
        for number, line in enumerate(wrap_text(text, size, width)):
            self._ensure(self.line_height(size))
            shown = ("• " if number == 0 else "  ") + line if bullet else line
            self.figure.text(_LEFT + indent, self.y, shown, fontsize=size, va="top", color=_INK)
            self.y -= self.line_height(size)

    def bullets(self, items: Sequence[str], *, size: float = BODY_PT) -> None:
        for item in items:
            self.paragraph(item, size=size, indent=0.02, bullet=True)

    def swatch_line(self, colour: str, text: str) -> None:
        """Text after a small square in a segment's colour, wrapped beside the square."""
        height = self.line_height(BODY_PT)
        lines = wrap_text(text, BODY_PT, _TEXT_WIDTH_POINTS - 0.04 * A4_PORTRAIT[0] * 72)
        self._ensure(height * len(lines))
        self.figure.add_artist(
            Rectangle(
                (_LEFT + 0.02, self.y - 0.75 * height),
                0.012,
                0.6 * height,
                transform=self.figure.transFigure,
                color=colour,
            )
        )
        for line in lines:
            self.figure.text(_LEFT + 0.04, self.y, line, fontsize=BODY_PT, va="top", color=_INK)
            self.y -= height

    def axes(self, height: float, *, left_margin: float = 0.06):
        """An Axes `height` (figure fraction) tall below the text, with room for its tick labels."""
        self._ensure(height + 0.04)
        axes = self.figure.add_axes(
            (_LEFT + left_margin, self.y - height, _RIGHT - _LEFT - left_margin, height), facecolor=_PAPER
        )
        _ink_axes(axes)
        self.y -= height + 0.05
        return axes

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float], *,
              header_colours: Sequence[str | None] = (), bold_first_column: bool = False) -> None:
        """A table of `rows` below the text: column `widths` in points (the first column left-aligned, the
        others right-aligned), header in bold with an optional colour bar under each header cell. Cells
        are shortened to fit their column; rows continue on a new page when this one is full."""
        size = SMALL_PT
        height = self.line_height(size)
        self._ensure(3 * height)
        lefts = np.cumsum([0.0, *widths[:-1]])
        page_width = A4_PORTRAIT[0] * 72

        def draw(cells: Sequence[str], *, bold: bool) -> None:
            for column, (text, left, width) in enumerate(zip(cells, lefts, widths, strict=True)):
                fitted = shortened(text, size, width - 4, bold=bold or (bold_first_column and column == 0))
                x = _LEFT + (left if column == 0 else left + width - 2) / page_width
                self.figure.text(
                    x, self.y, fitted, fontsize=size, va="top", ha="left" if column == 0 else "right",
                    fontweight="bold" if bold or (bold_first_column and column == 0) else "normal",
                    color=_INK,
                )

        def draw_header() -> None:
            draw(header, bold=True)
            for left, width, colour in zip(lefts, widths, header_colours, strict=False):
                if colour:
                    self.figure.add_artist(
                        Rectangle(
                            ((_LEFT * page_width + left + width * 0.35) / page_width, self.y - 1.05 * height),
                            width * 0.6 / page_width, 0.18 * height,
                            transform=self.figure.transFigure, color=colour,
                        )
                    )
            self.y -= height * 1.3

        draw_header()
        for row in rows:
            if self.y - height < _BOTTOM:
                self._new_page(self._continued)
                draw_header()
            draw(row, bold=False)
            self.y -= height


def _ink_axes(axes) -> None:
    """Ticks (also those made when the page is drawn), tick labels, axis titles and frame in `_INK`."""
    axes.tick_params(labelsize=SMALL_PT, colors=_INK)
    for axis in (axes.xaxis, axes.yaxis):
        axis.label.set_color(_INK)
    for spine in axes.spines.values():
        spine.set_edgecolor(_INK)


def _how_k(result: AnalysisResult) -> str:
    settings, sweep, k = result.settings, result.sweep, result.segmentation.k
    method = method_named(settings.method)
    if not method.takes_k:
        return f"{k} segments, a number {method.title} found itself."
    if settings.k is None and sweep is not None and sweep.suggested_k == k:
        return f"{k} segments, as suggested after trying {settings.k_min} to {settings.k_max}."
    return f"{k} segments, chosen by the user."


def method_sentences(result: AnalysisResult) -> list[str]:
    """Which grouping method made the segments and when it fits (the method's own words), how it ran
    when the user should know (Ward on a large table: on micro-groups), and how many customers it put
    in no group."""
    method = method_named(result.settings.method)
    chosen = "the default method" if method.name == DEFAULT_METHOD else "chosen instead of the default"
    sentences = [f"Grouping method: {method.title} ({chosen}). {method.when_to_use}"]
    # What the method says about how this fit ran (Ward on a large table: on small groups).
    sentences += list(result.segmentation.segmenter.notes_)
    segmentation = result.segmentation
    if method.finds_unusual or segmentation.unusual:
        share = segmentation.unusual / max(segmentation.overall.size, 1)
        sentences.append(
            f"{method.title} left {segmentation.unusual:,} customers ({share:.0%}) in no group: they are "
            'shown as segment 0, "Unusual customers", in grey.'
        )
    return sentences


def _summary_page(pages: list[Figure], table: LoadedTable, result: AnalysisResult, created: datetime) -> None:
    """One page: what was analysed, the segments, and all of them side by side."""
    loaded = table.report
    segmentation = result.segmentation
    used = len(result.prepared.row_positions)
    features = tuple(result.settings.features or ())
    page = _PageWriter(pages, REPORT_TITLE)
    page.paragraph(
        f"Report on {Path(loaded.path).name}, made with Segment Studio on {created:%d %B %Y at %H:%M}."
    )
    page.paragraph(
        f"{used:,} of the {loaded.rows:,} customers in the file were grouped by {len(features)} "
        f"column{'s' if len(features) != 1 else ''} into {_how_k(result)}"
    )
    for sentence in method_sentences(result):
        page.paragraph(sentence)
    page.heading("The segments")
    for profile in segmentation.profiles:
        page.swatch_line(
            segment_number_colour(profile.number),
            f"{profile.number}. {profile.name}: {profile.size:,} customers ({profile.share:.0%})",
        )
    page.heading("All segments side by side")
    page.paragraph(
        f"The typical value (median) of each column in each segment and among all customers; {HIGH_MARK} "
        f"marks a segment clearly higher than all customers, {LOW_MARK} clearly lower (the measure the "
        "segment descriptions use). Yes/no columns and categories show the share of customers.",
        size=SMALL_PT,
    )
    page.space(0.4)
    blocks = math.ceil(len(segmentation.profiles) / TABLE_SEGMENTS_PER_BLOCK)
    line = page.line_height(SMALL_PT)
    fitting = int((page.room - 2 * line) / line) // blocks - 3  # header and gaps of each block
    rows, left_out = _comparison_rows(segmentation, max(fitting, 5))
    for start in range(0, len(segmentation.profiles), TABLE_SEGMENTS_PER_BLOCK):
        shown = segmentation.profiles[start : start + TABLE_SEGMENTS_PER_BLOCK]
        label_width = 0.3 * _TEXT_WIDTH_POINTS
        value_width = (_TEXT_WIDTH_POINTS - label_width) / (len(shown) + 1)
        page.table(
            ["Column", *(str(profile.number) for profile in shown), "All"],
            [[label, *(row[profile.number] for profile in shown), row[None]] for label, row in rows],
            [label_width, *[value_width] * (len(shown) + 1)],
            header_colours=[None, *(segment_number_colour(profile.number) for profile in shown), None],
        )
        page.space(0.6)
    if left_out:
        page.paragraph(
            f"{left_out} more column{'s' if left_out != 1 else ''}, less different between the segments, "
            "are in the workbook (File > Export Workbook).",
            size=SMALL_PT,
        )


def _comparison_rows(segmentation, limit: int) -> tuple[list[tuple[str, dict[int | None, str]]], int]:
    """Rows of the side-by-side table: (label, {segment number or None for all customers: cell}), the
    columns that set segments apart most when there are more than `limit`, in the file's order; and how
    many were left out."""
    profiles, overall = segmentation.profiles, segmentation.overall
    given = overall.column_labels
    candidates: list[tuple[float, int, str, dict[int | None, str]]] = []
    for order, column in enumerate(overall.means):
        yes_no = column in overall.yes_no_columns
        everyone = _share(overall.means[column]) if yes_no else _cell_number(overall.medians[column], column)
        cells: dict[int | None, str] = {None: everyone}
        for profile in profiles:
            value = profile.means[column] if yes_no else profile.medians[column]
            mark = {1: HIGH_MARK, -1: LOW_MARK}.get(profile.level.get(column, 0), "")
            cells[profile.number] = mark + (_share(value) if yes_no else _cell_number(value, column))
        spread = max((abs(profile.standing.get(column, 50.0) - 50.0) for profile in profiles), default=0.0)
        label = column_label(column, given)
        candidates.append((spread, order, label[:1].upper() + label[1:], cells))
    for order, (column, everyone) in enumerate(overall.category_shares.items(), start=len(candidates)):
        if not everyone:
            continue
        level = next(iter(everyone))
        cells = {None: _share(everyone[level])}
        spread = 0.0
        for profile in profiles:
            share = profile.category_shares.get(column, {}).get(level, 0.0)
            moved = 50.0 * (share - everyone[level])  # on the standing's scale, see core/profiling.py
            notable = abs(moved) >= HIGH_STANDING - 50.0
            mark = (HIGH_MARK if moved > 0 else LOW_MARK) if notable else ""
            cells[profile.number] = mark + _share(share)
            spread = max(spread, abs(moved))
        label = column_label(column, given)
        candidates.append((spread, order, f"{label[:1].upper() + label[1:]}: {level}", cells))
    kept = sorted(candidates, key=lambda item: (-item[0], item[1]))[:limit]
    kept.sort(key=lambda item: item[1])
    return [(label, cells) for _, _, label, cells in kept], len(candidates) - len(kept)


def _share(value: float) -> str:
    return f"{value * 100:.0f} %" if np.isfinite(value) else "-"


def _cell_number(value: float, column: str) -> str:
    """A number short enough for a table cell: 1965 (a year), 12.3k, 1.2M, 412, 3.5, 0.42."""
    value = float(value)
    if not np.isfinite(value):
        return "-"
    if _is_year(column):
        return f"{value:.0f}"
    size = abs(value)
    if size >= 1e6:
        return f"{value / 1e6:.1f}M"
    if size >= 1e4:
        return f"{value / 1e3:.0f}k" if size >= 1e5 else f"{value / 1e3:.1f}k"
    if size >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}".rstrip("0").rstrip(".") if size < 10 else f"{value:.1f}".rstrip("0").rstrip(".")


def _method_page(pages: list[Figure], table: LoadedTable, result: AnalysisResult) -> None:
    """The data, the settings and what was done to the data: for whoever checks the work."""
    loaded = table.report
    settings = result.settings
    features = tuple(settings.features or ())
    given = result.segmentation.overall.column_labels
    used = len(result.prepared.row_positions)
    page = _PageWriter(pages, DATA_CHECK_TITLE)
    page.heading("The data")
    page.bullets(
        [
            f"File: {loaded.path}",
            f"Customers in the file: {loaded.rows:,}, with {len(loaded.columns)} columns.",
            f"Customers segmented: {used:,}"
            + (
                f" ({loaded.rows - used:,} left out because of missing values)."
                if used < loaded.rows
                else "."
            ),
        ]
    )
    page.heading("Settings")
    missing = (
        "customers with a missing value were left out"
        if settings.missing == MissingPolicy.DROP
        else "missing values were filled in with typical values"
    )
    columns = ", ".join(f"{name} ({given[name]})" if name in given else name for name in features)
    page.bullets(
        [
            f"Columns used: {columns}.",
            *method_sentences(result),
            f"Number of segments: {_how_k(result)}",
            f"Scaling: {settings.scaling}. Missing values: {missing}.",
            f"Log transform: {', '.join(settings.log_columns) if settings.log_columns else 'none'}.",
            f"Random seed: {settings.seed} (the same seed gives the same segments).",
        ]
    )
    page.heading("Missing values")
    impact = missing_impact(table.frame, features, loaded.columns)
    if impact.cells_missing:
        page.bullets(
            [f"{column}: {count:,} empty values." for column, count in impact.cells_missing.items()]
            + [f"{impact.rows_with_missing:,} customers have at least one empty value in the columns used."]
        )
    else:
        page.paragraph("None of the columns used has empty values.")
    page.heading("How the data was prepared")
    page.bullets(result.prepared.steps)
    page.heading("Reading the file")
    page.bullets(loaded.problems or ["No problems were found while reading the file."])
    excluded = default_features(loaded.columns).excluded
    unused = [column.name for column in loaded.columns if column.name not in features]
    if unused:
        page.heading("Columns not used")
        page.bullets([f"{name}: {excluded.get(name, 'not chosen for the segments')}." for name in unused])


def _elbow_page(pages: list[Figure], result: AnalysisResult) -> None:
    page = _PageWriter(pages, ELBOW_TITLE)
    sweep = result.sweep
    chosen = result.segmentation.k
    if sweep is None:
        method = method_named(result.settings.method)
        if method.takes_k:
            page.paragraph(f"The number of segments was set to {chosen}; no other numbers were tried.")
        else:
            page.paragraph(
                f"{method.title} finds the number of segments itself, from how closely customers crowd "
                f"together: it found {chosen}. No number of segments had to be chosen."
            )
        return
    ks = [score.k for score in sweep.scores]
    if sweep_measure(sweep, "bic"):  # the Gaussian mixture's own sweep
        page.paragraph(
            "Each number of segments was tried. The line (BIC) weighs how well the segments describe the "
            "customers against how many segments it takes: lower is better, and the lowest point is the "
            "suggested number."
        )
        page.space()
        axes = page.axes(0.36)
        axes.plot(ks, [score.bic for score in sweep.scores], marker="o", color=_NEUTRAL, label="BIC")
        axes.set_ylabel("BIC (lower = better)", fontsize=BODY_PT)
    else:
        page.paragraph(
            "Each number of segments was tried. The dark line (WCSS) shows how tightly customers sit around "
            "their segment's centre: lower is tighter, and it always falls as segments are added, so the "
            "point where it stops falling steeply (the elbow) is a good choice. The grey line (silhouette) "
            "shows how clearly the segments are separated: higher is clearer."
        )
        page.space()
        axes = page.axes(0.36)
        axes.plot(ks, [score.wcss for score in sweep.scores], marker="o", color=_NEUTRAL, label="WCSS")
        axes.set_ylabel("WCSS (lower = tighter)", fontsize=BODY_PT)
    axes.set_xlabel("Number of segments", fontsize=BODY_PT)
    axes.set_xticks(ks)
    silhouette = sweep_measure(sweep, "silhouette")
    if silhouette:
        second = axes.twinx()
        second.plot(
            [int(k) for k in silhouette],
            list(silhouette.values()),
            marker="s",
            linestyle="--",
            color=_SECOND_SERIES,
            label="silhouette",
        )
        _ink_axes(second)
        second.set_ylabel("Silhouette (higher = clearer)", fontsize=BODY_PT)
    axes.axvline(sweep.suggested_k, color=segment_colour(0), linewidth=1.5)
    axes.annotate(
        f"suggested: {sweep.suggested_k}",
        (sweep.suggested_k, 1.0),
        xycoords=("data", "axes fraction"),
        xytext=(4, -12),
        textcoords="offset points",
        fontsize=SMALL_PT,
        color=segment_colour(0),
    )
    page.heading(f"Suggested: {sweep.suggested_k} segments")
    page.paragraph(sweep.reason)
    if chosen != sweep.suggested_k:
        page.paragraph(f"The analysis uses {chosen} segments, as chosen by the user.")


def _cluster_page(pages: list[Figure], result: AnalysisResult) -> None:
    prepared = result.prepared
    segmentation = result.segmentation
    page = _PageWriter(pages, CLUSTER_TITLE)
    # Centres are marked for methods whose segments have them (k-means, Ward); a density method's
    # segments can be any shape, and their mean may lie outside them.
    has_centres = method_named(result.settings.method).has_centres
    page.paragraph(
        "Each dot is a customer, coloured by segment"
        + ("; a cross marks each segment's centre. " if has_centres else ". ")
        + "All columns used are squeezed into two directions that show the most variation between "
        "customers; the axis titles name the columns that drive each direction."
    )
    page.space()
    labels = segmentation.labels[prepared.row_positions]
    shown = sample_rows(len(labels), MAX_SCATTER_POINTS, labels)
    projection = project_2d(prepared.matrix, prepared.feature_names, segmentation.centres, rows=shown)
    axes = page.axes(0.45)
    for position, profile in enumerate(segmentation.profiles):
        in_segment = labels[shown] == position
        colour = segment_number_colour(profile.number)
        axes.scatter(
            projection.coords[in_segment, 0],
            projection.coords[in_segment, 1],
            s=8,
            alpha=0.6,
            color=colour,
            label=shortened(f"{profile.number}. {profile.name}", SMALL_PT, LEGEND_TEXT_WIDTH),
            linewidths=0,
        )
        if has_centres and profile.number != UNUSUAL_NUMBER:
            axes.scatter(
                *projection.centres[position], s=110, marker="X", color=colour, edgecolors="black",
                linewidths=1,
            )
    # The titles name the columns driving each direction: many columns make them long, so they wrap to
    # the chart's width and height (at most three lines).
    x_width = (_RIGHT - _LEFT - 0.06) * A4_PORTRAIT[0] * 72
    y_width = 0.45 * A4_PORTRAIT[1] * 72
    axes.set_xlabel("\n".join(wrap_text(projection.axis_labels[0], BODY_PT, x_width)[:3]), fontsize=BODY_PT)
    axes.set_ylabel("\n".join(wrap_text(projection.axis_labels[1], BODY_PT, y_width)[:3]), fontsize=BODY_PT)
    axes.legend(
        fontsize=SMALL_PT,
        loc="best",
        markerscale=2,
        facecolor=_PAPER,
        edgecolor=_LEGEND_FRAME,
        labelcolor=_INK,
    )
    if len(shown) < len(labels):
        page.paragraph(f"{len(shown):,} of the {len(labels):,} customers are shown.", size=SMALL_PT)


def _segment_pages(
    pages: list[Figure], result: AnalysisResult, stability: Sequence[SegmentStability] | None = None
) -> None:
    """The segments one by one, as many to a page as fit whole (two, usually): a segment never starts on
    one page and ends on the next, and no page is left half empty by a "continued" part. With
    `stability` (one per segment) each says how often it was found again."""
    segmentation = result.segmentation
    overall = segmentation.overall
    page = _PageWriter(pages, SEGMENTS_TITLE, continued=SEGMENTS_TITLE)
    for number, profile in enumerate(segmentation.profiles):
        colour = segment_number_colour(profile.number)
        title = f"Segment {profile.number}: {profile.name}"
        action = suggested_action(profile, overall)
        how_sure = "" if stability is None else _how_sure(stability[number])
        chart_height = 0.022 * len(profile.standouts) + 0.04 if profile.standouts else 0.0
        needed = (
            page.heading_height(title)
            + page.paragraph_height(profile.description or " ")
            + page.paragraph_height(f"Suggested action: {action}")
            + (page.paragraph_height(how_sure) if how_sure else 0.0)
            + (chart_height + 0.07 if profile.standouts else 0.0)
        )
        if number:
            page.space(1.0)
            page.keep_together(needed)
        page.heading(title, colour=colour)
        page.paragraph(profile.description or f"{profile.size:,} customers ({profile.share:.0%}).")
        page.space(0.4)
        page.paragraph(f"Suggested action: {action}")
        if how_sure:
            page.space(0.4)
            page.paragraph(how_sure)
        if profile.standouts:
            page.space(0.4)
            axes = page.axes(chart_height, left_margin=0.27)
            standout_bars(axes, profile, overall, colour=colour, ink=_INK, font_size=SMALL_PT)


def _how_sure(stability: SegmentStability) -> str:
    return f"How sure: {stability.explanation} (stability {stability.jaccard:.2f} of 1)."


RFM_TITLE = "RFM groups"
# Shades of the grid's cells, best groups darkest: the grid reads at a glance without a legend.
_RFM_SHADES = ("#1b5e20", "#2e7d32", "#43a047", "#66bb6a", "#81c784", "#a5d6a7", "#ffe082", "#ffb74d",
               "#ff8a65", "#e0e0e0", "#bdbdbd")


def _rfm_page(pages: list[Figure], table: LoadedTable) -> None:
    """Customers summarised from an order history (core.orders): the classic RFM groups beside the
    segments, with the grid that names them. Nothing for other tables."""
    from core.orders import DEFINITIONS, rfm_group_table
    from core.rfm import GRID, GROUP_MEANINGS, RFM_GROUPS

    groups = rfm_group_table(table.frame)
    if groups is None:
        return
    page = _PageWriter(pages, RFM_TITLE)
    if table.report.built_from:
        page.paragraph(table.report.built_from)
        page.space(0.4)
    page.paragraph(DEFINITIONS, size=SMALL_PT)
    page.heading("The recency-frequency grid")
    axes = page.axes(0.25, left_margin=0.1)
    for r_score, row in enumerate(GRID, start=1):
        for f_score, group in enumerate(row, start=1):
            shade = _RFM_SHADES[RFM_GROUPS.index(group)]
            axes.add_patch(Rectangle((f_score - 0.5, r_score - 0.5), 1, 1, facecolor=shade, edgecolor=_PAPER))
            ink = _PAPER if RFM_GROUPS.index(group) < 3 else _INK
            axes.text(f_score, r_score, textwrap.fill(group, 12), ha="center", va="center", fontsize=SMALL_PT,
                      color=ink)
    axes.set_xlim(0.5, 5.5)
    axes.set_ylim(0.5, 5.5)
    axes.set_xticks(range(1, 6))
    axes.set_yticks(range(1, 6))
    axes.set_xlabel("F score (purchases): 5 = the fifth who bought most often", fontsize=SMALL_PT)
    axes.set_ylabel("R score: 5 = bought most recently", fontsize=SMALL_PT)
    page.heading("The groups in this file")
    page.bullets(
        [
            f"{group}: {row['Customers']:,.0f} customers ({row['Share of customers']:.0%}), "
            f"{row['Average purchases']:.1f} purchases and "
            f"{row['Average days since last purchase']:,.0f} days since the last on average, "
            f"{row['Share of revenue']:.0%} of the revenue. {GROUP_MEANINGS[group]}"
            for group, row in groups.iterrows()
        ],
        size=SMALL_PT,
    )


LIFETIME_VALUE_TITLE = "Lifetime value"
HOLDOUT_TITLE = "How far to trust the forecast"


def _lifetime_value_page(pages: list[Figure], table: LoadedTable, result: AnalysisResult) -> None:
    """For a per-customer table that carries the lifetime-value columns (core.clv): each segment's and
    each RFM group's share of the customers and of the predicted value, and how many are still active.
    Nothing for other tables."""
    from core.clv import CHANCE_ACTIVE, lifetime_value_weeks, value_by_rfm_group, value_by_segment

    segmentation = result.segmentation
    by_segment = value_by_segment(table.frame, segmentation.labels, segmentation.numbers)
    if by_segment is None:
        return
    weeks = lifetime_value_weeks(table.frame.columns)
    page = _PageWriter(pages, LIFETIME_VALUE_TITLE)
    page.paragraph(
        f"What each customer is expected to buy in the next {weeks} weeks, from how often and how recently "
        "they bought and how much they spent (the BG/NBD and Gamma-Gamma models). The models assume that "
        "customers buy at a steady rate while active, may stop after any purchase without saying so, and "
        "spend independently of how often they buy; they do not suit subscriptions or contracts. "
        f"{table.frame[CHANCE_ACTIVE].mean():.0f} % of the customers are expected to be still active. "
        "Customers who bought only once count as still active (the models let a customer drop out only "
        "after a repeat purchase): their small expected purchases tell them apart."
    )
    page.heading("Segments")
    for position, (label, row) in enumerate(by_segment.table.iterrows()):
        page.swatch_line(
            segment_number_colour(segmentation.numbers[position]),
            f"{label} ({segmentation.names[position]}): "
            f"{_number(row['Predicted value per customer'])} per customer, "
            f"{row['Share still active (%)']:.0f} % still active.",
        )
        page.paragraph(by_segment.sentences[label], size=SMALL_PT, indent=0.04)
    by_group = value_by_rfm_group(table.frame)
    if by_group is not None:
        page.heading("RFM groups")
        page.bullets(
            [
                f"{sentence} {_number(by_group.table.loc[label, 'Predicted value per customer'])} per "
                f"customer, {by_group.table.loc[label, 'Share still active (%)']:.0f} % still active."
                for label, sentence in by_group.sentences.items()
            ],
            size=SMALL_PT,
        )


def _holdout_page(pages: list[Figure], holdout) -> None:
    """The holdout check (core.clv.HoldoutCheck): the forecast against what customers did after the
    split, week by week and by the number of earlier purchases, as in Fader, Hardie and Lee (2005)."""
    page = _PageWriter(pages, HOLDOUT_TITLE)
    page.paragraph(
        f"The models were fitted again on the purchases up to {holdout.split:%d %B %Y} only, and their "
        "forecast of the purchases after that day is compared with what the customers did."
    )
    page.space(0.4)
    page.paragraph(holdout.sentence, size=HEADING_PT)
    page.space()
    axes = page.axes(0.28)
    weekly = holdout.weekly
    axes.plot(weekly["Week"], weekly["Actual purchases (cumulative)"], color=_NEUTRAL, label="Actual")
    axes.plot(weekly["Week"], weekly["Predicted purchases (cumulative)"], color=segment_colour(0),
              linestyle="--", label="Expected by the model")
    axes.set_xlabel("Weeks after the split", fontsize=BODY_PT)
    axes.set_ylabel("Purchases, cumulative", fontsize=BODY_PT)
    axes.legend(fontsize=SMALL_PT, facecolor=_PAPER, edgecolor=_LEGEND_FRAME, labelcolor=_INK)
    page.heading("By the number of repeat purchases before the split")
    axes = page.axes(0.24)
    groups = holdout.by_purchases_before
    positions = np.arange(len(groups))
    axes.bar(positions - 0.2, groups["Actual per customer"], width=0.4, color=_NEUTRAL, label="Actual")
    axes.bar(positions + 0.2, groups["Predicted per customer"], width=0.4, color=segment_colour(0),
             label="Expected by the model")
    axes.set_xticks(positions, groups["Repeat purchases before the split"])
    axes.set_xlabel("Repeat purchases before the split", fontsize=BODY_PT)
    axes.set_ylabel("Purchases per customer after it", fontsize=BODY_PT)
    axes.legend(fontsize=SMALL_PT, facecolor=_PAPER, edgecolor=_LEGEND_FRAME, labelcolor=_INK)


def _number_pages(pages: list[Figure], file_name: str) -> None:
    for position, figure in enumerate(pages, start=1):
        footer = f"Segment Studio report on {file_name}"
        figure.text(_LEFT, 0.03, footer, fontsize=SMALL_PT, color=_FOOTER_INK)
        figure.text(
            _RIGHT, 0.03, f"Page {position} of {len(pages)}", fontsize=SMALL_PT, ha="right", color=_INK
        )


def build_report_pages(
    table: LoadedTable,
    result: AnalysisResult,
    *,
    names: Sequence[str] | None = None,
    created: datetime | None = None,
    holdout=None,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
    stability: Sequence[SegmentStability] | None = None,
) -> list[Figure]:
    """The report's pages as Figures, in order; `names` replaces the segment names (the user's edits);
    `holdout` (core.clv.HoldoutCheck) adds its page after the lifetime value; `stability` (one per
    segment, core.stability) a line to each segment."""
    if names is not None:
        result = AnalysisResult(
            result.settings, result.prepared, result.sweep, rename_segments(result.segmentation, names)
        )
    created = created or datetime.now()
    pages: list[Figure] = []
    sections = [
        lambda: _summary_page(pages, table, result, created),
        lambda: _method_page(pages, table, result),
        lambda: _elbow_page(pages, result),
        lambda: _cluster_page(pages, result),
        lambda: _rfm_page(pages, table),
        lambda: _lifetime_value_page(pages, table, result),
    ] + ([lambda: _holdout_page(pages, holdout)] if holdout is not None else []) + [
        lambda: _segment_pages(pages, result, stability),
    ]
    for done, section in enumerate(sections):
        raise_if_cancelled(cancel)
        report(progress, done / len(sections), "Drawing the report")
        section()
    _number_pages(pages, Path(table.report.path).name)
    return pages


def write_report(
    path: str | Path,
    table: LoadedTable,
    result: AnalysisResult,
    *,
    names: Sequence[str] | None = None,
    holdout=None,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
    stability: Sequence[SegmentStability] | None = None,
) -> Path:
    """Write the PDF report atomically (never onto the customer file). Returns the path written."""
    pages = build_report_pages(
        table, result, names=names, holdout=holdout, progress=scaled(progress, 0.0, 0.5), cancel=cancel,
        stability=stability,
    )
    # The one matplotlib backend the core may use (tests/test_architecture.py allows it by name): the
    # PDF writer is a file format, not a screen. Imported here so loading the core stays light.
    from matplotlib.backends import backend_pdf

    def write(temporary: Path) -> None:
        metadata = {
            "Title": f"Customer segments: {Path(table.report.path).name}",
            "Creator": "Segment Studio",
        }
        with backend_pdf.PdfPages(temporary, metadata=metadata) as document:
            for number, figure in enumerate(pages):
                raise_if_cancelled(cancel)
                report(progress, 0.5 + 0.5 * number / len(pages), "Writing the report")
                document.savefig(figure, facecolor=_PAPER, edgecolor=_PAPER)

    written = atomic_write(path, write, protected=table.report.path)
    report(progress, 1.0, f"Wrote the report {written.name}")
    return written
