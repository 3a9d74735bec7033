"""The whole analysis as a few calls that the GUI (on its worker), the command line and tests share.

file -> LoadedTable -> prepare_table -> run_sweep -> fit_segmentation -> profiles -> export.
Each step keeps its result so the GUI can re-run only what changed (choosing another k reuses the
prepared data and the sweep).

Any grouping method of core.methods runs through the same steps (`AnalysisSettings.method`). Customers a
method leaves out of every group (density methods) become the segment numbered 0, "Unusual customers",
the first profile; `Segmentation.labels` always index `Segmentation.profiles`, and the number shown to
the user is the profile's `number`, never computed from a label.
"""

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.clustering import DEFAULT_SEED, KScore, KSweep, sweep_k
from core.columns import ColumnKind, ColumnSummary
from core.errors import DataError, SettingsError
from core.export import labelled_frame, probability_column
from core.loading import LoadedTable
from core.methods import DEFAULT_METHOD, UNUSUAL, Method, Segmenter, method_named
from core.methods.gmm import MixtureScore, MixtureSweep
from core.preparation import (
    MissingPolicy,
    PreparationSettings,
    PreparedData,
    Scaling,
    default_features,
    prepare,
)
from core.profiling import UNUSUAL_NUMBER, OverallProfile, SegmentProfile, profile_segments
from core.progress import CancelCheck, ProgressCallback, raise_if_cancelled, report, scaled


@dataclass(frozen=True)
class AnalysisSettings:
    features: tuple[str, ...] | None = None  # None: the default choice (numeric/categorical, no IDs)
    k: int | None = None  # None: use the suggested k
    k_min: int = 1
    k_max: int = 10
    scaling: Scaling = Scaling.STANDARD
    missing: MissingPolicy = MissingPolicy.DROP
    log_columns: tuple[str, ...] = ()
    seed: int = DEFAULT_SEED
    # Chosen columns of numbers treated as categories; None: those the table's column summaries call
    # categories (codes such as Region 1-3; see core.columns), resolved by `prepare_table`.
    category_columns: tuple[str, ...] | None = None
    # The grouping method, by its name in core.methods ("kmeans", "gmm", "dbscan", ...).
    method: str = DEFAULT_METHOD
    # The method's settings beyond k that the user changed (e.g. DBSCAN's distance); the others keep the
    # method's defaults (`Method.options`).
    method_options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Segmentation:
    """One fitted grouping: labels per row of the table, profiles and centroids in user units.

    `labels[row]` is the position of the row's profile in `profiles` (-1: left out for missing values).
    When the method left customers out of every group, the first profile is theirs, numbered 0 and
    named "Unusual customers"; the segments follow, numbered from 1."""

    k: int  # the number of segments found (the unusual customers are not one of them)
    segmenter: Segmenter  # fitted, in the method's own numbering (see `segment_positions`)
    labels: np.ndarray
    centroids: pd.DataFrame  # one row per profile, chosen features in the file's units, index: numbers
    profiles: tuple[SegmentProfile, ...]
    overall: OverallProfile
    # One row per profile in the prepared space: the segmenter's centres, after the unusual customers'
    # mean when they have a profile (charts project them with the customers).
    centres: np.ndarray
    method: str = DEFAULT_METHOD

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(profile.name for profile in self.profiles)

    @property
    def numbers(self) -> tuple[int, ...]:
        """The segment number shown to the user for each profile (0 for the unusual customers)."""
        return tuple(profile.number for profile in self.profiles)

    @property
    def unusual(self) -> int:
        """How many customers belong to no group (the segment numbered 0)."""
        return sum(profile.size for profile in self.profiles if profile.number == UNUSUAL_NUMBER)

    def segment_positions(self, segment_labels: np.ndarray) -> np.ndarray:
        """The positions in `profiles` of labels in the segmenter's numbering (its `labels_` or
        `predict`), UNUSUAL included; -1 stays for an unusual customer when this segmentation has no
        unusual profile."""
        return profile_positions(segment_labels, has_unusual=self.unusual > 0)


@dataclass(frozen=True)
class AnalysisResult:
    settings: AnalysisSettings  # with features resolved
    prepared: PreparedData
    # The sweep over k (k-means' or the method's own); None when the method finds the number itself
    # or a project was reopened on changed data.
    sweep: KSweep | MixtureSweep | None
    segmentation: Segmentation


def resolve_features(table: LoadedTable, features: tuple[str, ...] | None) -> tuple[str, ...]:
    """The chosen features, or the default choice when `features` is None."""
    if features is not None:
        return tuple(features)
    choice = default_features(table.report.columns)
    if not choice.selected:
        raise DataError(_no_default_features_message(table, choice.excluded))
    return choice.selected


def _no_default_features_message(table: LoadedTable, excluded: dict[str, str]) -> str:
    """Why no column of the file can be used (otherwise the user would only hear "no columns chosen")."""
    name = Path(table.report.path).name
    if table.report.rows < 2:
        return (f"'{name}' holds only {table.report.rows} customer; finding segments needs at least 2 "
                "(in practice dozens). Choose the file with all your customers.")
    reasons = "; ".join(f"{column}: {reason}" for column, reason in list(excluded.items())[:5])
    more = f" (and {len(excluded) - 5} more columns)" if len(excluded) > 5 else ""
    return (f"No column of '{name}' can be used to find segments by default ({reasons}{more}). "
            "Choose the columns to use yourself (on the command line with --features), or use a file "
            "with numbers about your customers such as spending or visits.")


def resolve_category_columns(table: LoadedTable, features: Sequence[str]) -> tuple[str, ...]:
    """The chosen columns of numbers that the table's summaries call categories (codes: Region 1-3)."""
    codes = {
        column.name
        for column in table.report.columns
        if column.kind is ColumnKind.CATEGORICAL and column.minimum is not None
    }
    return tuple(name for name in features if name in codes)


def prepare_table(table: LoadedTable, settings: AnalysisSettings) -> PreparedData:
    features = resolve_features(table, settings.features)
    categories = settings.category_columns
    preparation = PreparationSettings(
        features=features,
        missing=settings.missing,
        scaling=settings.scaling,
        log_columns=tuple(settings.log_columns),
        category_columns=tuple(
            resolve_category_columns(table, features) if categories is None else categories
        ),
    )
    prepared = prepare(table.frame, preparation)
    _check_enough_rows_left(prepared, settings, table.report.rows)
    return prepared


def resolved_settings(settings: AnalysisSettings, prepared: PreparedData) -> AnalysisSettings:
    """`settings` with the columns and categories the preparation used (never None: saved as they are)."""
    used = prepared.preprocessor.settings
    return dataclasses.replace(settings, features=used.features, category_columns=used.category_columns)


def run_sweep(
    prepared: PreparedData,
    settings: AnalysisSettings,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
    on_score: Callable[[KScore | MixtureScore], None] | None = None,
    on_labels: Callable[[int, np.ndarray], None] | None = None,
) -> KSweep | MixtureSweep | None:
    """Try every number of segments in [k_min, k_max] with the method's own sweep where it has one
    (Gaussian mixtures: BIC), else the k-means sweep (its elbow and silhouette say how many round
    groups there are, which is what Ward finds too); None for a method that finds the number of
    segments itself (density methods): there is nothing to choose. `on_labels` gets each k's labels
    (per prepared row) for the stability check and splits diagram."""
    method = method_named(settings.method)
    if not method.takes_k:
        return None
    return (method.sweep or sweep_k)(
        prepared.matrix,
        settings.k_min,
        settings.k_max,
        seed=settings.seed,
        progress=progress,
        cancel=cancel,
        on_score=on_score,
        on_labels=on_labels,
    )


def make_segmenter(method: Method, k: int | None, seed: int, options: Mapping[str, Any]) -> Segmenter:
    """`method.make` with the method's default options under the user's, after checking that every
    option given is one the method has (a typo must not be silently ignored)."""
    unknown = [name for name in options if name not in method.options]
    if unknown:
        known = ", ".join(method.options) or "none"
        raise SettingsError(
            f"{method.title} has no setting called '{unknown[0]}'; its settings are: {known}."
        )
    return method.make(k if method.takes_k else None, seed, {**method.options, **options})


def profile_positions(segment_labels: np.ndarray, *, has_unusual: bool) -> np.ndarray:
    """Positions in a segmentation's profiles of a segmenter's labels: the unusual customers' profile,
    when there is one, comes first, so every segment moves one place down and UNUSUAL lands on 0."""
    labels = np.asarray(segment_labels, dtype=np.int64)
    return labels - UNUSUAL if has_unusual else labels


def fit_segmentation(
    frame: pd.DataFrame,
    prepared: PreparedData,
    k: int | None,
    *,
    seed: int = DEFAULT_SEED,
    method: str = DEFAULT_METHOD,
    method_options: Mapping[str, Any] | None = None,
    columns: Sequence[ColumnSummary] = (),
    column_labels: Mapping[str, str] | None = None,
    saved: Mapping[str, Any] | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
) -> Segmentation:
    """Group the prepared customers with `method` (k segments for a method that takes a number; a
    density method finds it and ignores k). `columns` (the table's column summaries) and `column_labels`
    (the user's names for columns) go to `profile_segments`, which describes the segments. `saved`: the
    method's parameters found before for these customers (a sweep's, see `swept_parameters`, or a
    project's), which give the segments without a new fit (`Method.assign_saved`)."""
    chosen = method_named(method)
    segmenter = make_segmenter(chosen, k, seed, method_options or {})
    if saved is None:
        segmenter.fit(prepared.matrix, progress=scaled(progress, 0.0, 0.9), cancel=cancel)
    elif chosen.assign_saved is not None:
        segmenter = chosen.assign_saved(saved, prepared.matrix)
    else:
        raise SettingsError(f"{chosen.title} finds its segments again only by fitting them.")
    raise_if_cancelled(cancel)
    has_unusual = bool((segmenter.labels_ == UNUSUAL).any())
    labels = np.full(len(frame), -1, dtype=np.int64)
    labels[prepared.row_positions] = profile_positions(segmenter.labels_, has_unusual=has_unusual)
    centres = np.asarray(segmenter.cluster_centers_, dtype=np.float64)
    if has_unusual:  # the unusual customers' "centre" is their mean, as the profile describes them
        centres = np.vstack([prepared.matrix[segmenter.labels_ == UNUSUAL].mean(axis=0), centres])
    centroids = prepared.preprocessor.inverse_transform(centres)
    report(progress, 0.9, "Describing the segments")
    profiles, overall = profile_segments(
        frame, labels, prepared.preprocessor.settings.features, centroids, column_labels, columns,
        unusual_first=has_unusual,
    )
    centroids.index = pd.Index([profile.number for profile in profiles], name="Segment")
    found = int(segmenter.n_segments_)
    report(progress, 1.0, f"Found {found} segments")
    return Segmentation(found, segmenter, labels, centroids, profiles, overall, centres, chosen.name)


_PROBABILITY_BLOCK_ROWS = 50_000


def segment_probabilities(segmentation: Segmentation, prepared: PreparedData) -> pd.DataFrame | None:
    """Each customer's probability of belonging to each segment, as columns "P(segment N)" (one row per
    table row, empty for customers left out for missing values), for methods that give probabilities
    (`Method.gives_probabilities`: Gaussian mixtures); None for the others."""
    if not method_named(segmentation.method).gives_probabilities:
        return None
    # In blocks of rows: the mixture's densities of a whole large table at once hold several copies
    # of it (200,000 customers in 2 columns: 0.7-1.4 s at once, 0.3-0.65 s in blocks of 50,000, on
    # the busy machine).
    chances = np.vstack([
        segmentation.segmenter.predict_proba(prepared.matrix[start : start + _PROBABILITY_BLOCK_ROWS])
        for start in range(0, len(prepared.matrix), _PROBABILITY_BLOCK_ROWS)
    ])
    rows = len(segmentation.labels)
    columns = {}
    for segment, position in enumerate(segmentation.segment_positions(np.arange(chances.shape[1]))):
        values = np.full(rows, np.nan)
        values[prepared.row_positions] = chances[:, segment]
        columns[probability_column(segmentation.profiles[position].number)] = values
    return pd.DataFrame(columns)


def labelled_customers(
    frame: pd.DataFrame, segmentation: Segmentation, prepared: PreparedData
) -> pd.DataFrame:
    """The customers as they were, with their segment's number and name and, for a method that gives
    them, their probability of each segment: the "customers with their segment" export."""
    return labelled_frame(
        frame,
        segmentation.labels,
        segmentation.names,
        segmentation.numbers,
        probabilities=segment_probabilities(segmentation, prepared),
    )


def rename_segments(segmentation: Segmentation, names: Sequence[str]) -> Segmentation:
    """The same segmentation with the user's names (edits flow into charts and exports)."""
    if len(names) != len(segmentation.profiles):
        raise SettingsError(f"Expected {len(segmentation.profiles)} segment names, got {len(names)}.")
    cleaned = [name.strip() for name in names]
    if any(not name for name in cleaned):
        raise SettingsError("A segment name cannot be empty; type a name or keep the suggested one.")
    if len(set(cleaned)) != len(cleaned):
        raise SettingsError("Two segments cannot have the same name; give each segment its own name.")
    profiles = tuple(
        dataclasses.replace(profile, name=name)
        for profile, name in zip(segmentation.profiles, cleaned, strict=True)
    )
    return dataclasses.replace(segmentation, profiles=profiles)


def relabel_columns(
    frame: pd.DataFrame,
    segmentation: Segmentation,
    features: Sequence[str],
    column_labels: Mapping[str, str],
    columns: Sequence[ColumnSummary] = (),
) -> Segmentation:
    """The same segments described with the user's new column labels ("MntWines" -> "Wine spending").
    A name that was the suggested one follows the new labels; a name the user typed stays."""
    def described(labels: Mapping[str, str]):
        return profile_segments(
            frame, segmentation.labels, features, segmentation.centroids, labels, columns,
            unusual_first=segmentation.unusual > 0,
        )

    suggested_before, _ = described(segmentation.overall.column_labels)
    profiles, overall = described(column_labels)
    names = [
        fresh.name if current.name == before.name else current.name
        for current, before, fresh in zip(segmentation.profiles, suggested_before, profiles, strict=True)
    ]
    if len(set(names)) < len(names):  # a typed name is now another segment's suggestion: keep the typed
        names = [
            current.name if current.name != before.name else f"{fresh.name} ({fresh.number})"
            for current, before, fresh in zip(segmentation.profiles, suggested_before, profiles, strict=True)
        ]
    return rename_segments(dataclasses.replace(segmentation, profiles=profiles, overall=overall), names)


def _check_enough_rows_left(prepared: PreparedData, settings: AnalysisSettings, rows: int) -> None:
    """After leaving out customers with gaps, the clustering's own "too few customers" message would not
    say why so few are left; this one does, and names the way out."""
    used = len(prepared.row_positions)
    needed = max(settings.k or settings.k_min, 2) if method_named(settings.method).takes_k else 2
    if prepared.rows_dropped and used < needed:
        raise DataError(
            f"Only {used} of {rows:,} customers have a value in every chosen column, too few for {needed} "
            "segments. Fill in the missing values instead of leaving those customers out (--missing fill), "
            "leave out the columns with many gaps, or ask for fewer segments."
        )


def run_analysis(
    table: LoadedTable,
    settings: AnalysisSettings,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
    on_score: Callable[[KScore | MixtureScore], None] | None = None,
    on_labels: Callable[[int, np.ndarray], None] | None = None,
) -> AnalysisResult:
    """Prepare, sweep k over [k_min, k_max], fit the chosen (or suggested) k and profile the segments.
    A method that finds the number of segments itself (density methods) skips the sweep and ignores k.
    `on_labels` gets each swept k's labels (see `run_sweep`)."""
    method = method_named(settings.method)
    if not method.takes_k:
        settings = dataclasses.replace(settings, k=None)
    if settings.k is not None and settings.k < 1:
        raise SettingsError(f"The number of segments must be at least 1 (got {settings.k}).")
    report(progress, 0.0, "Preparing the data")
    prepared = prepare_table(table, settings)
    settings = resolved_settings(settings, prepared)
    raise_if_cancelled(cancel)
    sweep = run_sweep(
        prepared, settings, progress=scaled(progress, 0.05, 0.8), cancel=cancel, on_score=on_score,
        on_labels=on_labels,
    )
    k = settings.k if settings.k is not None or sweep is None else sweep.suggested_k
    segmentation = fit_segmentation(
        table.frame, prepared, k, seed=settings.seed, method=settings.method,
        method_options=settings.method_options, columns=table.report.columns,
        saved=swept_parameters(sweep, settings.method, k), progress=scaled(progress, 0.8, 1.0), cancel=cancel,
    )
    return AnalysisResult(settings, prepared, sweep, segmentation)


def swept_parameters(sweep: KSweep | MixtureSweep | None, method: str, k: int | None) -> dict | None:
    """The parameters the method's own sweep found for k, when the method can give its segments from
    them (`Method.assign_saved`): the segments are then the grouping the chart shows for k (a separate
    fit could settle in another, and takes as long as one k of the sweep). `sweep` is `method`'s own: the
    app drops the sweep when the method changes."""
    chosen = method_named(method)
    if chosen.assign_saved is None or chosen.sweep is None or sweep is None:
        return None
    return sweep.fitted.get(k)


def sweep_measure(sweep, measure: str) -> dict[str, float]:
    """A sweep's values of one measure ("wcss", "silhouette", "bic") by k, as text; empty when the
    sweep did not take that measure (or there was no sweep)."""
    if sweep is None:
        return {}
    values = {str(score.k): getattr(score, measure, None) for score in sweep.scores}
    return {k: float(value) for k, value in values.items() if value is not None}


def analysis_summary(table: LoadedTable, result: AnalysisResult) -> dict:
    """The JSON-ready summary the command line writes with --summary."""
    segmentation = result.segmentation
    sweep = result.sweep
    method = method_named(result.settings.method)
    # Density methods always say how many customers they left out, even none.
    unusual = {"unusual": segmentation.unusual} if method.finds_unusual or segmentation.unusual else {}
    options = dict(result.settings.method_options)
    return {
        "input": table.report.path,
        "method": method.name,
        **({"method_options": options} if options else {}),
        "rows_read": int(table.report.rows),
        "rows_used": len(result.prepared.row_positions),
        "features": list(result.settings.features or ()),
        "scaling": str(result.settings.scaling),
        "missing": str(result.settings.missing),
        "log_columns": list(result.settings.log_columns),
        "seed": result.settings.seed,
        "preparation_steps": list(result.prepared.steps),
        # Each measure the sweep took (k-means: WCSS and silhouette; Gaussian mixtures: BIC) by k.
        **{
            measure: sweep_measure(sweep, measure)
            for measure in ("wcss", "silhouette", "bic")
            if measure != "bic" or sweep_measure(sweep, measure)
        },
        "suggested_k": sweep.suggested_k if sweep else None,
        "suggestion_reason": sweep.reason if sweep else None,
        "k": segmentation.k,
        **unusual,
        "segments": [
            {
                "number": profile.number,
                "name": profile.name,
                "size": profile.size,
                "share": profile.share,
                "centroid": {feature: float(value) for feature, value in profile.centroid.items()},
                "description": profile.description,
            }
            for profile in segmentation.profiles
        ],
    }
