"""The HTTP API (FastAPI): server meta, enrolment, administration; the sync routes are in
server.sync_routes. docs/sync-protocol.md is the contract.

Handlers are plain functions, run by FastAPI in its worker threads; each opens its own short
transactions on the shared ServerDatabase. Refusals are ApiError -> ``{"error": {code, message}}``
with the status it names; a malformed body is 422 ``invalid_request``; anything unexpected is a
500 whose body says so without details (the traceback goes to the server log).

Operations (docs/server-operations.md): ``GET /health`` and ``GET /metrics`` (Prometheus) outside
/v1, the request log and metrics middleware (server.observe), and ``app_from_env``, the factory
each worker process of ``serve --workers N`` builds its app with.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from sqlalchemy import select, text

from app.sync.protocol import PROTOCOL_VERSION, device_scopes
from app.sync.rows import entity_row
from db.models import Hall, Staff, Window
from server import deeming, devices, logs, numbers, posts, throttle
from server.combine import PushCombiner
from server.engine import ServerDatabase, open_server_database
from server.errors import ApiError
from server.leader import Leader
from server.limits import BodyLimit
from server.meta import Clock, current_epoch, iso_utc, naive_utc, utc_now
from server.metrics import CONTENT_TYPE, Metrics, local_year, scrape_allowed
from server.observe import RequestObserver
from server.schema import SyncDevice
from server.settings import ServerSettings
from server.throttle import ADMIN, ENROL, Throttle, ThrottleSettings
from server.wire import CodeIn, EnrolIn, RevokeIn

log = logging.getLogger("counter_desk.server")
SERVER_VERSION = "0.1.0"


@dataclass
class ServerState:
    db: ServerDatabase
    settings: ServerSettings
    clock: Clock
    throttle: Throttle = field(default_factory=Throttle)  # brakes on guessing, in memory (server.throttle)
    metrics: Metrics = field(default_factory=Metrics)
    combiner: PushCombiner = field(init=False)  # group commit of each hall's small pushes (server.combine)

    def __post_init__(self) -> None:
        self.combiner = PushCombiner(self.db, self.now, observe=lambda *seen: self.metrics.combined(*seen))

    def now(self) -> dt.datetime:
        """Naive UTC, as the server stores its own timestamps."""
        return naive_utc(self.clock)

    def stamp(self, epoch: str | None = None) -> dict[str, str]:
        """``epoch`` (read now unless given) and ``server_time``: part of every sync answer."""
        if epoch is None:
            with self.db.snapshot() as s:
                epoch = current_epoch(s)
        return {"epoch": epoch, "server_time": self.clock().astimezone(dt.UTC).isoformat()}


def state_of(request: Request) -> ServerState:
    state = request.app.state.server
    assert isinstance(state, ServerState)
    return state


def check_protocol(x_counter_desk_protocol: Annotated[str | None, Header()] = None) -> None:
    if x_counter_desk_protocol not in (None, str(PROTOCOL_VERSION)):
        raise ApiError(400, "protocol_unsupported",
                       f"服务器使用同步协议第 {PROTOCOL_VERSION} 版，本机版本不兼容，请升级窗口工作台。",
                       server_protocol=PROTOCOL_VERSION)


State = Annotated[ServerState, Depends(state_of)]


def current_device(state: State, authorization: Annotated[str | None, Header()] = None,
                   x_counter_desk_staff: Annotated[str | None, Header()] = None) -> SyncDevice:
    """The enrolled, not revoked device of the request (401/403 otherwise); who is signed in at it
    (``X-Counter-Desk-Staff``) is kept for the 空岗 detector (server.posts)."""
    with state.db.snapshot() as s:
        device = devices.authenticate_device(s, authorization)
    logs.note_device(device.id, device.hall_id)
    now = state.now()
    if device.last_seen_at is None or now - device.last_seen_at > dt.timedelta(minutes=1):
        with state.db.write() as s:
            devices.touch_device(s, device.id, now)
    posts.record_presence(state.db, device, x_counter_desk_staff, now)
    return device


_basic = HTTPBasic(auto_error=False)


def current_admin(state: State, request: Request,
                  credentials: Annotated[HTTPBasicCredentials | None, Depends(_basic)]) -> Staff:
    """A hall administrator by HTTP Basic login and password (argon2, about 50 ms). Wrong passwords
    are braked per login and per address (server.throttle): 429 while locked."""
    if credentials is None:
        raise ApiError(401, "admin_auth_failed", "请以中心管理员身份登录。")
    keys = throttle.login_keys(state.throttle, request, credentials.username)
    throttle.too_many(state, keys)
    try:
        with state.db.snapshot() as s:
            staff = devices.authenticate_admin(s, credentials.username, credentials.password)
    except ApiError as exc:
        if exc.status == 401:
            throttle.record_failure(state, keys, ADMIN, None)
        raise
    state.throttle.succeeded(keys[0])
    return staff


Device = Annotated[SyncDevice, Depends(current_device)]
Admin = Annotated[Staff, Depends(current_admin)]
router = APIRouter(prefix="/v1", dependencies=[Depends(check_protocol)])


@router.get("/meta")
def meta(state: State) -> dict[str, Any]:
    """No credential needed: lets a counter check the address, the clock skew and the epoch."""
    return {**state.stamp(), "protocol_version": PROTOCOL_VERSION, "server_version": SERVER_VERSION}


def _hall_json(s: Any, device: SyncDevice) -> dict[str, Any]:
    hall = s.get(Hall, device.hall_id)
    window = s.get(Window, device.window_id) if device.window_id else None
    return {"hall": entity_row("hall", hall) if hall else None,
            "window": entity_row("window", window) if window else None,
            "scopes": device_scopes(device.hall_id)}


@router.post("/enrol", status_code=201)
def enrol(body: EnrolIn, state: State, request: Request) -> dict[str, Any]:
    """Redeem a one-time code: the device's id and secret (shown once), its hall, window and scopes.
    Wrong codes are braked per address and for enrolment as a whole (server.throttle): 429."""
    used = [numbers.UsedNumbers(u.kind, u.year, u.highest) for u in body.standalone_used]
    keys = throttle.enrol_keys(state.throttle, request)
    throttle.too_many(state, keys)
    try:
        with state.db.write() as s:
            device, secret = devices.redeem_code(s, body.code, request_id=body.request_id,
                                                 device_name=body.device_name, now=state.now())
            numbers.report_used(s, device.hall_id, used)
            out = {"device_id": device.id, "credential": devices.credential(device, secret),
                   **_hall_json(s, device)}
    except ApiError as exc:
        if exc.code == "enrolment_code_invalid":  # the transaction is rolled back before counting
            throttle.record_failure(state, keys, ENROL, None)
        raise
    log.info("device %s enrolled for hall %s", device.id, device.hall_id)
    return {**state.stamp(), **out}


@router.get("/device")
def device_info(device: Device, state: State) -> dict[str, Any]:
    with state.db.snapshot() as s:
        out = {**devices.device_json(device), **_hall_json(s, device)}
    return {**state.stamp(), **out}


@router.post("/admin/enrolment-codes", status_code=201)
def create_enrolment_code(body: CodeIn, admin: Admin, state: State) -> dict[str, Any]:
    ttl = body.ttl_minutes or state.settings.code_ttl_minutes
    if ttl > state.settings.max_code_ttl_minutes:
        raise ApiError(422, "ttl_too_long", f"登记码有效期最长 {state.settings.max_code_ttl_minutes} 分钟。")
    with state.db.write() as s:
        code, row, window = devices.create_code(
            s, hall_id=admin.hall_id, window_number=body.window_number, created_by=admin.id,
            device_name=body.device_name, ttl=dt.timedelta(minutes=ttl), now=state.now())
        return {"code": code, "hall_id": row.hall_id, "window_id": window.id, "window_number": window.number,
                "device_name": row.device_name, "expires_at": iso_utc(row.expires_at)}


@router.get("/admin/devices")
def list_devices(admin: Admin, state: State) -> dict[str, Any]:
    with state.db.snapshot() as s:
        rows = s.scalars(select(SyncDevice).where(SyncDevice.hall_id == admin.hall_id)
                         .order_by(SyncDevice.enrolled_at)).all()
        return {"devices": [devices.device_json(d) for d in rows]}


@router.get("/admin/lockouts")
def list_lockouts(admin: Admin, state: State, days: Annotated[int, Query(ge=1, le=366)] = 7) -> dict[str, Any]:
    """The brakes on guessing as they stand: locks in force, and the hall's lockouts of ``days``."""
    return throttle.lockouts_json(state, admin.hall_id, state.now() - dt.timedelta(days=days))


@router.post("/admin/devices/{device_id}/revoke")
def revoke(device_id: str, body: RevokeIn, admin: Admin, state: State) -> dict[str, Any]:
    with state.db.write() as s:
        device = devices.revoke_device(s, hall_id=admin.hall_id, device_id=device_id, by=admin.id,
                                       reason=body.reason, now=state.now())
        out = devices.device_json(device)
    log.info("device %s revoked by %s", device_id, admin.login)
    return out


ops = APIRouter()  # no protocol header, no device credential: for the IT department's monitoring
HEALTH_TIMEOUT = 5.0  # seconds the database may take to answer before /health says 503


def _database_answers(db: ServerDatabase) -> str:
    """The epoch, after a trivial query: raises whatever the database raises."""
    with db.snapshot() as s:
        s.execute(text("SELECT 1"))
        return current_epoch(s)


def _unavailable(reason: str) -> JSONResponse:
    body = {"status": "unavailable", "database": "unavailable", "reason": reason, "version": SERVER_VERSION}
    return JSONResponse(body, status_code=503)


@ops.get("/health")
async def health(request: Request) -> JSONResponse:
    """200 ``{status: ok, database: ok, epoch, version}`` when the database answers; 503 with the
    reason when it does not (never a 500: a load balancer or systemd's watchdog reads it)."""
    state = state_of(request)
    try:
        epoch = await asyncio.wait_for(asyncio.to_thread(_database_answers, state.db), HEALTH_TIMEOUT)
    except TimeoutError:
        return _unavailable(f"数据库 {HEALTH_TIMEOUT:g} 秒内未响应 (database did not answer in time)")
    except Exception as exc:
        log.warning("health check: database unavailable: %s", type(exc).__name__)
        return _unavailable(f"数据库无法访问 (database unavailable): {type(exc).__name__}")
    return JSONResponse({"status": "ok", "database": "ok", "epoch": epoch, "version": SERVER_VERSION})


@ops.get("/metrics")
def metrics(request: Request, authorization: Annotated[str | None, Header()] = None) -> Response:
    """Prometheus text format: from loopback, or with the metrics token (server.metrics)."""
    state = state_of(request)
    if not scrape_allowed(request.client.host if request.client else None, authorization,
                          state.settings.metrics_token):
        raise ApiError(403, "metrics_forbidden", "监控指标仅允许本机或持有监控令牌的采集程序读取。")
    return Response(state.metrics.render(state.db, local_year(state.now())), media_type=CONTENT_TYPE)


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    logs.note_code(exc.code)
    return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers or None)


async def _invalid(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    detail = [{"loc": list(e.get("loc", ())), "msg": str(e.get("msg", ""))} for e in exc.errors()]
    body = {"error": {"code": "invalid_request", "message": "请求格式不正确。", "detail": detail}}
    logs.note_code("invalid_request")
    return JSONResponse(body, status_code=422)


async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    """The 500 answer; the error is logged by server.observe, with the request's fields."""
    body = {"error": {"code": "server_error", "message": "服务器内部错误，本次请求未完成，请稍后重试。"}}
    return JSONResponse(body, status_code=500)


EMPTY_POSTS_ENV = "COUNTER_DESK_SERVER_EMPTY_POSTS_EVERY"  # seconds between 空岗 checks; 0: off


def empty_posts_every() -> float:
    try:
        return float(os.environ.get(EMPTY_POSTS_ENV, "60"))
    except ValueError:
        return 60.0


async def empty_post_loop(state: ServerState, every: float, leader: Leader) -> None:
    """Run the periodic checks for every hall each ``every`` seconds until cancelled: 空岗, and
    视为受理 of received cases whose notify limit has passed (server.deeming). With several worker
    processes only the one holding the leader's lock runs them (server.leader)."""
    while True:
        await asyncio.sleep(every)
        try:
            if not await asyncio.to_thread(leader.holds):
                continue
        except Exception:
            log.exception("periodic checks: could not take the leader's lock")
            continue
        try:
            await asyncio.to_thread(posts.check_all_halls, state.db, state.now())
        except Exception:
            log.exception("empty-post check failed")
        try:
            await asyncio.to_thread(deeming.deem_all_halls, state.db, state.now())
        except Exception:
            log.exception("deeming lapsed cases failed")


def create_app(db: ServerDatabase, settings: ServerSettings, clock: Clock = utc_now,
               empty_posts_seconds: float | None = None, throttle_settings: ThrottleSettings | None = None) -> FastAPI:
    """The ASGI app on an opened, migrated database. The 空岗 check runs every ``empty_posts_seconds``
    in the background (``serve`` passes COUNTER_DESK_SERVER_EMPTY_POSTS_EVERY, else 60; None or 0:
    off, as in tests, which run the check themselves with their own clock)."""
    from server.mobile_rating import router as mobile_router
    from server.sync_routes import router as sync_router

    every = empty_posts_seconds or 0
    state = ServerState(db=db, settings=settings, clock=clock, throttle=Throttle(throttle_settings))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        leader = Leader(db)
        task = asyncio.create_task(empty_post_loop(state, every, leader)) if every > 0 else None
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
            leader.release()

    app = FastAPI(title="Counter Desk server", version=SERVER_VERSION, lifespan=lifespan)
    app.state.server = state
    app.include_router(ops)
    app.include_router(router)
    app.include_router(sync_router)
    app.include_router(mobile_router)  # 扫码评价: the phone page of the QR code on the papers
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(Exception, _unexpected)
    app.add_middleware(BodyLimit, max_body_bytes=settings.max_body_bytes, max_batch=settings.max_batch)
    app.add_middleware(RequestObserver, metrics=state.metrics)  # added last: outside BodyLimit, sees its 413
    return app


def app_from_env() -> FastAPI:
    """The app of one worker process: ``serve`` runs uvicorn with this factory by import string
    (``server.api:app_from_env``), so each of ``--workers N`` processes builds its own app, database
    pool and metrics from the environment ``serve`` prepared (the database is already migrated)."""
    logs.configure()
    settings = ServerSettings.from_env()
    db = open_server_database(settings.database_url, upgrade=False)
    return create_app(db, settings, empty_posts_seconds=empty_posts_every(),
                      throttle_settings=ThrottleSettings.from_env())
