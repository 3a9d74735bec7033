"""Errors meant for the user, and the cancellation signal.

Every message is written for a person who is not a data scientist: it says what is wrong, naming the
file, column or setting and the bad value, and what to do about it. The GUI shows `str(error)` as it is
and the command line prints it after `error:`.
"""


class SegmentStudioError(Exception):
    """A problem the user can act on. Never raised for programming errors."""


class InputFileError(SegmentStudioError):
    """The file cannot be read as a customer table (missing, empty, not a table, unsupported)."""


class DataError(SegmentStudioError):
    """The table was read but cannot be segmented as asked (too few rows, no usable columns, ...)."""


class SettingsError(SegmentStudioError):
    """A setting is out of range or contradicts another one."""


class OperationCancelled(Exception):  # an expected outcome, so not named "...Error"
    """The user asked a long operation to stop. Not a `SegmentStudioError`: nothing went wrong."""
