"""Rows 14-16: the segment stability check (core.stability), 50 reshuffles, in under a minute.

14: the customer-like data of rows 1-3 (1,000,000 customers, six groups), k = 6: each reshuffle is
drawn from RESAMPLE_ROWS customers, so this measures that the documented sample keeps a million
customers under a minute. 15: CC GENERAL.csv (8,636 customers, its default columns, k = 4), a real
file just above RESAMPLE_ROWS. 16: the stability of every k of a sweep (1-10, SWEEP_RESAMPLES each) on
the million, the labels kept from the sweep (not timed) as the command line does.
"""

import time

import numpy as np

from benchmarks.clustering import customer_like_data
from benchmarks.shapes import DATASETS
from benchmarks.table import BenchmarkRow
from core.clustering import KMeansSegmenter, sweep_k
from core.loading import load_table
from core.pipeline import AnalysisSettings, prepare_table
from core.stability import (
    DEFAULT_RESAMPLES,
    RESAMPLE_ROWS,
    SWEEP_RESAMPLES,
    segment_stability,
    stability_by_k,
)

LIMIT_SECONDS = 60.0
REAL_FILE = "CC GENERAL.csv"


def _timed_stability(matrix: np.ndarray, k: int) -> tuple[float, float]:
    """Seconds for DEFAULT_RESAMPLES reshuffles, and the smallest segment's stability."""
    labels = KMeansSegmenter(k).fit(matrix).labels_
    start = time.perf_counter()
    result = segment_stability(matrix, labels, "kmeans", k, resamples=DEFAULT_RESAMPLES)
    return time.perf_counter() - start, result.smallest


def stability_rows(rows: int, seed: int = 0, only: set[int] = frozenset({14, 15, 16})) -> list[BenchmarkRow]:
    measured = []
    if only & {14, 16}:
        data = customer_like_data(rows, seed)
    if 14 in only:
        seconds, smallest = _timed_stability(data, 6)
        measured.append(BenchmarkRow(
            f"14. stability, {DEFAULT_RESAMPLES} reshuffles of {rows:,} customers, k = 6 (each from "
            f"{RESAMPLE_ROWS:,} drawn; least stable segment {smallest:.2f})",
            seconds, "-", None, None, limit=LIMIT_SECONDS,
        ))
    if 15 in only:
        table = load_table(DATASETS / REAL_FILE)
        prepared = prepare_table(table, AnalysisSettings())
        seconds, smallest = _timed_stability(prepared.matrix, 4)
        measured.append(BenchmarkRow(
            f"15. stability, {DEFAULT_RESAMPLES} reshuffles, {REAL_FILE} ({len(prepared.matrix):,} "
            f"customers, {prepared.matrix.shape[1]} columns, k = 4; least stable segment {smallest:.2f})",
            seconds, "-", None, None, limit=LIMIT_SECONDS,
        ))
    if 16 in only:
        labels: dict[int, np.ndarray] = {}
        sweep_k(data, 1, 10, seed=seed, on_labels=labels.__setitem__)
        start = time.perf_counter()
        by_k = stability_by_k(data, list(labels), "kmeans", labels_by_k=labels)
        seconds = time.perf_counter() - start
        stable = ", ".join(f"{k}: {result.smallest:.2f}" for k, result in by_k.items())
        measured.append(BenchmarkRow(
            f"16. stability of k = 1-10, {SWEEP_RESAMPLES} reshuffles each, {rows:,} customers "
            f"(least stable segment per k: {stable})",
            seconds, "-", None, None, limit=3 * LIMIT_SECONDS,
        ))
    return measured
