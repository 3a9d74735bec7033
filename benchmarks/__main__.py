"""`python -m benchmarks [--rows N] [--only 4,5]`: measure the issue's rows side by side, print the table."""

import argparse
import os
import platform

from benchmarks.app_rows import app_rows
from benchmarks.clustering import clustering_rows
from benchmarks.clv import clv_rows
from benchmarks.methods import methods_rows
from benchmarks.orders import orders_rows
from benchmarks.shapes import all_shape_rows
from benchmarks.stability import stability_rows
from benchmarks.table import format_table

ALL_ROWS = frozenset(range(1, 17))


def machine_description() -> str:
    """Cores, CPU model, memory and the load average: what the numbers were measured on."""
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            cpu = next(line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name"))
        with open("/proc/meminfo") as meminfo:
            kilobytes = int(next(line.split()[1] for line in meminfo if line.startswith("MemTotal")))
        memory = f"{kilobytes / 2**20:.1f} GiB memory"
    except (OSError, StopIteration):
        memory = "memory unknown"
    return f"{os.cpu_count()} cores, {cpu}, {memory}, {platform.system()} {platform.release()}"


def load_average() -> str:
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def row_numbers(text: str) -> set[int]:
    numbers = {int(part) for part in text.split(",") if part.strip()}
    if not numbers <= ALL_ROWS:
        raise argparse.ArgumentTypeError(f"rows are numbered 1 to 16, not {sorted(numbers - ALL_ROWS)}")
    return numbers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000, help="customers in the generated data sets")
    parser.add_argument("--seed", type=int, default=0, help="seed of the generated data sets")
    parser.add_argument("--only", type=row_numbers, default=set(ALL_ROWS),
                        help="comma-separated row numbers of the issue's table to measure, e.g. 4,5")
    arguments = parser.parse_args(argv)
    print(f"Machine: {machine_description()}")
    print(f"Load average (1, 5, 15 min) before: {load_average()}")
    rows = []
    if arguments.only & {1, 2, 3}:
        measured = clustering_rows(arguments.rows, arguments.seed)
        rows += [row for row in measured if int(row.what[0]) in arguments.only]
    rows += app_rows(arguments.rows, arguments.only, arguments.seed)
    rows += all_shape_rows(arguments.only)
    if 11 in arguments.only:
        rows += clv_rows(arguments.seed)
    if 12 in arguments.only:
        rows += orders_rows(arguments.seed)
    if 13 in arguments.only:
        rows += methods_rows(arguments.rows, arguments.seed)
    if arguments.only & {14, 15, 16}:
        rows += stability_rows(arguments.rows, arguments.seed, arguments.only)
    print(f"Load average (1, 5, 15 min) after: {load_average()}")
    print(format_table(rows))
    return 0 if all(row.passed for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
