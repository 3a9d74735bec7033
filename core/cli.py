"""`segment-studio-cli`: the same analysis as the desktop app, from a terminal or a script.

Exit codes: 0 success; 2 bad input or arguments, with one line on stderr starting `error:`;
1 an unexpected internal problem (also one `error:` line); 130 interrupted.
Bad input never prints a traceback.
"""

import argparse
import gc
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from core import __version__
from core.errors import DataError, OperationCancelled, SegmentStudioError, SettingsError
from core.orders import DATE_ORDERS, DAY_FIRST, MONTH_FIRST
from core.preparation import MissingPolicy, Scaling, default_features

EXIT_OK = 0
EXIT_BAD_INPUT = 2
EXIT_INTERNAL_ERROR = 1
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """The command line itself is wrong (unknown option, bad value)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse would print the whole usage block and exit
        raise UsageError(f"{message} (see '{self.prog} --help')")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not '{text}'") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number of at least 1, not {value}")
    return value


def _forecast_weeks(text: str) -> int:
    from core.clv import MAX_WEEKS

    value = _positive_int(text)
    if value > MAX_WEEKS:
        raise argparse.ArgumentTypeError(f"expected at most {MAX_WEEKS} weeks (ten years), not {value}")
    return value


def _split_day(text: str) -> str:
    """'auto' (two thirds into the history) or a day written YYYY-MM-DD."""
    if text == "auto":
        return text
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a day written YYYY-MM-DD or 'auto', not '{text}'"
        ) from None


# `orders` segments only when asked: its --k default tells "not given" from "--k auto" (None).
_K_NOT_GIVEN = object()  # not a string: argparse would parse it as a value of --k


def _k_choice(text: str) -> int | None:
    """'auto' (the suggested number of segments) or a whole number of at least 1."""
    return None if text == "auto" else _positive_int(text)


def _method_option_type(default: object):
    """The command-line type of a method's setting, from its default: a whole number where the default
    is one, else a number (whole where written so), a percentage such as 2% (0.02), or 'auto' when the
    default is None (the method chooses it)."""
    if isinstance(default, bool):
        raise TypeError("yes/no method settings have no command-line form yet")
    if isinstance(default, int):
        return _positive_int

    def number(text: str) -> int | float | None:
        if text == "auto" and default is None:
            return None
        try:
            if text.endswith("%"):
                return float(text[:-1]) / 100
            return int(text) if text.lstrip("+").isdigit() else float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, not '{text}'") from None

    return number


# What the methods' settings mean, for --help (a setting not listed here is described by its name).
_SETTING_HELP = {
    "distance": "how close customers must be to count as neighbours in a group, in the prepared "
    "columns' units",
    "neighbours": "how many neighbours within the distance make a customer the core of a group",
    "min_segment_share": "the smallest segment worth keeping, as a share of the customers (0.02 or 2%%)",
}


def _method_settings() -> dict[str, list]:
    """Every setting of the registered methods beyond k, by name, with the methods that have it."""
    from core.methods import METHODS

    settings: dict[str, list] = {}
    for method in METHODS.values():
        for name in method.options:
            settings.setdefault(name, []).append(method)
    return settings


def _option_flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _add_analysis_options(parser: argparse.ArgumentParser, *, k_default: object) -> None:
    """The options that choose and write segments, shared by `analyze` and `orders`."""
    from core.methods import DEFAULT_METHOD, METHODS

    parser.add_argument(
        "--method",
        choices=list(METHODS),
        default=None,
        help=f"how to group the customers (default: {DEFAULT_METHOD}): "
        + "; ".join(f"{method.name}: {method.title}" for method in METHODS.values()),
    )
    # Each method's own settings (DBSCAN's distance, HDBSCAN's smallest segment) as options named after
    # them; not given, they keep the method's default (SUPPRESS: absent from the parsed arguments).
    for name, methods in _method_settings().items():
        default = methods[0].options[name]
        parser.add_argument(
            _option_flag(name),
            dest=f"method_option_{name}",
            type=_method_option_type(default),
            default=argparse.SUPPRESS,
            metavar="auto|X" if default is None else "X",
            help=f"{', '.join(method.title for method in methods)} only: "
            f"{_SETTING_HELP.get(name, name.replace('_', ' '))} "
            f"(default: {'chosen from the data' if default is None else default})",
        )
    parser.add_argument(
        "--features",
        nargs="+",
        metavar="COL",
        help="columns to segment on (default: the numeric and category columns that are not IDs)",
    )
    parser.add_argument(
        "--k", type=_k_choice, default=k_default, metavar="auto|N",
        help="number of segments (default: auto); methods that find the number themselves ignore it",
    )
    parser.add_argument("--k-min", type=_positive_int, default=1, help="smallest k to try (default 1)")
    parser.add_argument("--k-max", type=_positive_int, default=10, help="largest k to try (default 10)")
    parser.add_argument(
        "--scale",
        choices=[scaling.value for scaling in Scaling],
        default=Scaling.STANDARD.value,
        help="how columns are weighted: standard (default) gives each the same weight",
    )
    parser.add_argument(
        "--missing",
        choices=[policy.value for policy in MissingPolicy],
        default=MissingPolicy.DROP.value,
        help="drop (default) leaves out customers with missing values; fill fills them in",
    )
    parser.add_argument("--log", nargs="+", default=[], metavar="COL", help="log-transform these columns")
    parser.add_argument(
        "--seed", type=int, default=None, help="random seed (default: fixed, so runs repeat)"
    )
    parser.add_argument("--labels", type=Path, help="write customers with their segment (.csv or .xlsx)")
    parser.add_argument("--profiles", type=Path, help="write the segment profile table (.csv or .xlsx)")
    parser.add_argument("--summary", type=Path, help="write a JSON summary of the analysis")
    parser.add_argument("--report", type=Path, help="write a PDF report of the analysis")
    parser.add_argument(
        "--dashboard", type=Path,
        help="write an interactive dashboard (.html) to share, which opens offline in any browser",
    )
    parser.add_argument(
        "--workbook", type=Path, help="write an Excel workbook: a summary sheet and a sheet per segment"
    )
    parser.add_argument(
        "--model", type=Path, help="save the segments as a model file (JSON), to place new customers later"
    )
    parser.add_argument(
        "--stability", type=_positive_int, metavar="B", help="check how stable each segment is: regroup B "
        "reshuffles of the customers (50 is usual) and report how often each segment is found again; with a "
        "sweep, each k's least stable segment too, and the suggestion prefers a k whose segments are stable"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="segment-studio-cli",
        description="Split customers into segments (with k-means or another method), as the Segment "
        "Studio app does.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    analyze = commands.add_parser(
        "analyze",
        help="find segments in a customer file",
        description="Find segments in a customer file (CSV, TSV, TXT or Excel .xlsx) and print them.",
    )
    analyze.add_argument("input", type=Path, help="the customer file; it is only read, never changed")
    analyze.add_argument("--sheet", help="Excel only: the sheet to read (default: the first)")
    _add_analysis_options(analyze, k_default=None)
    orders = commands.add_parser(
        "orders",
        help="summarise an order history per customer (recency, frequency, money) and segment it",
        description="Summarise a file of purchases (one row per order line) into one row per customer: "
        "first and last purchase, purchases, days since the last purchase, days as customer, total and "
        "average spend, RFM scores and group. Purchases on the same day count as one. Any option of "
        "'analyze' (--k, --report, ...) also segments the customers in the same run.",
    )
    orders.add_argument("input", type=Path, help="the order file; it is only read, never changed")
    orders.add_argument("--sheet", help="Excel only: the sheet to read (default: the first)")
    column = "a column's name, or its number (1 = first) in a file without a header row"
    orders.add_argument("--customer", required=True, metavar="COL", help=f"who bought: {column}")
    orders.add_argument("--date", required=True, metavar="COL", help=f"when: {column}")
    orders.add_argument("--amount", metavar="COL", help=f"the money of each line: {column}")
    orders.add_argument(
        "--quantity", metavar="COL", help="how many items (adds an Items column; with --price, amount = "
        "quantity x price)"
    )
    orders.add_argument("--price", metavar="COL", help="the unit price, when there is no amount column")
    orders.add_argument(
        "--as-of", metavar="YYYY-MM-DD", help="the day of the analysis: later purchases are left out "
        "(default: the day after the last purchase)"
    )
    orders.add_argument(
        "--date-format", metavar="FMT", help=f"{DAY_FIRST} or {MONTH_FIRST} for dates like 03/01/2024 "
        "when the file does not settle it, or a format such as %%d.%%m.%%Y"
    )
    orders.add_argument("--out", type=Path, help="write the per-customer table (.csv or .xlsx)")
    orders.add_argument(
        "--predict-weeks", type=_forecast_weeks, metavar="N", help="add each customer's lifetime value over "
        "the next N weeks (52 = a year) to the table: expected purchases, chance still active, expected "
        "average spend and predicted value (BG/NBD and Gamma-Gamma models)"
    )
    orders.add_argument(
        "--holdout-split", type=_split_day, metavar="YYYY-MM-DD|auto", help="check the forecast: fit on the "
        "purchases up to this day and compare the purchases it expects after it with those made ('auto': "
        "two thirds into the history)"
    )
    _add_analysis_options(orders, k_default=_K_NOT_GIVEN)
    assign = commands.add_parser(
        "assign",
        help="place new customers into the segments of a saved model",
        description="Place each customer of INPUT in a segment of MODEL (saved with --model), as the "
        "model's method places customers: the nearest segment for k-means and Ward, the most likely for a "
        "Gaussian mixture, for DBSCAN and HDBSCAN the segment of the nearest core customer within the "
        "distance, else 'Unusual customers' (segment 0). Customers farther from their segment than 99 % "
        "of the original customers are marked 'does not fit any segment'.",
    )
    assign.add_argument("model", type=Path, help="the segment model (.json) saved with analyze --model")
    assign.add_argument("input", type=Path, help="the new customers; the file is only read, never changed")
    assign.add_argument("--sheet", help="Excel only: the sheet to read (default: the first)")
    assign.add_argument(
        "--map",
        nargs="+",
        default=[],
        metavar="MODEL_COLUMN=FILE_COLUMN",
        help="use FILE_COLUMN of the new file for the model's MODEL_COLUMN (when the names differ)",
    )
    assign.add_argument(
        "--labels", type=Path, required=True, help="write the customers with their segment (.csv or .xlsx)"
    )
    assign.add_argument("--summary", type=Path, help="write the counts per segment as JSON")
    compare = commands.add_parser(
        "compare",
        help="compare two segmentations of the same customers",
        description="Compare two segmentations of the same customer file: two project files (.segproj), "
        "or two files of customers with their segment (as written with --labels). Prints how many "
        "customers of each segment of A are in each segment of B, and how far the two agree.",
    )
    compare.add_argument("first", type=Path, help="a project file or a file of customers with their segment")
    compare.add_argument("second", type=Path, help="the other one; both are only read, never changed")
    compare.add_argument(
        "--id", metavar="COL", help="match customers by this column (a customer number) instead of by row"
    )
    compare.add_argument("--summary", type=Path, help="write the comparison as JSON")
    compare.add_argument(
        "--moved", type=Path, help="write the customers who are in different segments (.csv or .xlsx)"
    )
    return parser


def _repeated_identifiers(report) -> list[str]:
    """Customer-number columns in which some numbers occur twice: worth a look (a customer exported twice,
    or a file of purchases rather than customers), though each row is still treated as a customer."""
    from core.columns import ColumnKind

    return [
        f"Column '{column.name}' looks like a customer number, but {repeats:,} of its values repeat an "
        "earlier one; each row is treated as a separate customer. Check the file for customers listed twice."
        for column in report.columns
        if column.kind is ColumnKind.IDENTIFIER
        and (repeats := report.rows - column.missing - column.distinct) > 0
    ]


def _print_result(table, result, left_out: dict[str, str], stability=None) -> None:
    """`left_out`: columns the default choice did not use, with why (empty when the user chose);
    `stability` (core.stability.AnalysisStability) when it was checked."""
    from core.methods import method_named
    from core.pipeline import sweep_measure

    segmentation = result.segmentation
    report = table.report
    used = len(result.prepared.row_positions)
    print(f"File: {report.path} ({report.rows:,} customers, {len(report.columns)} columns)")
    for problem in (*report.problems, *_repeated_identifiers(report)):
        print(f"warning: {problem}")
    print(f"Segmented on: {', '.join(result.settings.features or ())}")
    # Columns left out for the same reason are listed together (a summary of orders has nine of them).
    by_reason: dict[str, list[str]] = {}
    for name, reason in left_out.items():
        by_reason.setdefault(reason, []).append(name)
    for reason, names in by_reason.items():
        print(f"  not used: {', '.join(names)}: {reason}")
    for step in result.prepared.steps:
        print(f"  - {step}")
    if used < report.rows:
        print(f"Customers used: {used:,} of {report.rows:,}")
    method = method_named(result.settings.method)
    print(f"Method: {method.title}")
    for note in segmentation.segmenter.notes_:  # how the fit ran, e.g. the distance DBSCAN chose
        print(f"  {note}")
    if result.sweep is not None:
        print()
        bic = sweep_measure(result.sweep, "bic")  # the Gaussian mixture's own sweep
        by_k = stability.by_k if stability is not None else {}
        stable_header = "   least stable segment" if by_k else ""
        if bic:
            print(f"Segments tried   BIC (lower = better){stable_header}")
        else:
            print(f"Segments tried   WCSS (lower = tighter)   silhouette (higher = clearer){stable_header}")
        silhouette = sweep_measure(result.sweep, "silhouette")
        for score in result.sweep.scores:
            marker = "  <- suggested" if score.k == result.sweep.suggested_k else ""
            stable = f"   {by_k[score.k].smallest:>21.2f}" if score.k in by_k else ""
            if bic:
                print(f"{score.k:>14}   {bic[str(score.k)]:>20,.2f}{stable}{marker}")
            else:
                shown = f"{silhouette[str(score.k)]:.3f}" if str(score.k) in silhouette else ""
                print(f"{score.k:>14}   {score.wcss:>22,.2f}   {shown:>29}{stable}{marker}")
        print(f"Suggestion: {result.sweep.reason}")
    print()
    found = f"{segmentation.k} segment{'s' if segmentation.k != 1 else ''}"
    if segmentation.unusual:
        unusual = f"{segmentation.unusual:,} unusual customer{'s' if segmentation.unusual != 1 else ''}"
        print(f"{found}, and {unusual} in no group:")
    else:
        print(f"{found}:")
    for index, profile in enumerate(segmentation.profiles):
        print(f"{profile.number}. {profile.name}: {profile.size:,} customers ({profile.share:.0%})")
        if stability is not None:
            print(f"   {stability.segments[index].explanation}")
        centre = ", ".join(f"{feature} {value:,.1f}" for feature, value in profile.centroid.items())
        if centre:
            print(f"   centre: {centre}")
        if profile.description:
            print(f"   {profile.description}")


def _refuse_writing_over_input(source: Path, *outputs: Path | None) -> None:
    """Checked before any work starts: the customer file is only ever read."""
    for output in outputs:
        if output is not None and output.exists() and source.exists() and output.samefile(source):
            raise UsageError(
                f"'{output}' is the input file; choose another name for the output "
                "so the original stays as it is"
            )


@contextmanager
def _naming_the_file(path: Path) -> Iterator[None]:
    """Data and settings errors from the analysis name a column, not the file; on the command line, where
    scripts run over many files, the file is named too."""
    try:
        yield
    except (DataError, SettingsError) as error:
        if path.name in str(error):
            raise
        raise type(error)(f"In '{path.name}': {error}") from error


def _segment_outputs(arguments: argparse.Namespace) -> tuple[Path | None, ...]:
    return (arguments.labels, arguments.profiles, arguments.report, arguments.dashboard, arguments.workbook,
            arguments.model)


def _analysis_outputs(arguments: argparse.Namespace) -> tuple[Path | None, ...]:
    return (*_segment_outputs(arguments), arguments.summary)


def _analyze(arguments: argparse.Namespace) -> None:
    from core.loading import ReadOptions, load_table

    _refuse_writing_over_input(arguments.input, *_analysis_outputs(arguments))
    table = load_table(arguments.input, ReadOptions(sheet=arguments.sheet))
    _segment(arguments, table, log_columns=tuple(arguments.log))


def _segment(
    arguments: argparse.Namespace,
    table,
    *,
    log_columns: tuple[str, ...],
    summary_facts: dict | None = None,
    holdout=None,
) -> None:
    """Segment a loaded table with the analysis options, print the segments and write what was asked
    (`summary_facts` lead the JSON summary; `holdout`, a core.clv.HoldoutCheck, gets a report page)."""
    from core.clustering import DEFAULT_SEED
    from core.clv import group_value_records, value_by_segment, with_segment_value
    from core.export import write_json, write_table
    from core.methods import DEFAULT_METHOD, method_named
    from core.pipeline import AnalysisSettings, analysis_summary, labelled_customers, run_analysis
    from core.profiling import profile_table
    from core.stability import with_stability

    method = method_named(arguments.method or DEFAULT_METHOD)
    if arguments.k is not None and arguments.k is not _K_NOT_GIVEN and not method.takes_k:
        print(
            f"warning: {method.title} finds the number of segments itself; --k {arguments.k} is ignored.",
            file=sys.stderr,
        )
    settings = AnalysisSettings(
        features=tuple(arguments.features) if arguments.features else None,
        k=arguments.k,
        k_min=arguments.k_min,
        k_max=arguments.k_max,
        scaling=Scaling(arguments.scale),
        missing=MissingPolicy(arguments.missing),
        log_columns=log_columns,
        seed=DEFAULT_SEED if arguments.seed is None else arguments.seed,
        method=method.name,
        method_options=_given_method_options(arguments),
    )
    labels_by_k: dict = {}  # each swept k's labels, kept only for the stability check
    stability = None
    with _naming_the_file(arguments.input):
        result = run_analysis(
            table, settings, on_labels=labels_by_k.__setitem__ if arguments.stability else None
        )
        if arguments.stability:
            from core.stability import analysis_stability

            stability = analysis_stability(
                table, result, labels_by_k=labels_by_k, resamples=arguments.stability
            )
            result = stability.result
    labels_by_k.clear()
    left_out = {} if arguments.features else default_features(table.report.columns).excluded
    _print_result(table, result, left_out, stability)
    segmentation = result.segmentation
    segment_stability = None if stability is None else stability.segments
    segment_value = value_by_segment(table.frame, segmentation.labels, segmentation.numbers)
    if segment_value is not None:
        for sentence in segment_value.sentences.values():
            print(sentence)
    if arguments.labels:
        labelled = labelled_customers(table.frame, segmentation, result.prepared)
        write_table(arguments.labels, labelled, protected=arguments.input)
        print(f"Wrote customers with their segment to {arguments.labels}")
    if arguments.profiles:
        profiles = profile_table(segmentation.profiles, segmentation.overall)
        profiles = with_stability(profiles, segment_stability)
        write_table(
            arguments.profiles,
            with_segment_value(profiles, table.frame, segmentation.labels, segmentation.numbers),
            protected=arguments.input,
        )
        print(f"Wrote the segment profiles to {arguments.profiles}")
    if arguments.summary:
        summary = {**(summary_facts or {}), **analysis_summary(table, result)}
        if segment_value is not None:
            for segment, value in zip(summary["segments"], group_value_records(segment_value), strict=True):
                segment.update({key: value[key] for key in value if key not in ("group", "customers")})
        if stability is not None:
            for segment, checked in zip(summary["segments"], stability.segments, strict=True):
                segment.update(checked.to_dict())
            summary.update(stability.summary())
        write_json(arguments.summary, summary)
        print(f"Wrote the summary to {arguments.summary}")
    if arguments.report:
        from core.report import write_report

        write_report(arguments.report, table, result, holdout=holdout, stability=segment_stability)
        print(f"Wrote the report to {arguments.report}")
    if arguments.dashboard:
        from core.dashboard import write_dashboard

        write_dashboard(arguments.dashboard, table, result, stability=segment_stability)
        print(f"Wrote the dashboard to {arguments.dashboard}")
    if arguments.workbook:
        from core.pipeline import segment_probabilities
        from core.workbook import write_workbook

        write_workbook(
            arguments.workbook, table.frame, segmentation, protected=arguments.input,
            stability=segment_stability, probabilities=segment_probabilities(segmentation, result.prepared),
        )
        print(f"Wrote the workbook to {arguments.workbook}")
    if arguments.model:
        from core.segment_model import build_segment_model, save_segment_model

        save_segment_model(arguments.model, build_segment_model(result))
        print(f"Wrote the segment model to {arguments.model}")


def _given_method_options(arguments: argparse.Namespace) -> dict:
    """The method settings given on the command line (a setting the chosen method does not have is
    refused by the analysis, naming the method's settings)."""
    prefix = "method_option_"
    return {name[len(prefix):]: value for name, value in vars(arguments).items() if name.startswith(prefix)}


def _file_column(columns: Sequence[str], given: str | None, option: str) -> str | None:
    """A column named by its header, or by its 1-based number (files without a header row)."""
    if given is None or given in columns:
        return given
    if given.isdigit() and 1 <= int(given) <= len(columns):
        return columns[int(given) - 1]
    listed = ", ".join(f"'{name}'" for name in columns[:20])
    raise UsageError(f"{option} '{given}': the file has no such column; its columns are {listed} "
                     f"(or give a number from 1 to {len(columns)})")


def _segmenting_asked(arguments: argparse.Namespace) -> bool:
    """Whether an option of `analyze` was given, so that the customers are also segmented."""
    return (
        arguments.k is not _K_NOT_GIVEN or bool(arguments.features) or bool(arguments.log)
        or arguments.method is not None or bool(_given_method_options(arguments))
        or any(output is not None for output in _segment_outputs(arguments))
    )


def _orders(arguments: argparse.Namespace) -> None:
    from core.export import write_json, write_table
    from core.loading import ReadOptions, load_table
    from core.orders import OrderColumns, summarise_order_file
    from core.pipeline import resolve_features
    from core.preparation import suggest_log_columns

    _refuse_writing_over_input(arguments.input, arguments.out, *_analysis_outputs(arguments))
    if arguments.amount is None and (arguments.quantity is None or arguments.price is None):
        raise UsageError("give --amount COL, or --quantity COL and --price COL (amount = quantity x price)")
    if arguments.date_format is not None and arguments.date_format not in DATE_ORDERS \
            and "%" not in arguments.date_format:
        raise UsageError(f"--date-format expects {DAY_FIRST}, {MONTH_FIRST} or a format such as %d.%m.%Y, "
                         f"not '{arguments.date_format}'")
    table = load_table(arguments.input, ReadOptions(sheet=arguments.sheet))
    names = [str(name) for name in table.frame.columns]
    columns = OrderColumns(
        customer=_file_column(names, arguments.customer, "--customer"),
        date=_file_column(names, arguments.date, "--date"),
        amount=_file_column(names, arguments.amount, "--amount"),
        quantity=_file_column(names, arguments.quantity, "--quantity"),
        price=_file_column(names, arguments.price, "--price"),
        date_format=arguments.date_format,
    )
    with _naming_the_file(arguments.input):
        summary, customers = summarise_order_file(table, columns, arguments.as_of)
        # Both before anything is written: a split outside the history stops the run with nothing half done.
        customers, holdout, clv_facts = _lifetime_value(arguments, summary, customers)
    print(f"File: {table.report.path} ({summary.orders_read:,} order lines)")
    print(f"{summary.source_text()}: {summary.customers_text()}.")
    segmenting = _segmenting_asked(arguments)
    if not segmenting:  # otherwise they are printed with the segments, as the customer table's problems
        for problem in customers.report.problems:
            print(f"warning: {problem}")
    for sentence in clv_facts.pop("sentences", ()):
        print(sentence)
    for warning in clv_facts.pop("warnings", ()):
        print(f"warning: {warning}")
    facts = {**summary.to_dict(), **clv_facts}
    if arguments.out:
        write_table(arguments.out, customers.frame, protected=arguments.input)
        print(f"Wrote the customers to {arguments.out}")
    if segmenting:
        if arguments.k is _K_NOT_GIVEN:
            arguments.k = None
        # Recency, frequency and money are heavily skewed (a few customers buy hundreds of times): the
        # columns that need it are compared on a log scale unless the user chose.
        features = resolve_features(customers, tuple(arguments.features) if arguments.features else None)
        log_columns = tuple(arguments.log) or suggest_log_columns(customers.report.columns, features)
        print()
        _segment(arguments, customers, log_columns=log_columns, summary_facts=facts, holdout=holdout)
    elif arguments.summary:
        write_json(arguments.summary, {"input": table.report.path, **facts})
        print(f"Wrote the summary to {arguments.summary}")


def _lifetime_value(arguments: argparse.Namespace, summary, customers):
    """With --predict-weeks and --holdout-split: the per-customer table with the lifetime-value columns,
    the holdout check and the summary's "clv" and "holdout" facts (with a "sentence" and "warnings" to
    print). What the data cannot support (everyone bought once, a few weeks of history) is a warning:
    the RFM table is still worth having, so it is written as it is and the block is null with the reason.
    A split outside the history is a wrong request (SettingsError: exit 2, nothing written)."""
    from core.clv import group_value_records, lifetime_value_of_orders, value_by_rfm_group

    asked_check = arguments.holdout_split is not None
    if arguments.predict_weeks is None and not asked_check:
        return customers, None, {}
    split = None if arguments.holdout_split in (None, "auto") else arguments.holdout_split
    outcome = lifetime_value_of_orders(summary, customers, arguments.predict_weeks, split, check=asked_check)
    facts: dict = {"sentences": [], "warnings": []}
    if arguments.predict_weeks is not None:
        if outcome.lifetime_value is None:
            facts.update(clv=None, clv_not_estimated=outcome.not_estimated)
            facts["warnings"].append(outcome.not_estimated)
        else:
            clv = outcome.lifetime_value.summary()
            by_rfm_group = value_by_rfm_group(outcome.table.frame)
            if by_rfm_group is not None:
                clv["by_rfm_group"] = group_value_records(by_rfm_group)
            facts["clv"] = clv
            facts["sentences"].append(outcome.sentence())
    if asked_check:
        if outcome.holdout is None:
            facts.update(holdout=None, holdout_not_checked=outcome.not_checked)
            facts["warnings"].append(outcome.not_checked)
        else:
            facts["holdout"] = outcome.holdout.summary()
            facts["sentences"].append(f"Holdout check: {outcome.holdout.sentence}")
    return outcome.table, outcome.holdout, facts


def _column_mapping(pairs: Sequence[str]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        model_column, separator, file_column = pair.partition("=")
        if not separator or not model_column.strip() or not file_column.strip():
            raise UsageError(f"--map expects MODEL_COLUMN=FILE_COLUMN, not '{pair}'")
        mapping[model_column.strip()] = file_column.strip()
    return mapping


def _assign(arguments: argparse.Namespace) -> None:
    from core.export import write_json, write_table
    from core.loading import ReadOptions, load_table
    from core.segment_model import (
        assign_customers,
        assignment_frame,
        assignment_summary,
        load_segment_model,
        match_columns,
        missing_columns_message,
    )

    _refuse_writing_over_input(arguments.input, arguments.labels, arguments.summary)
    mapping = _column_mapping(arguments.map)
    model = load_segment_model(arguments.model)
    table = load_table(arguments.input, ReadOptions(sheet=arguments.sheet))
    match = match_columns(model, table.frame.columns, mapping)
    if not match.complete:
        raise DataError(
            missing_columns_message(
                match,
                table.frame.columns,
                how="name the file's column for each with --map MODEL_COLUMN=FILE_COLUMN",
            )
        )
    with _naming_the_file(arguments.input):
        assignment = assign_customers(model, table.frame, mapping)
    summary = assignment_summary(assignment)
    print(f"File: {table.report.path} ({summary['rows']:,} customers)")
    for name, count in summary["assigned"].items():
        print(f"{name}: {count:,}")
    print(f"Do not fit any segment: {summary['not_fitting']:,}")
    if summary["left_out_missing_values"]:
        print(f"Left out (missing values): {summary['left_out_missing_values']:,}")
    write_table(arguments.labels, assignment_frame(table.frame, assignment), protected=arguments.input)
    print(f"Wrote customers with their segment to {arguments.labels}")
    if arguments.summary:
        write_json(arguments.summary, {"model": str(arguments.model), "input": table.report.path, **summary})
        print(f"Wrote the summary to {arguments.summary}")


def _compare(arguments: argparse.Namespace) -> None:
    from core.comparison import compare_saved_segmentations, read_saved_segmentation
    from core.export import write_json, write_table

    for source in (arguments.first, arguments.second):
        _refuse_writing_over_input(source, arguments.summary, arguments.moved)
    first, second = (read_saved_segmentation(path) for path in (arguments.first, arguments.second))
    compared = compare_saved_segmentations(first, second, id_column=arguments.id)
    comparison = compared.comparison
    print(f"A: {comparison.first_title}")
    print(f"B: {comparison.second_title}")
    print(f"Customers compared: {comparison.compared:,} (matched {compared.matched_by})")
    if compared.only_in_first or compared.only_in_second:
        print(f"Only in A: {compared.only_in_first:,}; only in B: {compared.only_in_second:,}")
    print()
    print("Customers of each segment of A (rows) in each segment of B (columns):")
    print(comparison.counts.to_string())
    print()
    print(comparison.sentence)
    print(f"Details: adjusted Rand index {comparison.adjusted_rand:.3f} "
          "(0 = no better than chance, 1 = the same grouping)")
    print(f"Customers in different segments: {int(comparison.moved.sum()):,}")
    if arguments.moved:
        write_table(arguments.moved, compared.moved(), protected=arguments.first)
        print(f"Wrote the customers in different segments to {arguments.moved}")
    if arguments.summary:
        write_json(arguments.summary, {
            "first": comparison.first_title,
            "second": comparison.second_title,
            "matched_by": compared.matched_by,
            "compared": comparison.compared,
            "only_in_first": compared.only_in_first,
            "only_in_second": compared.only_in_second,
            "counts": {row: {column: int(count) for column, count in counts.items()}
                       for row, counts in comparison.counts.iterrows()},
            "matches": comparison.matches,
            "agreement": comparison.agreement,
            "agreement_sentence": comparison.sentence,
            "adjusted_rand": comparison.adjusted_rand,
            "moved": int(comparison.moved.sum()),
        })
        print(f"Wrote the summary to {arguments.summary}")


def main(argv: Sequence[str] | None = None) -> int:
    try:
        arguments = build_parser().parse_args(argv)
        if arguments.command == "analyze":
            _analyze(arguments)
        elif arguments.command == "orders":
            _orders(arguments)
        elif arguments.command == "assign":
            _assign(arguments)
        elif arguments.command == "compare":
            _compare(arguments)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except SegmentStudioError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as error:  # a full disk, a removed USB stick: the computer's problem, not a bug of ours
        print(
            f"error: a file could not be written or read ({error.strerror or error}); any earlier file of "
            "that name is unchanged. Check that the disk has free space and is still connected, or choose "
            "another folder.",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    except (KeyboardInterrupt, OperationCancelled):
        print("error: interrupted; nothing more was written.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as error:  # a bug of ours: still no traceback in the user's face
        print(
            f"error: an unexpected problem stopped the analysis ({type(error).__name__}: {error}). "
            "Please report it to the Segment Studio developers with the command you ran.",
            file=sys.stderr,
        )
        return EXIT_INTERNAL_ERROR
    return EXIT_OK


def run() -> int:
    """The program's entry point: `main`, and an exit without the interpreter's last walk over every
    object. Python's final garbage collections visit everything the imported libraries made, 0.3-0.4 s
    after importing scikit-learn (measured; the notebook script pays it too), to free memory that the
    operating system takes back at once anyway. Moving all objects to the permanent generation skips
    that walk; the output files are closed by then, and exit handlers still run."""
    code = main()
    gc.freeze()
    return code


if __name__ == "__main__":
    sys.exit(run())
