"""How sure are we? The stability checks of the current analysis, on a worker of their own.

Two checks (core.stability): after a sweep, the stability of each number of segments tried (the
smallest segment's, with the splits diagram's data, core.splits), which may change the suggestion; and
after a fit, the stability of each segment shown. They run on their own TaskRunner, one at a time (the
sweep's first, then the segments'), so that a long check neither blocks the window nor is stopped by an
unrelated step on the session's runner (an export, a renamed segment, a comparison). A check is only
stopped when what it checks goes away (new segments, a new sweep, another file), or by its own Cancel
button (`StabilityStrip`); either way the strip says so and offers to check again.

`StabilityStrip` is the row the Segments and Choose k tabs show: what runs, with progress and Cancel,
or what was found, with a button to check (again).
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from desktop_app.worker import TaskHooks, TaskRunner

if TYPE_CHECKING:
    import numpy as np

    from core.pipeline import Segmentation
    from core.splits import SplitTree
    from core.stability import SegmentStability, StabilityResult
    from desktop_app.session import AnalysisSession

# Colours of Hennig's readings, the same on the segment cards and in the splits diagram: a green for
# stable, a darker one for highly stable, Okabe and Ito's orange and vermillion for the doubtful ones.
LEVEL_COLOURS = {
    "highly stable": "#1B7837",
    "stable": "#5AAE61",
    "doubtful": "#E69F00",
    "not to be trusted": "#D55E00",
}
UNKNOWN_COLOUR = "#BDBDBD"  # not checked (yet)
READINGS_TOOLTIP = (
    "How sure are we? The customers are reshuffled many times (drawn again at random, some twice, some "
    "not at all) and grouped again each time. A segment that comes back with mostly the same customers "
    "is stable. Reading of the average overlap (0 to 1): 0.85 and above highly stable, 0.75 and above "
    "stable, 0.6 to 0.75 doubtful, below 0.6 not to be trusted (Hennig 2007, as in R's clusterboot)."
)


WAITING_TEXT = "The stability will be checked once the current step is done."


class Check(StrEnum):
    SWEEP = "sweep"  # each number of segments tried
    SEGMENTS = "segments"  # the segments shown


class StabilityCheck(QObject):
    """The stability results of the session's analysis and the runner that finds them.

    Signals: `running_changed()` (a check started or ended: the strips update); `progress(fraction,
    message)`; `stopped(Check, message)` (cancelled or failed: the message says so in plain words);
    `tree_ready(SplitTree or None)` (the splits diagram's data after a sweep, None when cleared);
    `k_checked(k, StabilityResult)` as each k of the sweep is checked; `sweep_checked(dict)` when all
    are; `segments_checked(tuple of SegmentStability or None)` (None: the segments shown are not
    checked, e.g. new ones are being checked).
    """

    running_changed = Signal()
    progress = Signal(float, str)
    stopped = Signal(str, str)
    tree_ready = Signal(object)
    k_checked = Signal(int, object)
    sweep_checked = Signal(object)
    segments_checked = Signal(object)

    def __init__(self, session: AnalysisSession) -> None:
        super().__init__(session)
        self.session = session
        self.runner = TaskRunner(self)
        self.runner.progress.connect(self.progress)
        self.runner.busy_changed.connect(lambda _busy: self.running_changed.emit())
        self.runner.failed.connect(lambda message: self._stopped(message))
        # A check waits while the session's worker runs a step (Find segments must not share the computer
        # with it), and starts when it ends: after the event loop's turn, since a step replaced by another
        # reports "not busy" for a moment before the new one starts.
        session.runner.busy_changed.connect(self._session_busy_changed)
        self.running: Check | None = None
        self._subject: object | None = None  # the sweep or the segment labels the running check is about
        # Results, each with what it belongs to.
        self.by_k: dict[int, StabilityResult] = {}
        self.tree: SplitTree | None = None
        self.sweep_labels: dict[int, np.ndarray] = {}  # each swept k's labels, kept from the sweep
        self.segments: tuple[SegmentStability, ...] | None = None
        self._checked_labels: np.ndarray | None = None
        # What is still to check (cleared by Cancel, so that a stopped check does not start again).
        self._wanted: set[Check] = set()
        # The sweep to check was just run by Find segments (not reopened from a project, not checked
        # again on the user's request): only then may its check show the segments it suggests.
        self._sweep_is_new = False

    @property
    def is_busy(self) -> bool:
        return self.runner.is_busy

    def _session_busy_changed(self, busy: bool) -> None:
        if not busy:
            QTimer.singleShot(0, self, self._next)

    def shutdown(self) -> None:
        self.runner.shutdown()

    # --- what the session asks ---------------------------------------------------------------------------

    def new_sweep(self, labels: dict[int, np.ndarray]) -> None:
        """A sweep finished: forget the old numbers and check each k (its labels kept from the sweep)."""
        self.sweep_labels = labels
        self._forget_sweep()
        self._sweep_is_new = True
        self._wanted.add(Check.SWEEP)
        self._next()

    def new_segments(self, segmentation: Segmentation) -> None:
        """Segments were shown: check them, unless they are the checked ones renamed."""
        if self._checked_labels is segmentation.labels and self.segments is not None:
            return
        self.segments, self._checked_labels = None, None
        self.segments_checked.emit(None)
        self._wanted.add(Check.SEGMENTS)
        self._next()

    def clear(self) -> None:
        """Another file, or a sweep about to start: nothing checked applies any more; stop checking."""
        self._wanted.clear()
        self.sweep_labels = {}
        self._forget_sweep()
        self.segments, self._checked_labels = None, None
        self.segments_checked.emit(None)
        self._stop_running()

    def check(self, what: Check) -> None:
        """The user's button: check the sweep's ks or the segments shown (again)."""
        if what == Check.SWEEP:
            self._forget_sweep()
            self._sweep_is_new = False
        else:
            self.segments, self._checked_labels = None, None
            self.segments_checked.emit(None)
        self._wanted.add(what)
        self._next()

    def cancel(self) -> None:
        """The strip's Cancel: stop the check running and those waiting; the results so far stay."""
        self._wanted.clear()
        if self.runner.is_busy:
            self.runner.cancel()
        else:
            self.running_changed.emit()

    def is_pending(self, what: Check) -> bool:
        """The check runs, or waits for another check or for the session's step to end."""
        return self.running == what or (what in self._wanted and self.can_check(what))

    def can_check(self, what: Check) -> bool:
        session = self.session
        if session.prepared is None or session.settings is None:
            return False
        return session.sweep is not None if what == Check.SWEEP else session.segmentation is not None

    # --- running -----------------------------------------------------------------------------------------

    def _forget_sweep(self) -> None:
        self.by_k, self.tree = {}, None
        self.tree_ready.emit(None)

    def _stop_running(self) -> None:
        if self.runner.is_busy:
            self.runner.discard()
            self.running = self._subject = None
            self.running_changed.emit()

    def _next(self) -> None:
        """Start the next wanted check once the session's worker is idle; stop a running one whose subject
        has gone (one that still applies goes on, and the next starts when it ends)."""
        session = self.session
        if self.runner.is_busy:
            current = session.sweep if self.running == Check.SWEEP else (
                session.segmentation.labels if session.segmentation is not None else None
            )
            if self._subject is current:
                return
            self._stop_running()
        if session.runner.is_busy:
            self.running_changed.emit()  # the strips say the check waits
            return
        if Check.SWEEP in self._wanted and self.can_check(Check.SWEEP):
            self._check_sweep()
        elif Check.SEGMENTS in self._wanted and self.can_check(Check.SEGMENTS):
            self._check_segments()

    def _check_sweep(self) -> None:
        self._wanted.discard(Check.SWEEP)
        session = self.session
        prepared, settings, sweep = session.prepared, session.settings, session.sweep
        known = dict(self.sweep_labels)
        ks = [score.k for score in sweep.scores]

        method, options = settings.method, settings.method_options

        def check(hooks: TaskHooks) -> dict[int, StabilityResult]:
            from core.progress import scaled
            from core.splits import labels_for_ks, segment_splits
            from core.stability import stability_by_k

            labels = labels_for_ks(
                prepared.matrix, ks, method, known=known, seed=settings.seed, options=options,
                progress=scaled(hooks.progress, 0.0, 0.05), cancel=hooks.cancel,
            )
            hooks.partial(segment_splits(labels))
            results: dict[int, StabilityResult] = {}
            for number, k in enumerate(ks):
                share = 0.95 / len(ks)
                step = scaled(hooks.progress, 0.05 + share * number, 0.05 + share * (number + 1))
                results[k] = stability_by_k(
                    prepared.matrix, [k], method, labels_by_k={k: labels[k]}, seed=settings.seed,
                    options=options, progress=step, cancel=hooks.cancel,
                )[k]
                hooks.partial((k, results[k]))
            return results

        def partial(value) -> None:
            if isinstance(value, tuple):
                k, result = value
                self.by_k[k] = result
                self.k_checked.emit(k, result)
            else:
                self.tree = value
                self.tree_ready.emit(value)

        self._run(Check.SWEEP, sweep, check, self._sweep_done, partial)

    def _sweep_done(self, results: dict[int, StabilityResult]) -> None:
        self.by_k = results
        self.sweep_checked.emit(results)
        self.session.use_stability_by_k(results, show_suggested=self._sweep_is_new)
        self._finished()

    def _check_segments(self) -> None:
        self._wanted.discard(Check.SEGMENTS)
        session = self.session
        prepared, settings, segmentation = session.prepared, session.settings, session.segmentation

        def check(hooks: TaskHooks) -> tuple[SegmentStability, ...]:
            from core.stability import segmentation_stability

            return segmentation_stability(
                prepared, segmentation, method=segmentation.method, options=settings.method_options,
                seed=settings.seed, progress=hooks.progress, cancel=hooks.cancel,
            )

        def done(stability: tuple[SegmentStability, ...]) -> None:
            self.segments, self._checked_labels = stability, segmentation.labels
            self.segments_checked.emit(stability)
            self._finished()

        self._run(Check.SEGMENTS, segmentation.labels, check, done)

    def _run(self, what: Check, subject: object, check, done, partial=None) -> None:
        self.running, self._subject = what, subject
        description = (
            "checking how stable each number of segments is" if what == Check.SWEEP
            else "checking how stable the segments are"
        )
        self.runner.run(
            check, done, description=description, on_partial=partial,
            on_cancelled=lambda: self._stopped("Stopped. Press the button to check again."),
        )
        self.running_changed.emit()

    def _finished(self) -> None:
        self.running = self._subject = None
        self.running_changed.emit()
        self._next()

    def _stopped(self, message: str) -> None:
        what = self.running
        self.running = self._subject = None
        if what is not None:
            self.stopped.emit(str(what), message)
        self.running_changed.emit()
        self._next()


class StabilityStrip(QWidget):
    """One row on a tab: while a check runs, what it does with progress and Cancel; else what is known
    and a button to check (again)."""

    def __init__(self, check: StabilityCheck, what: Check, button_text: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.check = check
        self.what = what
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.status_label.setToolTip(READINGS_TOOLTIP)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setMaximumWidth(200)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop checking the stability; everything else keeps going")
        self.cancel_button.clicked.connect(check.cancel)
        self.check_button = QPushButton(button_text)
        self.check_button.setToolTip(READINGS_TOOLTIP)
        self.check_button.clicked.connect(lambda: check.check(what))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.status_label, stretch=1)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.cancel_button)
        layout.addWidget(self.check_button)
        self._stopped_message = ""
        check.running_changed.connect(self.update_state)
        check.progress.connect(self._show_progress)
        check.stopped.connect(self._show_stopped)
        check.segments_checked.connect(lambda _result: self.update_state())
        check.sweep_checked.connect(lambda _result: self.update_state())
        check.tree_ready.connect(lambda _tree: self.update_state())
        self.update_state()

    def update_state(self) -> None:
        running = self.check.running is not None
        waiting = not running and self.check.is_pending(self.what)
        self.progress_bar.setVisible(running)
        self.cancel_button.setVisible(running or waiting)
        self.check_button.setVisible(not running and not waiting)
        self.check_button.setEnabled(self.check.can_check(self.what))
        if running or waiting:
            self._stopped_message = ""
            self.status_label.setText(self._running_text() if running else WAITING_TEXT)
            return
        self.status_label.setText(self._stopped_message or self._idle_text())

    def _running_text(self) -> str:
        if self.check.running == Check.SWEEP:
            return "Checking how stable each number of segments is…"
        return "Checking how stable the segments are…"

    def _idle_text(self) -> str:
        if self.what == Check.SEGMENTS:
            stability = self.check.segments
            if stability is None:
                return "The stability of these segments is not checked yet."
            segments = [segment for segment in stability if not segment.is_unusual]
            weakest = min(segments, key=lambda segment: segment.jaccard, default=None)
            if weakest is None:
                return ""
            return (
                f"Checked with {weakest.resamples} reshuffles of your customers; the least stable segment is "
                f"{weakest.level}."
            )
        if not self.check.by_k:
            return "The stability of each number of segments is not checked yet."
        return "Stability checked for each number of segments (see the chart and How segments split)."

    def _show_progress(self, fraction: float, message: str) -> None:
        self.progress_bar.setValue(int(fraction * 1000))
        self.status_label.setText(f"{self._running_text()} {message}")

    def _show_stopped(self, what: str, message: str) -> None:
        if what == self.what:
            self._stopped_message = f"Stability check: {message}"
        self.update_state()
