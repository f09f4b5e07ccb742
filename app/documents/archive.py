"""The archive of rendered papers (``pdf/<year>/`` in the data folder), as encrypted as the store.

A notice names the applicant and their ID number. On an encrypted store each archived PDF is sealed
with AES-256-GCM under a key derived from the store's key (HKDF-SHA256), the file name bound in as
associated data, and named ``….pdf.enc``; what is previewed and printed is the PDF in memory. A
plain store (tests, tools) keeps plain ``.pdf`` files as before. ``counter-desk-admin open-pdf``
gives IT a readable copy of an archived file.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.errors import StorageError

MAGIC = b"counter-desk-sealed-pdf/1\n"
SUFFIX = ".enc"


def _key(store_key: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"counter-desk pdf archive").derive(store_key)


def sealed_path(path: Path) -> Path:
    return path.with_name(path.name + SUFFIX)


def seal(pdf: bytes, store_key: bytes, name: str) -> bytes:
    nonce = os.urandom(12)
    return MAGIC + nonce + AESGCM(_key(store_key)).encrypt(nonce, pdf, name.encode("utf-8"))


def unseal(blob: bytes, store_key: bytes, name: str) -> bytes:
    if not blob.startswith(MAGIC):
        raise StorageError(f"{name} 不是本程序加密保存的文书文件。")
    body = blob[len(MAGIC):]
    try:
        return AESGCM(_key(store_key)).decrypt(body[:12], body[12:], name.encode("utf-8"))
    except InvalidTag:
        raise StorageError(f"{name} 无法解密：文件已损坏，或不属于本机的数据。") from None


def write_archived(path: Path, pdf: bytes, store_key: bytes | None) -> Path:
    """Keep ``pdf`` as ``path`` (plain store) or sealed beside it as ``path.enc``; returns the file written."""
    from app.documents.service import write_atomically

    if store_key is None:
        write_atomically(path, pdf)
        return path
    target = sealed_path(path)
    write_atomically(target, seal(pdf, store_key, target.name))
    return target


def read_archived(path: Path, store_key: bytes | None) -> bytes:
    """The PDF of an archived file, sealed or plain."""
    blob = path.read_bytes()
    if path.name.endswith(SUFFIX):
        if store_key is None:
            raise StorageError(f"{path.name} 已加密，须先解锁本机数据。")
        return unseal(blob, store_key, path.name)
    return blob


def seal_plain_archive(folder: Path, store_key: bytes) -> tuple[int, list[Path]]:
    """Seal every plain PDF under ``folder`` (a store encrypted after papers were printed): each is
    written sealed, then the plain one removed. Returns (sealed, plain files that are still there)."""
    from app.store_encryption import shred

    sealed, left = 0, []
    for pdf in sorted(folder.rglob("*.pdf")) if folder.exists() else []:
        try:
            write_archived(pdf, pdf.read_bytes(), store_key)
            sealed += 1
        except (OSError, StorageError):
            left.append(pdf)
            continue
        if not shred(pdf):
            left.append(pdf)
    return sealed, left
