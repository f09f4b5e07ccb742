"""Helpers for server tests: talk to the server like a counter would, and drive real counters
(app.services) to produce the operations a counter really pushes."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.context import Actor
from app.dto import CaseView, StaffInfo
from app.services import Services
from app.sync.protocol import NUMBER_KINDS, push_op
from db.models import Device as CounterDevice
from db.models import NumberBlock
from db.repositories import JournalRepository
from server.engine import ServerDatabase
from server.schema import ChangeLog, InboxOp, ScopeCounter
from tests.app.kit import IntakeKit

ADMIN = ("admin", "demo1234")
CLERK = ("zhangmin", "demo1234")


@dataclass(frozen=True)
class Device:
    id: str
    credential: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.credential}"}


class ServerKit:
    def __init__(self, client: TestClient, db: ServerDatabase, hall_id: str, clock: Any) -> None:
        self.client, self.db, self.hall_id, self.clock = client, db, hall_id, clock

    @property
    def scope(self) -> str:
        return f"hall:{self.hall_id}"

    def code(self, window: str = "01", auth: tuple[str, str] = ADMIN, **body: Any) -> Any:
        r = self.client.post("/v1/admin/enrolment-codes", json={"window_number": window, **body}, auth=auth)
        assert r.status_code == 201, r.text
        return r.json()

    def enrol(self, window: str = "01", **body: Any) -> Device:
        r = self.client.post("/v1/enrol", json={"code": self.code(window)["code"], **body})
        assert r.status_code == 201, r.text
        return Device(r.json()["device_id"], r.json()["credential"])

    def push(self, device: Device, ops: list[dict[str, Any]]) -> dict[str, Any]:
        r = self.client.post("/v1/push", json={"ops": ops}, headers=device.headers)
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    def pull(self, device: Device, scope: str, cursor: int = 0, limit: int | None = None, **params: Any) -> Any:
        query = {"scope": scope, "cursor": cursor, **({"limit": limit} if limit else {}), **params}
        return self.client.get("/v1/pull", params=query, headers=device.headers)

    def pull_all(self, device: Device, scope: str, limit: int = 50) -> tuple[dict[tuple[str, str], Any], Any]:
        """Every current row of ``scope`` by (entity, id), paging as a client does; and the last page."""
        rows: dict[tuple[str, str], Any] = {}
        cursor = 0
        while True:
            r = self.pull(device, scope, cursor, limit)
            assert r.status_code == 200, r.text
            page = r.json()
            for change in page["changes"]:
                rows[(change["entity"], change["id"])] = change["row"]
            cursor = page["next_cursor"]
            if not page["has_more"]:
                return rows, page

    def lease(self, device: Device, kind: str, year: int = 2026, size: int | None = None,
              request_id: str | None = None) -> Any:
        body = {"request_id": request_id or str(uuid.uuid4()), "kind": kind, "year": year,
                **({"size": size} if size else {})}
        return self.client.post("/v1/numbers/lease", json=body, headers=device.headers)

    def footprint(self) -> dict[str, Any]:
        """What a replay must not change: counters, the change log and the inbox."""
        with self.db.snapshot() as s:
            counters = {c.scope: (c.last_seq, c.checksum, c.row_count) for c in s.scalars(select(ScopeCounter))}
            return {"counters": counters, "changes": s.scalar(select(func.count()).select_from(ChangeLog)),
                    "inbox": s.scalar(select(func.count()).select_from(InboxOp))}


# -- the counter side ---------------------------------------------------------------------------

_LOGINS: dict[tuple[int, str], StaffInfo] = {}


def login(services: Services, who: str = "zhangmin") -> StaffInfo:
    """Logged in once per counter (argon2 takes a while on purpose)."""
    key = (id(services), who)
    if key not in _LOGINS:
        _LOGINS[key] = services.auth.login(who, "demo1234")
    return _LOGINS[key]


# the hall's IT at a counter PC (the command line's kind of actor): may enrol the PC
IT = Actor(None, "信息科（测试）", roles=frozenset({"admin"}))


def actor(services: Services, who: str = "zhangmin") -> Actor:
    info = login(services, who)
    return Actor(info.id, info.name)


def outbox(services: Services, after: int = 0) -> list[dict[str, Any]]:
    """The counter's outbox as it is pushed (app.sync.protocol.push_op)."""
    with services.ctx.db.read() as s:
        return [push_op(op) for op in JournalRepository(s).ops() if op.client_seq > after]


def intake(services: Services, decision: str | None = "accept", name: str = "李明", **kw: Any) -> CaseView:
    kit = IntakeKit(services)
    m = kit.matter(case_type="promised")
    return services.intake.open_case(actor(services), kit.request(m.id, decision=decision, name=name, **kw),
                                     window_id=login(services).window_id)


def install_blocks(services: Services, server: ServerKit, device: Device, size: int = 200) -> None:
    """What the sync client will do after enrolment: lease a block of every number kind and hand
    numbering over to them (the device is no longer standalone)."""
    year = services.ctx.clock.now().year
    blocks = []
    for kind in sorted(NUMBER_KINDS):
        r = server.lease(device, kind, year, size)
        assert r.status_code == 200, r.text
        b = r.json()
        blocks.append(NumberBlock(id=b["lease_id"], kind=kind, year=year, first=b["first"], last=b["last"],
                                  next_value=b["first"], source="server", leased_at=dt.datetime(2026, 3, 2)))
    with services.ctx.db.write() as s:
        s.add_all(blocks)
        s.scalars(select(CounterDevice)).one().standalone = False
