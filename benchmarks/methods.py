"""Row 13: every grouping method on the generated customers (a million by default) within a minute,
with the sample it grouped and the longest stretch between two Cancel checks."""

import time
from itertools import pairwise

import numpy as np

from benchmarks.clustering import customer_like_data
from benchmarks.table import BenchmarkRow
from core.clustering import REFINE_ROWS, START_SAMPLE_ROWS
from core.methods import METHODS, density, gmm, hierarchical

LIMIT_SECONDS = 60.0
# The generated customers fall into six groups (benchmarks.clustering).
SEGMENTS = 6


def _sample_description(name: str, rows: int) -> str:
    """How much of the table the method groups itself, as the module's constants say."""
    if name == "hierarchical":
        if rows <= hierarchical.EXACT_ROWS:
            return "exact: every customer, scikit-learn's answer"
        return (
            f"{hierarchical.MICRO_GROUPS:,} small groups from a sample of "
            f"{hierarchical.MICRO_SAMPLE_ROWS:,}, then everyone"
        )
    if name == "gmm":
        return f"fitted on {min(rows, gmm.FIT_SAMPLE_ROWS):,}, then everyone"
    if name in ("dbscan", "hdbscan"):
        return f"grouped {min(rows, density.SAMPLE_ROWS):,}, then everyone placed"
    if name == "kmeans" and rows > START_SAMPLE_ROWS:
        return f"starts on {START_SAMPLE_ROWS:,}, refined on {min(rows, REFINE_ROWS):,}, then everyone"
    return "all customers"


def methods_rows(rows: int, seed: int = 0) -> list[BenchmarkRow]:
    """Each method on `rows` generated customers, and Ward on the largest table it takes exactly (its
    worst case: one scipy call on every pairwise distance, which Cancel cannot interrupt)."""
    data = customer_like_data(rows, seed)
    exact_ward = customer_like_data(min(rows, hierarchical.EXACT_ROWS), seed)
    runs = [(name, data) for name in METHODS] + [("hierarchical", exact_ward)]
    return [_measured(name, table, seed) for name, table in runs]


def _measured(name: str, data: np.ndarray, seed: int) -> BenchmarkRow:
    method = METHODS[name]
    checks: list[float] = []

    def cancel() -> bool:
        checks.append(time.perf_counter())
        return False

    segmenter = method.make(SEGMENTS if method.takes_k else None, seed, method.options)
    start = time.perf_counter()
    fitted = segmenter.fit(data, cancel=cancel)
    end = time.perf_counter()
    moments = [start, *checks, end]
    longest_step = max(later - earlier for earlier, later in pairwise(moments))
    found = f"{fitted.n_segments_} segments"
    if method.finds_unusual:
        found += f", {fitted.unusual_:,} unusual"
    return BenchmarkRow(
        f"13. {method.title} ({len(data):,} x {data.shape[1]}; {_sample_description(name, len(data))}; "
        f"{found}; longest step between Cancel checks {longest_step:.1f} s)",
        end - start, "-", None, None, limit=LIMIT_SECONDS,
    )
