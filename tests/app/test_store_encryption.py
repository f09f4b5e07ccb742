"""The encrypted local store (issue #11 point 4): what is on disk, who can open it, and the way
from a plain store to an encrypted one with nothing lost. Real SQLCipher files, no Qt."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from app.auth import hash_password
from app.backup import backup_folder, backup_now, check_integrity, list_backups, restore
from app.clock import FixedClock
from app.context import Actor
from app.errors import StorageError
from app.services import Services
from app.store_access import StoreAccess
from app.store_encryption import (
    ENCRYPTED,
    PLAIN,
    encrypt_plain_store,
    is_unlockable_plainly,
    prepare_new_store,
    store_state,
    sweep_plain_copies,
    unlock_with_password,
    unlock_with_recovery,
)
from app.store_key import KEYRING_NAME, Keyring, StoreLocked, keyring_path, normalise_recovery_code
from db.engine import connect_raw
from tests.app.kit import VALID_ID, IntakeKit, pending_ops
from tests.conftest import DEFAULT_NOW

RARE_NAME = "王𬌗"  # 生僻字 outside the BMP: its UTF-8 bytes are what a thief would grep for
STAFF_NAME = "张敏"
NOW = dt.datetime(2026, 3, 2, 9, 0)


def _raw(path: Path) -> bytes:
    return path.read_bytes() if path.exists() else b""


def _secrets(blob: bytes) -> list[str]:
    return [s for s in (VALID_ID, RARE_NAME, STAFF_NAME, "13800138000", "argon2id") if s.encode() in blob]


def _open_case(services: Services) -> None:
    clerk = services.auth.login("zhangmin", "demo1234")
    kit = IntakeKit(services)
    matter = kit.matter(deferral=False)
    services.intake.open_case(Actor(clerk.id, clerk.name), kit.request(matter.id, name=RARE_NAME),
                              window_id=clerk.window_id)


def test_nothing_readable_on_disk_in_the_file_its_wal_and_its_backup(encrypted):
    path, key, _ = encrypted
    services = Services.open(path, FixedClock(DEFAULT_NOW), key=key)
    try:
        _open_case(services)
        wal = path.with_name(path.name + "-wal")
        assert wal.exists() and wal.stat().st_size > 0  # the case is in the WAL, not yet checkpointed
        assert _secrets(_raw(wal)) == []
        backup = services.daily_backup()
        assert backup is not None
    finally:
        services.close()
    assert _secrets(_raw(path)) == []
    assert _secrets(_raw(backup)) == []
    for f in (path, backup):
        with pytest.raises(sqlite3.DatabaseError, match="not a database"):
            sqlite3.connect(f).execute("SELECT count(*) FROM sqlite_master").fetchone()
        assert not is_unlockable_plainly(f)
    # ... while the key opens both, with the case in them
    for f in (path, backup):
        con = connect_raw(f, key)
        assert con.execute("SELECT count(*) FROM cases WHERE applicant_name = ?", (RARE_NAME,)).fetchone() == (1,)
        con.close()
    # the keyring beside them: no key, no login, no name, no hash
    ring = keyring_path(path).read_text(encoding="utf-8")
    assert key.hex() not in ring and "zhangmin" not in ring and STAFF_NAME not in ring and "argon2" not in ring
    assert (backup_folder(path) / KEYRING_NAME).read_bytes() == keyring_path(path).read_bytes()


def test_the_same_check_finds_everything_in_a_plain_store(services: Services):
    """The check above can fail: on a plain store the very same bytes are there."""
    _open_case(services)
    services.close()
    path = services.ctx.db.path
    blob = _raw(path) + _raw(path.with_name(path.name + "-wal"))
    assert set(_secrets(blob)) >= {VALID_ID, RARE_NAME, STAFF_NAME, "argon2id"}
    assert is_unlockable_plainly(path)


def test_a_staff_password_opens_the_store_and_a_wrong_one_does_not(encrypted):
    path, key, _ = encrypted
    assert store_state(path) == ENCRYPTED
    assert unlock_with_password(path, "zhangmin", "demo1234") == key
    assert unlock_with_password(path, " ZhangMin ", "demo1234") == key  # as the login is typed
    with pytest.raises(StoreLocked, match="用户名或密码不正确"):
        unlock_with_password(path, "zhangmin", "demo12345")
    with pytest.raises(StoreLocked, match="尚未在本机登录过") as exc:
        unlock_with_password(path, "nobody", "demo1234")
    assert exc.value.field == "login"


def test_recovery_code_opens_it_as_typed_from_paper_and_can_be_replaced(encrypted):
    path, key, code = encrypted
    assert unlock_with_recovery(path, code) == key
    assert unlock_with_recovery(path, code.lower().replace("-", " ")) == key
    assert normalise_recovery_code(" abcd efgh-ijkl ") == "ABCD-EFGH-IJKL"
    with pytest.raises(StoreLocked, match="恢复密钥不正确"):
        unlock_with_recovery(path, code[:-1] + ("A" if code[-1] != "A" else "B"))
    services = Services.open(path, key=key)
    try:
        new = StoreAccess(services.ctx).new_recovery_code()
    finally:
        services.close()
    assert new != code and len(new.replace("-", "")) == 24
    assert unlock_with_recovery(path, new) == key
    with pytest.raises(StoreLocked):
        unlock_with_recovery(path, code)


def test_sign_in_keeps_the_keyring_in_step_with_passwords_and_active_staff(encrypted):
    """A changed password (as a pull brings it) renews the entry at the next sign-in and the old one
    stops opening the store; a deactivated person's entry goes at anyone's next sign-in."""
    path, key, _ = encrypted
    con = connect_raw(path, key)
    with con:
        con.execute("UPDATE staff SET password_hash = ? WHERE login = 'zhangmin'", (hash_password("new-pass-1"),))
        con.execute("UPDATE staff SET active = 0 WHERE login = 'liqiang'")
    con.close()
    assert unlock_with_password(path, "liqiang", "demo1234") == key  # nobody signed in since
    services = Services.open(path, key=key)
    try:
        services.auth.login("zhangmin", "new-pass-1")
    finally:
        services.close()
    assert unlock_with_password(path, "zhangmin", "new-pass-1") == key
    with pytest.raises(StoreLocked):
        unlock_with_password(path, "zhangmin", "demo1234")
    with pytest.raises(StoreLocked, match="尚未在本机登录过"):
        unlock_with_password(path, "liqiang", "demo1234")


def test_a_person_signing_in_for_the_first_time_is_added(encrypted):
    """Someone whose row came from the server (no entry yet) can open the store themselves after
    their first sign-in, while a colleague had opened it."""
    path, key, _ = encrypted
    ring = Keyring.load(path)
    ring.data["staff"].pop(ring._slot("wangfang"))
    ring.save()
    with pytest.raises(StoreLocked, match="尚未在本机登录过"):
        unlock_with_password(path, "wangfang", "demo1234")
    services = Services.open(path, key=key)
    try:
        services.auth.login("wangfang", "demo1234")
    finally:
        services.close()
    assert unlock_with_password(path, "wangfang", "demo1234") == key


def test_a_damaged_or_missing_keyring_says_what_to_do(encrypted):
    path, _, _ = encrypted
    ring = keyring_path(path)
    data = json.loads(ring.read_text(encoding="utf-8"))
    data["staff"] = {slot: {**e, "salt": "***"} for slot, e in data["staff"].items()}
    ring.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(StorageError, match="密钥文件已损坏"):
        unlock_with_password(path, "zhangmin", "demo1234")
    ring.unlink()
    with pytest.raises(StorageError, match="backups"):
        unlock_with_password(path, "zhangmin", "demo1234")


def test_backup_restore_and_integrity_under_the_key(encrypted, tmp_path: Path):
    path, key, _ = encrypted
    backup = backup_now(path, backup_folder(path), keep=3, now=NOW, key=key)
    assert check_integrity(backup, key).ok
    assert not check_integrity(backup).ok  # without the key it is no database at all
    assert not check_integrity(backup, bytes(32)).ok
    assert sorted(p.name for p in backup.parent.iterdir()) == sorted([KEYRING_NAME, backup.name])  # no -wal/-shm
    kept = restore(backup, path, now=NOW, key=key)
    assert kept.exists() and check_integrity(path, key).ok
    with pytest.raises(StorageError, match="已损坏"):
        restore(backup, path, now=NOW, key=bytes(32))


# -- from a plain store ---------------------------------------------------------------------------


def test_a_plain_store_is_encrypted_with_its_pending_operations_and_backups(db_path: Path):
    """A store from before encryption, with work waiting to be synced, backups (daily and one from an
    upgrade) and a file a restore left: afterwards only the key opens anything, nothing is lost."""
    services = Services.open(db_path, FixedClock(DEFAULT_NOW))
    _open_case(services)
    _open_case(services)
    daily = services.daily_backup()
    services.close()
    pre_upgrade = backup_now(db_path, backup_folder(db_path) / "pre-upgrade", keep=5, now=NOW)
    left_by_restore = db_path.with_name(db_path.name + ".replaced-20260301-120000")
    shutil.copyfile(db_path, left_by_restore)
    before = pending_ops(db_path, None)
    assert len(before) >= 2 and store_state(db_path) == PLAIN

    result = encrypt_plain_store(db_path, NOW)

    assert store_state(db_path) == ENCRYPTED and not is_unlockable_plainly(db_path)
    assert not list(db_path.parent.glob("*.encrypting*"))  # the copy's own -wal/-shm are not left behind
    assert pending_ops(db_path, result.key) == before
    assert result.backups_encrypted == 2 and result.plain_left == []
    for b in (daily, pre_upgrade):
        assert b is not None and not is_unlockable_plainly(b) and check_integrity(b, result.key).ok
        assert _secrets(_raw(b)) == []
    assert not left_by_restore.exists() and str(left_by_restore) in result.plain_removed
    assert not (backup_folder(db_path) / "pre-encrypt").exists()  # the safety copy is gone too
    assert unlock_with_recovery(db_path, result.recovery_code) == result.key
    assert _secrets(_raw(db_path) + _raw(db_path.with_name(db_path.name + "-wal"))) == []
    # the counter goes on: the next operation follows the last one, the old ones still wait
    services = Services.open(db_path, FixedClock(DEFAULT_NOW), key=result.key)
    try:
        _open_case(services)
    finally:
        services.close()
    after = pending_ops(db_path, result.key)
    assert after[:len(before)] == before and after[len(before)][0] > before[-1][0]
    # whoever signed in since can open it with their own password next time
    assert unlock_with_password(db_path, "zhangmin", "demo1234") == result.key


def test_an_encryption_that_fails_leaves_the_plain_store_as_it_was(db_path: Path):
    services = Services.open(db_path, FixedClock(DEFAULT_NOW))
    _open_case(services)
    services.close()
    before = pending_ops(db_path, None)
    blocker = db_path.with_name(db_path.name + ".encrypting")
    blocker.mkdir()  # the encrypted copy cannot be written: as a full or failing disk
    with pytest.raises(StorageError, match="数据仍为加密前的原样"):
        encrypt_plain_store(db_path, NOW)
    assert store_state(db_path) == PLAIN and pending_ops(db_path, None) == before
    assert not keyring_path(db_path).exists()
    blocker.rmdir()
    result = encrypt_plain_store(db_path, NOW)  # the next start tries again
    assert pending_ops(db_path, result.key) == before


def test_a_plain_copy_dropped_into_the_backups_later_is_swept(encrypted):
    """E.g. a power cut between putting the encrypted file in place and removing the plain copies."""
    path, key, _ = encrypted
    folder = backup_folder(path)
    folder.mkdir(exist_ok=True)
    plain = folder / "counter-desk-20260301-180000.sqlite3"
    con = sqlite3.connect(plain)
    con.execute("CREATE TABLE t (name TEXT)")
    con.execute("INSERT INTO t VALUES (?)", (RARE_NAME,))
    con.commit()
    con.close()
    safety = folder / "pre-encrypt" / "counter-desk-20260301-170000.sqlite3"
    safety.parent.mkdir()
    shutil.copyfile(plain, safety)
    result = sweep_plain_copies(path, key)
    assert result.backups_encrypted == 1 and not is_unlockable_plainly(plain)
    assert not safety.exists() and str(safety) in result.plain_removed


def test_an_encrypted_store_of_an_older_schema_is_upgraded_with_an_encrypted_backup(tmp_path: Path):
    from db.engine import Database, migrate

    path = tmp_path / "counter-desk.sqlite3"
    key, _ = prepare_new_store(path, NOW)
    old = Database(path, key)
    migrate(old.engine, "0011")
    old.dispose()
    services = Services.open(path, key=key)
    services.close()
    backups = list_backups(backup_folder(path) / "pre-upgrade")
    assert len(backups) == 1 and not is_unlockable_plainly(backups[0]) and check_integrity(backups[0], key).ok


# -- the printed papers' archive (pdf/) -------------------------------------------------------------
def _acceptance(services: Services):
    clerk = services.auth.login("zhangmin", "demo1234")
    actor = Actor(clerk.id, clerk.name)
    kit = IntakeKit(services)
    view = services.intake.open_case(actor, kit.request(kit.matter(deferral=False).id, name=RARE_NAME),
                                     window_id=clerk.window_id)
    paper = next(p for p in services.notices.printables(view.id) if p.kind == "acceptance")
    return actor, paper


def _pdf_text(pdf: bytes) -> str:
    import io

    from pypdf import PdfReader

    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_printed_papers_are_archived_sealed_and_print_from_memory(encrypted):
    from app.documents.archive import read_archived

    path, key, _ = encrypted
    services = Services.open(path, FixedClock(DEFAULT_NOW), key=key)
    try:
        actor, paper = _acceptance(services)
        doc = services.notices.prepare(actor, paper.notice_id, "acceptance")
    finally:
        services.close()
    assert doc.path.name.endswith(".pdf.enc") and doc.path.parent.parent == path.parent / "pdf"
    sealed = doc.path.read_bytes()
    assert not sealed.startswith(b"%PDF") and b"%PDF" not in sealed
    assert list((path.parent / "pdf").rglob("*.pdf")) == []  # no plain copy beside it
    assert doc.pdf.startswith(b"%PDF") and RARE_NAME in _pdf_text(doc.pdf)
    assert read_archived(doc.path, key) == doc.pdf
    with pytest.raises(StorageError, match="无法解密"):
        read_archived(doc.path, bytes(32))
    renamed = doc.path.with_name("other-acceptance.pdf.enc")  # the name is bound in: no swapping files
    doc.path.rename(renamed)
    with pytest.raises(StorageError, match="无法解密"):
        read_archived(renamed, key)


def test_papers_printed_before_encryption_are_sealed_with_the_store(db_path: Path):
    from app.documents.archive import read_archived

    services = Services.open(db_path, FixedClock(DEFAULT_NOW))
    actor, paper = _acceptance(services)
    plain = services.notices.prepare(actor, paper.notice_id, "acceptance")
    services.close()
    assert plain.path.suffix == ".pdf" and plain.path.read_bytes() == plain.pdf
    result = encrypt_plain_store(db_path, NOW)
    assert result.papers_sealed == 1 and not plain.path.exists()
    assert read_archived(plain.path.with_name(plain.path.name + ".enc"), result.key) == plain.pdf
