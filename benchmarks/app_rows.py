"""Rows 4-8: the desktop app itself (opening, drawing, start-up, a window that never waits, memory).

Each measurement runs `benchmarks.app_driver` in a fresh Python process, offscreen, so imports, caches
and memory of one measurement never help or hurt another.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.clustering import customer_like_data
from benchmarks.table import BenchmarkRow

STARTUP_RUNS = 5
OPEN_RUNS = 5
ANALYSE_RUNS = 3
STALL_LIMIT_MS = 50


def customer_file(folder: Path, rows: int, seed: int = 0) -> Path:
    """A `rows` x 6 CSV: an ID, three numeric columns with row 1's cluster structure, two text columns."""
    structure = customer_like_data(rows, seed)
    rng = np.random.default_rng(seed + 1)
    frame = pd.DataFrame({
        "CustomerID": np.arange(1, rows + 1),
        "Age": np.round(45 + 4 * structure[:, 0]).astype(int),
        "Income": np.round(60 + 6 * structure[:, 1], 1),
        "Spending": np.round(50 + 5 * structure[:, 2], 1),
        "Region": rng.choice(["North", "South", "East", "West"], rows),
        "Member": rng.choice(["yes", "no"], rows),
    })
    path = folder / f"customers_{rows}.csv"
    frame.to_csv(path, index=False)
    return path


def drive(*arguments: str) -> dict:
    """Run one app_driver command in a fresh process; its JSON answer."""
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    # Python caches compiled modules unless told not to; some sandboxes tell it not to, which would make
    # every start compile the app's own modules again (25 ms), unlike on a user's machine.
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks.app_driver", *arguments],
        capture_output=True, text=True, env=environment, check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"app_driver {' '.join(arguments)} failed:\n{completed.stderr}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def open_rows(path: Path, rows: int) -> list[BenchmarkRow]:
    runs: dict[str, list[float]] = {"first": [], "next": [], "command line": [], "warm": [], "cold": []}
    for _ in range(OPEN_RUNS):  # interleaved, so a busy moment of the machine hits both sides alike
        opened = drive("open", str(path))
        at_start = drive("open_at_start", str(path))
        theirs = drive("read_csv", str(path))
        runs["first"].append(opened["first"])
        runs["next"].append(opened["next"])
        runs["command line"].append(at_start["seconds"])
        runs["warm"].append(theirs["warm"])
        runs["cold"].append(theirs["cold"])
    median = {name: statistics.median(values) for name, values in runs.items()}
    what = f"4. open a {rows:,} x 6 CSV until the table shows (median of {OPEN_RUNS})"
    warm = "pandas.read_csv, pandas imported"
    return [
        BenchmarkRow(f"{what}: first file, a moment after start-up", median["first"], warm, median["warm"],
                     1.5),
        BenchmarkRow(f"{what}: next file", median["next"], warm, median["warm"], 1.5),
        BenchmarkRow(f"{what}: as the window first shows (segment-studio FILE)", median["command line"],
                     "import pandas + read_csv, fresh process", median["cold"], 1.5),
    ]


def clusters_row(path: Path, rows: int) -> list[BenchmarkRow]:
    measured = drive("clusters", str(path))
    return [
        BenchmarkRow(f"5. Clusters tab: show segments + draw ({rows:,})", measured["show_segmentation"],
                     "matplotlib scatter of every point", measured["plain_scatter"], 0.1, limit=0.5),
        BenchmarkRow(f"5. Clusters tab: redraw, other view ({rows:,})", measured["redraw"],
                     "matplotlib scatter of every point", measured["plain_scatter"], 0.1, limit=0.5),
    ]


def startup_row() -> list[BenchmarkRow]:
    app, bare = [], []
    for _ in range(STARTUP_RUNS):  # interleaved, so a busy moment of the machine hits both alike
        app.append(drive("startup", "app")["seconds"])
        bare.append(drive("startup", "bare")["seconds"])
    return [BenchmarkRow(f"6. start-up to window shown (median of {STARTUP_RUNS})", statistics.median(app),
                         "bare PySide6 QMainWindow", statistics.median(bare), 1.5)]


def analysis_rows(path: Path, rows: int) -> list[BenchmarkRow]:
    # The longest stall of one run is a maximum, so a busy moment of the machine decides it: each side is
    # run ANALYSE_RUNS times, the median is the row's value and the worst run is named beside it.
    in_app = [drive("analyse", str(path)) for _ in range(ANALYSE_RUNS)]
    session_only = [drive("analyse_session", str(path)) for _ in range(ANALYSE_RUNS)]
    bare = drive("bare_memory")
    # "The DataFrame's own size" is the file's DataFrame as pandas.read_csv makes it, a property of the
    # file: the app holds words as categories (each distinct word once), and measuring against its own,
    # smaller table would make the target harder the less memory the app uses.
    pandas_table = drive("read_csv", str(path))
    features = len(in_app[0]["features"])
    app_stalls = [run["longest_stall_ms"] for run in in_app]
    session_stalls = [run["longest_stall_ms"] for run in session_only]
    peaks = [run["peak_mb"] for run in in_app]
    runs = f"median of {ANALYSE_RUNS} runs"
    return [
        BenchmarkRow(f"7. longest GUI stall, Find segments in the app ({rows:,} x {features}; {runs}, "
                     f"worst {max(app_stalls):.0f} ms)",
                     statistics.median(app_stalls), "-", None, None, unit="ms", limit=STALL_LIMIT_MS),
        BenchmarkRow(f"7. longest GUI stall, same through the session alone ({rows:,} x {features}; {runs}, "
                     f"worst {max(session_stalls):.0f} ms)",
                     statistics.median(session_stalls), "-", None, None, unit="ms", limit=STALL_LIMIT_MS),
        BenchmarkRow(f"8. peak memory: open row 4's file + Find segments ({rows:,}; the app's table "
                     f"{in_app[0]['frame_mb']:,.0f} MB; {runs}, highest {max(peaks):,.0f} MB)",
                     statistics.median(peaks),
                     f"read_csv's table {pandas_table['frame_mb']:,.0f} MB + bare app "
                     f"{bare['peak_mb']:,.0f} MB",
                     pandas_table["frame_mb"] + bare["peak_mb"], 3.0, unit="MB"),
    ]


def app_rows(rows: int, only: set[int], seed: int = 0) -> list[BenchmarkRow]:
    """The measured rows among 4-8 that are in `only` (7 and 8 come from one run)."""
    measured: list[BenchmarkRow] = []
    with tempfile.TemporaryDirectory(prefix="segment-studio-bench-") as folder:
        path = customer_file(Path(folder), rows, seed) if only & {4, 5, 7, 8} else None
        if 4 in only:
            measured += open_rows(path, rows)
        if 5 in only:
            measured += clusters_row(path, rows)
        if 6 in only:
            measured += startup_row()
        if only & {7, 8}:
            measured += [row for row in analysis_rows(path, rows) if int(row.what[0]) in only]
    return measured
