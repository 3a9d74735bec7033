"""The chart of what sets one segment apart, drawn the same way on the app's segment cards and on the
report's segment pages.

One bar per column in the profile's `standouts` (the columns that set the segment apart most, most
first): where the segment's customers rank among all customers (their average percentile rank, the
`standing` of core/profiling.py), from the middle (50, like the typical customer) towards 0 or 100.
The scale is always 0 to 100, so every bar fits any card and the bars of two segments compare directly;
each bar is labelled with the comparison in the file's units ("2.1x", "32 % vs 10 %").
"""

from dataclasses import dataclass

from matplotlib.axes import Axes

from core.profiling import OverallProfile, SegmentProfile, column_label, comparison_figure

AXIS_TITLE = "Rank among all customers"
# Longer column labels are shortened with "…" so the bars keep most of the width.
MAX_LABEL_CHARACTERS = 26
TICKS = ((0, "lowest"), (50, "typical"), (100, "highest"))


@dataclass(frozen=True)
class StandoutBar:
    """One bar: the column's label as charts show it, the segment's standing (0-100, 50 = typical) and
    the comparison written beside the bar."""

    label: str
    standing: float
    figure: str


def standout_data(
    profile: SegmentProfile, overall: OverallProfile, columns: int | None = None
) -> list[StandoutBar]:
    """The bars of `profile`'s first `columns` standouts (all when None), the most telling first: what
    the app's cards, the report and the dashboard (core/dashboard.py) draw."""
    bars = []
    for column in profile.standouts[:columns]:
        label = _shortened(column_label(column, overall.column_labels))
        bars.append(
            StandoutBar(
                label[:1].upper() + label[1:],
                profile.standing.get(column, 50.0),
                comparison_figure(profile, overall, column),
            )
        )
    return bars


def standout_bars(
    axes: Axes,
    profile: SegmentProfile,
    overall: OverallProfile,
    *,
    colour: str,
    ink: str,
    font_size: float,
    columns: int | None = None,
) -> None:
    """Draw the bars of `profile`'s first `columns` standouts (all when None) on `axes`."""
    bars = standout_data(profile, overall, columns)
    positions = list(range(len(bars)))[::-1]  # the most telling column at the top
    standing = [bar.standing for bar in bars]
    axes.barh(positions, [value - 50.0 for value in standing], left=50.0, color=colour, height=0.6)
    axes.axvline(50.0, color=ink, linewidth=1)
    for position, bar in zip(positions, bars, strict=True):
        # The label sits on the other side of the middle line, which the bar leaves empty.
        above = bar.standing >= 50.0
        axes.text(
            50.0 + (-1.5 if above else 1.5), position, bar.figure,
            ha="right" if above else "left", va="center", fontsize=font_size, color=ink,
        )
    axes.set_yticks(positions, [bar.label for bar in bars], fontsize=font_size)
    axes.set_xlim(0, 100)
    axes.set_ylim(-0.6, max(len(bars), 1) - 0.4)
    axes.set_xticks([tick for tick, _ in TICKS], [text for _, text in TICKS], fontsize=font_size)
    axes.set_xlabel(AXIS_TITLE, fontsize=font_size)
    axes.grid(True, axis="x")


def _shortened(label: str) -> str:
    return label if len(label) <= MAX_LABEL_CHARACTERS else label[: MAX_LABEL_CHARACTERS - 1].rstrip() + "…"
