"""Row 12: an order history of 2,000,000 lines by 200,000 customers summarised per customer by
`segment-studio-cli orders`, against what pandas needs to read and group the same file.

Both run as fresh processes, start-up included, as a user would run them; each is timed RUNS times and
the medians are compared.
"""

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.table import BenchmarkRow

ORDER_LINES = 2_000_000
CUSTOMERS = 200_000
RUNS = 3
TARGET_RATIO = 5.0
# The comparison: read the file and group it by customer, the least any summary has to do.
PANDAS_GROUPBY = """
import sys
import pandas as pd
orders = pd.read_csv(sys.argv[1])
orders.groupby("customer_id").agg(
    first=("order_date", "min"), last=("order_date", "max"), days=("order_date", "nunique"),
    spend=("amount", "sum"),
)
"""


def order_file(folder: Path, seed: int = 0) -> Path:
    """Order lines over 2.5 years: customer number, ISO date, amount (5 % refunds), order number."""
    rng = np.random.default_rng(seed)
    amounts = rng.lognormal(3, 1, ORDER_LINES).round(2)
    amounts[rng.random(ORDER_LINES) < 0.05] *= -1
    days = pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 900, ORDER_LINES), unit="D")
    frame = pd.DataFrame({
        "order_id": np.arange(1, ORDER_LINES + 1),
        "customer_id": rng.integers(1, CUSTOMERS + 1, ORDER_LINES),
        "order_date": days.strftime("%Y-%m-%d"),
        "amount": amounts,
    })
    path = folder / f"orders_{ORDER_LINES}.csv"
    frame.to_csv(path, index=False)
    return path


def _timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start


def orders_rows(seed: int = 0) -> list[BenchmarkRow]:
    with tempfile.TemporaryDirectory(prefix="segment-studio-bench-") as folder:
        path = order_file(Path(folder), seed)
        ours = [
            _timed([sys.executable, "-m", "core.cli", "orders", str(path), "--customer", "customer_id",
                    "--date", "order_date", "--amount", "amount", "--summary", str(Path(folder) / "s.json")])
            for _ in range(RUNS)
        ]
        pandas = [_timed([sys.executable, "-c", PANDAS_GROUPBY, str(path)]) for _ in range(RUNS)]
    return [
        BenchmarkRow(
            f"12. orders: {ORDER_LINES:,} lines, {CUSTOMERS:,} customers summarised (CLI, start-up included)",
            statistics.median(ours), "pandas read_csv + groupby, fresh process", statistics.median(pandas),
            TARGET_RATIO,
        )
    ]
