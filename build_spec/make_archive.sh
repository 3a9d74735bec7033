#!/usr/bin/env bash
# Make the archive for other Linux systems from the one-folder bundle: OUTPUT_DIR/segment-studio-VERSION-
# linux-ARCH.tar.xz, one folder segment-studio-VERSION-linux-ARCH/ with the executables at its top.
# xz, like the .deb: the .tar.gz of the same bundle was 95 MB, above the 90 MB every download must stay
# under. Prints the archive's path.
# Usage: make_archive.sh BUNDLE_DIR VERSION OUTPUT_DIR
set -euo pipefail
BUNDLE=$1
VERSION=$2
OUTPUT=$3
ARCH=$(uname -m)
NAME=segment-studio-$VERSION-linux-$ARCH
ARCHIVE=$OUTPUT/$NAME.tar.xz
# (S: rename the paths only, not the targets of the symbolic links inside; -T0: xz on every core.)
tar -C "$(dirname "$BUNDLE")" --transform "s,^$(basename "$BUNDLE"),$NAME,S" -cf - "$(basename "$BUNDLE")" \
    | xz -9 -T0 > "$ARCHIVE"
echo "$ARCHIVE"
