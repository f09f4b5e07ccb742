"""Who can open this PC's encrypted store, kept in step with the staff table (app.store_key).

- A successful sign-in adds (or renews) the person's entry under the password they just typed, and
  drops the entries of people no longer active and of passwords since changed.
- Setting up a hall from a hall file gives each person in it an entry under their initial password.
- An administrator can make a new recovery code (the old one stops opening the store).

All of it is a no-op on a plain store (tests, tools). Qt-free; argon2 runs here: worker threads.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import select

from app.backup import backup_folder
from app.context import AppContext
from app.errors import StorageError
from app.store_key import KEYRING_NAME, Keyring, new_recovery_code, password_tag
from db.models import Hall, Staff

log = logging.getLogger(__name__)


class StoreAccess:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.problems: list[str] = []  # copies beside the backups not brought up to date (for IT)

    @property
    def encrypted(self) -> bool:
        return self.ctx.db.key is not None

    def _current(self) -> tuple[list[tuple[str, str]], str]:
        """(login, tag) of every active staff member, and the hall's name (the unlock dialog's title)."""
        with self.ctx.db.read() as s:
            staff = [(login, password_tag(h)) for login, h in
                     s.execute(select(Staff.login, Staff.password_hash).where(Staff.active.is_(True)))]
            return staff, s.scalar(select(Hall.name).limit(1)) or ""

    def signed_in(self, login: str, password: str, password_hash: str) -> None:
        """After a successful sign-in with ``password`` (whose stored hash is ``password_hash``)."""
        self.grant([(login, password, password_hash)])

    def grant(self, people: Iterable[tuple[str, str, str]]) -> None:
        """(login, password, stored hash) of people who may open the store; stale entries go."""
        key = self.ctx.db.key
        if key is None:
            return
        ring = Keyring.load(self.ctx.db.path)
        current, hall = self._current()
        dropped = ring.keep_only(current)
        relabelled = ring.data.get("label") != hall
        ring.data["label"] = hall  # not secret: it is on the hall's door
        added = 0
        for login, password, password_hash in people:
            tag = password_tag(password_hash)
            if ring.staff_tag(login) != tag:
                ring.add_staff(key, login, password, tag)
                added += 1
        if dropped or added or relabelled:
            ring.save()
            self.problems = refresh_backup_keyrings(self.ctx.db.path, ring)
            log.info("store keyring: %d entries added, %d dropped", added, dropped)

    def new_recovery_code(self) -> str:
        """A new recovery code replaces the old one; shown once, to be kept by the hall's IT."""
        key = self.ctx.db.key
        if key is None:
            raise ValueError("the store is not encrypted")
        ring = Keyring.load(self.ctx.db.path)
        code = new_recovery_code()
        ring.replace_recovery(key, code)
        ring.save()
        self.problems = refresh_backup_keyrings(self.ctx.db.path, ring)
        return code


def refresh_backup_keyrings(db_path: Path, ring: Keyring | None = None) -> list[str]:
    """The keyring copied beside the backups at each backup is as it was then: an old recovery entry
    or an old password would still open them. Copies under the same key are brought up to date now.
    Returns what could not be updated (the next backup will), as messages for IT. ``ring``: the
    store's keyring when the caller has it in hand."""
    ring = ring or Keyring.load(db_path)
    root = backup_folder(db_path)
    problems = []
    for folder in [root, *(p for p in root.iterdir() if p.is_dir())] if root.exists() else []:
        copy = folder / KEYRING_NAME
        if not copy.exists():
            continue
        try:
            if Keyring.load(folder / db_path.name).data.get("check") == ring.data.get("check"):
                ring.save(copy)
        except StorageError as exc:
            log.error("backup keyring %s not updated: %s", copy, exc.message)
            problems.append(f"备份目录中的密钥文件 {copy} 未能更新（{exc.message}），下次备份时会更新。"
                            "在此之前原恢复密钥或原密码仍能打开该目录中的备份：可手工删除此文件。")
    return problems
