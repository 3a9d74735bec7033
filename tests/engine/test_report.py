"""The PDF report and the Excel workbook: the pages and sheets a manager opens outside the app."""

import dataclasses
import math
import re
from importlib.resources import files

import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgba
from matplotlib.text import Text

from core.colours import segment_colour
from core.errors import OperationCancelled, SettingsError
from core.loading import LoadedTable, load_table
from core.pipeline import AnalysisResult, AnalysisSettings, run_analysis
from core.profiling import SegmentProfile
from core.report import (
    CLUSTER_TITLE,
    DATA_CHECK_TITLE,
    ELBOW_TITLE,
    REPORT_TITLE,
    SEGMENTS_TITLE,
    SMALL_PT,
    build_report_pages,
    suggested_action,
    write_report,
)
from core.workbook import SUMMARY_SHEET, sheet_names, write_workbook

SAMPLE = str(files("resources") / "sample_customers.csv")
PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")
# What the app's charts set in matplotlib's (global) settings on the GUI thread in a dark Qt theme.
DARK_CHART_THEME = {
    "text.color": "#eeeeee",
    "axes.labelcolor": "#eeeeee",
    "xtick.color": "#eeeeee",
    "ytick.color": "#eeeeee",
    "axes.edgecolor": "#808080",
    "axes.facecolor": "#202020",
    "figure.facecolor": "#303030",
    "savefig.facecolor": "#303030",
    "legend.facecolor": "#202020",
    "legend.edgecolor": "#808080",
}


@pytest.fixture(scope="module")
def analysed():
    table = load_table(SAMPLE)
    return table, run_analysis(table, AnalysisSettings(k_min=1, k_max=6))


@pytest.fixture(scope="module")
def pages(analysed):
    table, result = analysed
    built = build_report_pages(table, result)
    yield built
    for figure in built:
        figure.clear()


def test_pages_are_the_sections_in_order_with_the_segments_two_to_a_page(analysed, pages):
    _, result = analysed
    titles = [figure.get_suptitle() for figure in pages]
    segment_pages = math.ceil(result.segmentation.k / 2)
    sections = [REPORT_TITLE, DATA_CHECK_TITLE, ELBOW_TITLE, CLUSTER_TITLE]
    assert titles == [*sections, *[SEGMENTS_TITLE] * segment_pages]
    segment_text = " ".join(t.get_text() for figure in pages[4:] for t in figure.findobj(Text))
    for profile in result.segmentation.profiles:
        assert f"Segment {profile.number}: {profile.name}" in segment_text


def test_every_page_is_a4_portrait_numbered_and_readable(pages):
    for number, figure in enumerate(pages, start=1):
        width, height = figure.get_size_inches()
        assert (round(width, 2), round(height, 2)) == (8.27, 11.69)
        texts = [text for text in figure.findobj(Text) if text.get_visible() and text.get_text().strip()]
        assert f"Page {number} of {len(pages)}" in {text.get_text() for text in texts}
        too_small = [text.get_text() for text in texts if text.get_fontsize() < SMALL_PT]
        assert not too_small, f"page {number} has text under {SMALL_PT} pt: {too_small[:3]}"


def test_the_summary_and_method_pages_name_the_file_counts_and_settings(pages):
    summary = " ".join(t.get_text() for t in pages[0].findobj(Text))
    assert "sample_customers.csv" in summary
    assert "of the 300 customers" in summary
    method = " ".join(t.get_text() for t in pages[1].findobj(Text))
    assert "Customers in the file: 300" in method
    assert "Scaling: standard" in method
    assert "Random seed: 42" in method


def test_segment_pages_use_the_app_colours_and_say_what_to_do(analysed, pages):
    _, result = analysed
    overall = result.segmentation.overall
    for number, profile in enumerate(result.segmentation.profiles):
        (page,) = [
            figure for figure in pages[4:]
            if any(t.get_text() == f"Segment {profile.number}: {profile.name}" for t in figure.findobj(Text))
        ]
        colour = to_rgba(segment_colour(number))
        assert any(patch.get_facecolor() == colour for axes in page.axes for patch in axes.patches)
        text = " ".join(t.get_text() for t in page.findobj(Text))
        assert suggested_action(profile, overall) in text
        assert f"{profile.size:,} customers" in text


def test_user_names_replace_the_suggested_ones(analysed):
    table, result = analysed
    names = [f"Group {chr(65 + i)}" for i in range(result.segmentation.k)]
    built = build_report_pages(table, result, names=names)
    text = " ".join(t.get_text() for figure in built for t in figure.findobj(Text))
    for number, name in enumerate(names, start=1):
        assert f"Segment {number}: {name}" in text
        assert f"{number}. {name}:" in text  # in the summary's list of segments


def test_written_report_is_a_pdf_with_one_page_per_figure(analysed, pages, tmp_path):
    table, result = analysed
    target = tmp_path / "report.pdf"
    fractions = []
    write_report(target, table, result, progress=lambda fraction, _: fractions.append(fraction))
    data = target.read_bytes()
    assert data.startswith(b"%PDF")
    assert data.rstrip().endswith(b"%%EOF")
    assert len(PAGE_OBJECT.findall(data)) == len(pages)
    assert fractions == sorted(fractions)
    assert fractions[-1] == 1.0


def test_cancelled_report_leaves_no_file(analysed, tmp_path):
    table, result = analysed
    target = tmp_path / "report.pdf"
    with pytest.raises(OperationCancelled):
        write_report(target, table, result, cancel=lambda: True)
    assert list(tmp_path.iterdir()) == []


def test_report_never_overwrites_the_customer_file(analysed, tmp_path):
    table, result = analysed
    with pytest.raises(SettingsError, match="customer file"):
        write_report(table.report.path, table, result)


def profile_with(difference: dict[str, float]) -> SegmentProfile:
    """A profile high (+), low (-) or about average (near 0) on each column."""
    return SegmentProfile(
        number=1, name="A", size=10, share=0.1, centroid={}, means={}, medians={}, difference=difference,
        level={column: int(np.sign(value)) if abs(value) >= 0.5 else 0
               for column, value in difference.items()},
        standouts=tuple(sorted(difference, key=lambda column: -abs(difference[column]))),
    )


@pytest.mark.parametrize(
    ("difference", "expected"),
    [
        ({"Spending Score (1-100)": 1.2, "Annual Income (k$)": 1.0}, "premium"),
        ({"Spending Score (1-100)": 1.2, "Annual Income (k$)": -1.1}, "value bundles"),
        ({"Spending Score (1-100)": -1.2, "Annual Income (k$)": 1.1}, "upsell"),
        ({"Spending Score (1-100)": -1.2, "Annual Income (k$)": -1.1}, "discounts"),
        ({"Spending Score (1-100)": 0.1, "Annual Income (k$)": -0.2}, "newsletter"),
        ({"MntWines": 1.5, "Recency": 1.2}, "miss you"),
        ({"Fresh": 1.4, "Milk": -0.1}, "higher fresh than the typical customer"),
        ({"MntWines": 1.3, "Income": 1.2}, "premium"),
        ({"NumWebPurchases": -1.3, "Income": -1.2}, "discounts"),
        ({"PURCHASES": -1.3, "BALANCE": 0.2}, "next-purchase discount"),
    ],
)
def test_suggested_action_follows_what_sets_the_segment_apart(difference, expected):
    assert expected in suggested_action(profile_with(difference))


def test_suggested_action_adds_the_channel_for_older_and_younger_customers():
    assert "social media" in suggested_action(profile_with({"Spending": 1.0, "Age": -1.0}))
    assert "e-mail and print" in suggested_action(profile_with({"Spending": 1.0, "Age": 1.0}))
    assert "e-mail" not in suggested_action(profile_with({"Spending": 1.0, "Percentage": 1.0}))


def test_workbook_has_a_summary_and_one_sheet_of_customers_per_segment(analysed, tmp_path):
    table, result = analysed
    segmentation = result.segmentation
    frame = table.frame.copy()
    frame["Note"] = '=HYPERLINK("http://example.com")'
    target = write_workbook(tmp_path / "segments.xlsx", frame, segmentation)
    sheets = pd.read_excel(target, sheet_name=None)
    assert list(sheets) == [SUMMARY_SHEET, *sheet_names(list(segmentation.names))]
    summary = sheets[SUMMARY_SHEET]
    assert summary["Customers"].tolist()[:-1] == [p.size for p in segmentation.profiles]
    for number, name in enumerate(list(sheets)[1:]):
        customers = sheets[name]
        assert len(customers) == segmentation.profiles[number].size
        assert (customers["Segment"] == number + 1).all()
        assert customers["Note"].str.startswith("'=").all()


def test_workbook_puts_left_out_customers_on_their_own_sheet(tmp_path):
    frame = pd.read_csv(SAMPLE)
    frame.loc[[3, 7], "Age"] = np.nan
    table = LoadedTable(frame, load_table(SAMPLE).report)  # the sample with two gaps
    result = run_analysis(table, AnalysisSettings(k=3, k_max=3))
    sheets = pd.read_excel(write_workbook(tmp_path / "w.xlsx", frame, result.segmentation), sheet_name=None)
    assert len(sheets["Left out (missing values)"]) == 2


def test_sheet_names_are_excel_safe_and_distinct():
    names = sheet_names(["Summary", "summary", "A/B: [x]?*", "x" * 40, "x" * 40, "'quoted'", "History"])
    assert all(len(name) <= 31 for name in names)
    assert not any(set(name) & set("[]:*?/\\") for name in names)
    assert len({name.casefold() for name in names}) == len(names)
    assert names[0] == "Summary"
    assert names[2] == "A-B- -x---"
    assert not names[5].startswith("'")
    assert names[6].casefold() != "history"


def test_workbook_needs_an_xlsx_name(analysed, tmp_path):
    table, result = analysed
    with pytest.raises(SettingsError, match=r"\.xlsx"):
        write_workbook(tmp_path / "segments.csv", table.frame, result.segmentation)


def test_title_page_says_whether_k_was_suggested_or_chosen(analysed, pages):
    table, _ = analysed
    assert "as suggested" in " ".join(t.get_text() for t in pages[0].findobj(Text))  # the summary
    chosen = run_analysis(table, AnalysisSettings(k=2, k_min=3, k_max=4))
    title_page = build_report_pages(table, chosen)[0]
    assert "2 segments, chosen by the user" in " ".join(t.get_text() for t in title_page.findobj(Text))


def test_pages_keep_their_colours_while_the_app_themes_its_charts(analysed, tmp_path):
    """The app applies its chart theme to matplotlib's global settings on the GUI thread while a report is
    drawn on a worker: no page may take it (light text on white paper, or dark paper)."""
    table, result = analysed
    theme_text = to_rgba(DARK_CHART_THEME["text.color"])
    white = to_rgba("white")
    with mpl.rc_context({**DARK_CHART_THEME, "pdf.compression": 0}):
        built = build_report_pages(table, result)
        for figure in built:
            FigureCanvasAgg(figure).draw()  # the ticks are made when a page is drawn
        written = write_report(tmp_path / "report.pdf", table, result).read_bytes()
    try:
        for figure in built:
            assert to_rgba(figure.get_facecolor()) == white
            texts = [text for text in figure.findobj(Text) if text.get_visible() and text.get_text()]
            assert texts
            assert all(to_rgba(text.get_color()) != theme_text for text in texts)
            for axes in figure.axes:
                assert not axes.patch.get_visible() or to_rgba(axes.get_facecolor()) == white  # twins: none
                ticks = axes.xaxis.get_ticklines() + axes.yaxis.get_ticklines()
                assert all(to_rgba(tick.get_color()) != theme_text for tick in ticks)
                assert all(to_rgba(spine.get_edgecolor()) != theme_text for spine in axes.spines.values())
        # The page's background fill in the PDF's drawing commands: the theme's #303030 is "0.188... g".
        assert not re.search(rb"\b0\.18823\d* g\b", written)
    finally:
        for figure in built:
            figure.clear()


def test_workbook_summary_has_number_formats_shares_as_percent_and_years_without_separator(
    datasets_dir, tmp_path
):
    from openpyxl import load_workbook

    table = load_table(datasets_dir / "marketing_campaign.csv")
    result = run_analysis(table, AnalysisSettings(k=3, k_min=2, k_max=3))
    target = write_workbook(tmp_path / "segments.xlsx", table.frame, result.segmentation)
    sheet = load_workbook(target)[SUMMARY_SHEET]
    headers = {cell.value: cell.column for cell in sheet[1]}

    def format_of(column):
        return sheet.cell(row=2, column=headers[column]).number_format

    assert format_of("Share") == "0.0%"
    assert format_of("Customers") == "#,##0"
    assert format_of("Year_Birth") == "0"
    assert format_of("Income") == "#,##0.00"
    assert format_of("Education: Graduation %") == '0.0" %"'


@pytest.fixture(scope="module")
def long_names_report(datasets_dir):
    """CC GENERAL (17 columns used) in 8 segments whose names are far too long for a line."""
    from core.pipeline import fit_segmentation, prepare_table

    table = load_table(datasets_dir / "CC GENERAL.csv")
    settings = AnalysisSettings(k=8)
    prepared = prepare_table(table, settings)
    settings = dataclasses.replace(settings, features=prepared.preprocessor.settings.features)
    result = AnalysisResult(settings, prepared, None, fit_segmentation(table.frame, prepared, 8))
    names = [
        f"Segment {number} with an extraordinarily long name about cash advances, one-off purchases, "
        f"installments and the PURCHASES_INSTALLMENTS_FREQUENCY column"
        for number in range(1, 9)
    ]
    built = build_report_pages(table, result, names=names)
    yield result, built
    for figure in built:
        figure.clear()


def test_every_text_fits_its_page_with_long_names_and_many_columns(long_names_report):
    _, built = long_names_report
    for number, figure in enumerate(built, start=1):
        canvas = FigureCanvasAgg(figure)
        canvas.draw()  # axis titles and tick labels take their places when the page is drawn
        renderer = canvas.get_renderer()
        page = figure.bbox
        undrawn = set()  # labels of ticks outside an axis' range: kept, but not drawn
        for axes in figure.axes:
            for axis in (axes.xaxis, axes.yaxis):
                low, high = sorted(axis.get_view_interval())
                for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                    if not low - 1e-9 <= tick.get_loc() <= high + 1e-9:
                        undrawn.update({id(tick.label1), id(tick.label2)})
        for text in figure.findobj(Text):
            if not text.get_visible() or not text.get_text().strip() or id(text) in undrawn:
                continue
            box = text.get_window_extent(renderer)
            assert box.x0 >= page.x0 - 0.5, f"page {number}: {text.get_text()[:60]!r} starts left of the page"
            assert box.x1 <= page.x1 + 0.5, f"page {number}: {text.get_text()[:60]!r} runs off the right edge"
            assert box.y0 >= page.y0 - 0.5, f"page {number}: {text.get_text()[:60]!r} runs off the bottom"
            assert box.y1 <= page.y1 + 0.5, f"page {number}: {text.get_text()[:60]!r} runs off the top"


def test_a_one_page_summary_compares_all_segments_and_segment_pages_hold_two_each(long_names_report):
    result, built = long_names_report
    summary = " ".join(text.get_text() for text in built[0].findobj(Text))
    assert "All segments side by side" in summary
    for profile in result.segmentation.profiles:
        assert f"{profile.size:,} customers" in summary
    assert "Balance" in summary  # readable labels as the table's rows
    assert "Credit limit" in summary
    # The summary, how the segments were made, the elbow and cluster pages, then two segments a page.
    assert len(built) <= 4 + 4
    assert not any("(continued)" in figure.get_suptitle() for figure in built[:1])


def test_years_print_as_years_not_thousands(datasets_dir):
    table = load_table(datasets_dir / "marketing_campaign.csv")
    result = run_analysis(table, AnalysisSettings(k=3, k_min=2, k_max=3))
    built = build_report_pages(table, result)
    text = " ".join(t.get_text() for figure in built for t in figure.findobj(Text))
    assert "1,9" not in text  # Year_Birth 1965 was printed as "1,965"
    assert "Year of birth" in text
