"""Imported once by the fork server, so every counter, server and CLI child starts in
milliseconds instead of paying the imports (about 1.5 s each) again."""

import fastapi  # noqa: F401
import httpx  # noqa: F401
import sqlalchemy  # noqa: F401
import uvicorn  # noqa: F401

import app.services
import app.store_encryption  # noqa: F401  (unlocking an encrypted store: argon2, AES-GCM, SQLCipher)
import server.api
import server.cli  # noqa: F401
import tests.harness.driver  # noqa: F401
