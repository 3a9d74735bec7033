"""k-means++ seedings drawn side by side: the same seedings as scikit-learn's k-means++, weights that
count as repeated customers, and the KMeans hook that hands them out."""

import numpy as np
import pytest
from sklearn.cluster import KMeans, kmeans_plusplus

import core.seeding
from core.seeding import KMeansStarts, kmeans_plusplus_seedings

GROUP_CENTRES = np.array([[0, 0], [6, 0], [0, 6], [6, 6], [20, 20]], dtype=float)


@pytest.fixture(scope="module")
def five_groups():
    """Five groups of very different sizes and spreads: where a seeding puts its centres matters."""
    rng = np.random.default_rng(7)
    sizes = [200, 120, 60, 15, 5]
    spreads = [1.5, 1.0, 0.6, 0.4, 0.3]
    parts = [centre + rng.normal(scale=spread, size=(size, 2))
             for centre, size, spread in zip(GROUP_CENTRES, sizes, spreads, strict=True)]
    return np.vstack(parts)


def potential(points, centres, weights=None):
    nearest = ((points[:, None, :] - centres[None]) ** 2).sum(axis=2).min(axis=1)
    return float(nearest @ (np.ones(len(points)) if weights is None else weights))


def groups_found(centres):
    """How many of five_groups' groups hold a centre (the nearest group centre within 3)."""
    distances = np.linalg.norm(centres[:, None, :] - GROUP_CENTRES[None], axis=2)
    return len(set(distances.argmin(axis=1)[distances.min(axis=1) < 3]))


def test_seedings_are_drawn_as_scikit_learns_k_means_plus_plus(five_groups):
    # Greedy k-means++ (the best of 2 + log k candidates each time) finds all five groups far more often
    # than plain k-means++ or a uniform draw would: the two must agree on how often, and on the cost.
    theirs = [kmeans_plusplus(five_groups, 5, random_state=seed)[0] for seed in range(600)]
    ours = kmeans_plusplus_seedings(five_groups, 5, 600, np.random.default_rng(1))
    their_costs = np.array([potential(five_groups, centres) for centres in theirs])
    our_costs = np.array([potential(five_groups, centres) for centres in ours])
    assert np.mean(our_costs) == pytest.approx(np.mean(their_costs), rel=0.06)
    assert np.median(our_costs) == pytest.approx(np.median(their_costs), rel=0.06)
    their_share = np.mean([groups_found(centres) == 5 for centres in theirs])
    our_share = np.mean([groups_found(centres) == 5 for centres in ours])
    assert abs(our_share - their_share) < 0.07


def test_every_centre_is_a_customer_and_no_customer_is_drawn_twice(five_groups):
    seedings = kmeans_plusplus_seedings(five_groups, 8, 50, np.random.default_rng(2))
    assert seedings.shape == (50, 8, 2)
    for centres in seedings:
        rows = [np.flatnonzero((five_groups == centre).all(axis=1)) for centre in centres]
        assert all(len(found) == 1 for found in rows)
        assert len({int(found[0]) for found in rows}) == 8


def test_the_starts_are_drawn_in_groups_when_they_would_not_fit_one_step(five_groups, monkeypatch):
    # 400 customers and 3 candidates per centre: at most one start per group of this size.
    monkeypatch.setattr(core.seeding, "_STEP_CELLS", 1_500)
    seedings = kmeans_plusplus_seedings(five_groups, 5, 7, np.random.default_rng(3))
    assert seedings.shape == (7, 5, 2)
    assert all(len(np.unique(centres, axis=0)) == 5 for centres in seedings)
    assert len(np.unique(seedings[:, 0], axis=0)) > 1  # each group draws its own starts


def test_a_weighted_customer_counts_as_that_many_customers(five_groups):
    # The small far group weighted 40 times is drawn as often as 40 copies of each of its customers.
    weights = np.ones(len(five_groups))
    weights[-5:] = 40.0
    repeated = np.vstack([five_groups, np.repeat(five_groups[-5:], 39, axis=0)])
    weighted = kmeans_plusplus_seedings(five_groups, 2, 800, np.random.default_rng(4), weights)
    copies = kmeans_plusplus_seedings(repeated, 2, 800, np.random.default_rng(5))
    far_first_weighted = np.mean(weighted[:, 0, 0] > 15)
    far_first_copies = np.mean(copies[:, 0, 0] > 15)
    assert far_first_copies == pytest.approx(200 / 595, abs=0.05)
    assert far_first_weighted == pytest.approx(far_first_copies, abs=0.06)


def test_a_customer_of_no_weight_is_never_a_centre(five_groups):
    weights = np.ones(len(five_groups))
    weights[-5:] = 0.0  # the far group: every seeding would have a centre there if it counted
    seedings = kmeans_plusplus_seedings(five_groups, 5, 200, np.random.default_rng(6), weights)
    assert not (seedings[..., 0] > 15).any()


def test_kmeans_starts_from_the_seedings_wherever_the_customers_lie(five_groups):
    # KMeans centres the customers before it asks for a start: seedings drawn on anything but the
    # customers it passes would start far from them (here 1,000 away) and find fewer groups than asked.
    far_away = five_groups + 1000.0
    model = KMeans(5, init=KMeansStarts(10, np.random.default_rng(8)), n_init=10).fit(far_away)
    reference = KMeans(5, n_init=10, random_state=0).fit(far_away)
    assert len(np.unique(model.labels_)) == 5
    assert model.inertia_ <= reference.inertia_ * 1.001


def test_given_centres_start_where_they_would_as_an_array_wherever_the_customers_lie(five_groups):
    # One call runs the seedings and the warm starts: a warm start must be the start it would be alone.
    far_away = five_groups + 1000.0
    warm = [GROUP_CENTRES[:4] + 1000.5, GROUP_CENTRES[1:] + 999.0]
    starts = KMeansStarts(0, np.random.default_rng(10), given=warm, points_mean=far_away.mean(axis=0))
    together = KMeans(4, init=starts, n_init=starts.count).fit(far_away)
    alone = min((KMeans(4, init=centres, n_init=1).fit(far_away) for centres in warm),
                key=lambda model: model.inertia_)
    assert together.inertia_ == alone.inertia_
    np.testing.assert_array_equal(together.cluster_centers_, alone.cluster_centers_)


def test_asking_for_more_starts_than_given_is_an_error(five_groups):
    starts = KMeansStarts(2, np.random.default_rng(9))
    starts(five_groups, 3, None)
    starts(five_groups, 3, None)
    with pytest.raises(RuntimeError, match="more than the 2 starts"):
        starts(five_groups, 3, None)
