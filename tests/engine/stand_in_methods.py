"""Test customers in three known groups with a few far from all of them, and a stand-in density method
(the pipeline's contract for methods that leave customers in no group), shared by the tests of the
methods through the pipeline and the command line."""

import numpy as np
import pandas as pd

from core.methods import UNUSUAL, Method, method_named

FEATURES = ("Income", "Spending", "Region")
# Three groups of 100 customers, and six customers far from all of them.
GROUP_CENTRES = ((20.0, 80.0), (80.0, 80.0), (50.0, 15.0))
FAR_AWAY = ((160.0, -60.0), (-70.0, 170.0), (170.0, 170.0), (-60.0, -60.0), (160.0, 60.0), (-80.0, 60.0))


class FarFromCentres:
    """A stand-in density method for the pipeline's contract: k-means centres, and customers farther
    than `radius` from every centre left in no group (UNUSUAL), in fitting and in predicting alike."""

    def __init__(self, radius: float = 2.0, seed: int = 0) -> None:
        self.radius, self.seed = radius, seed

    def fit(self, matrix, *, progress=None, cancel=None):
        fitted = method_named("kmeans").make(3, self.seed, {}).fit(matrix, progress=progress, cancel=cancel)
        self.cluster_centers_ = fitted.cluster_centers_
        self.n_segments_ = 3
        self.labels_ = self.predict(matrix)
        self.inertia_ = 0.0
        self.notes_ = ()
        return self

    def predict(self, matrix):
        distances = np.linalg.norm(matrix[:, None, :] - self.cluster_centers_[None, :, :], axis=2)
        labels = distances.argmin(axis=1)
        return np.where(distances.min(axis=1) > self.radius, UNUSUAL, labels).astype(np.int64)

    def to_dict(self):
        return {"centres": self.cluster_centers_.tolist(), "radius": self.radius}

    @classmethod
    def from_dict(cls, data):
        segmenter = cls(data["radius"])
        segmenter.cluster_centers_ = np.asarray(data["centres"])
        segmenter.n_segments_ = len(segmenter.cluster_centers_)
        return segmenter


FAR_FROM_CENTRES = Method(
    name="far-from-centres",
    title="Far from centres",
    when_to_use="Only in tests.",
    takes_k=False,
    has_centres=False,
    make=lambda k, seed, options: FarFromCentres(options["radius"], seed),
    from_dict=FarFromCentres.from_dict,
    options={"radius": 2.0},
    finds_unusual=True,
)


def customers_csv(path) -> str:
    """Write the test customers (one with a missing Income) as CSV at `path`; the far ones come last."""
    rng = np.random.default_rng(3)
    points = np.vstack(
        [rng.normal(centre, 6.0, size=(100, 2)) for centre in GROUP_CENTRES] + [np.array(FAR_AWAY)]
    )
    frame = pd.DataFrame({
        "CustomerID": np.arange(1, len(points) + 1),
        "Income": points[:, 0].round(1),
        "Spending": points[:, 1].round(1),
        "Region": rng.choice(["North", "South"], size=len(points)),
        "Age": rng.integers(18, 80, size=len(points)),
    })
    frame.loc[7, "Income"] = np.nan  # one customer left out for a missing value
    frame.to_csv(path, index=False)
    return str(path)
