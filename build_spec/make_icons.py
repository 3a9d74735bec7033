"""Make the app icons from resources/icons/segment-studio.svg: PNGs of every size desktops ask for, the
Windows .ico and the macOS .icns. Run after changing the SVG: `.venv/bin/python build_spec/make_icons.py`.

QtSvg renders the SVG (the same renderer the app uses); Pillow writes the .ico and .icns containers.
"""

import sys
from pathlib import Path

from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
SOURCE = ICONS / "segment-studio.svg"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICNS_SIZES = (16, 32, 64, 128, 256, 512)
WINDOW_ICON_SIZE = 256  # segment-studio.png, the window icon and the .deb's fallback pixmap


def png_path(size: int) -> Path:
    return ICONS / f"segment-studio-{size}.png"


def render(renderer: QSvgRenderer, size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    return image


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # QImage painting needs one
    renderer = QSvgRenderer(str(SOURCE))
    if not renderer.isValid():
        print(f"error: {SOURCE} is not a valid SVG", file=sys.stderr)
        return 1
    for size in PNG_SIZES:
        render(renderer, size).save(str(png_path(size)))
    render(renderer, WINDOW_ICON_SIZE).save(str(ICONS / "segment-studio.png"))
    largest = Image.open(png_path(max(PNG_SIZES)))
    largest.save(ICONS / "segment-studio.ico", sizes=[(size, size) for size in ICO_SIZES])
    largest.save(ICONS / "segment-studio.icns", append_images=[Image.open(png_path(s)) for s in ICNS_SIZES])
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
