"""The registry of grouping methods and the interface every method keeps."""

import json

import numpy as np
import pytest

from core.errors import SettingsError
from core.methods import DEFAULT_METHOD, METHODS, method_named


def test_kmeans_is_the_default_and_unknown_names_are_refused_with_the_list():
    assert DEFAULT_METHOD == "kmeans"
    with pytest.raises(SettingsError, match="choose one of: kmeans"):
        method_named("spectral")


@pytest.mark.parametrize("name", list(METHODS))
def test_a_saved_segmenter_predicts_as_the_fitted_one(name):
    rng = np.random.default_rng(0)
    matrix = np.vstack([rng.normal(centre, 0.3, size=(60, 2)) for centre in ((0, 0), (5, 5), (0, 5))])
    method = method_named(name)
    fitted = method.make(3 if method.takes_k else None, 0, method.options).fit(matrix)
    assert fitted.labels_.dtype == np.int64
    assert len(fitted.labels_) == len(matrix)
    assert fitted.cluster_centers_.shape == (fitted.n_segments_, 2)
    restored = method.from_dict(json.loads(json.dumps(fitted.to_dict())))
    assert np.array_equal(restored.predict(matrix), fitted.predict(matrix))
    # Assigning the analysed customers again with the saved model gives back their segments.
    assert np.array_equal(restored.predict(matrix), fitted.labels_)


@pytest.mark.parametrize("name", list(METHODS))
def test_the_analysed_customers_get_their_segments_back_where_the_groups_touch(name):
    """Overlapping groups, where a method's segments need not be the regions nearest to their means."""
    rng = np.random.default_rng(1)
    matrix = np.vstack([rng.normal(centre, 1.0, size=(150, 2)) for centre in ((0, 0), (2, 1), (0, 2.5))])
    method = method_named(name)
    fitted = method.make(3 if method.takes_k else None, 0, method.options).fit(matrix)
    assert np.array_equal(method.from_dict(fitted.to_dict()).predict(matrix), fitted.labels_)


@pytest.mark.parametrize("name", list(METHODS))
def test_every_method_says_what_it_is_in_plain_words(name):
    method = method_named(name)
    assert method.name == name
    assert method.title
    assert method.when_to_use.endswith(".")
    assert method.finds_unusual == (not method.takes_k)  # the density methods find the number themselves


@pytest.mark.parametrize("name", list(METHODS))
def test_progress_only_moves_forward_and_ends_full(name):
    rng = np.random.default_rng(2)
    matrix = np.vstack([rng.normal(centre, 0.3, size=(100, 2)) for centre in ((0, 0), (5, 5), (0, 5))])
    method = method_named(name)
    fractions = []
    method.make(3 if method.takes_k else None, 0, method.options).fit(
        matrix, progress=lambda fraction, message: fractions.append(fraction)
    )
    assert fractions == sorted(fractions)
    assert fractions[-1] == 1.0
