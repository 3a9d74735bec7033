"""One row per measurement and a plain-text table of them, shared by every benchmark."""

from dataclasses import dataclass

# Largest acceptable WCSS excess over the comparison, in percent.
WCSS_TOLERANCE_PERCENT = 0.5


@dataclass(frozen=True)
class BenchmarkRow:
    what: str
    ours_seconds: float
    comparison: str  # what ours is compared with, e.g. "sklearn KMeans(n_init=10)"
    comparison_seconds: float
    target_ratio: float  # passes when ours / comparison is at most this
    # (ours - theirs) / theirs in percent, worst case over the compared fits; None when not about WCSS
    largest_wcss_difference_percent: float | None = None

    @property
    def ratio(self) -> float:
        return self.ours_seconds / self.comparison_seconds

    @property
    def passed(self) -> bool:
        quality_ok = (
            self.largest_wcss_difference_percent is None
            or self.largest_wcss_difference_percent <= WCSS_TOLERANCE_PERCENT
        )
        return self.ratio <= self.target_ratio and quality_ok

    @property
    def target(self) -> str:
        target = f"ratio <= {self.target_ratio:g}"
        if self.largest_wcss_difference_percent is not None:
            target += f", WCSS <= +{WCSS_TOLERANCE_PERCENT:g} %"
        return target


def format_table(rows: list[BenchmarkRow]) -> str:
    """The rows as an aligned text table with a header line."""
    header = ("what", "ours (s)", "comparison", "comparison (s)", "ratio", "largest WCSS diff (%)",
              "target", "result")
    cells = [header]
    for row in rows:
        difference = row.largest_wcss_difference_percent
        cells.append((
            row.what,
            f"{row.ours_seconds:.2f}",
            row.comparison,
            f"{row.comparison_seconds:.2f}",
            f"{row.ratio:.3f}",
            "-" if difference is None else f"{difference:+.3f}",
            row.target,
            "pass" if row.passed else "FAIL",
        ))
    widths = [max(len(line[column]) for line in cells) for column in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
             for line in cells]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)
