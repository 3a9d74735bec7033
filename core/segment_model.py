"""The fitted segmentation as a model file, and placing new customers into its segments.

A segment model is a JSON file (never pickle: opening a model must not run code). It holds the
preparation (the preprocessor's fill values, log columns, category levels, scaling centre and scale),
the grouping method and what its segmenter needs to place customers (`Segmenter.to_dict`), the segment
centres in the prepared space, the segment names and numbers, and a distance threshold: the 99th
percentile of the training customers' distances to their own segment's centre.

A new customer goes where the method puts it (`Segmenter.predict`): the nearest centre for k-means and
Ward, the most likely segment of a Gaussian mixture, the segment of the nearest core customer within
the distance for DBSCAN and HDBSCAN, else the unusual customers (segment 0, "Unusual customers"). One
farther from its segment's centre than the threshold "does not fit any segment"; it keeps the segment,
flagged.

Missing values follow the policy the segments were made with, so that assigning the training file
itself reproduces its labels exactly:
- "drop": a customer with a gap in a model feature is left unassigned (label -1), as it was left out
  of the segmentation;
- "fill": the gap gets the model's fill value (the training median or most common level), the customer
  is assigned and flagged in `Assignment.filled`.
"""

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from core import __version__
from core.errors import DataError, InputFileError, SegmentStudioError, SettingsError
from core.export import check_file_header, labelled_frame, probability_column, write_json
from core.methods import DEFAULT_METHOD, UNUSUAL, Segmenter, method_named
from core.pipeline import AnalysisResult, profile_positions
from core.preparation import MissingPolicy, Preprocessor
from core.profiling import UNUSUAL_NAME, UNUSUAL_NUMBER
from core.progress import CancelCheck, ProgressCallback, raise_if_cancelled, report
from core.project import read_json_file

SEGMENT_MODEL_FORMAT = "segment-studio-segment-model"
# Version 2 adds the grouping method ("method", "segmenter") and the unusual customers' segment 0; a
# k-means model is still written as version 1, which every earlier Segment Studio places correctly.
SEGMENT_MODEL_VERSION = 2
# Customers farther from every centre than this percentile of the training distances do not fit.
FIT_PERCENTILE = 99.0
FITS_COLUMN = "Fits a segment"
DISTANCE_COLUMN = "Distance to segment centre"
NOT_FITTING = "no: does not fit any segment"
LEFT_OUT_MISSING = "no: missing values"
# Rows assigned per step: bounds memory on big files and lets Cancel act in between.
_CHUNK_ROWS = 100_000
_COLUMNS_IN_MESSAGES = 30


@dataclass(frozen=True, eq=False)
class SegmentModel:
    preprocessor: Preprocessor  # fitted; `preprocessor.settings.features` are the model's columns
    segmenter: Segmenter  # fitted, from the method's `from_dict`: places customers as the analysis did
    centroids: np.ndarray  # (segments, encoded features): the segmenter's centres, in the prepared space
    # One per profile of the analysis, in its order: the unusual customers first when they had a profile.
    names: tuple[str, ...]
    numbers: tuple[int, ...]  # the segment numbers shown (0 for the unusual customers)
    sizes: tuple[int, ...]  # training customers per profile
    distance_threshold: float  # prepared-space distance beyond which a customer does not fit
    method: str = DEFAULT_METHOD
    # The unusual customers' mean in the prepared space, when they have a profile (the file describes them).
    unusual_centre: np.ndarray | None = None

    @property
    def features(self) -> tuple[str, ...]:
        return tuple(self.preprocessor.settings.features)

    @property
    def k(self) -> int:
        """The number of segments (the unusual customers are not one)."""
        return len(self.centroids)

    @property
    def has_unusual(self) -> bool:
        return UNUSUAL_NUMBER in self.numbers


@dataclass(frozen=True)
class ColumnMatch:
    mapping: dict[str, str]  # model feature -> column of the new file
    missing: tuple[str, ...]  # model features with no column in the new file

    @property
    def complete(self) -> bool:
        return not self.missing


@dataclass(frozen=True, eq=False)
class Assignment:
    # per row: the position of its segment in `names` and `numbers`, -1 when left unassigned (a gap
    # under "drop")
    labels: np.ndarray
    names: tuple[str, ...]  # the model's segment names (with "Unusual customers" first when any are)
    numbers: tuple[int, ...]  # the segment numbers shown (0 for the unusual customers)
    distances: np.ndarray  # per row: distance to its segment's centre (unusual: the nearest); NaN unassigned
    fits: np.ndarray  # per row: True when in a segment, within the model's distance threshold
    filled: np.ndarray  # per row: True when a gap was filled with the model's fill value
    distance_threshold: float
    # For a method that gives them (Gaussian mixtures): each row's probability of each segment, columns
    # in the segmenter's order (NaN where unassigned); None for the others.
    probabilities: np.ndarray | None = None

    @property
    def left_out(self) -> np.ndarray:
        return self.labels < 0

    @property
    def unusual(self) -> np.ndarray:
        """Per row: placed among the unusual customers (segment 0) by a density method."""
        if UNUSUAL_NUMBER not in self.numbers:
            return np.zeros(len(self.labels), dtype=bool)
        return self.labels == self.numbers.index(UNUSUAL_NUMBER)

    @property
    def not_fitting(self) -> np.ndarray:
        """Per row: placed in a segment, but farther from its centre than the model's threshold."""
        return ~self.fits & ~self.left_out & ~self.unusual

    def counts(self) -> dict[str, int]:
        """Segment name -> customers placed in it that fit it (for the unusual customers: all of them)."""
        counted = self.fits | self.unusual
        placed = self.labels[counted]
        return {name: int((placed == position).sum()) for position, name in enumerate(self.names)}


def nearest_centres(
    matrix: np.ndarray, centroids: np.ndarray, *, cancel: CancelCheck | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """0-based nearest centre and the Euclidean distance to it, per row (first centre on ties)."""
    best = np.zeros(len(matrix), dtype=np.int64)
    best_squared = np.full(len(matrix), np.inf)
    for number, centre in enumerate(centroids):
        raise_if_cancelled(cancel)
        offset = matrix - centre
        squared = np.einsum("ij,ij->i", offset, offset)
        closer = squared < best_squared
        best[closer] = number
        best_squared[closer] = squared[closer]
    return best, np.sqrt(best_squared)


def _distances_to_segments(matrix: np.ndarray, segments: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """Per row, the distance to the centre of its segment (`segments`, in the segmenter's numbering);
    for an unusual customer, to the nearest centre."""
    _, nearest = nearest_centres(matrix, centroids)
    placed = segments != UNUSUAL
    offset = matrix[placed] - centroids[segments[placed]]
    nearest[placed] = np.sqrt(np.einsum("ij,ij->i", offset, offset))
    return nearest


def build_segment_model(result: AnalysisResult) -> SegmentModel:
    """The model of an `AnalysisResult` (core.pipeline), with the segment names as they are now."""
    prepared = result.prepared
    segmentation = result.segmentation
    method = method_named(segmentation.method)
    # The model places customers with what it saves, so a model in memory and one read from its file
    # behave the same.
    segmenter = method.from_dict(segmentation.segmenter.to_dict())
    centroids = np.asarray(segmentation.segmenter.cluster_centers_, dtype=np.float64)
    training = np.asarray(segmentation.segmenter.labels_)
    distances = _distances_to_segments(prepared.matrix, training, centroids)[training != UNUSUAL]
    threshold = float(np.percentile(distances, FIT_PERCENTILE)) if distances.size else 0.0
    return SegmentModel(
        preprocessor=prepared.preprocessor,
        segmenter=segmenter,
        centroids=centroids,
        names=tuple(segmentation.names),
        numbers=tuple(segmentation.numbers),
        sizes=tuple(int(profile.size) for profile in segmentation.profiles),
        distance_threshold=threshold,
        method=method.name,
        unusual_centre=segmentation.centres[0] if segmentation.unusual else None,
    )


def _profile_centres(model: SegmentModel) -> np.ndarray:
    """One centre per profile: the unusual customers' own (kept from the analysis) and the segments'."""
    if model.unusual_centre is None:
        return model.centroids
    return np.vstack([model.unusual_centre[None, :], model.centroids])


def segment_model_to_dict(model: SegmentModel) -> dict:
    centres = _profile_centres(model)
    centres_in_units = model.preprocessor.inverse_transform(centres)
    plain_k_means = model.method == DEFAULT_METHOD and not model.has_unusual
    return {
        "format": SEGMENT_MODEL_FORMAT,
        "version": 1 if plain_k_means else SEGMENT_MODEL_VERSION,
        "written_by": f"Segment Studio {__version__}",
        "features": list(model.features),
        "preparation": model.preprocessor.to_dict(),
        "encoded_features": list(model.preprocessor.feature_names_out_),
        "method": model.method,
        "segmenter": model.segmenter.to_dict(),
        "distance": "Euclidean, in the prepared space (after filling, log, yes/no columns and scaling)",
        "threshold_percentile": FIT_PERCENTILE,
        "distance_threshold": model.distance_threshold,
        "segments": [
            {
                "number": number,
                "name": name,
                "training_size": size,
                "centre_prepared": [float(value) for value in centres[position]],
                "centre_in_file_units": {
                    column: float(value) for column, value in centres_in_units.iloc[position].items()
                },
            }
            for position, (number, name, size) in enumerate(
                zip(model.numbers, model.names, model.sizes, strict=True)
            )
        ],
    }


def segment_model_from_dict(data: object, source: str = "The segment model") -> SegmentModel:
    """Raises InputFileError naming `source` when `data` is not a model this version can use."""
    check_file_header(
        data,
        file_format=SEGMENT_MODEL_FORMAT,
        newest_version=SEGMENT_MODEL_VERSION,
        source=source,
        kind=(
            "Segment Studio segment model. Choose a model file saved with Save Segment Model "
            "(or the command line's --model)."
        ),
    )
    try:
        preprocessor = Preprocessor.from_dict(data["preparation"])
        segments = data["segments"]
        names = tuple(str(segment["name"]) for segment in segments)
        numbers = tuple(int(segment["number"]) for segment in segments)
        sizes = tuple(int(segment["training_size"]) for segment in segments)
        centres = np.array([segment["centre_prepared"] for segment in segments], dtype=np.float64)
        threshold = float(data["distance_threshold"])
        width = len(preprocessor.feature_names_out_)
        if not segments or centres.shape != (len(segments), width):
            raise ValueError(f"expected {len(segments)} centres of {width} values each")
        if not np.isfinite(centres).all() or not math.isfinite(threshold) or threshold < 0:
            raise ValueError("a centre or the distance threshold is not a finite number")
        if len(set(names)) != len(names) or not all(name.strip() for name in names):
            raise ValueError("segment names must be unique and not empty")
        if len(set(numbers)) != len(numbers):
            raise ValueError("segment numbers must be unique")
        in_segments = np.array([number != UNUSUAL_NUMBER for number in numbers])
        # Models of version 1 are k-means models: their segmenter is the centres.
        method = method_named(str(data.get("method", DEFAULT_METHOD)))
        saved_segmenter = data.get("segmenter", {"centres": centres[in_segments].tolist()})
        segmenter = method.from_dict(saved_segmenter)
    except InputFileError as error:
        raise InputFileError(f"{source}: {error}") from error
    except (KeyError, TypeError, ValueError, SegmentStudioError) as error:
        raise InputFileError(
            f"{source} is damaged ({error}) and cannot be used. Save the model again from the analysis."
        ) from error
    return SegmentModel(
        preprocessor, segmenter, centres[in_segments], names, numbers, sizes, threshold, method.name,
        unusual_centre=None if in_segments.all() else centres[~in_segments][0],
    )


def save_segment_model(path: str | Path, model: SegmentModel) -> Path:
    """Write the model as readable JSON, atomically."""
    return write_json(path, segment_model_to_dict(model))


def load_segment_model(path: str | Path) -> SegmentModel:
    path = Path(path)
    return segment_model_from_dict(read_json_file(path, "model file"), f"'{path.name}'")


def _normalised(name: object) -> str:
    return re.sub(r"\s+", " ", str(name)).strip().casefold()


def match_columns(
    model: SegmentModel, frame_columns: Sequence[object], mapping: Mapping[str, str] | None = None
) -> ColumnMatch:
    """Find each model feature among `frame_columns`: an explicit `mapping` (model feature -> column)
    first, then the same name, then the same name ignoring case and spaces."""
    columns = [str(column) for column in frame_columns]
    by_normalised: dict[str, str] = {}
    for column in columns:
        by_normalised.setdefault(_normalised(column), column)
    explicit = dict(mapping or {})
    unknown_features = [feature for feature in explicit if feature not in model.features]
    if unknown_features:
        raise SettingsError(
            f"'{unknown_features[0]}' is not a column of the segment model; its columns are "
            f"{', '.join(model.features)}."
        )
    found: dict[str, str] = {}
    missing: list[str] = []
    for feature in model.features:
        if feature in explicit:
            if explicit[feature] not in columns:
                raise SettingsError(
                    f"The column '{explicit[feature]}' chosen for '{feature}' is not in the file. "
                    f"Its columns are {', '.join(columns)}."
                )
            found[feature] = explicit[feature]
        elif feature in columns:
            found[feature] = feature
        elif _normalised(feature) in by_normalised:
            found[feature] = by_normalised[_normalised(feature)]
        else:
            missing.append(feature)
    return ColumnMatch(mapping=found, missing=tuple(missing))


def missing_columns_message(match: ColumnMatch, frame_columns: Sequence[object], *, how: str = "") -> str:
    """Which model columns the file lacks and which it has; `how` says how to name the right ones."""
    columns = [str(column) for column in frame_columns]
    shown = ", ".join(columns[:_COLUMNS_IN_MESSAGES])
    if len(columns) > _COLUMNS_IN_MESSAGES:
        shown += f" and {len(columns) - _COLUMNS_IN_MESSAGES} more"
    how = how or "choose the file's matching column for each"
    return (
        f"The file has no column for {', '.join(repr(name) for name in match.missing)}, which the segment "
        f"model needs; {how}. The file's columns are: {shown}."
    )


def assign_customers(
    model: SegmentModel,
    frame: pd.DataFrame,
    mapping: Mapping[str, str] | None = None,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
) -> Assignment:
    """Place every row of `frame` in a segment as the model's method does (see the module docstring).
    `mapping` (model feature -> column of `frame`) overrides matching by name. Raises DataError when a
    model feature has no column."""
    match = match_columns(model, frame.columns, mapping)
    if not match.complete:
        raise DataError(missing_columns_message(match, frame.columns))
    features = model.features
    renamed = pd.DataFrame({feature: frame[match.mapping[feature]] for feature in features})
    gaps = model.preprocessor.missing_rows(renamed)
    skip = gaps if model.preprocessor.settings.missing == MissingPolicy.DROP else np.zeros_like(gaps)
    segments = np.full(len(frame), UNUSUAL, dtype=np.int64)  # in the segmenter's numbering
    distances = np.full(len(frame), np.nan)
    gives_probabilities = method_named(model.method).gives_probabilities
    probabilities = np.full((len(frame), model.k), np.nan) if gives_probabilities else None
    rows = np.flatnonzero(~skip)
    for start in range(0, len(rows), _CHUNK_ROWS):
        raise_if_cancelled(cancel)
        report(progress, start / max(len(rows), 1), f"Placing customers {start + 1:,} of {len(rows):,}")
        chunk = rows[start : start + _CHUNK_ROWS]
        matrix = model.preprocessor.transform(renamed.iloc[chunk])
        segments[chunk] = model.segmenter.predict(matrix)
        if probabilities is not None:
            probabilities[chunk] = model.segmenter.predict_proba(matrix)
        distances[chunk] = _distances_to_segments(matrix, segments[chunk], model.centroids)
    report(progress, 1.0, f"Placed {len(rows):,} customers")
    names, numbers = model.names, model.numbers
    unusual = np.zeros(len(frame), dtype=bool)
    unusual[rows] = segments[rows] == UNUSUAL
    if unusual.any() and not model.has_unusual:  # new customers unlike all the model's: segment 0
        names, numbers = (UNUSUAL_NAME, *names), (UNUSUAL_NUMBER, *numbers)
    labels = np.full(len(frame), -1, dtype=np.int64)
    labels[rows] = profile_positions(segments[rows], has_unusual=UNUSUAL_NUMBER in numbers)
    fits = ~skip & ~unusual & (distances <= model.distance_threshold)
    return Assignment(
        labels=labels,
        names=names,
        numbers=numbers,
        distances=distances,
        fits=fits,
        filled=gaps & ~skip,
        distance_threshold=model.distance_threshold,
        probabilities=probabilities,
    )


def assignment_frame(frame: pd.DataFrame, assignment: Assignment) -> pd.DataFrame:
    """The new customers as they were, plus their segment (number and name), whether they fit it, and
    the distance to its centre: the table shown and exported after "Assign New Customers"."""
    for column in (FITS_COLUMN, DISTANCE_COLUMN):
        if column in frame.columns:
            raise SettingsError(
                f"The file already has a column named '{column}'; rename it in the file before assigning."
            )
    labelled = labelled_frame(
        frame, assignment.labels, assignment.names, assignment.numbers,
        probabilities=_probability_columns(assignment),
    )
    fits = np.where(assignment.fits, "yes", NOT_FITTING).astype(object)
    fits[assignment.left_out] = LEFT_OUT_MISSING
    labelled[FITS_COLUMN] = pd.array(fits, dtype="string")
    labelled[DISTANCE_COLUMN] = assignment.distances
    return labelled


def _probability_columns(assignment: Assignment) -> pd.DataFrame | None:
    """The assignment's probabilities as "P(segment N)" columns, N the segments' numbers."""
    if assignment.probabilities is None:
        return None
    has_unusual = UNUSUAL_NUMBER in assignment.numbers
    positions = profile_positions(np.arange(assignment.probabilities.shape[1]), has_unusual=has_unusual)
    return pd.DataFrame({
        probability_column(assignment.numbers[position]): assignment.probabilities[:, segment]
        for segment, position in enumerate(positions)
    })


def assignment_summary(assignment: Assignment) -> dict:
    """The JSON-ready counts the command line writes with `assign --summary`."""
    return {
        "rows": len(assignment.labels),
        "assigned": assignment.counts(),
        "not_fitting": int(assignment.not_fitting.sum()),
        **({"unusual": int(assignment.unusual.sum())} if UNUSUAL_NUMBER in assignment.numbers else {}),
        "left_out_missing_values": int(assignment.left_out.sum()),
        "filled_missing_values": int(assignment.filled.sum()),
        "distance_threshold": assignment.distance_threshold,
    }
