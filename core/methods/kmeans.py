"""k-means (the default): round groups of similar size around a centre each (core.clustering)."""

from collections.abc import Mapping
from typing import Any

import numpy as np

from core.clustering import KMeansSegmenter, sweep_k
from core.errors import SettingsError
from core.methods.base import Method


def _make(k: int | None, seed: int, options: Mapping[str, Any]) -> KMeansSegmenter:
    if k is None:
        raise SettingsError("k-means needs a number of segments.")
    return KMeansSegmenter(k, seed=seed)


def _from_dict(data: Mapping[str, Any]) -> KMeansSegmenter:
    return KMeansSegmenter.from_centres(np.asarray(data["centres"], dtype=np.float64))


def _assign_saved(saved: Mapping[str, Any], matrix: np.ndarray) -> KMeansSegmenter:
    return _from_dict(saved).assign(matrix)


KMEANS = Method(
    name="kmeans",
    title="k-means",
    when_to_use=(
        "The usual choice: groups of customers of about the same spread around a typical customer each; "
        "quick on any number of customers."
    ),
    takes_k=True,
    has_centres=True,
    make=_make,
    from_dict=_from_dict,
    sweep=sweep_k,
    assign_saved=_assign_saved,
)
