"""What the frozen bundle leaves out, as rules the spec applies and tests/test_packaging.py checks.

Everything here was measured against the smoke test (build_spec/smoke_test.py): each rule removes files the
app never loads on any of its code paths (start-up, loading CSV/Excel, the analysis, charts, exports).
"""

import re

# Python modules never imported by the app (development tools, other GUI toolkits, test suites).
EXCLUDED_MODULES = [
    "tkinter",
    "_tkinter",
    "turtle",
    "pydoc_data",
    "lib2to3",
    "idlelib",
    "pytest",
    "_pytest",
    "hypothesis",
    "IPython",
    "PyQt5",
    "PyQt6",
    "PySide2",
    # Pillow's AVIF codec (5 MB of libavif): matplotlib never uses AVIF, and Pillow treats it as optional.
    "PIL._avif",
    "PIL.AvifImagePlugin",
    "setuptools",
    "pkg_resources",
    "distutils",
    # Standard-library modules whose extension drags in host libraries the app does not need (the app has no
    # network, database or terminal features; hashlib falls back to its built-in algorithms).
    "ssl",
    "_ssl",
    "_hashlib",
    "sqlite3",
    "_sqlite3",
    "readline",
    "curses",
    "_curses",
    "dbm",
    "_dbm",
    "_gdbm",
    # Qt bindings the app does not use (QtSvg stays: matplotlib's Qt backend needs it).
    "PySide6.QtNetwork",
    "PySide6.QtQml",
    "PySide6.QtQuick",
    "PySide6.QtQuickWidgets",
    "PySide6.QtOpenGL",
    "PySide6.QtOpenGLWidgets",
    "PySide6.QtPrintSupport",
    "PySide6.QtSql",
    "PySide6.QtTest",
    "PySide6.QtXml",
    "PySide6.QtDesigner",
    "PySide6.QtHelp",
    "PySide6.QtUiTools",
    "PySide6.QtConcurrent",
    "PySide6.QtDBus",
    # matplotlib back ends for other toolkits and notebooks.
    "matplotlib.backends.backend_tkagg",
    "matplotlib.backends.backend_tkcairo",
    "matplotlib.backends._backend_tk",
    "matplotlib.backends.backend_gtk3",
    "matplotlib.backends.backend_gtk3agg",
    "matplotlib.backends.backend_gtk3cairo",
    "matplotlib.backends.backend_gtk4",
    "matplotlib.backends.backend_gtk4agg",
    "matplotlib.backends.backend_gtk4cairo",
    "matplotlib.backends.backend_wx",
    "matplotlib.backends.backend_wxagg",
    "matplotlib.backends.backend_wxcairo",
    "matplotlib.backends.backend_webagg",
    "matplotlib.backends.backend_webagg_core",
    "matplotlib.backends.backend_nbagg",
    "matplotlib.backends.backend_pgf",
    "matplotlib.backends.backend_cairo",
    "matplotlib.backends.backend_qtcairo",
    "matplotlib.backends.backend_template",
    # Bokeh's server (tornado) and its documentation and sample-data helpers (the sample data is
    # downloaded from the internet): the dashboard is a file, built with bokeh.plotting and bokeh.embed.
    "tornado",
    "bokeh.server.tornado",
    "bokeh.sphinxext",
    "bokeh.sampledata",
    # Map tiles' providers, which Bokeh imports only to draw a map background.
    "xyzservices",
]

# matplotlib back ends that are collected: the Qt canvas, and the file formats a chart can be saved in.
MATPLOTLIB_BACKENDS = ["QtAgg", "Agg", "pdf", "svg", "ps"]

# Files in the bundle (destination paths, '/'-separated) that are dropped after the analysis.
_UNNEEDED_PATTERNS = [
    # Qt translations: the app's text is English only.
    r"PySide6/Qt/translations/",
    # Qt plugins: keep the X11 (xcb) and offscreen platforms, the SVG and ICO image formats, the SVG icon
    # engine and the input-method plugins; drop the rest. The GTK3 theme plugin would pull in the build
    # host's cairo and pango.
    r"PySide6/Qt/plugins/platforms/(?!libqxcb|libqoffscreen|qwindows|qdirect2d|libqcocoa)",
    r"PySide6/Qt/plugins/(platformthemes|egldeviceintegrations|generic|networkinformation|tls|"
    r"wayland-[^/]+|xcbglintegrations|qmltooling|sqldrivers|designer|vectorimageformats|printsupport)/",
    r"PySide6/Qt/plugins/imageformats/(?!(lib)?q(svg|ico))",
    r"PySide6/Qt/plugins/platforminputcontexts/libqtvirtualkeyboard",
    # Qt libraries only the dropped plugins and modules link to.
    r"(^|/)libQt6(Quick|Qml|Pdf|Wayland|Wl|EglFs|EglFS|Network|OpenGL|VirtualKeyboard|LabsStyleKit|Designer|Sql|Test|Xml)",
    # Test suites and build inputs of the libraries.
    r"(^|/)tests?/",
    r"\.(pyi|pyx|pxd|pxi|c|cpp|h|hpp)$",
    # matplotlib: sample data and the fonts the app never selects (it uses DejaVu Sans; matplotlib falls
    # back to Last Resort for glyphs DejaVu lacks).
    r"matplotlib/mpl-data/sample_data/",
    r"matplotlib/mpl-data/fonts/(afm|pdfcorefonts)/",
    r"matplotlib/mpl-data/fonts/ttf/(?!DejaVuSans|LastResort)",
    r"matplotlib/mpl-data/images/.*\.(pdf|svg)$",
    r"matplotlib/mpl-data/plot_directive/",
    # scikit-learn's bundled example data sets (the app loads only the user's files).
    r"sklearn/datasets/(data|descr|images)/",
    # Bokeh: the dashboard inlines only the minified BokehJS core (core/dashboard.py); its widgets, tables,
    # WebGL and MathJax scripts, the unminified copies, the extension compiler and the TypeScript typings
    # (23 MB together) are never read, nor the command line's subcommands, collected as data.
    r"bokeh/server/static/(?!js/bokeh\.min\.js$)",
    r"bokeh/command/subcommands/",
    r"bokeh/sampledata/",
    r"xyzservices/",
]
_UNNEEDED = re.compile("|".join(f"(?:{pattern})" for pattern in _UNNEEDED_PATTERNS))


def is_unneeded(destination: str) -> bool:
    """True when the file at this bundle-relative destination path can be left out."""
    return _UNNEEDED.search(destination.replace("\\", "/")) is not None


# Modules named "tests" that are not test suites: Jinja's template tests ("is defined"), which every Jinja
# environment loads (Bokeh's page templates).
_MODULES_NAMED_TESTS = ("jinja2.tests",)


def is_unneeded_module(name: str) -> bool:
    """True for test-suite modules of the bundled libraries (numpy.tests, pandas.tests, ...)."""
    return ".tests." in f"{name}." and name not in _MODULES_NAMED_TESTS


# Libraries of the Linux host that every desktop has and the .deb depends on: they are taken from the
# target system, not bundled (a bundled libstdc++ older than the system's breaks the system's OpenGL
# drivers, and glib/fontconfig must match the desktop's configuration). The small xcb helpers Qt's xcb
# platform needs are bundled on purpose: a desktop without them would fail with a misleading error.
_HOST_LIBRARY_DIRS = ("/lib/", "/lib64/", "/usr/lib/", "/usr/lib64/")
_BUNDLED_HOST_LIBRARIES = re.compile(
    r"^lib(xcb-(cursor|icccm|keysyms|image|render-util|util)|xkbcommon-x11)\."
)


def is_host_system_library(destination: str, source: str) -> bool:
    """True for a library PyInstaller found in the Linux host's system folders and that is not bundled."""
    source = source.replace("\\", "/")
    name = destination.replace("\\", "/").rsplit("/", 1)[-1]
    return source.startswith(_HOST_LIBRARY_DIRS) and not _BUNDLED_HOST_LIBRARIES.match(name)


def _needed_libraries(path: str) -> list[str]:
    import subprocess

    dynamic = subprocess.run(["readelf", "-d", path], capture_output=True, text=True, check=True).stdout
    return [line.split("[", 1)[1].rstrip("]") for line in dynamic.splitlines() if "(NEEDED)" in line]


def reachable_binaries(binaries: list[tuple[str, str, str]], roots: list[str]) -> set[str]:
    """The destinations of `binaries` that the `roots` (destinations) load, directly or through others.

    Linux: follows DT_NEEDED entries by file name. Libraries that only pruned plugins needed are left out.
    """
    by_name = {}
    for destination, source, _typecode in binaries:
        by_name.setdefault(destination.replace("\\", "/").rsplit("/", 1)[-1], []).append(
            (destination, source)
        )
    sources = {destination: source for destination, source, _typecode in binaries}
    reached, pending = set(), list(roots)
    while pending:
        destination = pending.pop()
        if destination in reached:
            continue
        reached.add(destination)
        for name in _needed_libraries(sources[destination]):
            pending.extend(dependency for dependency, _source in by_name.get(name, ()))
    return reached
