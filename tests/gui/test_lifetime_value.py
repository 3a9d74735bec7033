"""Lifetime value in the app: after an order history is summarised the worker adds the four columns, the
Lifetime value tab shows the forecast and, when asked, its holdout check, the Segments and RFM groups tabs
show each group's predicted value, another horizon is estimated on the worker (with Cancel), and what
cannot be fitted is said in plain words."""

import numpy as np
import pandas as pd
from PySide6.QtCore import QDate, Qt

from core.clv import lifetime_value_columns
from core.errors import OperationCancelled
from desktop_app.main_window import MainWindow
from tests.gui.test_orders_flow import TIMEOUT, open_orders


def test_cdnow_lifetime_value_in_every_tab(qtbot, session, settings, datasets_dir, monkeypatch):
    window = MainWindow(session, settings)
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(session.lifetime_value_ready, timeout=TIMEOUT,
                          check_params_cb=lambda lifetime: lifetime is not None):
        open_orders(qtbot, window, session, datasets_dir / "CDNOW_master.txt", monkeypatch)
    qtbot.waitUntil(lambda: not session.is_busy, timeout=TIMEOUT)

    frame = session.table.frame
    assert list(frame.columns[-4:]) == lifetime_value_columns(52)
    assert np.isfinite(frame[lifetime_value_columns(52)].to_numpy()).all()
    assert window.data_tab.model.columnCount() == len(frame.columns)  # the Data tab shows them
    tab = window.lifetime_tab
    assert window.tabs.isTabVisible(window.tabs.indexOf(tab))
    assert tab.sentence_label.text().startswith("Lifetime value over the next 52 weeks: ")
    assert session.lifetime.holdout is None  # checked when asked: on a big shop's history it takes a while
    assert tab.holdout_label.text().startswith("Press Check the forecast")
    # The default split is two thirds into the history (1997-01-01 to 1998-06-30).
    assert tab.split_edit.date() == QDate(1997, 12, 30)
    with qtbot.waitSignal(session.lifetime_value_ready, timeout=TIMEOUT):
        qtbot.mouseClick(tab.check_button, Qt.MouseButton.LeftButton)
    check = session.lifetime.holdout
    assert check.split == pd.Timestamp("1997-12-30")
    assert tab.holdout_label.text() == check.sentence
    assert tab.holdout_label.text().startswith("Over the 26 weeks after the split the model expected ")
    window.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: len(tab.plot.figure.axes) == 2, timeout=TIMEOUT)
    weekly = tab.plot.figure.axes[0].get_lines()
    assert weekly[0].get_ydata()[-1] == check.actual_purchases

    window.tabs.setCurrentWidget(window.rfm_tab)
    qtbot.waitUntil(lambda: window.rfm_tab.groups is not None, timeout=TIMEOUT)
    rfm_table = window.rfm_tab.table
    headers = [rfm_table.horizontalHeaderItem(column).text() for column in range(rfm_table.columnCount())]
    assert headers[-3:] == ["Predicted value per customer", "Share of predicted value (%)",
                            "Share still active (%)"]
    assert abs(window.rfm_tab.groups["Share of predicted value (%)"].sum() - 100) < 1e-6

    with qtbot.waitSignal(session.segmentation_changed, timeout=TIMEOUT):
        qtbot.mouseClick(window.data_tab.find_button, Qt.MouseButton.LeftButton)
    window.tabs.setCurrentWidget(window.segments_tab)
    cards = window.segments_tab.cards
    assert cards
    for card in cards:
        assert not card.value_label.isHidden()
        assert f"Segment {card.profile.number} holds " in card.value_label.text()
        assert "still active" in card.value_label.text()
    shown = window.segments_tab.profile_model.frame  # the profile table has the shares too
    assert abs(shown["Share of predicted value (%)"].iloc[:-1].sum() - 100) < 0.1


def test_another_horizon_and_split_are_estimated_on_the_worker(
    qtbot, session, settings, datasets_dir, monkeypatch
):
    window = MainWindow(session, settings)
    qtbot.addWidget(window)
    window.show()
    open_orders(qtbot, window, session, datasets_dir / "CDNOW_master.txt", monkeypatch)
    qtbot.waitUntil(lambda: not session.is_busy and session.lifetime is not None, timeout=TIMEOUT)
    with qtbot.waitSignal(session.segmentation_changed, timeout=TIMEOUT):
        qtbot.mouseClick(window.data_tab.find_button, Qt.MouseButton.LeftButton)

    tab = window.lifetime_tab
    window.tabs.setCurrentWidget(tab)
    # Checking the forecast leaves the table and the segments as they are.
    tab.split_edit.setDate(QDate(1997, 9, 30))
    table_before_check = session.table
    with qtbot.waitSignal(session.lifetime_value_ready, timeout=TIMEOUT):
        qtbot.mouseClick(tab.check_button, Qt.MouseButton.LeftButton)
    assert tab.holdout_label.text() == (
        "Over the 39 weeks after the split the model expected 16,874 purchases; customers made 19,684."
    )
    assert session.table is table_before_check
    assert session.segmentation is not None

    tab.weeks_box.setValue(26)
    with qtbot.waitSignal(session.lifetime_value_ready, timeout=TIMEOUT):
        qtbot.mouseClick(tab.estimate_button, Qt.MouseButton.LeftButton)
    frame = session.table.frame
    assert list(frame.columns[-4:]) == lifetime_value_columns(26)
    assert "Predicted value (next 52 weeks)" not in frame.columns
    assert tab.sentence_label.text().startswith("Lifetime value over the next 26 weeks: ")
    assert tab.holdout_label.text().startswith("Over the 39 weeks after the split")  # the check stays
    # The segments described the old forecast: they are found again.
    assert session.segmentation is None
    assert not window.segments_tab.cards
    assert window.data_tab.model.columnCount() == len(frame.columns)

    # Cancel while the models are fitted keeps what was there.
    import core.clv

    def fit_until_cancelled(*args, cancel, **kwargs):
        while not cancel():
            pass
        raise OperationCancelled

    monkeypatch.setattr(core.clv, "lifetime_value_of_orders", fit_until_cancelled)
    before = session.table
    with qtbot.waitSignal(session.cancelled, timeout=TIMEOUT):
        tab.weeks_box.setValue(13)
        qtbot.mouseClick(tab.estimate_button, Qt.MouseButton.LeftButton)
        session.cancel()
    assert session.table is before
    assert session.lifetime_weeks == 26


def test_customers_who_all_bought_once_get_one_sentence(qtbot, session, settings, tmp_path, monkeypatch):
    orders = tmp_path / "orders.csv"
    # Two lines each, on the same day: one purchase per customer.
    pd.DataFrame({
        "Customer": np.repeat([f"C{number}" for number in range(300)], 2),
        "Date": np.repeat(pd.date_range("2024-01-01", periods=300, freq="D").strftime("%Y-%m-%d"), 2),
        "Amount": np.linspace(5, 50, 600).round(2),
    }).to_csv(orders, index=False)
    window = MainWindow(session, settings)
    qtbot.addWidget(window)
    window.show()
    open_orders(qtbot, window, session, orders, monkeypatch)
    qtbot.waitUntil(lambda: not session.is_busy and session.lifetime is not None, timeout=TIMEOUT)
    assert "Predicted value (next 52 weeks)" not in session.table.frame.columns
    tab = window.lifetime_tab
    assert window.tabs.isTabVisible(window.tabs.indexOf(tab))
    assert tab.sentence_label.text().startswith("Every customer bought only once")
    assert "Recency, frequency and spend groups still work." in tab.sentence_label.text()
    with qtbot.waitSignal(session.lifetime_value_ready, timeout=TIMEOUT):
        qtbot.mouseClick(tab.check_button, Qt.MouseButton.LeftButton)
    assert tab.holdout_label.text().startswith("Every customer bought only once")
    qtbot.waitUntil(lambda: window.tabs.isTabVisible(window.tabs.indexOf(window.rfm_tab)), timeout=TIMEOUT)
    assert window.rfm_tab.groups["Customers"].sum() == 300  # RFM still works, without value columns
    assert "Share still active (%)" not in window.rfm_tab.groups.columns
