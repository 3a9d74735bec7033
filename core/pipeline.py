"""The whole analysis as a few calls that the GUI (on its worker), the command line and tests share.

file -> LoadedTable -> prepare_table -> run_sweep -> fit_segmentation -> profiles -> export.
Each step keeps its result so the GUI can re-run only what changed (choosing another k reuses the
prepared data and the sweep).
"""

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from core.clustering import DEFAULT_SEED, KMeansSegmenter, KScore, KSweep, sweep_k
from core.columns import ColumnKind, ColumnSummary
from core.errors import DataError, SettingsError
from core.loading import LoadedTable
from core.preparation import (
    MissingPolicy,
    PreparationSettings,
    PreparedData,
    Scaling,
    default_features,
    prepare,
)
from core.profiling import OverallProfile, SegmentProfile, profile_segments
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


@dataclass(frozen=True)
class Segmentation:
    """One fitted k: labels per row of the table (-1 = left out), profiles and centroids in user units."""

    k: int
    segmenter: KMeansSegmenter
    labels: np.ndarray
    centroids: pd.DataFrame  # one row per segment, chosen features in the file's units
    profiles: tuple[SegmentProfile, ...]
    overall: OverallProfile

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(profile.name for profile in self.profiles)


@dataclass(frozen=True)
class AnalysisResult:
    settings: AnalysisSettings  # with features resolved
    prepared: PreparedData
    sweep: KSweep | None  # None when k was given and no sweep was asked for
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
    on_score: Callable[[KScore], None] | None = None,
    on_labels: Callable[[int, np.ndarray], None] | None = None,
) -> KSweep:
    """`on_labels` gets each k's labels (per prepared row) for the stability check and splits diagram."""
    return sweep_k(
        prepared.matrix,
        settings.k_min,
        settings.k_max,
        seed=settings.seed,
        progress=progress,
        cancel=cancel,
        on_score=on_score,
        on_labels=on_labels,
    )


def fit_segmentation(
    frame: pd.DataFrame,
    prepared: PreparedData,
    k: int,
    *,
    seed: int = DEFAULT_SEED,
    columns: Sequence[ColumnSummary] = (),
    column_labels: Mapping[str, str] | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
) -> Segmentation:
    """`columns` (the table's column summaries) and `column_labels` (the user's names for columns) go to
    `profile_segments`, which describes the segments."""
    segmenter = KMeansSegmenter(k, seed=seed).fit(
        prepared.matrix, progress=scaled(progress, 0.0, 0.9), cancel=cancel
    )
    raise_if_cancelled(cancel)
    labels = np.full(len(frame), -1, dtype=np.int64)
    labels[prepared.row_positions] = segmenter.labels_
    centroids = prepared.preprocessor.inverse_transform(segmenter.cluster_centers_)
    centroids.index = pd.RangeIndex(1, k + 1, name="Segment")
    report(progress, 0.9, "Describing the segments")
    profiles, overall = profile_segments(
        frame, labels, prepared.preprocessor.settings.features, centroids, column_labels, columns
    )
    report(progress, 1.0, f"Found {k} segments")
    return Segmentation(k, segmenter, labels, centroids, profiles, overall)


def rename_segments(segmentation: Segmentation, names: Sequence[str]) -> Segmentation:
    """The same segmentation with the user's names (edits flow into charts and exports)."""
    if len(names) != segmentation.k:
        raise SettingsError(f"Expected {segmentation.k} segment names, got {len(names)}.")
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
        return profile_segments(frame, segmentation.labels, features, segmentation.centroids, labels, columns)

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
    needed = max(settings.k or settings.k_min, 2)
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
    on_score: Callable[[KScore], None] | None = None,
    on_labels: Callable[[int, np.ndarray], None] | None = None,
) -> AnalysisResult:
    """Prepare, sweep k over [k_min, k_max], fit the chosen (or suggested) k and profile the segments.
    `on_labels` gets each swept k's labels (see `run_sweep`)."""
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
    k = settings.k if settings.k is not None else sweep.suggested_k
    segmentation = fit_segmentation(
        table.frame, prepared, k, seed=settings.seed, columns=table.report.columns,
        progress=scaled(progress, 0.8, 1.0), cancel=cancel,
    )
    return AnalysisResult(settings, prepared, sweep, segmentation)


def analysis_summary(table: LoadedTable, result: AnalysisResult) -> dict:
    """The JSON-ready summary the command line writes with --summary."""
    segmentation = result.segmentation
    sweep = result.sweep
    return {
        "input": table.report.path,
        "rows_read": int(table.report.rows),
        "rows_used": len(result.prepared.row_positions),
        "features": list(result.settings.features or ()),
        "scaling": str(result.settings.scaling),
        "missing": str(result.settings.missing),
        "log_columns": list(result.settings.log_columns),
        "seed": result.settings.seed,
        "preparation_steps": list(result.prepared.steps),
        "wcss": {str(score.k): score.wcss for score in sweep.scores} if sweep else {},
        "silhouette": (
            {str(score.k): score.silhouette for score in sweep.scores if score.silhouette is not None}
            if sweep
            else {}
        ),
        "suggested_k": sweep.suggested_k if sweep else None,
        "suggestion_reason": sweep.reason if sweep else None,
        "k": segmentation.k,
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
