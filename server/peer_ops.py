"""The peer-evaluation ops on the server (peer.open / close / turnout / ballot)."""

from __future__ import annotations

from collections.abc import Callable

from server.oputil import Echo, OpContext

PEER_HANDLERS: dict[str, Callable[[OpContext], Echo]] = {}


def peer_echo(ctx: OpContext) -> Echo:
    """The held row of the op's entity (server.push.current_echo); for a sealed ballot: nothing."""
    return Echo()
