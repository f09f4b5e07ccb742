"""Helpers of the rating tests (no Qt): completed cases of the demo hall and the rating screen's booth."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Sequence

from app.ratings.booth import RatingBooth, RatingReceipt
from app.services import Services
from tests.app.attendance_kit import who, window_id
from tests.app.kit import VALID_ID, IntakeKit


def completed_case(services: Services, login: str = "zhangmin", window: str = "01", *, deliver: bool = False,
                   completed_by: str | None = None) -> str:
    """A promised case taken in at ``window`` by ``login``, completed (by ``completed_by``), maybe delivered."""
    kit = IntakeKit(services)
    maker = who(services, login)
    view = services.intake.open_case(maker, kit.request(kit.matter(case_type="promised").id),
                                     window_id=window_id(services, window))
    doer = who(services, completed_by) if completed_by else maker
    view = services.lifecycle.complete(doer, view.id, view.version, approved=True, result="准予登记")
    if deliver:
        view = services.lifecycle.deliver(doer, view.id, view.version, recipient="李明", recipient_id=VALID_ID)
    return view.id


def rate(services: Services, case_id: str, level: int, reasons: Sequence[str] = (), comment: str = "",
         phone: str = "", trigger: str = "complete") -> RatingReceipt:
    booth = RatingBooth(services.ctx)
    prompt = booth.prompt(case_id, trigger)
    assert prompt is not None
    return booth.record(prompt, level, reasons, comment, phone)


def bad_rating(services: Services, phone: str = "13812345678", login: str = "zhangmin",
               window: str = "01") -> RatingReceipt:
    """A 非常不满意 with a reason and a callback phone on a fresh completed case."""
    receipt = rate(services, completed_case(services, login, window), 1, ["attitude"], "态度冷淡", phone)
    assert receipt.bad
    return receipt


def table(services: Services, sql: str, *args: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(services.ctx.db.path) as con:
        return list(con.execute(sql, args).fetchall())


def later(services: Services, **delta: float) -> None:
    """Move the test clock on (the FixedClock the services were opened with)."""
    clock = services.ctx.clock
    clock.at = clock.now() + dt.timedelta(**delta)  # type: ignore[attr-defined]
