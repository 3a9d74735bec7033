"""The RFM groups view: the same customers as the segments, grouped by the classic recency-frequency grid.

Shown only for customers summarised from an order history. The table of groups (sizes, spend, share of
revenue) is computed by the core on the session's quiet worker (`AnalysisSession.rfm_groups_ready`); this
tab only shows it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QHeaderView, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

if TYPE_CHECKING:
    import pandas as pd

COLUMNS = (
    ("Customers", "{:,.0f}"),
    ("Share of customers", "{:.0%}"),
    ("Average purchases", "{:,.1f}"),
    ("Average days since last purchase", "{:,.0f}"),
    ("Total spend", "{:,.2f}"),
    ("Share of revenue", "{:.0%}"),
)
# Shown when the customers carry the lifetime-value columns (core.clv.rfm_group_table_with_value).
VALUE_COLUMNS = (
    ("Predicted value per customer", "{:,.2f}"),
    ("Share of predicted value (%)", "{:.0f}%"),
    ("Share still active (%)", "{:.0f}%"),
)
EXPLANATION = (
    "<b>RFM groups</b> — a classic alternative to the segments: each customer gets a recency (R) and a "
    "frequency (F) score from 1 to 5 by fifths of all customers, and the pair names the group (R=5, F=4-5: "
    "Champions; R=1, F=1: Lost; the whole grid is in the README and the report). The Data tab's table and "
    "the exports carry each customer's scores and group."
)


class RfmTab(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.groups: pd.DataFrame | None = None
        explanation = QLabel(EXPLANATION)
        explanation.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS) + 1)
        self.table.setHorizontalHeaderLabels(["RFM group", *(name for name, _ in COLUMNS)])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        layout = QVBoxLayout(self)
        layout.addWidget(explanation)
        layout.addWidget(self.table, stretch=1)

    def set_groups(self, groups: pd.DataFrame | None) -> None:
        """One row per RFM group, best first (`core.rfm.group_summary`, with the predicted value when
        the customers have it); None empties the view."""
        from core.rfm import GROUP_MEANINGS

        self.groups = groups
        self.table.setRowCount(0 if groups is None else len(groups))
        if groups is None:
            return
        shown = [*COLUMNS, *(column for column in VALUE_COLUMNS if column[0] in groups.columns)]
        self.table.setColumnCount(len(shown) + 1)
        self.table.setHorizontalHeaderLabels(["RFM group", *(name for name, _ in shown)])
        for row, (group, values) in enumerate(groups.iterrows()):
            name = QTableWidgetItem(str(group))
            name.setToolTip(GROUP_MEANINGS[str(group)])
            self.table.setItem(row, 0, name)
            for column, (field, text_format) in enumerate(shown, start=1):
                value = values[field]
                item = QTableWidgetItem("" if value != value else text_format.format(value))  # NaN: blank
                self.table.setItem(row, column, item)
