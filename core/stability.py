"""How sure are we? Per-segment stability by resampling the customers (Hennig's clusterboot).

Hennig (2007, "Cluster-wise assessment of cluster stability", the R package fpc's `clusterboot`): draw
B bootstrap resamples of the customers (duplicates removed), group each one again with the same method
and settings, and for every original segment take the Jaccard similarity (customers in both / customers
in either, counted on the customers of the resample) with the resampled segment that matches it best.
Its mean over the resamples is the segment's stability, with Hennig's readings: 0.85 and above highly
stable, 0.75 and above stable, 0.6 to 0.75 a pattern whose membership is doubtful, below 0.6 not to be
trusted. A segment "dissolved" in a resample when its best match is 0.5 or less.

Unusual customers (label UNUSUAL of the density methods) are a group of their own, as fpc's
`noisemethod` treats noise: they are matched only with the resample's unusual customers, and a real
segment only with the resample's real segments (a segment whose customers all turn "unusual" in a
resample has dissolved). So the unusual group gets a stability too (is the same kind of customer left
out again?), reported under the label UNUSUAL, and never hides or inflates a real segment's.

Entry points: `segment_stability` (labels of a prepared matrix), `segmentation_stability` (a fitted
core.pipeline Segmentation, in the order of its profiles), `stability_by_k` (each k of a sweep; the
Choose k chart shows the smallest segment's), `suggest_k_with_stability` (the sweep's suggestion,
preferring a k whose segments are all stable), `with_stability` (the profile table's columns).
"""

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd

from core.clustering import DEFAULT_SEED, KScore, KSweep, suggest_k
from core.errors import DataError, SettingsError
from core.loading import LoadedTable
from core.methods import DEFAULT_METHOD, UNUSUAL, Method, Segmenter, method_named
from core.methods.gmm import MixtureScore, suggest_mixture_k
from core.pipeline import AnalysisResult, Segmentation, fit_segmentation
from core.preparation import PreparedData
from core.progress import CancelCheck, ProgressCallback, raise_if_cancelled, report, scaled

# Hennig's default number of resamples.
DEFAULT_RESAMPLES = 50
# Each k of a sweep gets fewer resamples: ten ks of 50 would take ten times as long as the segments'
# own check. With 20, the mean Jaccard's standard error is below 0.03 for any segment (the per-resample
# values lie in 0..1, spread at most 0.15 for segments near the 0.75 line in our measurements), enough
# to tell stable from doubtful; the chosen k's segments get the full DEFAULT_RESAMPLES.
SWEEP_RESAMPLES = 20
# A table with more customers than this is resampled by drawing this many customers (with replacement,
# duplicates removed: about 63 % of them distinct, as in a bootstrap of this size) instead of as many as
# it has. Each resample's fit then costs what it costs on a table of this size, so 50 resamples of a
# 1,000,000-customer table take about as long as 50 of a 5,000-customer one (well under a minute, see
# `make bench`), while a segment of 1 % still has about 30 customers in every resample. The numbers then
# say whether the segments are found again from 5,000 customers; the full table's fit is compared on the
# customers drawn.
RESAMPLE_ROWS = 5_000
# Hennig's readings of the mean Jaccard similarity.
HIGHLY_STABLE_AT = 0.85
STABLE_AT = 0.75
DOUBTFUL_AT = 0.6
# A segment whose best match in a resample is this similar or less has dissolved in it.
DISSOLVED_AT = 0.5


class StabilityLevel(StrEnum):
    HIGHLY_STABLE = "highly stable"
    STABLE = "stable"
    DOUBTFUL = "doubtful"
    NOT_TRUSTED = "not to be trusted"

    @classmethod
    def of(cls, jaccard: float) -> "StabilityLevel":
        """Hennig's reading of a mean Jaccard similarity."""
        if jaccard >= HIGHLY_STABLE_AT:
            return cls.HIGHLY_STABLE
        if jaccard >= STABLE_AT:
            return cls.STABLE
        if jaccard >= DOUBTFUL_AT:
            return cls.DOUBTFUL
        return cls.NOT_TRUSTED

    @property
    def at_least_stable(self) -> bool:
        return self in (StabilityLevel.HIGHLY_STABLE, StabilityLevel.STABLE)


@dataclass(frozen=True)
class SegmentStability:
    """One original segment's stability over the resamples."""

    label: int  # the segment's label in the original labels (0-based), or UNUSUAL
    jaccard: float  # mean best-match Jaccard similarity over the resamples it was in, 0 to 1
    dissolved: float  # share of those resamples in which it dissolved (best match <= DISSOLVED_AT)
    found_again: int  # resamples in which it did not dissolve
    resamples: int  # resamples that held at least one of its customers

    @property
    def level(self) -> StabilityLevel:
        return StabilityLevel.of(self.jaccard)

    @property
    def is_unusual(self) -> bool:
        """Whether this is the unusual customers (segment 0 of a density method), who are not a group."""
        return self.label == UNUSUAL

    @property
    def explanation(self) -> str:
        """One line for the segment card: "Stable: found again in 48 of 50 reshuffles of your customers".
        The unusual customers are no group to find again: their line says how much of them is set apart
        again (a reading of "not to be trusted" would read as a warning about the segments)."""
        if self.is_unusual:
            return (
                "Not a group: when your customers are reshuffled, those set apart as unusual are about "
                f"{self.jaccard:.0%} the same customers"
            )
        return f"{self.level.capitalize()}: {self.how_often}"

    @property
    def how_often(self) -> str:
        """How often it came back, in words true to its level: a doubtful segment may come back every
        time yet each time as a rather different group of customers."""
        if self.level.at_least_stable:
            return f"found again in {self.found_again} of {self.resamples} reshuffles of your customers"
        if self.found_again < self.resamples:
            return f"found again in only {self.found_again} of {self.resamples} reshuffles of your customers"
        return (
            f"found in all {self.resamples} reshuffles of your customers, but each time only about "
            f"{self.jaccard:.0%} the same customers"
        )

    def to_dict(self) -> dict[str, Any]:
        """The numbers the command line's summary carries for each segment."""
        return {"stability": self.jaccard, "stability_label": str(self.level), "dissolved": self.dissolved}


@dataclass(frozen=True)
class StabilityResult:
    """The stability of every segment of one segmentation (in label order, UNUSUAL first if present)."""

    method: str  # the method's name, as in core.methods
    k: int | None  # the number of segments asked for (None for methods that find it themselves)
    segments: tuple[SegmentStability, ...]
    resamples: int  # resamples drawn
    # Customers drawn per resample (with replacement, before duplicates are removed): the table's size,
    # or RESAMPLE_ROWS on a larger table.
    drawn: int
    seed: int

    def of(self, label: int) -> SegmentStability:
        """The stability of the segment with this label (0-based, or UNUSUAL)."""
        for segment in self.segments:
            if segment.label == label:
                return segment
        raise SettingsError(f"There is no segment with label {label} in this stability check.")

    @property
    def smallest(self) -> float:
        """The lowest stability of a real segment (the unusual customers are not one): how far the
        segmentation as a whole can be trusted. 1.0 when there is no real segment to doubt."""
        return min((segment.jaccard for segment in self.segments if segment.label != UNUSUAL), default=1.0)

    @property
    def all_at_least_stable(self) -> bool:
        return StabilityLevel.of(self.smallest).at_least_stable

    @property
    def least_stable(self) -> SegmentStability | None:
        real = [segment for segment in self.segments if segment.label != UNUSUAL]
        return min(real, key=lambda segment: segment.jaccard, default=None)


def segment_stability(
    matrix: np.ndarray,
    labels: np.ndarray,
    method: str | Method,
    k: int | None,
    *,
    seed: int = DEFAULT_SEED,
    options: Mapping[str, Any] | None = None,
    resamples: int = DEFAULT_RESAMPLES,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
) -> StabilityResult:
    """The stability of each segment of `labels` (one per row of the prepared `matrix`: 0-based, or
    UNUSUAL), found by `method` (a name in core.methods or the Method) with `k` and `options`.

    Each of the `resamples` resamples draws as many customers as the table has (RESAMPLE_ROWS on a
    larger one) with replacement, drops the duplicates and groups them again with
    `method.make(k, seed_b, options)`, where seed_b comes from `seed`: the same seed gives the same
    numbers exactly. A resample the method cannot group (fewer different customers than k) counts as
    one in which no segment was found again. Progress moves and Cancel is honoured between resamples.
    """
    chosen = method if isinstance(method, Method) else method_named(method)
    data = np.asarray(matrix, dtype=np.float64)
    original = np.asarray(labels, dtype=np.int64)
    if data.ndim != 2 or len(data) != len(original):
        raise DataError(
            f"The segment labels ({len(original):,}) do not belong to the prepared customers "
            f"({len(data):,}); check the stability of the segmentation of this table."
        )
    if isinstance(resamples, bool) or not isinstance(resamples, int) or resamples < 1:
        raise SettingsError(
            f"The number of reshuffles must be a whole number of at least 1; got {resamples!r}."
        )
    present = np.unique(original)
    if present.size == 0 or present[0] < UNUSUAL:
        raise DataError("Every customer needs a segment (or the unusual label) to check the stability.")
    segment_labels = present  # UNUSUAL (-1) first when present, then 0, 1, ...
    rng = np.random.default_rng(seed)
    drawn = min(len(data), RESAMPLE_ROWS)
    similarities = np.full((resamples, len(segment_labels)), np.nan)
    for resample in range(resamples):
        raise_if_cancelled(cancel)
        rows = np.unique(rng.integers(0, len(data), size=drawn))
        fit_seed = int(rng.integers(2**31 - 1))
        try:
            segmenter = fresh_segmenter(chosen, k, fit_seed, options).fit(data[rows], cancel=cancel)
            found = np.asarray(segmenter.labels_, dtype=np.int64)
        except SettingsError:
            found = None
        similarities[resample] = _best_matches(original[rows], found, segment_labels)
        report(
            progress, (resample + 1) / resamples,
            f"Reshuffled the customers {resample + 1} of {resamples} times",
        )
    return StabilityResult(
        method=chosen.name,
        k=k,
        segments=tuple(
            _summarise(int(label), similarities[:, column]) for column, label in enumerate(segment_labels)
        ),
        resamples=resamples,
        drawn=drawn,
        seed=seed,
    )


def fresh_segmenter(method: Method, k: int | None, seed: int, options: Mapping[str, Any] | None) -> Segmenter:
    """An unfitted segmenter of `method` with the user's `options` over the method's defaults, as the
    analysis made it (k only for methods that take it)."""
    return method.make(k if method.takes_k else None, seed, {**method.options, **(options or {})})


def _best_matches(original: np.ndarray, found: np.ndarray | None, segment_labels: np.ndarray) -> np.ndarray:
    """For each original segment (in `segment_labels`), the Jaccard similarity with its best match among
    the `found` segments of the same customers; NaN for a segment with no customer in the resample, 0
    for every segment when the resample could not be grouped (`found` None)."""
    # Shifted by one so that UNUSUAL is 0 and the segments 1, 2, ...
    rows = np.searchsorted(segment_labels, original)
    in_resample = np.bincount(rows, minlength=len(segment_labels))
    best = np.where(in_resample > 0, 0.0, np.nan)
    if found is None:
        return best
    columns = found + 1
    width = int(columns.max()) + 1 if columns.size else 1
    both = np.bincount(rows * width + columns, minlength=len(segment_labels) * width).reshape(
        len(segment_labels), width
    )
    either = in_resample[:, None] + both.sum(axis=0)[None, :] - both
    jaccard = np.divide(both, either, out=np.zeros(both.shape), where=either > 0)
    unusual_row = segment_labels == UNUSUAL
    # A real segment is matched with the real resampled segments (columns 1...), the unusual customers
    # with the resample's unusual ones (column 0).
    if width > 1:
        best[~unusual_row] = jaccard[~unusual_row, 1:].max(axis=1)
    best[unusual_row] = jaccard[unusual_row, 0]
    best[in_resample == 0] = np.nan
    return best


def _summarise(label: int, similarities: np.ndarray) -> SegmentStability:
    seen = similarities[~np.isnan(similarities)]
    if seen.size == 0:  # never drawn (a segment of a customer or two in a huge table): nothing is known
        return SegmentStability(label, 0.0, 1.0, 0, 0)
    dissolved = int(np.count_nonzero(seen <= DISSOLVED_AT))
    return SegmentStability(
        label, float(seen.mean()), dissolved / seen.size, seen.size - dissolved, seen.size
    )


def stability_by_k(
    matrix: np.ndarray,
    ks: list[int] | tuple[int, ...] | range,
    method: str | Method,
    *,
    labels_by_k: Mapping[int, np.ndarray] | None = None,
    seed: int = DEFAULT_SEED,
    options: Mapping[str, Any] | None = None,
    resamples: int = SWEEP_RESAMPLES,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
) -> dict[int, StabilityResult]:
    """The stability of each k's segments (SWEEP_RESAMPLES resamples each): `labels_by_k` are the
    sweep's labels where it kept them (see core.clustering.sweep_k's `on_labels`); a k without them is
    fitted here with the method's `make(k, seed, options)` first. `result[k].smallest` is the number the
    Choose k chart shows."""
    chosen = method if isinstance(method, Method) else method_named(method)
    if not chosen.takes_k:
        raise SettingsError(
            f"{chosen.title} finds the number of segments itself; there are no counts to compare."
        )
    ks = sorted(ks)
    data = np.asarray(matrix, dtype=np.float64)
    results: dict[int, StabilityResult] = {}
    for number, k in enumerate(ks):
        raise_if_cancelled(cancel)
        step = scaled(progress, number / len(ks), (number + 1) / len(ks))
        labels = None if labels_by_k is None else labels_by_k.get(k)
        if labels is None:
            labels = fresh_segmenter(chosen, k, seed, options).fit(data, cancel=cancel).labels_
        results[k] = segment_stability(
            data, labels, chosen, k, seed=seed, options=options, resamples=resamples,
            progress=_titled(step, k), cancel=cancel,
        )
    report(progress, 1.0, f"Checked the stability of {len(ks)} segment counts")
    return results


def _titled(progress: ProgressCallback | None, k: int) -> ProgressCallback | None:
    if progress is None:
        return None
    return lambda fraction, message: progress(fraction, f"{k} segments: {message}")


# A k whose segments are all at least stable is suggested instead of the usual suggestion when the
# latter has a segment below stable and the silhouette it gives up is at most this much: "slightly
# better" separation (a silhouette's sampling error is about 0.005, two suggestions' differences on real
# files 0.01-0.05) is not worth a segment that does not come back.
STABILITY_SILHOUETTE_MARGIN = 0.05


def suggest_k_with_stability(
    scores: tuple[KScore, ...] | tuple[MixtureScore, ...], stability: Mapping[int, StabilityResult]
) -> tuple[int, str]:
    """`core.clustering.suggest_k`'s suggestion, unless one of its segments is less than stable and
    another k tried has all its segments at least stable with a silhouette lower by at most
    STABILITY_SILHOUETTE_MARGIN: that k is then suggested (the best-separated such k), and the reason
    sentence says why. When the usual suggestion is kept, the sentence adds what the stability says.
    A Gaussian mixture's sweep (BIC, no silhouette) keeps its own suggestion, with what the stability
    says added: there is no separation to weigh a more stable k against."""
    mixture = bool(scores) and isinstance(scores[0], MixtureScore)
    usual, reason = suggest_mixture_k(scores) if mixture else suggest_k(scores)
    by_k = {score.k: score for score in scores}
    checked = stability.get(usual)
    if checked is None:
        return usual, reason
    if checked.all_at_least_stable:
        return usual, f"{reason[:-1]}; {_all_stable(checked)}."
    weakest = checked.least_stable
    doubt = f"the least stable of its segments is {weakest.level} ({weakest.how_often})"
    if mixture:
        return usual, f"{reason[:-1]}; but {doubt}."
    usual_silhouette = by_k[usual].silhouette
    alternatives = [
        by_k[k]
        for k, result in stability.items()
        if k != usual and k in by_k and by_k[k].silhouette is not None and result.all_at_least_stable
        and (usual_silhouette is None or by_k[k].silhouette >= usual_silhouette - STABILITY_SILHOUETTE_MARGIN)
    ]
    if not alternatives:
        return usual, (
            f"{reason[:-1]}; but {doubt}, and no number of segments that separates the groups about as "
            "well is stable throughout."
        )
    best = max(alternatives, key=lambda score: (score.silhouette, -score.k))
    stable = f"{best.k} segments: {_all_stable(stability[best.k])}"
    if usual_silhouette is None:
        return best.k, f"{stable}, while with {usual} segments {doubt}."
    if best.silhouette < usual_silhouette:
        return best.k, (
            f"{stable}, while {usual} segments separate the groups only slightly better (silhouette "
            f"{usual_silhouette:.2f} against {best.silhouette:.2f}) and {doubt}."
        )
    return best.k, (
        f"{stable}, and they separate the groups at least as clearly as {usual} segments (silhouette "
        f"{best.silhouette:.2f} against {usual_silhouette:.2f}), where {doubt}."
    )


def _all_stable(result: StabilityResult) -> str:
    weakest = result.least_stable
    if weakest is None:
        return "its segment is found again whenever the customers are reshuffled"
    return (
        f"every segment is stable when the customers are reshuffled (even the least stable is found again "
        f"in {weakest.found_again} of {weakest.resamples} reshuffles)"
    )


def segmentation_stability(
    prepared: PreparedData,
    segmentation: Segmentation,
    *,
    method: str | Method | None = None,
    options: Mapping[str, Any] | None = None,
    seed: int = DEFAULT_SEED,
    resamples: int = DEFAULT_RESAMPLES,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
) -> tuple[SegmentStability, ...]:
    """The stability of each segment of a fitted segmentation, in the order of `segmentation.profiles`
    (the unusual customers' profile included when there is one): what the segment cards, the profile
    table, the workbook, the report and the summary show. The settings are those the segmentation was
    fitted with (`seed` is AnalysisSettings.seed; `method` None: the segmentation's own)."""
    fitted = np.asarray(segmentation.segmenter.labels_, dtype=np.int64)
    result = segment_stability(
        prepared.matrix, fitted, method or segmentation.method, segmentation.k, seed=seed, options=options,
        resamples=resamples, progress=progress, cancel=cancel,
    )
    # Each profile's label in the fit, read off the customers (not computed from the numbering, which
    # the pipeline owns: the unusual customers' profile comes first when there is one).
    profile_of_row = np.asarray(segmentation.labels)[prepared.row_positions]
    by_profile = []
    for index in range(len(segmentation.profiles)):
        members = fitted[profile_of_row == index]
        by_profile.append(result.of(int(members[0])) if members.size else _summarise(UNUSUAL, np.array([])))
    return tuple(by_profile)


@dataclass(frozen=True)
class AnalysisStability:
    """What the stability check adds to an analysis (core.pipeline.run_analysis)."""

    # The analysis with the stability-aware suggestion (suggest_k_with_stability) in its sweep, and its
    # segmentation fitted again when that moved the suggested k and the user had not chosen k.
    result: AnalysisResult
    segments: tuple[SegmentStability, ...]  # in the order of result.segmentation.profiles
    by_k: dict[int, StabilityResult]  # each swept k's (SWEEP_RESAMPLES); empty when no sweep ran
    resamples: int

    def summary(self) -> dict[str, Any]:
        """The summary's additions: "stability_by_k" (k -> the smallest segment's stability, when a sweep
        ran) and "stability_resamples"; each segment's numbers are `segments[i].to_dict()`."""
        facts: dict[str, Any] = {"stability_resamples": self.resamples}
        if self.by_k:
            facts["stability_by_k"] = {str(k): result.smallest for k, result in self.by_k.items()}
        return facts


def sweep_with_stability(sweep: Any, stability: Mapping[int, StabilityResult]) -> Any:
    """The sweep with the suggestion and reason of `suggest_k_with_stability` (what the command line
    and the app show once each k's stability is known). Only a k-means sweep's: the rule weighs the
    stability against the silhouette, which only that sweep measures; other sweeps stay as they are."""
    if not isinstance(sweep, KSweep):
        return sweep
    suggested, reason = suggest_k_with_stability(sweep.scores, stability)
    return dataclasses.replace(sweep, suggested_k=suggested, reason=reason)


def analysis_stability(
    table: LoadedTable,
    result: AnalysisResult,
    *,
    labels_by_k: Mapping[int, np.ndarray] | None = None,
    resamples: int = DEFAULT_RESAMPLES,
    method: str | Method = DEFAULT_METHOD,
    options: Mapping[str, Any] | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
) -> AnalysisStability:
    """Check an analysis's stability as the command line does: each swept k's (with `labels_by_k`, kept
    from the sweep through run_analysis's `on_labels`, nothing is fitted twice; min(resamples,
    SWEEP_RESAMPLES) resamples each), the suggestion that uses it, and the chosen segmentation's
    segments (`resamples` resamples)."""
    sweep, segmentation = result.sweep, result.segmentation
    by_k: dict[int, StabilityResult] = {}
    sweep_share = 0.0
    if sweep is not None:
        sweep_share = 0.6
        by_k = stability_by_k(
            result.prepared.matrix, [score.k for score in sweep.scores], method, labels_by_k=labels_by_k,
            seed=result.settings.seed, options=options, resamples=min(resamples, SWEEP_RESAMPLES),
            progress=scaled(progress, 0.0, sweep_share), cancel=cancel,
        )
        sweep = sweep_with_stability(sweep, by_k)
        if result.settings.k is None and sweep.suggested_k != segmentation.k:
            segmentation = fit_segmentation(
                table.frame, result.prepared, sweep.suggested_k, seed=result.settings.seed,
                method=result.settings.method, method_options=result.settings.method_options,
                columns=table.report.columns, cancel=cancel,
            )
        result = dataclasses.replace(result, sweep=sweep, segmentation=segmentation)
    segments = segmentation_stability(
        result.prepared, segmentation, method=method, options=options, seed=result.settings.seed,
        resamples=resamples, progress=scaled(progress, sweep_share, 1.0), cancel=cancel,
    )
    return AnalysisStability(result, segments, by_k, resamples)


# Columns the profile table, the workbook and the report carry when the stability was checked.
STABILITY_COLUMN = "Stability (0-1)"
STABILITY_LABEL_COLUMN = "Stability"
DISSOLVED_COLUMN = "Dissolved in (share of reshuffles)"


def with_stability(table: pd.DataFrame, stability: Sequence[SegmentStability] | None) -> pd.DataFrame:
    """The profile table (core.profiling.profile_table: one row per segment, then "All customers") with
    the stability columns after the share; unchanged when the stability was not checked (None)."""
    if stability is None:
        return table
    if len(stability) != len(table) - 1:
        raise SettingsError(
            f"The stability check has {len(stability)} segments but the profile table {len(table) - 1}; "
            "check the stability of this segmentation again."
        )
    extended = table.copy()
    columns = list(extended.columns)
    place = columns.index("Share") + 1 if "Share" in columns else len(columns)
    added = {
        STABILITY_COLUMN: [segment.jaccard for segment in stability] + [np.nan],
        STABILITY_LABEL_COLUMN: [str(segment.level) for segment in stability] + [""],
        DISSOLVED_COLUMN: [segment.dissolved for segment in stability] + [np.nan],
    }
    for offset, (name, values) in enumerate(added.items()):
        extended.insert(place + offset, name, values)
    return extended

