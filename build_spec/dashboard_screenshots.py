"""Screenshots of the dashboard (core/dashboard.py) of the sample data in headless Chromium, for the README:
run by `make screenshots` after the app's."""

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.dashboard import write_dashboard  # noqa: E402
from core.loading import load_table  # noqa: E402
from core.pipeline import AnalysisSettings, run_analysis  # noqa: E402
from tests.browser import Browser, chromium_or_skip  # noqa: E402
from tests.engine.test_dashboard_browser import WAIT_FOR_CHARTS  # noqa: E402

OUTPUT = ROOT / "docs" / "screenshots"
LAPTOP, PHONE = (1280, 800), (390, 844)


def main() -> int:
    table = load_table(ROOT / "resources" / "sample_customers.csv")
    result = run_analysis(table, AnalysisSettings())
    with tempfile.TemporaryDirectory() as folder:
        page = write_dashboard(Path(folder) / "sample_customers_dashboard.html", table, result)
        with Browser(chromium_or_skip()) as browser:
            for (width, height), shots in (
                (LAPTOP, [("dashboard", None, 1250), ("dashboard-map", "#map", None)]),
                (PHONE, [("dashboard-phone", None, 1400)]),
            ):
                browser.open(page, width=width, height=height)
                if browser.run(WAIT_FOR_CHARTS) != "ready":
                    print("the dashboard's charts were not drawn", file=sys.stderr)
                    return 1
                for name, selector, max_height in shots:
                    browser.screenshot(OUTPUT / f"{name}.png", selector, max_height)
                    print(f"wrote {OUTPUT / name}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
