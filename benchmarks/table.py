"""One row per measurement and a plain-text table of them, shared by every benchmark."""

from dataclasses import dataclass

# Largest acceptable WCSS excess over the comparison, in percent.
WCSS_TOLERANCE_PERCENT = 0.5
# On the median k: no worse, beyond where two fits that found the same grouping stop (tolerance 1e-4).
MEDIAN_WCSS_TOLERANCE_PERCENT = 0.01


@dataclass(frozen=True)
class BenchmarkRow:
    what: str
    ours: float  # in `unit`
    comparison: str  # what ours is compared with, e.g. "sklearn KMeans(n_init=10)"; "-" for none
    comparison_value: float | None  # in `unit`; None when the target is an absolute limit only
    target_ratio: float | None  # passes when ours / comparison is at most this (None: no ratio target)
    # (ours - theirs) / theirs in percent, worst case over the compared fits; None when not about WCSS
    largest_wcss_difference_percent: float | None = None
    unit: str = "s"
    limit: float | None = None  # ours must also be at most this, in `unit`
    # The median over k of the same difference: on the median k ours must be no worse (up to rounding).
    median_wcss_difference_percent: float | None = None

    @property
    def ratio(self) -> float | None:
        return None if self.comparison_value is None else self.ours / self.comparison_value

    @property
    def passed(self) -> bool:
        quality_ok = (
            self.largest_wcss_difference_percent is None
            or self.largest_wcss_difference_percent <= WCSS_TOLERANCE_PERCENT
        ) and (
            self.median_wcss_difference_percent is None
            or self.median_wcss_difference_percent <= MEDIAN_WCSS_TOLERANCE_PERCENT
        )
        ratio_ok = self.target_ratio is None or (self.ratio is not None and self.ratio <= self.target_ratio)
        limit_ok = self.limit is None or self.ours <= self.limit
        return ratio_ok and limit_ok and quality_ok

    @property
    def target(self) -> str:
        parts = []
        if self.target_ratio is not None:
            parts.append(f"ratio <= {self.target_ratio:g}")
        if self.limit is not None:
            parts.append(f"<= {self.limit:g} {self.unit}")
        if self.largest_wcss_difference_percent is not None:
            parts.append(f"WCSS <= +{WCSS_TOLERANCE_PERCENT:g} %")
        if self.median_wcss_difference_percent is not None:
            parts.append("median k no worse")
        return ", ".join(parts)


def _amount(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    return f"{value:.2f} {unit}" if unit == "s" else f"{value:,.0f} {unit}"


def format_table(rows: list[BenchmarkRow]) -> str:
    """The rows as an aligned text table with a header line."""
    header = ("what", "ours", "comparison", "comparison value", "ratio", "largest WCSS diff (%)",
              "target", "result")
    cells = [header]
    for row in rows:
        difference = row.largest_wcss_difference_percent
        cells.append((
            row.what,
            _amount(row.ours, row.unit),
            row.comparison,
            _amount(row.comparison_value, row.unit),
            "-" if row.ratio is None else f"{row.ratio:.3f}",
            "-" if difference is None else f"{difference:+.3f}",
            row.target,
            "pass" if row.passed else "FAIL",
        ))
    widths = [max(len(line[column]) for line in cells) for column in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
             for line in cells]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)
