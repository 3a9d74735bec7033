"""Hierarchical grouping (Ward): customers joined step by step, the two groups whose joining spreads
them least first, into a tree that is cut at the chosen number of segments.

Up to EXACT_ROWS customers the tree is Ward's tree of every customer, the tree scipy's `ward` gives and
scikit-learn's `AgglomerativeClustering(linkage="ward")` cuts, so the segments are exactly its answer
(tests check both). Up to _SCIPY_WARD_ROWS it is scipy's `ward`; above, `weighted_ward_tree` with every
customer a group of one. scipy holds every pairwise distance twice (0.85 GB at 10,000 customers) in one
call that Cancel cannot interrupt (4 s on an idle machine, 8-18 s on a busy one); the chain holds the
customers alone and checks Cancel every few hundred steps, and takes about as long from a few thousand
customers on (10,000 x 5: 3.1-3.3 s against scipy's 3.8-4.2 s; CC GENERAL's 8,636 x 17: 3.8-4.4 s against
3.1-3.7 s). Below that scipy is quicker (the digits' 1,797 x 58: 0.1 s against 0.5 s).

A larger table is first split into MICRO_GROUPS small groups by k-means, Ward joins those groups (each
weighted by its number of customers), and every customer follows its small group.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.cluster import KMeans

from core.clustering import (
    DEFAULT_SEED,
    KScore,
    KSweep,
    SeparationSample,
    as_matrix,
    check_count,
    check_k_range,
    check_magnitudes,
    suggest_k,
)
from core.errors import SettingsError
from core.methods.base import Method
from core.methods.sampling import (
    NearestReference,
    assign_to_nearest,
    numbered_by_size,
    sample_rows,
    within_sum_of_squares,
)
from core.progress import CancelCheck, ProgressCallback, raise_if_cancelled, report, scaled

# Tables up to this many customers get the exact Ward tree of all of them. Its cost grows with the
# square of the customers: 3-6 s at 10,000 on an idle machine, four times that at the issue's "about
# 20,000" (scipy's call, used before, took 51-118 s there on the busy machine).
EXACT_ROWS = 10_000
# Up to this many customers scipy's `ward` builds the exact tree: at most a second and 130 MB of
# distances (5,000 x 5 took 0.75-1.15 s, the chain 0.85 s).
_SCIPY_WARD_ROWS = 4_000
# Larger tables are first split into this many small groups ("a few thousand", issue 19): small
# enough that Ward on them takes about a second on the busy machine, fine enough that each holds
# about 0.05 % of the customers, far below any segment a shop owner would keep.
MICRO_GROUPS = 2_000
# The small groups are found by k-means on a random sample of this many customers (10 per small
# group), started from randomly drawn different customers (k-means++ starts for 2,000 centres made a fit on
# 50,000 customers take 30 s on the busy machine) and stopped after _MICRO_ITERATIONS rounds; then every
# customer joins the nearest small group's centre and the centres become their customers' means.
# k-means for 2,000 groups on all of a million customers would take minutes.
MICRO_SAMPLE_ROWS = 20_000
# Lloyd rounds for the small groups: they only need to be compact, not the best possible.
_MICRO_ITERATIONS = 5
# Nearest-neighbour chain steps between Cancel checks in `weighted_ward_tree` (a few ms each).
_CHAIN_STEPS_PER_CHECK = 500
# Shown leaves of a dendrogram when the caller does not say (the app's chart stays readable).
DENDROGRAM_LEAVES = 30


class WardSegmenter:
    """Ward's hierarchical grouping into `n_clusters` segments (scikit-learn estimator style).

    After `fit`: `labels_`, `n_segments_`, `cluster_centers_` (each segment's mean), `inertia_`, and
    the tree: `tree_` (scipy's linkage format over the tree's leaves: the customers of a table of up
    to EXACT_ROWS, else the small groups), `leaf_sizes_` (customers per leaf), `leaf_segments_`
    (segment per leaf) and `micro_grouped_` (whether the leaves are small groups)."""

    def __init__(self, n_clusters: int, *, seed: int = DEFAULT_SEED) -> None:
        self.n_clusters = n_clusters
        self.seed = seed

    def fit(
        self,
        matrix: np.ndarray,
        *,
        progress: ProgressCallback | None = None,
        cancel: CancelCheck | None = None,
    ) -> "WardSegmenter":
        k = check_count(self.n_clusters, "number of segments")
        data = as_matrix(matrix)
        if len(data) < max(k, 2):
            raise SettingsError(
                f"You asked for {k} segments but there are only {len(data)} customers; choose fewer."
            )
        tree = _build_tree(data, k, self.seed, progress, cancel)
        raise_if_cancelled(cancel)
        labels, centres = numbered_by_size(_cut(tree.linkage, k)[tree.leaf_of_customer], data)
        # The leaves' segments in the final numbering: any one customer of a leaf tells it.
        customer_of_leaf = np.empty(len(tree.leaf_sizes), dtype=np.int64)
        customer_of_leaf[tree.leaf_of_customer] = np.arange(len(data))
        self.leaf_segments_ = labels[customer_of_leaf]
        self.reference_ = NearestReference(tree.placed_by, self.leaf_segments_)
        self.tree_ = tree.linkage
        self.leaf_sizes_ = tree.leaf_sizes
        self.micro_grouped_ = tree.micro_grouped
        self.labels_ = labels
        self.cluster_centers_ = centres
        self.n_segments_ = k
        self.inertia_ = within_sum_of_squares(data, labels, centres)
        self.notes_ = _tree_notes(tree, len(data)) + (
            ("Every customer follows their small group.",) if tree.micro_grouped else ()
        )
        report(progress, 1.0, f"Found {k} segments")
        return self

    def to_dict(self) -> dict[str, Any]:
        return {
            "leaves": self.reference_.points.tolist(),
            "leaf_segments": self.reference_.labels.tolist(),
            "centres": self.cluster_centers_.tolist(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "WardSegmenter":
        """A fitted segmenter that places customers as the saved one did (a segment model, a project)."""
        centres = np.asarray(data["centres"], dtype=np.float64)
        segmenter = cls(len(centres))
        segmenter.cluster_centers_ = centres
        segmenter.n_segments_ = len(centres)
        leaves = np.asarray(data["leaves"], dtype=np.float64).reshape(-1, centres.shape[1])
        segmenter.reference_ = NearestReference(leaves, np.asarray(data["leaf_segments"], dtype=np.int64))
        segmenter.notes_ = ()
        return segmenter

    def predict(self, matrix: np.ndarray) -> np.ndarray:
        """The segment of the nearest leaf of the tree: the nearest analysed customer on a table of
        up to EXACT_ROWS, else the nearest small group's centre (by which every customer was placed
        in its small group). So the analysed customers get their own segments back, which the
        nearest segment mean would not promise: Ward's segments are not the regions nearest to their
        means (on CC GENERAL, 5 segments, the nearest mean moved 1,029 of 8,636 customers)."""
        return assign_to_nearest(as_matrix(matrix), self.reference_)


@dataclass(frozen=True)
class _Tree:
    linkage: np.ndarray  # scipy's format, over the leaves
    leaf_of_customer: np.ndarray
    leaf_sizes: np.ndarray  # customers per leaf
    placed_by: np.ndarray  # per leaf, the point whose nearest customers are the leaf's (see predict)
    micro_grouped: bool


def _build_tree(
    data: np.ndarray, k: int, seed: int, progress: ProgressCallback | None, cancel: CancelCheck | None
) -> _Tree:
    """Ward's tree of every customer of a table of up to EXACT_ROWS, else of its small groups."""
    check_magnitudes(data)
    raise_if_cancelled(cancel)
    if len(data) <= EXACT_ROWS:
        # Identical customers are joined first (at height 0); with fewer different customers than
        # segments the cut would part some of them, and a saved model could not tell which way.
        distinct = len(np.unique(data, axis=0))
        if distinct < k:
            raise SettingsError(
                f"You asked for {k} segments but only {distinct} customers differ from each other; "
                f"choose at most {distinct}."
            )
        report(progress, 0.0, "Joining customers into a tree")
        leaves = np.arange(len(data))
        if len(data) <= _SCIPY_WARD_ROWS:
            from scipy.cluster.hierarchy import ward  # imported when used: 11 ms of every command's start

            tree = ward(data)
        else:
            tree = weighted_ward_tree(data, np.ones(len(data)), progress=progress, cancel=cancel)
        return _Tree(tree, leaves, np.ones(len(data), dtype=np.int64), data, micro_grouped=False)
    leaf_of_customer, centres, leaf_sizes, placed_by = _micro_groups(
        data, seed, scaled(progress, 0.0, 0.8), cancel
    )
    if len(centres) < k:
        raise SettingsError(
            f"You asked for {k} segments but the customers form only {len(centres)} distinct "
            "groups; choose fewer."
        )
    report(progress, 0.8, "Joining small groups into a tree")
    tree = weighted_ward_tree(centres, leaf_sizes, progress=scaled(progress, 0.8, 1.0), cancel=cancel)
    return _Tree(tree, leaf_of_customer, leaf_sizes, placed_by, micro_grouped=True)


def sweep_ward(
    matrix: np.ndarray,
    k_min: int = 1,
    k_max: int = 10,
    *,
    seed: int = DEFAULT_SEED,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
    on_score: Callable[[KScore], None] | None = None,
    on_labels: Callable[[int, np.ndarray], None] | None = None,
) -> KSweep:
    """Ward's segments for every k in [k_min, k_max], from one tree cut at each k, scored and
    suggested as k-means' sweep is (core.clustering: WCSS, silhouette on the same sample, `suggest_k`),
    so the elbow chart and its reason read the same for both methods. `on_score` gets each k's
    score, `on_labels` each k and its labels (as `fit` gives them), as soon as they are known."""
    k_min, k_max = check_k_range(k_min, k_max)
    data = as_matrix(matrix)
    if len(data) < k_max:
        raise SettingsError(
            f"You asked to try up to {k_max} segments but there are only {len(data)} customers; try fewer."
        )
    tree = _build_tree(data, k_max, seed, scaled(progress, 0.0, 0.6), cancel)
    separation = SeparationSample(data, np.random.default_rng(seed))
    scores: list[KScore] = []
    total = k_max - k_min + 1
    for k in range(k_min, k_max + 1):
        raise_if_cancelled(cancel)
        labels, centres = numbered_by_size(_cut(tree.linkage, k)[tree.leaf_of_customer], data)
        scores.append(KScore(k, within_sum_of_squares(data, labels, centres), separation.silhouette(labels)))
        if on_score is not None:
            on_score(scores[-1])
        if on_labels is not None:
            on_labels(k, labels)
        report(progress, 0.6 + 0.4 * len(scores) / total, f"Tried {len(scores)} of {total} segment counts")
    suggested, reason = suggest_k(tuple(scores))
    return KSweep(tuple(scores), suggested, reason, _tree_notes(tree, len(data)))


def _tree_notes(tree: _Tree, customers: int) -> tuple[str, ...]:
    """What the app and the report say about a tree of small groups."""
    if not tree.micro_grouped:
        return ()
    return (
        f"Your {customers:,} customers were first put into {len(tree.leaf_sizes):,} small groups of very "
        "similar customers; the tree joins those groups.",
    )


def _micro_groups(
    data: np.ndarray, seed: int, progress: ProgressCallback | None, cancel: CancelCheck | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The small group of each customer, the small groups' centres (their customers' means), sizes,
    and the k-means centres the customers were placed by (each customer is in the small group of the
    nearest); small groups nobody is nearest to are dropped."""
    report(progress, 0.0, "Splitting the customers into small groups")
    rows = sample_rows(len(data), MICRO_SAMPLE_ROWS, seed)
    sample = data if rows is None else data[rows]
    different = np.unique(sample, axis=0)
    if len(different) <= MICRO_GROUPS:
        # Few kinds of customer (categories, small counts): each kind its own small group, so the
        # tree is Ward's on the customers themselves (identical customers are joined first anyway).
        centres = different
    else:
        # Started from different customers: k-means started from two identical ones would find fewer
        # groups than asked and warn.
        starts = different[np.random.default_rng(seed).choice(len(different), MICRO_GROUPS, replace=False)]
        k_means = KMeans(MICRO_GROUPS, init=starts, n_init=1, max_iter=_MICRO_ITERATIONS).fit(sample)
        centres = k_means.cluster_centers_
    raise_if_cancelled(cancel)
    report(progress, 0.4, "Placing every customer in a small group")
    nearest = NearestReference(centres, np.arange(len(centres), dtype=np.int64))
    group = assign_to_nearest(data, nearest, progress=scaled(progress, 0.4, 1.0), cancel=cancel)
    used, group = np.unique(group, return_inverse=True)
    sizes = np.bincount(group, minlength=len(used))
    means = np.stack([np.bincount(group, weights=column, minlength=len(used)) for column in data.T], axis=1)
    return group, means / sizes[:, None], sizes, centres[used]


def weighted_ward_tree(
    centres: np.ndarray,
    sizes: np.ndarray,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
) -> np.ndarray:
    """Ward's tree over groups of customers given by their centres (means) and sizes, in scipy's
    linkage format (heights as scipy's `ward` gives them; the fourth column counts leaves).

    Why this is Ward on the customers themselves: the cost of joining two groups A and B in Ward's
    method is the growth of the within-group sum of squares, |A||B| / (|A| + |B|) * |mean A - mean B|^2,
    which depends only on the groups' sizes and means. So starting from the small groups (instead of
    from single customers) and always joining the pair of lowest cost gives the tree Ward would
    build above those groups; the result is what scipy's `ward` gives on the data with each centre
    repeated `size` times, once the joins at height 0 that rebuild each group are left out (a test
    checks this). scipy cannot be used directly: `linkage` takes no sizes, and its Lance-Williams
    update starts every leaf at one observation, so feeding it the centres would weigh a group of
    5,000 customers like one of 5.

    The pairs are found by the nearest-neighbour chain (Murtagh 1983), exact for Ward because its
    cost is reducible: O(groups^2) work, each step one vectorised row of costs. Heights are
    sqrt(2 * cost), scipy's convention (the distance between two single customers)."""
    points = np.array(centres, dtype=np.float64)
    weights = np.asarray(sizes, dtype=np.float64).copy()
    groups = len(points)
    # The groups still to join are kept in the first rows: when half the rows are joined-away groups,
    # the arrays are compacted, so a step costs the groups left, not all there were (the joins run
    # in half the time). `group_in_row` and `row_of_group` translate; the chain holds groups.
    group_in_row = np.arange(groups)
    row_of_group = np.arange(groups)
    in_play = np.ones(groups, dtype=bool)
    left = groups
    offsets, squared, costs = np.empty_like(points), np.empty(groups), np.empty(groups)
    joins: list[tuple[int, int, float]] = []
    chain: list[int] = []
    steps = 0
    while len(joins) < groups - 1:
        steps += 1
        if steps % _CHAIN_STEPS_PER_CHECK == 0:
            raise_if_cancelled(cancel)
            report(progress, len(joins) / (groups - 1), "Joining customers into a tree")
        if 2 * left < len(points):
            points, weights, group_in_row = points[in_play], weights[in_play], group_in_row[in_play]
            row_of_group[group_in_row] = np.arange(left)
            in_play = np.ones(left, dtype=bool)
            offsets, squared, costs = offsets[:left], squared[:left], costs[:left]
        if not chain:
            chain.append(int(group_in_row[np.argmax(in_play)]))
        last = row_of_group[chain[-1]]
        # The cost of joining `last` with every row, in place (a joined-away row sits at infinity).
        np.subtract(points, points[last], out=offsets)
        np.einsum("ij,ij->i", offsets, offsets, out=squared)
        np.add(weights, weights[last], out=costs)
        np.divide(weights, costs, out=costs)
        costs *= squared
        costs *= weights[last]
        costs[last] = np.inf
        nearest = int(np.argmin(costs))
        # On a tie the previous link of the chain wins, or the chain could cycle.
        previous = row_of_group[chain[-2]] if len(chain) > 1 else None
        if previous is not None and costs[previous] <= costs[nearest]:
            nearest = previous
        if nearest == previous:
            chain.pop()
            chain.pop()
            joined = weights[last] + weights[nearest]
            points[last] = (weights[last] * points[last] + weights[nearest] * points[nearest]) / joined
            weights[last] = joined
            points[nearest] = np.inf
            in_play[nearest] = False
            left -= 1
            height = float(np.sqrt(2.0 * costs[nearest]))
            joins.append((int(group_in_row[last]), int(group_in_row[nearest]), height))
        else:
            chain.append(int(group_in_row[nearest]))
    return _linkage_matrix(joins, groups)


def _linkage_matrix(joins: list[tuple[int, int, float]], leaves: int) -> np.ndarray:
    """Joins (a leaf of each side, height), in the order found, as scipy's linkage matrix: sorted by
    height (stable), each side named by the cluster that holds that leaf at that moment (as scipy
    relabels its own nearest-neighbour chain's output)."""
    order = sorted(range(len(joins)), key=lambda index: joins[index][2])
    parent = list(range(2 * leaves - 1))
    leaf_count = [1] * leaves + [0] * (leaves - 1)

    def root(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    tree = np.empty((len(joins), 4))
    for row, index in enumerate(order):
        first, second, height = joins[index]
        a, b = sorted((root(first), root(second)))
        new = leaves + row
        parent[a] = parent[b] = new
        leaf_count[new] = leaf_count[a] + leaf_count[b]
        tree[row] = (a, b, height, leaf_count[new])
    return tree


def _cut(tree: np.ndarray, k: int) -> np.ndarray:
    """The group (0 .. k-1, in no particular order) of each leaf once the last k - 1 joins are undone,
    as scikit-learn cuts its Ward tree."""
    leaves = len(tree) + 1
    parent = np.arange(2 * leaves - 1)
    for row in range(leaves - k):
        parent[tree[row, :2].astype(np.int64)] = leaves + row
    # Follow each node up to its top below the cut (parents always have higher numbers).
    for node in range(2 * leaves - 2, -1, -1):
        parent[node] = parent[parent[node]]
    return np.unique(parent[:leaves], return_inverse=True)[1].astype(np.int64)


@dataclass(frozen=True)
class DendrogramLink:
    xs: tuple[float, float, float, float]  # the link's four corners, as scipy draws a U upside down
    heights: tuple[float, float, float, float]
    segment: int | None  # 0-based segment below the cut, None for the joins above it


@dataclass(frozen=True)
class DendrogramLeaf:
    x: float
    customers: int
    segment: int  # 0-based


@dataclass(frozen=True)
class Dendrogram:
    """A truncated tree ready to draw: links and leaves in chart coordinates, the cut's height."""

    links: tuple[DendrogramLink, ...]
    leaves: tuple[DendrogramLeaf, ...]  # left to right
    cut_height: float  # a horizontal line here crosses exactly `segments` links
    segments: int
    top_height: float
    # Whether the leaves at the bottom are small groups of a large table (the app says so).
    micro_grouped: bool
    # The heights of the joins drawn, lowest first (see `segments_at_height`).
    join_heights: tuple[float, ...] = ()


def segments_at_height(tree: Dendrogram, height: float) -> int:
    """How many segments cutting the drawn tree at `height` gives: one, plus one for each join above
    the cut. A cut below the lowest join drawn gives one segment per leaf drawn."""
    above = len(tree.join_heights) - int(np.searchsorted(tree.join_heights, height, side="right"))
    return 1 + above


def dendrogram_data(segmenter: WardSegmenter, shown_leaves: int = DENDROGRAM_LEAVES) -> Dendrogram:
    """The top of a fitted Ward tree with at most `shown_leaves` leaves (at least one per segment),
    each leaf a group of customers of one segment, and the height where the tree is cut."""
    tree, k = segmenter.tree_, segmenter.n_segments_
    leaves = len(tree) + 1
    shown = min(max(shown_leaves, k), leaves)
    from scipy.cluster.hierarchy import dendrogram  # imported when used (see _build_tree)

    drawn = dendrogram(tree, truncate_mode="lastp", p=shown, no_plot=True)
    # Customers and segment of every node of the tree, leaves first (children come before parents).
    customers = np.concatenate([segmenter.leaf_sizes_, np.zeros(leaves - 1, dtype=np.int64)])
    segment = np.concatenate([segmenter.leaf_segments_, np.zeros(leaves - 1, dtype=np.int64)])
    for row, (first, second) in enumerate(tree[:, :2].astype(np.int64)):
        customers[leaves + row] = customers[first] + customers[second]
        segment[leaves + row] = segment[first]
    heights = tree[:, 2]
    below = heights[leaves - k - 1] if leaves - k - 1 >= 0 else 0.0
    above = heights[leaves - k] if k > 1 else heights[-1] * 1.05
    cut_height = float((below + above) / 2)
    shown_leaf_nodes = drawn["leaves"]
    leaf_items = tuple(
        DendrogramLeaf(5.0 + 10.0 * position, int(customers[node]), int(segment[node]))
        for position, node in enumerate(shown_leaf_nodes)
    )
    links = []
    for xs, ys in zip(drawn["icoord"], drawn["dcoord"], strict=True):
        # A link below the cut joins leaves of one segment; the shown leaves between its legs are
        # some of them (a leg stands on a leaf or on the middle of a lower link).
        under = next(leaf for leaf in leaf_items if xs[0] <= leaf.x <= xs[3])
        segment_of_link = None if ys[1] > cut_height else under.segment
        links.append(DendrogramLink(tuple(map(float, xs)), tuple(map(float, ys)), segment_of_link))
    return Dendrogram(
        tuple(links), leaf_items, cut_height, k, float(heights[-1]), bool(segmenter.micro_grouped_),
        tuple(float(height) for height in heights[leaves - shown :]),
    )


def _make(k: int | None, seed: int, options: Mapping[str, Any]) -> WardSegmenter:
    if k is None:
        raise SettingsError("Hierarchical grouping needs a number of segments.")
    return WardSegmenter(k, seed=seed)


HIERARCHICAL = Method(
    name="hierarchical",
    title="Hierarchical (Ward)",
    when_to_use=(
        "Builds a family tree of your customers, joining the most alike first, so you can see how "
        "segments split as you ask for more; groups come out round, like k-means."
    ),
    takes_k=True,
    has_centres=True,
    make=_make,
    from_dict=WardSegmenter.from_dict,
    sweep=sweep_ward,
)
