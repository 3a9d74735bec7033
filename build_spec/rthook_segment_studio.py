"""Run-time hook of the frozen Segment Studio: runs before any application module is imported.

1. matplotlib keeps its font cache in a persistent per-user folder. PyInstaller's own hook (removed from the
   bundle by the spec) pointed MPLCONFIGDIR at a new temporary folder on every launch, so matplotlib rebuilt
   its font list each time (about 0.5 s of start-up). A moved or updated bundle is handled by matplotlib
   itself: its cache file is named by its font-list version, and it rebuilds the list when a cached font
   file is missing. (No importlib.metadata here: importing it costs start-up time.)
2. SEGMENT_STUDIO_DEBUG=1 gives a debug console: Python's log at DEBUG level and Qt's plugin loading on
   stderr, and on Windows, where the windowed executable has no stderr, a console window to show them in.
"""

import os
import sys
from pathlib import Path


def _user_cache_folder() -> Path:
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")


def _use_persistent_matplotlib_cache() -> None:
    if "MPLCONFIGDIR" in os.environ:  # the user chose one
        return
    folder = _user_cache_folder() / "segment-studio" / "matplotlib"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:  # read-only home: matplotlib then falls back to a temporary folder by itself
        return
    os.environ["MPLCONFIGDIR"] = str(folder)


def _open_debug_console() -> None:
    if os.environ.get("SEGMENT_STUDIO_DEBUG") != "1":
        return
    if sys.platform == "win32" and sys.stderr is None:
        import ctypes

        ctypes.windll.kernel32.AllocConsole()
        sys.stdout = open("CONOUT$", "w", encoding="utf-8", buffering=1)  # noqa: SIM115 - lives as long as the app
        sys.stderr = sys.stdout
    import faulthandler
    import logging

    os.environ.setdefault("QT_DEBUG_PLUGINS", "1")
    logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
    faulthandler.enable()
    print(f"Segment Studio debug console: bundle {getattr(sys, '_MEIPASS', '?')}", file=sys.stderr)


_use_persistent_matplotlib_cache()
_open_debug_console()
