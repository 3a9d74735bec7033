#!/usr/bin/env bash
# `make screenshots`: PNGs of every tab of the real app, drawn by a real X server (Xvfb), for the README.
# Needs Debian's xvfb, libxcb-icccm4 and libxcb-keysyms1 (Qt's xcb platform needs the last two).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${DISPLAY:-}" ]; then
    exec xvfb-run --auto-servernum --server-args="-screen 0 1280x800x24" "$0" "$@"
fi
QT_QPA_PLATFORM=xcb .venv/bin/python build_spec/screenshots.py
QT_QPA_PLATFORM=xcb .venv/bin/python build_spec/screenshots_methods.py
QT_QPA_PLATFORM=xcb .venv/bin/python build_spec/screenshots_stability.py
# The dashboard, in headless Chromium (Debian's chromium package).
.venv/bin/python build_spec/dashboard_screenshots.py
