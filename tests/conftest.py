"""Shared fixtures. Qt runs offscreen; every test gets its own SQLite file and settings folder.

Seeding the demo hall hashes staff passwords with argon2, so it is done once per session
into a template file that each test copies.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from argon2 import PasswordHasher

import app.auth
import app.store_key
import server.devices
from app.clock import FixedClock
from app.context import Actor
from app.services import Services
from app.store_encryption import prepare_new_store
from app.store_key import keyring_path

# Passwords and store keys are hashed in tests with argon2id at its cheapest cost: the same code
# and the same stored format (a hash carries its parameters, so checking one costs what making it
# did), about 1 ms a check instead of the product's ~115 ms. Tests that are about the cost itself
# (an unknown login costs what a wrong password costs) take the product's hasher back with the
# ``production_argon2`` fixture; tests/app/test_auth_cost.py checks the product's parameters.
# Server and counter processes that tests start keep the product's parameters for what they hash.
PRODUCT_HASHERS = (app.auth._hasher, server.devices._hasher, dict(app.store_key.KDF))
_CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
app.auth._hasher = server.devices._hasher = _CHEAP
app.store_key.KDF.update(time_cost=1, memory_cost=1024, parallelism=1)

# A Monday that is a working day, well away from holidays.
DEFAULT_NOW = dt.datetime(2026, 3, 2, 9, 30)
DEMO_CLERK = ("zhangmin", "demo1234")


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "demo.sqlite3"
    services = Services.open_demo(path, FixedClock(DEFAULT_NOW))
    services.close()
    return path


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(DEFAULT_NOW)


@pytest.fixture
def db_path(tmp_path: Path, demo_template: Path) -> Path:
    target = tmp_path / "counter.sqlite3"
    shutil.copyfile(demo_template, target)
    return target


@pytest.fixture
def services(db_path: Path, clock: FixedClock) -> Iterator[Services]:
    s = Services.open_demo(db_path, clock)
    yield s
    s.close()


@pytest.fixture
def clerk(services: Services):  # -> StaffInfo
    return services.auth.login(*DEMO_CLERK)


@pytest.fixture
def actor(clerk) -> Actor:
    return Actor(clerk.id, clerk.name)


@pytest.fixture
def chief(services: Services) -> Actor:
    """The demo hall's 首席代表 of the clerk's department (市场监管, windows 01 and 02)."""
    info = services.auth.login("liqiang", "demo1234")
    return Actor(info.id, info.name)


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COUNTER_DESK_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


# -- the encrypted store (app.store_key): the demo hall in a SQLCipher file, its staff in the keyring
@pytest.fixture(scope="session")
def encrypted_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes, str]:
    """The demo hall in an encrypted store (its staff given keyring entries at setup), made once."""
    path = tmp_path_factory.mktemp("encrypted") / "counter-desk.sqlite3"
    key, code = prepare_new_store(path, DEFAULT_NOW)
    Services.open_demo(path, FixedClock(DEFAULT_NOW), key=key).close()
    return path, key, code


@pytest.fixture
def encrypted(tmp_path: Path, encrypted_template: tuple[Path, bytes, str]) -> tuple[Path, bytes, str]:
    source, key, code = encrypted_template
    target = tmp_path / "data" / "counter-desk.sqlite3"
    target.parent.mkdir(parents=True)
    shutil.copyfile(source, target)
    shutil.copyfile(keyring_path(source), keyring_path(target))
    return target, key, code


@pytest.fixture
def production_argon2(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The product's argon2 parameters for this test (see PRODUCT_HASHERS). Hashes made before
    keep the parameters they were made with."""
    auth_hasher, server_hasher, kdf = PRODUCT_HASHERS
    monkeypatch.setattr(app.auth, "_hasher", auth_hasher)
    monkeypatch.setattr(server.devices, "_hasher", server_hasher)
    monkeypatch.setattr(app.store_key, "KDF", dict(kdf))
    app.auth.dummy_hash.cache_clear()
    yield
    app.auth.dummy_hash.cache_clear()
