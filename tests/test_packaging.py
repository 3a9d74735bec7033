"""Fast checks of the packaging files (the slow frozen smoke test is `make package-test`, not part of this).

They guard what a user of the installers depends on: the bundle keeps every module and Qt plugin the app
uses, ships its resources and licences, the installers carry the icon and the CSV association, and the
release workflow builds and smoke-tests on all three platforms.
"""

import ast
import importlib.util
import struct
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BUILD_SPEC = ROOT / "build_spec"
ICONS = ROOT / "resources" / "icons"


def load_build_module(name: str):
    spec = importlib.util.spec_from_file_location(f"build_spec_{name}", BUILD_SPEC / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bundle_rules = load_build_module("bundle_rules")


def imported_modules(folder: Path) -> set[str]:
    names = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
    return names


def test_no_module_the_app_imports_is_excluded_from_the_bundle():
    used = imported_modules(ROOT / "core") | imported_modules(ROOT / "desktop_app")
    excluded = [
        name
        for name in used
        if any(name == gone or name.startswith(gone + ".") for gone in bundle_rules.EXCLUDED_MODULES)
    ]
    assert not excluded, f"the app imports {excluded}, which the bundle leaves out"
    assert "PySide6.QtSvg" not in bundle_rules.EXCLUDED_MODULES  # matplotlib's Qt backend needs it


@pytest.mark.parametrize(
    "destination",
    [
        "resources/sample_customers.csv",
        "resources/THIRD_PARTY_LICENSES.txt",
        "PySide6/Qt/plugins/platforms/libqxcb.so",
        "PySide6/Qt/plugins/platforms/qwindows.dll",
        "PySide6/Qt/plugins/platforms/libqcocoa.dylib",
        "PySide6/Qt/plugins/imageformats/libqsvg.so",
        "PySide6/Qt/plugins/iconengines/libqsvgicon.so",
        "PySide6/Qt/lib/libQt6Svg.so.6",
        "PySide6/Qt/lib/libQt6XcbQpa.so.6",
        "PySide6/Qt/lib/libQt6DBus.so.6",
        "matplotlib/mpl-data/fonts/ttf/DejaVuSans.ttf",
        "matplotlib/mpl-data/fonts/ttf/DejaVuSans-Bold.ttf",
        "matplotlib/mpl-data/fonts/ttf/LastResortHE-Regular.ttf",
        "matplotlib/mpl-data/matplotlibrc",
        "matplotlib/mpl-data/images/home.png",
        "sklearn/utils/_isfinite.cpython-311-x86_64-linux-gnu.so",
        "bokeh/server/static/js/bokeh.min.js",
        "bokeh/core/_templates/file.html",
        "bokeh/_sri/3.9.2.json",  # read whenever BokehJS is inlined, though only pages from a CDN use them
    ],
)
def test_bundle_keeps_what_the_app_loads(destination):
    assert not bundle_rules.is_unneeded(destination)


@pytest.mark.parametrize(
    "destination",
    [
        "PySide6/Qt/translations/qtbase_de.qm",
        "PySide6/Qt/plugins/platformthemes/libqgtk3.so",
        "PySide6/Qt/plugins/platforms/libqeglfs.so",
        "PySide6/Qt/plugins/imageformats/libqtiff.so",
        "PySide6/Qt/lib/libQt6Quick.so.6",
        "pandas/tests/io/data/legacy.csv",
        "matplotlib/mpl-data/sample_data/goog.npz",
        "matplotlib/mpl-data/fonts/ttf/cmr10.ttf",
        "sklearn/datasets/data/iris.csv",
        "numpy/__init__.pyi",
        "bokeh/server/static/js/bokeh-widgets.min.js",
        "bokeh/server/static/js/bokeh.js",
        "bokeh/server/static/js/compiler.js",
        "bokeh/server/static/js/lib/api/index.d.ts",
        "bokeh/command/subcommands/serve.py",
        "xyzservices/data/providers.json",
    ],
)
def test_bundle_leaves_out_what_the_app_never_loads(destination):
    assert bundle_rules.is_unneeded(destination)


def test_test_suites_are_left_out_but_not_the_modules_they_test():
    assert bundle_rules.is_unneeded_module("pandas.tests.frame.test_api")
    assert bundle_rules.is_unneeded_module("numpy.tests")
    assert not bundle_rules.is_unneeded_module("numpy.testing")
    assert not bundle_rules.is_unneeded_module("sklearn.cluster")
    assert not bundle_rules.is_unneeded_module("jinja2.tests")  # Jinja's template tests, not a test suite


def test_host_libraries_come_from_the_target_system_except_the_xcb_helpers():
    assert bundle_rules.is_host_system_library("libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6")
    assert not bundle_rules.is_host_system_library(
        "libxcb-icccm.so.4", "/lib/x86_64-linux-gnu/libxcb-icccm.so.4"
    )
    assert not bundle_rules.is_host_system_library(
        "numpy.libs/libscipy_openblas64_.so", "/venv/lib/python3.11/site-packages/numpy.libs/x.so"
    )


def test_spec_lists_resources_that_exist():
    spec_text = (BUILD_SPEC / "segment_studio.spec").read_text(encoding="utf-8")
    tree = ast.parse(spec_text)
    for needed in (
        "sample_customers.csv",
        "segment-studio.png",
        "segment-studio.svg",
        "THIRD_PARTY_LICENSES",
        "dashboard.css",
        "dashboard.js",
    ):
        assert needed in spec_text
    assert (ROOT / "resources" / "sample_customers.csv").is_file()
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    assert {"Analysis", "EXE", "COLLECT", "BUNDLE"} <= names
    assert '"segment-studio"' in spec_text
    assert '"segment-studio-cli"' in spec_text
    assert "upx=True" not in spec_text


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    return struct.unpack(">II", header[16:24])


def test_icons_exist_in_every_size_and_format():
    make_icons = load_build_module("make_icons")
    for size in make_icons.PNG_SIZES:
        assert png_size(ICONS / f"segment-studio-{size}.png") == (size, size)
    assert png_size(ICONS / "segment-studio.png") == (make_icons.WINDOW_ICON_SIZE,) * 2
    ico = (ICONS / "segment-studio.ico").read_bytes()
    assert ico[:4] == b"\x00\x00\x01\x00"
    assert struct.unpack("<H", ico[4:6])[0] == len(make_icons.ICO_SIZES)
    assert (ICONS / "segment-studio.icns").read_bytes()[:4] == b"icns"


def test_license_file_names_each_bundled_library_with_its_licence_text(tmp_path):
    licenses = load_build_module("third_party_licenses")
    out = tmp_path / "THIRD_PARTY_LICENSES.txt"
    licenses.write_license_file(out, ["numpy.linalg", "pandas", "PyInstaller.utils", "core.cli"], "9.9.9")
    text = out.read_text(encoding="utf-8")
    from importlib.metadata import version

    assert f"numpy {version('numpy')}" in text
    assert f"pandas {version('pandas')}" in text
    assert "BSD" in text  # both are BSD-licensed; the licence text itself is included
    assert "Copyright" in text
    assert "pyinstaller" not in text.lower().split("summary:")[1].split("=====")[0]  # build tool, not shipped
    assert "Python Software Foundation" in text or "PSF" in text


def test_desktop_entry_opens_csv_files_and_has_the_icon():
    entry = dict(
        line.split("=", 1)
        for line in (BUILD_SPEC / "segment-studio.desktop").read_text(encoding="utf-8").splitlines()
        if "=" in line
    )
    assert entry["Exec"].split()[0] == "segment-studio"
    assert "%f" in entry["Exec"]
    assert "text/csv" in entry["MimeType"].split(";")
    assert entry["Icon"] == "segment-studio"


def test_windows_installer_is_a_per_user_install_with_start_menu_and_optional_desktop_icon():
    script = (BUILD_SPEC / "installer.iss").read_text(encoding="utf-8")
    assert "PrivilegesRequired=lowest" in script
    assert "{group}\\" in script
    assert "{uninstallexe}" in script
    assert "Tasks: desktopicon" in script
    assert "Flags: unchecked" in script


def workflow_jobs(text: str) -> dict[str, str]:
    """The workflow's jobs by name, each with its text (two-space-indented keys under `jobs:`)."""
    body = text.split("\njobs:\n", 1)[1]
    jobs, current = {}, None
    for line in body.splitlines():
        if line.startswith("  ") and not line.startswith("   ") and line.rstrip().endswith(":"):
            current = line.strip()[:-1]
            jobs[current] = ""
        elif current:
            jobs[current] += line + "\n"
    return jobs


def test_release_workflow_builds_and_smoke_tests_on_all_three_platforms():
    text = (ROOT / ".github" / "workflows" / "release.yml").read_text(encoding="utf-8")
    assert "\t" not in text, "YAML forbids tabs in indentation"
    if importlib.util.find_spec("yaml") is not None:
        import yaml

        assert isinstance(yaml.safe_load(text)["jobs"], dict)
    assert 'tags: ["v*"]' in text
    jobs = workflow_jobs(text)
    assert set(jobs) == {"linux", "windows", "macos", "release"}
    for platform in ("linux", "windows", "macos"):
        job = jobs[platform]
        assert "setup-python" in job
        # Pinned libraries: package.sh installs from constraints.txt on Linux, the job itself elsewhere.
        assert "constraints.txt" in job or "build_spec/package.sh" in job
        assert "smoke_test.py" in job or "package_test.sh" in job
        assert "upload-artifact" in job
    assert "installer.iss" in jobs["windows"]
    assert "hdiutil create" in jobs["macos"]
    assert "needs: [linux, windows, macos]" in jobs["release"]
    # Signing steps run only when their secrets are set.
    assert "if: env.WINDOWS_CERTIFICATE != ''" in jobs["windows"]
    assert "if: env.APPLE_CERTIFICATE != ''" in jobs["macos"]


def test_smoke_test_compares_summaries_except_the_input_path():
    smoke = load_build_module("smoke_test")
    source = {"input": "/a/x.csv", "k": 3, "segments": [{"centroid": {"age": 30.0}}]}
    same = {"input": "/b/x.csv", "k": 3, "segments": [{"centroid": {"age": 30.0 + 1e-12}}]}
    moved = {"input": "/b/x.csv", "k": 3, "segments": [{"centroid": {"age": 31.0}}]}
    assert smoke.differences(smoke.comparable(same, "/b/x.csv"), smoke.comparable(source, "/a/x.csv")) == []
    found = smoke.differences(smoke.comparable(moved, "/b/x.csv"), smoke.comparable(source, "/a/x.csv"))
    assert found
    assert "age" in found[0]


@pytest.mark.skipif(sys.platform == "win32", reason="shell scripts of the Linux build")
def test_package_scripts_are_valid_bash():
    import subprocess

    for script in ("package.sh", "package_test.sh", "make_deb.sh", "make_archive.sh"):
        result = subprocess.run(["bash", "-n", str(BUILD_SPEC / script)], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr


def test_launcher_runs_the_command_line_when_started_as_segment_studio_cli(tmp_path):
    import shutil
    import subprocess

    program = tmp_path / "segment-studio-cli.py"  # the launcher picks by the program's name (its stem)
    shutil.copy(BUILD_SPEC / "launcher.py", program)
    result = subprocess.run(
        [sys.executable, str(program), "--version"], capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("segment-studio-cli ")


def elf_with_load_segment(offset: int, address: int) -> bytes:
    """A minimal 64-bit ELF header with one LOAD program header (enough for the alignment check)."""
    header = bytearray(64)
    header[:5] = b"\x7fELF\x02"
    struct.pack_into("<Q", header, 0x20, 64)  # program headers right after the ELF header
    struct.pack_into("<HH", header, 0x36, 56, 1)
    program_header = struct.pack("<IIQQQQQQ", 1, 5, offset, address, address, 0x100, 0x100, 0x1000)
    return bytes(header) + program_header


def test_strip_check_rejects_libraries_the_loader_could_not_map(tmp_path):
    strip_bundle = load_build_module("strip_bundle")
    aligned, misaligned = tmp_path / "aligned.so", tmp_path / "misaligned.so"
    aligned.write_bytes(elf_with_load_segment(offset=0x2000, address=0x5000))
    misaligned.write_bytes(elf_with_load_segment(offset=0x2010, address=0x5000))
    assert strip_bundle.misaligned_segments(aligned) == []
    assert strip_bundle.misaligned_segments(misaligned) == [(0x2010, 0x5000, 0x1000)]


@pytest.mark.skipif(sys.platform == "win32", reason="the bundle uses symbolic links on Linux and macOS only")
def test_duplicate_libraries_become_links_to_one_copy(tmp_path):
    dedupe_bundle = load_build_module("dedupe_bundle")
    (tmp_path / "numpy.libs").mkdir()
    (tmp_path / "scipy.libs").mkdir()
    first, second = tmp_path / "numpy.libs" / "libgfortran.so.5", tmp_path / "scipy.libs" / "libgfortran.so.5"
    first.write_bytes(b"same library" * 100)
    second.write_bytes(b"same library" * 100)
    other = tmp_path / "scipy.libs" / "libother.so"
    other.write_bytes(b"another library")
    assert dedupe_bundle.dedupe(tmp_path) == 1200
    assert second.is_symlink()
    assert second.read_bytes() == first.read_bytes()
    assert not first.is_symlink()
    assert not other.is_symlink()


def test_the_linux_archive_is_xz_with_one_versioned_folder_and_its_links(tmp_path):
    import subprocess
    import tarfile

    bundle = tmp_path / "dist" / "segment-studio"
    (bundle / "_internal").mkdir(parents=True)
    (bundle / "_internal" / "libdemo.so.1").write_bytes(b"\0" * 1000)
    (bundle / "_internal" / "libdemo.so").symlink_to("libdemo.so.1")
    (bundle / "segment-studio").write_text("#!/bin/sh\n")
    result = subprocess.run(
        ["bash", str(BUILD_SPEC / "make_archive.sh"), str(bundle), "1.2.3", str(tmp_path)],
        capture_output=True, text=True, check=True,
    )
    archive = Path(result.stdout.strip())
    assert archive.name.endswith(".tar.xz")
    assert archive.name.startswith("segment-studio-1.2.3-linux-")
    with tarfile.open(archive, "r:xz") as opened:
        members = {member.name: member for member in opened.getmembers()}
    top = archive.name.removesuffix(".tar.xz")
    assert f"{top}/segment-studio" in members
    link = members[f"{top}/_internal/libdemo.so"]
    assert link.issym()
    assert link.linkname == "libdemo.so.1", "the links inside keep their targets"
    assert "make_archive.sh" in (BUILD_SPEC / "package.sh").read_text()
    assert "dist/*.tar.xz" in (ROOT / ".github" / "workflows" / "release.yml").read_text()
