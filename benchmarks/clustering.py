"""The clustering engine against the notebook approach (scikit-learn KMeans for each k)."""

import time
from collections.abc import Callable

import numpy as np
from sklearn.cluster import KMeans

from benchmarks.table import BenchmarkRow
from core.clustering import KMeansSegmenter, sweep_k

K_RANGE = range(1, 11)
FINAL_K = 5


def customer_like_data(rows: int, seed: int = 0) -> np.ndarray:
    """`rows` x 3 with real cluster structure: six groups of unequal size and spread (fixed seed)."""
    rng = np.random.default_rng(seed)
    centres = np.array([[0, 0, 0], [6, 1, 0], [0, 7, 2], [5, 6, -4], [-5, 3, 5], [2, -6, 4]], dtype=float)
    shares = np.array([0.30, 0.22, 0.18, 0.14, 0.10, 0.06])
    spreads = np.array([1.6, 1.0, 1.3, 0.8, 1.2, 0.7])
    groups = rng.choice(len(centres), size=rows, p=shares)
    return centres[groups] + rng.normal(size=(rows, 3)) * spreads[groups, None]


def _timed(work: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = work()
    return time.perf_counter() - start, result


def _largest_difference_percent(ours: dict[int, float], theirs: dict[int, float]) -> float:
    return max(100.0 * (ours[k] - theirs[k]) / theirs[k] for k in theirs)


def clustering_rows(rows: int, seed: int = 0) -> list[BenchmarkRow]:
    data = customer_like_data(rows, seed)

    ours_sweep_seconds, sweep = _timed(lambda: sweep_k(data, K_RANGE.start, K_RANGE.stop - 1))
    ours_wcss = {score.k: score.wcss for score in sweep.scores}

    # The notebook approach, run once: its k = FINAL_K fit doubles as the final-fit comparison.
    careful_seconds: dict[int, float] = {}
    careful_wcss: dict[int, float] = {}
    for k in K_RANGE:
        careful_seconds[k], model = _timed(lambda k=k: KMeans(k, n_init=10, random_state=seed).fit(data))
        careful_wcss[k] = model.inertia_
    quick_seconds = 0.0
    quick_wcss: dict[int, float] = {}
    for k in K_RANGE:
        seconds, model = _timed(lambda k=k: KMeans(k, random_state=seed).fit(data))
        quick_seconds += seconds
        quick_wcss[k] = model.inertia_

    final_seconds, final = _timed(lambda: KMeansSegmenter(FINAL_K).fit(data))
    k_label = f"k={K_RANGE.start}..{K_RANGE.stop - 1}"
    return [
        BenchmarkRow(
            f"1. sweep {k_label} ({rows:,} x 3)", ours_sweep_seconds, "sklearn n_init=10 per k",
            sum(careful_seconds.values()), 0.15, _largest_difference_percent(ours_wcss, careful_wcss),
        ),
        BenchmarkRow(
            f"2. sweep {k_label} ({rows:,} x 3)", ours_sweep_seconds, 'sklearn n_init="auto" per k',
            quick_seconds, 2.0, _largest_difference_percent(ours_wcss, quick_wcss),
        ),
        BenchmarkRow(
            f"3. final fit k={FINAL_K} ({rows:,} x 3)", final_seconds, "sklearn n_init=10",
            careful_seconds[FINAL_K], 0.3,
            _largest_difference_percent({FINAL_K: final.inertia_}, {FINAL_K: careful_wcss[FINAL_K]}),
        ),
    ]
