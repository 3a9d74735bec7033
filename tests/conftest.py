"""Shared fixtures: where the read-only third-party data sets live."""

from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATASETS = PROJECT_ROOT.parent / "shared" / "datasets"


@pytest.fixture(scope="session")
def datasets_dir() -> Path:
    if not SHARED_DATASETS.is_dir():
        pytest.fail(f"The shared test data sets are missing: expected them in {SHARED_DATASETS}")
    return SHARED_DATASETS
