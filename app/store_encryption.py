"""Which state this PC's store is in, and the way from a plain store to an encrypted one.

- ``new``: no data file yet. A key and its recovery code are made (the keyring first), the store is
  created encrypted.
- ``plain``: a data file from before encryption. ``encrypt_plain_store`` makes a backup, writes an
  encrypted copy with ``sqlcipher_export``, checks that nothing was lost (the same checks as a
  schema upgrade: row counts of the work tables, the pending outbox in order, the outbox sequence,
  integrity), puts it in place, encrypts the backups that were plain and then removes every plain
  copy (overwritten, then deleted). Until the copy is in place the plain file is untouched: a failure
  or a power cut leaves the store as it was, and the next start tries again.
- ``encrypted``: opened with a staff password or the recovery key (app.store_key).

Qt-free. Errors: StorageError saying what to do; nothing is lost on any of them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from app.backup import backup_folder, backup_now, check_integrity, list_backups
from app.errors import StorageError
from app.store_key import Keyring, is_plain_store, keyring_path, new_store_key
from db.engine import STORE_ERRORS, connect_raw, create_sqlite_engine, key_literal

log = logging.getLogger(__name__)

NEW, PLAIN, ENCRYPTED = "new", "plain", "encrypted"
_FAILURES: tuple[type[Exception], ...] = (OSError, StorageError, *STORE_ERRORS)


def store_state(db_path: Path) -> str:
    if not db_path.exists():
        return NEW
    return PLAIN if is_plain_store(db_path) else ENCRYPTED


def prepare_new_store(db_path: Path, now: dt.datetime) -> tuple[bytes, str]:
    """Key and recovery code for a store about to be created (a keyring left without its data file,
    by a first run that stopped half-way, is kept aside rather than overwritten)."""
    ring = keyring_path(db_path)
    if ring.exists():
        os.replace(ring, ring.with_name(f"{ring.name}.orphan-{now:%Y%m%d-%H%M%S}"))
    db_path.parent.mkdir(parents=True, exist_ok=True)
    return new_store_key(db_path)


def discard_unset_store(db_path: Path) -> None:
    """A new store whose first-run setup was cancelled: nothing is in it, nobody can open it but with
    the recovery key. Gone with its keyring, the next start begins afresh."""
    _remove(db_path)
    keyring_path(db_path).unlink(missing_ok=True)


@dataclass
class Encrypted:
    key: bytes
    recovery_code: str
    backups_encrypted: int = 0
    papers_sealed: int = 0  # archived PDFs (pdf/) sealed under the store's key
    plain_removed: list[str] = field(default_factory=list)
    plain_left: list[str] = field(default_factory=list)  # could not be removed: IT is told


def encrypt_plain_store(db_path: Path, now: dt.datetime) -> Encrypted:
    """Encrypt the plain store at ``db_path`` in place (see the module's text)."""
    if not is_plain_store(db_path):
        raise StorageError("数据文件不是未加密的格式，无需加密。")
    _checkpoint(db_path)
    before = _snapshot_of(db_path, None)
    safety = backup_now(db_path, backup_folder(db_path) / "pre-encrypt", keep=1, now=now)
    key, code = new_store_key(db_path)
    tmp = db_path.with_name(db_path.name + ".encrypting")
    try:
        _export(db_path, tmp, key)
        _verify_copy(tmp, key, before)
    except Exception as exc:
        with contextlib.suppress(OSError):  # what could not be written may not be removable either
            _remove(tmp)
        keyring_path(db_path).unlink(missing_ok=True)
        reason = exc.message if isinstance(exc, StorageError) else str(exc)
        raise StorageError(f"本机数据加密失败（{reason}），数据仍为加密前的原样，未丢失任何内容。"
                           f"请联系信息科检查磁盘空间；加密前备份：{safety}") from exc
    for side in ("-wal", "-shm"):  # the plain file's, emptied by the checkpoint: never the new file's
        shred(db_path.with_name(db_path.name + side))
    os.replace(tmp, db_path)
    result = Encrypted(key, code)
    sweep_plain_copies(db_path, key, result)
    log.info("store encrypted: %d backups encrypted, %d plain copies removed, %d left",
             result.backups_encrypted, len(result.plain_removed), len(result.plain_left))
    return result


def _checkpoint(db_path: Path) -> None:
    con = sqlite3.connect(db_path)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()


def _export(source: Path, target: Path, key: bytes) -> None:
    """An encrypted copy of the plain file ``source`` at ``target``."""
    from sqlcipher3 import dbapi2 as sqlcipher

    _remove(target)
    con = sqlcipher.connect(str(source))
    try:
        con.execute(f"ATTACH DATABASE ? AS encrypted KEY {key_literal(key)}", (str(target),))
        con.execute("SELECT sqlcipher_export('encrypted')")
        con.execute("DETACH DATABASE encrypted")
    finally:
        con.close()


def _snapshot_of(path: Path, key: bytes | None) -> object:
    """What must survive (app.upgrade's snapshot: counts, the pending outbox, its sequence)."""
    from app.upgrade import _snapshot

    engine = create_sqlite_engine(path, key)
    try:
        return _snapshot(engine)
    finally:
        engine.dispose()


def _verify_copy(copy: Path, key: bytes, before: object) -> None:
    after = _snapshot_of(copy, key)
    con = connect_raw(copy, key)  # one file to put in place: no -wal/-shm of the copy left behind
    try:
        con.execute("PRAGMA journal_mode=DELETE")
    finally:
        con.close()
    if after != before:
        raise StorageError("加密后的副本与原数据不一致")
    if not check_integrity(copy, key).ok:
        raise StorageError("加密后的副本校验未通过")


def sweep_plain_copies(db_path: Path, key: bytes, result: Encrypted | None = None) -> Encrypted:
    """After encryption, and at each start of an encrypted store (a power cut may have come between):
    every plain backup is encrypted under ``key`` (or, failing that, removed), the plain safety copy
    of the encryption and plain files a restore left beside the data file are removed."""
    from app.documents.archive import seal_plain_archive

    result = result or Encrypted(key, "")
    _encrypt_backups(db_path, key, result)
    sealed, left = seal_plain_archive(db_path.parent / "pdf", key)  # printed papers name the applicant
    result.papers_sealed += sealed
    result.plain_left += [str(p) for p in left]
    safety = backup_folder(db_path) / "pre-encrypt"
    plain = [*list_backups(safety), *_leftovers(db_path)] if safety.exists() else _leftovers(db_path)
    for copy in plain:
        (result.plain_removed if shred(copy) else result.plain_left).append(str(copy))
    if safety.exists() and not any(safety.iterdir()):
        safety.rmdir()
    return result


def _encrypt_backups(db_path: Path, key: bytes, result: Encrypted) -> None:
    root = backup_folder(db_path)
    folders = [root, *(p for p in root.iterdir() if p.is_dir())] if root.exists() else []
    for folder in (f for f in folders if f.name != "pre-encrypt"):
        for backup in (b for b in list_backups(folder) if is_plain_store(b)):
            _encrypt_backup(backup, key, result)
    if result.backups_encrypted:
        ring = Keyring.load(db_path)
        for folder in folders:
            if folder.name != "pre-encrypt" and list_backups(folder):
                ring.save(folder / keyring_path(db_path).name)


def _encrypt_backup(backup: Path, key: bytes, result: Encrypted) -> None:
    tmp = backup.with_name(backup.name + ".encrypting")
    try:
        _export(backup, tmp, key)
        if not check_integrity(tmp, key).ok:
            raise StorageError("校验未通过")
        os.replace(tmp, backup)
        result.backups_encrypted += 1
    except _FAILURES as exc:
        with contextlib.suppress(OSError):
            _remove(tmp)
        log.error("backup %s not encrypted: %s", backup, exc)
        # a plain copy must not stay: without it, one backup fewer
        (result.plain_removed if shred(backup) else result.plain_left).append(str(backup))


def _leftovers(db_path: Path) -> list[Path]:
    """Plain copies a restore left beside the data file (``….replaced-<time>``)."""
    return [p for p in db_path.parent.glob(db_path.name + ".replaced-*") if is_plain_store(p)]


def _remove(path: Path) -> None:
    for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm"),
              path.with_name(path.name + "-journal")):
        p.unlink(missing_ok=True)


def shred(path: Path) -> bool:
    """Overwrite with zeros, then delete (a plain copy's pages do not stay in the file system's free
    blocks as they were; a solid-state disk may still keep old blocks: docs/security.md). True when gone."""
    try:
        if path.exists():
            size = path.stat().st_size
            with path.open("r+b") as f:
                chunk = b"\0" * (1 << 20)
                for _ in range(0, size, len(chunk)):
                    f.write(chunk)
                f.flush()
                os.fsync(f.fileno())
            path.unlink()
        return True
    except OSError as exc:
        log.error("plain copy %s not removed: %s", path, exc)
        return False


def store_label(db_path: Path) -> str:
    """The hall's name as the keyring remembers it ("" when unknown or unreadable)."""
    try:
        return Keyring.load(db_path).label
    except StorageError:
        return ""


def unlock_with_password(db_path: Path, login: str, password: str) -> bytes:
    return Keyring.load(db_path).unlock_staff(login, password)


def unlock_with_recovery(db_path: Path, code: str) -> bytes:
    return Keyring.load(db_path).unlock_recovery(code)


def is_unlockable_plainly(db_path: Path) -> bool:
    """True when plain sqlite3 can read the file (the test of 'encrypted at rest')."""
    try:
        con = connect_raw(db_path, read_only=True)
        try:
            con.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            con.close()
        return True
    except sqlite3.DatabaseError:
        return False
