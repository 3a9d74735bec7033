"""Rows 9-10: the whole command-line run on many shapes and on every real file, against the notebook.

The notebook is the script people write (`benchmarks/notebook_script.py`): import pandas and
scikit-learn, read the file, standardise the columns, `KMeans(n_init=10)` for k = 1..10. Both sides run
as fresh processes on the same CSV file, so start-up, reading and scaling count on both. The WCSS of
every k is compared on the same prepared matrix: ours from the command line's summary, the notebook's
from `KMeans(n_init=10, random_state=0)` on the matrix our preparation makes of the file.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans

from benchmarks.app_rows import drive
from benchmarks.table import BenchmarkRow

DATASETS = Path(__file__).resolve().parent.parent.parent / "shared" / "datasets"
K_RANGE = range(1, 11)


@dataclass(frozen=True)
class Shape:
    name: str
    path: Path
    # The notebook's read_csv options; its columns are the ones our default choice took (from our summary).
    read_options: dict
    target_ratio: float
    runs: int = 3  # each side's time is the median of this many interleaved runs


def generated_file(folder: Path, rows: int, columns: int, seed: int = 0) -> Path:
    """`rows` x `columns` numbers with eight groups of unequal size and spread, and a customer number."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-6, 6, size=(8, columns))
    shares = rng.dirichlet(np.full(8, 2.0))
    spreads = rng.uniform(0.6, 1.6, size=8)
    groups = rng.choice(8, size=rows, p=shares)
    values = centres[groups] + rng.normal(size=(rows, columns)) * spreads[groups, None]
    frame = pd.DataFrame(np.round(values, 4), columns=[f"x{column + 1}" for column in range(columns)])
    frame.insert(0, "CustomerID", np.arange(1, rows + 1))
    path = folder / f"generated_{rows}x{columns}.csv"
    frame.to_csv(path, index=False)
    return path


def digits_file(folder: Path) -> Path:
    """The 1,797 handwritten digits bundled with scikit-learn, 64 pixel columns (3 constant)."""
    from sklearn.datasets import load_digits

    frame = pd.DataFrame(load_digits().data, columns=[f"pixel{number}" for number in range(64)])
    path = folder / "digits.csv"
    frame.to_csv(path, index=False)
    return path


def shapes(folder: Path) -> list[Shape]:
    comma = {}  # pandas' default dialect
    return [
        Shape("digits 1,797 x 61", digits_file(folder), comma, 1.0),
        Shape("CC GENERAL.csv 8,636 x 17", DATASETS / "CC GENERAL.csv", comma, 1.0),
        Shape("Mall_Customers.csv", DATASETS / "Mall_Customers.csv", comma, 1.0),
        Shape("Wholesale customers data.csv", DATASETS / "Wholesale customers data.csv", comma, 1.0),
        Shape("marketing_campaign.csv", DATASETS / "marketing_campaign.csv", {"sep": "\t"}, 1.0),
        Shape("CDNOW_master.txt", DATASETS / "CDNOW_master.txt", {"sep": r"\s+"}, 1.0),
        Shape("generated 100,000 x 20", generated_file(folder, 100_000, 20), comma, 0.5),
        # The notebook takes minutes on a million customers: one run each.
        Shape("generated 1,000,000 x 3", generated_file(folder, 1_000_000, 3), comma, 0.15, runs=1),
        Shape("generated 1,000,000 x 10", generated_file(folder, 1_000_000, 10), comma, 0.5, runs=1),
    ]


def _timed_process(command: list[str]) -> tuple[float, float]:
    """Run `command` under GNU time; its wall time in seconds and its peak memory in MB. (The peak that
    wait4 reports would include this process's own memory, which a forked child starts from.)"""
    environment = {**os.environ, "PYTHONWARNINGS": "ignore"}
    start = time.perf_counter()
    completed = subprocess.run(["/usr/bin/time", "-f", "%M", *command], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True, env=environment, check=False)
    seconds = time.perf_counter() - start
    if completed.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {completed.stderr}")
    return seconds, int(completed.stderr.strip().splitlines()[-1]) / 1024


def _cli(path: Path, summary: Path) -> list[str]:
    cli = str(Path(sys.executable).with_name("segment-studio-cli"))
    return [cli, "analyze", str(path), "--k-min", "1", "--k-max", "10", "--summary", str(summary)]


def _notebook(path: Path, shape: Shape, features: list[str]) -> list[str]:
    return [sys.executable, "-m", "benchmarks.notebook_script", str(path), json.dumps(shape.read_options),
            json.dumps(features)]


def _wcss_differences(path: Path, summary: dict) -> list[float]:
    """(ours - notebook) / notebook in percent for each k, on the matrix our preparation makes."""
    from core.loading import load_table
    from core.pipeline import AnalysisSettings, resolve_features
    from core.preparation import PreparationSettings, prepare

    table = load_table(path)
    settings = AnalysisSettings()
    prepared = prepare(table.frame, PreparationSettings(
        features=resolve_features(table, None), scaling=settings.scaling, missing=settings.missing,
    ))
    ours = {int(k): wcss for k, wcss in summary["wcss"].items()}
    theirs = {k: KMeans(k, n_init=10, random_state=0).fit(prepared.matrix).inertia_ for k in K_RANGE}
    return [100 * (ours[k] - theirs[k]) / theirs[k] for k in K_RANGE]


def shape_rows(folder: Path) -> list[BenchmarkRow]:
    rows = []
    for shape in shapes(folder):
        summary_path = folder / "summary.json"
        ours, theirs, memory = [], [], []
        for _ in range(shape.runs):
            seconds, peak = _timed_process(_cli(shape.path, summary_path))
            ours.append(seconds)
            memory.append(peak)
            summary = json.loads(summary_path.read_text())
            theirs.append(_timed_process(_notebook(shape.path, shape, summary["features"]))[0])
        differences = _wcss_differences(shape.path, summary)
        rows.append(BenchmarkRow(
            f"9. whole command-line run, k=1..10, {shape.name} (median of {shape.runs}, peak "
            f"{statistics.median(memory):.0f} MB; median k WCSS {statistics.median(differences):+.3f} %)",
            statistics.median(ours), "notebook script, fresh process", statistics.median(theirs),
            shape.target_ratio, max(differences),
            median_wcss_difference_percent=statistics.median(differences),
        ))
        in_app = statistics.median(
            drive("analyse", str(shape.path))["find_seconds"] for _ in range(shape.runs)
        )
        rows.append(BenchmarkRow(
            f"9. Find segments in the app, {shape.name} (median of {shape.runs}; beside it the notebook's "
            "whole script)", in_app, "notebook script, fresh process", statistics.median(theirs), None,
        ))
    return rows


def scale_rows(folder: Path) -> list[BenchmarkRow]:
    """Row 10: time and memory grow linearly (the issue's limits for 1,000,000 and 6,000,000 x 4)."""
    rows = []
    for customers, seconds_limit, memory_limit in ((1_000_000, 8.8, 400), (6_000_000, 36.0, 1400)):
        path = generated_file(folder, customers, 4)
        seconds, peak = _timed_process(_cli(path, folder / "summary.json"))
        rows.append(BenchmarkRow(f"10. whole command-line run, k=1..10, {customers:,} x 4", seconds, "-",
                                 None, None, limit=seconds_limit))
        rows.append(BenchmarkRow(f"10. peak memory of the same run ({customers:,} x 4)", peak, "-", None,
                                 None, unit="MB", limit=memory_limit))
        path.unlink()
    return rows


def all_shape_rows(only: set[int]) -> list[BenchmarkRow]:
    with tempfile.TemporaryDirectory(prefix="segment-studio-shapes-") as folder:
        rows = shape_rows(Path(folder)) if 9 in only else []
        if 10 in only:
            rows += scale_rows(Path(folder))
    return rows
