"""Several grouping methods run on the same prepared customers, side by side.

`compare_methods` fits each chosen method (core.methods, through `pipeline.fit_segmentation`, so each
result is a whole segmentation the user can keep), measures every result's separation (silhouette) on
one shared sample of customers, so the numbers compare like with like, compares each result with
the first one (`core.comparison`: who went where, the agreement in words, the adjusted Rand index), and
adds the measured guide of `core.methods.guide` (read from a k-means result: the one compared, or one
fitted for it with as many segments as the first result).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from core.clustering import DEFAULT_SEED, SeparationSample
from core.columns import ColumnSummary
from core.comparison import Comparison, compare_segmentations
from core.errors import SettingsError
from core.methods import method_named
from core.methods.guide import MethodAdvice, advise_methods
from core.methods.kmeans import KMEANS
from core.pipeline import Segmentation, fit_segmentation
from core.preparation import PreparedData
from core.profiling import UNUSUAL_NUMBER
from core.progress import CancelCheck, ProgressCallback, raise_if_cancelled, report, scaled


@dataclass(frozen=True)
class MethodChoice:
    method: str  # a name of core.methods ("kmeans", "gmm", ...)
    k: int | None = None  # for methods that take a number of segments
    options: Mapping[str, Any] = field(default_factory=dict)  # the method's settings the user changed


@dataclass(frozen=True, eq=False)
class MethodResult:
    choice: MethodChoice
    segmentation: Segmentation
    # The silhouette (-1 to 1, higher: customers sit more clearly in their own segment) on the
    # comparison's shared sample, unusual customers not counted; None with fewer than two segments.
    silhouette: float | None

    @property
    def title(self) -> str:
        """"k-means with 5 segments"; "HDBSCAN with 4 segments and 37 unusual customers"."""
        segmentation = self.segmentation
        method = method_named(segmentation.method).title
        segments = f"{segmentation.k} segment{'s' if segmentation.k != 1 else ''}"
        unusual = segmentation.unusual
        return f"{method} with {segments}" + (f" and {unusual:,} unusual customers" if unusual else "")

    @property
    def segment_names(self) -> tuple[str, ...]:
        """"1 · High income, high spending", one per profile, as the cross-table shows them."""
        return tuple(f"{profile.number} · {profile.name}" for profile in self.segmentation.profiles)


@dataclass(frozen=True, eq=False)
class MethodComparison:
    results: tuple[MethodResult, ...]
    # The first result against each of the others, in order (the first is the one the user had).
    comparisons: tuple[Comparison, ...]
    sample_size: int  # customers the silhouettes were measured on (the same ones for every method)
    # Signs measured on the customers and the methods that cope with them, in plain words.
    advice: tuple[MethodAdvice, ...] = ()

    def overview(self) -> pd.DataFrame:
        """One row per method: segments found, unusual customers, the largest and smallest segment's
        share of the customers, and the separation on the shared sample."""
        rows = {}
        for result in self.results:
            segmentation = result.segmentation
            sizes = [profile.share for profile in segmentation.profiles if profile.number != UNUSUAL_NUMBER]
            rows[result.title] = {
                "Segments": segmentation.k,
                "Unusual customers": segmentation.unusual,
                "Largest segment %": round(max(sizes, default=0.0) * 100, 1),
                "Smallest segment %": round(min(sizes, default=0.0) * 100, 1),
                "Separation (silhouette)": (
                    round(result.silhouette, 3) if result.silhouette is not None else None
                ),
            }
        return pd.DataFrame.from_dict(rows, orient="index")


def compare_methods(
    frame: pd.DataFrame,
    prepared: PreparedData,
    choices: Sequence[MethodChoice],
    *,
    seed: int = DEFAULT_SEED,
    columns: Sequence[ColumnSummary] = (),
    column_labels: Mapping[str, str] | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
) -> MethodComparison:
    """Fit every choice on `prepared` (the rows of `frame` it was prepared from) and compare them.
    Two or more choices; the first is the reference the others are compared with."""
    if len(choices) < 2:
        raise SettingsError("Choose at least two ways of grouping to compare them.")
    # The sample of the sweep's separation scores (same seed, same customers): a k-means result here
    # has the silhouette Choose k shows for it.
    sample = SeparationSample(prepared.matrix, np.random.default_rng(seed))
    results = []
    steps = len(choices) + 1  # the guide takes about as long as one method
    for index, choice in enumerate(choices):
        share = scaled(progress, index / steps, (index + 1) / steps)
        title = method_named(choice.method).title
        report(share, 0.0, f"Grouping with {title} ({index + 1} of {len(choices)})")
        segmentation = fit_segmentation(
            frame, prepared, choice.k, seed=seed, method=choice.method, method_options=choice.options,
            columns=columns, column_labels=column_labels, progress=share, cancel=cancel,
        )
        raise_if_cancelled(cancel)
        results.append(
            MethodResult(choice, segmentation, _separation(prepared, segmentation, sample))
        )
    first = results[0]
    comparisons = tuple(
        compare_segmentations(
            first.segmentation.labels,
            other.segmentation.labels,
            first.segment_names,
            other.segment_names,
            first_title=first.title,
            second_title=other.title,
        )
        for other in results[1:]
    )
    report(progress, len(choices) / steps, "Looking for signs that another way fits better")
    advice = _advice(prepared, results, seed, cancel)
    report(progress, 1.0, f"Compared {len(results)} ways of grouping")
    return MethodComparison(tuple(results), comparisons, len(sample.points), advice)


def _advice(
    prepared: PreparedData, results: list[MethodResult], seed: int, cancel: CancelCheck | None
) -> tuple[MethodAdvice, ...]:
    """The guide's signs, read from the compared k-means result, or from a k-means fit with as many
    segments as the first result (at least 2) when k-means is not among them."""
    kmeans = next((result for result in results if result.choice.method == KMEANS.name), None)
    if kmeans is not None:
        segmenter = kmeans.segmentation.segmenter
    else:
        k = max(2, results[0].segmentation.k)
        segmenter = KMEANS.make(k, seed, {}).fit(prepared.matrix, cancel=cancel)
    raise_if_cancelled(cancel)
    return advise_methods(prepared.matrix, segmenter.labels_, segmenter.cluster_centers_, seed=seed)


def _separation(
    prepared: PreparedData, segmentation: Segmentation, sample: SeparationSample
) -> float | None:
    """The silhouette of the sample's customers that the segmentation put in a segment (unusual
    customers belong to none, so they have no silhouette); None with fewer than two segments there."""
    labels = np.asarray(segmentation.labels)[np.asarray(prepared.row_positions)]
    unusual = [position for position, number in enumerate(segmentation.numbers) if number == UNUSUAL_NUMBER]
    return sample.silhouette(labels, ~np.isin(labels, unusual) & (labels >= 0))
