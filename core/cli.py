"""`segment-studio-cli`: the same analysis as the desktop app, from a terminal or a script.

Exit codes: 0 success; 2 bad input or arguments, with one line on stderr starting `error:`;
1 an unexpected internal problem (also one `error:` line); 130 interrupted.
Bad input never prints a traceback.
"""

import argparse
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from core import __version__
from core.errors import DataError, OperationCancelled, SegmentStudioError, SettingsError
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


def _k_choice(text: str) -> int | None:
    """'auto' (the suggested number of segments) or a whole number of at least 1."""
    return None if text == "auto" else _positive_int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="segment-studio-cli",
        description="Split customers into segments with k-means, as the Segment Studio app does.",
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
    analyze.add_argument(
        "--features",
        nargs="+",
        metavar="COL",
        help="columns to segment on (default: the numeric and category columns that are not IDs)",
    )
    analyze.add_argument(
        "--k", type=_k_choice, default=None, metavar="auto|N", help="number of segments (default: auto)"
    )
    analyze.add_argument("--k-min", type=_positive_int, default=1, help="smallest k to try (default 1)")
    analyze.add_argument("--k-max", type=_positive_int, default=10, help="largest k to try (default 10)")
    analyze.add_argument(
        "--scale",
        choices=[scaling.value for scaling in Scaling],
        default=Scaling.STANDARD.value,
        help="how columns are weighted: standard (default) gives each the same weight",
    )
    analyze.add_argument(
        "--missing",
        choices=[policy.value for policy in MissingPolicy],
        default=MissingPolicy.DROP.value,
        help="drop (default) leaves out customers with missing values; fill fills them in",
    )
    analyze.add_argument("--log", nargs="+", default=[], metavar="COL", help="log-transform these columns")
    analyze.add_argument(
        "--seed", type=int, default=None, help="random seed (default: fixed, so runs repeat)"
    )
    analyze.add_argument("--labels", type=Path, help="write customers with their segment (.csv or .xlsx)")
    analyze.add_argument("--profiles", type=Path, help="write the segment profile table (.csv or .xlsx)")
    analyze.add_argument("--summary", type=Path, help="write a JSON summary of the analysis")
    analyze.add_argument("--report", type=Path, help="write a PDF report of the analysis")
    analyze.add_argument(
        "--workbook", type=Path, help="write an Excel workbook: a summary sheet and a sheet per segment"
    )
    analyze.add_argument(
        "--model", type=Path, help="save the segments as a model file (JSON), to place new customers later"
    )
    assign = commands.add_parser(
        "assign",
        help="place new customers into the segments of a saved model",
        description="Place each customer of INPUT in the nearest segment of MODEL (saved with --model). "
        "Customers farther from every segment than 99 % of the original customers are marked "
        "'does not fit any segment'.",
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


def _print_result(table, result, left_out: dict[str, str]) -> None:
    """`left_out`: columns the default choice did not use, with why (empty when the user chose)."""
    segmentation = result.segmentation
    report = table.report
    used = len(result.prepared.row_positions)
    print(f"File: {report.path} ({report.rows:,} customers, {len(report.columns)} columns)")
    for problem in (*report.problems, *_repeated_identifiers(report)):
        print(f"warning: {problem}")
    print(f"Segmented on: {', '.join(result.settings.features or ())}")
    for name, reason in left_out.items():
        print(f"  not used: {name}: {reason}")
    for step in result.prepared.steps:
        print(f"  - {step}")
    if used < report.rows:
        print(f"Customers used: {used:,} of {report.rows:,}")
    if result.sweep is not None:
        print()
        print("Segments tried   WCSS (lower = tighter)   silhouette (higher = clearer)")
        for score in result.sweep.scores:
            silhouette = "" if score.silhouette is None else f"{score.silhouette:.3f}"
            marker = "  <- suggested" if score.k == result.sweep.suggested_k else ""
            print(f"{score.k:>14}   {score.wcss:>22,.2f}   {silhouette:>29}{marker}")
        print(f"Suggestion: {result.sweep.reason}")
    print()
    print(f"{segmentation.k} segments:")
    for profile in segmentation.profiles:
        print(f"{profile.number}. {profile.name}: {profile.size:,} customers ({profile.share:.0%})")
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


def _analyze(arguments: argparse.Namespace) -> None:
    from core.clustering import DEFAULT_SEED
    from core.export import labelled_frame, write_json, write_table
    from core.loading import ReadOptions, load_table
    from core.pipeline import AnalysisSettings, analysis_summary, run_analysis
    from core.profiling import profile_table

    _refuse_writing_over_input(
        arguments.input,
        arguments.labels,
        arguments.profiles,
        arguments.summary,
        arguments.report,
        arguments.workbook,
        arguments.model,
    )
    table = load_table(arguments.input, ReadOptions(sheet=arguments.sheet))
    settings = AnalysisSettings(
        features=tuple(arguments.features) if arguments.features else None,
        k=arguments.k,
        k_min=arguments.k_min,
        k_max=arguments.k_max,
        scaling=Scaling(arguments.scale),
        missing=MissingPolicy(arguments.missing),
        log_columns=tuple(arguments.log),
        seed=DEFAULT_SEED if arguments.seed is None else arguments.seed,
    )
    with _naming_the_file(arguments.input):
        result = run_analysis(table, settings)
    left_out = {} if arguments.features else default_features(table.report.columns).excluded
    _print_result(table, result, left_out)
    segmentation = result.segmentation
    if arguments.labels:
        labelled = labelled_frame(table.frame, segmentation.labels, segmentation.names)
        write_table(arguments.labels, labelled, protected=arguments.input)
        print(f"Wrote customers with their segment to {arguments.labels}")
    if arguments.profiles:
        write_table(
            arguments.profiles,
            profile_table(segmentation.profiles, segmentation.overall),
            protected=arguments.input,
        )
        print(f"Wrote the segment profiles to {arguments.profiles}")
    if arguments.summary:
        write_json(arguments.summary, analysis_summary(table, result))
        print(f"Wrote the summary to {arguments.summary}")
    if arguments.report:
        from core.report import write_report

        write_report(arguments.report, table, result)
        print(f"Wrote the report to {arguments.report}")
    if arguments.workbook:
        from core.workbook import write_workbook

        write_workbook(arguments.workbook, table.frame, segmentation, protected=arguments.input)
        print(f"Wrote the workbook to {arguments.workbook}")
    if arguments.model:
        from core.segment_model import build_segment_model, save_segment_model

        save_segment_model(arguments.model, build_segment_model(result))
        print(f"Wrote the segment model to {arguments.model}")


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


def main(argv: Sequence[str] | None = None) -> int:
    try:
        arguments = build_parser().parse_args(argv)
        if arguments.command == "analyze":
            _analyze(arguments)
        elif arguments.command == "assign":
            _assign(arguments)
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


if __name__ == "__main__":
    sys.exit(main())
