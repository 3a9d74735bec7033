"""Segment Studio's engine: loading, preparation, choosing k, k-means, profiling and export.

Pure Python over pandas, NumPy and scikit-learn. Nothing here imports Qt or the desktop app
(tests/test_architecture.py enforces it), so the GUI, the command line and the tests share one engine.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("segment-studio")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
