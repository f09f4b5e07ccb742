"""Typed errors raised by the domain layer.

Every message is written for the clerk (Chinese, says what to do); the UI shows it as is.
"""

from __future__ import annotations

import datetime as dt


class DomainError(Exception):
    """A rule of the domain refused the request; nothing was written."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(DomainError):
    """A field the clerk typed is not valid (bad ID number, empty name...)."""


class IllegalTransition(DomainError):
    """The case is not in a state that allows the requested step."""


class AuthenticationFailed(DomainError):
    """Unknown login or wrong password."""


class LockedOut(AuthenticationFailed):
    """Too many wrong passwords for this login (app.lockout): no password is checked until
    ``until`` (device time); the message names when to try again."""

    def __init__(self, message: str, *, until: dt.datetime) -> None:
        super().__init__(message, field="password")
        self.until = until


class NotFound(DomainError):
    """The record asked for does not exist."""


class NumbersExhausted(DomainError):
    """No number is left in the blocks held by this device."""


class StorageError(DomainError):
    """The local database could not be written (disk full, read-only...)."""


class NotPermitted(DomainError):
    """The person acting does not hold the permission (app.permissions); the message says who may."""

    def __init__(self, message: str, *, action: str = "", field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.action = action
