"""The application icon (drawn by tools/make_icon.py), from the resources in a checkout or the bundle."""

from __future__ import annotations

from PySide6.QtGui import QIcon

from app.resources import resource_path

ICON_SIZES = (32, 48, 256)


def app_icon() -> QIcon:
    """Window and taskbar icon; each size was drawn for that size, so small ones stay sharp."""
    icon = QIcon()
    for size in ICON_SIZES:
        path = resource_path("icons", f"counter-desk-{size}.png")
        if path.is_file():
            icon.addFile(str(path))
    return icon
