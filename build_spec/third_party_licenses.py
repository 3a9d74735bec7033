"""Write THIRD_PARTY_LICENSES.txt: the name, version, licence and licence text of every distribution bundled.

Run by the PyInstaller spec in the build environment, with the module names the analysis collected, so the
file lists exactly what ships. The About box shows it (bundle path: resources/THIRD_PARTY_LICENSES.txt).
Usable alone too: `python build_spec/third_party_licenses.py OUT.txt` lists every distribution installed.
"""

import re
import sys
import sysconfig
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

_LICENSE_FILE_NAME = re.compile(r"(^|/)(LICEN[CS]E|COPYING|NOTICE|AUTHORS)[^/]*$", re.IGNORECASE)
# Distributions of the build machinery that the analysis may see but that are not shipped.
_BUILD_ONLY = {"pyinstaller", "pyinstaller-hooks-contrib", "altgraph", "pip", "setuptools", "segment-studio"}


def bundled_distributions(module_names: Iterable[str]) -> list[metadata.Distribution]:
    """The installed distributions that provide these (dotted) module names, sorted by name."""
    providers = metadata.packages_distributions()
    names = set()
    for module in module_names:
        names.update(providers.get(module.split(".")[0], ()))
    by_name = {}
    for name in names:
        distribution = metadata.distribution(name)
        key = distribution.metadata["Name"].lower()
        if key not in _BUILD_ONLY:
            by_name[key] = distribution
    return [by_name[key] for key in sorted(by_name)]


def license_summary(distribution: metadata.Distribution) -> str:
    """The SPDX expression, else a short License field, else the licence classifiers.

    Some projects put their whole licence text in the License field; that text is in the file anyway.
    """
    fields = distribution.metadata
    expression = fields.get("License-Expression")
    if expression:
        return expression
    text = (fields.get("License") or "").strip()
    if text and "\n" not in text and len(text) <= 60 and text.upper() != "UNKNOWN":
        return text
    classifiers = [
        c.split(" :: ")[-1] for c in fields.get_all("Classifier") or [] if c.startswith("License ::")
    ]
    return ", ".join(classifiers) or "see the licence text below"


def license_texts(distribution: metadata.Distribution) -> list[tuple[str, str]]:
    """(file name, text) of the licence files the distribution ships in its metadata."""
    texts = []
    for file in distribution.files or []:
        if _LICENSE_FILE_NAME.search(str(file)) and ".dist-info/" in str(file).replace("\\", "/"):
            path = Path(distribution.locate_file(file))
            if path.is_file():
                texts.append((file.name, path.read_text(encoding="utf-8", errors="replace")))
    return texts


def _python_license() -> str:
    candidates = [
        Path(sysconfig.get_paths()["stdlib"]) / "LICENSE.txt",
        Path(sys.base_prefix) / "LICENSE.txt",
    ]
    for path in candidates:
        if path.is_file():
            return path.read_text(encoding="utf-8", errors="replace")
    return "Python Software Foundation License Version 2: https://docs.python.org/3/license.html"


def render(distributions: list[metadata.Distribution], app_version: str) -> str:
    rule = "=" * 78
    parts = [
        f"Segment Studio {app_version} includes the following third-party software.",
        "Qt is used under the GNU Lesser General Public License v3 through PySide6; the bundle keeps the Qt",
        "libraries as separate files, which you may replace with your own build of the same Qt version.",
        "The X11/xcb helper libraries included on Linux are under the MIT/X11 licence.",
        "",
        "Summary:",
        f"  Python {sys.version.split()[0]}: PSF-2.0",
    ]
    parts += [f"  {d.metadata['Name']} {d.version}: {license_summary(d)}" for d in distributions]
    parts += ["", rule, f"Python {sys.version.split()[0]}", rule, _python_license()]
    for distribution in distributions:
        parts += ["", rule, f"{distribution.metadata['Name']} {distribution.version}", rule]
        parts.append(f"Licence: {license_summary(distribution)}")
        for file_name, text in license_texts(distribution):
            parts += [f"--- {file_name}", text.rstrip()]
    return "\n".join(parts) + "\n"


def write_license_file(path: Path, module_names: Iterable[str], app_version: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(bundled_distributions(module_names), app_version), encoding="utf-8")


if __name__ == "__main__":
    all_top_level = list(metadata.packages_distributions())
    write_license_file(Path(sys.argv[1]), all_top_level, metadata.version("segment-studio"))
