#!/usr/bin/env bash
# `make package`: build the Linux one-folder bundle, a .tar.xz of it and a .deb, all in dist/.
# Builds from a dedicated minimal venv (build/package-venv) pinned by constraints.txt, so nothing installed
# for development (pytest, ruff, ...) ends up in the bundle. Prints the sizes at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PYTHON=${PYTHON:-python3}
VENV=build/package-venv
STAMP=$VENV/.installed-$(sha256sum constraints.txt pyproject.toml | sha256sum | cut -c1-16)
BUNDLE=dist/segment-studio

# Qt's xcb platform needs the xcb helpers at run time; PyInstaller bundles them only when the build host has
# them. icu-devtools (icupkg) trims Qt's ICU data; binutils (strip, readelf) strips and checks the libraries.
BUILD_HOST_PACKAGES=(libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxkbcommon-x11-0 icu-devtools binutils)
missing=()
for package in "${BUILD_HOST_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
        apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        echo "error: install ${missing[*]} first (sudo apt-get install ${missing[*]})" >&2
        exit 1
    fi
fi

if [[ ! -f $STAMP ]]; then
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet -c constraints.txt . pyinstaller
    touch "$STAMP"
else
    # The dependencies are current; the project itself is reinstalled so the bundle has today's code.
    "$VENV/bin/python" -m pip install --quiet --no-deps --force-reinstall .
fi
VERSION=$("$VENV/bin/python" -c 'from importlib.metadata import version; print(version("segment-studio"))')

started=$(date +%s)
rm -rf "$BUNDLE"
"$VENV/bin/pyinstaller" --noconfirm --log-level WARN \
    --distpath dist --workpath build/pyinstaller build_spec/segment_studio.spec

# Strip symbols from the shared libraries, except those a strip would make unloadable (see strip_bundle.py).
"$VENV/bin/python" build_spec/strip_bundle.py "$BUNDLE"
"$VENV/bin/python" build_spec/dedupe_bundle.py "$BUNDLE"

# Every library in the bundle must find its dependencies in the bundle or among the system libraries the
# .deb declares; a pruned library that something still links to would show here, not on a user's machine.
"$VENV/bin/python" build_spec/check_bundle_libraries.py "$BUNDLE"

echo "Built the bundle in $(($(date +%s) - started)) s"

# .tar.xz: one folder, segment-studio-VERSION-linux-x86_64/, with the executables at its top.
TARBALL=$(bash build_spec/make_archive.sh "$BUNDLE" "$VERSION" dist)

bash build_spec/make_deb.sh "$BUNDLE" "$VERSION"

# Sizes in MB (10^6 bytes), with MiB in brackets.
size() {
    local bytes
    bytes=$(du -sb "$1" | cut -f1)
    awk -v b="$bytes" 'BEGIN { printf "%.1f MB (%.1f MiB)", b / 1e6, b / 1048576 }'
}
echo "Sizes: bundle $(size "$BUNDLE") unpacked; $(basename "$TARBALL") $(size "$TARBALL");" \
    "$(basename dist/segment-studio_"$VERSION"_*.deb) $(size dist/segment-studio_"$VERSION"_*.deb)"
