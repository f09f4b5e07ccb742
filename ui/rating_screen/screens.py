"""Which monitor is the applicant's: the machine setting ``rating_screen`` holds a QScreen's name.

Monitors come and go (a cable pulled, a projector switched on): the name is looked up each time
it is needed, and a name not connected now simply means "no rating screen" until it is back.
The clerk's own screen never counts as the applicant's, whatever the setting says: the rating
screen would cover the clerk's window.
"""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QComboBox


def find_screen(name: str) -> QScreen | None:
    """The connected screen called ``name`` ('' or not connected: None)."""
    if not name:
        return None
    return next((s for s in QGuiApplication.screens() if s.name() == name), None)


def applicant_screen(name: str, clerk: QScreen | None) -> QScreen | None:
    """The screen for the rating window: the one named, connected, and not the clerk's."""
    screen = find_screen(name)
    clerk = clerk or QGuiApplication.primaryScreen()
    return None if screen is None or screen is clerk else screen


def describe(screen: QScreen) -> str:
    """'\\\\.\\DISPLAY2（1024×600）' and, for the primary screen, that it is the main one."""
    size = screen.geometry().size()
    main = "，主显示屏" if screen is QGuiApplication.primaryScreen() else ""
    return f"{screen.name()}（{size.width()}×{size.height()}{main}）"


def rating_screen_combo(current: str) -> QComboBox:
    """The 本机设置 field: none, or one of the connected screens (data: its name), keeping a saved
    screen that is not connected now so saving the dialog does not forget it."""
    combo = QComboBox()
    combo.setObjectName("ratingScreen")
    combo.addItem("不接评价器（文书印评价二维码）", "")
    for screen in QGuiApplication.screens():
        if screen.name():  # a screen without a name cannot be found again by it
            combo.addItem(describe(screen), screen.name())
    if current and combo.findData(current) < 0:
        combo.addItem(current + "（未连接）", current)
    combo.setCurrentIndex(max(0, combo.findData(current)))
    combo.setToolTip("朝向办事群众的显示屏（评价器）：办结、出件后在该屏上请办事人评价。"
                     "选“不接评价器”时，办结通知和出件签收单上印有扫码评价的二维码。")
    return combo
