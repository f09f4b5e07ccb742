"""Bundled CJK font and Qt's Chinese translations, so the UI reads right on a bare machine."""

from __future__ import annotations

import logging

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from app.resources import resource_path

log = logging.getLogger(__name__)
UI_FONT_FILE = "wqy-microhei.ttc"
# Rare characters (生僻字) in names live in CJK Extension B–F, outside the UI face: HanaMinB
# covers those planes and is the fallback, so a name like 王𬌗 shows as typed, not as a box.
RARE_FONT_FILE = "HanaMinB.ttf"


def _register(file_name: str) -> list[str]:
    font_id = QFontDatabase.addApplicationFont(str(resource_path("fonts", file_name)))
    families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
    if not families:
        log.error("bundled font %s could not be loaded", file_name)
    return list(families)


def install_fonts(app: QApplication, point_size: int = 11) -> list[str]:
    """Register the shipped fonts and make them the application font; returns the families."""
    families = _register(UI_FONT_FILE)[:1] + _register(RARE_FONT_FILE)[:1]
    if not families:
        return [app.font().family()]
    font = QFont()
    font.setFamilies(families)
    font.setPointSize(point_size)
    app.setFont(font)
    return families


def install_translations(app: QApplication) -> list[QTranslator]:
    """Qt's own zh_CN strings (确定/取消...). Our source strings are already Chinese."""
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    loaded = []
    path = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    for name in ("qtbase_zh_CN",):
        tr = QTranslator(app)
        if tr.load(name, path) or tr.load(name, str(resource_path("translations"))):
            app.installTranslator(tr)
            loaded.append(tr)
        else:
            log.warning("Qt translation %s not found", name)
    return loaded
