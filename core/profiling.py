"""What each segment is, in the user's own units and in plain words.

Which columns are profiled: every number column (the chosen features and the rest, like Age), except
columns whose name says they are an identifier (CustomerID, CUST_ID; `core.columns.name_looks_like_id`)
and that were not chosen as features: the average customer number means nothing. Text and yes/no columns
with at most MAX_CATEGORY_LEVELS levels among the segmented customers are profiled as the share of each
level. Everything is computed over the segmented customers (label >= 0): customers left out for missing
values belong to no segment, so "overall" means "all segmented customers".

Names: each chosen feature gets a score for how much it sets the segment apart, in overall standard
deviations (numbers: segment mean minus overall mean; categories: the level whose share moves most,
against the spread of a yes/no column with the overall share). The two highest-scoring features name the
segment, in the user's column order: "High income, low spending". A number is "high" or "low" when the
segment's mean is more than LEVEL_THRESHOLD standard deviations above or below everyone's: half a
standard deviation is a difference people notice when they look at the numbers (a "medium" effect), while
segments closer than that to the overall mean read as "average". A category reads "mostly Female".
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core.columns import name_looks_like_id
from core.preparation import LARGEST_USABLE_VALUE, MAX_CATEGORY_LEVELS, level_text

LEVEL_THRESHOLD = 0.5
# Traits that name a segment; more are added only to tell apart two segments that would share a name.
NAME_TRAITS = 2
# A category's level is "mostly" the segment's when at least this share of its customers have it.
MOSTLY_SHARE = 0.5
# ... and only worth a sentence when it is this much commoner than among all customers: "Mostly Female
# (53 %)" says nothing when 52 % of all customers are women.
MOSTLY_LIFT = 0.05
# Words that say nothing about what a column measures: "Annual Income (k$)" -> "income".
_FILLER_WORDS = frozenset({"annual", "yearly", "score", "amount", "total", "value", "mnt", "num"})


@dataclass(frozen=True)
class SegmentProfile:
    number: int  # 1-based, in the segmentation's stable order
    name: str  # e.g. "High income, low spending"; unique within one run
    size: int
    share: float  # of the segmented customers, 0..1
    centroid: dict[str, float]  # chosen numeric features -> centroid value in the file's units
    means: dict[str, float]  # every numeric column (features and the rest, like Age) -> segment mean
    medians: dict[str, float]
    # categorical column -> {level: share of this segment's customers}
    # (shares of the customers with a value in that column, most common level overall first)
    category_shares: dict[str, dict[str, float]] = field(default_factory=dict)
    # numeric column -> segment mean minus overall mean, in overall standard deviations
    difference: dict[str, float] = field(default_factory=dict)
    description: str = ""  # two or three short sentences


@dataclass(frozen=True)
class OverallProfile:
    size: int
    means: dict[str, float]
    medians: dict[str, float]
    std: dict[str, float]
    category_shares: dict[str, dict[str, float]] = field(default_factory=dict)


@dataclass(frozen=True)
class _Trait:
    """One feature seen from one segment: how distinctive it is and how to say it."""

    feature: str
    order: int  # position among the chosen features: traits are named in the user's column order
    score: float  # |difference| in overall standard deviations
    phrase: str  # "high income", "mostly Female"
    direction: int  # +1 high, -1 low, 0 average (numbers only)
    average: bool = False  # a number within LEVEL_THRESHOLD of everyone's average


def short_name(column: str) -> str:
    """A column name as a word in a sentence: "Annual Income (k$)" -> "income", "MntWines" -> "wines"."""
    text = re.sub(r"\([^)]*\)", " ", column)
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", text)
    words = [word for word in re.split(r"[^0-9A-Za-z]+", text.lower()) if word]
    kept = [word for word in words if word not in _FILLER_WORDS]
    return " ".join(kept or words) or column


def unit_of(column: str) -> str:
    """The unit in brackets in a column name: "k$" in "Annual Income (k$)", but not a range like (1-100)."""
    found = re.search(r"\(([^)0-9]+)\)", column)
    return found.group(1).strip() if found else ""


def profile_segments(
    frame: pd.DataFrame,
    labels: np.ndarray,
    features: Sequence[str],
    centroids: pd.DataFrame,
) -> tuple[tuple[SegmentProfile, ...], OverallProfile]:
    """`labels` has one entry per row of `frame`: the 0-based segment, or -1 for customers left out
    (missing values). `centroids` is one row per segment in the file's units (from the preprocessor's
    inverse transform). Names come from the features that set each segment apart most."""
    labels = np.asarray(labels)
    if labels.shape != (len(frame),):
        raise ValueError(f"labels has shape {labels.shape}; expected one per row ({len(frame)})")
    n_segments = len(centroids)
    segmented = np.flatnonzero(labels >= 0)
    segment_of = labels[segmented].astype(np.int64)
    if segment_of.size and segment_of.max() >= n_segments:
        raise ValueError(f"labels go up to {segment_of.max()} but there are {n_segments} centroids")
    sizes = np.bincount(segment_of, minlength=n_segments)
    total = len(segmented)

    numeric_columns, categorical_columns = _profiled_columns(frame, segmented, features)
    numbers = frame[numeric_columns].iloc[segmented].astype(np.float64)  # not a copy of every column
    # Columns shown but not segmented on were never checked by the preparation: an "inf" or 1e308 there
    # would turn every average into inf or NaN, so such values are left out of the averages.
    numbers = numbers.where(numbers.abs() <= LARGEST_USABLE_VALUE)
    grouped = numbers.groupby(segment_of)
    segment_means = grouped.mean().reindex(range(n_segments))
    segment_medians = grouped.median().reindex(range(n_segments))
    segment_shares, overall_shares = _category_shares(
        frame, segmented, segment_of, n_segments, categorical_columns
    )
    overall = OverallProfile(
        size=total,
        means=_floats(numbers.mean()),
        medians=_floats(numbers.median()),
        std=_floats(numbers.std(ddof=0)),
        category_shares=overall_shares,
    )

    drafts = []
    for segment in range(n_segments):
        means = _floats(segment_means.iloc[segment])
        difference = {
            column: _standardised(means[column] - overall.means[column], overall.std[column])
            for column in numeric_columns
        }
        drafts.append(
            {
                "means": means,
                "medians": _floats(segment_medians.iloc[segment]),
                "difference": difference,
                "category_shares": segment_shares[segment],
            }
        )
    traits = [
        _traits(features, numeric_columns, draft["difference"], draft["category_shares"], overall_shares)
        for draft in drafts
    ]
    names = _unique_names(traits)

    numeric_features = [f for f in features if f in numeric_columns and f in centroids.columns]
    profiles = []
    for segment, draft in enumerate(drafts):
        size = int(sizes[segment])
        share = size / total if total else 0.0
        profiles.append(
            SegmentProfile(
                number=segment + 1,
                name=names[segment],
                size=size,
                share=share,
                centroid={f: float(centroids[f].iloc[segment]) for f in numeric_features},
                means=draft["means"],
                medians=draft["medians"],
                category_shares=draft["category_shares"],
                difference=draft["difference"],
                description=_describe(size, share, traits[segment], draft, overall),
            )
        )
    return tuple(profiles), overall


def profile_table(profiles: Sequence[SegmentProfile], overall: OverallProfile) -> pd.DataFrame:
    """One row per segment plus an "All customers" row: size, share, and the mean of every numeric
    column (categorical columns as the share of their most common level), for display and export.

    Columns: Segment (number; empty for "All customers"), Name, Customers, Share (0..1), the numeric
    columns by their own names, then "<column>: <most common level> %" in percent (0..100)."""
    common_levels = {
        column: next(iter(shares)) for column, shares in overall.category_shares.items() if shares
    }

    def row(number, name, size, share, means, category_shares) -> dict:
        values = {"Segment": number, "Name": name, "Customers": size, "Share": share}
        values.update({column: means.get(column, np.nan) for column in overall.means})
        for column, level in common_levels.items():
            values[f"{column}: {level} %"] = 100.0 * category_shares.get(column, {}).get(level, 0.0)
        return values

    rows = [row(p.number, p.name, p.size, p.share, p.means, p.category_shares) for p in profiles]
    rows.append(row(pd.NA, "All customers", overall.size, 1.0, overall.means, overall.category_shares))
    table = pd.DataFrame(rows)
    table["Segment"] = table["Segment"].astype("Int64")
    return table


# -- internals -----------------------------------------------------------------------------------------


def _profiled_columns(
    frame: pd.DataFrame, segmented: np.ndarray, features: Sequence[str]
) -> tuple[list[str], list[str]]:
    numeric, categorical = [], []
    for column in frame.columns:
        series = frame[column]
        chosen = column in features
        if name_looks_like_id(str(column)) and not chosen:
            continue
        if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
            numeric.append(column)
        elif not pd.api.types.is_datetime64_any_dtype(series):
            levels = series.iloc[segmented].nunique()
            if 0 < levels <= MAX_CATEGORY_LEVELS:
                categorical.append(column)
    return numeric, categorical


def _category_shares(
    frame: pd.DataFrame,
    segmented: np.ndarray,
    segment_of: np.ndarray,
    n_segments: int,
    columns: Sequence[str],
) -> tuple[list[dict[str, dict[str, float]]], dict[str, dict[str, float]]]:
    """Per segment and overall: column -> {level: share}, levels most common overall first."""
    per_segment: list[dict[str, dict[str, float]]] = [{} for _ in range(n_segments)]
    overall: dict[str, dict[str, float]] = {}
    for column in columns:
        # The column's own factorize, then the segmented rows: no object copy of the whole column first.
        # Levels that only left-out customers have are dropped below.
        codes, uniques = frame[column].factorize(use_na_sentinel=True)
        codes = codes[segmented]
        texts = [level_text(value) for value in uniques]
        levels = sorted(set(texts))
        index = {level: i for i, level in enumerate(levels)}
        lookup = np.array([index[text] for text in texts], dtype=np.int64)
        present = codes >= 0
        level_codes = lookup[codes[present]]
        counts = np.bincount(
            segment_of[present] * len(levels) + level_codes, minlength=n_segments * len(levels)
        ).reshape(n_segments, len(levels))
        totals = counts.sum(axis=0)
        order = sorted((i for i in range(len(levels)) if totals[i]), key=lambda i: (-totals[i], levels[i]))
        overall[column] = {levels[i]: float(totals[i] / totals.sum()) for i in order}
        for segment in range(n_segments):
            in_segment = counts[segment].sum()
            per_segment[segment][column] = {
                levels[i]: float(counts[segment, i] / in_segment) if in_segment else 0.0 for i in order
            }
    return per_segment, overall


def _floats(series: pd.Series) -> dict[str, float]:
    return {column: float(value) for column, value in series.items()}


def _standardised(difference: float, std: float) -> float:
    if not (np.isfinite(difference) and np.isfinite(std)) or std <= 0:
        return 0.0
    return float(difference / std)


def _traits(
    features: Sequence[str],
    numeric_columns: Sequence[str],
    difference: dict[str, float],
    category_shares: dict[str, dict[str, float]],
    overall_shares: dict[str, dict[str, float]],
) -> list[_Trait]:
    """Every chosen feature as a trait of this segment, most distinctive first."""
    traits = []
    for order, feature in enumerate(features):
        if feature in numeric_columns:
            value = difference[feature]
            direction = 1 if value > LEVEL_THRESHOLD else -1 if value < -LEVEL_THRESHOLD else 0
            traits.append(
                _Trait(
                    feature, order, abs(value), _level_phrase(feature, direction), direction, direction == 0
                )
            )
        elif feature in category_shares:
            shares, everyone = category_shares[feature], overall_shares[feature]
            score = max(
                (
                    _standardised(shares[level] - p, float(np.sqrt(p * (1 - p))))
                    for level, p in everyone.items()
                ),
                key=abs,
                default=0.0,
            )
            top_level = max(shares, key=lambda level: shares[level])
            phrase = (
                f"mostly {top_level}" if shares[top_level] >= MOSTLY_SHARE else f"mixed {short_name(feature)}"
            )
            traits.append(_Trait(feature, order, abs(score), phrase, 0))
    return sorted(traits, key=lambda trait: (-trait.score, trait.order))


# Levels that read better as words of their own: "Older, low income" rather than "High age, low income".
_LEVEL_WORDS = {
    "age": {1: "older", -1: "younger"},
    "tenure": {1: "long-standing customers", -1: "new customers"},
    # The columns of a table built from an order history (core.orders).
    "days since last purchase": {1: "lapsed", -1: "recent"},
    "purchases": {1: "frequent buyers", -1: "few purchases"},
    "average spend": {1: "big spenders", -1: "small spenders", 0: "usual spend"},
}


def _level_phrase(feature: str, direction: int) -> str:
    word = short_name(feature)
    special = _LEVEL_WORDS.get(word, {}).get(direction)
    if special:
        return special
    return f"{ {1: 'high', -1: 'low', 0: 'average'}[direction] } {word}"


TYPICAL_NAME = "Typical customers"


def _name(traits: Sequence[_Trait], count: int) -> str:
    # Average on more features than a name can list: naming two of them would suggest that only
    # those two are average.
    if len(traits) > NAME_TRAITS and all(trait.average for trait in traits):
        return TYPICAL_NAME
    shown = sorted(traits[:count], key=lambda trait: trait.order)
    text = ", ".join(trait.phrase for trait in shown)
    return text[:1].upper() + text[1:]


def _unique_names(traits: Sequence[Sequence[_Trait]]) -> list[str]:
    """Two traits each; segments that would share a name get further traits until they differ, and
    a number as the last resort (segments alike in every chosen feature)."""
    counts = [min(NAME_TRAITS, len(segment_traits)) for segment_traits in traits]
    while True:
        names = [_name(segment_traits, count) for segment_traits, count in zip(traits, counts, strict=True)]
        clashing = [i for i, name in enumerate(names) if names.count(name) > 1]
        growable = [i for i in clashing if counts[i] < len(traits[i])]
        if not growable:
            break
        for i in growable:
            counts[i] += 1
    names = [name or f"Segment {i + 1}" for i, name in enumerate(names)]
    seen: dict[str, int] = {}
    unique = []
    for name in names:
        if names.count(name) > 1:
            seen[name] = seen.get(name, 0) + 1
            unique.append(f"{name} ({seen[name]})")
        else:
            unique.append(name)
    return unique


def _rounded(value: float) -> str:
    if not np.isfinite(value):
        return "unknown"
    if abs(value) >= 10:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _describe(size: int, share: float, traits: Sequence[_Trait], draft: dict, overall: OverallProfile) -> str:
    sentences = [f"{size:,} customer{'s' if size != 1 else ''} ({share * 100:.0f} %)."]
    named = sorted(traits[:NAME_TRAITS], key=lambda trait: trait.order)
    clauses = []
    for trait in named:
        if trait.feature not in overall.means:
            continue
        level = {1: "high", -1: "low", 0: "about average"}[trait.direction]
        mine, everyone = draft["means"][trait.feature], overall.means[trait.feature]
        if clauses:
            clauses.append(
                f"{short_name(trait.feature)} is {level} ({_rounded(mine)} vs {_rounded(everyone)})"
            )
        else:
            unit = unit_of(trait.feature)
            clauses.append(
                f"{short_name(trait.feature)} is {level} "
                f"({_rounded(mine)}{' ' + unit if unit else ''} on average vs {_rounded(everyone)} overall)"
            )
    if clauses:
        directions = {trait.direction for trait in named if trait.feature in overall.means}
        joiner = " but " if {1, -1} <= directions else " and "
        text = joiner.join(clauses)
        sentences.append(text[:1].upper() + text[1:] + ".")
    mostly = _mostly_sentence(draft["category_shares"], overall.category_shares)
    if mostly:
        sentences.append(mostly)
    return " ".join(sentences)


def _mostly_sentence(shares: dict[str, dict[str, float]], overall_shares: dict[str, dict[str, float]]) -> str:
    """E.g. "Mostly Male (57 %).": a majority level clearly commoner here than overall, the most so."""
    best: tuple[float, str, float] | None = None
    for column, levels in shares.items():
        if not levels:
            continue
        top_level = max(levels, key=lambda level: levels[level])
        share = levels[top_level]
        lift = share - overall_shares[column].get(top_level, 0.0)
        if share >= MOSTLY_SHARE and lift >= MOSTLY_LIFT and (best is None or lift > best[0]):
            best = (lift, top_level, share)
    if best is None:
        return ""
    return f"Mostly {best[1]} ({best[2] * 100:.0f} %)."
