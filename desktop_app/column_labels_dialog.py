"""Column labels: the user gives a column a name of their own once ("MntWines" -> "Wine spending"), and
segment names, card charts, descriptions, the profile export and the report use it (saved in the
project). Each row shows the label the app would use otherwise, as a grey hint."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.profiling import column_label

COLUMN, LABEL = range(2)


class ColumnLabelsDialog(QDialog):
    """`labels()` gives the labels typed (empty ones left out) once the dialog is accepted."""

    def __init__(self, columns: list[str], labels: dict[str, str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Column labels")
        explanation = QLabel(
            "Give columns names that mean something to you. Segment names, charts, descriptions, the "
            "profile export and the report use them. Leave a label empty to use the suggestion shown in grey."
        )
        explanation.setWordWrap(True)
        self.table = QTableWidget(len(columns), 2)
        self.table.setHorizontalHeaderLabels(["Column in your file", "Label"])
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(COLUMN, QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(LABEL, QHeaderView.ResizeMode.Stretch)
        self.edits: dict[str, QLineEdit] = {}
        for row, column in enumerate(columns):
            name = QTableWidgetItem(column)
            name.setFlags(name.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.table.setItem(row, COLUMN, name)
            edit = QLineEdit(labels.get(column, ""))
            suggestion = column_label(column)
            edit.setPlaceholderText(suggestion[:1].upper() + suggestion[1:])
            edit.setAccessibleName(f"Label for {column}")
            self.table.setCellWidget(row, LABEL, edit)
            self.edits[column] = edit
        choices = QDialogButtonBox.StandardButton
        buttons = QDialogButtonBox(choices.Ok | choices.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(explanation)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(560, 480)

    def labels(self) -> dict[str, str]:
        return {column: edit.text().strip() for column, edit in self.edits.items() if edit.text().strip()}
