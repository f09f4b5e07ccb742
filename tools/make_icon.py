"""Draw the application icon: a blue rounded square with 窗 in white, in the shipped UI font.

Writes resources/icons/counter-desk-{32,48,256}.png and counter-desk.ico (PNG-compressed
entries 16…256 px, read by Windows Vista and later). Run it again only to change the icon:
    QT_QPA_PLATFORM=offscreen PYTHONPATH=. .venv/bin/python tools/make_icon.py
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontDatabase, QGuiApplication, QImage, QPainter, QPainterPath

from app.resources import resource_path

PNG_SIZES = (32, 48, 256)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
BLUE = QColor("#1f5fbf")
GLYPH = "窗"


def _font_family() -> str:
    font_id = QFontDatabase.addApplicationFont(str(resource_path("fonts", "wqy-microhei.ttc")))
    families = QFontDatabase.applicationFontFamilies(font_id)
    if not families:
        raise SystemExit("resources/fonts/wqy-microhei.ttc could not be loaded")
    return families[0]


def draw(size: int, family: str) -> QImage:
    """The icon at ``size`` px, drawn for that size (not scaled down from a big one)."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    margin = size / 32
    box = QRectF(margin, margin, size - 2 * margin, size - 2 * margin)
    path = QPainterPath()
    path.addRoundedRect(box, size * 0.2, size * 0.2)
    painter.fillPath(path, BLUE)
    font = QFont(family)
    font.setPixelSize(max(8, round(size * 0.68)))
    font.setBold(size >= 48)
    painter.setFont(font)
    painter.setPen(QColor("white"))
    painter.drawText(box, Qt.AlignmentFlag.AlignCenter, GLYPH)
    painter.end()
    return image


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


def ico_bytes(images: list[tuple[int, bytes]]) -> bytes:
    """An .ico file holding each (size, PNG data); sizes of 256 are written as 0, as the format says."""
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = len(header) + 16 * len(images)
    entries, blobs = b"", b""
    for size, data in images:
        side = 0 if size >= 256 else size
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(data), offset + len(blobs))
        blobs += data
    return header + entries + blobs


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else resource_path("icons")
    out.mkdir(parents=True, exist_ok=True)
    _app = QGuiApplication.instance() or QGuiApplication(argv[:1])
    family = _font_family()
    for size in PNG_SIZES:
        (out / f"counter-desk-{size}.png").write_bytes(png_bytes(draw(size, family)))
    (out / "counter-desk.ico").write_bytes(ico_bytes([(s, png_bytes(draw(s, family))) for s in ICO_SIZES]))
    print(f"icons written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
