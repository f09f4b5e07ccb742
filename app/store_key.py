"""The key of the encrypted local store, and who can open it (docs/security.md "Encrypted local store").

The counter's SQLite file is a SQLCipher database under a random 32-byte key. The key is never
written in the clear: the *keyring* beside the data file (``counter-desk.keys.json``) holds it
wrapped (AES-256-GCM) once per staff member who has signed in on this PC, under a key derived from
their password with argon2id, and once under the *recovery key* that the hall's IT keeps on paper.
Whoever holds a staff password of this PC or the recovery key can open the store; a copied data
folder or a stolen PC without either yields neither citizens' data nor the staff's password hashes.

The staff entries are found by a salted hash of the login (the file does not list who works here)
and carry a tag of the password hash they were made under, so an entry made under a password that
has since been changed or for a person since deactivated is dropped at the next sign-in (the old
password stops opening the store).

Qt-free. Errors: StoreLocked (wrong password or recovery key, with what to do), StorageError.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.errors import DomainError, StorageError

KEYRING_NAME = "counter-desk.keys.json"
FORMAT = "counter-desk-keys/1"
# argon2id as the login's own hashes (argon2-cffi's RFC 9106 low-memory profile): ~50 ms here
KDF = {"time_cost": 3, "memory_cost": 65536, "parallelism": 4}
_RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off paper, typed back
RECOVERY_GROUPS = 6  # 6 groups of 4 = 24 characters of 32 symbols = 120 bits


class StoreLocked(DomainError):
    """The password or recovery key does not open this PC's store."""


@dataclass(frozen=True)
class Unlocked:
    key: bytes
    via: str  # "staff" | "recovery"


def keyring_path(db_path: Path) -> Path:
    return db_path.with_name(KEYRING_NAME)


def is_encrypted(db_path: Path) -> bool:
    """The store at ``db_path`` is (or is about to be, on a first run) an encrypted one."""
    return keyring_path(db_path).exists()


def is_plain_store(db_path: Path) -> bool:
    """An existing plain SQLite file (a store from before encryption): it starts with SQLite's header."""
    try:
        with db_path.open("rb") as f:
            return f.read(16) == b"SQLite format 3\x00"
    except FileNotFoundError:
        return False


def new_recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(4 * RECOVERY_GROUPS))
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def normalise_recovery_code(text: str) -> str:
    """What a person types from the paper: spaces, dashes and lower case forgiven."""
    raw = "".join(ch for ch in text.upper() if ch.isascii() and ch.isalnum())
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any) -> bytes:
    if not isinstance(text, str):
        raise ValueError("not base64 text")
    return base64.b64decode(text.encode("ascii"), validate=True)


def _derive(secret: str, salt: bytes, kdf: dict[str, int]) -> bytes:
    return hash_secret_raw(secret.encode("utf-8"), salt, hash_len=32, type=Type.ID, **kdf)


def _wrap(key: bytes, secret: str, aad: bytes) -> dict[str, Any]:
    salt, nonce = os.urandom(16), os.urandom(12)
    wrapped = AESGCM(_derive(secret, salt, KDF)).encrypt(nonce, key, aad)
    return {"salt": _b64(salt), "nonce": _b64(nonce), "kdf": dict(KDF), "wrapped": _b64(wrapped)}


def _unwrap(entry: dict[str, Any], secret: str, aad: bytes) -> bytes | None:
    try:
        kdf = {k: int(entry["kdf"][k]) for k in KDF}
        kek = _derive(secret, _unb64(entry["salt"]), kdf)
        return AESGCM(kek).decrypt(_unb64(entry["nonce"]), _unb64(entry["wrapped"]), aad)
    except InvalidTag:
        return None
    except (KeyError, TypeError, ValueError) as exc:
        raise StorageError(f"本机密钥文件已损坏（{exc}）。"
                           f"请信息科从备份目录复制 {KEYRING_NAME} 回数据目录。") from exc


def _check_value(key: bytes) -> bytes:
    """Tells the right key from a wrong one (or a damaged entry) without revealing it."""
    return hashlib.sha256(b"counter-desk-store-key" + key).digest()[:16]


def password_tag(password_hash: str) -> str:
    """Which password an entry was made under, without the hash itself (16 hex of its SHA-256)."""
    return hashlib.sha256(password_hash.encode("utf-8")).hexdigest()[:16]


class Keyring:
    """The keyring file of one store. ``save`` writes it atomically (temp file, fsync, rename)."""

    def __init__(self, path: Path, data: dict[str, Any]) -> None:
        self.path = path
        self.data = data

    # -- reading and writing -----------------------------------------------------------------
    @classmethod
    def load(cls, db_path: Path) -> Keyring:
        path = keyring_path(db_path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise StorageError(f"找不到本机密钥文件 {path}。数据已加密，没有它无法打开。"
                               f"请信息科从备份目录（backups）复制 {KEYRING_NAME} 回数据目录。") from None
        except (OSError, ValueError) as exc:
            raise StorageError(f"本机密钥文件无法读取（{exc}）。请信息科从备份目录复制 {KEYRING_NAME}。") from exc
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise StorageError(f"本机密钥文件 {path.name} 不是本程序的格式。请联系信息科。")
        return cls(path, data)

    @classmethod
    def create(cls, db_path: Path, key: bytes, recovery_code: str) -> Keyring:
        """A new keyring for ``key``: only the recovery entry, staff entries come with their sign-ins."""
        ring = cls(keyring_path(db_path), {
            "format": FORMAT, "store_id": secrets.token_hex(16),
            "check": _b64(_check_value(key)), "staff": {},
        })
        ring.data["recovery"] = _wrap(key, recovery_code, ring._aad("recovery"))
        ring.save()
        return ring

    def save(self, path: Path | None = None) -> None:
        target = path or self.path
        tmp = target.with_name(target.name + ".tmp")
        try:
            with tmp.open("w", encoding="utf-8") as f:
                json.dump(self.data, f, ensure_ascii=False, indent=1)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, target)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise StorageError(f"本机密钥文件写入失败（{exc}）。请联系信息科检查磁盘空间和数据目录权限。") from exc

    # -- opening -------------------------------------------------------------------------------
    def _aad(self, what: str) -> bytes:
        return f"{self.data['store_id']}:{what}".encode()

    def _slot(self, login: str) -> str:
        salted = f"{self.data['store_id']}:{login.strip().lower()}".encode()
        return hashlib.sha256(salted).hexdigest()[:32]

    def _checked(self, key: bytes | None) -> bytes | None:
        if key is None:
            return None
        expected = _unb64(self.data.get("check"))
        return key if _check_value(key) == expected else None

    def has_staff(self, login: str) -> bool:
        return self._slot(login) in self.data.get("staff", {})

    def unlock_staff(self, login: str, password: str) -> bytes:
        """The store key from a staff member's own password; StoreLocked when it does not open it."""
        slot = self._slot(login)
        entry = self.data.get("staff", {}).get(slot)
        if entry is None:
            _unwrap(self.data["recovery"], password, b"-")  # the same argon2 time as a wrong password
            raise StoreLocked(
                "本机数据已加密，该用户尚未在本机登录过。请由曾在本机登录过的同事先登录一次，"
                "之后即可用自己的密码登录；或请信息科输入恢复密钥。", field="login")
        key = self._checked(_unwrap(entry, password, self._aad(slot)))
        if key is None:
            raise StoreLocked("用户名或密码不正确。", field="password")
        return key

    def unlock_recovery(self, code: str) -> bytes:
        key = self._checked(_unwrap(self.data["recovery"], normalise_recovery_code(code), self._aad("recovery")))
        if key is None:
            raise StoreLocked("恢复密钥不正确。请核对信息科保管的恢复密钥（24 位，不区分大小写）。", field="recovery")
        return key

    # -- who can open it -------------------------------------------------------------------------
    def add_staff(self, key: bytes, login: str, password: str, tag: str) -> None:
        slot = self._slot(login)
        self.data.setdefault("staff", {})[slot] = {**_wrap(key, password, self._aad(slot)), "tag": tag}

    def staff_tag(self, login: str) -> str | None:
        entry = self.data.get("staff", {}).get(self._slot(login))
        return None if entry is None else str(entry.get("tag", ""))

    def keep_only(self, current: Iterable[tuple[str, str]]) -> int:
        """Drop the entries of logins not in ``current`` (login, tag of the present password hash of
        each active staff member) or made under another password. Returns how many were dropped."""
        wanted = {self._slot(login): tag for login, tag in current}
        staff = self.data.get("staff", {})
        stale = [slot for slot, entry in staff.items() if wanted.get(slot) != entry.get("tag")]
        for slot in stale:
            del staff[slot]
        return len(stale)

    def replace_recovery(self, key: bytes, code: str) -> None:
        self.data["recovery"] = _wrap(key, code, self._aad("recovery"))

    @property
    def label(self) -> str:
        """The hall's name, for the unlock dialog's title (written at sign-in; not secret)."""
        value = self.data.get("label")
        return value if isinstance(value, str) else ""

    def staff_count(self) -> int:
        return len(self.data.get("staff", {}))


def new_store_key(db_path: Path) -> tuple[bytes, str]:
    """A key for a new store and its recovery code; the keyring is written (the data file follows)."""
    key, code = secrets.token_bytes(32), new_recovery_code()
    Keyring.create(db_path, key, code)
    return key, code
