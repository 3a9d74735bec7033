"""Project files: a saved piece of work that reopens to exactly the same segments.

A project is readable, versioned JSON (format "segment-studio-project", documented in
docs/project-format.md). It stores where the customer file is (absolute, and relative to the project
file so a folder moved as a whole still works), the file's size and SHA-256 checksum, how it was read,
every analysis setting (the grouping method and its settings among them), the chosen k, the segment
names (with the user's edits) and the results: the k sweep's scores, each segment's size and centre,
and the fitted method's own parameters (`Segmenter.to_dict`, as a segment model stores them). Labels
are not stored: reopening prepares the same file with the same settings, puts each customer of a k-means
project in the segment of the nearest saved centre and fits any other method again with the same k and
seed, which gives the same labels; the stored sizes and centres (the unusual customers', segment 0,
among them) are then checked against the result.
"""

import dataclasses
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

import numpy as np

from core import __version__
from core.clustering import KScore, KSweep
from core.errors import DataError, InputFileError
from core.export import check_file_header, write_json
from core.loading import LoadedTable, ReadOptions, load_table
from core.methods import DEFAULT_METHOD, method_named
from core.methods.gmm import MixtureScore, MixtureSweep
from core.orders import OrderColumns, OrderRequest, summarise_order_file
from core.pipeline import (
    AnalysisResult,
    AnalysisSettings,
    Segmentation,
    fit_segmentation,
    prepare_table,
    rename_segments,
    resolved_settings,
)
from core.preparation import MissingPolicy, PreparedData, Scaling
from core.profiling import UNUSUAL_NUMBER
from core.progress import CancelCheck, ProgressCallback, raise_if_cancelled, report, scaled

PROJECT_FORMAT = "segment-studio-project"
# Version 2 adds the user's column labels, version 3 a grouping method other than k-means (and its
# settings, and segment 0 for unusual customers). A project is written with the lowest version that holds
# it, so an older Segment Studio opens it; it refuses the others rather than lose the labels or re-fit
# with k-means.
PROJECT_VERSION = 3
PROJECT_SUFFIX = ".segproj"  # what the app's Save Project dialog offers
# Centres are compared after a JSON round trip and a re-fit: allow for the last digits of floating point.
_CENTRE_TOLERANCE = 1e-6
_CHECKSUM_BLOCK = 1 << 20


@dataclass(frozen=True)
class DataFileRecord:
    path: str  # absolute, as saved
    relative_path: str | None  # relative to the project file's folder; None on another drive
    sha256: str
    size: int  # bytes


@dataclass(frozen=True)
class SavedSegment:
    number: int  # as shown: 1, 2, ...; 0 for the unusual customers
    name: str
    size: int
    centre: dict[str, float]  # chosen features (encoded names) -> centre in the file's units


@dataclass(frozen=True)
class ProjectFile:
    data_file: DataFileRecord
    read_options: ReadOptions
    settings: AnalysisSettings  # features resolved
    k: int  # the chosen number of segments
    segments: tuple[SavedSegment, ...]  # in segment order, with the user's names
    sweep: KSweep | MixtureSweep | None
    saved_at: str = ""  # ISO 8601, UTC
    written_by: str = ""
    path: Path | None = None  # where the project was loaded from or saved to
    # the user's labels for columns ("MntWines" -> "Wine spending"), used in names, charts and exports
    column_labels: dict[str, str] = dataclasses.field(default_factory=dict)
    # Set when the customers were summarised from an order file (core.orders): how to do it again.
    orders: OrderRequest | None = None
    # The fitted method's parameters (`Segmenter.to_dict`); None in projects saved before methods.
    segmenter: dict | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(segment.name for segment in self.segments)


class DataFileState(StrEnum):
    OK = "ok"
    MOVED = "moved"  # not found where it was, nor beside the project as before
    CHANGED = "changed"  # found, but its contents differ from when the project was saved


@dataclass(frozen=True)
class DataFileStatus:
    state: DataFileState
    path: Path | None  # the file found (OK or CHANGED), None when MOVED
    message: str  # plain words for the user; empty when OK

    @property
    def ok(self) -> bool:
        return self.state == DataFileState.OK


def file_checksum(
    path: str | Path, *, progress: ProgressCallback | None = None, cancel: CancelCheck | None = None
) -> str:
    """SHA-256 of the file's bytes, read in blocks (progress and Cancel between blocks)."""
    digest = hashlib.sha256()
    total = max(os.path.getsize(path), 1)
    done = 0
    with open(path, "rb") as source:
        while block := source.read(_CHECKSUM_BLOCK):
            raise_if_cancelled(cancel)
            digest.update(block)
            done += len(block)
            report(progress, done / total, "Checking the data file")
    return digest.hexdigest()


def data_file_record(
    data_path: str | Path,
    project_path: str | Path,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
) -> DataFileRecord:
    data_path = Path(data_path).resolve()
    try:
        relative = Path(os.path.relpath(data_path, Path(project_path).resolve().parent)).as_posix()
    except ValueError:  # Windows: the data and the project are on different drives
        relative = None
    return DataFileRecord(
        path=str(data_path),
        relative_path=relative,
        sha256=file_checksum(data_path, progress=progress, cancel=cancel),
        size=data_path.stat().st_size,
    )


def project_to_dict(project: ProjectFile) -> dict:
    settings = project.settings
    sweep = project.sweep
    labels = {"column_labels": dict(project.column_labels)} if project.column_labels else {}
    version = PROJECT_VERSION if settings.method != DEFAULT_METHOD else 2 if project.column_labels else 1
    return {
        "format": PROJECT_FORMAT,
        "version": version,
        "written_by": project.written_by,
        "saved_at": project.saved_at,
        "data_file": dataclasses.asdict(project.data_file),
        "read_options": dataclasses.asdict(project.read_options),
        "orders": None if project.orders is None else dataclasses.asdict(project.orders),
        "settings": {
            "features": list(settings.features or ()),
            "k": settings.k,
            "k_min": settings.k_min,
            "k_max": settings.k_max,
            "scaling": str(settings.scaling),
            "missing": str(settings.missing),
            "log_columns": list(settings.log_columns),
            "seed": settings.seed,
            "category_columns": list(settings.category_columns or ()),
            "method": settings.method,
            "method_options": dict(settings.method_options),
        },
        "chosen_k": project.k,
        "results": {
            "sweep": None
            if sweep is None
            else {
                "suggested_k": sweep.suggested_k,
                "reason": sweep.reason,
                "scores": [dataclasses.asdict(score) for score in sweep.scores],
            },
            "segments": [dataclasses.asdict(segment) for segment in project.segments],
            "segmenter": project.segmenter,
        },
        **labels,
    }


def project_from_dict(data: object, path: Path | None = None) -> ProjectFile:
    source = f"'{path.name}'" if path is not None else "The project"
    check_file_header(
        data,
        file_format=PROJECT_FORMAT,
        newest_version=PROJECT_VERSION,
        source=source,
        kind="Segment Studio project. Choose a file saved with Save Project.",
    )
    try:
        saved = data["settings"]
        settings = AnalysisSettings(
            features=tuple(saved["features"]),
            k=saved["k"],
            k_min=int(saved["k_min"]),
            k_max=int(saved["k_max"]),
            scaling=Scaling(saved["scaling"]),
            missing=MissingPolicy(saved["missing"]),
            log_columns=tuple(saved["log_columns"]),
            seed=int(saved["seed"]),
            # Projects saved before codes became categories used every chosen column as numbers.
            category_columns=tuple(saved.get("category_columns", ())),
            # Projects saved before other methods used k-means.
            method=str(saved.get("method", DEFAULT_METHOD)),
            method_options=dict(saved.get("method_options", {})),
        )
        results = data["results"]
        sweep = _sweep_from_dict(results["sweep"])
        segments = tuple(
            SavedSegment(
                number=int(segment["number"]),
                name=str(segment["name"]),
                size=int(segment["size"]),
                centre={str(key): float(value) for key, value in segment["centre"].items()},
            )
            for segment in results["segments"]
        )
        k = int(data["chosen_k"])
        in_segments = [segment for segment in segments if segment.number != UNUSUAL_NUMBER]
        if len(in_segments) != k:
            raise ValueError(f"{len(in_segments)} segments saved for k = {k}")
        saved_orders = data.get("orders")  # absent in projects of customer files saved before orders
        orders = None if saved_orders is None else OrderRequest(
            columns=OrderColumns(**saved_orders["columns"]), as_of=saved_orders["as_of"]
        )
        project = ProjectFile(
            orders=orders,
            data_file=DataFileRecord(**data["data_file"]),
            read_options=ReadOptions(**data["read_options"]),
            settings=settings,
            k=k,
            segments=segments,
            sweep=sweep,
            saved_at=str(data.get("saved_at", "")),
            written_by=str(data.get("written_by", "")),
            path=path,
            column_labels={
                str(column): str(label) for column, label in data.get("column_labels", {}).items()
            },
            segmenter=results.get("segmenter"),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise InputFileError(
            f"{source} is damaged ({error}) and cannot be opened. Open the customer file and run the "
            "analysis again."
        ) from error
    return project


# The sweeps a project can hold, told apart by their scores' measures (k-means: WCSS and silhouette,
# Gaussian mixtures: BIC).
_SWEEP_KINDS = ((KScore, KSweep), (MixtureScore, MixtureSweep))


# Two separation measures that k-means scores held until December 2026 and nothing showed: a project
# saved then still opens without them.
_RETIRED_MEASURES = frozenset({"calinski_harabasz", "davies_bouldin"})


def _sweep_from_dict(saved: dict | None) -> KSweep | MixtureSweep | None:
    if saved is None:
        return None
    saved_scores = [
        {measure: value for measure, value in score.items() if measure not in _RETIRED_MEASURES}
        for score in saved["scores"]
    ]
    measures = {key for score in saved_scores for key in score}
    score_type, sweep_type = next(
        (kinds for kinds in _SWEEP_KINDS if measures <= {each.name for each in dataclasses.fields(kinds[0])}),
        _SWEEP_KINDS[0],
    )
    return sweep_type(
        scores=tuple(score_type(**score) for score in saved_scores),
        suggested_k=int(saved["suggested_k"]),
        reason=str(saved["reason"]),
    )


def save_project(
    path: str | Path,
    table: LoadedTable,
    result: AnalysisResult,
    *,
    orders: OrderRequest | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
) -> ProjectFile:
    """Save the analysis (with the segment names as they are now) as a project file, atomically.
    `orders`: how the customers were summarised from the order file `table` was built from.

    Returns the saved project, whose `path` is the project file."""
    path = Path(path)
    record = data_file_record(table.report.path, path, progress=scaled(progress, 0.0, 0.9), cancel=cancel)
    segmentation = result.segmentation
    settings = resolved_settings(result.settings, result.prepared)
    project = ProjectFile(
        data_file=record,
        read_options=table.report.options,
        settings=settings,
        k=segmentation.k,
        segments=tuple(
            SavedSegment(
                number=profile.number,
                name=profile.name,
                size=int(profile.size),
                centre={str(key): float(value) for key, value in segmentation.centroids.iloc[i].items()},
            )
            for i, profile in enumerate(segmentation.profiles)
        ),
        sweep=result.sweep,
        saved_at=datetime.now(UTC).isoformat(timespec="seconds"),
        written_by=f"Segment Studio {__version__}",
        path=path,
        column_labels=dict(segmentation.overall.column_labels),
        orders=orders,
        segmenter=segmentation.segmenter.to_dict(),
    )
    write_json(path, project_to_dict(project))
    report(progress, 1.0, f"Saved the project {path.name}")
    return project


def read_json_file(path: str | Path, kind: str) -> object:
    """The parsed JSON of a file saved by Segment Studio; `kind` ("project", "model file") names it in
    the InputFileError raised when the file is missing, unreadable or not JSON."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise InputFileError(f"The {kind} '{path}' does not exist. Check the name and folder.") from error
    except (OSError, UnicodeDecodeError) as error:
        raise InputFileError(
            f"The {kind} '{path.name}' cannot be read ({error}). Choose a {kind} saved by Segment Studio."
        ) from error
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InputFileError(
            f"'{path.name}' is not a Segment Studio {kind}: it is not valid JSON (line {error.lineno})."
        ) from error


def load_project(path: str | Path) -> ProjectFile:
    path = Path(path)
    return project_from_dict(read_json_file(path, "project"), path)


def _candidate_paths(project: ProjectFile) -> list[Path]:
    candidates = [Path(project.data_file.path)]
    if project.data_file.relative_path is not None and project.path is not None:
        candidates.append(project.path.resolve().parent / project.data_file.relative_path)
    return candidates


def check_data_file(
    project: ProjectFile,
    data_path: str | Path | None = None,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
) -> DataFileStatus:
    """Is the customer file still there and unchanged? `data_path` is a file the user located instead."""
    saved_name = Path(project.data_file.path).name
    candidates = [Path(data_path)] if data_path is not None else _candidate_paths(project)
    found = next((candidate for candidate in candidates if candidate.is_file()), None)
    if found is None:
        if data_path is not None:
            message = f"The file '{data_path}' does not exist. Locate the customer file '{saved_name}'."
        else:
            message = (
                f"The customer file '{saved_name}' is no longer at {candidates[0]}. It may have been moved, "
                "renamed or deleted. Locate the file to open the project."
            )
        return DataFileStatus(DataFileState.MOVED, None, message)
    unchanged = found.stat().st_size == project.data_file.size and (
        file_checksum(found, progress=progress, cancel=cancel) == project.data_file.sha256
    )
    if not unchanged:
        return DataFileStatus(
            DataFileState.CHANGED,
            found,
            f"The customer file '{found.name}' has changed since the project was saved ({project.saved_at}), "
            "so the saved segments cannot be reproduced. Locate the original file, or open the changed file "
            "and run the analysis again.",
        )
    return DataFileStatus(DataFileState.OK, found, "")


def reopen(
    project: ProjectFile,
    data_path: str | Path | None = None,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
) -> tuple[LoadedTable, AnalysisResult]:
    """Load the customer file and re-fit the saved segments, with the saved names.

    Raises InputFileError (with `check_data_file`'s message) when the file has moved or changed, and
    DataError when the re-fit does not give the saved segments."""
    status = check_data_file(project, data_path, progress=scaled(progress, 0.0, 0.2), cancel=cancel)
    if not status.ok:
        raise InputFileError(status.message)
    table, prepared, segmentation = _fit_saved_settings(project, status.path, progress, cancel)
    _check_same_segments(project, segmentation)
    segmentation = rename_segments(segmentation, project.names)
    return table, AnalysisResult(project.settings, prepared, project.sweep, segmentation)


def _fit_saved_settings(
    project: ProjectFile, path: Path, progress: ProgressCallback | None, cancel: CancelCheck | None
) -> tuple[LoadedTable, PreparedData, Segmentation]:
    """The data file read as saved (and summarised per customer again when it is an order history),
    prepared and segmented with the project's settings and number of segments."""
    table = load_table(path, project.read_options, progress=scaled(progress, 0.2, 0.4), cancel=cancel)
    if project.orders is not None:
        _, table = summarise_order_file(table, project.orders.columns, project.orders.as_of, cancel=cancel)
    raise_if_cancelled(cancel)
    prepared, segmentation = _fit_on_table(project, table, scaled(progress, 0.4, 1.0), cancel)
    return table, prepared, segmentation


def _fit_on_table(
    project: ProjectFile, table: LoadedTable, progress: ProgressCallback | None, cancel: CancelCheck | None
) -> tuple[PreparedData, Segmentation]:
    """The table prepared and segmented with the project's settings and number of segments."""
    report(progress, 0.0, "Preparing the data")
    prepared = prepare_table(table, project.settings)
    segmentation = fit_segmentation(
        table.frame,
        prepared,
        project.k,
        seed=project.settings.seed,
        method=project.settings.method,
        method_options=project.settings.method_options,
        columns=table.report.columns,
        column_labels=project.column_labels,
        saved=project.segmenter if method_named(project.settings.method).assign_saved else None,
        progress=scaled(progress, 0.1, 1.0),
        cancel=cancel,
    )
    return prepared, segmentation


def saved_segments_on(
    path: str | Path,
    table: LoadedTable,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
) -> Segmentation:
    """The segments of the project saved at `path`, found again on `table` (the same customer file,
    already loaded) with their saved names: to compare them with other segments of that table.

    Raises InputFileError when the project was made on another file, or on this one before it changed,
    and DataError when the re-fit does not give the saved segments."""
    project = load_project(path)
    checksum = file_checksum(table.report.path, progress=scaled(progress, 0.0, 0.3), cancel=cancel)
    if checksum != project.data_file.sha256:
        raise InputFileError(
            f"The project '{Path(path).name}' was made on the customer file "
            f"'{Path(project.data_file.path).name}' as it was on {project.saved_at}, not on the file open "
            f"now ('{Path(table.report.path).name}'). Choose a project saved with the file open now."
        )
    _, segmentation = _fit_on_table(project, table, scaled(progress, 0.3, 1.0), cancel)
    _check_same_segments(project, segmentation)
    return rename_segments(segmentation, project.names)


def reopen_with_new_data(
    project: ProjectFile,
    data_path: str | Path | None = None,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
) -> tuple[LoadedTable, AnalysisResult, str]:
    """The changed customer file analysed with the project's saved settings (columns, scaling, missing
    values, log scale, seed, number of segments), for a user who refreshed the spreadsheet: the saved
    segments cannot be reproduced, but the work that went into the settings and names is kept. A new
    segment whose centre lies near a saved one (see NAME_MATCH_DISTANCE) keeps that segment's name.

    Returns the table, the result (no sweep: the saved one described the old data) and what changed in
    plain words. Raises InputFileError when the file is not found, SettingsError when it lacks a column."""
    status = check_data_file(project, data_path, progress=scaled(progress, 0.0, 0.2), cancel=cancel)
    if status.path is None:
        raise InputFileError(status.message)
    table, prepared, segmentation = _fit_saved_settings(project, status.path, progress, cancel)
    names, kept = _names_of_matching_segments(project, segmentation, prepared.preprocessor)
    segmentation = rename_segments(segmentation, names)
    before = sum(segment.size for segment in project.segments)
    after = len(prepared.row_positions)
    if after == before:
        counted = f"{after:,} customers are segmented, as before, but some of their values changed"
    else:
        counted = (
            f"{after:,} customers are segmented now, {before:,} before "
            f"({abs(after - before):,} {'added' if after > before else 'removed'})"
        )
    message = (
        f"The customer file '{status.path.name}' has changed: {counted}. The segments were found again "
        f"with the saved settings; {kept} of the {project.k} still match a saved segment and keep its name."
    )
    return table, AnalysisResult(project.settings, prepared, None, segmentation), message


# A new segment keeps a saved segment's name when their centres are this close in the prepared space:
# the root mean square difference per column, in standard deviations under standard scaling. Half a
# standard deviation: the same group of customers, moved a little by the customers added or removed.
NAME_MATCH_DISTANCE = 0.5


def _names_of_matching_segments(project: ProjectFile, segmentation: Segmentation, preprocessor) -> tuple[
    list[str], int
]:
    """The names for the new segments: a saved name where a saved segment matches (each used once, the
    closest pairs first), else the suggested name; and how many kept a saved name."""
    from scipy.optimize import linear_sum_assignment  # imported here: the core loads without scipy

    columns = list(preprocessor.feature_names_out_)
    logged = set(preprocessor.log_columns_)

    def prepared(centre: dict[str, float]) -> np.ndarray:
        values = np.array([centre.get(column, np.nan) for column in columns], dtype=np.float64)
        for position, column in enumerate(columns):
            if column in logged:
                values[position] = np.log1p(values[position])
        return (values - preprocessor.center_) / preprocessor.scale_

    saved = np.array([prepared(segment.centre) for segment in project.segments])
    found = np.asarray(segmentation.centres, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        distance = np.sqrt(np.mean((saved[:, None, :] - found[None, :, :]) ** 2, axis=2))
    distance = np.where(np.isfinite(distance), distance, np.inf)  # a column the project did not have
    # The unusual customers (segment 0) are matched with each other only, whatever their centres.
    saved_unusual = np.array([segment.number == UNUSUAL_NUMBER for segment in project.segments])
    found_unusual = np.array([number == UNUSUAL_NUMBER for number in segmentation.numbers])
    distance[saved_unusual[:, None] != found_unusual[None, :]] = np.inf
    distance[saved_unusual[:, None] & found_unusual[None, :]] = 0.0
    names = list(segmentation.names)
    finite = np.where(np.isfinite(distance), distance, 1e12)
    kept = 0
    for old, new in zip(*linear_sum_assignment(finite), strict=True):
        if distance[old, new] <= NAME_MATCH_DISTANCE:
            names[new] = project.segments[old].name
            kept += int(not saved_unusual[old])  # "k of the segments" do not count the unusual customers
    unique: list[str] = []  # a suggested name may equal a kept one: the later one gets its number
    for number, name in zip(segmentation.numbers, names, strict=True):
        unique.append(f"{name} ({number})" if name in unique else name)
    return unique, kept


def _check_same_segments(project: ProjectFile, segmentation: Segmentation) -> None:
    sizes = [int(profile.size) for profile in segmentation.profiles]
    saved_sizes = [segment.size for segment in project.segments]
    saved_centres = np.array([list(segment.centre.values()) for segment in project.segments])
    columns = list(project.segments[0].centre) if project.segments else []
    same = sizes == saved_sizes and np.allclose(
        segmentation.centroids[columns].to_numpy(dtype=np.float64),
        saved_centres,
        rtol=_CENTRE_TOLERANCE,
        atol=_CENTRE_TOLERANCE,
    )
    if not same:
        raise DataError(
            f"Re-running the saved analysis gave different segments (sizes {sizes} instead of "
            f"{saved_sizes}), although the customer file is unchanged. This can happen after an update "
            "of Segment Studio; run the analysis again and save a new project."
        )
