"""The rating ops on the server (rating.record, rating.appeal / appeal_decide, followup.*)."""

from __future__ import annotations

from collections.abc import Callable

from server.oputil import Echo, OpContext

RATING_HANDLERS: dict[str, Callable[[OpContext], Echo]] = {}


def rating_echo(ctx: OpContext) -> Echo:
    """The held row of the op's entity (server.push.current_echo); for a sealed ballot: nothing."""
    return Echo()
