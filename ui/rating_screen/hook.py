"""Where the clerk's screens say that a step the applicant may rate has gone through.

The case dialog (办结, 出件), the intake form (a receipt) and the enquiry log call
``invitations.invite(...)`` after their own successful write; the main window installs the rating
screen controller's ``invite`` here at start (and removes it on close). With nothing installed
(a test, a tool, a PC without the main window) an invitation does nothing. This module imports
nothing of the booth: inviting shows a question on the applicant's screen, it can never answer it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

log = logging.getLogger(__name__)
Invite = Callable[[str, str, "str | None"], None]


class RatingInvitations:
    def __init__(self) -> None:
        self._target: Invite | None = None

    def install(self, target: Invite | None) -> None:
        """The main window: ``RatingScreenController.invite`` (None on close)."""
        self._target = target

    def invite(self, case_id: str, trigger: str, staff_id: str | None) -> None:
        """``trigger``: complete / deliver / enquiry / receipt; ``staff_id``: who did the step."""
        if self._target is None:
            return
        try:
            self._target(case_id, trigger, staff_id)
        except Exception:  # the clerk's step went through: a rating screen fault must not undo its screen
            log.exception("rating invitation failed")


invitations = RatingInvitations()
