"""The Segments tab: a card per segment, renaming, the profile table and the export buttons."""

import dataclasses

import pytest
from matplotlib.colors import to_hex

from desktop_app.palette import segment_colour
from desktop_app.segments_tab import SegmentsTab
from tests.gui.test_clusters_tab import NAMES, make_analysis


@pytest.fixture
def hidden_tab(qtbot):
    widget = SegmentsTab()
    qtbot.addWidget(widget)
    widget.resize(900, 700)
    return widget


@pytest.fixture
def tab(qtbot, hidden_tab):
    """On screen: the cards' charts are drawn only while visible."""
    hidden_tab.show()
    qtbot.waitExposed(hidden_tab)
    return hidden_tab


def wait_for_charts(qtbot, tab):
    qtbot.waitUntil(lambda: all(card.plot.figure.axes for card in tab.cards))


@pytest.fixture
def segmentation():
    return make_analysis()[2]


def test_one_card_per_segment_with_size_and_description(tab, segmentation):
    tab.show_segmentation(segmentation)
    assert [card.name_edit.text() for card in tab.cards] == list(NAMES)
    assert "40 customers" in tab.cards[0].size_label.text()
    assert "44.4 %" in tab.cards[0].size_label.text()
    assert tab.cards[2].description_label.text() == "Customers of segment 3."


def test_standing_bars_in_the_segment_colour(tab, segmentation, qtbot):
    tab.show_segmentation(segmentation)
    wait_for_charts(qtbot, tab)
    for index, card in enumerate(tab.cards):
        bars = card.plot.figure.axes[0].patches
        assert [bar.get_width() for bar in bars] == pytest.approx(
            [segmentation.profiles[index].standing[c] - 50 for c in ("Income", "Spending")]
        )
        assert to_hex(bars[0].get_facecolor()) == segment_colour(index).lower()


def test_a_hidden_tab_makes_and_draws_the_cards_when_shown(hidden_tab, segmentation, qtbot):
    hidden_tab.show_segmentation(segmentation)
    assert hidden_tab.cards == [], "nothing is made while hidden"
    assert hidden_tab.export_labels_button.isEnabled()
    hidden_tab.show()
    qtbot.waitExposed(hidden_tab)
    assert len(hidden_tab.cards) == 3
    assert hidden_tab.profile_model.rowCount() == 4  # the three segments and all customers
    wait_for_charts(qtbot, hidden_tab)
    bars = hidden_tab.cards[0].plot.figure.axes[0].patches
    assert [bar.get_width() for bar in bars] == pytest.approx(
        [segmentation.profiles[0].standing[c] - 50 for c in ("Income", "Spending")]
    )


def test_renaming_emits_number_and_name(tab, segmentation, qtbot):
    tab.show_segmentation(segmentation)
    edit = tab.cards[1].name_edit
    edit.setText("  Bargain hunters ")
    with qtbot.waitSignal(tab.segment_renamed) as blocker:
        edit.editingFinished.emit()
    assert blocker.args == [2, "Bargain hunters"]


def test_empty_or_unchanged_name_is_not_a_rename(tab, segmentation, qtbot):
    tab.show_segmentation(segmentation)
    edit = tab.cards[0].name_edit
    with qtbot.assertNotEmitted(tab.segment_renamed):
        edit.editingFinished.emit()
        edit.setText("   ")
        edit.editingFinished.emit()
    assert edit.text() == NAMES[0]


def test_profile_table_has_a_row_per_segment_and_all_customers(tab, segmentation):
    tab.show_segmentation(segmentation)
    model = tab.profile_model
    names_column = list(model.frame.columns).index("Name")
    names = [model.index(row, names_column).data() for row in range(model.rowCount())]
    assert names == [*NAMES, "All customers"]


def test_export_buttons_emit_and_wait_for_segments(tab, segmentation, qtbot):
    assert not tab.export_labels_button.isEnabled()
    tab.show_segmentation(segmentation)
    with qtbot.waitSignal(tab.export_labels_requested):
        tab.export_labels_button.click()
    with qtbot.waitSignal(tab.export_profiles_requested):
        tab.export_profiles_button.click()


def test_showing_again_replaces_the_cards_and_clear_empties(tab, segmentation):
    tab.show_segmentation(segmentation)
    tab.show_segmentation(segmentation)
    assert len(tab.cards) == 3
    tab.clear()
    assert tab.cards == []
    assert tab.profile_model.rowCount() == 0


def test_renamed_segmentation_updates_cards_in_place(tab, segmentation):
    tab.show_segmentation(segmentation)
    card = tab.cards[0]
    renamed = dataclasses.replace(
        segmentation,
        profiles=(dataclasses.replace(segmentation.profiles[0], name="VIP"), *segmentation.profiles[1:]),
    )
    tab.show_segmentation(renamed)
    assert tab.cards[0] is card, "the card being edited stays"
    assert card.name_edit.text() == "VIP"
    names_column = list(tab.profile_model.frame.columns).index("Name")
    assert tab.profile_model.index(0, names_column).data() == "VIP"


def test_rejected_rename_puts_the_name_back(tab, segmentation, qtbot):
    tab.show_segmentation(segmentation)
    edit = tab.cards[1].name_edit
    edit.setText(NAMES[0])  # the session refuses duplicate names and shows the segmentation again
    with qtbot.waitSignal(tab.segment_renamed):
        edit.editingFinished.emit()
    tab.show_segmentation(segmentation)
    assert edit.text() == NAMES[1]


@pytest.fixture(scope="module")
def marketing_segments(datasets_dir):
    from core.loading import load_table
    from core.pipeline import AnalysisSettings, run_analysis

    table = load_table(datasets_dir / "marketing_campaign.csv")
    return run_analysis(table, AnalysisSettings(k=6)).segmentation


def test_each_card_charts_the_columns_that_set_its_segment_apart_on_a_scale_that_fits(
    tab, marketing_segments, qtbot
):
    from core.profiling import column_label

    tab.show_segmentation(marketing_segments)
    wait_for_charts(qtbot, tab)
    charted = []
    for card, profile in zip(tab.cards, marketing_segments.profiles, strict=True):
        axes = card.plot.figure.axes[0]
        labels = [tick.get_text() for tick in axes.get_yticklabels()]
        charted.append(tuple(labels))
        assert labels == [column_label(c).capitalize() for c in profile.standouts]
        assert "MntWines" not in labels, "readable labels, not the file's codes"
        # The segment's name comes from columns its own chart shows.
        assert any(label.lower() in profile.name.lower() for label in labels)
        low, high = axes.get_xlim()
        for bar in axes.patches:
            assert low <= bar.get_x() <= high
            assert low <= bar.get_x() + bar.get_width() <= high
            assert abs(bar.get_width()) >= 5, "every bar shown is big enough to see"
    assert len(set(charted)) == len(charted), "each segment has its own columns"


def test_the_column_labels_dialog_offers_every_column_with_its_suggested_label(qtbot):
    from desktop_app.column_labels_dialog import ColumnLabelsDialog

    dialog = ColumnLabelsDialog(["MntWines", "Income"], {"Income": "Household income"})
    qtbot.addWidget(dialog)
    assert dialog.edits["MntWines"].placeholderText() == "Spending on wines"
    assert dialog.edits["Income"].text() == "Household income"
    dialog.edits["MntWines"].setText("  Wine spending ")
    dialog.edits["Income"].clear()
    assert dialog.labels() == {"MntWines": "Wine spending"}


def test_charts_use_the_labels_the_user_gave(tab, marketing_segments, qtbot, datasets_dir):
    from core.loading import load_table
    from core.pipeline import relabel_columns

    table = load_table(datasets_dir / "marketing_campaign.csv")
    features = tuple(marketing_segments.centroids.columns)
    labels = {column: f"My {column}" for column in marketing_segments.overall.means}
    relabelled = relabel_columns(table.frame, marketing_segments, features, labels, table.report.columns)
    tab.show_segmentation(relabelled)
    wait_for_charts(qtbot, tab)
    ticks = [tick.get_text() for tick in tab.cards[0].plot.figure.axes[0].get_yticklabels()]
    assert ticks
    assert all(tick.startswith("My ") for tick in ticks)
    assert "my " in tab.cards[0].name_edit.text().lower()
