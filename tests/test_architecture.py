"""The core stays a plain-Python engine: no Qt, no GUI package, no interactive matplotlib; and no module
of ours uses a library's private names, which can change in any release."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORE = ROOT / "core"
OUR_FOLDERS = ("core", "desktop_app", "benchmarks", "build_spec")
OUR_MODULES = sorted(path for folder in OUR_FOLDERS for path in (ROOT / folder).rglob("*.py"))
LIBRARIES = ("sklearn", "scipy", "numpy", "pandas", "matplotlib", "PySide6", "threadpoolctl", "openpyxl",
             "bokeh")
FORBIDDEN = ("PySide6", "shiboken6", "desktop_app", "matplotlib.pyplot", "matplotlib.backends")
# Writing a multi-page PDF report needs matplotlib's PDF writer: a file format, not a screen backend.
ALLOWED = ("matplotlib.backends.backend_pdf",)


def imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # Full names: `from matplotlib.backends import backend_qtagg` loads that backend module.
            names.extend(f"{node.module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("path", sorted(CORE.rglob("*.py")), ids=lambda p: p.relative_to(CORE).as_posix())
def test_core_module_imports_no_gui(path):
    offending = [
        name
        for name in imported_modules(path)
        if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN) and name not in ALLOWED
    ]
    assert not offending, f"{path.name} imports {offending}; core/ must stay free of Qt and the GUI"


def test_checker_sees_forbidden_imports_anywhere_in_a_module(tmp_path):
    sample = tmp_path / "bad.py"
    sample.write_text(
        "import os\nfrom PySide6.QtCore import QObject\n"
        "def draw():\n    from matplotlib.backends import backend_qtagg\n",
        encoding="utf-8",
    )
    modules = imported_modules(sample)
    assert "PySide6.QtCore.QObject" in modules
    assert "matplotlib.backends.backend_qtagg" in modules


def private_names(name: str) -> list[str]:
    """The parts of a dotted library name that are private (start with one underscore)."""
    return [part for part in name.split(".") if part.startswith("_") and not part.startswith("__")]


@pytest.mark.parametrize("path", OUR_MODULES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_module_imports_a_private_library_name(path):
    offending = [
        name
        for name in imported_modules(path)
        if name.split(".")[0] in LIBRARIES and private_names(name)
    ]
    assert not offending, f"{path.name} imports {offending}: use the library's public API"


def test_private_names_are_told_apart_from_public_ones():
    name = "sklearn.cluster._kmeans._kmeans_single_lloyd"
    assert private_names(name) == ["_kmeans", "_kmeans_single_lloyd"]
    assert private_names("sklearn.utils._openmp_helpers") == ["_openmp_helpers"]
    assert private_names("sklearn.cluster.KMeans") == []
    assert private_names("numpy.__version__") == []
