"""Customer lifetime value: who will buy again, how much each customer is worth, and a check of the forecast.

Two small, well-established models, fitted by maximum likelihood:

- BG/NBD (Fader, Hardie and Lee 2005, "Counting your customers the easy way", Marketing Science 24(2)):
  while active, a customer buys at a steady rate of their own (gamma-distributed across customers,
  parameters r and alpha); after any repeat purchase they may drop out for good with a probability of
  their own (beta-distributed, parameters a and b). From each customer's repeat purchases x, the time of
  the last purchase t_x and their age T (weeks since the first purchase) it gives the expected number of
  purchases in the next N weeks and the chance that the customer is still active.
- Gamma-Gamma (Fader and Hardie 2013, "The Gamma-Gamma model of monetary value"): the amounts of one
  customer's purchases vary around a typical amount of their own, which varies across customers
  (parameters p, q and gamma). It gives each customer's expected average spend, pulling the average of
  a customer with few purchases towards everyone's.

Predicted value = expected purchases x expected average spend. The models assume that spend does not
depend on how often a customer buys, and they do not fit subscriptions or contracts, where customers
leave at a known moment rather than silently.

Time is in weeks throughout. Entry points:

- `estimate_lifetime_value(customers, as_of, weeks)`: the per-customer table of the order-history step
  (`First purchase`, `Last purchase`, `Purchases` = distinct purchase days, `Average spend` = average
  amount per purchase day) -> `LifetimeValue`: the four columns (`Expected purchases (next N weeks)`,
  `Chance still active` in %, `Expected average spend`, `Predicted value (next N weeks)`), the fitted
  parameters and notes for the user (a rough estimate from few customers, amounts all equal).
  `LifetimeValue.summary()` is JSON-able:
  `{"weeks": N, "bgnbd": {"r", "alpha", "a", "b", "log_likelihood"}, "gamma_gamma": {"p", "q", "gamma"}}`
  with "gamma_gamma" None when every customer's average spend is the same (nothing to fit; the expected
  spend is that amount). The notes are `LifetimeValue.notes`, sentences for the user.
- `value_by_group(lifetime_value, labels)`: per segment or RFM group, predicted value in total and per
  customer, share of the predicted value and share still active, with one sentence per group.
- For a per-customer table that carries the four columns (the app, the command line, the report and the
  workbook find them by name rather than carry the fit around): `with_lifetime_value(table, value)` adds
  them to a loaded table; `value_by_segment`, `value_by_rfm_group`, `with_segment_value` (a profile
  table with each segment's value) and `group_value_records` (JSON) give the groups' shares.
- `holdout_check(customer_ids, purchase_dates, split)`: fit on the purchases up to the split date, compare
  the predicted purchases after it with what customers did, per number of repeat purchases before the
  split (0..6, 7+) and week by week. `HoldoutCheck.summary()` is JSON-able:
  `{"split": "YYYY-MM-DD", "weeks": W, "predicted_purchases": float, "actual_purchases": int,
  "by_purchases_before": [{"purchases_before": "0".."6" or "7+", "customers": int,
  "predicted_purchases": float, "actual_purchases": int}, ...]}`.
- The array-level functions behind them: `fit_bgnbd`, `fit_gamma_gamma`, `bgnbd_log_likelihood`,
  `gamma_gamma_log_likelihood`, `expected_purchases`, `chance_alive`, `expected_average_spend`,
  `calibration_summary`; `simulate_purchases` and `simulate_average_spend` draw customers from the
  models (tests and `make bench` use them).

Whatever cannot be estimated raises `DataError` (or `SettingsError` for a bad horizon or split) with a
sentence that says why; the output never holds NaN.
"""

import dataclasses
import functools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.linalg import eigvalsh_tridiagonal
from scipy.optimize import minimize
from scipy.special import betaln, digamma, expit, gammaln
from threadpoolctl import threadpool_limits

from core.columns import summarize_columns
from core.errors import DataError, SettingsError
from core.loading import LoadedTable
from core.progress import CancelCheck, ProgressCallback, raise_if_cancelled, report, scaled
from core.rfm import RFM_GROUP, RFM_GROUPS

FIRST_PURCHASE = "First purchase"
LAST_PURCHASE = "Last purchase"
PURCHASES = "Purchases"
AVERAGE_SPEND = "Average spend"
CHANCE_ACTIVE = "Chance still active"
EXPECTED_SPEND = "Expected average spend"

DEFAULT_WEEKS = 52
MAX_WEEKS = 520  # ten years: further out the "steady rate" assumption says nothing useful
# Below this many weeks between the first purchase and the as-of date there is too little time to see
# anyone come back: the fit would be told only "nobody bought again yet".
MIN_HISTORY_WEEKS = 4
# Below this many customers the estimates carry wide sampling error (the published CDNOW sample has
# 2,357); say so rather than present them as firm.
FIRM_ESTIMATE_CUSTOMERS = 300
# Repeat purchases up to this number get their own row in the holdout check; more are grouped as "7+".
HOLDOUT_PURCHASE_GROUPS = 7
DEFAULT_SPLIT_SHARE = 2 / 3

# Parameters are fitted as logarithms within these bounds: wide enough for any shop's data in weeks
# (the rate's scale alpha and the drop-out parameters can legitimately be large when hardly anyone
# drops out), narrow enough that every special function stays finite.
_LOG_BOUND = math.log(1e7)
# The fit has settled when the gradient of the total log-likelihood with respect to the logarithm of
# each parameter (not at a bound) is below this, whatever reason L-BFGS-B gives for stopping: a 1 %
# change of any parameter then moves the log-likelihood by less than 0.01, far less than any data can
# tell apart. Small data sets often have their best fit far out on a ridge (a and b both huge: everyone
# has the same chance of dropping out), where the optimiser stops on a flat stretch.
_GRADIENT_TOLERANCE = 1.0
# Terms of the hypergeometric series evaluated at once: bounds the memory of one block to ~32 MB.
_SERIES_BLOCK_VALUES = 4_000_000
_SERIES_RELATIVE_TOLERANCE = 1e-13
_SERIES_MAX_TERMS = 200_000
# Where the series' terms are this many times larger than its sum (or overflow), quadrature takes over.
_SERIES_LARGEST_CONDITION = 1e6
_QUADRATURE_NODES = 256
# The series' terms only start to fall after |a + b - 1 - r| of them: beyond this many the quadrature's
# 256 points per customer cost far less (fits of steady buyers who never drop out end with r in the
# hundreds of thousands, where the series took 35 s for 20,000 customers and the quadrature 0.1 s).
_SERIES_MOST_RISING_TERMS = 4096
_RESCALE_ABOVE = 1e100


def expected_purchases_column(weeks: int) -> str:
    return f"Expected purchases (next {weeks} weeks)"


def predicted_value_column(weeks: int) -> str:
    return f"Predicted value (next {weeks} weeks)"


def lifetime_value_columns(weeks: int) -> list[str]:
    return [expected_purchases_column(weeks), CHANCE_ACTIVE, EXPECTED_SPEND, predicted_value_column(weeks)]


@dataclass(frozen=True)
class BgNbdParameters:
    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float

    def summary(self) -> dict[str, float]:
        return {"r": self.r, "alpha": self.alpha, "a": self.a, "b": self.b,
                "log_likelihood": self.log_likelihood}


@dataclass(frozen=True)
class GammaGammaParameters:
    p: float
    q: float
    gamma: float
    log_likelihood: float

    @property
    def mean_spend(self) -> float:
        """Everyone's expected spend per purchase, the spend expected of a customer with no history."""
        return self.p * self.gamma / (self.q - 1)

    def summary(self) -> dict[str, float]:
        return {"p": self.p, "q": self.q, "gamma": self.gamma}


@dataclass(frozen=True)
class LifetimeValue:
    weeks: int
    columns: pd.DataFrame  # the four lifetime-value columns, same index as the customer table
    bgnbd: BgNbdParameters
    gamma_gamma: GammaGammaParameters | None  # None when every average spend is the same amount
    notes: tuple[str, ...]  # sentences for the user: rough estimate, amounts all equal

    def summary(self) -> dict:
        return {
            "weeks": self.weeks,
            "bgnbd": self.bgnbd.summary(),
            "gamma_gamma": None if self.gamma_gamma is None else self.gamma_gamma.summary(),
        }


@dataclass(frozen=True)
class GroupValue:
    table: pd.DataFrame  # one row per group, see `value_by_group`
    sentences: dict[object, str]  # group label -> "Segment 2 holds 18 % of your customers and ..."


@dataclass(frozen=True)
class CalibrationSummary:
    """Each customer who first bought on or before the split: repeat purchases before and after it."""

    customer_ids: np.ndarray
    x: np.ndarray  # repeat purchase days up to the split
    t_x: np.ndarray  # weeks from the first to the last purchase day up to the split
    T: np.ndarray  # weeks from the first purchase day to the split
    purchases_after: np.ndarray  # purchase days after the split
    weekly_purchases_after: np.ndarray  # all customers' purchase days in each week after the split
    weeks_after: float  # weeks from the split to the last day of the history


@dataclass(frozen=True)
class HoldoutCheck:
    split: pd.Timestamp
    weeks: float  # from the split to the last purchase day of the history
    predicted_purchases: float
    actual_purchases: int
    # Rows "0".."6", "7+": Repeat purchases before the split, Customers, Predicted purchases (total),
    # Actual purchases (total), Predicted per customer, Actual per customer.
    by_purchases_before: pd.DataFrame
    # One row per week after the split: Week, Predicted purchases (cumulative), Actual purchases (cumulative)
    weekly: pd.DataFrame
    bgnbd: BgNbdParameters
    sentence: str

    def summary(self) -> dict:
        return {
            "split": self.split.date().isoformat(),
            "weeks": self.weeks,
            "predicted_purchases": self.predicted_purchases,
            "actual_purchases": self.actual_purchases,
            "by_purchases_before": [
                {
                    "purchases_before": str(row["Repeat purchases before the split"]),
                    "customers": int(row["Customers"]),
                    "predicted_purchases": float(row["Predicted purchases"]),
                    "actual_purchases": int(row["Actual purchases"]),
                }
                for _, row in self.by_purchases_before.iterrows()
            ],
        }


# --- BG/NBD -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Purchases:
    """x, t_x and T with the distinct x values, computed once per fit rather than at every step."""

    x: np.ndarray
    t_x: np.ndarray
    T: np.ndarray
    distinct_x: np.ndarray
    x_index: np.ndarray  # distinct_x[x_index] == x
    customers_with: np.ndarray  # customers with each distinct x

    @classmethod
    def of(cls, x, t_x, T) -> "_Purchases":
        x, t_x, T = _checked_purchase_arrays(x, t_x, T)
        distinct_x, x_index = np.unique(x, return_inverse=True)
        return cls(x, t_x, T, distinct_x, x_index, np.bincount(x_index, minlength=distinct_x.size))


def bgnbd_log_likelihood(
    parameters: Sequence[float], x: np.ndarray, t_x: np.ndarray, T: np.ndarray
) -> tuple[float, np.ndarray]:
    """Total BG/NBD log-likelihood of the customers and its gradient with respect to (r, alpha, a, b).

    Fader, Hardie and Lee (2005), eq. 6: L = A1 A2 (A3 + [x > 0] A4) with
    A1 = Gamma(r + x) alpha^r / Gamma(r), A2 = B(a, b + x) / B(a, b), A3 = (alpha + T)^-(r + x) and
    A4 = a / (b + x - 1) (alpha + t_x)^-(r + x). A3 + A4 is summed as logarithms (logaddexp): each is
    far below the smallest double for a frequent buyer. Terms that depend on x only are computed once
    per distinct x.
    """
    return _bgnbd_log_likelihood(parameters, _Purchases.of(x, t_x, T))


def _bgnbd_log_likelihood(parameters: Sequence[float], data: _Purchases) -> tuple[float, np.ndarray]:
    r, alpha, a, b = (float(value) for value in parameters)
    x, t_x, T, distinct_x = data.x, data.t_x, data.T, data.distinct_x
    customers_with = data.customers_with
    repeat = distinct_x > 0

    per_x = (gammaln(r + distinct_x) - gammaln(r) + r * math.log(alpha)
             + betaln(a, b + distinct_x) - betaln(a, b))
    # log(a / (b + x - 1)) for x > 0; -inf (A4 absent) for x = 0.
    log_a4_factor = np.full(distinct_x.size, -np.inf)
    log_a4_factor[repeat] = math.log(a) - np.log(b + distinct_x[repeat] - 1)

    log_alpha_T = np.log(alpha + T)
    log_alpha_t_x = np.log(alpha + t_x)
    log_a3 = -(r + x) * log_alpha_T
    log_a4 = log_a4_factor[data.x_index] - (r + x) * log_alpha_t_x
    log_sum = np.logaddexp(log_a3, log_a4)
    log_likelihood = float(customers_with @ per_x + log_sum.sum())

    # The share of A4 in A3 + A4 weighs the derivatives of the two branches.
    a4_share = np.exp(log_a4 - log_sum)
    a3_share = 1.0 - a4_share
    a4_share_by_x = np.bincount(data.x_index, weights=a4_share, minlength=distinct_x.size)
    n = x.size
    d_r = (customers_with @ (digamma(r + distinct_x) - digamma(r)) + n * math.log(alpha)
           - a3_share @ log_alpha_T - a4_share @ log_alpha_t_x)
    d_alpha = n * r / alpha - (r + x) @ (a3_share / (alpha + T) + a4_share / (alpha + t_x))
    # d/da and d/db of log B(a, b + x) - log B(a, b) share digamma(a + b) - digamma(a + b + x).
    shared = digamma(a + b) - digamma(a + b + distinct_x)
    d_a = customers_with @ shared + a4_share.sum() / a
    d_b = (customers_with @ (shared + digamma(b + distinct_x) - digamma(b))
           - a4_share_by_x[repeat] @ (1.0 / (b + distinct_x[repeat] - 1)))
    return log_likelihood, np.array([d_r, d_alpha, d_a, d_b])


def fit_bgnbd(
    x: np.ndarray, t_x: np.ndarray, T: np.ndarray, cancel: CancelCheck | None = None
) -> BgNbdParameters:
    """Maximum-likelihood (r, alpha, a, b) from repeat purchases x, last purchase t_x and age T (weeks)."""
    data = _Purchases.of(x, t_x, T)
    if not np.any(data.x > 0):
        raise DataError(
            "Every customer bought only once, so there is nothing to learn about how often customers come "
            "back: lifetime value cannot be estimated. Recency, frequency and spend groups still work."
        )
    # Start where a customer's rate is everyone's average rate (r = 1) and half of them drop out after a
    # purchase (a = b = 1): the optimiser then needs few steps on any time scale.
    rate = data.x.sum() / max(data.T.sum(), 1e-9)
    start = np.log([1.0, 1.0 / max(rate, 1e-6), 1.0, 1.0])
    result = _maximise(lambda parameters: _bgnbd_log_likelihood(parameters, data), start, data.x.size, cancel)
    if result is None:
        raise DataError(
            "The forecast of repeat purchases could not be worked out from this order history: the "
            "calculation did not settle on an answer. This usually means that too few customers bought "
            "more than once; a longer history or more customers will help."
        )
    r, alpha, a, b = (float(value) for value in result[0])
    return BgNbdParameters(r, alpha, a, b, result[1])


def chance_alive(parameters: BgNbdParameters, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """Probability (0..1) that each customer is still active at T (Fader, Hardie and Lee 2005, eq. 13)."""
    r, alpha, a, b = parameters.r, parameters.alpha, parameters.a, parameters.b
    x, t_x, T = _checked_purchase_arrays(x, t_x, T)
    repeat = x > 0
    # 1 / (1 + a / (b + x - 1) ((alpha + T) / (alpha + t_x))^(r + x)) written as expit(-log(...)): the
    # power overflows for frequent buyers who have not bought for a long time.
    log_odds_gone = np.full(x.size, -np.inf)
    log_odds_gone[repeat] = (math.log(a) - np.log(b + x[repeat] - 1)
                             + (r + x[repeat]) * (np.log(alpha + T[repeat]) - np.log(alpha + t_x[repeat])))
    return expit(-log_odds_gone)


def expected_purchases(
    parameters: BgNbdParameters, weeks: float, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """Each customer's expected number of purchases in the next `weeks` weeks (Fader, Hardie and Lee
    2005, eq. 10): the chance of being active times the purchases expected of an active customer.

    Eq. 10's 2F1(r + x, b + x; a + b + x - 1; z) times (1 - z)^(r + x), z = t / (alpha + T + t), is a huge
    number times a tiny one for frequent buyers, and scipy's hyp2f1 loses accuracy there. Euler's
    transformation turns the product into (1 - z)^(a - 1) 2F1(a + b - 1 - r, a - 1; a + b + x - 1; z), whose
    series has small terms and a factor (a - 1) in every term after the first; dividing it out gives
    E[Y | active] = c ((1 - (1 - z)^(a - 1)) / (a - 1) - (1 - z)^(a - 1) G), c = a + b + x - 1,
    finite and accurate also at and near a = 1, where eq. 10 as printed divides 0 by 0.

    The series' terms grow before they fall when a is large or r much larger than a + b (fits of a few
    dozen customers end there): where they would overflow or cancel away more than six digits, the
    expectation is taken as what it is, an average over the customer's drop-out chance
    (`_if_active_by_quadrature`).
    """
    x, t_x, T = _checked_purchase_arrays(x, t_x, T)
    return chance_alive(parameters, x, t_x, T) * purchases_if_active(parameters, weeks, x, T)


def purchases_if_active(
    parameters: BgNbdParameters, weeks: float, x: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """The purchases in the next `weeks` weeks expected of a customer who is still active (see
    `expected_purchases`): it depends on the history only through x and T, so customers who share them
    share it (the holdout check forecasts each such pair once)."""
    r, alpha, a, b = parameters.r, parameters.alpha, parameters.a, parameters.b
    if weeks <= 0:
        return np.zeros(x.size)
    z = weeks / (alpha + T + weeks)
    log_1_minus_z = np.log1p(-z)
    shape = a - 1.0
    first = -log_1_minus_z if shape == 0.0 else -np.expm1(shape * log_1_minus_z) / shape
    c = a + b + x - 1.0
    if abs(a + b - 1.0 - r) > _SERIES_MOST_RISING_TERMS:
        return _if_active_by_quadrature(parameters, weeks, x, T)
    series, series_size = _hypergeometric_tail(a + b - 1.0 - r, a, c, z)
    scale = np.exp(shape * log_1_minus_z)
    with np.errstate(invalid="ignore", over="ignore"):
        if_active = c * (first - scale * series)
        condition = c * (np.abs(first) + scale * series_size) / np.abs(if_active)
    unreliable = ~(np.isfinite(condition) & (condition < _SERIES_LARGEST_CONDITION))
    if unreliable.any():
        if_active[unreliable] = _if_active_by_quadrature(parameters, weeks, x[unreliable], T[unreliable])
    return if_active


def _hypergeometric_tail(
    upper: float, a: float, c: np.ndarray, z: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """G = sum over k >= 1 of (upper)_k (a)_(k-1) / ((c)_k k!) z^k per customer (c and z per customer),
    and the sum of the terms' sizes, which tells how much of G cancelled away (NaN where they overflow).

    Summed in blocks of terms for all customers at once, dropping customers whose remaining terms are
    below the tolerance: the terms fall like z^k, so customers with a short history (z near 1) need
    hundreds of terms and the others a few dozen.
    """
    total = np.zeros(z.size)
    term = upper * z / c  # k = 1
    total += term
    size = np.abs(term)
    active = np.flatnonzero(term != 0.0)
    k = 1
    block = 16
    with np.errstate(over="ignore", invalid="ignore"):
        while active.size and k < _SERIES_MAX_TERMS:
            # Most customers need a few dozen terms: start with small blocks, grow them for the few left.
            block = int(min(2 * block, 4096, max(8, _SERIES_BLOCK_VALUES // active.size)))
            steps = k + np.arange(block, dtype=float)  # ratio of term k + 1 to term k, k = k .. k + block - 1
            ratios = ((upper + steps) * (a + steps - 1.0) / (steps + 1.0)) * (
                z[active, None] / (c[active, None] + steps)
            )
            terms = term[active, None] * np.cumprod(ratios, axis=1)
            total[active] += terms.sum(axis=1)
            size[active] += np.abs(terms).sum(axis=1)
            term[active] = terms[:, -1]
            k += block
            # Far enough out the ratios fall towards z < 1 and the rest of the series is below
            # |last term| / (1 - ratio bound).
            ratio_bound = np.maximum(np.abs(ratios[:, -1]), z[active])
            past_sign_changes = k > abs(upper) + 2
            remaining = np.abs(term[active]) / (1.0 - np.minimum(ratio_bound, 1.0 - 1e-12))
            converged = past_sign_changes & (ratio_bound < 1.0) & (
                remaining <= _SERIES_RELATIVE_TOLERANCE * np.maximum(np.abs(total[active]), 1e-300)
            )
            overflowed = ~np.isfinite(size[active])
            size[active[overflowed]] = np.nan
            active = active[~(converged | overflowed)]
    return total, size


def _if_active_by_quadrature(
    parameters: BgNbdParameters, weeks: float, x: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """E[Y | active] as an average over the drop-out chance p ~ Beta(a, b + x) of an active customer, of
    the purchases (1 - (1 + p t / (alpha + T))^-(r + x)) / p expected in t weeks (the rate integrated out
    in closed form), by Gauss-Jacobi quadrature: exact for the Beta weight however peaked or singular it
    is at 0 or 1, and the rest is smooth in p."""
    r, alpha, a, b = parameters.r, parameters.alpha, parameters.a, parameters.b
    ratio = weeks / (alpha + T)
    result = np.empty(x.size)
    for value in np.unique(x):
        nodes, weights = _beta_quadrature(float(a), float(b + value), _QUADRATURE_NODES)
        rows = np.flatnonzero(x == value)
        for chunk in np.array_split(rows, max(1, rows.size * _QUADRATURE_NODES // _SERIES_BLOCK_VALUES)):
            purchases = -np.expm1(-(r + value) * np.log1p(ratio[chunk, None] * nodes)) / nodes
            result[chunk] = (purchases * weights).sum(axis=1)
    return result


# The holdout check asks for the same (a, b + x) once per forecast week: the nodes are kept.
@functools.lru_cache(maxsize=1024)
def _beta_quadrature(a: float, b: float, nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes in (0, 1) and weights summing to 1 such that sum(weights f(nodes)) is the average of f over
    Beta(a, b): Gauss-Jacobi by the Golub-Welsch method (eigenvalues of the tridiagonal matrix of the
    Jacobi polynomials' recurrence for the weight (1 - u)^(b - 1) (1 + u)^(a - 1) on [-1, 1]). Weights are
    normalised here, so nothing overflows for large a or b (scipy's roots_jacobi scales them by
    2^(a + b + 1) B(a, b))."""
    alpha, beta = b - 1.0, a - 1.0
    k = np.arange(nodes, dtype=float)
    diagonal = np.empty(nodes)
    diagonal[0] = (beta - alpha) / (alpha + beta + 2.0)
    twice = 2.0 * k[1:] + alpha + beta
    diagonal[1:] = (beta - alpha) * (beta + alpha) / (twice * (twice + 2.0))
    # The squared off-diagonal for k = 1 with the factor (1 + alpha + beta) cancelled (0 when a + b = 1),
    # then k = 2, 3, ...
    k = k[2:]
    twice = 2.0 * k + alpha + beta
    off_diagonal_squared = np.concatenate((
        [4.0 * (1.0 + alpha) * (1.0 + beta) / ((2.0 + alpha + beta) ** 2 * (3.0 + alpha + beta))],
        4.0 * k * (k + alpha) * (k + beta) * (k + alpha + beta) / (twice**2 * (twice + 1.0) * (twice - 1.0)),
    ))
    off_diagonal = np.sqrt(off_diagonal_squared)
    roots = eigvalsh_tridiagonal(diagonal, off_diagonal)
    # A node's weight is 1 / the sum of squares of the orthonormal polynomials at it (the squared first
    # components of the eigenvectors, which cost ten times as much to compute). The polynomials grow
    # without bound at nodes where the Beta density is tiny: they are scaled down on the way, and the
    # scale kept as a logarithm per node.
    previous, current = np.zeros(nodes), np.ones(nodes)
    squares, log_scale = np.ones(nodes), np.zeros(nodes)
    for degree in range(nodes - 1):
        following = (roots - diagonal[degree]) * current
        if degree:
            following -= off_diagonal[degree - 1] * previous
        previous, current = current, following / off_diagonal[degree]
        squares += current**2
        large = np.abs(current) > _RESCALE_ABOVE
        previous[large] /= _RESCALE_ABOVE
        current[large] /= _RESCALE_ABOVE
        squares[large] /= _RESCALE_ABOVE**2
        log_scale[large] += math.log(_RESCALE_ABOVE)
    log_weights = -np.log(squares) - 2.0 * log_scale
    weights = np.exp(log_weights - log_weights.max())
    nodes_in_unit, weights = (1.0 + roots) / 2.0, weights / weights.sum()
    nodes_in_unit.flags.writeable = weights.flags.writeable = False  # shared by the cache's callers
    return nodes_in_unit, weights


def _checked_purchase_arrays(x, t_x, T) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x, t_x, T = (np.asarray(values, dtype=float) for values in (x, t_x, T))
    if not (x.shape == t_x.shape == T.shape and x.ndim == 1):
        raise ValueError("x, t_x and T must be 1-D arrays of the same length")
    return x, t_x, T


# --- Gamma-Gamma --------------------------------------------------------------------------------------


def gamma_gamma_log_likelihood(
    parameters: Sequence[float], counts: np.ndarray, mean_spend: np.ndarray
) -> tuple[float, np.ndarray]:
    """Total Gamma-Gamma log-likelihood of the customers' average spend and its gradient (p, q, gamma).

    Fader and Hardie (2013), eq. 3: the average m of n purchases has density
    Gamma(p n + q) / (Gamma(p n) Gamma(q)) gamma^q m^(p n - 1) n^(p n) / (gamma + n m)^(p n + q).
    Amounts must be positive.
    """
    p, q, gamma = (float(value) for value in parameters)
    counts = np.asarray(counts, dtype=float)
    mean_spend = np.asarray(mean_spend, dtype=float)
    distinct, index = np.unique(counts, return_inverse=True)
    customers_with = np.bincount(index, minlength=distinct.size)
    log_m = np.log(mean_spend)
    log_total = np.log(gamma + counts * mean_spend)
    pn = p * distinct
    log_likelihood = float(
        customers_with @ (gammaln(pn + q) - gammaln(pn) + p * distinct * np.log(distinct))
        - counts.size * gammaln(q) + counts.size * q * math.log(gamma)
        + (p * counts - 1.0) @ log_m - (p * counts + q) @ log_total
    )
    d_p = (customers_with @ (distinct * (digamma(pn + q) - digamma(pn) + np.log(distinct)))
           + counts @ (log_m - log_total))
    d_q = (customers_with @ digamma(pn + q) - counts.size * (digamma(q) - math.log(gamma))
           - log_total.sum())
    d_gamma = counts.size * q / gamma - (p * counts + q) @ (1.0 / (gamma + counts * mean_spend))
    return log_likelihood, np.array([d_p, d_q, d_gamma])


def fit_gamma_gamma(
    counts: np.ndarray, mean_spend: np.ndarray, cancel: CancelCheck | None = None
) -> GammaGammaParameters:
    """Maximum-likelihood (p, q, gamma) from each customer's number of purchases and their average amount.

    Only customers with a positive average take part (a logarithm of the amount is needed). Raises
    DataError when the averages are all equal (nothing to fit) or so spread out that no average spend
    can be forecast (q <= 1: the model's mean spend would be infinite).
    """
    counts = np.asarray(counts, dtype=float)
    mean_spend = np.asarray(mean_spend, dtype=float)
    usable = (counts > 0) & (mean_spend > 0)
    counts, mean_spend = counts[usable], mean_spend[usable]
    if counts.size < 2:
        raise DataError(
            "Fewer than two customers who bought more than once spent anything, so there is nothing to "
            "learn about spend."
        )
    if np.ptp(mean_spend) <= 1e-9 * mean_spend.max():
        raise DataError(
            "The customers who bought more than once all spent the same amount on average, so there is no "
            "variation in spend to learn from."
        )
    # Start at an exponential spread of amounts around everyone's mean (p = 1, q = 2: gamma = mean).
    start = np.log([1.0, 2.0, float(mean_spend.mean())])
    result = _maximise(
        lambda parameters: gamma_gamma_log_likelihood(parameters, counts, mean_spend),
        start, counts.size, cancel,
    )
    if result is None:
        raise DataError(
            "The forecast of average spend could not be worked out: the calculation did not settle on an "
            "answer. Check the amounts in the order history for mistakes such as misplaced decimal points."
        )
    p, q, gamma = (float(value) for value in result[0])
    if q <= 1.0:
        raise DataError(
            "Spend varies so widely between customers (a few spend vastly more than the rest) that an "
            "average spend cannot be forecast. Check the amounts for mistakes, or leave out the extreme "
            "customers."
        )
    return GammaGammaParameters(p, q, gamma, result[1])


def expected_average_spend(
    parameters: GammaGammaParameters, counts: np.ndarray, mean_spend: np.ndarray
) -> np.ndarray:
    """Each customer's expected spend per purchase (Fader and Hardie 2013, eq. 5): a weighted average of
    everyone's mean and the customer's own average, the own average weighing more the more purchases."""
    counts = np.asarray(counts, dtype=float)
    mean_spend = np.asarray(mean_spend, dtype=float)
    p, q = parameters.p, parameters.q
    own_weight = p * counts / (p * counts + q - 1.0)
    return (1.0 - own_weight) * parameters.mean_spend + own_weight * mean_spend


# --- shared fitting -----------------------------------------------------------------------------------


def _maximise(log_likelihood, start: np.ndarray, customers: int, cancel: CancelCheck | None):
    """(parameters, log-likelihood) at the maximum, or None when the fit did not settle.

    L-BFGS-B on the logarithms of the parameters (all positive) within _LOG_BOUND, minimising the mean
    negative log-likelihood per customer so that the tolerances mean the same for 200 or 200,000
    customers."""

    def objective(log_parameters: np.ndarray) -> tuple[float, np.ndarray]:
        raise_if_cancelled(cancel)
        parameters = np.exp(log_parameters)
        value, gradient = log_likelihood(parameters)
        return -value / customers, -gradient * parameters / customers

    # scipy's L-BFGS-B calls BLAS on vectors of 4 numbers at every step; OpenBLAS's threads made each
    # step take 5 ms on a busy 2-core machine (a fit of 23,570 customers 0.2 s instead of 0.02 s).
    # Trial steps far out may overflow; L-BFGS-B backs off from them, and the end point is checked below.
    with np.errstate(all="ignore"), threadpool_limits(limits=1, user_api="blas"):
        result = minimize(
            objective, start, jac=True, method="L-BFGS-B",
            bounds=[(-_LOG_BOUND, _LOG_BOUND)] * start.size,
            options={"maxiter": 1000, "ftol": 1e-13, "gtol": 1e-9},
        )
        value, gradient = objective(result.x)
    at_bound = np.abs(result.x) >= _LOG_BOUND - 1e-6
    settled = np.all(np.abs(gradient[~at_bound]) * customers < _GRADIENT_TOLERANCE)
    if not (np.isfinite(value) and settled):
        return None
    return np.exp(result.x), float(-value * customers)


# --- simulation ---------------------------------------------------------------------------------------


def simulate_purchases(
    parameters: BgNbdParameters, T: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """(x, t_x) of customers of ages T drawn from the BG/NBD model: what the parameters mean, and data
    with known parameters for tests and benchmarks.

    Each customer has a rate lambda ~ Gamma(r, scale 1 / alpha) and a drop-out chance p ~ Beta(a, b); they
    stop after their D-th repeat purchase, D ~ Geometric(p). Of the N ~ Poisson(lambda T) purchases they
    would make in (0, T] if they never dropped out they make x = min(N, D); given N the purchase times
    are N uniform points in (0, T], so the x-th is T times a Beta(x, N - x + 1) draw.
    """
    T = np.asarray(T, dtype=float)
    rate = rng.gamma(parameters.r, 1.0 / parameters.alpha, T.size)
    drop_out = rng.beta(parameters.a, parameters.b, T.size)
    would_buy = rng.poisson(rate * T)
    x = np.minimum(would_buy, rng.geometric(drop_out))
    t_x = np.zeros(T.size)
    bought = x > 0
    t_x[bought] = T[bought] * rng.beta(x[bought], would_buy[bought] - x[bought] + 1)
    return x.astype(float), t_x


def simulate_average_spend(
    parameters: GammaGammaParameters, counts: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Average amount of each customer's `counts` purchases drawn from the Gamma-Gamma model: each
    customer's amounts are Gamma(p, scale 1 / nu) with nu ~ Gamma(q, scale 1 / gamma), so the average of
    n of them is Gamma(p n, scale 1 / (n nu))."""
    counts = np.asarray(counts, dtype=float)
    nu = rng.gamma(parameters.q, 1.0 / parameters.gamma, counts.size)
    return rng.gamma(parameters.p * counts, 1.0 / (counts * nu))


# --- the per-customer table ---------------------------------------------------------------------------


def estimate_lifetime_value(
    customers: pd.DataFrame,
    as_of,
    weeks: int = DEFAULT_WEEKS,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
) -> LifetimeValue:
    """The four lifetime-value columns for each customer of the order-history table, as of `as_of`.

    x = Purchases - 1, t_x = Last - First purchase and T = as_of - First purchase, in weeks. The
    Gamma-Gamma model takes each customer's Average spend as the average of their `Purchases` purchase
    days; it is fitted on the customers with two or more (the published model uses repeat purchases
    only, and a single amount says nothing about how a customer's amounts vary) and applied to all.
    Negative averages (refunds) count as zero.
    """
    _check_weeks(weeks)
    required = (FIRST_PURCHASE, LAST_PURCHASE, PURCHASES, AVERAGE_SPEND)
    missing = [name for name in required if name not in customers]
    if missing:
        raise DataError(
            "Lifetime value needs the per-customer table made from an order history; it has no column "
            + ", ".join(f'"{name}"' for name in missing) + "."
        )
    if customers.empty:
        raise DataError("There are no customers to estimate lifetime value for.")
    as_of = pd.Timestamp(as_of).normalize()
    first = pd.to_datetime(customers[FIRST_PURCHASE]).dt.normalize()
    last = pd.to_datetime(customers[LAST_PURCHASE]).dt.normalize()
    purchases = pd.to_numeric(customers[PURCHASES])
    spend = pd.to_numeric(customers[AVERAGE_SPEND])
    incomplete = int((first.isna() | last.isna() | purchases.isna() | spend.isna()).sum())
    if incomplete:
        raise DataError(f"{incomplete:,} customers have no first or last purchase date, purchases or spend.")
    if ((purchases < 1) | (purchases != np.floor(purchases))).any():
        raise DataError('"Purchases" must count purchase days: whole numbers of at least 1.')
    if (last < first).any():
        raise DataError(
            f"{int((last < first).sum()):,} customers have a last purchase before their first purchase."
        )
    if (last > as_of).any():
        raise SettingsError(
            f"The forecast starts on {as_of.date()}, but some customers bought after that "
            f"(last purchase {last.max().date()}). Choose a date on or after the last purchase."
        )
    history_weeks = (as_of - first.min()).days / 7
    if history_weeks < MIN_HISTORY_WEEKS:
        raise DataError(
            f"The order history covers only {(as_of - first.min()).days} days. Forecasting repeat purchases "
            f"needs at least {MIN_HISTORY_WEEKS} weeks of history."
        )
    x = purchases.to_numpy(dtype=float) - 1.0
    t_x = (last - first).dt.days.to_numpy(dtype=float) / 7
    T = (as_of - first).dt.days.to_numpy(dtype=float) / 7
    counts = purchases.to_numpy(dtype=float)
    mean_spend = np.maximum(spend.to_numpy(dtype=float), 0.0)

    report(progress, 0.0, "Fitting the model of repeat purchases")
    bgnbd = fit_bgnbd(x, t_x, T, cancel)
    report(progress, 0.6, "Fitting the model of spend")
    notes = []
    if len(customers) < FIRM_ESTIMATE_CUSTOMERS:
        notes.append(
            f"Only {len(customers):,} customers: the lifetime-value forecast is a rough estimate. It firms "
            f"up with a few hundred customers or more."
        )
    repeat_spend = mean_spend[counts >= 2]
    if np.ptp(repeat_spend) <= 1e-9 * max(repeat_spend.max(), 1e-300):
        gamma_gamma = None
        spend_forecast = np.full(x.size, float(repeat_spend[0]))
        notes.append(
            f"Every customer who bought more than once spent the same on average ({repeat_spend[0]:,.2f}), "
            f"so that amount is the expected average spend of every customer."
        )
    else:
        gamma_gamma = fit_gamma_gamma(counts[counts >= 2], repeat_spend, cancel)
        spend_forecast = expected_average_spend(gamma_gamma, counts, mean_spend)
    report(progress, 0.8, "Forecasting each customer's purchases")
    raise_if_cancelled(cancel)
    purchases_forecast = expected_purchases(bgnbd, weeks, x, t_x, T)
    active = chance_alive(bgnbd, x, t_x, T)
    columns = pd.DataFrame(
        dict(zip(
            lifetime_value_columns(weeks),
            (purchases_forecast, 100.0 * active, spend_forecast, purchases_forecast * spend_forecast),
            strict=True,
        )),
        index=customers.index,
    )
    report(progress, 1.0, "Lifetime value estimated")
    return LifetimeValue(weeks, columns, bgnbd, gamma_gamma, tuple(notes))


def value_by_group(lifetime_value: LifetimeValue, labels: pd.Series) -> GroupValue:
    """Per group (segment or RFM group; `labels` aligned with the customer table's index, the label
    names the group in the sentence, e.g. "Segment 2"): Customers, Share of customers (%), the predicted
    value in total and per customer, Share of predicted value (%) and Share still active (%), the
    expected share of the group's customers who are still active. Customers without a label are left out;
    categorical labels keep their categories' order.
    """
    return _value_by_group(lifetime_value.columns, lifetime_value.weeks, labels)


def _value_by_group(columns: pd.DataFrame, weeks: int, labels: pd.Series) -> GroupValue:
    value_column = predicted_value_column(weeks)
    frame = columns[[value_column, CHANCE_ACTIVE]].assign(Group=labels)
    frame = frame.dropna(subset=["Group"])
    groups = frame.groupby("Group", sort=True, observed=True)
    total_customers = len(frame)
    total_value = float(frame[value_column].sum())
    table = pd.DataFrame({
        "Customers": groups.size(),
        "Share of customers (%)": 100.0 * groups.size() / max(total_customers, 1),
        value_column: groups[value_column].sum(),
        "Predicted value per customer": groups[value_column].mean(),
        "Share of predicted value (%)": (
            100.0 * groups[value_column].sum() / total_value if total_value > 0 else 0.0 * groups.size()
        ),
        "Share still active (%)": groups[CHANCE_ACTIVE].mean(),
    })
    table.index = table.index.astype(object)
    table.index.name = labels.name
    horizon = "next year's" if weeks == 52 else f"the next {weeks} weeks'"
    # "Segment 2 holds ...", but "The Champions group holds ...": RFM groups are named in the plural.
    subject = "The {} group" if labels.name == RFM_GROUP else "{}"
    sentences = {
        label: f"{subject.format(label)} holds {row['Share of customers (%)']:.0f} % of your customers and "
               f"{row['Share of predicted value (%)']:.0f} % of {horizon} expected revenue."
        for label, row in table.iterrows()
    }
    return GroupValue(table, sentences)


# --- a per-customer table that carries the lifetime-value columns -------------------------------------

_PREDICTED_VALUE_NAME = re.compile(r"^Predicted value \(next (\d+) weeks\)$")


def lifetime_value_weeks(column_names) -> int | None:
    """The horizon of the lifetime-value columns among `column_names`, None if there are none: the
    report, the workbook and the app find them in the table rather than carry the fit around."""
    for name in column_names:
        match = _PREDICTED_VALUE_NAME.match(str(name))
        if match and CHANCE_ACTIVE in column_names:
            return int(match.group(1))
    return None


def lifetime_value_columns_of(column_names) -> list[str]:
    """The lifetime-value columns among `column_names` (empty when the table has none)."""
    weeks = lifetime_value_weeks(column_names)
    return [] if weeks is None else lifetime_value_columns(weeks)


def with_lifetime_value(table: LoadedTable, lifetime_value: LifetimeValue) -> LoadedTable:
    """The loaded per-customer table with the four lifetime-value columns after its own (any earlier
    ones replaced), its columns described again and the fit's notes among its problems."""
    earlier = [name for name in table.frame.columns if name in lifetime_value_columns_of(table.frame.columns)]
    frame = table.frame.drop(columns=earlier).join(lifetime_value.columns)
    loaded_report = dataclasses.replace(
        table.report,
        columns=summarize_columns(frame),
        problems=(*table.report.problems, *lifetime_value.notes),
    )
    return LoadedTable(frame=frame, report=loaded_report)


def _table_value_by_group(customers: pd.DataFrame, labels: pd.Series) -> GroupValue | None:
    weeks = lifetime_value_weeks(customers.columns)
    if weeks is None:
        return None
    return _value_by_group(customers[lifetime_value_columns(weeks)], weeks, labels)


def value_by_segment(
    customers: pd.DataFrame, segment_labels: np.ndarray, numbers: Sequence[int]
) -> GroupValue | None:
    """`value_by_group` of the segments of a table that carries the lifetime-value columns ("Segment N"
    for each of the segments' `numbers`, in that order; a label is a position in `numbers`, -1 = left
    out); None for any other table."""
    names = [f"Segment {number}" for number in numbers]
    codes = np.asarray(segment_labels)
    labels = pd.Series(
        pd.Categorical.from_codes(np.where(codes >= 0, codes, -1), categories=names, ordered=True),
        index=customers.index, name="Segment",
    )
    return _table_value_by_group(customers, labels)


def segment_value_lines(
    customers: pd.DataFrame, segment_labels: np.ndarray, numbers: Sequence[int]
) -> dict[int, str] | None:
    """Each segment's predicted value and share still active in words, by segment number (labels and
    `numbers` as `value_by_segment` takes them), as the app's segment cards and the dashboard show them;
    None for a table without the lifetime-value columns."""
    by_segment = value_by_segment(customers, segment_labels, numbers)
    if by_segment is None:
        return None
    lines = {}
    for number in numbers:
        label = f"Segment {number}"
        row = by_segment.table.loc[label]
        lines[number] = (
            f"Predicted value {row['Predicted value per customer']:,.2f} per customer · "
            f"{row['Share still active (%)']:.0f} % still active. {by_segment.sentences[label]}"
        )
    return lines


def value_by_rfm_group(customers: pd.DataFrame) -> GroupValue | None:
    """`value_by_group` of the RFM groups (in the order of core.rfm.RFM_GROUPS) of a per-customer table
    that carries the lifetime-value columns; None for any other table."""
    if RFM_GROUP not in customers.columns:
        return None
    labels = pd.Series(
        pd.Categorical(customers[RFM_GROUP].astype(str), categories=RFM_GROUPS, ordered=True),
        index=customers.index, name=RFM_GROUP,
    )
    return _table_value_by_group(customers, labels)


def rfm_group_table_with_value(customers: pd.DataFrame) -> pd.DataFrame | None:
    """core.orders.rfm_group_table of a per-customer table, with each group's predicted value per
    customer, Share of predicted value (%) and Share still active (%) when the table carries the
    lifetime-value columns; None for a table not built from orders."""
    from core.orders import rfm_group_table  # core.orders does not import this module: no cycle

    groups = rfm_group_table(customers)
    by_group = value_by_rfm_group(customers)
    if groups is None or by_group is None:
        return groups
    added = by_group.table[["Predicted value per customer", "Share of predicted value (%)",
                            "Share still active (%)"]]
    return groups.join(added)


def group_value_records(group_value: GroupValue) -> list[dict]:
    """The per-group table as JSON-ready records (the command line's --summary), with the sentence."""
    table = group_value.table
    value_column = next(name for name in table.columns if _PREDICTED_VALUE_NAME.match(str(name)))
    return [
        {
            "group": str(label),
            "customers": int(row["Customers"]),
            "predicted_value": float(row[value_column]),
            "predicted_value_per_customer": float(row["Predicted value per customer"]),
            "share_of_predicted_value": float(row["Share of predicted value (%)"]) / 100,
            "share_still_active": float(row["Share still active (%)"]) / 100,
            "sentence": group_value.sentences[label],
        }
        for label, row in table.iterrows()
    ]


def with_segment_value(profiles: pd.DataFrame, customers: pd.DataFrame, segment_labels: np.ndarray,
                       numbers: Sequence[int]) -> pd.DataFrame:
    """A profile table (core.profiling.profile_table: a row per segment in order, then "All customers")
    with the segments' predicted value in total and per customer, share of it and share still active
    added as columns; unchanged for a table without the lifetime-value columns."""
    by_segment = value_by_segment(customers, segment_labels, numbers)
    if by_segment is None:
        return profiles
    value_column = next(name for name in by_segment.table.columns if _PREDICTED_VALUE_NAME.match(str(name)))
    added = by_segment.table[[value_column, "Predicted value per customer", "Share of predicted value (%)",
                              "Share still active (%)"]]
    added = added.rename(columns={value_column: f"{value_column}, total"})
    segmented = customers[np.asarray(segment_labels) >= 0]
    everyone = pd.DataFrame([{
        added.columns[0]: float(segmented[value_column].sum()),
        "Predicted value per customer": float(segmented[value_column].mean()),
        "Share of predicted value (%)": 100.0,
        "Share still active (%)": float(segmented[CHANCE_ACTIVE].mean()),
    }])
    # Every segment has customers, so the rows line up with the profile table's.
    rows = pd.concat([added.reset_index(drop=True), everyone], ignore_index=True)
    return pd.concat([profiles.reset_index(drop=True), rows], axis=1)


def _check_weeks(weeks) -> None:
    if isinstance(weeks, bool) or not isinstance(weeks, int | np.integer) or not 1 <= weeks <= MAX_WEEKS:
        raise SettingsError(
            f"The forecast horizon must be a whole number of weeks from 1 to {MAX_WEEKS}, not {weeks!r}."
        )


# --- holdout check ------------------------------------------------------------------------------------


def calibration_summary(customer_ids, purchase_dates, split) -> CalibrationSummary:
    """x, t_x, T up to `split` (inclusive) and purchases after it, from one row per purchase.

    Purchases of one customer on one day count once. Customers whose first purchase is after the split
    are left out: the model knows nothing of them at the split. Weeks after the split run to the last
    purchase day in the data.
    """
    codes, uniques = pd.factorize(pd.Series(customer_ids), use_na_sentinel=True)
    days = pd.to_datetime(pd.Series(purchase_dates)).dt.normalize()
    known = (codes >= 0) & days.notna().to_numpy()
    codes = codes[known]
    day_numbers = days.to_numpy(dtype="datetime64[D]")[known].astype(np.int64)
    split_day = pd.Timestamp(split).normalize().to_datetime64().astype("datetime64[D]").astype(np.int64)

    order = np.lexsort((day_numbers, codes))
    codes, day_numbers = codes[order], day_numbers[order]
    new_pair = np.ones(codes.size, dtype=bool)
    new_pair[1:] = (codes[1:] != codes[:-1]) | (day_numbers[1:] != day_numbers[:-1])
    codes, day_numbers = codes[new_pair], day_numbers[new_pair]

    customers = uniques.size
    first_day = np.full(customers, np.iinfo(np.int64).max)
    starts = np.ones(codes.size, dtype=bool)
    starts[1:] = codes[1:] != codes[:-1]
    first_day[codes[starts]] = day_numbers[starts]
    before = day_numbers <= split_day
    purchases_before = np.bincount(codes[before], minlength=customers)
    last_day_before = np.full(customers, np.iinfo(np.int64).min)
    np.maximum.at(last_day_before, codes[before], day_numbers[before])
    after = ~before
    purchases_after = np.bincount(codes[after], minlength=customers)
    last_day = int(day_numbers.max()) if day_numbers.size else split_day
    weeks_after = max(last_day - split_day, 0) / 7
    # Week 1 holds days 1-7 after the split, and so on.
    week_of_purchase = (day_numbers[after] - split_day - 1) // 7
    cohort = first_day <= split_day
    return CalibrationSummary(
        customer_ids=np.asarray(uniques)[cohort],
        x=(purchases_before[cohort] - 1).astype(float),
        t_x=(last_day_before[cohort] - first_day[cohort]) / 7,
        T=(split_day - first_day[cohort]) / 7,
        purchases_after=purchases_after[cohort],
        weekly_purchases_after=np.bincount(
            week_of_purchase[cohort[codes[after]]], minlength=math.ceil(weeks_after)
        ),
        weeks_after=weeks_after,
    )


def default_split(first_purchase, last_purchase) -> pd.Timestamp:
    """The holdout check's split date unless the user chooses one: two thirds into the history."""
    first, last = pd.Timestamp(first_purchase).normalize(), pd.Timestamp(last_purchase).normalize()
    return first + pd.Timedelta(days=round(DEFAULT_SPLIT_SHARE * (last - first).days))


def holdout_check(
    customer_ids,
    purchase_dates,
    split=None,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
) -> HoldoutCheck:
    """Fit BG/NBD on the purchases up to `split` (inclusive; default two thirds into the history) and
    compare its forecast of the purchases after it with what the customers did, as in Figures 3 and 4
    of Fader, Hardie and Lee (2005)."""
    days = pd.to_datetime(pd.Series(purchase_dates)).dt.normalize()
    first, last = days.min(), days.max()
    if pd.isna(first):
        raise DataError("There are no purchase dates to check the forecast against.")
    if split is None:
        split = default_split(first, last)
    split = pd.Timestamp(split).normalize()
    if split < first + pd.Timedelta(weeks=MIN_HISTORY_WEEKS) or split > last - pd.Timedelta(weeks=1):
        raise SettingsError(
            f"The split date {split.date()} must leave at least {MIN_HISTORY_WEEKS} weeks of history "
            f"before it and a week after it: the history runs from {first.date()} to {last.date()}."
        )
    report(progress, 0.0, "Summarising the purchases before the split")
    summary = calibration_summary(customer_ids, days, split)
    report(progress, 0.1, "Fitting the model on the purchases before the split")
    calibration = (summary.x, summary.t_x, summary.T)
    bgnbd = fit_bgnbd(*calibration, cancel)
    raise_if_cancelled(cancel)
    # A forecast is the chance of being active, which depends on the whole history (x, t_x, T), times
    # the purchases of an active customer, which depends on (x, T) only; purchase days make customers
    # share them often (200,000 customers over 900 days: 12,000 distinct (x, T)). Each week's forecast
    # is taken once per (x, T), weighted by the active customers expected to share it.
    active = chance_alive(bgnbd, *calibration)
    pairs, customer_pair = np.unique(
        np.column_stack((summary.x, summary.T)), axis=0, return_inverse=True
    )
    pair_x, pair_T, customer_pair = pairs[:, 0], pairs[:, 1], customer_pair.ravel()
    active_with = np.bincount(customer_pair, weights=active, minlength=len(pairs))
    week_count = summary.weekly_purchases_after.size
    horizons = np.minimum(np.arange(1, week_count + 1, dtype=float), summary.weeks_after)
    weekly_forecast = scaled(progress, 0.5, 1.0)
    cumulative_predicted = np.empty(week_count)
    for week, horizon in enumerate(horizons):
        report(weekly_forecast, week / week_count, "Forecasting the purchases after the split")
        raise_if_cancelled(cancel)
        cumulative_predicted[week] = active_with @ purchases_if_active(bgnbd, horizon, pair_x, pair_T)
    predicted = active * purchases_if_active(bgnbd, summary.weeks_after, pair_x, pair_T)[customer_pair]

    group = np.minimum(summary.x, HOLDOUT_PURCHASE_GROUPS).astype(int)
    group_names = [str(n) for n in range(HOLDOUT_PURCHASE_GROUPS)] + [f"{HOLDOUT_PURCHASE_GROUPS}+"]
    groups = HOLDOUT_PURCHASE_GROUPS + 1
    customers = np.bincount(group, minlength=groups)
    predicted_by_group = np.bincount(group, weights=predicted, minlength=groups)
    actual_by_group = np.bincount(group, weights=summary.purchases_after, minlength=groups).astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        by_purchases_before = pd.DataFrame({
            "Repeat purchases before the split": group_names,
            "Customers": customers,
            "Predicted purchases": predicted_by_group,
            "Actual purchases": actual_by_group,
            "Predicted per customer": np.where(customers > 0, predicted_by_group / customers, 0.0),
            "Actual per customer": np.where(customers > 0, actual_by_group / customers, 0.0),
        })
    weekly = pd.DataFrame({
        "Week": np.arange(1, week_count + 1),
        "Predicted purchases (cumulative)": cumulative_predicted,
        "Actual purchases (cumulative)": np.cumsum(summary.weekly_purchases_after),
    })
    predicted_total = float(predicted.sum())
    actual_total = int(summary.purchases_after.sum())
    weeks_text = f"{summary.weeks_after:.0f}" if summary.weeks_after == round(summary.weeks_after) else (
        f"{summary.weeks_after:.1f}"
    )
    sentence = (
        f"Over the {weeks_text} weeks after the split the model expected {predicted_total:,.0f} purchases; "
        f"customers made {actual_total:,}."
    )
    report(progress, 1.0, "Forecast checked")
    return HoldoutCheck(split, summary.weeks_after, predicted_total, actual_total, by_purchases_before,
                        weekly, bgnbd, sentence)


# --- an order history's lifetime value, as the app and the command line take it ------------------------


@dataclass(frozen=True)
class OrderLifetimeValue:
    """What `lifetime_value_of_orders` found: the per-customer table (with the four columns when they
    could be estimated), the fit and the holdout check, and why either could not be made."""

    table: LoadedTable
    lifetime_value: LifetimeValue | None
    holdout: HoldoutCheck | None
    not_estimated: str = ""  # why lifetime value could not be estimated; "" when it was (or not asked)
    not_checked: str = ""  # why the holdout check could not be made; "" when it was (or not asked)
    default_split: pd.Timestamp | None = None  # where the holdout check splits the history by default

    def sentence(self) -> str:
        """One line for the user: the total predicted value and the share still active."""
        if self.lifetime_value is None:
            return self.not_estimated
        weeks = self.lifetime_value.weeks
        columns = self.lifetime_value.columns
        total = columns[predicted_value_column(weeks)].sum()
        return (
            f"Lifetime value over the next {weeks} weeks: {total:,.0f} "
            f"expected in total; {columns[CHANCE_ACTIVE].mean():.0f} % of the customers are expected to be "
            "still active."
        )


def lifetime_value_of_orders(
    summary,
    table: LoadedTable,
    weeks: int | None = DEFAULT_WEEKS,
    split=None,
    *,
    check: bool = True,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
) -> OrderLifetimeValue:
    """Lifetime value (`weeks` None: not asked) and the holdout check (`check`) of the customers of an
    order history: `summary` is its core.orders.OrderSummary and `table` the per-customer table made
    from it. What the data cannot support (everyone bought once, a short history) is said in
    `not_estimated` / `not_checked` rather than raised: the RFM table is still worth having. A `split`
    the user chose outside the history raises SettingsError; the default split only gets a sentence."""
    value, not_estimated = None, ""
    if weeks is not None:
        try:
            value = estimate_lifetime_value(
                summary.customers, summary.as_of, weeks, scaled(progress, 0.0, 0.5), cancel
            )
        except DataError as problem:
            not_estimated = str(problem)
        else:
            table = with_lifetime_value(table, value)
    holdout, not_checked = None, ""
    if check:
        try:
            holdout = holdout_check(
                summary.purchase_customers, summary.purchase_days, split, scaled(progress, 0.5, 1.0), cancel
            )
        except DataError as problem:
            not_checked = str(problem)
        except SettingsError as problem:
            if split is not None:
                raise
            not_checked = str(problem)
    return OrderLifetimeValue(table, value, holdout, not_estimated, not_checked,
                              default_split(summary.first_purchase, summary.last_purchase))
