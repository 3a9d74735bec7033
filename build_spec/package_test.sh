#!/usr/bin/env bash
# `make package-test`: the smoke test of the frozen bundle built by `make package` (see smoke_test.py).
# The reference "source install" is build/package-venv, where package.sh installed the very code it froze
# (a plain, non-editable install with the same libraries): so a difference means freezing broke something,
# not that the working tree changed since the build. SOURCE_BIN=.venv/bin compares with the dev install.
set -euo pipefail
cd "$(dirname "$0")/.."
BUNDLE=dist/segment-studio
if [[ ! -x $BUNDLE/segment-studio-cli ]]; then
    echo "error: no bundle in $BUNDLE: run 'make package' first" >&2
    exit 1
fi
SOURCE_BIN=${SOURCE_BIN:-build/package-venv/bin}

# The GUI check runs under a virtual X display, driven like a user would (xdotool presses Ctrl+Q).
if ! command -v Xvfb >/dev/null || ! command -v xdotool >/dev/null; then
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
        apt-get update -qq && apt-get install -y -qq xvfb xdotool >/dev/null
    else
        echo "error: the GUI check needs Xvfb and xdotool: sudo apt-get install xvfb xdotool" >&2
        exit 1
    fi
fi

datasets=(--dataset resources/sample_customers.csv)
MALL=../shared/datasets/Mall_Customers.csv
if [[ -f $MALL ]]; then
    datasets+=(--dataset "$MALL")
else
    echo "note: $MALL not found; checking the CLI on the sample data only"
fi
"$SOURCE_BIN/python" build_spec/smoke_test.py "$BUNDLE" --source-bin "$SOURCE_BIN" "${datasets[@]}" "$@"
