"""Brakes on guessing at the counter (app.lockout, docs/security.md): login, unlock and 授权 lock a
login after ``login.max_failures`` wrong passwords, say when to retry, audit the lockout, keep it
across a restart and through a clock set back; an unknown login costs what a wrong password costs."""

from __future__ import annotations

import datetime as dt
import statistics
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from app.clock import FixedClock
from app.errors import AuthenticationFailed, LockedOut
from app.services import Services
from db.models import AuditEvent, LoginLockout, Parameter, Staff
from tests.conftest import DEFAULT_NOW, DEMO_CLERK


def wrong(services: Services, times: int, login: str = DEMO_CLERK[0]) -> list[str]:
    kinds = []
    for _ in range(times):
        with pytest.raises(AuthenticationFailed) as caught:
            services.auth.login(login, "wrong")
        kinds.append(type(caught.value).__name__)
    return kinds


def lockout_events(services: Services) -> list[AuditEvent]:
    with services.ctx.db.read() as s:
        rows = list(s.scalars(select(AuditEvent).where(AuditEvent.action == "auth.lockout")))
        s.expunge_all()
        return rows


def test_the_fifth_wrong_password_locks_the_login_and_says_until_when(services: Services, clock: FixedClock) -> None:
    assert wrong(services, 5) == ["AuthenticationFailed"] * 4 + ["LockedOut"]
    with pytest.raises(LockedOut) as caught:
        services.auth.login(*DEMO_CLERK)  # the right password is not even checked
    until = caught.value.until
    assert until == DEFAULT_NOW + dt.timedelta(minutes=5)
    expected = f"密码连续错误次数过多，该账号已暂时锁定。请在 {until:%H:%M} 之后（约 5 分钟后）再试。"
    assert caught.value.message == expected
    [event] = lockout_events(services)
    assert event.detail["login"] == "zhangmin" and event.detail["via"] == "login"
    assert "密码连续错误 5 次" in event.summary
    clock.advance(minutes=5, seconds=1)
    assert services.auth.login(*DEMO_CLERK).login == "zhangmin"


def test_a_right_password_resets_the_count(services: Services) -> None:
    wrong(services, 4)
    services.auth.login(*DEMO_CLERK)
    assert wrong(services, 4) == ["AuthenticationFailed"] * 4
    with services.ctx.db.read() as s:
        assert s.get(LoginLockout, "zhangmin").failures == 4  # type: ignore[union-attr]


def test_failures_outside_the_window_do_not_add_up(services: Services, clock: FixedClock) -> None:
    wrong(services, 4)
    clock.advance(minutes=16)
    assert wrong(services, 4) == ["AuthenticationFailed"] * 4


def test_each_further_lockout_doubles_up_to_the_cap(services: Services, clock: FixedClock) -> None:
    lengths = []
    for _ in range(6):
        wrong(services, 4)
        with pytest.raises(LockedOut) as caught:
            services.auth.login(DEMO_CLERK[0], "wrong")
        lengths.append(round((caught.value.until - clock.now()).total_seconds() / 60))
        clock.at = caught.value.until
    assert lengths == [5, 10, 20, 40, 60, 60]


def test_unknown_logins_are_locked_too_and_the_lock_survives_a_restart(db_path: Path, clock: FixedClock) -> None:
    first = Services.open_demo(db_path, clock)
    try:
        assert wrong(first, 5, "nobody")[-1] == "LockedOut"
    finally:
        first.close()
    again = Services.open_demo(db_path, clock)
    try:
        with pytest.raises(LockedOut):
            again.auth.login("Nobody ", "anything")
    finally:
        again.close()


def test_setting_the_clock_back_does_not_end_the_lock(services: Services, clock: FixedClock) -> None:
    wrong(services, 5)
    clock.advance(days=-1)  # before the lock began: taken as starting now, full length
    with pytest.raises(LockedOut):
        services.auth.login(*DEMO_CLERK)
    clock.advance(minutes=4)
    with pytest.raises(LockedOut):
        services.auth.login(*DEMO_CLERK)
    clock.advance(minutes=1, seconds=1)
    assert services.auth.login(*DEMO_CLERK).login == "zhangmin"


def test_unlock_and_authorise_share_the_brake(services: Services) -> None:
    clerk = services.auth.login(*DEMO_CLERK)
    assert [services.auth.verify(clerk.id, "wrong") for _ in range(4)] == [False] * 4
    with pytest.raises(LockedOut):
        services.auth.verify(clerk.id, "wrong")
    with pytest.raises(LockedOut):
        services.auth.verify(clerk.id, DEMO_CLERK[1])
    for _ in range(4):
        with pytest.raises(AuthenticationFailed):
            services.auth.authorise("liqiang", "wrong", clerk.id, "case.void")
    with pytest.raises(LockedOut):
        services.auth.authorise("liqiang", "wrong", clerk.id, "case.void")
    assert [e.detail["via"] for e in lockout_events(services)] == ["unlock", "authorise"]


def test_the_limits_are_hall_parameters(services: Services) -> None:
    with services.ctx.action() as s:
        s.merge(Parameter(key="login.max_failures", value="2"))
    assert wrong(services, 2) == ["AuthenticationFailed", "LockedOut"]


def test_an_unknown_login_costs_what_a_wrong_password_costs(services: Services, production_argon2: None) -> None:
    from app.auth import hash_password

    with services.ctx.action() as s:
        s.merge(Parameter(key="login.max_failures", value="1000"))
        clerk = s.scalar(select(Staff).where(Staff.login == DEMO_CLERK[0]))  # hashed as the product does
        assert clerk is not None
        clerk.password_hash = hash_password(DEMO_CLERK[1])

    def median(login: str) -> float:
        times = []
        for _ in range(10):
            start = time.perf_counter()
            with pytest.raises(AuthenticationFailed):
                services.auth.login(login, "wrong-password")
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    unknown, known = median("nobody-here"), median(DEMO_CLERK[0])
    assert 0.5 < unknown / known < 2, (unknown, known)
