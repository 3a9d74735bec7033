"""Help > About: the version, what the app is, and the licences of the libraries it ships with."""

from importlib import metadata

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from desktop_app.app import APPLICATION_NAME, resource_path

# Generated into frozen builds by build_spec/third_party_licenses.py; a source install has the same
# texts in each library's own installed metadata.
LICENCES_FILE = "THIRD_PARTY_LICENSES.txt"
MAIN_LIBRARIES = ("PySide6-Essentials", "pandas", "numpy", "scikit-learn", "scipy", "matplotlib", "openpyxl")


def library_licences() -> str:
    """The bundled licence file when there is one, else name, version and licence of the main libraries."""
    bundled = resource_path(LICENCES_FILE)
    if bundled.is_file():
        return bundled.read_text(encoding="utf-8", errors="replace")
    lines = []
    for name in MAIN_LIBRARIES:
        try:
            info = metadata.metadata(name)
        except metadata.PackageNotFoundError:
            continue
        licence = info.get("License-Expression") or info.get("License") or "see the package"
        lines.append(f"{name} {info['Version']}: {licence.splitlines()[0] if licence else 'see the package'}")
    return "\n".join(lines)


class AboutDialog(QDialog):
    def __init__(self, version: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"About {APPLICATION_NAME}")
        layout = QVBoxLayout(self)
        self.summary = QLabel(
            f"<h3>{APPLICATION_NAME} {version}</h3>"
            "<p>Customer segmentation with k-means, for people who are not data scientists. "
            "Everything runs on your computer; nothing is sent anywhere.</p>"
            "<p>Segment Studio is released under the MIT licence. It is built on these libraries, "
            "each under its own licence:</p>"
        )
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.licences = QPlainTextEdit(library_licences())
        self.licences.setReadOnly(True)
        layout.addWidget(self.licences)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(640, 420)
