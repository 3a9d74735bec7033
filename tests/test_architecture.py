"""The core stays a plain-Python engine: no Qt, no GUI package, no interactive matplotlib."""

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[1] / "core"
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
