"""Gaussian mixture: groups of any orientation and spread, and for each customer a probability of
belonging to each segment (scikit-learn's `GaussianMixture`, full covariances, several starts).

The number of segments is suggested by the Bayesian information criterion (BIC) of a sweep over k.
Large tables are fitted on a random sample of FIT_SAMPLE_ROWS customers and every customer then gets
its probabilities (and its most likely segment) from the fitted mixture.
"""

import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import logsumexp
from scipy.stats import multivariate_normal
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture
from threadpoolctl import threadpool_limits

from core.clustering import DEFAULT_SEED, _as_matrix, _check_count, check_k_range
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
        k = _check_count(self.n_components, "number of segments")
        starts = _check_count(self.starts, "number of starts")
        data = _as_matrix(matrix)
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
        self.bic_ = float(model.bic(sample))
        self.fitted_on_ = len(sample)
        self._take_components(model, data, cancel)
        notes = []
        if rows is not None:
            notes.append(
                f"The Gaussian mixture was fitted on a random sample of {len(sample):,} of your "
                f"{len(data):,} customers; every customer then got the segment most likely for them."
            )
        if self.n_segments_ < k:
            notes.append(
                f"You asked for {k} segments, but no customer is most likely to belong to "
                f"{k - self.n_segments_} of the mixture's groups, so there are {self.n_segments_} segments."
            )
        self.notes_ = tuple(notes)
        self.inertia_ = within_sum_of_squares(data, self.labels_, self.cluster_centers_)
        report(progress, 1.0, f"Found {self.n_segments_} segments")
        return self

    def _take_components(self, model: GaussianMixture, data: np.ndarray, cancel: CancelCheck | None) -> None:
        """The fitted mixture's components in our order, largest (most customers most likely in it)
        first, and `labels_` for the rows of `data`. A component that is no customer's most likely
        one is left out (its segment would be empty); the others' weights are scaled to add up to 1
        again, which leaves every customer's most likely segment as it was."""
        k = len(model.weights_)
        raw = GaussianMixtureSegmenter._from_parameters(model.weights_, model.means_, model.covariances_)
        probabilities = raw.predict_proba(data, cancel)
        sizes = np.bincount(np.argmax(probabilities, axis=1), minlength=k)
        order = size_order(sizes, model.means_)
        order = order[sizes[order] > 0]
        weights = model.weights_[order] / model.weights_[order].sum()
        self._set_parameters(weights, model.means_[order], model.covariances_[order])
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
        return segmenter

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "GaussianMixtureSegmenter":
        return cls._from_parameters(data["weights"], data["means"], data["covariances"])

    def to_dict(self) -> dict[str, Any]:
        return {
            "weights": self.weights_.tolist(),
            "means": self.cluster_centers_.tolist(),
            "covariances": self.covariances_.tolist(),
        }

    def predict_proba(self, matrix: np.ndarray, cancel: CancelCheck | None = None) -> np.ndarray:
        """Each row's probability of belonging to each segment (rows sum to 1), segments in order.
        Computed from the saved weights, means and covariances alone, so a saved model gives the
        same probabilities as the fitted one."""
        data = _as_matrix(matrix)
        check_columns(data, self.cluster_centers_.shape[1])
        log_joint = np.empty((len(data), self.n_segments_))
        for segment in range(self.n_segments_):
            raise_if_cancelled(cancel)
            density = multivariate_normal(self.cluster_centers_[segment], self.covariances_[segment])
            log_joint[:, segment] = np.log(self.weights_[segment]) + density.logpdf(data).reshape(len(data))
        return np.exp(log_joint - logsumexp(log_joint, axis=1, keepdims=True))

    def predict(self, matrix: np.ndarray, cancel: CancelCheck | None = None) -> np.ndarray:
        """Each row's most likely segment."""
        return np.argmax(self.predict_proba(matrix, cancel), axis=1).astype(np.int64)


def _best_of_starts(
    sample: np.ndarray,
    k: int,
    starts: int,
    seed: int,
    progress: ProgressCallback | None,
    cancel: CancelCheck | None,
) -> GaussianMixture:
    """The fitted mixture of the start with the highest likelihood bound (the first of equal ones),
    as GaussianMixture(n_init=starts) keeps, one start per call so that Cancel works between them."""
    seeds = np.random.default_rng(seed).integers(2**31 - 1, size=starts)
    best = None
    for number, start_seed in enumerate(seeds, start=1):
        raise_if_cancelled(cancel)
        # One BLAS thread: an EM round's matrix products are too short to share, and on the busy
        # machine two threads made a start on 3,000 customers take 0.83 s instead of 0.09 s (50,000
        # customers: 0.86 s instead of 0.41 s).
        with warnings.catch_warnings(), threadpool_limits(limits=1, user_api="blas"):
            # A start that has not settled after 100 rounds is still a usable answer; the best start
            # is kept whatever its rounds, as scikit-learn's own n_init does.
            warnings.simplefilter("ignore", ConvergenceWarning)
            model = GaussianMixture(
                k, covariance_type="full", init_params="k-means++", random_state=int(start_seed)
            ).fit(sample)
        if best is None or model.lower_bound_ > best.lower_bound_:
            best = model
        report(progress, number / starts, f"Tried {number} of {starts} starts")
    return best


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
    data = _as_matrix(matrix)
    rows = sample_rows(len(data), FIT_SAMPLE_ROWS, seed)
    sample = data if rows is None else data[rows]
    notes = () if rows is None else (
        f"Each number of segments was fitted on a random sample of {len(sample):,} of your "
        f"{len(data):,} customers.",
    )
    scores = []
    total = k_max - k_min + 1
    for number, k in enumerate(range(k_min, k_max + 1)):
        if len(sample) < 2 * k:
            notes += (f"Numbers of segments above {k - 1} were not tried: there are too few customers.",)
            break
        step = scaled(progress, number / total, (number + 1) / total)
        model = _best_of_starts(sample, k, STARTS, seed, step, cancel)
        scores.append(MixtureScore(k, float(model.bic(sample))))
        if on_score is not None:
            on_score(scores[-1])
        if on_labels is not None:
            segmenter = GaussianMixtureSegmenter(k, seed=seed)
            segmenter._take_components(model, data, cancel)
            on_labels(k, segmenter.labels_)
        report(progress, (number + 1) / total, f"Tried {number + 1} of {total} segment counts")
    if not scores:
        raise SettingsError("There are too few customers to fit a Gaussian mixture; at least 2 are needed.")
    suggested, reason = suggest_mixture_k(tuple(scores))
    return MixtureSweep(tuple(scores), suggested, reason, notes)


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
)
