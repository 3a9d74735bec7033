"""The PDF report: the analysis on A4 pages a manager can read without the app.

Pages: a title page (file, date, row counts, settings, the segments at a glance); the data check
(missing values and what was done, preparation steps, problems found while reading); the elbow chart
with the suggested k and its reason; the cluster chart; one page per segment (size, profile against the
average, description and a suggested marketing action); for customers summarised from an order history,
a page on the RFM groups (the grid and the groups' sizes and revenue) after the cluster chart, and when
the table carries the lifetime-value columns of core.clv, a page on each segment's and group's predicted
value (and the holdout check's page, when one is given). Pages are
numbered, text is at least 9 pt, and segments have the same colours as in the app (core/colours.py).

The pages are plain matplotlib Figures (never pyplot) so that tests can inspect them; `write_report`
writes them into one PDF.
"""

import re
import textwrap
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from core.colours import segment_colour
from core.exploration import project_2d, sample_rows
from core.export import atomic_write
from core.loading import LoadedTable
from core.pipeline import AnalysisResult, rename_segments
from core.preparation import MissingPolicy, default_features, missing_impact
from core.profiling import SegmentProfile
from core.progress import CancelCheck, ProgressCallback, raise_if_cancelled, report, scaled

A4_PORTRAIT = (8.27, 11.69)  # inches
TITLE_PT = 16
HEADING_PT = 12
BODY_PT = 10
SMALL_PT = 9  # the smallest text in the report
MAX_SCATTER_POINTS = 4000
MAX_PROFILE_BARS = 12
# |difference| (in overall standard deviations) from which a segment counts as high or low on a column.
NOTABLE_DIFFERENCE = 0.5

DATA_CHECK_TITLE = "Data check"
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
    """+1 (high), -1 (low), 0 (about average) for the columns whose names contain `words`; None if the
    profile has no such column."""
    values = [
        value
        for column, value in profile.difference.items()
        if any(f" {word}" in _words(column) for word in words) and np.isfinite(value)
    ]
    if not values:
        return None
    mean = float(np.mean(values))
    if mean >= NOTABLE_DIFFERENCE:
        return 1
    if mean <= -NOTABLE_DIFFERENCE:
        return -1
    return 0


def suggested_action(profile: SegmentProfile) -> str:
    """One sentence of marketing advice from what sets the segment apart (rule-based, from the column
    names and the profile's differences from the average customer)."""
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
        action = _generic_action(profile)
    if age == 1:
        action += " Reach them through e-mail and print, which older customers read more."
    elif age == -1:
        action += " Reach them on social media and mobile channels, where younger customers are."
    return action


def _generic_action(profile: SegmentProfile) -> str:
    notable = sorted(
        (
            (column, value)
            for column, value in profile.difference.items()
            if np.isfinite(value) and abs(value) >= NOTABLE_DIFFERENCE
        ),
        key=lambda item: -abs(item[1]),
    )[:2]
    if not notable:
        return "Keep them engaged with the regular newsletter and mainstream offers."
    traits = " and ".join(f"{'higher' if value > 0 else 'lower'} {column}" for column, value in notable)
    return f"Test a campaign built around what sets them apart: {traits} than the average customer."


def _number(value: float) -> str:
    value = float(value)
    if not np.isfinite(value):
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


class _PageWriter:
    """Lays text and charts top-down on A4 pages, starting a continuation page when one is full."""

    def __init__(self, pages: list[Figure], title: str, colour: str | None = None) -> None:
        self._pages = pages
        self._title = title
        self._colour = colour
        self._new_page(title)

    def _new_page(self, title: str) -> None:
        self.figure = Figure(figsize=A4_PORTRAIT, facecolor=_PAPER, edgecolor=_PAPER)
        indent = 0.03 if self._colour else 0.0
        self.figure.suptitle(
            title,
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

    def _line_height(self, size: float) -> float:
        return size * _LINE_SPACING / (A4_PORTRAIT[1] * 72)

    def _ensure(self, height: float) -> None:
        if self.y - height < _BOTTOM:
            self._new_page(f"{self._title} (continued)")

    def space(self, lines: float = 0.6) -> None:
        self.y -= lines * self._line_height(BODY_PT)

    def heading(self, text: str) -> None:
        self.space(0.5)
        self._ensure(3 * self._line_height(HEADING_PT))
        self.figure.text(_LEFT, self.y, text, fontsize=HEADING_PT, fontweight="bold", va="top", color=_INK)
        self.y -= self._line_height(HEADING_PT) * 1.2

    def paragraph(
        self, text: str, *, size: float = BODY_PT, indent: float = 0.0, bullet: bool = False
    ) -> None:
        characters = int((_TEXT_WIDTH_POINTS - indent * A4_PORTRAIT[0] * 72) / (0.52 * size))
        lines = textwrap.wrap(text, characters) or [""]
        for number, line in enumerate(lines):
            self._ensure(self._line_height(size))
            shown = ("• " if number == 0 else "  ") + line if bullet else line
            self.figure.text(_LEFT + indent, self.y, shown, fontsize=size, va="top", color=_INK)
            self.y -= self._line_height(size)

    def bullets(self, items: Sequence[str], *, size: float = BODY_PT) -> None:
        for item in items:
            self.paragraph(item, size=size, indent=0.02, bullet=True)

    def swatch_line(self, colour: str, text: str) -> None:
        """A line of text after a small square in a segment's colour."""
        height = self._line_height(BODY_PT)
        self._ensure(height)
        self.figure.add_artist(
            Rectangle(
                (_LEFT + 0.02, self.y - 0.75 * height),
                0.012,
                0.6 * height,
                transform=self.figure.transFigure,
                color=colour,
            )
        )
        self.figure.text(_LEFT + 0.04, self.y, text, fontsize=BODY_PT, va="top", color=_INK)
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


def _ink_axes(axes) -> None:
    """Ticks (also those made when the page is drawn), tick labels, axis titles and frame in `_INK`."""
    axes.tick_params(labelsize=SMALL_PT, colors=_INK)
    for axis in (axes.xaxis, axes.yaxis):
        axis.label.set_color(_INK)
    for spine in axes.spines.values():
        spine.set_edgecolor(_INK)


def _title_page(pages: list[Figure], table: LoadedTable, result: AnalysisResult, created: datetime) -> None:
    loaded = table.report
    settings = result.settings
    prepared = result.prepared
    segmentation = result.segmentation
    used = len(prepared.row_positions)
    page = _PageWriter(pages, REPORT_TITLE)
    page.paragraph(
        f"Report on {Path(loaded.path).name}, made with Segment Studio on {created:%d %B %Y at %H:%M}."
    )
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
    if settings.k is None and result.sweep is not None and result.sweep.suggested_k == segmentation.k:
        how_k = f"{segmentation.k} segments, as suggested after trying {settings.k_min} to {settings.k_max}."
    else:
        how_k = f"{segmentation.k} segments, chosen by the user."
    missing = (
        "customers with a missing value were left out"
        if settings.missing == MissingPolicy.DROP
        else "missing values were filled in with typical values"
    )
    page.bullets(
        [
            f"Columns used: {', '.join(settings.features or ())}.",
            f"Number of segments: {how_k}",
            f"Scaling: {settings.scaling}. Missing values: {missing}.",
            f"Log transform: {', '.join(settings.log_columns) if settings.log_columns else 'none'}.",
            f"Random seed: {settings.seed} (the same seed gives the same segments).",
        ]
    )
    page.heading("The segments at a glance")
    for number, profile in enumerate(segmentation.profiles):
        page.swatch_line(
            segment_colour(number),
            f"{profile.number}. {profile.name}: {profile.size:,} customers ({profile.share:.0%})",
        )


def _data_check_page(pages: list[Figure], table: LoadedTable, result: AnalysisResult) -> None:
    features = tuple(result.settings.features or ())
    page = _PageWriter(pages, DATA_CHECK_TITLE)
    page.heading("Missing values")
    impact = missing_impact(table.frame, features, table.report.columns)
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
    page.bullets(table.report.problems or ["No problems were found while reading the file."])
    excluded = default_features(table.report.columns).excluded
    unused = [column.name for column in table.report.columns if column.name not in features]
    if unused:
        page.heading("Columns not used")
        page.bullets([f"{name}: {excluded.get(name, 'not chosen for the segments')}." for name in unused])


def _elbow_page(pages: list[Figure], result: AnalysisResult) -> None:
    page = _PageWriter(pages, ELBOW_TITLE)
    sweep = result.sweep
    chosen = result.segmentation.k
    if sweep is None:
        page.paragraph(f"The number of segments was set to {chosen}; no other numbers were tried.")
        return
    page.paragraph(
        "Each number of segments was tried. The dark line (WCSS) shows how tightly customers sit around "
        "their segment's centre: lower is tighter, and it always falls as segments are added, so the point "
        "where it stops falling steeply (the elbow) is a good choice. The grey line (silhouette) shows how "
        "clearly the segments are separated: higher is clearer."
    )
    page.space()
    axes = page.axes(0.36)
    ks = [score.k for score in sweep.scores]
    axes.plot(ks, [score.wcss for score in sweep.scores], marker="o", color=_NEUTRAL, label="WCSS")
    axes.set_xlabel("Number of segments", fontsize=BODY_PT)
    axes.set_ylabel("WCSS (lower = tighter)", fontsize=BODY_PT)
    axes.set_xticks(ks)
    with_silhouette = [score for score in sweep.scores if score.silhouette is not None]
    if with_silhouette:
        second = axes.twinx()
        second.plot(
            [score.k for score in with_silhouette],
            [score.silhouette for score in with_silhouette],
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
    page.paragraph(
        "Each dot is a customer, coloured by segment; a cross marks each segment's centre. All columns "
        "used are squeezed into two directions that show the most variation between customers; the axis "
        "titles name the columns that drive each direction."
    )
    page.space()
    labels = segmentation.labels[prepared.row_positions]
    shown = sample_rows(len(labels), MAX_SCATTER_POINTS, labels)
    projection = project_2d(
        prepared.matrix, prepared.feature_names, segmentation.segmenter.cluster_centers_, rows=shown
    )
    axes = page.axes(0.45)
    for number, name in enumerate(segmentation.names):
        in_segment = labels[shown] == number
        axes.scatter(
            projection.coords[in_segment, 0],
            projection.coords[in_segment, 1],
            s=8,
            alpha=0.6,
            color=segment_colour(number),
            label=name,
            linewidths=0,
        )
        axes.scatter(
            *projection.centres[number],
            s=110,
            marker="X",
            color=segment_colour(number),
            edgecolors="black",
            linewidths=1,
        )
    axes.set_xlabel(projection.axis_labels[0], fontsize=BODY_PT)
    axes.set_ylabel(projection.axis_labels[1], fontsize=BODY_PT)
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


def _segment_page(pages: list[Figure], number: int, profile: SegmentProfile, overall, used: int) -> None:
    colour = segment_colour(number)
    page = _PageWriter(pages, f"Segment {profile.number}: {profile.name}", colour)
    page.paragraph(f"{profile.size:,} customers, {profile.share:.0%} of the {used:,} segmented.")
    if profile.description:
        page.space(0.4)
        page.paragraph(profile.description)
    page.heading("Suggested action")
    page.paragraph(suggested_action(profile))
    differences = sorted(
        ((column, value) for column, value in profile.difference.items() if np.isfinite(value)),
        key=lambda item: -abs(item[1]),
    )[:MAX_PROFILE_BARS]
    if differences:
        page.heading("Compared with the average customer")
        axes = page.axes(0.03 * len(differences) + 0.05, left_margin=0.25)
        columns = [str(column) for column, _ in reversed(differences)]
        values = [value for _, value in reversed(differences)]
        axes.barh(columns, values, color=colour)
        axes.axvline(0, color=_NEUTRAL, linewidth=1)
        axes.set_xlabel("Difference from the average, in standard deviations", fontsize=BODY_PT)
    page.heading("Averages: this segment (all customers)")
    page.bullets(
        [
            f"{column}: {_number(mean)} ({_number(overall.means.get(column, np.nan))})"
            for column, mean in profile.means.items()
        ]
        + [
            f"{column}: " + ", ".join(f"{level} {share:.0%}" for level, share in list(shares.items())[:4])
            for column, shares in profile.category_shares.items()
        ],
        size=SMALL_PT,
    )


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
    by_segment = value_by_segment(table.frame, segmentation.labels, segmentation.k)
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
    for number, (label, row) in enumerate(by_segment.table.iterrows()):
        page.swatch_line(
            segment_colour(number),
            f"{label} ({segmentation.names[number]}): "
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
) -> list[Figure]:
    """The report's pages as Figures, in order; `names` replaces the segment names (the user's edits);
    `holdout` (core.clv.HoldoutCheck) adds its page after the lifetime value."""
    if names is not None:
        result = AnalysisResult(
            result.settings, result.prepared, result.sweep, rename_segments(result.segmentation, names)
        )
    created = created or datetime.now()
    segmentation = result.segmentation
    pages: list[Figure] = []
    sections = [
        lambda: _title_page(pages, table, result, created),
        lambda: _data_check_page(pages, table, result),
        lambda: _elbow_page(pages, result),
        lambda: _cluster_page(pages, result),
        lambda: _rfm_page(pages, table),
        lambda: _lifetime_value_page(pages, table, result),
    ] + ([lambda: _holdout_page(pages, holdout)] if holdout is not None else []) + [
        lambda number=number, profile=profile: _segment_page(
            pages, number, profile, segmentation.overall, len(result.prepared.row_positions)
        )
        for number, profile in enumerate(segmentation.profiles)
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
) -> Path:
    """Write the PDF report atomically (never onto the customer file). Returns the path written."""
    pages = build_report_pages(
        table, result, names=names, holdout=holdout, progress=scaled(progress, 0.0, 0.5), cancel=cancel
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
