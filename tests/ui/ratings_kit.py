"""Ratings in a real demo store for the staff screens' tests: completed cases rated through the rating
screen's own code path (app.ratings.booth, test code only — the clerk's screens never import it), and
the clock moved on working days so a 差评's limit turns yellow or red."""

from __future__ import annotations

import datetime as dt

from app.clock import FixedClock
from app.context import Actor
from app.ratings.booth import RatingBooth, RatingReceipt
from app.services import Services
from tests.app.kit import IntakeKit

DEMO_PASSWORD = "demo1234"


def login(services: Services, login_name: str):  # -> StaffInfo
    return services.auth.login(login_name, DEMO_PASSWORD)


def window_id(services: Services, number: str) -> str:
    """The id of the demo hall's window "01", "02" …"""
    return next(wid for wid, label in services.attendance.windows() if label.startswith(number))


def completed_case(services: Services, staff, window: str | None = None) -> str:
    """A case taken in and completed by ``staff`` at this PC's window (or window id ``window``)."""
    kit = IntakeKit(services)
    actor = Actor(staff.id, staff.name)
    view = services.intake.open_case(actor, kit.request(kit.matter(case_type="promised").id), window_id=window)
    view = services.lifecycle.complete(actor, view.id, view.version, approved=True, result="准予登记")
    return view.id


def rate(services: Services, staff, level: int, reasons: tuple[str, ...] = (), comment: str = "",
         phone: str = "", window: str | None = None) -> RatingReceipt:
    """The applicant rates a freshly completed case of ``staff`` on the rating screen."""
    case_id = completed_case(services, staff, window)
    booth = RatingBooth(services.ctx)
    prompt = booth.prompt(case_id, "complete", staff.id)
    assert prompt is not None
    return booth.record(prompt, level, reasons, comment, phone)


def unrated(services: Services, staff, window: str | None = None) -> None:
    """The rating screen timed out on a completed case of ``staff`` (policy 未评价)."""
    case_id = completed_case(services, staff, window)
    booth = RatingBooth(services.ctx)
    prompt = booth.prompt(case_id, "complete", staff.id)
    assert prompt is not None
    booth.record_unrated(prompt)


def later(services: Services, clock: FixedClock, working_days: int, at: dt.time = dt.time(10, 0)) -> None:
    """Move the clock ``working_days`` working days on (at ``at``)."""
    day = services.ctx.calendar().add_working_days(clock.at.date(), working_days)
    clock.at = dt.datetime.combine(day, at)


def minutes_later(clock: FixedClock, minutes: int) -> None:
    clock.at = clock.at + dt.timedelta(minutes=minutes)
