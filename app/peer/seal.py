"""Sealed boxes for peer-evaluation ballots: anyone with the server's public key can seal, only the
private key opens (X25519 key agreement with a fresh key per box, HKDF-SHA256, AES-256-GCM).

A token is URL-safe base64 (no padding) of: version byte 1, the box's ephemeral public key (32 bytes),
the nonce (12 bytes), the ciphertext with its tag. Two seals of the same data never look alike.
"""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VERSION = 1
_INFO = b"counter-desk sealed ballot v1"
_RAW = serialization.Encoding.Raw
MAX_TOKEN = 8192  # a ballot is a few hundred bytes; anything much longer is not one


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not isinstance(text, str) or len(text) > MAX_TOKEN:
        raise ValueError("not a sealed token")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not base64") from exc


def _key(shared: bytes, ephemeral: bytes, recipient: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=ephemeral + recipient, info=_INFO).derive(shared)


def new_keypair() -> tuple[str, str]:
    """(public_b64, private_b64): a fresh X25519 key pair, raw keys in base64."""
    private = X25519PrivateKey.generate()
    public = private.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)
    secret = private.private_bytes(_RAW, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    return base64.b64encode(public).decode("ascii"), base64.b64encode(secret).decode("ascii")


def _public(public_b64: str) -> tuple[X25519PublicKey, bytes]:
    try:
        raw = base64.b64decode(public_b64, validate=True)
        return X25519PublicKey.from_public_bytes(raw), raw
    except (binascii.Error, ValueError, TypeError) as exc:
        raise ValueError("not an X25519 public key") from exc


def seal(public_b64: str, data: bytes) -> str:
    """``data`` sealed to the holder of ``public_b64``'s private key."""
    recipient, recipient_raw = _public(public_b64)
    ephemeral = X25519PrivateKey.generate()
    ephemeral_raw = ephemeral.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)
    key = _key(ephemeral.exchange(recipient), ephemeral_raw, recipient_raw)
    nonce = os.urandom(12)
    return _b64(bytes([VERSION]) + ephemeral_raw + nonce + AESGCM(key).encrypt(nonce, data, None))


def open_sealed(private_b64: str, token: str) -> bytes:
    """The data of ``token``; ValueError when it is not a box sealed to this key (or was altered)."""
    raw = _unb64(token)
    if len(raw) < 1 + 32 + 12 + 16 or raw[0] != VERSION:
        raise ValueError("not a sealed box of this version")
    try:
        private = X25519PrivateKey.from_private_bytes(base64.b64decode(private_b64, validate=True))
        ephemeral = X25519PublicKey.from_public_bytes(raw[1:33])
        shared = private.exchange(ephemeral)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise ValueError("the box does not open with this key") from exc
    recipient_raw = private.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)
    try:
        return AESGCM(_key(shared, raw[1:33], recipient_raw)).decrypt(raw[33:45], raw[45:], None)
    except InvalidTag as exc:
        raise ValueError("the box does not open with this key") from exc
