"""The dashboard: the analysis as one interactive web page that opens offline in any current browser.

`write_dashboard` writes a single .html file with everything inside it: the charting library's script
(Bokeh's BokehJS, inlined from the installed package), our own style sheet and script (dashboard.css and
dashboard.js beside this module) and the data. Opening it makes no request to any other address, so it
works without a server, an account or a network, and can be mailed to someone without Segment Studio.

What the page shows, top to bottom: the headline (customers, segments, method, date, data file); one
card per segment (name, size, share, description, the bars of how it differs from the average as on the
app's cards (core/segment_chart.py), a suggested action, the predicted value when the table has the
lifetime-value columns (core/clv.py) and any notes the caller adds, such as stability); the elbow chart
with the suggestion and its reason; the customers on a map coloured by segment (the overview of
core/exploration.py or any two columns used; pointing shows a customer's row, the legend and check boxes
hide segments, zoom); the profile table, sortable; and the customers with their segment, filtered by
segment, searched and shown a page at a time.

Big files: the map shows a stratified sample of at most MAX_SCATTER_POINTS customers (every segment
keeps a share, core.exploration.sample_rows) and says how many of how many; the customer table holds
every customer, with numbers to DECIMALS decimal places.

Charts are Bokeh models serialised with `bokeh.embed.json_item` and placed by our script, which then
wires the page's own controls (plain HTML: keyboard-usable, labelled, printable) to them. Every chart has
a text alternative next to it (a list or a table of the same numbers).
"""

import base64
import dataclasses
import gzip
import html
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from core.colours import segment_colour, segment_number_colour
from core.exploration import is_numeric_column, project_2d, sample_rows
from core.export import atomic_write
from core.loading import LoadedTable
from core.methods import Method, method_named
from core.pipeline import AnalysisResult, rename_segments
from core.profiling import SegmentProfile, column_label, profile_table
from core.progress import CancelCheck, ProgressCallback, raise_if_cancelled, report
from core.segment_chart import AXIS_TITLE, TICKS, standout_data
from core.stability import SegmentStability

# The map shows at most this many customers (a stratified sample, the same every time).
MAX_SCATTER_POINTS = 5000
SAMPLE_SEED = 0
# Pointing at a customer on the map shows this many columns of their row (as the app's Clusters tab).
MAX_HOVER_COLUMNS = 8
# What a sweep over the number of segments may have measured, by the score's attribute: its name on the
# chart, its axis title, how to read it and how its numbers are written. The first one a sweep holds is the
# dark line on the left axis; the silhouette, when there, the dashed line on the right.
_FIT_MEASURES = {
    "wcss": ("WCSS", "WCSS (lower = tighter)", "how tightly customers sit around their segment's centre: "
             "lower is tighter, and it always falls as segments are added, so the point where it stops "
             "falling steeply (the elbow) is a good choice", "{:,.1f}"),
    # The Gaussian mixture's sweep (core.methods.gmm, with the methods-pipeline branch).
    "bic": ("BIC", "BIC (lower = better fit)", "how well the segments describe the customers, with a "
            "penalty for each segment added: lower is better, so the lowest point is a good choice",
            "{:,.1f}"),
}
_SEPARATION = ("silhouette", ("Silhouette", "Silhouette (higher = clearer)",
                              "how clearly the segments are separated: higher is clearer", "{:.3f}"))


def _sweep_measures(sweep) -> list[tuple[str, tuple[str, str, str, str], dict[int, float]]]:
    """The measures `sweep` holds, each with its values by number of segments: the fit first."""
    found = []
    for attribute, described in [*_FIT_MEASURES.items(), _SEPARATION]:
        values = {
            score.k: float(value)
            for score in sweep.scores
            if (value := getattr(score, attribute, None)) is not None
        }
        if values and (attribute == _SEPARATION[0] or not found):
            found.append((attribute, described, values))
    return found


# Decimals of the numbers in the customer table: more than any amount a shop records, not a float's noise.
DECIMALS = 10
CUSTOMERS_PER_PAGE = 25
LEFT_OUT_TEXT = "Not segmented (missing values)"
TITLE = "Customer segments"
TEXT_CLASS = ' class="text"'  # a table cell of words: left-aligned, unlike numbers
_INK = "#1a1a1a"
_GRID = "#d0d0d0"


@dataclass(frozen=True)
class _Segment:
    """A segment as the page shows it: the profile, its colour, and the lines under its chart."""

    profile: SegmentProfile
    colour: str
    notes: tuple[str, ...]


def write_dashboard(
    path: str | Path,
    table: LoadedTable,
    result: AnalysisResult,
    *,
    names: Sequence[str] | None = None,
    created: datetime | None = None,
    stability: Sequence[SegmentStability] | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
) -> Path:
    """Write the dashboard of `result` atomically (never onto the customer file); returns the path.

    `names` replaces the segment names (the user's edits); `stability` (one per segment, in the order of
    the profiles, core.stability) adds how stable each segment is to its card, as the report does."""
    text = build_dashboard(
        table, result, names=names, created=created, stability=stability, progress=progress, cancel=cancel
    )
    written = atomic_write(
        path, lambda temporary: temporary.write_text(text, encoding="utf-8"), protected=table.report.path
    )
    report(progress, 1.0, f"Wrote the dashboard {written.name}")
    return written


def build_dashboard(
    table: LoadedTable,
    result: AnalysisResult,
    *,
    names: Sequence[str] | None = None,
    created: datetime | None = None,
    stability: Sequence[SegmentStability] | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
) -> str:
    """The dashboard's HTML text (see `write_dashboard`)."""
    from core.clv import segment_value_lines
    from core.report import suggested_action

    if names is not None:
        result = dataclasses.replace(result, segmentation=rename_segments(result.segmentation, names))
    created = created or datetime.now()
    segmentation = result.segmentation
    how_sure = {} if stability is None else {
        profile.number: f"How sure: {segment.explanation}."
        for profile, segment in zip(segmentation.profiles, stability, strict=True)
    }
    values = segment_value_lines(table.frame, segmentation.labels, segmentation.numbers) or {}
    segments = [
        _Segment(
            profile,
            _colour(profile),
            (
                f"Suggested action: {suggested_action(profile, segmentation.overall)}",
                *([values[profile.number]] if profile.number in values else []),
                *([how_sure[profile.number]] if profile.number in how_sure else []),
            ),
        )
        for profile in segmentation.profiles
    ]
    steps = [
        ("Drawing the segment charts", lambda: {f"bars-{s.profile.number}": _bars_chart(s, result)
                                                for s in segments}),
        ("Drawing the elbow chart", lambda: {"elbow": _elbow_chart(result)} if result.sweep else {}),
        ("Drawing the map of customers", lambda: _scatter(table, result, segments)),
        ("Preparing the customer table", lambda: _customer_data(table, result)),
    ]
    made = []
    for done, (message, step) in enumerate(steps):
        raise_if_cancelled(cancel)
        report(progress, 0.9 * done / len(steps), message)
        made.append(step())
    bars, elbow, (scatter_item, scatter_facts), customers = made
    raise_if_cancelled(cancel)
    report(progress, 0.9, "Writing the page")
    data = {
        "charts": {**bars, **elbow, "scatter": scatter_item},
        "scatter": scatter_facts,
        "customers": customers,
        "segments": [
            {"number": s.profile.number, "name": s.profile.name, "colour": s.colour} for s in segments
        ],
        "leftOut": LEFT_OUT_TEXT,
        "perPage": CUSTOMERS_PER_PAGE,
    }
    return _page(table, result, segments, created, data, scatter_facts)


def _colour(profile: SegmentProfile) -> str:
    """As in the app: segment 1 the first colour; 0, the unusual customers, grey."""
    return segment_number_colour(profile.number)


def _method(result: AnalysisResult) -> Method:
    """The grouping method that made `result`."""
    return method_named(result.settings.method)


# --- charts (Bokeh models, placed by dashboard.js) -------------------------------------------------


def _json_item(model) -> dict:
    from bokeh.embed import json_item

    return json_item(model)


def _plain_figure(**options):
    from bokeh.plotting import figure

    chart = figure(sizing_mode="stretch_width", **{"toolbar_location": None, **options})
    chart.toolbar.logo = None
    chart.background_fill_color = "white"
    chart.border_fill_color = "white"
    chart.outline_line_color = None
    for axis in (*chart.xaxis, *chart.yaxis):
        axis.major_label_text_color = _INK
        axis.axis_label_text_color = _INK
        axis.major_label_text_font_size = "13px"
        axis.axis_label_text_font_size = "13px"
        axis.axis_label_text_font_style = "normal"
    chart.grid.grid_line_color = _GRID
    return chart


def _bars_chart(segment: _Segment, result: AnalysisResult) -> dict:
    """The bars of core.segment_chart, as on the app's cards: rank among all customers, 0 to 100."""
    from bokeh.models import ColumnDataSource, FixedTicker, LabelSet, Span

    bars = standout_data(segment.profile, result.segmentation.overall)
    labels = [bar.label for bar in bars][::-1]  # the most telling column at the top
    source = ColumnDataSource(
        {
            "label": labels,
            "standing": [bar.standing for bar in bars][::-1],
            "figure": [bar.figure for bar in bars][::-1],
            # The comparison sits on the other side of the middle line, which the bar leaves empty.
            "text_x": [48.5 if bar.standing >= 50 else 51.5 for bar in bars][::-1],
            "align": ["right" if bar.standing >= 50 else "left" for bar in bars][::-1],
        }
    )
    chart = _plain_figure(
        y_range=labels or [""], x_range=(0, 100), height=34 * max(len(bars), 1) + 50, x_axis_label=AXIS_TITLE
    )
    chart.hbar(y="label", left=50, right="standing", height=0.6, color=segment.colour, source=source)
    chart.add_layout(Span(location=50, dimension="height", line_color=_INK, line_width=1))
    chart.add_layout(
        LabelSet(
            x="text_x", y="label", text="figure", text_align="align", text_baseline="middle",
            text_font_size="12px", text_color=_INK, source=source,
        )
    )
    chart.xaxis.ticker = FixedTicker(ticks=[tick for tick, _ in TICKS])
    chart.xaxis.major_label_overrides = {tick: text for tick, text in TICKS}
    chart.ygrid.grid_line_color = None
    chart.min_border_left = 10
    return _json_item(chart)


def _elbow_chart(result: AnalysisResult) -> dict:
    from bokeh.models import ColumnDataSource, HoverTool, Label, LinearAxis, Range1d, Span

    sweep = result.sweep
    (_, (name, title, _, _), fit), *separation = _sweep_measures(sweep)
    chart = _plain_figure(height=320, x_axis_label="Number of segments", y_axis_label=title)
    source = ColumnDataSource({"k": list(fit), "value": list(fit.values())})
    renderers = [chart.line("k", "value", source=source, color="#333333", line_width=2, legend_label=name)]
    chart.scatter("k", "value", source=source, color="#333333", size=8, legend_label=name)
    chart.xaxis.ticker = [score.k for score in sweep.scores]
    for _, (name, title, _, _), values in separation:
        low, high = min(values.values()), max(values.values())
        pad = (high - low) * 0.1 or 0.05
        chart.extra_y_ranges = {"separation": Range1d(low - pad, high + pad)}
        chart.add_layout(
            LinearAxis(
                y_range_name="separation", axis_label=title,
                axis_label_text_color=_INK, major_label_text_color=_INK, axis_label_text_font_style="normal",
                axis_label_text_font_size="13px", major_label_text_font_size="13px",
            ),
            "right",
        )
        source = ColumnDataSource({"k": list(values), "value": list(values.values())})
        renderers.append(
            chart.line(
                "k", "value", source=source, y_range_name="separation", color="#767676",
                line_dash="dashed", line_width=2, legend_label=name,
            )
        )
        chart.scatter(
            "k", "value", source=source, y_range_name="separation", marker="square", color="#767676",
            size=8, legend_label=name,
        )
    suggested = segment_colour(0)
    chart.add_layout(Span(location=sweep.suggested_k, dimension="height", line_color=suggested, line_width=2))
    chart.add_layout(
        Label(
            x=sweep.suggested_k, y=8, y_units="screen", x_offset=6, text=f"suggested: {sweep.suggested_k}",
            text_color=suggested, text_font_size="13px",
        )
    )
    tooltips = [("Segments", "@k"), ("Value", "@value{0,0.[000]}")]
    chart.add_tools(HoverTool(renderers=renderers, tooltips=tooltips))
    # Above the chart: inside it, the legend would cover one of the lines somewhere.
    chart.add_layout(chart.legend[0], "above")
    chart.legend.orientation = "horizontal"
    chart.legend.location = "top_left"
    chart.legend.label_text_color = _INK
    chart.legend.label_text_font_size = "13px"
    return _json_item(chart)


def _scatter(table: LoadedTable, result: AnalysisResult, segments: Sequence[_Segment]) -> tuple[dict, dict]:
    """The map of customers (a sample when there are many) and the facts the page's controls need:
    the views (the overview and the columns used), their axis titles and ranges, the counts."""
    from bokeh.models import ColumnDataSource, HoverTool, Legend, LegendItem, Range1d

    prepared, segmentation = result.prepared, result.segmentation
    frame = table.frame
    labels = segmentation.labels[prepared.row_positions]
    shown = sample_rows(len(labels), MAX_SCATTER_POINTS, labels, seed=SAMPLE_SEED)
    rows = prepared.row_positions[shown]
    projection = project_2d(prepared.matrix, prepared.feature_names, rows=shown)
    given = segmentation.overall.column_labels
    columns = [
        name for name in (result.settings.features or ()) if name in frame and is_numeric_column(frame[name])
    ]
    views = {"pc1": projection.axis_labels[0], "pc2": projection.axis_labels[1]}
    data: dict[str, np.ndarray] = {"pc1": projection.coords[:, 0], "pc2": projection.coords[:, 1]}
    for position, name in enumerate(columns):
        key = f"f{position}"
        data[key] = frame[name].to_numpy(dtype="float64", na_value=np.nan)[rows]
        views[key] = _capitalised(column_label(name, given)) + (f" ({name})" if name in given else "")
    ranges = {key: _padded_range(values) for key, values in data.items()}
    hover_columns = list(frame.columns[:MAX_HOVER_COLUMNS])
    tooltips = [("Segment", "@segment")]
    for position, name in enumerate(hover_columns):
        key = f"c{position}"
        values = frame[name].iloc[rows]
        if is_numeric_column(values):
            data[key] = values.to_numpy(dtype="float64", na_value=np.nan)
            tooltips.append((str(name), f"@{{{key}}}{{0,0.[00]}}"))
        else:
            data[key] = np.asarray(values.astype("string").fillna("").to_numpy(), dtype=object)
            tooltips.append((str(name), f"@{{{key}}}"))

    chart = _plain_figure(
        height=480, x_axis_label=views["pc1"], y_axis_label=views["pc2"],
        x_range=Range1d(*ranges["pc1"], name="scatter-x"), y_range=Range1d(*ranges["pc2"], name="scatter-y"),
        tools="pan,box_zoom,wheel_zoom,reset,save", toolbar_location="above",
    )
    chart.toolbar.logo = None
    chart.xaxis.name = "scatter-x-axis"
    chart.yaxis.name = "scatter-y-axis"
    items, renderers = [], []
    for position, segment in enumerate(segments):
        chosen = labels[shown] == position
        source = ColumnDataSource(
            {
                "x": data["pc1"][chosen],
                "y": data["pc2"][chosen],
                **{key: values[chosen] for key, values in data.items()},
                "segment": [f"{segment.profile.number}. {segment.profile.name}"] * int(chosen.sum()),
            }
        )
        renderer = chart.scatter(
            "x", "y", source=source, size=6, fill_alpha=0.65, line_alpha=0, color=segment.colour,
            name=f"segment-{segment.profile.number}",
        )
        renderers.append(renderer)
        label = f"{segment.profile.number}. {segment.profile.name}"
        items.append(LegendItem(label=label, renderers=[renderer]))
    legend = Legend(
        items=items, click_policy="hide", name="scatter-legend", label_text_color=_INK,
        label_text_font_size="13px",
        title="Click to hide", title_text_font_size="12px", title_text_color=_INK,
    )
    chart.add_layout(legend, "right")
    chart.add_tools(HoverTool(renderers=renderers, tooltips=tooltips))
    facts = {
        "views": views,
        "ranges": ranges,
        "columns": [views[f"f{position}"] for position in range(len(columns))],
        "shown": len(shown),
        "segmented": len(labels),
    }
    return _json_item(chart), facts


def _padded_range(values: np.ndarray) -> tuple[float, float]:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return (0.0, 1.0)
    low, high = float(finite.min()), float(finite.max())
    pad = (high - low) * 0.05 or max(abs(low) * 0.05, 0.5)
    return (low - pad, high + pad)


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


# --- the customer table ----------------------------------------------------------------------------


def _customer_data(table: LoadedTable, result: AnalysisResult) -> dict:
    """Every customer's row, column by column, and the segment each is in (index into the segments
    in the order of the cards, -1 when left out)."""
    frame = table.frame
    columns = []
    for name in frame.columns:
        series = frame[name]
        if is_numeric_column(series):
            # pandas' JSON writer: numbers as written (3 not 3.0 for whole numbers, no float noise), fast.
            columns.append(json.loads(series.to_json(orient="values", double_precision=DECIMALS)))
        else:
            text = series.astype("string")
            columns.append([None if pd.isna(value) else str(value) for value in text])
    return {
        "names": [str(name) for name in frame.columns],
        "numeric": [is_numeric_column(frame[name]) for name in frame.columns],
        "columns": columns,
        "segment": result.segmentation.labels.astype(int).tolist(),
    }


# --- the page ---------------------------------------------------------------------------------------


def _asset(name: str) -> str:
    return resources.files("core").joinpath(name).read_text(encoding="utf-8")


def _bokeh_script() -> str:
    """BokehJS itself, from the installed package (no network): only the core, our page draws no widgets."""
    from bokeh.resources import Resources

    return "\n".join(Resources(mode="inline", components=["bokeh"]).js_raw)


def _script_text(text: str) -> str:
    """Script text safe inside a <script> element: "</script" would end it early ("<\\/" means the same
    in a string or a pattern)."""
    return re.sub(r"</(script)", r"<\\/\1", text, flags=re.IGNORECASE)


def _page(
    table: LoadedTable,
    result: AnalysisResult,
    segments: Sequence[_Segment],
    created: datetime,
    data: dict,
    scatter: dict,
) -> str:
    e = html.escape
    segmentation = result.segmentation
    file_name = Path(table.report.path).name
    used = len(result.prepared.row_positions)
    headline = [
        ("Customers", f"{used:,}" + (f" of {table.report.rows:,} in the file" if used < table.report.rows
                                     else "")),
        ("Segments", f"{len(segments)}"),
        ("Method", _method(result).title),
        ("Made on", f"{created.day} {created:%B %Y at %H:%M}"),
        ("Data file", file_name),
    ]
    body = [
        '<a class="skip" href="#main">Skip to the segments</a>',
        "<header>",
        f"<h1>{e(TITLE)}</h1>",
        '<dl class="headline">',
        *(f"<div><dt>{e(term)}</dt><dd>{e(value)}</dd></div>" for term, value in headline),
        "</dl>",
        '<nav aria-label="Sections"><ul>',
        '<li><a href="#segments">Segments</a></li>',
        '<li><a href="#how-many">How many segments</a></li>',
        '<li><a href="#map">Map of customers</a></li>',
        '<li><a href="#profiles">Profile table</a></li>',
        '<li><a href="#customers">Customers</a></li>',
        "</ul></nav>",
        '<p id="chart-status" class="note" role="status">Drawing the charts…</p>',
        "</header>",
        '<main id="main">',
        _segments_section(segments, segmentation.overall),
        _elbow_section(result),
        _map_section(segments, scatter),
        _profiles_section(table, result),
        _customers_section(segments, segmentation.labels),
        "</main>",
        f'<footer><p>Made with Segment Studio from {e(file_name)}. This page works offline: everything it '
        "shows is inside the file.</p></footer>",
    ]
    # Compressed (gzip, then base64 to be text): 100,000 customers of 20 columns take 18 MB as JSON and
    # 11 MB so; the browser unpacks it with its own DecompressionStream.
    embedded = base64.b64encode(
        gzip.compress(
            json.dumps(data, allow_nan=False, separators=(",", ":")).encode("utf-8"), compresslevel=6, mtime=0
        )
    ).decode("ascii")
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            # Nothing may be fetched: no other address for scripts, styles, images, fonts or connections.
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            "script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data: blob:; "
            "font-src data:; connect-src 'none'\">",
            f"<title>{e(TITLE)}: {e(file_name)}</title>",
            f"<style>{_asset('dashboard.css')}</style>",
            "</head>",
            "<body>",
            *body,
            f'<script type="application/octet-stream" id="dashboard-data">{embedded}</script>',
            f"<script>{_script_text(_bokeh_script())}</script>",
            f"<script>{_script_text(_asset('dashboard.js'))}</script>",
            "</body>",
            "</html>",
        ]
    )


def _segments_section(segments: Sequence[_Segment], overall) -> str:
    e = html.escape
    cards = []
    for segment in segments:
        profile = segment.profile
        bars = standout_data(profile, overall)
        alternative = "".join(
            f"<li>{e(bar.label)}: ranks {bar.standing:.0f} of 100 ({e(bar.figure)})</li>" for bar in bars
        )
        chart = (
            f'<figure><div class="chart" id="bars-{profile.number}" role="img" '
            f'aria-label="Chart of how segment {profile.number} differs from the average; the bars in words '
            f'follow"></div><figcaption><details><summary>The bars in words</summary>'
            f'<ul class="bar-list">{alternative}</ul></details></figcaption></figure>'
            if bars
            else "<p>No column sets this segment apart.</p>"
        )
        cards.append(
            f'<article class="card" aria-labelledby="segment-{profile.number}-title" '
            f'style="--segment:{segment.colour}">'
            f'<h3 id="segment-{profile.number}-title"><span class="swatch" aria-hidden="true"></span>'
            f"Segment {profile.number}: {e(profile.name)}</h3>"
            f'<p class="size">{profile.size:,} customers · {profile.share * 100:.1f} % of all</p>'
            f"<p>{e(profile.description)}</p>"
            f"{chart}"
            + "".join(f'<p class="note">{e(note)}</p>' for note in segment.notes)
            + "</article>"
        )
    return (
        '<section id="segments" aria-labelledby="segments-title"><h2 id="segments-title">The segments</h2>'
        '<p class="note">Each bar shows where the segment\'s customers rank among all customers on a column: '
        "to the right of the middle line they are higher than the typical customer, to the left lower. "
        "The figure beside a bar compares the segment with the typical customer. Ranks go from 0 (the lowest "
        "of all customers) through 50 (typical) to 100 (the highest).</p>"
        f'<div class="cards">{"".join(cards)}</div></section>'
    )


def _elbow_section(result: AnalysisResult) -> str:
    e = html.escape
    sweep = result.sweep
    chosen = result.segmentation.k
    parts = ['<section id="how-many" aria-labelledby="how-many-title">',
             '<h2 id="how-many-title">How many segments?</h2>']
    if sweep is None:
        method = _method(result)
        parts.append(
            f"<p>The number of segments was set to {chosen}; no other numbers were tried.</p>"
            if method.takes_k
            else f"<p>{e(method.title)} finds the number of segments itself, from how closely customers "
            f"crowd together: it found {chosen}, and {result.segmentation.unusual:,} unusual customers who "
            "belong to no group (segment 0). No number of segments had to be chosen.</p>"
        )
        return "".join([*parts, "</section>"])
    measures = _sweep_measures(sweep)
    lines = ("dark line", "grey dashed line")[: len(measures)]
    reading = " ".join(
        f"The {line} ({name}) shows {meaning}."
        for line, (_, (name, _, meaning, _), _) in zip(lines, measures, strict=True)
    )
    header = "".join(f'<th scope="col">{e(name)}</th>' for _, (name, _, _, _), _ in measures)
    rows = "".join(
        f'<tr><th scope="row">{score.k}</th>'
        + "".join(
            f"<td>{number.format(values[score.k]) if score.k in values else ''}</td>"
            for _, (_, _, _, number), values in measures
        )
        + "</tr>"
        for score in sweep.scores
    )
    parts += [
        f"<p>Each number of segments was tried. {e(reading)}</p>",
        '<figure><div class="chart" id="elbow" role="img" aria-label="Chart of each number of segments '
        'tried: the numbers are in the table below"></div>',
        f"<figcaption><strong>Suggested: {sweep.suggested_k} segments.</strong> {e(sweep.reason)}"
        + (f" The analysis uses {chosen} segments, as chosen by the user."
           if chosen != sweep.suggested_k else "")
        + "</figcaption></figure>",
        "<details><summary>The numbers behind the chart</summary>",
        f'<table class="numbers"><thead><tr><th scope="col">Segments</th>{header}</tr></thead>'
        f"<tbody>{rows}</tbody></table></details>",
        "</section>",
    ]
    return "".join(parts)


def _map_section(segments: Sequence[_Segment], scatter: dict) -> str:
    e = html.escape
    shown, segmented = scatter["shown"], scatter["segmented"]
    sample = (
        f"The map shows {shown:,} of the {segmented:,} segmented customers: a sample of at most "
        f"{MAX_SCATTER_POINTS:,} in which every segment keeps its share (small segments a fair minimum), "
        "the same each time. The tables below hold every customer."
        if shown < segmented
        else f"The map shows all {segmented:,} segmented customers."
    )
    options = "".join(
        f'<option value="f{position}">{e(title)}</option>'
        for position, title in enumerate(scatter["columns"])
    )
    toggles = "".join(
        f'<label class="toggle" style="--segment:{segment.colour}"><input type="checkbox" checked '
        f'data-segment="{segment.profile.number}"><span class="swatch" aria-hidden="true"></span>'
        f"{segment.profile.number}. {e(segment.profile.name)}</label>"
        for segment in segments
    )
    two_columns = (
        f'<label>Across <select id="map-x">{options}</select></label>'
        f'<label>Up <select id="map-y">{options}</select></label>'
        if len(scatter["columns"]) >= 2
        else ""
    )
    return (
        '<section id="map" aria-labelledby="map-title"><h2 id="map-title">Map of customers</h2>'
        "<p>Each dot is a customer, coloured by segment. The overview places similar customers close "
        "together using every column at once (the axis titles name the columns that drive each direction); "
        "or choose two columns to see them in your own units. Point at a dot to see the customer's row. "
        "Drag on the map to zoom into a box, or use the buttons.</p>"
        f'<p class="note" id="map-sample">{e(sample)}</p>'
        '<div class="controls">'
        '<label>Show <select id="map-view"><option value="overview">Overview of all columns used</option>'
        + ('<option value="columns">Two columns</option>' if two_columns else "")
        + f"</select></label>{two_columns}"
        '<span class="buttons"><button type="button" id="zoom-in">Zoom in</button>'
        '<button type="button" id="zoom-out">Zoom out</button>'
        '<button type="button" id="zoom-reset">Show all</button></span></div>'
        f'<fieldset class="toggles"><legend>Segments on the map</legend>{toggles}</fieldset>'
        '<figure><div class="chart" id="scatter" role="img" aria-label="Map of customers coloured by '
        'segment; the customer table below lists every customer with their segment"></div>'
        '<figcaption class="note" id="map-axes"></figcaption></figure>'
        "</section>"
    )


def _profiles_section(table: LoadedTable, result: AnalysisResult) -> str:
    from core.clv import with_segment_value

    e = html.escape
    segmentation = result.segmentation
    profiles = profile_table(segmentation.profiles, segmentation.overall)
    profiles = with_segment_value(profiles, table.frame, segmentation.labels, segmentation.numbers)
    text_columns = {name for name in profiles.columns if profiles[name].map(type).eq(str).any()}
    header = "".join(
        f'<th scope="col" aria-sort="none"{TEXT_CLASS if name in text_columns else ""}>'
        f'<button type="button" data-column="{position}">{e(str(name))}'
        '<span class="sort-mark" aria-hidden="true"></span></button></th>'
        for position, name in enumerate(profiles.columns)
    )
    rows = []
    for _, row in profiles.iterrows():
        cells = []
        for name, value in row.items():
            shown, key = _profile_cell(name, value)
            kind = TEXT_CLASS if isinstance(value, str) else ""
            cells.append(f'<td data-value="{e(key)}"{kind}>{e(shown)}</td>')
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return (
        '<section id="profiles" aria-labelledby="profiles-title"><h2 id="profiles-title">Profile table</h2>'
        "<p>One row per segment and one for all customers: size, share and the average of each column "
        "(categories as the share of their most common value, in %). Choose a column title to sort by it; "
        "choose it again to reverse.</p>"
        f'<div class="scroll" tabindex="0" role="region" aria-label="Profile table, scrolls sideways">'
        f'<table class="sortable" id="profile-table"><thead><tr>{header}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div></section>"
    )


def _profile_cell(name: object, value: object) -> tuple[str, str]:
    """The text shown and the value sorted by."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)) or pd.isna(value):
        return "", ""
    if name == "Share":
        return f"{float(value) * 100:.1f} %", repr(float(value))
    if isinstance(value, int | np.integer):
        return f"{int(value):,}" if name != "Segment" else str(value), str(int(value))
    if isinstance(value, float | np.floating):
        return f"{float(value):,.2f}", repr(float(value))
    return str(value), str(value)


def _customers_section(segments: Sequence[_Segment], labels: np.ndarray) -> str:
    e = html.escape
    options = "".join(
        f'<option value="{position}">{segment.profile.number}. {e(segment.profile.name)} '
        f"({segment.profile.size:,})</option>"
        for position, segment in enumerate(segments)
    )
    left_out = int((labels < 0).sum())
    if left_out:
        options += f'<option value="-1">{e(LEFT_OUT_TEXT)} ({left_out:,})</option>'
    return (
        '<section id="customers" aria-labelledby="customers-title"><h2 id="customers-title">Customers</h2>'
        f"<p>Every customer of the file with their segment, {CUSTOMERS_PER_PAGE} to a page. Choose a "
        "segment to see only its customers, or type to find customers whose row contains the text.</p>"
        '<div class="controls">'
        f'<label>Segment <select id="customer-segment"><option value="all">All segments</option>{options}'
        "</select></label>"
        '<label>Find <input type="search" id="customer-search" placeholder="name, number…"></label>'
        "</div>"
        '<div class="scroll" tabindex="0" role="region" aria-label="Customer table, scrolls sideways">'
        '<table id="customer-table"><thead></thead><tbody></tbody></table></div>'
        '<div class="pager"><button type="button" id="page-previous">Previous page</button>'
        '<span id="customer-status" role="status" aria-live="polite"></span>'
        '<button type="button" id="page-next">Next page</button></div>'
        "<noscript><p>The charts and the customer table need JavaScript; the segments and the profile "
        "table above are shown without it.</p></noscript>"
        "</section>"
    )
