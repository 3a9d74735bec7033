"""Row 11: fitting both lifetime-value models (BG/NBD and Gamma-Gamma) on 200,000 customers in <= 1 s."""

import statistics
import time

import numpy as np

from benchmarks.table import BenchmarkRow
from core.clv import (
    BgNbdParameters,
    GammaGammaParameters,
    fit_bgnbd,
    fit_gamma_gamma,
    simulate_average_spend,
    simulate_purchases,
)

CUSTOMERS = 200_000
RUNS = 3
LIMIT_SECONDS = 1.0
# The published CDNOW estimates (Fader, Hardie and Lee 2005; Fader and Hardie 2013): customers who
# look like real ones, 38 % of them buying again.
BGNBD = BgNbdParameters(r=0.243, alpha=4.414, a=0.793, b=2.426, log_likelihood=float("nan"))
GAMMA_GAMMA = GammaGammaParameters(p=6.25, q=3.74, gamma=15.44, log_likelihood=float("nan"))


def clv_rows(seed: int = 0) -> list[BenchmarkRow]:
    """Median of RUNS fits of both models on customers drawn from them, ages 1 to 78 weeks."""
    rng = np.random.default_rng(seed)
    T = rng.uniform(1, 78, CUSTOMERS)
    x, t_x = simulate_purchases(BGNBD, T, rng)
    repeat = x > 0
    average_spend = simulate_average_spend(GAMMA_GAMMA, x[repeat], rng)
    seconds = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fit_bgnbd(x, t_x, T)
        fit_gamma_gamma(x[repeat], average_spend)
        seconds.append(time.perf_counter() - start)
    return [
        BenchmarkRow(
            f"11. lifetime value: fit BG/NBD + Gamma-Gamma ({CUSTOMERS:,}; median of {RUNS}, "
            f"slowest {max(seconds):.2f} s)",
            statistics.median(seconds), "-", None, None, limit=LIMIT_SECONDS,
        )
    ]
