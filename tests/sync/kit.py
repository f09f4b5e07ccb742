"""Helpers for sync tests: counters wired to a server, transports that fail on cue, and what
both sides hold, to compare."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import func, select, update

from app.context import Actor
from app.dto import EnquiryInput, LedgerQuery
from app.services import Services
from app.sync import state
from app.sync.checksum import scope_checksum
from app.sync.rows import entity_row
from db.models import Case, Enquiry, Notice, OutboxOp, Suspension, SyncCursor
from tests.server.conftest import CounterFactory
from tests.server.kit import IT, Device, ServerKit, actor, intake, login  # noqa: F401 - re-exported for the tests

URL = "http://127.0.0.1"  # loopback: plain http is allowed only to this PC (app.server_address)


class Hall:
    """The in-process server and counters of its demo hall talking to it."""

    def __init__(self, server: ServerKit, counters: CounterFactory) -> None:
        self.server, self.counters = server, counters
        self.transport: httpx.BaseTransport = server.client._transport

    def code(self, window: str = "01") -> str:
        return str(self.server.code(window)["code"])

    def counter(self, name: str, window: str = "01", *, enrol: bool = True,
                transport: httpx.BaseTransport | None = None) -> Services:
        """A counter PC copied from the demo template (the server's ids), enrolled by default."""
        services = self.counters.new(name)
        wire(services, transport or self.transport)
        if enrol:
            services.sync.enrol(IT, URL, self.code(window), f"{name}号窗口电脑")
        return services


def wire(services: Services, transport: httpx.BaseTransport | None, url: str = URL) -> None:
    services.sync.transport = transport
    services.sync.server_url = lambda: url


def device_of(services: Services) -> Device:
    """The counter's enrolment, to call the server as it (tests.server.kit)."""
    kept = state.load(services.ctx)
    return Device(kept[state.DEVICE_ID], kept[state.CREDENTIAL])


def ops(services: Services, status: str | None = None) -> list[OutboxOp]:
    with services.ctx.db.read() as s:
        q = select(OutboxOp).order_by(OutboxOp.client_seq)
        if status:
            q = q.where(OutboxOp.status == status)
        return list(s.scalars(q))


def reopen_all(services: Services) -> int:
    """Mark every acknowledged op pending again (as if the answers had been lost)."""
    with services.ctx.db.write() as s:
        return int(s.execute(update(OutboxOp).where(OutboxOp.status == "acked").values(status="pending")).rowcount)


def names(services: Services, text: str) -> list[str]:
    return [r.applicant_name for r in services.ledger.search(LedgerQuery(text=text))]


def hall_rows(services: Services) -> dict[tuple[str, str], Any]:
    """The counter's rows of the hall scope, shaped as the server sends them."""
    with services.ctx.db.read() as s:
        out: dict[tuple[str, str], Any] = {}
        for entity, model in (("case", Case), ("notice", Notice), ("enquiry", Enquiry), ("suspension", Suspension)):
            for obj in s.scalars(select(model)):
                out[(entity, obj.id)] = entity_row(entity, obj)
        return out


def checksum(rows: dict[tuple[str, str], Any]) -> str:
    return scope_checksum((e, i, r) for (e, i), r in rows.items())


def count(services: Services, model: type) -> int:
    with services.ctx.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def enquiry(services: Services, topic: str = "营业执照怎么办") -> str:
    info = login(services)
    return services.enquiries.record(Actor(info.id, info.name), info.hall_id, info.window_id,
                                     EnquiryInput(topic=topic)).id


class Tap(httpx.BaseTransport):
    """Passes requests to ``inner``; ``hook(request, n)`` may raise or return a response instead
    (n counts requests to the same path); ``after(request, response)`` may replace the answer."""

    def __init__(self, inner: httpx.BaseTransport,
                 hook: Callable[[httpx.Request, int], httpx.Response | None] | None = None,
                 after: Callable[[httpx.Request, httpx.Response], httpx.Response] | None = None) -> None:
        self.inner, self.hook, self.after = inner, hook, after
        self.seen: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        n = sum(1 for r in self.seen if r.url.path == request.url.path)
        if self.hook is not None:
            answer = self.hook(request, n)
            if answer is not None:
                return answer
        response = self.inner.handle_request(request)
        if self.after is not None:
            response.read()
            return self.after(request, response)
        return response

    def paths(self, path: str) -> list[httpx.Request]:
        return [r for r in self.seen if r.url.path == path]


def at(day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, 30)


def admin_code(base: str, window: str = "01") -> str:
    """A one-time enrolment code from the (live) server, asked for as the hall administrator."""
    r = httpx.post(f"{base}/v1/admin/enrolment-codes", json={"window_number": window}, auth=("admin", "demo1234"),
                   timeout=30)
    assert r.status_code == 201, r.text
    return str(r.json()["code"])


def hall_now() -> dt.datetime:
    """The hall's wall clock now (naive local time; the tests run in Asia/Shanghai)."""
    return dt.datetime.now().replace(microsecond=0)


@contextmanager
def grouped_actions(services: Services, every: int = 2000) -> Iterator[None]:
    """Real use cases, committed ``every`` actions at a time instead of one by one: each action
    still writes its rows, audit event and outbox op through AppContext.action, only the fsync of
    each commit is saved (test data for the large-outbox test)."""
    ctx = services.ctx
    open_tx: list[Any] = []
    done = [0]

    @contextmanager
    def action() -> Iterator[Any]:
        if not open_tx:
            cm = ctx.db.write()
            open_tx.append((cm, cm.__enter__()))
        yield open_tx[0][1]
        done[0] += 1
        if done[0] % every == 0:
            open_tx.pop()[0].__exit__(None, None, None)

    ctx.action = action  # type: ignore[method-assign]
    try:
        yield
    finally:
        del ctx.action
        if open_tx:
            open_tx.pop()[0].__exit__(None, None, None)


def unverified(services: Services) -> list[str]:
    """Scopes whose last pulled checksum the local rows were not found to match."""
    with services.ctx.db.read() as s:
        return [c.scope for c in s.scalars(select(SyncCursor)) if c.verified != c.checksum or not c.checksum]


def cursor_of(services: Services, scope: str) -> int:
    with services.ctx.db.read() as s:
        row = s.get(SyncCursor, scope)
        return row.cursor if row else 0


def interrupt_after(pages: int, scope: str):
    """A Tap hook: the pulls of ``scope`` after the first ``pages`` fail as if the cable were out."""
    def hook(request: httpx.Request, _n: int) -> httpx.Response | None:
        if request.url.path == "/v1/pull" and request.url.params["scope"] == scope:
            hook.pulls += 1  # type: ignore[attr-defined]
            if hook.pulls > pages:  # type: ignore[attr-defined]
                raise httpx.ConnectError("network cable unplugged")
        return None

    hook.pulls = 0  # type: ignore[attr-defined]
    return hook
