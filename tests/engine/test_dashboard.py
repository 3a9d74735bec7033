"""The dashboard file (core/dashboard.py) from the command line and from the core: what it says, that it
keeps the user's file safe and stops when cancelled. How it works in a browser: test_dashboard_browser.py."""

import html
import re
from pathlib import Path

import pytest

import core.dashboard
from core.cli import EXIT_BAD_INPUT, EXIT_OK
from core.colours import UNUSUAL_COLOUR
from core.dashboard import write_dashboard
from core.errors import OperationCancelled, SettingsError
from core.loading import load_table
from core.methods import method_named
from core.pipeline import AnalysisSettings, run_analysis
from core.stability import segmentation_stability
from tests.engine.test_cli import run_cli, sha256
from tests.engine.test_cli_clv import GENERATED_COLUMNS, generated_orders  # noqa: F401 (a fixture)

SAMPLE = Path(__file__).resolve().parents[2] / "resources" / "sample_customers.csv"
# Where a page names another address to load from: src="http…", href="//…", url(https:…).
OTHER_ADDRESS = re.compile(r"""(src|href)\s*=\s*["']?\s*(https?:|//)|url\(\s*["']?\s*(https?:|//)""", re.I)


@pytest.fixture(scope="module")
def sample_result():
    table = load_table(SAMPLE)
    return table, run_analysis(table, AnalysisSettings(k=4))


def test_analyze_writes_a_dashboard_with_every_segment(capsys, tmp_path):
    path = tmp_path / "dashboard.html"
    before = sha256(SAMPLE)
    code, out, err = run_cli(capsys, "analyze", SAMPLE, "--k", "3", "--dashboard", path)
    assert code == EXIT_OK, err
    assert f"Wrote the dashboard to {path}" in out
    page = path.read_text(encoding="utf-8")
    assert "<dd>sample_customers.csv</dd>" in page
    assert len(re.findall(r'<article class="card"', page)) == 3
    # Our part of the page names no other address. (BokehJS holds one, MathJax's, which it loads only for
    # TeX in a chart's text; the page's content security policy refuses it, and the browser tests check
    # that nothing is requested.)
    ours = re.sub(r"<script>.*?</script>", "", page, flags=re.S)
    assert OTHER_ADDRESS.search(ours) is None
    assert OTHER_ADDRESS.search((Path(core.dashboard.__file__).parent / "dashboard.js").read_text()) is None
    assert "default-src 'none'" in page
    assert sha256(SAMPLE) == before


def test_the_address_check_finds_a_script_from_elsewhere():
    assert OTHER_ADDRESS.search('<script src="https://cdn.example.com/bokeh.js">')
    assert OTHER_ADDRESS.search("background: url( '//example.com/x.png')")
    assert OTHER_ADDRESS.search('<img src="data:image/png;base64,AAAA">') is None


def test_orders_dashboard_shows_each_segments_predicted_value(capsys, tmp_path, generated_orders):  # noqa: F811
    path = tmp_path / "dashboard.html"
    code, _, err = run_cli(
        capsys, "orders", generated_orders, *GENERATED_COLUMNS, "--predict-weeks", "26", "--k", "3",
        "--dashboard", path,
    )  # fmt: skip
    assert code == EXIT_OK, err
    page = path.read_text(encoding="utf-8")
    assert len(re.findall(r'<p class="note">Predicted value [\d,.]+ per customer', page)) == 3


def test_each_card_says_how_stable_its_segment_is(sample_result, tmp_path):
    table, result = sample_result
    stability = segmentation_stability(result.prepared, result.segmentation, resamples=5)
    path = write_dashboard(tmp_path / "dashboard.html", table, result, stability=stability)
    cards = re.findall(r"<article.*?</article>", path.read_text(encoding="utf-8"), re.S)
    assert len(cards) == len(stability)
    for card, segment in zip(cards, stability, strict=True):
        assert f"How sure: {segment.explanation}." in card


def test_a_density_method_s_dashboard_has_the_unusual_customers_in_grey_and_no_number_to_choose(
    capsys, tmp_path
):
    path = tmp_path / "dashboard.html"
    code, _, err = run_cli(capsys, "analyze", SAMPLE, "--method", "hdbscan", "--dashboard", path)
    assert code == EXIT_OK, err
    page = path.read_text(encoding="utf-8")
    title = html.escape(method_named("hdbscan").title)
    assert f"{title} finds the number of segments itself" in page
    assert f"<dd>{title}</dd>" in page
    assert "Segment 0: Unusual customers" in page
    assert UNUSUAL_COLOUR in page


def test_a_gaussian_mixture_s_dashboard_charts_its_own_fit_measure(capsys, tmp_path):
    path = tmp_path / "dashboard.html"
    code, _, err = run_cli(capsys, "analyze", SAMPLE, "--method", "gmm", "--k-max", "5", "--dashboard", path)
    assert code == EXIT_OK, err
    page = path.read_text(encoding="utf-8")
    assert "The dark line (BIC)" in page
    assert '<th scope="col">BIC</th>' in page


def test_the_customer_file_is_never_overwritten(sample_result, tmp_path):
    table, result = sample_result
    copy = tmp_path / "customers.csv"
    copy.write_bytes(SAMPLE.read_bytes())
    table = load_table(copy)
    with pytest.raises(SettingsError, match="customer file the results came from"):
        write_dashboard(copy, table, result)
    assert copy.read_bytes() == SAMPLE.read_bytes()


def test_cancelling_writes_nothing(sample_result, tmp_path):
    table, result = sample_result
    with pytest.raises(OperationCancelled):
        write_dashboard(tmp_path / "dashboard.html", table, result, cancel=lambda: True)
    assert list(tmp_path.iterdir()) == []


def test_a_dashboard_into_a_missing_folder_is_a_clear_error(capsys, tmp_path):
    code, _, err = run_cli(capsys, "analyze", SAMPLE, "--k", "2", "--dashboard", tmp_path / "no" / "d.html")
    assert code == EXIT_BAD_INPUT
    assert "does not exist" in err
