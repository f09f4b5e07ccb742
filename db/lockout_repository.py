"""Queries of the counter's brakes on guessing (app.lockout): one row per login. Runs in the caller's
session and transaction, like every repository."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session

from db.models import LoginLockout


class LockoutRepository:
    def __init__(self, s: Session) -> None:
        self.s = s

    def get(self, login: str) -> LoginLockout | None:
        return self.s.get(LoginLockout, login)

    def get_or_new(self, login: str) -> LoginLockout:
        row = self.s.get(LoginLockout, login)
        if row is None:
            row = LoginLockout(login=login, failures=0, lockouts=0)
            self.s.add(row)
        return row

    def clear(self, login: str) -> None:
        self.s.execute(delete(LoginLockout).where(LoginLockout.login == login))
