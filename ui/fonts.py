"""Bundled CJK font and Qt's Chinese translations, so the UI reads right on a bare machine."""

from __future__ import annotations

import logging

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from app.resources import resource_path

log = logging.getLogger(__name__)
UI_FONT_FILE = "wqy-microhei.ttc"


def install_fonts(app: QApplication, point_size: int = 11) -> str:
    """Register the shipped font and make it the application font; returns its family."""
    font_id = QFontDatabase.addApplicationFont(str(resource_path("fonts", UI_FONT_FILE)))
    families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
    if not families:
        log.error("bundled font %s could not be loaded", UI_FONT_FILE)
        return app.font().family()
    font = QFont(families[0], point_size)
    app.setFont(font)
    return families[0]


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
