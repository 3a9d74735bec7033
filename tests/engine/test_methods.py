"""The registry of grouping methods and the interface every method keeps."""

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
    restored = method.from_dict(fitted.to_dict())
    assert np.array_equal(restored.predict(matrix), fitted.predict(matrix))
