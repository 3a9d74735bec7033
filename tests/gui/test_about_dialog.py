"""Help > About names the version and the licences of the libraries the app is built on."""

from desktop_app import about_dialog
from desktop_app.about_dialog import AboutDialog, library_licences


def test_about_lists_version_and_main_library_licences(qtbot):
    dialog = AboutDialog("1.2.3")
    qtbot.addWidget(dialog)
    text = dialog.licences.toPlainText()
    for library in ("pandas", "scikit-learn", "matplotlib", "PySide6-Essentials"):
        assert library in text
    assert "Segment Studio 1.2.3" in dialog.summary.text()


def test_a_bundled_licence_file_is_shown_whole(tmp_path, monkeypatch):
    text = "numpy 2.4\nBSD-3-Clause\n<full text>\n"
    (tmp_path / about_dialog.LICENCES_FILE).write_text(text, encoding="utf-8")
    monkeypatch.setattr(about_dialog, "resource_path", lambda name: tmp_path / name)
    assert library_licences() == text
