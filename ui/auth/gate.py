"""Greying what the person signed in may not do, with a tooltip saying who may.

Only for showing: every service checks the permission table again before it writes, and a refusal
it raises is shown as it is. The refusals are asked on a worker (:func:`refusals`, one short read
each) when a screen opens; :func:`grey` and :func:`ungrey` run on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtWidgets import QWidget

from app.context import Actor
from app.dto import StaffInfo
from app.errors import NotFound
from app.permissions import PERMISSIONS, ROLE_LABELS, Role
from app.services import Services

REFUSAL = "refusal"  # dynamic property of a greyed widget: the reason, so busy/idle toggles keep it grey


def actor_of(staff: StaffInfo) -> Actor:
    return Actor(staff.id, staff.name)


def refusals(services: Services, actor: Actor, actions: Iterable[str], *, case_id: str | None = None,
             here: bool = False, requester_id: str | None = None) -> dict[str, str | None]:
    """On a worker: action -> None when ``actor`` may, else why not (saying who may). A case not in
    this store (yet) is judged at this PC's window."""
    wanted = list(actions)
    try:
        return services.permissions.refusals(actor, wanted, case_id=case_id, here=here, requester_id=requester_id)
    except NotFound:
        return services.permissions.refusals(actor, wanted, here=True, requester_id=requester_id)


def authorisers(action: str) -> str:
    """Who would come over to authorise ``action`` at a clerk's PC, for titles: "首席代表"."""
    grants = PERMISSIONS[action].grants
    return next((ROLE_LABELS[r] for r in Role if r in grants and r != Role.CLERK), "")


def authorisable(action: str) -> bool:
    """Someone other than a clerk holds the action, so they can walk over and authorise it here."""
    return bool(authorisers(action))


def grey(widget: QWidget, reason: str, hint: str = "") -> None:
    """Disable ``widget`` and say why (and, with ``hint``, what the clerk can do instead)."""
    widget.setEnabled(False)
    widget.setProperty(REFUSAL, reason)
    widget.setToolTip(reason + ("\n" + hint if hint else ""))


def ungrey(widget: QWidget, tooltip: str = "") -> None:
    widget.setProperty(REFUSAL, None)
    widget.setEnabled(True)
    widget.setToolTip(tooltip)


def refused(widget: QWidget) -> bool:
    return bool(widget.property(REFUSAL))


def set_enabled_unless_refused(widget: QWidget, enabled: bool) -> None:
    """For busy/idle toggles: a greyed widget stays grey."""
    widget.setEnabled(enabled and not refused(widget))
