"""An order history in the app: the preview recognises it and offers to summarise it per customer, the
summary runs on the worker, the Data tab says where the table came from, and the customers flow through
Find segments, the RFM groups view and projects."""

import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog, QMessageBox

from desktop_app.import_dialog import ImportDialog
from desktop_app.main_window import MainWindow

TIMEOUT = 60_000


def cdnow_without_header(tmp_path, datasets_dir):
    lines = (datasets_dir / "CDNOW_master.txt").read_bytes().splitlines(keepends=True)
    path = tmp_path / "CDNOW_as_published.txt"
    path.write_bytes(b"".join(lines[1:]))
    return path


def test_the_preview_recognises_purchases_and_preselects_the_columns(qtbot, datasets_dir):
    dialog = ImportDialog(datasets_dir / "CDNOW_master.txt")
    qtbot.addWidget(dialog)
    assert not dialog.order_box.isHidden()
    assert dialog.order_box.isChecked()
    assert "This looks like a list of purchases" in dialog.order_label.text()
    assert dialog.customer_combo.currentData() == "customer_id"
    assert dialog.date_combo.currentData() == "date"
    assert dialog.amount_combo.currentData() == "dollar_value"
    assert dialog.quantity_combo.currentData() == "number_of_cds"
    assert dialog.price_combo.currentData() is None
    dialog.as_of_edit.setText("1998-01-01")
    request = dialog.order_request()
    assert request.columns.customer == "customer_id"
    assert request.as_of == "1998-01-01"
    dialog.order_box.setChecked(False)  # the user may still open it as it is
    assert dialog.order_request() is None


def test_a_customer_file_is_not_offered_as_purchases_unless_asked(qtbot, datasets_dir):
    dialog = ImportDialog(datasets_dir / "Mall_Customers.csv")
    qtbot.addWidget(dialog)
    assert dialog.order_box.isHidden()
    assert dialog.order_request() is None
    asked = ImportDialog(datasets_dir / "Mall_Customers.csv", summarise=True)
    qtbot.addWidget(asked)
    assert not asked.order_box.isHidden()
    asked.date_combo.setCurrentIndex(asked.date_combo.findData("Age"))
    assert asked.order_request().columns.date == "Age"


def open_orders(qtbot, window, session, path, monkeypatch, *, as_of=""):
    """File > Summarise Purchases per Customer…, then Open in the preview."""
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kwargs: (str(path), ""))
    window.open_orders_action.trigger()
    dialog = window.import_dialog
    dialog.as_of_edit.setText(as_of)
    with qtbot.waitSignal(session.analysis_ready, timeout=TIMEOUT):
        qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)


def test_cdnow_from_file_menu_to_named_segments_and_rfm_groups(
    qtbot, session, settings, tmp_path, datasets_dir, monkeypatch
):
    window = MainWindow(session, settings)
    qtbot.addWidget(window)
    window.show()
    open_orders(qtbot, window, session, cdnow_without_header(tmp_path, datasets_dir), monkeypatch)

    table = session.table
    assert len(table.frame) == 23570
    assert list(table.frame.columns[:4]) == ["Customer", "First purchase", "Last purchase", "Purchases"]
    data_tab = window.data_tab
    assert data_tab.source_label.text().startswith(
        "Built from 69,659 purchases, 1997-01-01 to 1998-06-30, as of 1998-07-01: 23,570 customers"
    )
    assert not data_tab.source_label.isHidden()
    assert set(data_tab.selected_features()) == {"Days since last purchase", "Purchases", "Average spend"}
    on_log_scale = {name for name, box in data_tab.log_boxes.items() if box.isChecked()}
    assert on_log_scale == {"Purchases", "Average spend"}

    with qtbot.waitSignals([session.sweep_finished, session.segmentation_changed], timeout=TIMEOUT):
        qtbot.mouseClick(data_tab.find_button, Qt.MouseButton.LeftButton)
    names = session.segmentation.names
    assert any("recent" in name.lower() for name in names)

    window.tabs.setCurrentWidget(window.rfm_tab)
    groups = window.rfm_tab.groups
    assert groups["Customers"].sum() == 23570
    assert groups.index[0] == "Champions"
    assert window.rfm_tab.table.rowCount() == len(groups)
    assert window.tabs.isTabVisible(window.tabs.indexOf(window.rfm_tab))

    target = tmp_path / "customers.csv"
    answer = (str(target), "CSV file (*.csv)")
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: answer)
    with qtbot.waitSignal(session.exported, timeout=TIMEOUT):
        window.export_labels_action.trigger()
    written = pd.read_csv(target, encoding="utf-8-sig", dtype={"Customer": str})
    assert {"RFM group", "Segment", "Segment name"} <= set(written.columns)
    assert written["Customer"].iloc[0] == "00001"


def test_a_project_of_summarised_purchases_reopens_as_customers(
    qtbot, session, settings, tmp_path, datasets_dir, monkeypatch
):
    window = MainWindow(session, settings)
    qtbot.addWidget(window)
    window.show()
    orders = tmp_path / "cdnow.txt"
    orders.write_bytes((datasets_dir / "CDNOW_master.txt").read_bytes())
    open_orders(qtbot, window, session, orders, monkeypatch, as_of="1998-01-01")
    assert "as of 1998-01-01" in window.data_tab.source_label.text()
    with qtbot.waitSignals([session.sweep_finished, session.segmentation_changed], timeout=TIMEOUT):
        qtbot.mouseClick(window.data_tab.find_button, Qt.MouseButton.LeftButton)
    sizes = [profile.size for profile in session.segmentation.profiles]
    project = tmp_path / "purchases.segproj"
    with qtbot.waitSignal(session.project_saved, timeout=TIMEOUT):
        session.save_project(project)

    with qtbot.waitSignal(session.project_opened, timeout=TIMEOUT):
        session.open_project(project)
    assert len(session.table.frame) == 23570
    assert "as of 1998-01-01" in window.data_tab.source_label.text()
    assert [profile.size for profile in session.segmentation.profiles] == sizes


def test_dates_that_could_be_read_either_way_are_asked_about(
    qtbot, session, settings, tmp_path, monkeypatch
):
    orders = tmp_path / "till.csv"
    orders.write_text("Customer,Date,Amount\nA,01/02/2024,5\nA,03/04/2024,6\nB,05/06/2024,7\nB,07/08/2024,8\n")
    window = MainWindow(session, settings)
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(session.dates_ambiguous, timeout=TIMEOUT):
        open_orders_without_waiting(qtbot, window, orders, monkeypatch)
    box = window.date_order_box
    assert "03/01/2024" in box.text()
    month_first = next(button for button in box.buttons() if button.text().startswith("Month first"))
    with qtbot.waitSignal(session.analysis_ready, timeout=TIMEOUT):
        month_first.click()
    last = session.table.frame.set_index("Customer")["Last purchase"]
    assert f"{last['A']:%Y-%m-%d}" == "2024-03-04"
    assert isinstance(box, QMessageBox)


def open_orders_without_waiting(qtbot, window, path, monkeypatch):
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kwargs: (str(path), ""))
    window.open_orders_action.trigger()
    qtbot.mouseClick(
        window.import_dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton
    )


def test_the_summary_reports_its_progress_on_the_worker(qtbot, session, datasets_dir):
    from core.orders import OrderColumns, OrderRequest

    messages = []
    session.progress.connect(lambda fraction, message: messages.append(message))
    columns = OrderColumns(customer="customer_id", date="date", amount="dollar_value")
    with qtbot.waitSignal(session.analysis_ready, timeout=TIMEOUT):
        session.open_file(datasets_dir / "CDNOW_master.txt", None, OrderRequest(columns))
    assert "Reading the dates" in messages
    assert session.order_request == OrderRequest(columns, "1998-07-01")  # what a project saves
    assert len(session.table.frame) == 23570
