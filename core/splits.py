"""How the segments split as the number of segments grows: the data of a clustree diagram.

Zappia and Oshlack (2018, "Clustering trees: a visualization for evaluating clusterings at multiple
resolutions", GigaScience) draw one node per segment per k and an arrow from each segment at k - 1 to
each segment at k that receives a good share of its customers. A segment fed by two parents, or arrows
criss-crossing, shows over-splitting at a glance. This module gives the nodes and arrows as plain data;
the Choose k tab draws them.

Entry points: `segment_splits` (from the labels of each k, e.g. kept from the sweep) and
`labels_for_ks` (fits only the ks whose labels are missing).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.clustering import DEFAULT_SEED
from core.errors import DataError, SettingsError
from core.methods import Method, method_named
from core.progress import CancelCheck, ProgressCallback, raise_if_cancelled, report
from core.stability import fresh_segmenter

# Arrows carrying less than this share of a segment's customers are hidden (Zappia and Oshlack's
# default edge filter): they are the few customers on a border that every refit moves about.
MIN_EDGE_SHARE = 0.10


@dataclass(frozen=True)
class SplitNode:
    k: int
    label: int  # the segment's label at this k (0-based, largest first), or UNUSUAL
    size: int  # customers


@dataclass(frozen=True)
class SplitEdge:
    k: int  # the arrow ends at a segment of k and starts at one of k - 1
    parent: int  # label at k - 1
    child: int  # label at k
    customers: int  # the child's customers who were in the parent
    share: float  # customers / the child's size: the share of the child that came from the parent


@dataclass(frozen=True)
class SplitTree:
    ks: tuple[int, ...]  # ascending
    nodes: tuple[SplitNode, ...]  # by k, then label
    edges: tuple[SplitEdge, ...]  # those of at least MIN_EDGE_SHARE, by k, child, parent

    def nodes_at(self, k: int) -> tuple[SplitNode, ...]:
        return tuple(node for node in self.nodes if node.k == k)

    def edges_into(self, k: int) -> tuple[SplitEdge, ...]:
        return tuple(edge for edge in self.edges if edge.k == k)

    def to_dict(self) -> dict[str, Any]:
        return {
            "nodes": [{"k": node.k, "label": node.label, "size": node.size} for node in self.nodes],
            "edges": [
                {"k": edge.k, "parent": edge.parent, "child": edge.child, "customers": edge.customers,
                 "share": edge.share}
                for edge in self.edges
            ],
        }


def segment_splits(labels_by_k: Mapping[int, np.ndarray], *, min_share: float = MIN_EDGE_SHARE) -> SplitTree:
    """The nodes (one per segment per k) and the arrows between consecutive ks tried, from each k's labels
    over the same customers (0-based, UNUSUAL for unusual customers, who are a node of their own).
    Arrows go from k - 1 to k only when both were tried; an arrow's share is of the child's customers."""
    ks = tuple(sorted(labels_by_k))
    if not ks:
        raise SettingsError("No segment counts were tried, so there is nothing to draw.")
    labels = {k: np.asarray(labels_by_k[k], dtype=np.int64) for k in ks}
    lengths = {len(values) for values in labels.values()}
    if len(lengths) > 1:
        raise DataError("The segmentations to draw are of different numbers of customers; use one table.")
    nodes: list[SplitNode] = []
    edges: list[SplitEdge] = []
    for k in ks:
        present, sizes = np.unique(labels[k], return_counts=True)
        nodes += [SplitNode(k, int(label), int(size)) for label, size in zip(present, sizes, strict=True)]
        if k - 1 not in labels:
            continue
        parents, children = labels[k - 1], labels[k]
        for child, child_size in zip(present, sizes, strict=True):
            from_parent, counts = np.unique(parents[children == child], return_counts=True)
            for parent, count in zip(from_parent, counts, strict=True):
                share = float(count / child_size)
                if share >= min_share:
                    edges.append(SplitEdge(k, int(parent), int(child), int(count), share))
    return SplitTree(ks, tuple(nodes), tuple(edges))


def labels_for_ks(
    matrix: np.ndarray,
    ks: Sequence[int],
    method: str | Method,
    *,
    known: Mapping[int, np.ndarray] | None = None,
    seed: int = DEFAULT_SEED,
    options: Mapping[str, Any] | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
) -> dict[int, np.ndarray]:
    """The labels of each k in `ks`: those `known` (kept from the sweep) as they are, the others fitted
    with the method's `make(k, seed, options)` (core.stability.fresh_segmenter). Progress moves and
    Cancel is honoured between fits."""
    chosen = method if isinstance(method, Method) else method_named(method)
    known = known or {}
    missing = [k for k in ks if k not in known]
    result = {k: np.asarray(known[k]) for k in ks if k in known}
    data = np.asarray(matrix, dtype=np.float64)
    for number, k in enumerate(missing, start=1):
        raise_if_cancelled(cancel)
        result[k] = fresh_segmenter(chosen, k, seed, options).fit(data, cancel=cancel).labels_
        report(progress, number / len(missing), f"Grouped the customers into {k} segments")
    report(progress, 1.0, "Segments found for every number tried")
    return dict(sorted(result.items()))

