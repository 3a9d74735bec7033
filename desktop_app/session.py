"""The one place that holds the current analysis: table, settings, prepared data, sweep and segmentation.

Every step runs a plain core call through the single TaskRunner and keeps its result, so a later step
reuses it (choosing another k refits from the kept prepared data and never re-runs the sweep). A step's
result is only stored when it succeeds: cancelling or failing leaves the previous results as they were.
Tabs observe the signals; none of them holds its own copy of the state.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from desktop_app.worker import TaskHooks, TaskRunner

if TYPE_CHECKING:
    from core.clustering import KSweep
    from core.loading import LoadedTable, ReadOptions
    from core.pipeline import AnalysisSettings, Segmentation
    from core.preparation import PreparedData


class AnalysisSession(QObject):
    """Signals (all on the GUI thread):

    table_loaded(LoadedTable); results_cleared() (a new table: the old analysis no longer applies);
    sweep_started(k_min, k_max); score_added(KScore) as each k finishes; sweep_finished(KSweep);
    segmentation_changed(Segmentation) (a new fit or renamed segments); exported(path);
    busy_changed(bool), progress(fraction, message), error(message), cancelled().
    """

    table_loaded = Signal(object)
    results_cleared = Signal()
    sweep_started = Signal(int, int)
    score_added = Signal(object)
    sweep_finished = Signal(object)
    segmentation_changed = Signal(object)
    exported = Signal(str)
    busy_changed = Signal(bool)
    progress = Signal(float, str)
    error = Signal(str)
    cancelled = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = TaskRunner(self)
        self.runner.busy_changed.connect(self.busy_changed)
        self.runner.progress.connect(self.progress)
        self.runner.failed.connect(self.error)
        self.runner.cancelled.connect(self._restore_after_cancel)
        self.table: LoadedTable | None = None
        self.settings: AnalysisSettings | None = None  # what the kept prepared data and sweep were made with
        self.prepared: PreparedData | None = None
        self.sweep: KSweep | None = None
        self.segmentation: Segmentation | None = None
        # Called on the worker after a file loads, while the user waits anyway: the window imports its
        # chart modules here (matplotlib takes about a second) so the GUI thread never does.
        self.warm_up: Callable[[], None] | None = None

    @property
    def is_busy(self) -> bool:
        return self.runner.is_busy

    def cancel(self) -> None:
        self.runner.cancel()

    def shutdown(self) -> None:
        self.runner.shutdown()

    # --- loading -------------------------------------------------------------------------------------

    def open_file(self, path: str | Path, options: ReadOptions | None = None) -> None:
        """Load the whole file on the worker; `table_loaded` follows (options None: detect everything)."""
        path = Path(path)
        warm_up = self.warm_up

        def load(hooks: TaskHooks) -> LoadedTable:
            from core.loading import load_table

            table = load_table(path, options, progress=hooks.progress, cancel=hooks.cancel)
            if warm_up is not None:
                hooks.progress(1.0, "Getting the charts ready")
                warm_up()
            return table

        self.runner.run(load, self._table_ready, description=f"opening {path.name}")

    def _table_ready(self, table: LoadedTable) -> None:
        self.table = table
        self.settings = self.prepared = self.sweep = self.segmentation = None
        self.results_cleared.emit()
        self.table_loaded.emit(table)

    # --- analysis ------------------------------------------------------------------------------------

    def find_segments(self, settings: AnalysisSettings) -> None:
        """Prepare the data and sweep k over [k_min, k_max]; then fit the suggested k."""
        table = self.table
        if table is None:
            return

        def prepare_and_sweep(hooks: TaskHooks):
            from core.pipeline import prepare_table, run_sweep
            from core.progress import report, scaled

            report(hooks.progress, 0.0, "Preparing the data")
            prepared = prepare_table(table, settings)
            resolved = dataclasses.replace(settings, features=prepared.preprocessor.settings.features)
            sweep = run_sweep(
                prepared,
                resolved,
                progress=scaled(hooks.progress, 0.05, 1.0),
                cancel=hooks.cancel,
                on_score=hooks.partial,
            )
            return resolved, prepared, sweep

        self.sweep_started.emit(settings.k_min, settings.k_max)
        self.runner.run(
            prepare_and_sweep,
            self._sweep_ready,
            description="finding segments",
            on_partial=self.score_added.emit,
        )

    def _sweep_ready(self, result) -> None:
        self.settings, self.prepared, self.sweep = result
        self.segmentation = None
        self.sweep_finished.emit(self.sweep)
        self.choose_k(self.sweep.suggested_k)

    def choose_k(self, k: int) -> None:
        """Fit k segments from the kept prepared data (no new sweep)."""
        table, prepared, settings = self.table, self.prepared, self.settings
        if table is None or prepared is None or settings is None:
            return
        if self.segmentation is not None and self.segmentation.k == k:
            return

        def fit(hooks: TaskHooks) -> Segmentation:
            from core.pipeline import fit_segmentation

            return fit_segmentation(
                table.frame, prepared, k, seed=settings.seed, progress=hooks.progress, cancel=hooks.cancel
            )

        self.runner.run(fit, self._segmentation_ready, description=f"finding {k} segments")

    def _segmentation_ready(self, segmentation: Segmentation) -> None:
        self.segmentation = segmentation
        self.segmentation_changed.emit(segmentation)

    def rename_segment(self, number: int, name: str) -> None:
        """Give segment `number` (1-based) the user's name; charts and exports use it from now on."""
        from core.errors import SegmentStudioError
        from core.pipeline import rename_segments

        if self.segmentation is None:
            return
        names = list(self.segmentation.names)
        names[number - 1] = name
        try:
            self.segmentation = rename_segments(self.segmentation, names)
        except SegmentStudioError as problem:
            self.error.emit(str(problem))
            self.segmentation_changed.emit(self.segmentation)  # puts the previous name back on screen
            return
        self.segmentation_changed.emit(self.segmentation)

    def _restore_after_cancel(self) -> None:
        # A cancelled sweep cleared the elbow chart as it started; show the kept results again.
        if self.sweep is not None:
            self.sweep_finished.emit(self.sweep)
        self.cancelled.emit()

    # --- export --------------------------------------------------------------------------------------

    def export_labelled(self, path: str | Path) -> None:
        """Write every customer with its segment number and name (CSV or Excel, by the suffix)."""
        if self.table is None or self.segmentation is None:
            return
        frame, segmentation, source = self.table.frame, self.segmentation, self.table.report.path

        def write(hooks: TaskHooks) -> str:
            from core.export import labelled_frame, write_table

            labelled = labelled_frame(frame, segmentation.labels, segmentation.names)
            return str(_saving(path, lambda: write_table(path, labelled, protected=source)))

        self.runner.run(write, self.exported.emit, description=f"saving {Path(path).name}")

    def export_profiles(self, path: str | Path) -> None:
        """Write one row per segment (size, share, averages) plus an "All customers" row."""
        if self.segmentation is None or self.table is None:
            return
        segmentation, source = self.segmentation, self.table.report.path

        def write(hooks: TaskHooks) -> str:
            from core.export import write_table
            from core.profiling import profile_table

            table = profile_table(segmentation.profiles, segmentation.overall)
            return str(_saving(path, lambda: write_table(path, table, protected=source)))

        self.runner.run(write, self.exported.emit, description=f"saving {Path(path).name}")


def _saving(path: str | Path, write):
    """Run `write()`, turning an operating-system refusal into a message the user can act on."""
    from core.errors import InputFileError

    try:
        return write()
    except OSError as problem:
        reason = problem.strerror or str(problem)
        raise InputFileError(
            f"Could not save '{Path(path).name}': {reason}. Choose another folder or name, "
            "or close the file if another program has it open."
        ) from problem
