"""Enrolment of this counter PC with the central server (docs/sync-protocol.md, section 4).

``set_up`` makes an empty store a working counter from the server: enrol with the one-time code,
pull the reference scopes (catalogue, calendar, dishonest list, hall and windows, staff with
their password hashes, parameters) and write them with this device in one local transaction,
server ids kept. ``join`` enrols a store already set up: it reports the numbers used standalone (in the enrolment
request), closes the local standalone blocks and hands numbering over to server blocks. A store
set up from a hall file (its own ids) first gets the server's ids for its hall, windows, staff,
departments and matters by natural key (app.sync.idmap); one the server lacks rows of is refused.

The enrolment's ``request_id`` is kept in sync_state before the request, so the same code can be
used again when the answer was lost (the server then gives the same device a new secret). Runs
on a worker thread; InvalidInput (bad address or code, store not suitable) or SyncError; nothing
is written locally when it fails, but a code the server accepted is used up.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from app.context import AppContext
from app.errors import InvalidInput
from app.ids import uuid7
from app.machine_settings import check_server_url
from app.numbering import STATION_SOURCE
from app.setup import is_set_up
from app.sync import idmap, shapes, state
from app.sync.apply import write_row
from app.sync.blocks import held_numbers
from app.sync.protocol import HALL_REF_PARTS, REFERENCE_SCOPES, Entity, hall_ref_scope
from app.sync.transport import ServerApi
from db.models import Device, Window
from db.repositories import ReferenceRepository
from db.sync_repository import SyncRepository

log = logging.getLogger(__name__)
FETCH_PAGE = 2000
MAX_LISTED = 5


@dataclass(frozen=True)
class Enrolment:
    device_id: str
    credential: str
    hall: dict[str, Any]
    window: dict[str, Any]
    epoch: str

    @property
    def window_label(self) -> str:
        return f"{self.window['number']}号窗口 {self.window['name']}"


@dataclass(frozen=True)
class Fetched:
    scope: str
    changes: list[shapes.Change]
    cursor: int
    checksum: str


def server_address(text: str) -> str:
    """The typed address to enrol at: https://, or http:// to this PC only (InvalidInput says why)."""
    url = check_server_url(text)
    if not url:
        raise InvalidInput("请填写中心服务器地址。", field="server_url")
    return url


def request_id_for(ctx: AppContext, code: str) -> str:
    """The request_id of an enrolment with ``code``: the kept one if this code was tried before."""
    typed = "".join(c for c in code.upper() if c.isalnum())
    if len(typed) < 4:
        raise InvalidInput("请填写中心管理员给出的注册码。", field="code")
    kept = state.load(ctx).get(state.ENROL_REQUEST, "").split("\n")
    if len(kept) == 2 and kept[0] == typed:
        return kept[1]
    request_id = uuid7()
    state.save(ctx, **{state.ENROL_REQUEST: f"{typed}\n{request_id}"})
    return request_id


def redeem(api: ServerApi, code: str, device_name: str, request_id: str, used: list[dict[str, Any]]) -> Enrolment:
    body = api.enrol({"code": code, "device_name": device_name[:100], "request_id": request_id,
                      "standalone_used": used[:100]})
    hall, window = body.get("hall"), body.get("window")
    shapes.check_row(Entity.HALL, hall.get("id") if isinstance(hall, dict) else None, hall)
    shapes.check_row(Entity.WINDOW, window.get("id") if isinstance(window, dict) else None, window)
    assert isinstance(hall, dict) and isinstance(window, dict)
    out = Enrolment(shapes.field(body, "device_id", str, "enrol"), shapes.field(body, "credential", str, "enrol"),
                    hall, window, shapes.field(body, "epoch", str, "enrol"))
    api.use_credential(out.credential)
    log.info("enrolled as device %s of hall %s", out.device_id, hall["code"])
    return out


def fetch(api: ServerApi, scope: str, epoch: str) -> Fetched:
    """A whole scope in memory (reference scopes are small)."""
    rows: dict[tuple[str, str], shapes.Change] = {}
    cursor = 0
    while True:
        page = shapes.page(api.pull(scope, cursor, FETCH_PAGE, epoch), cursor)
        for c in page.changes:
            rows[(c.entity, c.id)] = c
        cursor = page.next_cursor
        if not page.has_more:
            return Fetched(scope, list(rows.values()), cursor, page.checksum)


def reference_scopes(hall_id: str) -> list[str]:
    return [*REFERENCE_SCOPES, *(hall_ref_scope(hall_id, p) for p in HALL_REF_PARTS)]


def set_up(ctx: AppContext, api: ServerApi, url: str, code: str, device_name: str) -> Enrolment:
    """Enrol and write the server's reference data and this device into an empty store."""
    if is_set_up(ctx):
        raise InvalidInput("本机已有大厅资料，不能再从中心服务器初始化；请在本机设置中注册到中心服务器。")
    enrolment = redeem(api, code, device_name, request_id_for(ctx, code), [])
    fetched = [fetch(api, scope, enrolment.epoch) for scope in reference_scopes(enrolment.hall["id"])]
    with ctx.db.write(foreign_keys=False) as s:
        if not ReferenceRepository(s).is_empty():
            raise InvalidInput("本机已有大厅资料，不能再从中心服务器初始化。")
        repo = SyncRepository(s)
        for f in fetched:
            for c in f.changes:
                write_row(s, c.entity, c.row)
            s.flush()
            row = repo.cursor(f.scope)
            row.cursor, row.checksum, row.updated_at = f.cursor, f.checksum, ctx.clock.now()
        write_row(s, Entity.HALL, enrolment.hall)
        write_row(s, Entity.WINDOW, enrolment.window)
        s.add(Device(id=enrolment.device_id, hall_id=enrolment.hall["id"], window_id=enrolment.window["id"],
                     name=device_name or f"{enrolment.hall['name']} {enrolment.window_label}", standalone=False,
                     created_at=ctx.clock.now()))
        _keep(repo, enrolment, url, epoch=True)
    ctx.reload_reference()
    return enrolment


def join(ctx: AppContext, api: ServerApi, url: str, code: str, device_name: str) -> Enrolment:
    """Enrol a store already set up; standalone numbering ends here. A store set up from a hall
    file (its own ids) gets the server's ids for its reference rows by natural key (app.sync.idmap)
    in the same transaction; one with rows the server lacks is refused and nothing is written, and
    the same code can be used again once the server has them (request_id_for)."""
    if not is_set_up(ctx):
        raise InvalidInput("本机尚未设置大厅资料，请选择从中心服务器初始化。")
    with ctx.db.read() as s:
        used = held_numbers(s)
    request_id = request_id_for(ctx, code)
    enrolment = redeem(api, code, device_name, request_id, used)
    fetched = [fetch(api, scope, enrolment.epoch) for scope in reference_scopes(enrolment.hall["id"])]
    with ctx.db.write(foreign_keys=False) as s:  # planned in the transaction that applies it
        planned = idmap.plan(s, str(enrolment.hall["code"]), fetched)
        _refuse(enrolment, planned)  # rolls back: nothing written
        repo = SyncRepository(s)
        if planned.ids:
            idmap.apply(s, planned, fetched, ctx.clock.now())
            log.info("mapped %d local reference ids to the server's", len(planned.ids))
        device = ReferenceRepository(s).device()
        assert device is not None
        device.standalone = False
        if s.get(Window, enrolment.window["id"]) is not None:
            device.window_id = enrolment.window["id"]
        for block in repo.blocks():  # the PC's own blocks, unmarked (older stores) and its window's
            if block.source != "local" and not block.source.startswith(STATION_SOURCE):
                continue
            block.next_value = block.last + 1  # standalone numbering ends; reported above
        _keep(repo, enrolment, url, epoch=repo.get(state.EPOCH) is None)
    ctx.reload_reference()
    return enrolment


def _refuse(enrolment: Enrolment, planned: idmap.Plan) -> None:
    """InvalidInput when the store cannot take the server's ids (the code can be used again)."""
    if planned.hall_differs:
        raise InvalidInput(
            f"本机的大厅资料不是中心服务器上的“{enrolment.hall['name']}”（大厅代码 {enrolment.hall['code']}），"
            "不能注册到该大厅。请向中心管理员申请本大厅的注册码。", field="code")
    if planned.missing:
        more = f"等 {len(planned.missing)} 项" if len(planned.missing) > MAX_LISTED else ""
        raise InvalidInput(
            "中心服务器上缺少本机使用的大厅资料：" + "、".join(planned.missing[:MAX_LISTED]) + more
            + "。请由中心管理员在服务器上补充后，用同一注册码重新注册；本机资料未作任何改动。", field="code")


def _keep(repo: SyncRepository, enrolment: Enrolment, url: str, *, epoch: bool) -> None:
    repo.put(state.CREDENTIAL, enrolment.credential)
    repo.put(state.DEVICE_ID, enrolment.device_id)
    repo.put(state.SERVER_URL, url)
    if epoch:
        repo.put(state.EPOCH, enrolment.epoch)
    repo.drop(state.ENROL_REQUEST)
