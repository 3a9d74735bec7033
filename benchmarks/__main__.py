"""`python -m benchmarks [--rows N]`: time the core against scikit-learn and print the table."""

import argparse

from benchmarks.clustering import clustering_rows
from benchmarks.table import format_table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000, help="customers in the generated data set")
    parser.add_argument("--seed", type=int, default=0, help="seed of the generated data set")
    arguments = parser.parse_args(argv)
    rows = clustering_rows(arguments.rows, arguments.seed)
    print(format_table(rows))
    return 0 if all(row.passed for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
