"""The prepared starting point every scenario copies: a server database holding the demo hall and
four enrolled counters, and those four counters' data folders (store, machine.ini, whatever the
sync engine keeps there), each already synced once (number blocks leased, reference data pulled)
and with its blocks nearly used up, so that scenarios lease new ones.

Built once per harness run (or reused with ``--template DIR``): the demo store is made with
Services.open_demo, the server takes the hall over with ``import_counter_store`` (so every
reference id matches), and each counter enrols through the real engine
(``services.sync.enrol`` with a code from ``counter-desk-server create-enrolment-code``).
"""

from __future__ import annotations

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


@dataclass(frozen=True)
class Template:
    folder: str
    backend: str
    server_url: str
    hall_id: str
    counters: tuple[CounterSpec, ...]

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


def _enrol(folder: Path, base: str, code: str, name: str) -> None:
    from app.services import Services
    from tests.harness.driver import START, SteppingClock
    from tests.server.kit import IT

    write_server_url(folder, base)
    services = Services.open(folder / STORE, SteppingClock(START))
    try:
        services.sync.enrol(IT, base, code, name)
        services.sync.sync_once()
    finally:
        services.close()


def _wear_blocks(store: Path, seed: int) -> None:
    """Use up the leased number blocks but 100-103 numbers of each kind, as on a counter that has
    been working for a while: the engine tops them up during scenarios, so leases happen between
    backups and restores (the case where two counters could be handed the same numbers)."""
    import random
    import sqlite3

    rng = random.Random(seed)
    with sqlite3.connect(store) as db:
        for block_id, last in db.execute("select id, last from number_block where source = 'server'").fetchall():
            db.execute("update number_block set next_value = ? where id = ?", (last - 99 - rng.randint(0, 3), block_id))


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


def build(folder: Path, backend: str = "sqlite") -> Template:
    """Make the template in ``folder`` (emptied first)."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    demo = folder / "demo" / STORE
    _demo_store(demo)
    url, hall_id = _server_database(folder, backend, demo)
    server = ServerProcess(url, folder / "server-data", free_port(), folder)
    server.start()
    try:
        for window, _login in WINDOWS:
            target = folder / f"counter-{window}"
            target.mkdir()
            shutil.copyfile(demo, target / STORE)
            _enrol(target, server.base, server.enrolment_code(window), f"counter-{window}")
            _wear_blocks(target / STORE, int(window))
    finally:
        server.stop()
    ids = _device_ids(url)
    counters = tuple(CounterSpec(f"counter-{w}", w, login, str(folder / f"counter-{w}"), ids[f"counter-{w}"])
                     for w, login in WINDOWS)
    template = Template(str(folder), backend, url, hall_id, counters)
    template.save()
    return template


def copy_counter(spec: CounterSpec, target: Path, server_url: str) -> Path:
    """A scenario's copy of one counter's data folder, pointed at ``server_url``; its store."""
    shutil.copytree(spec.folder, target)
    write_server_url(target, server_url)
    return target / STORE


__all__ = ["STORE", "CounterSpec", "Template", "build", "copy_counter", "copy_database"]
