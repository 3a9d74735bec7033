"""Gaussian mixture: groups of any orientation and spread, and for each customer a probability of
belonging to each segment (scikit-learn's `GaussianMixture`, full covariances, several starts).

The number of segments is suggested by the Bayesian information criterion (BIC) of a sweep over k.
Large tables are fitted on a random sample of FIT_SAMPLE_ROWS customers and every customer then gets
its probabilities (and its most likely segment) from the fitted mixture.
"""

import os
import warnings
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.linalg import cholesky, solve_triangular
from scipy.special import logsumexp
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture
from threadpoolctl import threadpool_limits

from core.clustering import DEFAULT_SEED, as_matrix, check_count, check_k_range, check_magnitudes
from core.errors import SettingsError
from core.methods.base import Method
from core.methods.sampling import check_columns, sample_rows, size_order, within_sum_of_squares
from core.progress import CancelCheck, ProgressCallback, raise_if_cancelled, report, scaled

# Starts per fit; the one that explains the customers best (highest likelihood) is kept. Each start
# is its own scikit-learn call so that Cancel and progress work between them. They start from
# k-means++ centres, not from a finished k-means (scikit-learn's default): on two long parallel
# groups that k-means cuts across, 5 of 10 k-means starts stayed in k-means' wrong answer, 2 of 10
# k-means++ starts did; five such starts all miss in about 1 case in 3,000.
STARTS = 5
# The mixture is fitted on a random sample of at most this many customers. Each EM round costs
# customers x segments x columns^2 and a fit takes up to 100 rounds per start: 50,000 customers keep a
# fit of 5 segments in 4 columns to a few seconds, and estimate each segment's spread and slant to a
# few per cent even for a segment of 2 % of the customers (1,000 sampled members).
FIT_SAMPLE_ROWS = 50_000
# A BIC lower by more than this is "very strong" evidence for one number of segments over another
# (Kass and Raftery 1995); closer ones are said to fit about as well.
_CLEARLY_BETTER_BIC = 10.0


class GaussianMixtureSegmenter:
    """A Gaussian mixture of `n_components` segments (scikit-learn estimator style).

    After `fit`: `labels_` (each customer's most likely segment), `n_segments_`, `cluster_centers_`
    (the segments' means), `inertia_`, `weights_`, `covariances_`, `bic_` (on the customers it was
    fitted on) and `fitted_on_` (how many customers that was)."""

    def __init__(self, n_components: int, *, seed: int = DEFAULT_SEED, starts: int = STARTS) -> None:
        self.n_components = n_components
        self.seed = seed
        self.starts = starts

    def fit(
        self,
        matrix: np.ndarray,
        *,
        progress: ProgressCallback | None = None,
        cancel: CancelCheck | None = None,
    ) -> "GaussianMixtureSegmenter":
        k = check_count(self.n_components, "number of segments")
        starts = check_count(self.starts, "number of starts")
        data = as_matrix(matrix)
        check_magnitudes(data)
        rows = sample_rows(len(data), FIT_SAMPLE_ROWS, self.seed)
        sample = data if rows is None else data[rows]
        if len(sample) < 2 * k:
            raise SettingsError(
                f"A Gaussian mixture of {k} segments needs at least {2 * k} customers; there are "
                f"{len(sample)}. Choose fewer segments."
            )
        model = _best_of_starts(sample, k, starts, self.seed, scaled(progress, 0.0, 0.85), cancel)
        raise_if_cancelled(cancel)
        report(progress, 0.85, "Working out each customer's segment")
        self._settle(model, data, len(sample), cancel)
        report(progress, 1.0, f"Found {self.n_segments_} segments")
        return self

    @classmethod
    def assign(cls, saved: Mapping[str, Any], matrix: np.ndarray) -> "GaussianMixtureSegmenter":
        """Fitted to `matrix` with a mixture found before (a sweep's `MixtureSweep.fitted`, or a
        project's `to_dict`): every customer in their most likely segment, nothing searched for."""
        data = as_matrix(matrix)
        model = _Mixture(
            np.asarray(saved["weights"], dtype=np.float64),
            np.asarray(saved["means"], dtype=np.float64),
            np.asarray(saved["covariances"], dtype=np.float64),
            float(saved.get("bic", np.nan)),
        )
        check_columns(data, model.means.shape[1])
        segmenter = cls(len(model.weights))
        segmenter._settle(model, data, int(saved.get("fitted_on", len(data))), None)
        return segmenter

    def _settle(
        self, model: "_Mixture", data: np.ndarray, fitted_on: int, cancel: CancelCheck | None
    ) -> None:
        """The segments of a fitted mixture on every customer, and what the user should know about them."""
        k = len(model.weights)
        self.bic_ = model.bic
        self.fitted_on_ = fitted_on
        self._take_components(model, data, cancel)
        notes = []
        if fitted_on < len(data):
            notes.append(
                f"The Gaussian mixture was fitted on a random sample of {fitted_on:,} of your "
                f"{len(data):,} customers; every customer then got the segment most likely for them."
            )
        if self.n_segments_ < k:
            notes.append(
                f"You asked for {k} segments, but no customer is most likely to belong to "
                f"{k - self.n_segments_} of the mixture's groups, so there are {self.n_segments_} segments."
            )
        self.notes_ = tuple(notes)
        self.inertia_ = within_sum_of_squares(data, self.labels_, self.cluster_centers_)

    def _take_components(self, model: "_Mixture", data: np.ndarray, cancel: CancelCheck | None) -> None:
        """The fitted mixture's components in our order, largest (most customers most likely in it)
        first, and `labels_` for the rows of `data`. A component that is no customer's most likely
        one is left out (its segment would be empty); the others' weights are scaled to add up to 1
        again, which leaves every customer's most likely segment as it was."""
        k = len(model.weights)
        raw = GaussianMixtureSegmenter._from_parameters(model.weights, model.means, model.covariances)
        probabilities = raw.predict_proba(data, cancel)
        sizes = np.bincount(np.argmax(probabilities, axis=1), minlength=k)
        order = size_order(sizes, model.means)
        order = order[sizes[order] > 0]
        weights = model.weights[order] / model.weights[order].sum()
        self._set_parameters(weights, model.means[order], model.covariances[order])
        self.labels_ = np.argmax(probabilities[:, order], axis=1).astype(np.int64)  # as `predict` gives

    def _set_parameters(self, weights: np.ndarray, means: np.ndarray, covariances: np.ndarray) -> None:
        self.weights_ = np.asarray(weights, dtype=np.float64)
        self.cluster_centers_ = np.asarray(means, dtype=np.float64)
        self.covariances_ = np.asarray(covariances, dtype=np.float64)
        self.n_segments_ = len(self.weights_)

    @classmethod
    def _from_parameters(cls, weights, means, covariances) -> "GaussianMixtureSegmenter":
        segmenter = cls(len(weights))
        segmenter._set_parameters(weights, means, covariances)
        segmenter.notes_ = ()
        segmenter.fitted_on_ = None  # not known: a saved model's
        return segmenter

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "GaussianMixtureSegmenter":
        return cls._from_parameters(data["weights"], data["means"], data["covariances"])

    def to_dict(self) -> dict[str, Any]:
        """The mixture (what `from_dict` and `assign` need), and how many customers it was fitted on
        (absent in older files), so that a reopened project says again that it was a sample."""
        saved = _saved_mixture(self.weights_, self.cluster_centers_, self.covariances_)
        return saved if self.fitted_on_ is None else {**saved, "fitted_on": self.fitted_on_}

    def predict_proba(self, matrix: np.ndarray, cancel: CancelCheck | None = None) -> np.ndarray:
        """Each row's probability of belonging to each segment (rows sum to 1), segments in order.
        Computed from the saved weights, means and covariances alone, so a saved model gives the
        same probabilities as the fitted one."""
        data = as_matrix(matrix)
        check_columns(data, self.cluster_centers_.shape[1])
        log_joint = np.empty((len(data), self.n_segments_))
        for segment in range(self.n_segments_):
            raise_if_cancelled(cancel)
            mean, covariance = self.cluster_centers_[segment], self.covariances_[segment]
            log_density = _log_normal_density(data, mean, covariance)
            log_joint[:, segment] = np.log(self.weights_[segment]) + log_density
        return np.exp(log_joint - logsumexp(log_joint, axis=1, keepdims=True))

    def predict(self, matrix: np.ndarray, cancel: CancelCheck | None = None) -> np.ndarray:
        """Each row's most likely segment."""
        return np.argmax(self.predict_proba(matrix, cancel), axis=1).astype(np.int64)


def _log_normal_density(data: np.ndarray, mean: np.ndarray, covariance: np.ndarray) -> np.ndarray:
    """log N(row | mean, covariance) for each row, through the covariance's Cholesky factor L:
    -(columns * log(2 pi) + log det(covariance) + |L^-1 (row - mean)|^2) / 2, as scikit-learn computes
    it. scipy.stats.multivariate_normal refuses covariances it deems singular, which a segment's is
    when one column is nearly constant in it and another is in the tens of thousands (a 0/1 column
    beside unscaled incomes: "the input matrix must be symmetric positive definite")."""
    factor = cholesky(covariance, lower=True)
    whitened = solve_triangular(factor, (data - mean).T, lower=True)
    log_determinant = 2.0 * np.sum(np.log(np.diag(factor)))
    squared = np.einsum("ij,ij->j", whitened, whitened)
    return -0.5 * (data.shape[1] * np.log(2.0 * np.pi) + log_determinant + squared)


@dataclass(frozen=True)
class _Mixture:
    """A fitted mixture's parameters in the customers' units, and its BIC on the fitted customers."""

    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    bic: float


def _best_of_starts(
    sample: np.ndarray,
    k: int,
    starts: int,
    seed: int,
    progress: ProgressCallback | None,
    cancel: CancelCheck | None,
) -> _Mixture:
    """The mixture of the start with the highest likelihood bound (the first of equal ones), as
    GaussianMixture(n_init=starts) keeps, one start per call so that Cancel works between them.

    EM runs on the customers divided by their typical spread, and the parameters are turned back
    into the customers' units: scikit-learn adds 1e-6 to every variance (reg_covar) to keep the
    covariances invertible, which suits variances near 1; on unscaled amounts (variances of 1e9) or
    tiny values the fit failed with "ill-defined empirical covariance". The BIC is the same in both
    units up to 2 * customers * columns * log(spread), added back so that it is the customers'."""
    scale = float(np.sqrt(np.mean(np.var(sample, axis=0)))) or 1.0
    scaled_sample = sample / scale
    seeds = np.random.default_rng(seed).integers(2**31 - 1, size=starts)

    def start(start_seed: int) -> GaussianMixture:
        mixture = GaussianMixture(k, covariance_type="full", init_params="k-means++", random_state=start_seed)
        try:
            return mixture.fit(scaled_sample)
        except ValueError as error:
            if "ill-defined empirical covariance" not in str(error):
                raise
            raise SettingsError(
                f"A Gaussian mixture of {k} segments cannot be fitted to these customers: some of its "
                "groups would hold only identical customers. Choose fewer segments."
            ) from error

    # The starts run side by side, one per core, each on one BLAS thread: an EM round's matrix products
    # are too short to share (on the busy machine two threads made a start on 3,000 customers take
    # 0.83 s instead of 0.09 s), and two starts at once took CC GENERAL's five starts from 1.3-3.9 s to
    # 0.8-2.6 s. BLAS's limit holds for the whole process and Python's warning filters are shared by all
    # threads, so both are set here, around all the starts, not in each.
    # A start that has not settled after 100 rounds is still a usable answer; the best start is kept
    # whatever its rounds, as scikit-learn's own n_init does.
    best = None
    with (
        warnings.catch_warnings(),
        threadpool_limits(limits=1, user_api="blas"),
        ThreadPoolExecutor(os.cpu_count() or 1, thread_name_prefix="mixture") as pool,
    ):
        warnings.simplefilter("ignore", ConvergenceWarning)
        runs = [pool.submit(start, int(start_seed)) for start_seed in seeds]
        try:
            for number, finished in enumerate(runs, start=1):
                raise_if_cancelled(cancel)
                model = finished.result()
                if best is None or model.lower_bound_ > best.lower_bound_:
                    best = model
                report(progress, number / starts, f"Tried {number} of {starts} starts")
        finally:
            for waiting in runs:
                waiting.cancel()
    customers, columns = sample.shape
    return _Mixture(
        best.weights_,
        best.means_ * scale,
        best.covariances_ * scale**2,
        float(best.bic(scaled_sample)) + 2.0 * customers * columns * np.log(scale),
    )


def _saved_mixture(weights: np.ndarray, means: np.ndarray, covariances: np.ndarray) -> dict[str, Any]:
    """A mixture's parameters as plain lists (`from_dict` and `assign` read them back)."""
    return {"weights": weights.tolist(), "means": means.tolist(), "covariances": covariances.tolist()}


@dataclass(frozen=True)
class MixtureScore:
    k: int
    bic: float  # Bayesian information criterion on the fitted customers: lower fits better


@dataclass(frozen=True)
class MixtureSweep:
    scores: tuple[MixtureScore, ...]  # ascending k
    suggested_k: int
    reason: str  # one sentence, true to the numbers beside it
    notes: tuple[str, ...] = ()
    # Each k's mixture, so that the chosen k's segments are the ones the chart scored, without fitting them
    # again (see `Method.assign_saved`). Not saved with a project.
    fitted: dict[int, dict] = field(default_factory=dict, compare=False, repr=False)


def sweep_mixtures(
    matrix: np.ndarray,
    k_min: int = 1,
    k_max: int = 10,
    *,
    seed: int = DEFAULT_SEED,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
    on_score: Callable[[MixtureScore], None] | None = None,
    on_labels: Callable[[int, np.ndarray], None] | None = None,
) -> MixtureSweep:
    """A mixture for every k in [k_min, k_max] and its BIC; `on_score` gets each as soon as it is
    done, `on_labels` each k and every customer's most likely segment (as `fit` numbers them). On a
    large table every k is fitted on the same sample (see FIT_SAMPLE_ROWS)."""
    k_min, k_max = check_k_range(k_min, k_max)
    data = as_matrix(matrix)
    check_magnitudes(data)
    rows = sample_rows(len(data), FIT_SAMPLE_ROWS, seed)
    sample = data if rows is None else data[rows]
    notes = () if rows is None else (
        f"Each number of segments was fitted on a random sample of {len(sample):,} of your "
        f"{len(data):,} customers.",
    )
    scores = []
    fitted: dict[int, dict] = {}
    total = k_max - k_min + 1
    for number, k in enumerate(range(k_min, k_max + 1)):
        if len(sample) < 2 * k:
            notes += (f"Numbers of segments above {k - 1} were not tried: there are too few customers.",)
            break
        step = scaled(progress, number / total, (number + 1) / total)
        model = _best_of_starts(sample, k, STARTS, seed, step, cancel)
        scores.append(MixtureScore(k, model.bic))
        fitted[k] = {
            **_saved_mixture(model.weights, model.means, model.covariances), "bic": model.bic,
            "fitted_on": len(sample),
        }
        if on_score is not None:
            on_score(scores[-1])
        if on_labels is not None:
            on_labels(k, GaussianMixtureSegmenter.assign(fitted[k], data).labels_)
        report(progress, (number + 1) / total, f"Tried {number + 1} of {total} segment counts")
    if not scores:
        raise SettingsError("There are too few customers to fit a Gaussian mixture; at least 2 are needed.")
    suggested, reason = suggest_mixture_k(tuple(scores))
    return MixtureSweep(tuple(scores), suggested, reason, notes, fitted)


def suggest_mixture_k(scores: tuple[MixtureScore, ...]) -> tuple[int, str]:
    """The k with the lowest BIC (the usual choice for mixtures, as in R's mclust) and why, in words:
    BIC rewards describing the customers closely and charges for every extra segment."""
    ordered = sorted(scores, key=lambda score: score.k)
    best = min(ordered, key=lambda score: score.bic)
    reason = (
        f"{best.k} segments: of the numbers tried, {best.k} describes your customers best without "
        f"needless segments (BIC {best.bic:,.0f}, the lowest; lower is better)"
    )
    others = [score for score in ordered if score.k != best.k]
    if others:
        runner_up = min(others, key=lambda score: score.bic)
        if runner_up.bic - best.bic <= _CLEARLY_BETTER_BIC:
            reason += f", though {runner_up.k} segments fit about as well ({runner_up.bic:,.0f})"
        else:
            reason += f"; the next best, {runner_up.k} segments, scores {runner_up.bic:,.0f}"
    if best.k == ordered[-1].k and len(ordered) > 1:
        reason += "; the score was still falling at the largest number tried, so more segments may fit better"
    return best.k, reason + "."


def _make(k: int | None, seed: int, options: Mapping[str, Any]) -> GaussianMixtureSegmenter:
    if k is None:
        raise SettingsError("A Gaussian mixture needs a number of segments.")
    return GaussianMixtureSegmenter(k, seed=seed)


GMM = Method(
    name="gmm",
    title="Gaussian mixture",
    when_to_use=(
        "For groups that are long and slanted or of very different spread, which k-means cuts badly; "
        "each customer also gets a chance of belonging to each segment."
    ),
    takes_k=True,
    has_centres=True,
    make=_make,
    from_dict=GaussianMixtureSegmenter.from_dict,
    sweep=sweep_mixtures,
    gives_probabilities=True,
    assign_saved=GaussianMixtureSegmenter.assign,
)
