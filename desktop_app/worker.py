"""The one mechanism for background work: run a plain core call on a thread, get the answer on the GUI thread.

`TaskRunner.run(fn, on_success)` calls `fn(hooks)` on a worker thread. `hooks.progress` and `hooks.cancel`
are the `progress`/`cancel` callbacks core functions accept, and `hooks.partial` hands an intermediate result
(such as one k's score) to the GUI thread. Everything the task produces reaches the GUI thread through queued
signals; the worker never touches a widget.

One task at a time: a new run cancels the previous one and disconnects it, so a late result of an old run can
never overwrite a newer one. Cancelling is cooperative (the core checks `hooks.cancel` between units of work)
and is reported through `cancelled`, never as an error. `shutdown()` cancels and waits for every thread, and
the main window calls it on close; a runner that was shut down starts nothing more (a timer that fires
while the application quits must not leave a thread running as Python exits).
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from desktop_app import error_reporting

PROGRESS_INTERVAL = 0.1  # seconds between two progress updates with the same message

# Seconds Python lets a thread wait for its lock before it asks the holder to hand it over (Python's own
# default is 0.005). A thread that waits is woken whenever the holder releases the lock for a moment (numpy
# and matplotlib's font code do so hundreds of times a second, and take it straight back) and then waits
# the whole interval again. So while a worker ran matplotlib, the GUI thread could wait 60-80 ms for the
# lock between two events. With 0.2 ms it waited at most 22 ms in the same test, and the longest stall of
# Find segments on a million customers (row 7 of `make bench`) fell from 36-61 ms to 17-28 ms (six and
# eight runs), its duration unchanged.
GUI_SWITCH_INTERVAL = 0.0002


@dataclass(frozen=True)
class TaskHooks:
    """What a task function gets: the core's `progress` and `cancel` callbacks and a `partial` channel."""

    progress: Callable[[float, str], None]
    cancel: Callable[[], bool]
    partial: Callable[[Any], None]


class _TaskThread(QThread):
    """Runs one task function; reports only through its signals, which Qt queues to the GUI thread."""

    progressed = Signal(float, str)
    partial_result = Signal(object)
    succeeded = Signal(object)
    failed = Signal(str)
    was_cancelled = Signal()

    def __init__(self, fn: Callable[[TaskHooks], Any], description: str) -> None:
        super().__init__()
        self._fn = fn
        self._description = description
        self._cancel_requested = threading.Event()
        self._last_progress_time = 0.0
        self._last_message = ""

    def request_cancel(self) -> None:
        self._cancel_requested.set()

    def _cancel(self) -> bool:
        return self._cancel_requested.is_set()

    def _progress(self, fraction: float, message: str) -> None:
        # Throttled: a tight core loop must not flood the GUI thread's event queue.
        now = time.monotonic()
        if (
            message != self._last_message
            or fraction >= 1.0
            or now - self._last_progress_time >= PROGRESS_INTERVAL
        ):
            self._last_progress_time = now
            self._last_message = message
            self.progressed.emit(fraction, message)

    def run(self) -> None:
        from core.errors import OperationCancelled, SegmentStudioError

        hooks = TaskHooks(progress=self._progress, cancel=self._cancel, partial=self.partial_result.emit)
        try:
            result = self._fn(hooks)
        except OperationCancelled:
            self.was_cancelled.emit()
        except SegmentStudioError as error:
            self.failed.emit(str(error))
        except Exception as error:  # anything else is a bug: log the details, show a short message
            log_path = error_reporting.log_exception(type(error), error, error.__traceback__)
            self.failed.emit(
                f"Something went wrong while {self._description} ({type(error).__name__}). "
                f"The details were written to {log_path}."
            )
        else:
            if self._cancel_requested.is_set():
                self.was_cancelled.emit()
            else:
                self.succeeded.emit(result)


class _Task(QObject):
    """Lives on the GUI thread and relays one thread's signals to the caller's callbacks."""

    def __init__(
        self,
        runner: TaskRunner,
        thread: _TaskThread,
        on_success: Callable[[Any], None],
        on_partial: Callable[[Any], None] | None,
        on_error: Callable[[str], None] | None,
        on_cancelled: Callable[[], None] | None,
    ) -> None:
        super().__init__(runner)
        self._runner = runner
        self.thread = thread
        self._on_success = on_success
        self._on_partial = on_partial
        self._on_error = on_error
        self._on_cancelled = on_cancelled
        thread.progressed.connect(self._relay_progress)
        thread.partial_result.connect(self._relay_partial)
        thread.succeeded.connect(self._relay_success)
        thread.failed.connect(self._relay_error)
        thread.was_cancelled.connect(self._relay_cancelled)

    def detach(self) -> None:
        """Called when a newer run replaces this one: nothing it still sends may reach the caller."""
        for signal in (
            self.thread.progressed,
            self.thread.partial_result,
            self.thread.succeeded,
            self.thread.failed,
            self.thread.was_cancelled,
        ):
            signal.disconnect()

    def _is_current(self) -> bool:
        # Queued calls posted before `detach` may still arrive; they are dropped here.
        return self._runner._current is self

    @Slot(float, str)
    def _relay_progress(self, fraction: float, message: str) -> None:
        if self._is_current():
            self._runner.progress.emit(fraction, message)

    @Slot(object)
    def _relay_partial(self, value: Any) -> None:
        if self._is_current() and self._on_partial is not None:
            self._on_partial(value)

    @Slot(object)
    def _relay_success(self, result: Any) -> None:
        if self._is_current():
            self._runner._finish()
            self._on_success(result)

    @Slot(str)
    def _relay_error(self, message: str) -> None:
        if self._is_current():
            self._runner._finish()
            if self._on_error is not None:
                self._on_error(message)
            self._runner.failed.emit(message)

    @Slot()
    def _relay_cancelled(self) -> None:
        if self._is_current():
            self._runner._finish()
            if self._on_cancelled is not None:
                self._on_cancelled()
            self._runner.cancelled.emit()


class TaskRunner(QObject):
    """Runs one background task at a time (see the module docstring).

    Signals: `busy_changed(bool)`, `progress(fraction, message)`, `failed(message)` (a readable message,
    never a traceback) and `cancelled()`. Callbacks passed to `run` are called on the GUI thread.
    """

    busy_changed = Signal(bool)
    progress = Signal(float, str)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # Process-wide, and only ever lowered: it matters once workers share Python's lock with the GUI.
        sys.setswitchinterval(min(sys.getswitchinterval(), GUI_SWITCH_INTERVAL))
        self._current: _Task | None = None
        self._shut_down = False
        self._threads: set[_TaskThread] = set()  # running ones, including replaced runs still winding down

    @property
    def is_busy(self) -> bool:
        return self._current is not None

    def is_idle(self) -> bool:
        """No task is current and every thread has ended."""
        return self._current is None and not self._threads

    def run(
        self,
        fn: Callable[[TaskHooks], Any],
        on_success: Callable[[Any], None],
        *,
        description: str = "working",
        on_partial: Callable[[Any], None] | None = None,
        on_error: Callable[[str], None] | None = None,
        on_cancelled: Callable[[], None] | None = None,
    ) -> None:
        """Start `fn(hooks)` on a worker thread, replacing (cancelling and disconnecting) any current run.

        `description` completes "Something went wrong while ..." for unexpected errors. Does nothing after
        `shutdown()`.
        """
        if self._shut_down:
            return
        self._retire_current()
        thread = _TaskThread(fn, description)
        self._current = _Task(self, thread, on_success, on_partial, on_error, on_cancelled)
        self._threads.add(thread)
        thread.finished.connect(self._thread_ended)
        thread.start()
        self.busy_changed.emit(True)

    def cancel(self) -> None:
        """Ask the current task to stop; `cancelled` follows once it has."""
        if self._current is not None:
            self._current.thread.request_cancel()

    def discard(self) -> None:
        """Cancel the current task and forget it: none of its callbacks run (what it worked on has gone,
        and nothing replaces it)."""
        self._retire_current()

    def shutdown(self) -> None:
        """Cancel everything and wait for every thread to end (on window close); start nothing after."""
        self._shut_down = True
        self._retire_current()
        for thread in list(self._threads):
            thread.wait()
        self._threads.clear()

    def wait(self, timeout_ms: int | None = None) -> bool:
        """Block until every thread has ended (for the command line and tests); True when they have."""
        deadline = None if timeout_ms is None else time.monotonic() + timeout_ms / 1000
        for thread in list(self._threads):
            remaining = None if deadline is None else max(0, int((deadline - time.monotonic()) * 1000))
            if not (thread.wait() if remaining is None else thread.wait(remaining)):
                return False
        return True

    def _retire_current(self) -> None:
        if self._current is None:
            return
        task, self._current = self._current, None
        task.thread.request_cancel()
        task.detach()
        task.deleteLater()
        self.busy_changed.emit(False)

    def _finish(self) -> None:
        if self._current is not None:
            self._current.deleteLater()
            self._current = None
            self.busy_changed.emit(False)

    @Slot()
    def _thread_ended(self) -> None:
        thread = self.sender()
        if isinstance(thread, _TaskThread):
            self._threads.discard(thread)
            thread.deleteLater()
