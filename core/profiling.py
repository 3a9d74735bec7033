"""What each segment is, in the user's own units and in plain words.

Which columns are profiled: every number column (the chosen features and the rest, like Age), except
columns whose name says they are an identifier (CustomerID, CUST_ID; `core.columns.name_looks_like_id`)
and that were not chosen as features: the average customer number means nothing. Text and yes/no columns
with at most MAX_CATEGORY_LEVELS levels among the segmented customers are profiled as the share of each
level. Everything is computed over the segmented customers (label >= 0): customers left out for missing
values belong to no segment, so "overall" means "all segmented customers".

How far a segment stands out on a number column is measured by rank, not by the mean: every segmented
customer gets their percentile rank among all of them in that column (ties share the middle rank), and the
segment's `standing` is its customers' average rank, 50 for a segment like everyone else, towards 100
when its customers are among the highest, towards 0 among the lowest. Money columns are so skewed that a
few big spenders make the standard deviation huge and every segment's mean look "about average"
(831 vs 1,601); ranks do not care how far the biggest values lie, and a 0/1 flag or a column that is 0 for
half the customers is ranked just as well. A segment is "high" when its standing is at least
HIGH_STANDING (two normal groups half a standard deviation apart, a difference people notice, give 64),
"low" at most 100 minus that; in between it is "about average" only if its median is also within
NOTABLE_RATIO of everyone's, so the words never call 2x "average". The words give the segment's median
against everyone's median, as a ratio when both are positive ("2.1x the spending on wines of the typical
customer"), and yes/no columns as shares.

Names: the two chosen features that stand out most (farthest standing from 50; a category by the level
whose share moves most) name the segment, in the user's column order: "High income, low spending".
Column labels are made readable ("MntWines" -> "spending on wines") unless the user gave one.
A category reads "mostly Female".
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core.columns import ColumnKind, ColumnSummary, name_looks_like_id, name_words
from core.preparation import LARGEST_USABLE_VALUE, MAX_CATEGORY_LEVELS, level_text

# Standing (average percentile rank, 50 = like everyone) from which a segment is high on a column; low at
# or below 100 minus it.
HIGH_STANDING = 64.0
# A segment whose standing says "average" is still higher or lower when its median is this many times
# everyone's or less than its inverse.
NOTABLE_RATIO = 1.25
# Traits that name a segment; more are added only to tell apart two segments that would share a name.
NAME_TRAITS = 2
# Columns a segment's card and report page show: the ones that set it apart most.
STANDOUTS = 6
# Up to this many customers every one is ranked; above, standings come from samples (see `_standing`).
STANDING_SAMPLE = 100_000
MEMBERS_SAMPLE = 20_000  # customers of one segment whose ranks are averaged, above STANDING_SAMPLE
# A category's level is "mostly" the segment's when at least this share of its customers have it.
MOSTLY_SHARE = 0.5
# ... and only worth a sentence when it is this much commoner than among all customers: "Mostly Female
# (53 %)" says nothing when 52 % of all customers are women.
MOSTLY_LIFT = 0.05
# Words that say nothing about what a column measures: "Annual Income (k$)" -> "income".
_FILLER_WORDS = frozenset({"annual", "yearly", "score", "amount", "total", "mnt", "num"})
# Abbreviations in column names, as words a reader knows.
_WORD_MEANINGS = {
    "prods": "products", "prod": "product", "teenhome": "teens at home", "kidhome": "children at home",
    "trx": "transactions", "prc": "share of", "cmp": "campaign", "oneoff": "one-off", "qty": "quantity",
    "amt": "amount", "avg": "average", "freq": "frequency", "cnt": "count", "cds": "CDs",
    "month": "per month", "birth": "of birth", "paper": "and paper", "delicassen": "delicatessen",
}
# Last words of labels that count things: more of them is "many", fewer "few" (not "high", "low").
_COUNTED_WORDS = frozenset({
    "purchases", "visits", "home", "transactions", "orders", "items", "CDs", "deals", "children", "kids",
    "teens", "products", "trx",
})


# The customers a density method leaves out of every group form a segment of their own, shown first.
UNUSUAL_NUMBER = 0
UNUSUAL_NAME = "Unusual customers"
_UNUSUAL_SENTENCE = "Customers who belong to no group: each is far from the others in the chosen columns."


@dataclass(frozen=True)
class SegmentProfile:
    number: int  # shown to the user: 1, 2, ... in the segmentation's stable order; UNUSUAL_NUMBER (0)
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
    # numeric column -> average percentile rank of the segment's customers among all (50 = like everyone)
    standing: dict[str, float] = field(default_factory=dict)
    # numeric column -> +1 high, -1 low, 0 about average (see the module docstring)
    level: dict[str, int] = field(default_factory=dict)
    # numeric columns that set this segment apart most, most first (at most STANDOUTS)
    standouts: tuple[str, ...] = ()


@dataclass(frozen=True)
class OverallProfile:
    size: int
    means: dict[str, float]
    medians: dict[str, float]
    std: dict[str, float]
    category_shares: dict[str, dict[str, float]] = field(default_factory=dict)
    # the friendly labels the user gave columns ("MntWines" -> "Wine spending"); see `column_label`
    column_labels: dict[str, str] = field(default_factory=dict)
    # numeric columns with no values other than 0 and 1: described as shares
    yes_no_columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Trait:
    """One feature seen from one segment: how distinctive it is and how to say it."""

    feature: str
    order: int  # position among the chosen features: traits are named in the user's column order
    score: float  # |difference| in overall standard deviations
    phrase: str  # "high income", "mostly Female"
    direction: int  # +1 high, -1 low, 0 average (numbers only)
    average: bool = False  # a number at the level of everyone (see `_level_of`)


def column_label(column: str, labels: Mapping[str, str] | None = None) -> str:
    """How a column is called in names, sentences and charts: the user's label when they gave one, else
    readable words from its name: "MntWines" -> "spending on wines", "NumWebVisitsMonth" -> "web visits
    per month", "Annual Income (k$)" -> "income", "Kidhome" -> "children at home"."""
    given = (labels or {}).get(column, "").strip()
    if given:
        return given
    text = re.sub(r"\([^)]*\)", " ", column)
    text = re.sub(r"([a-z])([A-Z])|([A-Za-z])([0-9])", r"\1\3 \2\4", text)
    words = [word for word in re.split(r"[^0-9A-Za-z]+", text.lower()) if word]
    kept = [word for word in words if word not in _FILLER_WORDS] or words
    readable = " ".join(_WORD_MEANINGS.get(word, word) for word in kept)
    if not readable:
        return column
    return f"spending on {readable}" if words[0] == "mnt" else readable


def _in_sentence(label: str) -> str:
    """A label inside a sentence: "Wine spending" -> "wine spending", but "CDs" and "VIP level" stay."""
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def unit_of(column: str) -> str:
    """The unit in brackets in a column name: "k$" in "Annual Income (k$)", but not a range like (1-100)."""
    found = re.search(r"\(([^)0-9]+)\)", column)
    return found.group(1).strip() if found else ""


def profile_segments(
    frame: pd.DataFrame,
    labels: np.ndarray,
    features: Sequence[str],
    centroids: pd.DataFrame,
    column_labels: Mapping[str, str] | None = None,
    columns: Sequence[ColumnSummary] = (),
    *,
    unusual_first: bool = False,
) -> tuple[tuple[SegmentProfile, ...], OverallProfile]:
    """`labels` has one entry per row of `frame`: the 0-based segment, or -1 for customers left out
    (missing values). With `unusual_first`, segment 0 holds the customers the method put in no group:
    it is numbered UNUSUAL_NUMBER and named UNUSUAL_NAME, and the others are numbered from 1.
    `centroids` is one row per segment in the file's units (from the preprocessor's
    inverse transform). Names come from the features that set each segment apart most; `column_labels`
    are the user's names for columns ("MntWines" -> "Wine spending"), used in names and descriptions.
    `columns`, the table's column summaries when the caller has them, say which number columns are not
    amounts: codes (Region 1-3) are profiled as categories, dates written as numbers (19970101) and
    constants not at all, unless they were chosen."""
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

    numeric_columns, categorical_columns = _profiled_columns(frame, segmented, features, columns)
    numbers = frame[numeric_columns].iloc[segmented].astype(np.float64)  # not a copy of every column
    # Columns shown but not segmented on were never checked by the preparation: an "inf" or 1e308 there
    # would turn every average into inf or NaN, so such values are left out of the averages.
    numbers = numbers.where(numbers.abs() <= LARGEST_USABLE_VALUE)
    grouped = numbers.groupby(segment_of)
    segment_means = grouped.mean().reindex(range(n_segments))
    segment_medians = grouped.median().reindex(range(n_segments))
    segment_standing = _standing(numbers, segment_of, n_segments)
    segment_shares, overall_shares = _category_shares(
        frame, segmented, segment_of, n_segments, categorical_columns
    )
    overall = OverallProfile(
        size=total,
        means=_floats(numbers.mean()),
        medians=_floats(numbers.median()),
        std=_floats(numbers.std(ddof=0)),
        category_shares=overall_shares,
        column_labels={str(k): str(v) for k, v in (column_labels or {}).items() if str(v).strip()},
        yes_no_columns=tuple(column for column in numeric_columns if _only_zeros_and_ones(numbers[column])),
    )

    drafts = []
    for segment in range(n_segments):
        means = _floats(segment_means.iloc[segment])
        medians = _floats(segment_medians.iloc[segment])
        standing = {
            column: float(value) if np.isfinite(value) else 50.0
            for column, value in segment_standing.iloc[segment].items()
        }
        level = {
            column: _level_of(standing[column], _ratio(column, means, medians, overall))
            for column in numeric_columns
        }
        difference = {
            column: _standardised(means[column] - overall.means[column], overall.std[column])
            for column in numeric_columns
        }
        drafts.append(
            {
                "means": means,
                "medians": medians,
                "difference": difference,
                "standing": standing,
                "level": level,
                "standouts": tuple(
                    sorted(numeric_columns, key=lambda column: -abs(standing[column] - 50.0))[:STANDOUTS]
                ),
                "category_shares": segment_shares[segment],
            }
        )
    traits = [
        _traits(features, numeric_columns, draft, overall_shares, overall.column_labels) for draft in drafts
    ]
    # The one place segment numbers are made: 1, 2, ... in the segments' order; the unusual customers,
    # first when present, are UNUSUAL_NUMBER and are not named after their traits.
    first = 1 if unusual_first else 0
    numbers = [UNUSUAL_NUMBER] * first + list(range(1, n_segments + 1 - first))
    names = [UNUSUAL_NAME] * first + _unique_names(traits[first:], numbers[first:])

    numeric_features = [f for f in features if f in numeric_columns and f in centroids.columns]
    profiles = []
    for segment, draft in enumerate(drafts):
        size = int(sizes[segment])
        share = size / total if total else 0.0
        unusual = numbers[segment] == UNUSUAL_NUMBER
        description = _describe(size, share, traits[segment], draft, overall)
        profiles.append(
            SegmentProfile(
                number=numbers[segment],
                name=names[segment],
                size=size,
                share=share,
                centroid={f: float(centroids[f].iloc[segment]) for f in numeric_features},
                means=draft["means"],
                medians=draft["medians"],
                category_shares=draft["category_shares"],
                difference=draft["difference"],
                description=f"{_UNUSUAL_SENTENCE} {description}" if unusual else description,
                standing=draft["standing"],
                level=draft["level"],
                standouts=draft["standouts"],
            )
        )
    return tuple(profiles), overall


def _only_zeros_and_ones(series: pd.Series) -> bool:
    values = series.to_numpy(dtype=np.float64)
    return bool(np.all((values == 0) | (values == 1) | np.isnan(values)))


def _standing(numbers: pd.DataFrame, segment_of: np.ndarray, n_segments: int) -> pd.DataFrame:
    """Per segment (rows) and column: the segment's customers' average percentile rank among everyone,
    ties sharing their middle rank (50 for a segment like everyone).

    Exact up to STANDING_SAMPLE customers. Ranking every customer costs a sort per column: 1.1 s for four
    columns of a million customers, five times the rest of the profile, at every fit. Above that, everyone's
    distribution comes from a fixed random sample of STANDING_SAMPLE customers and each segment's average
    from at most MEMBERS_SAMPLE of its own: within about half a percentile point, and the same every time.
    """
    if len(numbers) <= STANDING_SAMPLE:
        ranks = (numbers.rank(method="average") - 0.5) / numbers.count() * 100
        return ranks.groupby(segment_of).mean().reindex(range(n_segments))
    rng = np.random.default_rng(0)
    everyone = rng.choice(len(numbers), STANDING_SAMPLE, replace=False)
    chosen = []
    for segment in range(n_segments):
        rows = np.flatnonzero(segment_of == segment)
        if len(rows) > MEMBERS_SAMPLE:
            rows = np.sort(rows[rng.choice(len(rows), MEMBERS_SAMPLE, replace=False)])
        chosen.append(rows)
    members = np.concatenate(chosen)
    member_segment = segment_of[members]
    standing = np.full((n_segments, numbers.shape[1]), np.nan)
    for position, column in enumerate(numbers.columns):
        values = numbers[column].to_numpy(dtype=np.float64)
        reference = np.sort(values[everyone])
        reference = reference[: np.searchsorted(reference, np.nan)]  # NaN sorts last
        if reference.size == 0:
            continue
        mine = values[members]
        present = ~np.isnan(mine)
        below = np.searchsorted(reference, mine[present], side="left")
        below_or_equal = np.searchsorted(reference, mine[present], side="right")
        percentile = (below + below_or_equal) / (2 * reference.size) * 100
        totals = np.bincount(member_segment[present], weights=percentile, minlength=n_segments)
        counts = np.bincount(member_segment[present], minlength=n_segments)
        with np.errstate(invalid="ignore"):
            standing[:, position] = totals / counts  # NaN for a segment without values: shown as 50
    return pd.DataFrame(standing, columns=numbers.columns)


def comparison_text(profile: SegmentProfile, overall: OverallProfile, column: str) -> str:
    """How the segment compares with the typical customer on a number column, in the measure the names
    use, as a sentence: "Spending on wines: 2.1x the typical customer's (412 vs 196).", "Income: about
    average (52 vs 51).", "Response: 32 % vs 15 % of all customers."."""
    label = column_label(column, overall.column_labels)
    label = label[:1].upper() + label[1:]
    level = profile.level.get(column, 0)
    means, medians = profile.means, profile.medians
    if column in overall.yes_no_columns:
        mine, everyone = means[column] * 100, overall.means[column] * 100
        return f"{label}: {mine:.0f} % vs {everyone:.0f} % of all customers."
    unit = unit_of(column)
    unit = f" {unit}" if unit else ""
    rounded = (lambda value: f"{value:.0f}") if _is_year(column) else _rounded
    mine, everyone = medians[column], overall.medians[column]
    if mine == everyone and level:  # the same median, but more or fewer customers above it
        numbers = f"{rounded(means[column])}{unit} vs {rounded(overall.means[column])} on average"
    else:
        numbers = f"{rounded(mine)}{unit} vs {rounded(everyone)}"
    if level == 0:
        return f"{label}: about average ({numbers})."
    ratio = _ratio(column, means, medians, overall)
    if np.isfinite(ratio) and ratio > 0 and mine != everyone:
        return f"{label}: {_times(ratio)} the typical customer's ({numbers})."
    return f"{label}: {'higher' if level > 0 else 'lower'} than most customers' ({numbers})."


def comparison_figure(profile: SegmentProfile, overall: OverallProfile, column: str) -> str:
    """The comparison of `comparison_text` in a few characters, for a chart: "2.1x", "32 % vs 10 %",
    "3,130 vs 0", "about average"."""
    means, medians = profile.means, profile.medians
    if column in overall.yes_no_columns:
        return f"{means[column] * 100:.0f} % vs {overall.means[column] * 100:.0f} %"
    if profile.level.get(column, 0) == 0:
        return "about average"
    ratio = _ratio(column, means, medians, overall)
    if np.isfinite(ratio) and ratio > 0 and medians[column] != overall.medians[column]:
        return _times(ratio)
    rounded = (lambda value: f"{value:.0f}") if _is_year(column) else _rounded
    if medians[column] == overall.medians[column]:
        return f"{rounded(means[column])} vs {rounded(overall.means[column])} on average"
    return f"{rounded(medians[column])} vs {rounded(overall.medians[column])}"


def profile_table(profiles: Sequence[SegmentProfile], overall: OverallProfile) -> pd.DataFrame:
    """One row per segment plus an "All customers" row: size, share, and the mean of every numeric
    column (categorical columns as the share of their most common level), for display and export.

    Columns: Segment (number; empty for "All customers"), Name, Customers, Share (0..1), the numeric
    columns by their own names (or the labels the user gave them), then "<column>: <most common level> %"
    in percent (0..100)."""
    common_levels = {
        column: next(iter(shares)) for column, shares in overall.category_shares.items() if shares
    }
    given = overall.column_labels

    def row(number, name, size, share, means, category_shares) -> dict:
        values = {"Segment": number, "Name": name, "Customers": size, "Share": share}
        values.update({given.get(column, column): means.get(column, np.nan) for column in overall.means})
        for column, level in common_levels.items():
            header = f"{given.get(column, column)}: {level} %"
            values[header] = 100.0 * category_shares.get(column, {}).get(level, 0.0)
        return values

    rows = [row(p.number, p.name, p.size, p.share, p.means, p.category_shares) for p in profiles]
    rows.append(row(pd.NA, "All customers", overall.size, 1.0, overall.means, overall.category_shares))
    table = pd.DataFrame(rows)
    table["Segment"] = table["Segment"].astype("Int64")
    return table


# -- internals -----------------------------------------------------------------------------------------


def _profiled_columns(
    frame: pd.DataFrame, segmented: np.ndarray, features: Sequence[str], summaries: Sequence[ColumnSummary]
) -> tuple[list[str], list[str]]:
    kinds = {summary.name: summary.kind for summary in summaries}
    numeric, categorical = [], []
    for column in frame.columns:
        series = frame[column]
        chosen = column in features
        kind = kinds.get(str(column))
        if not chosen and (
            name_looks_like_id(str(column)) or kind in (ColumnKind.DATE, ColumnKind.CONSTANT)
        ):
            continue
        numbers = pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
        if numbers and kind is not ColumnKind.CATEGORICAL:
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


def _is_year(column: str) -> bool:
    """A column of years (Year_Birth): 1978 is not "1.0x" 1970, and is written without a separator."""
    return "year" in name_words(column)


def _ratio(column: str, means: dict[str, float], medians: dict[str, float], overall: OverallProfile) -> float:
    """The segment's typical value as a multiple of everyone's: medians, or for a yes/no column shares.
    NaN when that means nothing (everyone's is 0, negative values occur, or the values are years)."""
    if _is_year(column):
        return float("nan")
    if column in overall.yes_no_columns:
        mine, everyone = means[column], overall.means[column]
    else:
        mine, everyone = medians[column], overall.medians[column]
    if not (np.isfinite(mine) and np.isfinite(everyone)) or everyone <= 0 or mine < 0:
        return float("nan")
    return float(mine / everyone)


def _level_of(standing: float, ratio: float) -> int:
    if standing >= HIGH_STANDING:
        return 1
    if standing <= 100.0 - HIGH_STANDING:
        return -1
    if np.isfinite(ratio) and ratio >= NOTABLE_RATIO:
        return 1
    if np.isfinite(ratio) and ratio <= 1 / NOTABLE_RATIO:
        return -1
    return 0


def _times(ratio: float) -> str:
    """2.14 -> "2.1x", 12.6 -> "13x", 0.43 -> "0.43x"."""
    if ratio >= 10:
        return f"{ratio:,.0f}x"
    return f"{ratio:.1f}x" if ratio >= 1 else f"{ratio:.2f}x"


def _floats(series: pd.Series) -> dict[str, float]:
    return {column: float(value) for column, value in series.items()}


def _standardised(difference: float, std: float) -> float:
    if not (np.isfinite(difference) and np.isfinite(std)) or std <= 0:
        return 0.0
    return float(difference / std)


def _traits(
    features: Sequence[str],
    numeric_columns: Sequence[str],
    draft: dict,
    overall_shares: dict[str, dict[str, float]],
    column_labels: Mapping[str, str],
) -> list[_Trait]:
    """Every chosen feature as a trait of this segment, most distinctive first. Scores are on the
    standing's scale (distance from 50): a level whose share is s here and p overall gives a yes/no
    column's standing of 50 + 50 (s - p)."""
    category_shares = draft["category_shares"]
    traits = []
    for order, feature in enumerate(features):
        if feature in numeric_columns:
            direction = draft["level"][feature]
            score = abs(draft["standing"][feature] - 50.0)
            phrase = _level_phrase(column_label(feature, column_labels), direction)
            traits.append(_Trait(feature, order, score, phrase, direction, direction == 0))
        elif feature in category_shares:
            shares, everyone = category_shares[feature], overall_shares[feature]
            score = max((50.0 * abs(shares[level] - p) for level, p in everyone.items()), default=0.0)
            top_level = max(shares, key=lambda level: shares[level])
            label = _in_sentence(column_label(feature, column_labels))
            mostly = shares[top_level] >= MOSTLY_SHARE
            phrase = f"mostly {_level_words(top_level, label)}" if mostly else f"mixed {label}"
            traits.append(_Trait(feature, order, score, phrase, 0))
    return sorted(traits, key=lambda trait: (-trait.score, trait.order))


# Labels that read better with words of their own: "Older, low income" rather than "High age, low income".
_LEVEL_WORDS = {
    "age": {1: "older", -1: "younger"},
    "year of birth": {1: "younger", -1: "older"},
    "tenure": {1: "long-standing customers", -1: "new customers"},
    "recency": {1: "long since last purchase", -1: "recent buyers"},
    # The columns of a table built from an order history (core.orders).
    "days since last purchase": {1: "lapsed", -1: "recent"},
    "purchases": {1: "frequent buyers", -1: "few purchases"},
    "average spend": {1: "big spenders", -1: "small spenders", 0: "usual spend"},
}


def _level_phrase(label: str, direction: int) -> str:
    word = _in_sentence(label)
    special = _LEVEL_WORDS.get(word.lower(), {}).get(direction)
    if special:
        return special
    words = word.split()
    if any(part in _COUNTED_WORDS for part in words) and words[0] not in ("spending", "share"):
        counted = re.sub(r"^number of ", "", word)
        return f"{ {1: 'many', -1: 'few', 0: 'average number of'}[direction] } {counted}"
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


def _unique_names(traits: Sequence[Sequence[_Trait]], numbers: Sequence[int]) -> list[str]:
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
    names = [name or f"Segment {number}" for name, number in zip(names, numbers, strict=True)]
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
    if abs(value) >= 10 or float(value).is_integer():
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _describe(size: int, share: float, traits: Sequence[_Trait], draft: dict, overall: OverallProfile) -> str:
    sentences = [f"{size:,} customer{'s' if size != 1 else ''} ({share * 100:.0f} %)."]
    named = sorted(traits[:NAME_TRAITS], key=lambda trait: trait.order)
    view = SegmentProfile(
        0, "", size, share, {}, draft["means"], draft["medians"], standing=draft["standing"],
        level=draft["level"],
    )
    sentences += [
        comparison_text(view, overall, trait.feature) for trait in named if trait.feature in overall.means
    ]
    mostly = _mostly_sentence(draft["category_shares"], overall.category_shares, overall.column_labels)
    if mostly:
        sentences.append(mostly)
    return " ".join(sentences)


def _level_words(level: str, label: str) -> str:
    """A category's level as words: "Female", but a code with its column: "region 3", not "3"."""
    return f"{_in_sentence(label)} {level}" if re.fullmatch(r"-?\d+(\.\d+)?", level) else level


def _mostly_sentence(
    shares: dict[str, dict[str, float]],
    overall_shares: dict[str, dict[str, float]],
    column_labels: Mapping[str, str],
) -> str:
    """E.g. "Gender: mostly Male (57 % vs 44 % of all customers).": a majority level clearly commoner
    here than overall, the most so."""
    best: tuple[float, str, str, float, float] | None = None
    for column, levels in shares.items():
        if not levels:
            continue
        top_level = max(levels, key=lambda level: levels[level])
        share = levels[top_level]
        everyone = overall_shares[column].get(top_level, 0.0)
        lift = share - everyone
        if share >= MOSTLY_SHARE and lift >= MOSTLY_LIFT and (best is None or lift > best[0]):
            best = (lift, column, top_level, share, everyone)
    if best is None:
        return ""
    _lift, column, level, share, everyone = best
    label = column_label(column, column_labels)
    return (
        f"{label[:1].upper() + label[1:]}: mostly {_level_words(level, label)} "
        f"({share * 100:.0f} % vs {everyone * 100:.0f} % of all customers)."
    )
