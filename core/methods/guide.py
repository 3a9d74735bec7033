"""A short guide for choosing a grouping method, from signs measured on a k-means result.

k-means draws round groups of about the same spread and puts every customer in one. Four measurable
signs say when the customers do not look like that, each with the method that copes better:
- long, slanted groups: a Gaussian mixture with as many groups, fitted on a sample, finds groups
  much longer than wide (k-means' own segments hide this: cutting two long parallel groups across
  gives rounder pieces, measured 1.3 times longer than wide where the groups were 6);
- very different spreads: the same mixture's loosest group is many times as spread out as its
  tightest;
- far-away customers: many customers far beyond their segment's usual distances (Tukey's far-out
  fence on the distances to the segment's centre);
- groups that are not round: a segment joins customers of two separate dense groups (as HDBSCAN on a
  sample finds them), which is how k-means cuts crescents or rings.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.cluster import HDBSCAN
from sklearn.mixture import GaussianMixture
from threadpoolctl import threadpool_limits

from core.clustering import DEFAULT_SEED, as_matrix
from core.errors import DataError
from core.methods.sampling import sample_rows

# The Gaussian mixture and the dense groups of the guide are measured on a random sample of at most
# this many customers: about a second together, and enough to see a group of 2 % (60 customers).
GUIDE_SAMPLE_ROWS = 3_000
# A group whose spread along its longest direction is at least this many times its spread along its
# shortest is "long". Round generated groups measured 1.0-1.2 (2 to 4 columns, 500 customers each);
# the slanted groups of the tests 6.
LONG_GROUP = 3.0
# ... and it must hold at least this share of the customers to be worth a sentence.
_NOTABLE_SHARE = 0.05
# A group's variance in a direction below this share of the columns' mean variance: flat, not narrow.
_FLAT = 1e-4
# The loosest group of the mixture this many times as spread out (root-mean-square distance to its
# centre) as the tightest: "very different spreads". Round groups of equal spread measured 1.0-1.2.
DIFFERENT_SPREADS = 2.5
# A customer is far away when its distance to its segment's centre is beyond Q3 + 3 IQR of that
# segment's distances (Tukey's far-out fence: for round Gaussian groups less than 1 customer in
# 10,000 in 1 to 4 columns); worth a sentence at this share of the customers.
FAR_AWAY_SHARE = 0.02
# A segment "joins separate dense groups" when, among its customers that are in a dense group, the
# second most common dense group holds at least this share. k-means on crescents: about 25 %; on round
# groups it found whole: 0 %.
MIXED_SHARE = 0.15
# HDBSCAN's smallest dense group in the guide's sample (scikit-learn's default density measure).
_DENSE_GROUP_SHARE = 0.05
# The dense groups tell something only when they hold at least this share of the sample: on evenly
# spread customers (uniform in a square) HDBSCAN still found 2 "groups", holding 36 % of them; on
# crescents 98 %.
_DENSE_COVERAGE = 0.5


@dataclass(frozen=True)
class MethodAdvice:
    sign: str  # "long", "spreads", "far_away", "not_round" or "k_means_fits"
    measure: float  # the number the sentence quotes (a ratio or a share)
    methods: tuple[str, ...]  # the registered names of the methods suggested, best first
    sentence: str  # plain words, true to the measure


def advise_methods(
    matrix: np.ndarray,
    labels: np.ndarray,
    centres: np.ndarray,
    *,
    shape_columns: Sequence[int] | None = None,
    seed: int = DEFAULT_SEED,
) -> tuple[MethodAdvice, ...]:
    """The signs found in a k-means result (`labels` 0-based per row of `matrix`, `centres` in the
    same prepared space), each as a sentence with the methods to try; one sentence saying k-means
    suits the customers when none is found.

    `shape_columns`: the prepared columns that measure something (amounts, counts, ages); None takes
    every column holding other values than 0 and 1 (the preparation's one-hot category columns hold
    only those). The shape signs (long groups, spreads, dense groups) look at those only: customers
    sharing a category lie flat on its 0/1 column, and the categories split them into separate dense
    layers (on Mall_Customers, the two genders made HDBSCAN's two dense groups, which every k-means
    segment joins), which says nothing about the shape of the groups."""
    data = as_matrix(matrix)
    labels = np.asarray(labels, dtype=np.int64)
    if len(labels) != len(data) or labels.min() < 0:
        raise DataError("The guide needs a segment for every customer, as k-means gives.")
    rows = sample_rows(len(data), GUIDE_SAMPLE_ROWS, seed)
    sample, sample_labels = (data, labels) if rows is None else (data[rows], labels[rows])
    if shape_columns is None:
        shape_columns = np.flatnonzero(((sample != 0) & (sample != 1)).any(axis=0))
    sample = sample[:, list(shape_columns)]
    distances = np.linalg.norm(data - centres[labels], axis=1)
    signs = [
        *_mixture_signs(sample, len(centres), seed),
        _far_away(distances, labels),
        _not_round(sample, sample_labels),
    ]
    found = tuple(sign for sign in signs if sign is not None)
    if found:
        return found
    return (
        MethodAdvice(
            "k_means_fits", 0.0, ("kmeans",),
            "Your groups look round, of similar spread, with few customers far from them: "
            "k-means suits them.",
        ),
    )


def _mixture_signs(sample: np.ndarray, k: int, seed: int) -> list[MethodAdvice | None]:
    """Long groups and very different spreads, from a Gaussian mixture of k groups on the sample:
    k-means' own segments hide both (they cut long groups into rounder pieces, and give a loose
    group's edge to its tighter neighbours: a group 8 times as spread as another measured 2.5 in
    k-means' segments)."""
    if k < 2 or len(sample) < 10 * k or sample.shape[1] == 0:
        return [None, None]
    # On the customers divided by their typical spread, as core.methods.gmm fits (the signs are
    # ratios, the same in any unit); a mixture that cannot be fitted shows no sign.
    sample = sample / (float(np.sqrt(np.mean(np.var(sample, axis=0)))) or 1.0)
    try:
        with threadpool_limits(limits=1, user_api="blas"):  # short products (see core.methods.gmm)
            mixture = GaussianMixture(k, covariance_type="full", init_params="k-means++", n_init=2,
                                      random_state=seed).fit(sample)
    except ValueError as error:
        if "ill-defined empirical covariance" not in str(error):
            raise
        return [None, None]
    shares = np.bincount(mixture.predict(sample), minlength=k) / len(sample)
    notable = np.flatnonzero(shares >= _NOTABLE_SHARE)
    if len(notable) == 0:
        return [None, None]
    variances = np.linalg.eigvalsh(mixture.covariances_[notable])
    # Directions in which a group is flat (a column constant within it: the mixture adds 1e-6 to
    # every variance) are not its width: on Mall_Customers' columns they made a group "1,163 times
    # as long as wide".
    flat = variances < _FLAT * float(np.mean(np.var(sample, axis=0)))
    return [_long_groups(shares[notable], np.where(flat, np.nan, variances)), _different_spreads(variances)]


def _long_groups(shares: np.ndarray, variances: np.ndarray) -> MethodAdvice | None:
    """`variances`: per group, its variance along each of its own directions (NaN where it is flat)."""
    if variances.shape[1] < 2:
        return None
    lengths = np.array([_length(group[np.isfinite(group)]) for group in variances])
    longest = int(np.argmax(lengths))
    if lengths[longest] < LONG_GROUP:
        return None
    return MethodAdvice(
        "long", float(lengths[longest]), ("gmm",),
        f"Some of your groups look long and slanted rather than round (one holding "
        f"{shares[longest]:.0%} of your customers is {lengths[longest]:.1f} times as spread along its "
        "length as across it): try Gaussian mixture, which follows groups of any orientation.",
    )


def _length(variances: np.ndarray) -> float:
    """How many times as spread along its longest direction a group is as along its shortest (1 when
    it has fewer than two directions that are not flat)."""
    return float(np.sqrt(variances.max() / variances.min())) if len(variances) > 1 else 1.0


def _different_spreads(variances: np.ndarray) -> MethodAdvice | None:
    spreads = np.sqrt(variances.sum(axis=1))  # each group's root-mean-square distance from its centre
    if len(spreads) < 2:
        return None
    ratio = float(spreads.max() / spreads.min())
    if ratio < DIFFERENT_SPREADS:
        return None
    return MethodAdvice(
        "spreads", ratio, ("gmm", "hdbscan"),
        f"Your groups differ a lot in how spread out they are (the loosest is {ratio:.1f} times as spread "
        "as the tightest): try Gaussian mixture, which lets each group have its own spread, or HDBSCAN.",
    )


def _far_away(distances: np.ndarray, labels: np.ndarray) -> MethodAdvice | None:
    far = np.zeros(len(distances), dtype=bool)
    for segment in np.unique(labels):
        members = labels == segment
        first, third = np.quantile(distances[members], [0.25, 0.75])
        far[members] = distances[members] > third + 3.0 * (third - first)
    share = float(far.mean())
    if share < FAR_AWAY_SHARE:
        return None
    return MethodAdvice(
        "far_away", share, ("hdbscan", "dbscan"),
        f"{share:.1%} of your customers are far from the rest of their segment: try HDBSCAN, which sets "
        "such customers apart as unusual instead of stretching a segment to hold them.",
    )


def _not_round(sample: np.ndarray, labels: np.ndarray) -> MethodAdvice | None:
    smallest = max(5, round(_DENSE_GROUP_SHARE * len(sample)))
    if len(sample) < 2 * smallest or sample.shape[1] == 0:
        return None
    dense = HDBSCAN(min_cluster_size=smallest, copy=True).fit(sample).labels_
    if np.mean(dense >= 0) < _DENSE_COVERAGE:
        return None
    worst = 0.0
    for segment in np.unique(labels):
        in_dense = dense[(labels == segment) & (dense >= 0)]
        if len(in_dense) == 0:
            continue
        counts = np.sort(np.bincount(in_dense))[::-1]
        if len(counts) > 1:
            worst = max(worst, counts[1] / counts.sum())
    if worst < MIXED_SHARE:
        return None
    return MethodAdvice(
        "not_round", float(worst), ("hdbscan", "dbscan"),
        f"At least one segment joins customers of two separate dense groups ({worst:.0%} of its customers "
        "come from the second): your groups may not be round. Try HDBSCAN or DBSCAN, which follow groups "
        "of any shape.",
    )
