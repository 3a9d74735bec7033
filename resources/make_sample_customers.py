"""Writes resources/sample_customers.csv: the bundled sample that the app opens on first use.

Deterministic (fixed seed), so the committed file is exactly what this script prints; a test checks that.
Income and spending show the five groups of the product's original description: low income and low
spending, high and high, moderate and moderate, high income with low spending, and low income with high
spending. Age, tenure, gender and region differ between the groups the way a shop owner would expect, so
the profiles have something to say about the columns that were not used for clustering.

Run: python -m resources.make_sample_customers
"""

import csv
import io
from pathlib import Path

import numpy as np

SEED = 20260115
OUTPUT = Path(__file__).with_name("sample_customers.csv")
HEADER = (
    "CustomerID",
    "Gender",
    "Age",
    "Annual Income (k$)",
    "Spending Score (1-100)",
    "Tenure (years)",
    "Region",
)
REGIONS = ("North", "South", "East", "West")

# name: (customers, income mean/sd, spending mean/sd, age mean/sd, share female, tenure mean, region weights)
GROUPS = {
    "budget": (55, (26, 6), (21, 7), (45, 12), 0.55, 4.0, (0.4, 0.3, 0.15, 0.15)),
    "premium": (50, (88, 9), (82, 7), (33, 5), 0.55, 6.5, (0.15, 0.2, 0.25, 0.4)),
    "mainstream": (100, (55, 7), (50, 6), (43, 13), 0.58, 5.0, (0.25, 0.25, 0.25, 0.25)),
    "cautious affluent": (45, (87, 9), (18, 8), (41, 10), 0.45, 7.5, (0.2, 0.2, 0.4, 0.2)),
    "young enthusiasts": (50, (27, 7), (79, 8), (25, 4), 0.6, 2.0, (0.3, 0.35, 0.2, 0.15)),
}


def generate_rows(rng: np.random.Generator) -> list[tuple]:
    rows = []
    for size, income, spending, age, female_share, tenure, region_weights in GROUPS.values():
        incomes = np.clip(rng.normal(*income, size), 12, 140).round()
        scores = np.clip(rng.normal(*spending, size), 1, 99).round()
        ages = np.clip(rng.normal(*age, size), 18, 75).round()
        genders = np.where(rng.random(size) < female_share, "Female", "Male")
        tenures = np.clip(rng.poisson(tenure, size), 0, 20)
        regions = rng.choice(REGIONS, size=size, p=region_weights)
        rows.extend(zip(genders, ages, incomes, scores, tenures, regions, strict=True))
    order = rng.permutation(len(rows))
    return [
        (number, gender, int(age), int(income), int(score), int(tenure), region)
        for number, (gender, age, income, score, tenure, region) in enumerate(
            (rows[i] for i in order), start=1
        )
    ]


def sample_csv_text() -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(generate_rows(np.random.default_rng(SEED)))
    return buffer.getvalue()


def main() -> None:
    OUTPUT.write_text(sample_csv_text(), encoding="utf-8", newline="")
    print(f"Wrote {OUTPUT}")


if __name__ == "__main__":
    main()
