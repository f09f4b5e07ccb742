"""The prepared starting point every scenario copies: a server database holding the demo hall and
four enrolled counters, and those four counters' data folders (store, machine.ini, whatever the
sync engine keeps there), each already synced once (number blocks leased, reference data pulled)
and with its blocks nearly used up, so that scenarios lease new ones.

Built once per harness run (or reused with ``--template DIR``): the demo store is made with
Services.open_demo, the server takes the hall over with ``import_counter_store`` (so every
reference id matches), and each counter enrols through the real engine
(``services.sync.enrol`` with a code from ``counter-desk-server create-enrolment-code``).

Every counter store is encrypted at rest (SQLCipher, app.store_encryption) unless the run is
``--plain``: each counter's copy of the demo store is encrypted in place with
``encrypt_plain_store`` (its own key and recovery code, keyring ``counter-desk.keys.json`` beside
it), and its clerk signs in once with ``services.auth.login`` so the keyring holds an entry under
the clerk's password -- a counter's first process of a scenario unlocks with that password
(tests.harness.driver), as the program's start does; the key recorded here is handed to its later
ones and used by the checks. The demo store itself stays plain: it is the server's source (like a hall
file), never a counter's store. Scenarios copy a counter's whole folder, keyring included, so every
scenario's copy of counter-01 has the template's counter-01 key (one key per template counter).
"""

from __future__ import annotations

import contextlib
import json
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

from tests.harness.servers import ServerProcess, copy_database, drop_database, free_port, new_pg_database

STORE = "counter.sqlite3"
# window number -> the clerk of that window in the demo hall (resources/demo/hall.json)
WINDOWS = (("01", "zhangmin"), ("02", "liqiang"), ("03", "wangfang"), ("04", "zhaoli"))


@dataclass(frozen=True)
class CounterSpec:
    name: str
    window: str
    login: str
    folder: str  # the template's data folder of this counter
    device_id: str
    key: str = ""  # the store's key, hex ("": a plain store); the checks read the store with it
    recovery: str = ""  # its recovery code (to open a kept scenario's store by hand, or unlock_with_recovery)

    @property
    def store_key(self) -> bytes | None:
        return bytes.fromhex(self.key) if self.key else None


@dataclass(frozen=True)
class Template:
    folder: str
    backend: str
    server_url: str
    hall_id: str
    counters: tuple[CounterSpec, ...]
    encrypted: bool = False  # every counter store a SQLCipher file (the default run; False: --plain)

    def save(self) -> None:
        (Path(self.folder) / "template.json").write_text(json.dumps(asdict(self), indent=1), encoding="utf-8")

    @staticmethod
    def load(folder: Path) -> Template | None:
        path = folder / "template.json"
        if not path.exists():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        data["counters"] = tuple(CounterSpec(**c) for c in data["counters"])
        return Template(**data)

    def drop(self) -> None:
        drop_database(self.server_url)


def _demo_store(path: Path) -> None:
    from app.clock import FixedClock
    from app.services import Services
    from tests.harness.driver import START

    path.parent.mkdir(parents=True, exist_ok=True)
    Services.open_demo(path, FixedClock(START)).close()


def _server_database(folder: Path, backend: str, demo: Path) -> tuple[str, str]:
    from server.engine import ServerDatabase, migrate
    from server.seed import import_counter_store
    from tests.harness.driver import START

    url = f"sqlite:///{folder / 'server' / 'server.sqlite3'}" if backend == "sqlite" else new_pg_database()
    db = ServerDatabase(url)
    try:
        migrate(db)
        hall_id = import_counter_store(db, demo, START)
    finally:
        db.dispose()
    return url, hall_id


def write_server_url(folder: Path, url: str) -> None:
    from app.machine_settings import MachineSettings, MachineSettingsStore

    store = MachineSettingsStore(folder)
    store.save(MachineSettings(**{**asdict(store.load()), "server_url": url}))


def _encrypt(store: Path) -> tuple[str, str]:
    """Encrypt the plain copy at ``store`` in place (the program's own migration); (key hex, recovery code)."""
    from app.store_encryption import encrypt_plain_store
    from tests.harness.driver import START

    done = encrypt_plain_store(store, START)
    if done.plain_left:
        raise RuntimeError(f"plain copies left after encrypting {store}: {done.plain_left}")
    return done.key.hex(), done.recovery_code


def _enrol(folder: Path, base: str, code: str, name: str, login: str, key: bytes | None) -> None:
    from app.services import Services
    from tests.harness.driver import PASSWORD, START, SteppingClock
    from tests.server.kit import IT

    write_server_url(folder, base)
    services = Services.open(folder / STORE, SteppingClock(START), key)
    try:
        # the window's clerk signs in once: on an encrypted store the keyring gains their entry, so
        # the counter processes can open it with the clerk's password (a no-op on a plain store)
        services.auth.login(login, PASSWORD)
        services.sync.enrol(IT, base, code, name)
        services.sync.sync_once()
    finally:
        services.close()


def _wear_blocks(store: Path, seed: int, key: bytes | None) -> None:
    """Use up the leased number blocks but 100-103 numbers of each kind, as on a counter that has
    been working for a while: the engine tops them up during scenarios, so leases happen between
    backups and restores (the case where two counters could be handed the same numbers)."""
    import random

    from db.engine import connect_raw

    rng = random.Random(seed)
    with contextlib.closing(connect_raw(store, key)) as db:
        for block_id, last in db.execute("select id, last from number_block where source = 'server'").fetchall():
            db.execute("update number_block set next_value = ? where id = ?", (last - 99 - rng.randint(0, 3), block_id))
        db.commit()


def _device_ids(url: str) -> dict[str, str]:
    from sqlalchemy import select

    from server.engine import ServerDatabase
    from server.schema import SyncDevice

    db = ServerDatabase(url)
    try:
        with db.snapshot() as s:
            return {d.name: d.id for d in s.scalars(select(SyncDevice))}
    finally:
        db.dispose()


def build(folder: Path, backend: str = "sqlite", *, encrypted: bool = True) -> Template:
    """Make the template in ``folder`` (emptied first); ``encrypted``: every counter store a
    SQLCipher file (False: plain SQLite files, the way before encryption)."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    demo = folder / "demo" / STORE
    _demo_store(demo)
    url, hall_id = _server_database(folder, backend, demo)  # from the plain demo store, the server's source
    keys: dict[str, tuple[str, str]] = {}
    server = ServerProcess(url, folder / "server-data", free_port(), folder)
    server.start()
    try:
        for window, login in WINDOWS:
            target = folder / f"counter-{window}"
            target.mkdir()
            shutil.copyfile(demo, target / STORE)
            keys[window] = _encrypt(target / STORE) if encrypted else ("", "")
            key = bytes.fromhex(keys[window][0]) if encrypted else None
            _enrol(target, server.base, server.enrolment_code(window), f"counter-{window}", login, key)
            _wear_blocks(target / STORE, int(window), key)
    finally:
        server.stop()
    ids = _device_ids(url)
    counters = tuple(CounterSpec(f"counter-{w}", w, login, str(folder / f"counter-{w}"), ids[f"counter-{w}"],
                                 *keys[w]) for w, login in WINDOWS)
    template = Template(str(folder), backend, url, hall_id, counters, encrypted)
    template.save()
    return template


def copy_counter(spec: CounterSpec, target: Path, server_url: str) -> Path:
    """A scenario's copy of one counter's data folder, pointed at ``server_url``; its store."""
    shutil.copytree(spec.folder, target)
    write_server_url(target, server_url)
    return target / STORE


__all__ = ["STORE", "CounterSpec", "Template", "build", "copy_counter", "copy_database"]
