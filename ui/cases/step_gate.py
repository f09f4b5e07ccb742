"""Which permission each step button of the case dialog needs, and greying the ones the person
signed in may not take. 作废 keeps a visible way through: a 首席代表 walks over and authorises it
(授权) with the button beside it, reachable with the same Alt+V."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QPushButton

from ui.auth.gate import authorisers, grey

CASE_ACTIONS = ("case.intake", "case.step", "case.void")
_STEP_PERMISSIONS = {"caseDecide": "case.intake", "caseVoid": "case.void"}


def step_permission(button_name: str) -> str:
    return _STEP_PERMISSIONS.get(button_name, "case.step")


def gate_step(button: QPushButton, refusals: dict[str, str | None],
              on_authorise: Callable[[], None]) -> QPushButton | None:
    """Grey ``button`` when its step is refused, with the reason as tooltip. For 作废 return the
    授权 button to put beside it (the caller adds it); else None."""
    reason = refusals.get(step_permission(button.objectName()))
    if not reason:
        return None
    if button.objectName() != "caseVoid":
        grey(button, reason)
        return None
    who = authorisers("case.void")
    ask = QPushButton(button.tr("{who}授权作废(&V)…").format(who=who))
    button.setText(button.tr("作废"))  # the Alt+V goes to the button that can be pressed
    grey(button, reason, button.tr("可请{who}到本机点「{ask}」，输入其用户名和密码后作废。").format(
        who=who, ask=ask.text().replace("(&V)", "")))
    ask.setObjectName("caseVoidAuthorise")
    ask.setAutoDefault(False)
    ask.setToolTip(button.tr("由{who}在本机输入其用户名和密码，本次作废记为其办理。").format(who=who))
    ask.clicked.connect(on_authorise)
    return ask
