"""Plain helpers behind the exploration charts: summary statistics, correlations, a 2-D overview of
the prepared features, and sampling so that big scatters stay quick and small segments stay visible."""

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.decomposition import PCA

SUMMARY_COLUMNS = (
    "Count",
    "Missing",
    "Distinct",
    "Mean",
    "Std. deviation",
    "Minimum",
    "Median",
    "Maximum",
    "Most common",
)
# A feature names a projection axis when its weight is at least this share of the axis' largest weight.
DRIVER_SHARE = 0.5
MAX_DRIVERS = 3


def is_numeric_column(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def summary_statistics(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per column of `frame` (same order) with the columns of SUMMARY_COLUMNS. Statistics that
    do not apply (a mean of a category, the most common value of a number) are missing."""
    rows = []
    for name in frame.columns:
        series = frame[name]
        values = series.dropna()
        row: dict[str, object] = {
            "Count": int(values.size),
            "Missing": int(series.size - values.size),
            "Distinct": int(values.nunique()),
        }
        if is_numeric_column(series):
            row |= {
                "Mean": values.mean() if values.size else np.nan,
                "Std. deviation": values.std() if values.size > 1 else np.nan,
                "Minimum": values.min() if values.size else np.nan,
                "Median": values.median() if values.size else np.nan,
                "Maximum": values.max() if values.size else np.nan,
            }
        elif values.size:
            counts = values.astype(str).value_counts()
            row["Most common"] = f"{counts.index[0]} ({counts.iloc[0]})"
        rows.append(row)
    return pd.DataFrame(rows, index=pd.Index(frame.columns, name="Column"), columns=list(SUMMARY_COLUMNS))


def histogram_edges(values: np.ndarray, max_bins: int) -> np.ndarray:
    """Bin edges for a histogram of `values` (finite numbers): numpy's "auto" choice, at most `max_bins`.

    Whole numbers (ages, visits, scores) get bins of a whole width, with edges halfway between two
    numbers: a bin 1.7 wide holds one age or two, and the chart then shows spikes and dips that are
    not in the customers."""
    if values.size == 0:
        return np.linspace(0.0, 1.0, 2)
    edges = np.histogram_bin_edges(values, bins="auto")
    if len(edges) > max_bins + 1:
        edges = np.linspace(edges[0], edges[-1], max_bins + 1)
    lowest, highest = float(values.min()), float(values.max())
    if not np.all(values == np.floor(values)):
        return edges
    numbers = highest - lowest + 1
    width = max(math.ceil(edges[1] - edges[0]), math.ceil(numbers / max_bins))
    bins = math.ceil(numbers / width)
    return lowest - 0.5 + width * np.arange(bins + 1)


def correlation_matrix(frame: pd.DataFrame, exclude: Sequence[str] = ()) -> pd.DataFrame:
    """Pearson correlations between the numeric columns, leaving out `exclude` (identifiers, for
    instance) and constant columns, whose correlation is undefined."""
    excluded = set(exclude)
    names = [
        name
        for name in frame.columns
        if name not in excluded and is_numeric_column(frame[name]) and frame[name].nunique(dropna=True) > 1
    ]
    return frame[names].astype("float64").corr()


@dataclass(frozen=True)
class Projection:
    coords: np.ndarray  # (rows, 2): the rows asked for, in their order
    centres: np.ndarray | None  # (segments, 2) when centres were given
    axis_labels: tuple[str, str]  # e.g. "Income ↑, Spending ↑ (62 % of variation)"
    explained_variance: tuple[float, float]  # share of the variation each axis shows, 0..1
    loadings: np.ndarray  # (2, features): each feature's weight on each axis


def project_2d(
    matrix: np.ndarray,
    feature_names: Sequence[str],
    centres: np.ndarray | None = None,
    rows: np.ndarray | None = None,
) -> Projection:
    """Principal-component overview of the prepared matrix. Each axis is signed so that its strongest
    feature increases along it, and labelled with the features that drive it.

    The axes come from every row; `coords` places only `rows` (all rows when None): a chart shows a
    sample, and placing a million customers took longer than finding the axes."""
    matrix = np.asarray(matrix, dtype="float64")
    components = min(2, matrix.shape[1], matrix.shape[0])
    pca = PCA(n_components=components).fit(matrix)
    loadings = pca.components_.copy()
    strongest = np.abs(loadings).argmax(axis=1)
    signs = np.sign(loadings[np.arange(components), strongest])
    loadings *= signs[:, None]
    coords = ((matrix if rows is None else matrix[rows]) - pca.mean_) @ loadings.T
    projected_centres = None if centres is None else (np.asarray(centres) - pca.mean_) @ loadings.T
    variance = list(pca.explained_variance_ratio_)
    labels = [_axis_label(loadings[axis], feature_names, variance[axis]) for axis in range(components)]
    # A single feature (or row) leaves nothing for the second axis: keep the chart two-dimensional.
    while len(labels) < 2:
        coords = np.column_stack([coords, np.zeros(len(coords))])
        if projected_centres is not None:
            projected_centres = np.column_stack([projected_centres, np.zeros(len(projected_centres))])
        loadings = np.vstack([loadings, np.zeros(matrix.shape[1])])
        variance.append(0.0)
        labels.append("(no further variation)")
    return Projection(coords, projected_centres, (labels[0], labels[1]), (variance[0], variance[1]), loadings)


def _axis_label(weights: np.ndarray, feature_names: Sequence[str], variance: float) -> str:
    order = np.argsort(-np.abs(weights))
    largest = abs(weights[order[0]])
    drivers = [i for i in order[:MAX_DRIVERS] if abs(weights[i]) >= DRIVER_SHARE * largest]
    named = ", ".join(f"{feature_names[i]} {'↑' if weights[i] > 0 else '↓'}" for i in drivers)
    return f"{named} ({variance * 100:.0f} % of variation)"


def sample_rows(n: int, max_points: int, labels: np.ndarray | None = None, seed: int = 0) -> np.ndarray:
    """Sorted row indices, at most `max_points` of `n` (all of them when `n` fits). With `labels`, the
    sample is stratified: every label keeps a share of the points (at least a fair minimum, or all its
    rows), so a small segment stays visible next to a huge one. The same seed gives the same sample."""
    if n <= max_points:
        return np.arange(n)
    rng = np.random.default_rng(seed)
    if labels is None:
        return np.sort(rng.choice(n, size=max_points, replace=False))
    # Hashing, not sorting, finds the groups: np.unique sorted a million labels twice (70-190 ms).
    codes, groups = pd.factorize(np.asarray(labels), sort=True, use_na_sentinel=False)
    sizes = np.bincount(codes, minlength=len(groups))
    quotas = np.minimum(sizes, max_points // (2 * len(groups)))
    rest = max_points - quotas.sum()
    # Share what is left in proportion to the rows each group still has.
    remaining = sizes - quotas
    quotas += np.floor(rest * remaining / remaining.sum()).astype(int)
    # Rounding down leaves fewer points than there are groups: give them to the groups with most rows left.
    shortfall = max_points - quotas.sum()
    quotas[np.argsort(quotas - sizes, kind="stable")[:shortfall]] += 1
    chosen = [
        rng.choice(np.flatnonzero(codes == group), size=quota, replace=False)
        for group, quota in enumerate(quotas)
    ]
    return np.sort(np.concatenate(chosen))
