"""Speed benchmarks for Segment Studio's core: `python -m benchmarks` (or `make bench`) prints a table."""
