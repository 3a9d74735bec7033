"""Ways to group customers, and the one place where they are registered.

Each method lives in its own module behind `core.methods.base` (a `Method` describing it, a
`Segmenter` fitting it); adding one means writing that module and listing it in `METHODS` below.
"""

from core.errors import SettingsError
from core.methods.base import UNUSUAL, Method, Segmenter
from core.methods.dbscan import DBSCAN
from core.methods.gmm import GMM
from core.methods.hdbscan import HDBSCAN
from core.methods.hierarchical import HIERARCHICAL
from core.methods.kmeans import KMEANS

# In the order the app offers them; the first is the default.
METHODS: dict[str, Method] = {method.name: method for method in (KMEANS, HIERARCHICAL, GMM, DBSCAN, HDBSCAN)}
DEFAULT_METHOD = KMEANS.name


def method_named(name: str) -> Method:
    """The registered method called `name` (as on the command line), or a SettingsError listing them."""
    try:
        return METHODS[name]
    except KeyError:
        known = ", ".join(METHODS)
        raise SettingsError(f"There is no grouping method called '{name}'; choose one of: {known}.") from None


__all__ = ["DEFAULT_METHOD", "METHODS", "UNUSUAL", "Method", "Segmenter", "method_named"]
