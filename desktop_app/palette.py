"""Segment colours for the app's charts: the one list the core shares with the PDF report.

Every tab takes a segment's colour from here, so a segment keeps one colour everywhere.
"""

from core.colours import (
    LEFT_OUT_COLOUR,
    SEGMENT_COLOURS,
    UNUSUAL_COLOUR,
    segment_colour,
    segment_number_colour,
)

__all__ = ["LEFT_OUT_COLOUR", "SEGMENT_COLOURS", "UNUSUAL_COLOUR", "segment_colour", "segment_number_colour"]
