#!/usr/bin/env bash
# Make dist/segment-studio_VERSION_ARCH.deb from the one-folder bundle: the app under /opt/segment-studio,
# a desktop entry that opens CSV files, the icons, and both commands on the PATH.
# Usage: make_deb.sh BUNDLE_DIR VERSION
set -euo pipefail
BUNDLE=$1
VERSION=$2
cd "$(dirname "$0")/.."
ARCH=$(dpkg --print-architecture)
ROOTFS=build/deb/segment-studio
rm -rf "$ROOTFS"
mkdir -p "$ROOTFS/DEBIAN" "$ROOTFS/opt" "$ROOTFS/usr/bin" "$ROOTFS/usr/share/applications"
cp -a "$BUNDLE" "$ROOTFS/opt/segment-studio"
ln -s /opt/segment-studio/segment-studio "$ROOTFS/usr/bin/segment-studio"
ln -s /opt/segment-studio/segment-studio-cli "$ROOTFS/usr/bin/segment-studio-cli"
for png in resources/icons/segment-studio-*.png; do
    size=${png##*-}
    size=${size%.png}
    mkdir -p "$ROOTFS/usr/share/icons/hicolor/${size}x${size}/apps"
    cp "$png" "$ROOTFS/usr/share/icons/hicolor/${size}x${size}/apps/segment-studio.png"
done
mkdir -p "$ROOTFS/usr/share/icons/hicolor/scalable/apps"
cp resources/icons/segment-studio.svg "$ROOTFS/usr/share/icons/hicolor/scalable/apps/segment-studio.svg"
cp build_spec/segment-studio.desktop "$ROOTFS/usr/share/applications/segment-studio.desktop"

INSTALLED_KB=$(du -sk "$ROOTFS" --exclude=DEBIAN | cut -f1)
cat > "$ROOTFS/DEBIAN/control" <<CONTROL
Package: segment-studio
Version: $VERSION
Architecture: $ARCH
Maintainer: Segment Studio developers <segment-studio@users.noreply.github.com>
Installed-Size: $INSTALLED_KB
Section: science
Priority: optional
Depends: libc6 (>= 2.34), libegl1, libgl1, libfontconfig1, libfreetype6, libglib2.0-0, libdbus-1-3, libx11-6, libx11-xcb1, libxcb1, libxcb-cursor0, libxcb-icccm4, libxcb-keysyms1, libxcb-shape0, libxcb-randr0, libxcb-render0, libxcb-render-util0, libxcb-shm0, libxcb-sync1, libxcb-xfixes0, libxcb-xkb1, libxcb-image0, libxkbcommon0, libxkbcommon-x11-0
Homepage: https://github.com/segment-studio/segment-studio
Description: customer segmentation with k-means, offline
 Segment Studio splits a customer table (CSV, text or Excel) into groups of similar
 customers and describes each group in plain words. A desktop app and a command
 line (segment-studio-cli); everything runs on your computer.
CONTROL
# Refresh the menu and icon caches when the tools exist (they do on desktops; not in minimal containers).
cat > "$ROOTFS/DEBIAN/postinst" <<'SCRIPT'
#!/bin/sh
set -e
if command -v update-desktop-database >/dev/null 2>&1; then update-desktop-database -q /usr/share/applications || true; fi
if command -v gtk-update-icon-cache >/dev/null 2>&1; then gtk-update-icon-cache -q -t /usr/share/icons/hicolor || true; fi
SCRIPT
cp "$ROOTFS/DEBIAN/postinst" "$ROOTFS/DEBIAN/postrm"
chmod 0755 "$ROOTFS/DEBIAN/postinst" "$ROOTFS/DEBIAN/postrm"
rm -f dist/segment-studio_*.deb
dpkg-deb --build --root-owner-group -Zxz --threads-max="$(nproc)" "$ROOTFS" "dist/segment-studio_${VERSION}_${ARCH}.deb" >/dev/null
