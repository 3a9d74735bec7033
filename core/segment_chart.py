"""The chart of what sets one segment apart, drawn the same way on the app's segment cards and on the
report's segment pages.

One bar per column in the profile's `standouts` (the columns that set the segment apart most, most
first): where the segment's customers rank among all customers (their average percentile rank, the
`standing` of core/profiling.py), from the middle (50, like the typical customer) towards 0 or 100.
The scale is always 0 to 100, so every bar fits any card and the bars of two segments compare directly;
each bar is labelled with the comparison in the file's units ("2.1x", "32 % vs 10 %").
"""

from matplotlib.axes import Axes

from core.profiling import OverallProfile, SegmentProfile, column_label, comparison_figure

AXIS_TITLE = "Rank among all customers"
# Longer column labels are shortened with "…" so the bars keep most of the width.
MAX_LABEL_CHARACTERS = 26
TICKS = ((0, "lowest"), (50, "typical"), (100, "highest"))


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
    shown = list(profile.standouts[:columns])
    positions = list(range(len(shown)))[::-1]  # the most telling column at the top
    standing = [profile.standing.get(column, 50.0) for column in shown]
    axes.barh(positions, [value - 50.0 for value in standing], left=50.0, color=colour, height=0.6)
    axes.axvline(50.0, color=ink, linewidth=1)
    for position, column, value in zip(positions, shown, standing, strict=True):
        # The label sits on the other side of the middle line, which the bar leaves empty.
        above = value >= 50.0
        axes.text(
            50.0 + (-1.5 if above else 1.5), position, comparison_figure(profile, overall, column),
            ha="right" if above else "left", va="center", fontsize=font_size, color=ink,
        )
    labels = [_shortened(column_label(column, overall.column_labels)) for column in shown]
    axes.set_yticks(positions, [label[:1].upper() + label[1:] for label in labels], fontsize=font_size)
    axes.set_xlim(0, 100)
    axes.set_ylim(-0.6, max(len(shown), 1) - 0.4)
    axes.set_xticks([tick for tick, _ in TICKS], [text for _, text in TICKS], fontsize=font_size)
    axes.set_xlabel(AXIS_TITLE, fontsize=font_size)
    axes.grid(True, axis="x")


def _shortened(label: str) -> str:
    return label if len(label) <= MAX_LABEL_CHARACTERS else label[: MAX_LABEL_CHARACTERS - 1].rstrip() + "…"
