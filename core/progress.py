"""The small hooks through which long core functions report progress and honour Cancel.

Long functions take `progress` (called with a fraction in [0, 1] and a short message) and `cancel`
(returns True when the user asked to stop). Both are optional so that tests and the command line can
call the functions plainly; the GUI's worker passes thread-safe ones.
"""

from collections.abc import Callable

from core.errors import OperationCancelled

ProgressCallback = Callable[[float, str], None]
CancelCheck = Callable[[], bool]


def report(progress: ProgressCallback | None, fraction: float, message: str) -> None:
    if progress is not None:
        progress(min(max(fraction, 0.0), 1.0), message)


def raise_if_cancelled(cancel: CancelCheck | None) -> None:
    if cancel is not None and cancel():
        raise OperationCancelled()


def scaled(progress: ProgressCallback | None, start: float, end: float) -> ProgressCallback | None:
    """A callback that maps a sub-task's 0..1 onto [start, end] of the parent's progress."""
    if progress is None:
        return None

    def sub_progress(fraction: float, message: str) -> None:
        progress(start + (end - start) * min(max(fraction, 0.0), 1.0), message)

    return sub_progress
