"""The one place that holds the current analysis: table, settings, prepared data, sweep and segmentation.

Every step runs a plain core call through the single TaskRunner and keeps its result, so a later step
reuses it (choosing another k refits from the kept prepared data and never re-runs the sweep). A step's
result is only stored when it succeeds: cancelling or failing leaves the previous results as they were.
Tabs observe the signals; none of them holds its own copy of the state.

The session also knows whether the segments have changed since they were last saved as a project
(`has_unsaved_changes`): new segments, another k or a renamed segment make them unsaved; saving or
reopening a project makes them saved.

Opening a file shows the table as soon as it is read (`table_loaded`); the modules the analysis needs
(scikit-learn, matplotlib and the chart tabs: about two seconds the first time) are imported afterwards on
the same worker, once the window has painted the table, and `analysis_ready` follows. The window
preloads those modules right after it first shows (`preload`), so usually they are there before the user
picks a file. Imports run one thread at a time: every task that imports core modules calls
`import_modules` first. The table's summary statistics are then computed on a second, quiet runner
(never busy, never cancelled by a new step).

How stable the segments are is checked by `stability` (desktop_app.stability_check) on a third runner,
after each sweep and fit, so that a long check is neither stopped by an unrelated step nor in its way.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from desktop_app.painting import after_next_paint
from desktop_app.stability_check import StabilityCheck
from desktop_app.worker import TaskHooks, TaskRunner

# How long a file's task waits for its table to be painted before going on, and how often it looks at
# Cancel meanwhile.
PAINT_WAIT_SECONDS = 2.0
PAINT_POLL_SECONDS = 0.02
LIFETIME_WEEKS = 52  # the forecast horizon until the user chooses another (core.clv.DEFAULT_WEEKS)

if TYPE_CHECKING:
    import pandas as pd

    from core.clustering import KSweep
    from core.clv import OrderLifetimeValue
    from core.loading import LoadedTable, ReadOptions
    from core.method_comparison import MethodChoice, MethodComparison, MethodResult
    from core.orders import OrderRequest, OrderSummary
    from core.pipeline import AnalysisResult, AnalysisSettings, Segmentation
    from core.preparation import PreparedData
    from core.progress import ProgressCallback
    from core.project import DataFileStatus, ProjectFile


class AnalysisSession(QObject):
    """Signals (all on the GUI thread):

    table_loaded(LoadedTable) (show it); analysis_ready(LoadedTable) (the analysis modules are imported:
    build and fill the chart tabs; follows table_loaded); summary_ready(DataFrame) (the table's summary
    statistics, computed on the worker after analysis_ready); rfm_groups_ready(DataFrame or None) (with
    it: the RFM groups of customers summarised from orders, None for other tables); results_cleared() (a
    new table: the old analysis no longer applies);
    sweep_started(k_min, k_max); score_added(KScore) as each k finishes; sweep_finished(KSweep, or
    None for a method that finds the number of segments itself); distance_measured(the distance curve
    of DBSCAN's automatic distance); methods_compared(MethodComparison); method_kept(AnalysisSettings)
    (a compared method was kept: its settings, to show on the Data tab);
    segmentation_changed(Segmentation) (a new fit or renamed segments); exported(path);
    project_saved(path); project_opened(ProjectFile) (after the reopened table and segments were shown:
    the settings to put back on the tabs); data_file_problem(ProjectFile, DataFileStatus) (the project's
    customer file moved or changed: nothing was loaded); new_data_used(message) (after a project was
    opened on its changed customer file with the saved settings: what changed);
    dates_ambiguous(path, ReadOptions, OrderRequest) (an order file's dates could be day-first or
    month-first: ask, then open it again saying which); lifetime_value_ready(OrderLifetimeValue or None)
    (customers summarised from orders: the table with the lifetime-value columns, the holdout check and
    why either could not be made; None for other tables; after a new horizon or split the table is the
    new one and earlier segments are cleared); unsaved_changed(bool);
    busy_changed(bool), progress(fraction, message), error(message), cancelled(); preloaded() (`preload`
    imported the analysis modules before any file was opened).
    """

    table_loaded = Signal(object)
    analysis_ready = Signal(object)
    preloaded = Signal()
    summary_ready = Signal(object)
    rfm_groups_ready = Signal(object)
    lifetime_value_ready = Signal(object)
    results_cleared = Signal()
    sweep_started = Signal(int, int)
    score_added = Signal(object)
    sweep_finished = Signal(object)
    distance_measured = Signal(object)
    methods_compared = Signal(object)
    method_kept = Signal(object)
    segmentation_changed = Signal(object)
    exported = Signal(str)
    project_saved = Signal(str)
    project_opened = Signal(object)
    data_file_problem = Signal(object, object)
    dates_ambiguous = Signal(object, object, object)
    new_data_used = Signal(str)
    unsaved_changed = Signal(bool)
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
        self._background = TaskRunner(self)
        self._background.failed.connect(self.error)
        # The stability checks run on a runner of their own (see desktop_app.stability_check).
        self.stability = StabilityCheck(self)
        self.results_cleared.connect(self.stability.clear)
        self.table: LoadedTable | None = None
        self.settings: AnalysisSettings | None = None  # what the kept prepared data and sweep were made with
        self.prepared: PreparedData | None = None
        self.sweep: KSweep | None = None
        self.segmentation: Segmentation | None = None
        # The user's labels for the table's columns ("MntWines" -> "Wine spending"), kept for every run
        # on the same table; names, charts and exports use them.
        self.column_labels: dict[str, str] = {}
        self.project_path: Path | None = None  # where the current analysis was last saved or opened from
        # How the table was summarised from an order file (None: a customer file read as it is).
        self.order_request: OrderRequest | None = None
        # The order summary the table was built from (its purchase days feed the holdout check), the
        # forecast horizon in weeks, and the lifetime value found (None: not from orders, or cancelled).
        self.order_summary: OrderSummary | None = None
        self.lifetime_weeks = LIFETIME_WEEKS
        self.lifetime: OrderLifetimeValue | None = None
        self.has_unsaved_changes = False
        # Called on a worker with the analysis modules (see `import_modules`): the window imports its
        # chart modules here (matplotlib takes about a second) so the GUI thread never does.
        self.warm_up: Callable[[], None] | None = None

    @property
    def is_busy(self) -> bool:
        return self.runner.is_busy

    @property
    def is_idle(self) -> bool:
        """Nothing runs, not even the quiet runner's summary or preload."""
        return not self.runner.is_busy and not self._background.is_busy and not self.stability.is_busy

    def cancel(self) -> None:
        self.runner.cancel()

    def shutdown(self) -> None:
        self.runner.shutdown()
        self._background.shutdown()
        self.stability.shutdown()

    def analysis_result(self) -> AnalysisResult | None:
        """The current analysis as the core's AnalysisResult (for reports, projects and models)."""
        from core.pipeline import AnalysisResult

        if self.segmentation is None or self.settings is None or self.prepared is None:
            return None
        return AnalysisResult(self.settings, self.prepared, self.sweep, self.segmentation)

    def _set_unsaved(self, unsaved: bool) -> None:
        if unsaved != self.has_unsaved_changes:
            self.has_unsaved_changes = unsaved
            self.unsaved_changed.emit(unsaved)

    # --- loading -------------------------------------------------------------------------------------

    @property
    def modules_ready(self) -> bool:
        """The analysis modules are imported: the GUI thread may build chart tabs without waiting."""
        return _imported_modules.analysis

    def preload(self) -> None:
        """Import the analysis modules on the quiet runner (the window calls this once it shows).

        Nothing to do when they are imported, or while a step runs (it imports what it needs) or the quiet
        runner summarises a table (which it must not cancel)."""
        if _imported_modules.analysis or self.runner.is_busy or self._background.is_busy:
            return

        def import_all(hooks: TaskHooks) -> None:
            self.import_modules(analysis=False)
            # A file opened meanwhile (the command line's, or a quick user's) imports the rest itself
            # once its table shows; importing it here too would only slow its reading down.
            if not self.runner.is_busy:
                self.import_modules(analysis=True)

        self._background.run(
            import_all,
            lambda _: self.preloaded.emit() if self.modules_ready else None,
            description="loading the analysis modules",
        )

    def import_modules(self, *, analysis: bool, progress: ProgressCallback | None = None) -> None:
        """Call first in any task that imports core modules: see `import_modules` (module level)."""
        import_modules(analysis=analysis, warm_up=self.warm_up, progress=progress)

    def open_file(
        self, path: str | Path, options: ReadOptions | None = None, orders: OrderRequest | None = None
    ) -> None:
        """Load the whole file on the worker: `table_loaded` as soon as it is read, then `analysis_ready`
        (options None: detect everything). With `orders`, the file is an order history and the table is
        its customers, summarised on the same worker; when its dates could be read day-first or
        month-first, `dates_ambiguous` asks instead."""
        path = Path(path)
        delivered: list[LoadedTable] = []
        painted = threading.Event()
        weeks = self.lifetime_weeks

        def load(hooks: TaskHooks) -> tuple | None:
            self.import_modules(analysis=False)
            from core.loading import load_table
            from core.orders import AmbiguousDatesError, summarise_order_file
            from core.progress import scaled

            read_share = 0.9 if orders is None else 0.5
            table = load_table(
                path, options, progress=scaled(hooks.progress, 0.0, read_share), cancel=hooks.cancel
            )
            built_with = summary = None
            if orders is not None:
                try:
                    summary, table = summarise_order_file(
                        table, orders.columns, orders.as_of, progress=scaled(hooks.progress, 0.5, 0.9),
                        cancel=hooks.cancel,
                    )
                except AmbiguousDatesError:
                    return None
                built_with = summary.request()
            hooks.partial((table, built_with))
            # Nothing else runs until the window has painted the table: importing scikit-learn and
            # matplotlib holds Python's lock for most of a second, and the table's statistics (computed
            # once this task ends) competed with the first paint for the two cores of a laptop.
            _wait_for_paint(painted, hooks.cancel)
            self.import_modules(analysis=True, progress=hooks.progress)
            if summary is None:
                return table, None, None
            # Lifetime value after the table is on screen: the models need scipy's optimiser, imported
            # with the analysis modules above.
            from core.clv import lifetime_value_of_orders
            from core.progress import report

            report(hooks.progress, 0.95, "Estimating each customer's lifetime value")
            # The holdout check waits for the user to ask (`check_forecast`): on 200,000 customers it
            # takes 20 s, which would keep Find segments waiting.
            lifetime = lifetime_value_of_orders(summary, table, weeks, check=False, cancel=hooks.cancel)
            return lifetime.table, summary, lifetime

        def show(outcome: tuple[LoadedTable, OrderRequest | None]) -> None:
            table, built_with = outcome
            delivered.append(table)
            self._table_ready(table, built_with)
            after_next_paint(painted.set)

        def opened(outcome: tuple | None) -> None:
            if outcome is None:
                self.dates_ambiguous.emit(path, options, orders)
                return
            table, summary, lifetime = outcome
            if lifetime is not None:
                self.table, self.order_summary, self.lifetime = table, summary, lifetime
                self.lifetime_value_ready.emit(lifetime)
            self._analysis_ready(table)

        def cancelled() -> None:
            # A Cancel pressed while the charts' modules loaded (imports cannot stop half-way): the task
            # ran to its end, so the table it delivered is ready for analysis after all.
            if delivered and self.table is delivered[0]:
                self._analysis_ready(delivered[0])

        self.runner.run(
            load,
            opened,
            description=f"opening {path.name}",
            on_partial=show,
            on_cancelled=cancelled,
        )

    def _table_ready(self, table: LoadedTable, orders: OrderRequest | None = None) -> None:
        self.table = table
        self.order_request = orders
        self.order_summary = self.lifetime = None
        self.settings = self.prepared = self.sweep = self.segmentation = None
        self.column_labels = {}
        self.project_path = None
        self._set_unsaved(False)
        self.results_cleared.emit()
        self.table_loaded.emit(table)
        self.lifetime_value_ready.emit(None)

    def _analysis_ready(self, table: LoadedTable) -> None:
        self.analysis_ready.emit(table)
        self._summarise(table)

    def _summarise(self, table: LoadedTable) -> None:
        """Compute the summary statistics (and the RFM groups of customers summarised from orders) on the
        quiet runner; `summary_ready` and `rfm_groups_ready` follow."""

        def summarise(hooks: TaskHooks):
            from core.clv import rfm_group_table_with_value

            return _summary_statistics(table.frame), rfm_group_table_with_value(table.frame)

        # The signals, not `self`: with a callback that held the session, a finished session was only
        # collected later by Python's cycle collector, while the next one's worker ran, and Qt crashed.
        summary_ready, rfm_groups_ready = self.summary_ready, self.rfm_groups_ready

        def done(outcome) -> None:
            statistics, groups = outcome
            summary_ready.emit(statistics)
            rfm_groups_ready.emit(groups)

        self._background.run(summarise, done, description="summarising the columns")

    def estimate_lifetime_value(self, weeks: int) -> None:
        """Estimate lifetime value again over `weeks`, on the worker. The table gets the new columns:
        segments found on the old one are cleared, since their profiles describe the old forecast. A
        holdout check already made stays (it does not depend on the horizon)."""
        summary, table, earlier = self.order_summary, self.table, self.lifetime
        if summary is None or table is None or earlier is None:
            return

        def estimate(hooks: TaskHooks) -> OrderLifetimeValue:
            from core.clv import lifetime_value_of_orders

            return lifetime_value_of_orders(
                summary, table, weeks, check=False, progress=hooks.progress, cancel=hooks.cancel
            )

        def estimated(lifetime: OrderLifetimeValue) -> None:
            self.lifetime_weeks = weeks
            self.lifetime = dataclasses.replace(
                lifetime, holdout=earlier.holdout, not_checked=earlier.not_checked
            )
            if lifetime.table is not self.table:
                self.table = lifetime.table
                if self.segmentation is not None or self.sweep is not None:
                    self.settings = self.prepared = self.sweep = self.segmentation = None
                    self.results_cleared.emit()
                self._summarise(lifetime.table)
            self.lifetime_value_ready.emit(self.lifetime)

        self.runner.run(estimate, estimated, description="estimating lifetime value")

    def check_forecast(self, split: str | None = None) -> None:
        """The holdout check at `split` (YYYY-MM-DD; None: two thirds into the history), on the worker:
        `lifetime_value_ready` follows with it (or why it could not be made); the table stays as it is."""
        summary, table, earlier = self.order_summary, self.table, self.lifetime
        if summary is None or table is None or earlier is None:
            return

        def check(hooks: TaskHooks) -> OrderLifetimeValue:
            from core.clv import lifetime_value_of_orders

            return lifetime_value_of_orders(
                summary, table, None, split, progress=hooks.progress, cancel=hooks.cancel
            )

        def checked(outcome: OrderLifetimeValue) -> None:
            if self.lifetime is not earlier:  # another horizon or file meanwhile: this check is stale
                return
            self.lifetime = dataclasses.replace(
                earlier, holdout=outcome.holdout, not_checked=outcome.not_checked
            )
            self.lifetime_value_ready.emit(self.lifetime)

        self.runner.run(check, checked, description="checking the forecast")

    # --- analysis ------------------------------------------------------------------------------------

    def find_segments(self, settings: AnalysisSettings) -> None:
        """Prepare the data and sweep k over [k_min, k_max] with the chosen method, then fit the
        suggested k; a method that finds the number of segments itself is fitted at once (no sweep)."""
        from core.methods import method_named

        table = self.table
        if table is None:
            return
        takes_k = method_named(settings.method).takes_k
        labels = dict(self.column_labels)

        def prepare_and_sweep(hooks: TaskHooks):
            import numpy as np

            from core.pipeline import fit_segmentation, prepare_table, resolved_settings, run_sweep
            from core.progress import report, scaled

            report(hooks.progress, 0.0, "Preparing the data")
            prepared = prepare_table(table, settings)
            resolved = resolved_settings(settings, prepared)
            if not takes_k:
                segmentation = fit_segmentation(
                    table.frame, prepared, None, seed=resolved.seed, method=resolved.method,
                    method_options=resolved.method_options, columns=table.report.columns,
                    column_labels=labels, progress=scaled(hooks.progress, 0.05, 1.0), cancel=hooks.cancel,
                )
                return resolved, prepared, None, segmentation, {}
            # Each k's labels, for the stability check and the splits diagram (which then fit nothing
            # the sweep found); small integers: ten of them for a million customers take 20 MB.
            labels_by_k: dict[int, np.ndarray] = {}
            sweep = run_sweep(
                prepared,
                resolved,
                progress=scaled(hooks.progress, 0.05, 1.0),
                cancel=hooks.cancel,
                on_score=hooks.partial,
                on_labels=lambda k, labels: labels_by_k.__setitem__(k, labels.astype(np.int16)),
            )
            return resolved, prepared, sweep, None, labels_by_k

        self.stability.clear()  # the old numbers go with the old sweep; the checks must not slow this one
        self.sweep_started.emit(settings.k_min, settings.k_max)
        self.runner.run(
            prepare_and_sweep,
            self._sweep_ready,
            description="finding segments",
            on_partial=self.score_added.emit,
        )

    def _sweep_ready(self, result) -> None:
        self.settings, self.prepared, self.sweep, segmentation, labels_by_k = result
        self.segmentation = None
        self.sweep_finished.emit(self.sweep)
        if segmentation is not None:
            self._segmentation_ready(segmentation)
        else:
            self.choose_k(self.sweep.suggested_k)
            self.stability.new_sweep(labels_by_k)

    def measure_distance(self, settings: AnalysisSettings) -> None:
        """Prepare the data with `settings` and measure the distance curve that DBSCAN's automatic
        distance is read from, on the worker; `distance_measured` follows. The analysis shown stays."""
        table = self.table
        if table is None:
            return

        def measure(hooks: TaskHooks):
            from core.methods.dbscan import distance_curve
            from core.pipeline import prepare_table
            from core.progress import raise_if_cancelled, report

            report(hooks.progress, 0.0, "Preparing the data")
            prepared = prepare_table(table, settings)
            raise_if_cancelled(hooks.cancel)
            # One nearest-neighbour search on at most 20,000 customers (a second or two): no steps.
            report(hooks.progress, 0.3, "Measuring how closely customers are packed")
            return distance_curve(prepared.matrix, seed=settings.seed)

        self.runner.run(measure, self.distance_measured.emit, description="measuring distances")

    def compare_methods(self, choices: list[MethodChoice]) -> None:
        """Fit each choice on the kept prepared data and compare them (core.method_comparison), on the
        worker; `methods_compared` follows. The segments shown stay until the user keeps one."""
        table, prepared, settings = self.table, self.prepared, self.settings
        if table is None or prepared is None or settings is None:
            return
        labels = dict(self.column_labels)

        def compare(hooks: TaskHooks) -> MethodComparison:
            from core.method_comparison import compare_methods

            return compare_methods(
                table.frame, prepared, choices, seed=settings.seed, columns=table.report.columns,
                column_labels=labels, progress=hooks.progress, cancel=hooks.cancel,
            )

        self.runner.run(compare, self.methods_compared.emit, description="comparing ways of grouping")

    def keep_method(self, result: MethodResult) -> None:
        """Make one result of a comparison the current segments (the others are dropped with the
        comparison). The settings now name its method, so Find segments goes on with it; a sweep made
        for another method no longer applies and is cleared."""
        table = self.table
        if self.settings is None or table is None or len(result.segmentation.labels) != len(table.frame):
            return  # compared on another table
        choice = result.choice
        changed_method = choice.method != self.settings.method
        self.settings = dataclasses.replace(
            self.settings, method=choice.method, method_options=dict(choice.options), k=None
        )
        if changed_method:
            self.sweep = None
        self.method_kept.emit(self.settings)
        self.sweep_finished.emit(self.sweep)
        self._segmentation_ready(result.segmentation)

    def use_stability_by_k(self, stability: dict, *, show_suggested: bool) -> None:
        """Each k's stability is known (core.stability.StabilityResult by k): the suggestion now prefers
        a k whose segments are all stable, and its reason says so (`sweep_finished` follows). With
        `show_suggested` (the sweep was just run), when that changes the suggestion while the first one
        is still shown, the new one is shown, unless a step runs on the session's worker (which this must
        not stop); a reopened project keeps the segments it saved."""
        from core.stability import sweep_with_stability

        if self.sweep is None:
            return
        earlier = self.sweep.suggested_k
        self.sweep = sweep_with_stability(self.sweep, stability)
        k = self.sweep.suggested_k
        self.sweep_finished.emit(self.sweep)
        still_first = self.segmentation is not None and self.segmentation.k == earlier
        if show_suggested and k != earlier and still_first and not self.runner.is_busy:
            self.choose_k(k)

    def choose_k(self, k: int) -> None:
        """Fit k segments from the kept prepared data (no new sweep)."""
        table, prepared, settings = self.table, self.prepared, self.settings
        if table is None or prepared is None or settings is None:
            return
        if self.segmentation is not None and self.segmentation.k == k:
            return
        labels = dict(self.column_labels)
        sweep = self.sweep

        def fit(hooks: TaskHooks) -> Segmentation:
            from core.pipeline import fit_segmentation, swept_parameters

            return fit_segmentation(
                table.frame, prepared, k, seed=settings.seed, method=settings.method,
                method_options=settings.method_options, columns=table.report.columns,
                column_labels=labels, saved=swept_parameters(sweep, settings.method, k),
                progress=hooks.progress, cancel=hooks.cancel,
            )

        self.runner.run(fit, self._segmentation_ready, description=f"finding {k} segments")

    def _segmentation_ready(self, segmentation: Segmentation) -> None:
        self.segmentation = segmentation
        self._set_unsaved(True)
        self.segmentation_changed.emit(segmentation)
        self.stability.new_segments(segmentation)

    def rename_segment(self, number: int, name: str) -> None:
        """Give segment `number` (as shown: 0 for unusual customers) the user's name; charts and
        exports use it from now on."""
        from core.errors import SegmentStudioError
        from core.pipeline import rename_segments

        if self.segmentation is None:
            return
        names = list(self.segmentation.names)
        names[self.segmentation.numbers.index(number)] = name
        try:
            self.segmentation = rename_segments(self.segmentation, names)
        except SegmentStudioError as problem:
            self.error.emit(str(problem))
            self.segmentation_changed.emit(self.segmentation)  # puts the previous name back on screen
            return
        self._set_unsaved(True)
        self.segmentation_changed.emit(self.segmentation)

    def set_column_labels(self, labels: dict[str, str]) -> None:
        """Use the user's labels for columns (empty labels are dropped): the segments are described again
        on the worker, names the user typed stay, and `segmentation_changed` follows."""
        labels = {column: label.strip() for column, label in labels.items() if label.strip()}
        if labels == self.column_labels:
            return
        self.column_labels = labels
        table, prepared, segmentation = self.table, self.prepared, self.segmentation
        if table is None or prepared is None or segmentation is None:
            return

        def describe(_hooks: TaskHooks) -> Segmentation:
            from core.pipeline import relabel_columns

            features = prepared.preprocessor.settings.features
            return relabel_columns(table.frame, segmentation, features, labels, table.report.columns)

        self.runner.run(describe, self._segmentation_ready, description="describing the segments")

    def _restore_after_cancel(self) -> None:
        # A cancelled sweep cleared the elbow chart as it started; show the kept results again (a method
        # that found the number of segments itself has results but no sweep).
        if self.sweep is not None or self.segmentation is not None:
            self.sweep_finished.emit(self.sweep)
        self.cancelled.emit()

    # --- export --------------------------------------------------------------------------------------

    def export_labelled(self, path: str | Path) -> None:
        """Write every customer with its segment number and name (CSV or Excel, by the suffix)."""
        if self.table is None or self.segmentation is None:
            return
        frame, segmentation, source = self.table.frame, self.segmentation, self.table.report.path
        prepared = self.prepared

        def write(hooks: TaskHooks) -> str:
            from core.export import write_table
            from core.pipeline import labelled_customers

            labelled = labelled_customers(frame, segmentation, prepared)
            return str(_saving(path, lambda: write_table(path, labelled, protected=source)))

        self.runner.run(write, self.exported.emit, description=f"saving {Path(path).name}")

    def export_profiles(self, path: str | Path) -> None:
        """Write one row per segment (size, share, averages) plus an "All customers" row."""
        if self.segmentation is None or self.table is None:
            return
        segmentation, source, frame = self.segmentation, self.table.report.path, self.table.frame

        stability = self.stability.segments

        def write(hooks: TaskHooks) -> str:
            from core.clv import with_segment_value
            from core.export import write_table
            from core.profiling import profile_table
            from core.stability import with_stability

            table = with_segment_value(
                with_stability(profile_table(segmentation.profiles, segmentation.overall), stability), frame,
                segmentation.labels, segmentation.numbers,
            )
            return str(_saving(path, lambda: write_table(path, table, protected=source)))

        self.runner.run(write, self.exported.emit, description=f"saving {Path(path).name}")

    def export_table(self, path: str | Path, frame: pd.DataFrame, *, protected: str | Path) -> None:
        """Write any result table (such as assigned new customers); `protected` is the file it came from."""

        def write(hooks: TaskHooks) -> str:
            from core.export import write_table

            return str(_saving(path, lambda: write_table(path, frame, protected=protected)))

        self.runner.run(write, self.exported.emit, description=f"saving {Path(path).name}")

    def export_report(self, path: str | Path) -> None:
        """Write the PDF report of the current analysis, with the segment names as they are now."""
        table, result = self.table, self.analysis_result()
        holdout = None if self.lifetime is None else self.lifetime.holdout
        stability = self.stability.segments  # None until the segments shown are checked
        if table is None or result is None:
            return

        def write(hooks: TaskHooks) -> str:
            from core.report import write_report

            return str(
                _saving(
                    path,
                    lambda: write_report(
                        path, table, result, holdout=holdout, stability=stability, progress=hooks.progress,
                        cancel=hooks.cancel,
                    ),
                )
            )

        self.runner.run(write, self.exported.emit, description=f"writing the report {Path(path).name}")

    def export_dashboard(self, path: str | Path) -> None:
        """Write the interactive HTML dashboard of the current analysis, with the segment names as they are
        now."""
        table, result = self.table, self.analysis_result()
        if table is None or result is None:
            return
        stability = self.stability.segments  # None until the segments shown are checked

        def write(hooks: TaskHooks) -> str:
            from core.dashboard import write_dashboard

            return str(
                _saving(
                    path,
                    lambda: write_dashboard(
                        path, table, result, stability=stability, progress=hooks.progress,
                        cancel=hooks.cancel,
                    ),
                )
            )

        self.runner.run(write, self.exported.emit, description=f"writing the dashboard {Path(path).name}")

    def export_workbook(self, path: str | Path) -> None:
        """Write the Excel workbook: a summary sheet and one sheet of customers per segment."""
        if self.table is None or self.segmentation is None:
            return
        frame, segmentation, source = self.table.frame, self.segmentation, self.table.report.path
        stability, prepared = self.stability.segments, self.prepared

        def write(hooks: TaskHooks) -> str:
            from core.pipeline import segment_probabilities
            from core.workbook import write_workbook

            probabilities = None if prepared is None else segment_probabilities(segmentation, prepared)
            return str(
                _saving(
                    path,
                    lambda: write_workbook(
                        path,
                        frame,
                        segmentation,
                        protected=source,
                        progress=hooks.progress,
                        cancel=hooks.cancel,
                        stability=stability,
                        probabilities=probabilities,
                    ),
                )
            )

        self.runner.run(write, self.exported.emit, description=f"writing the workbook {Path(path).name}")

    def export_segment_model(self, path: str | Path) -> None:
        """Save the segments as a model file that places new customers (Assign New Customers)."""
        result = self.analysis_result()
        if result is None:
            return

        def write(hooks: TaskHooks) -> str:
            from core.segment_model import build_segment_model, save_segment_model

            model = build_segment_model(result)
            return str(_saving(path, lambda: save_segment_model(path, model)))

        self.runner.run(write, self.exported.emit, description=f"saving the model {Path(path).name}")

    # --- projects ------------------------------------------------------------------------------------

    def save_project(self, path: str | Path) -> None:
        """Save the analysis as a project file; `project_saved` follows and the changes count as saved."""
        table, result, orders = self.table, self.analysis_result(), self.order_request
        if table is None or result is None:
            return

        def save(hooks: TaskHooks) -> str:
            from core.project import save_project

            return str(
                _saving(
                    path,
                    lambda: save_project(
                        path, table, result, orders=orders, progress=hooks.progress, cancel=hooks.cancel
                    ),
                ).path
            )

        self.runner.run(save, self._project_saved, description=f"saving the project {Path(path).name}")

    def _project_saved(self, path: str) -> None:
        self.project_path = Path(path)
        self._set_unsaved(False)
        self.project_saved.emit(path)

    def open_project(self, path: str | Path, data_path: str | Path | None = None) -> None:
        """Read the project, check its customer file and re-fit the saved segments on the worker.

        `data_path` is the customer file the user located. When the file has moved or changed,
        `data_file_problem` is emitted instead and the current analysis stays as it is."""
        def reopen_project(hooks: TaskHooks):
            self.import_modules(analysis=True, progress=hooks.progress)
            from core.progress import scaled
            from core.project import check_data_file, load_project, reopen

            project = load_project(path)
            status = check_data_file(
                project, data_path, progress=scaled(hooks.progress, 0.0, 0.1), cancel=hooks.cancel
            )
            if not status.ok:
                return project, status, None
            table, result = reopen(
                project, status.path, progress=scaled(hooks.progress, 0.1, 1.0), cancel=hooks.cancel
            )
            return project, status, (table, result)

        self.runner.run(reopen_project, self._project_ready, description=f"opening {Path(path).name}")

    def open_project_with_new_data(self, project: ProjectFile, data_path: str | Path) -> None:
        """Open the project on its changed customer file, finding the segments again with the saved
        settings on the worker; `new_data_used` then says what changed. The result counts as unsaved."""

        def reopen_on_new_data(hooks: TaskHooks):
            from core.project import reopen_with_new_data

            table, result, message = reopen_with_new_data(
                project, data_path, progress=hooks.progress, cancel=hooks.cancel
            )
            return project, message, (table, result)

        def show(outcome) -> None:
            project, message, reopened = outcome
            self._show_reopened(project, reopened)
            self._set_unsaved(True)
            self.new_data_used.emit(message)

        self.runner.run(reopen_on_new_data, show, description=f"opening {Path(data_path).name}")

    def _project_ready(self, outcome: tuple[ProjectFile, DataFileStatus, tuple | None]) -> None:
        project, status, reopened = outcome
        if reopened is None:
            self.data_file_problem.emit(project, status)
            return
        self._show_reopened(project, reopened)

    def _show_reopened(self, project: ProjectFile, reopened: tuple) -> None:
        table, result = reopened
        self.table = table
        self.order_request = project.orders
        self.order_summary = self.lifetime = None
        self.settings, self.prepared, self.sweep = result.settings, result.prepared, result.sweep
        self.segmentation = result.segmentation
        self.column_labels = dict(project.column_labels)
        self.project_path = project.path
        self._set_unsaved(False)
        self.results_cleared.emit()
        self.table_loaded.emit(table)
        self.lifetime_value_ready.emit(None)
        self._analysis_ready(table)
        if self.sweep is not None:
            self.sweep_finished.emit(self.sweep)
        self.segmentation_changed.emit(self.segmentation)
        self.stability.new_segments(self.segmentation)
        self.project_opened.emit(project)


def _wait_for_paint(painted: threading.Event, cancel: Callable[[], bool]) -> None:
    """Until `painted` is set, Cancel is pressed, or PAINT_WAIT_SECONDS pass (a window that never paints)."""
    deadline = time.monotonic() + PAINT_WAIT_SECONDS
    while not painted.wait(PAINT_POLL_SECONDS):
        if cancel() or time.monotonic() >= deadline:
            return


def _summary_statistics(frame: pd.DataFrame) -> pd.DataFrame:
    """On the worker: `core.exploration.summary_statistics` of a loaded table."""
    import numpy as np

    from core.exploration import summary_statistics  # imported by then: runs after analysis_ready

    # A column holding inf or values near 1e308 has an infinite or undefined spread; that is what the
    # table should show, not a warning (errstate is per thread, so the GUI thread is not affected).
    with np.errstate(over="ignore", invalid="ignore"):
        return summary_statistics(frame)


@dataclasses.dataclass
class _ImportedModules:
    """Which stages of `import_modules` have run in this process, each with its own lock (so a file
    being opened never waits for the analysis modules another thread is importing)."""

    table_lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)
    analysis_lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)
    table: bool = False
    analysis: bool = False


_imported_modules = _ImportedModules()


def import_modules(
    *,
    analysis: bool,
    warm_up: Callable[[], None] | None = None,
    progress: ProgressCallback | None = None,
) -> None:
    """Import what showing a table needs (pandas and the loader) and, with `analysis`, what analysing it
    needs (scikit-learn, then `warm_up`: the window's chart modules); `progress` hears when that starts.

    Every task that imports core modules calls this first (the session's, the Assign New Customers
    window's, the import preview): two threads importing one package at once can find it
    half-initialised (scikit-learn's circular imports then fail). One thread at a time per stage: the
    preload, a file being opened and a model being read may get here together; the later ones wait, then
    find the work done.
    """
    if not _imported_modules.table:  # the flags only ever turn True, so a True read needs no lock
        with _imported_modules.table_lock:
            if not _imported_modules.table:
                _skip_pyside_source_scan()  # once, before the first of the heavy imports
                import core.loading
                import core.preparation
                import desktop_app.data_tab  # noqa: F401

                _imported_modules.table = True
    if analysis and not _imported_modules.analysis:
        with _imported_modules.analysis_lock:  # taken only once the table's stage is done
            if not _imported_modules.analysis:
                if progress is not None:
                    progress(0.9, "Getting the charts ready")
                import core.exploration
                import core.pipeline  # noqa: F401  (with scikit-learn)

                if warm_up is not None:
                    warm_up()
                _imported_modules.analysis = True


def _skip_pyside_source_scan() -> None:
    """Stop PySide reading the source of every module imported after it.

    PySide wraps Python's import so that a module may opt in to its `from __feature__ import
    snake_case` renaming, and to set each module's default it searches the module's source for
    "PySide6". The sources stay in `linecache`: for pandas, scikit-learn and matplotlib that is 0.4 s
    of their imports and 86 MB held as long as the app runs. No module here opts in, and while none
    does, PySide treats a module that uses it and one that does not alike, so every module is
    answered "does not". If a PySide version has no such scan, this does nothing.
    """
    import sys

    feature = sys.modules.get("PySide6.support.feature")
    if feature is not None and callable(getattr(feature, "_mod_uses_pyside", None)):
        feature._mod_uses_pyside = _uses_no_pyside_feature


def _uses_no_pyside_feature(module: object) -> bool:
    return False


def _saving(path: str | Path, write):
    """Run `write()`, turning an operating-system refusal into a message the user can act on."""
    from core.errors import InputFileError

    try:
        return write()
    except OSError as problem:
        reason = problem.strerror or str(problem)
        raise InputFileError(
            f"Could not write '{Path(path).name}': {reason}. Any earlier file of that name is unchanged. "
            "Choose another folder or name, or close the file if another program has it open."
        ) from problem
