"""One colour per segment, the same in the app's charts and in the PDF report, safe for colour-blind readers.

The core owns the list because the report (core) and the app (desktop_app) must agree on it and the core
cannot import the app; desktop_app/palette.py re-exports these names.

The first colours follow Okabe and Ito's colour-blind-safe set. Their yellow is left out because it
is unreadable on a white background and black because it disappears in a dark theme. Beyond those,
colours from Paul Tol's "muted" set follow; with very many segments the list starts again.
"""

LEFT_OUT_COLOUR = "#9E9E9E"  # customers not assigned to any segment (missing values)
# Segment 0, the customers a density method puts in no group: a darker grey than the left-out customers,
# and no segment's colour, so that they never look like one more group.
UNUSUAL_COLOUR = "#5F5F5F"

SEGMENT_COLOURS = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#882255",  # wine
    "#44AA99",  # teal
    "#999933",  # olive
    "#AA4499",  # purple
    "#117733",  # green
    "#CC6677",  # rose
)


def segment_colour(index: int) -> str:
    """The colour of the segment with 0-based `index`; -1 (left out) is grey."""
    if index < 0:
        return LEFT_OUT_COLOUR
    return SEGMENT_COLOURS[index % len(SEGMENT_COLOURS)]


def segment_number_colour(number: int) -> str:
    """The colour of the segment the user sees as `number` (a profile's `number`): segment 1 has the
    first colour, and the unusual customers (segment 0) are grey."""
    if number == 0:
        return UNUSUAL_COLOUR
    return segment_colour(number - 1)
