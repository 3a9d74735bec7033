"""The dashboard opened in a real browser (headless Chromium, network off): the charts are drawn, the
controls work, and the page asks for nothing from any other address."""

from pathlib import Path

import pytest

from core.colours import segment_colour
from core.dashboard import MAX_SCATTER_POINTS, write_dashboard
from core.loading import load_table
from core.pipeline import AnalysisSettings, run_analysis
from tests.browser import Browser, chromium_or_skip
from tests.corpus.make_corpus import customers

SAMPLE = Path(__file__).resolve().parents[2] / "resources" / "sample_customers.csv"
LARGE_CUSTOMERS = 100_000
SAMPLE_SIZE_LIMIT = 5_000_000
LARGE_SIZE_LIMIT = 15_000_000
# Addresses a page may load without a network: itself, and pictures written inside it.
LOCAL_SCHEMES = ("file:", "data:", "blob:")

WAIT_FOR_CHARTS = """new Promise((resolve) => {
  const check = () => (document.body.dataset.charts ? resolve(document.body.dataset.charts)
                                                    : requestAnimationFrame(check));
  check();
})"""
# For every chart: how many of its pixels are inked (not blank, not near-white), and how many are exactly
# the given colour. Bokeh draws on canvases inside shadow roots, so those are searched too.
CHART_PIXELS = """((colour) => {
  const target = [1, 3, 5].map((start) => parseInt(colour.slice(start, start + 2), 16));
  function canvases(root) {
    const found = [...root.querySelectorAll("canvas")];
    for (const element of root.querySelectorAll("*")) {
      if (element.shadowRoot) found.push(...canvases(element.shadowRoot));
    }
    return found;
  }
  const counts = {};
  for (const chart of document.querySelectorAll(".chart")) {
    let inked = 0, coloured = 0;
    for (const canvas of canvases(chart)) {
      if (!canvas.width || !canvas.height) continue;
      const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
      for (let i = 0; i < pixels.length; i += 4) {
        if (pixels[i + 3] === 0) continue;
        if (pixels[i] < 200 || pixels[i + 1] < 200 || pixels[i + 2] < 200) inked++;
        if (pixels[i] === target[0] && pixels[i + 1] === target[1] && pixels[i + 2] === target[2]) coloured++;
      }
    }
    counts[chart.id] = [inked, coloured];
  }
  return counts;
})"""
SHOWN_ROWS = """Array.from(document.querySelectorAll('#customer-table tbody tr'),
                   (row) => Array.from(row.cells, (cell) => cell.textContent))"""


def choose(browser: Browser, element_id: str, value: str) -> None:
    """Pick an option of a <select> (or type into an input) as a user does: the page hears the event."""
    event = "input" if element_id == "customer-search" else "change"
    browser.run(
        f"(() => {{ const e = document.getElementById({element_id!r}); e.value = {value!r};"
        f" e.dispatchEvent(new Event({event!r})); }})()"
    )


@pytest.fixture(scope="module")
def chromium() -> str:
    return chromium_or_skip()


@pytest.fixture(scope="module")
def sample_dashboard(tmp_path_factory):
    table = load_table(SAMPLE)
    result = run_analysis(table, AnalysisSettings())
    names = [f"Group {profile.number} as named by the user" for profile in result.segmentation.profiles]
    path = tmp_path_factory.mktemp("dashboard") / "sample_dashboard.html"
    write_dashboard(path, table, result, names=names)
    return path, result, names


@pytest.fixture
def opened(chromium, sample_dashboard):
    path, result, names = sample_dashboard
    with Browser(chromium) as browser:
        browser.open(path)
        assert browser.run(WAIT_FOR_CHARTS) == "ready"
        yield browser, result, names


def test_the_sample_dashboard_is_small_enough_to_mail(sample_dashboard):
    path, _, _ = sample_dashboard
    assert path.stat().st_size <= SAMPLE_SIZE_LIMIT


def test_every_chart_is_drawn_in_the_segment_colours_and_nothing_is_fetched(opened):
    browser, result, _ = opened
    profiles = result.segmentation.profiles
    pixels = browser.run(f"{CHART_PIXELS}({segment_colour(0)!r})")
    assert set(pixels) == {"scatter", "elbow", *(f"bars-{profile.number}" for profile in profiles)}
    for chart, (inked, _) in pixels.items():
        assert inked > 500, f"the chart {chart} looks empty"
    for profile in profiles:
        colour = segment_colour(profile.number - 1)
        coloured = browser.run(f"{CHART_PIXELS}({colour!r})")[f"bars-{profile.number}"][1]
        assert coloured > 100, f"segment {profile.number}'s bars are not in its colour {colour}"
    urls = browser.requested_urls()
    assert urls, "the browser recorded no request at all: the check would prove nothing"
    assert [url for url in urls if not url.startswith(LOCAL_SCHEMES)] == []


def test_the_headline_and_cards_carry_the_users_segment_names(opened):
    browser, result, names = opened
    text = browser.run("document.body.innerText")
    assert "sample_customers.csv" in text
    assert "k-means" in text
    for profile, name in zip(result.segmentation.profiles, names, strict=True):
        assert f"Segment {profile.number}: {name}" in text
        assert f"{profile.size:,} customers" in text


def test_the_customer_table_filters_by_segment_searches_and_pages(opened):
    browser, result, names = opened
    profiles = result.segmentation.profiles
    assert browser.run("document.getElementById('customer-status').textContent").startswith(
        "Customers 1–25 of 300"
    )
    choose(browser, "customer-segment", "1")  # the second segment, as listed
    rows = browser.run(SHOWN_ROWS)
    assert rows
    assert {row[0] for row in rows} == {f"2. {names[1]}"}
    status = browser.run("document.getElementById('customer-status').textContent")
    assert f"of {profiles[1].size}" in status
    choose(browser, "customer-segment", "all")
    customer_number = browser.run(SHOWN_ROWS)[3][1]  # the fourth row's customer number
    choose(browser, "customer-search", customer_number)
    found = browser.run(SHOWN_ROWS)
    assert customer_number in [row[1] for row in found]
    assert all(any(customer_number in cell for cell in row) for row in found)
    choose(browser, "customer-search", "")
    browser.run("document.getElementById('page-next').click()")
    assert browser.run("document.getElementById('customer-status').textContent").startswith(
        "Customers 26–50 of 300"
    )


def test_a_segment_is_hidden_on_the_map_and_the_map_shows_two_columns(opened):
    browser, result, _ = opened
    model = "Bokeh.documents.map((d) => d.get_model_by_name({name!r})).find(Boolean)"
    browser.run("document.querySelector('.toggles input[data-segment=\"1\"]').click()")
    assert browser.run(model.format(name="segment-1") + ".visible") is False
    assert browser.run(model.format(name="segment-2") + ".visible") is True
    choose(browser, "map-view", "columns")
    first = result.settings.features[0]
    assert first in browser.run(model.format(name="scatter-x-axis") + ".axis_label")
    xs = browser.run("Array.from(" + model.format(name="segment-2") + ".data_source.data.x)")
    # Every customer is on the map of the sample: segment 2's dots sit at its customers' values.
    in_second = load_table(SAMPLE).frame[first][result.segmentation.labels == 1]
    assert sorted(xs) == sorted(in_second.tolist())


# Controls a keyboard reaches without a name a screen reader can say, and charts without a text alternative.
UNNAMED = """(() => {
  const unnamed = [];
  for (const control of document.querySelectorAll("select, input, button, [tabindex]")) {
    const named = control.labels?.length || control.getAttribute("aria-label") || control.textContent.trim();
    if (!named) unnamed.push(control.outerHTML.slice(0, 80));
  }
  for (const chart of document.querySelectorAll(".chart")) {
    if (!chart.getAttribute("aria-label")) unnamed.push("chart " + chart.id);
  }
  return unnamed;
})()"""


def test_every_control_and_chart_has_a_name_for_screen_readers(opened):
    browser, _, _ = opened
    assert browser.run("document.querySelectorAll('select, input, button').length") > 10
    assert browser.run(UNNAMED) == []


# Where the first customer of segment 2 is on the screen, and their customer number (the file's first column).
FIRST_OF_SEGMENT_2 = """(() => {
  const plot = Object.values(Bokeh.index).find((view) => view.model.x_range?.name === "scatter-x");
  const renderer = plot.model.renderers.find((renderer) => renderer.name === "segment-2");
  const data = renderer.data_source.data;
  const canvas = plot.canvas_view.el.getBoundingClientRect();
  return {x: canvas.left + plot.frame.x_scale.compute(data.x[0]),
          y: canvas.top + plot.frame.y_scale.compute(data.y[0]), customer: data.c0[0]};
})()"""
# The texts of the tooltips on screen, once there are some or after 60 frames (Bokeh shows them a frame or
# more after the pointer moves).
SHOWN_TOOLTIPS = """new Promise((resolve) => {
  function all(root) {
    const found = [...root.querySelectorAll("*")];
    for (const element of [...found]) if (element.shadowRoot) found.push(...all(element.shadowRoot));
    return found;
  }
  const text = (tip) => [...(tip.shadowRoot || tip).children].filter((child) => child.tagName !== "STYLE")
                                                             .map((child) => child.innerText).join(" ");
  let frames = 60;
  const check = () => {
    const shown = all(document).filter((element) => element.classList.contains("bk-Tooltip")
                                                    && element.checkVisibility());
    if (shown.length || --frames === 0) resolve(shown.map(text));
    else requestAnimationFrame(check);
  };
  check();
})"""


def test_pointing_at_a_customer_on_the_map_shows_their_row(opened):
    browser, result, names = opened
    browser.run("document.getElementById('scatter').scrollIntoView()")
    assert browser.run(SHOWN_TOOLTIPS) == []
    point = browser.run(FIRST_OF_SEGMENT_2)
    browser.call("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": point["x"], "y": point["y"]},
                 session=True)
    tooltips = browser.run(SHOWN_TOOLTIPS)
    assert len(tooltips) == 1
    frame = load_table(SAMPLE).frame
    row = frame[frame["CustomerID"] == point["customer"]].iloc[0]
    assert result.segmentation.labels[row.name] == 1  # the customer is in segment 2
    assert f"Segment:\t2. {names[1]}" in tooltips[0]
    for column in ("CustomerID", "Gender", "Age"):
        assert f"{column}:\t{row[column]}" in tooltips[0]


def test_the_profile_table_sorts_by_a_column_and_back(opened):
    browser, _, _ = opened
    click = "document.querySelector('#profile-table th:nth-child(3) button').click()"  # Customers
    sizes = (
        "Array.from(document.querySelectorAll('#profile-table tbody tr'),"
        " (row) => Number(row.cells[2].dataset.value))"
    )
    order = "document.querySelector('#profile-table th:nth-child(3)').getAttribute('aria-sort')"
    browser.run(click)
    ascending = browser.run(sizes)
    assert ascending == sorted(ascending)
    assert browser.run(order) == "ascending"
    browser.run(click)
    assert browser.run(sizes) == sorted(ascending, reverse=True)
    assert browser.run(order) == "descending"


@pytest.mark.slow
def test_a_dashboard_of_100000_customers_opens_offline_and_stays_small(chromium, tmp_path):
    source = tmp_path / "customers.csv"
    customers(LARGE_CUSTOMERS).to_csv(source, index=False)
    table = load_table(source)
    result = run_analysis(table, AnalysisSettings(k=4, k_min=1, k_max=6))
    path = write_dashboard(tmp_path / "dashboard.html", table, result)
    assert path.stat().st_size <= LARGE_SIZE_LIMIT
    with Browser(chromium) as browser:
        browser.open(path)
        assert browser.run(WAIT_FOR_CHARTS) == "ready"
        assert MAX_SCATTER_POINTS < LARGE_CUSTOMERS
        assert f"{MAX_SCATTER_POINTS:,} of the {LARGE_CUSTOMERS:,}" in browser.run(
            "document.getElementById('map-sample').textContent"
        )
        drawn = browser.run(
            "Bokeh.documents.flatMap((d) => [...d.all_models]).filter((m) => (m.name || '')"
            ".startsWith('segment-')).reduce((sum, r) => sum + r.data_source.data.x.length, 0)"
        )
        assert drawn == MAX_SCATTER_POINTS
        assert browser.run("document.getElementById('customer-status').textContent").endswith(
            f"of {LARGE_CUSTOMERS:,} · page 1 of {LARGE_CUSTOMERS // 25:,}"
        )
        assert [url for url in browser.requested_urls() if not url.startswith(LOCAL_SCHEMES)] == []
