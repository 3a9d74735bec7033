"""The import preview shows what was detected and lets the user correct it before loading."""

from PySide6.QtWidgets import QDialogButtonBox

from desktop_app.import_dialog import ImportDialog


def semicolon_file(tmp_path):
    path = tmp_path / "kunden.csv"
    rows = ["Kunde;Alter;Umsatz"] + [f"{n};{20 + n};{n},5" for n in range(1, 31)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_detected_delimiter_and_decimal_are_shown_with_a_preview(qtbot, tmp_path):
    dialog = ImportDialog(semicolon_file(tmp_path))
    qtbot.addWidget(dialog)
    assert dialog.delimiter_combo.currentData() == ";"
    assert dialog.decimal_combo.currentData() == ","
    assert dialog.header_box.isChecked()
    assert dialog.model.columnCount() == 3
    assert dialog.model.rowCount() == 30
    assert dialog.model.data(dialog.model.index(0, 2)) == "1.5"
    assert "Umsatz: numeric" in dialog.detected_label.text()
    options = dialog.options()
    assert (options.delimiter, options.decimal) == (";", ",")


def test_changing_the_delimiter_updates_preview_and_options(qtbot, tmp_path):
    dialog = ImportDialog(semicolon_file(tmp_path))
    qtbot.addWidget(dialog)
    dialog.delimiter_combo.setCurrentIndex(dialog.delimiter_combo.findData("|"))
    assert dialog.model.columnCount() == 1  # nothing split: the user sees the choice is wrong
    assert dialog.options().delimiter == "|"
    dialog.header_box.setChecked(False)
    assert dialog.model.rowCount() == 31
    assert dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()


def test_an_unreadable_file_explains_the_problem_and_cannot_be_opened(qtbot, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    dialog = ImportDialog(path)
    qtbot.addWidget(dialog)
    assert dialog.problem_label.text()
    assert "empty.csv" in dialog.problem_label.text()
    assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()


def test_a_column_alike_in_the_preview_rows_is_not_called_constant(qtbot, datasets_dir):
    dialog = ImportDialog(datasets_dir / "marketing_campaign.csv")
    qtbot.addWidget(dialog)
    text = dialog.detected_label.text()
    assert "judged from the first 200 rows" in text
    assert "AcceptedCmp2: constant" not in text  # 30 customers accepted it, none in the first 200
    assert "AcceptedCmp2: same value in the first 200 rows" in text
