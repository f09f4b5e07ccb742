"""Brakes on guessing at the server (server.throttle, docs/security.md): wrong staff and administrator
passwords and wrong enrolment codes are locked out per account and per address, answered 429 with
Retry-After and a Chinese message saying when to retry, every lockout stored for the administrator;
an unknown login costs the same argon2 check as a wrong password."""

from __future__ import annotations

import statistics
import time
from typing import Any

import pytest
from sqlalchemy import select

from server.cli import main as server_cli
from server.schema import LockoutEvent
from server.throttle import Key, Throttle, ThrottleSettings
from tests.server.kit import ADMIN, CLERK, Device, ServerKit


class FakeMonotonic:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def brakes(server: ServerKit, **settings: Any) -> FakeMonotonic:
    """Give the running server its own brakes (the defaults are 5 per account, 20 per address)."""
    ticks = FakeMonotonic()
    state = server.client.app.state.server  # type: ignore[attr-defined]
    state.throttle = Throttle(ThrottleSettings(**settings), monotonic=ticks)
    return ticks


def login(server: ServerKit, device: Device, name: str, password: str) -> Any:
    return server.client.post("/v1/staff/login", json={"login": name, "password": password}, headers=device.headers)


def events(server: ServerKit) -> list[LockoutEvent]:
    with server.db.snapshot() as s:
        rows = list(s.scalars(select(LockoutEvent).order_by(LockoutEvent.id)))
        s.expunge_all()
        return rows


def test_staff_login_locks_the_account_after_n_wrong_passwords(server: ServerKit) -> None:
    device = server.enrol()
    ticks = brakes(server, per_account=3, lock_seconds=300)
    assert [login(server, device, CLERK[0], "wrong").status_code for _ in range(2)] == [401, 401]
    r = login(server, device, CLERK[0], "wrong")
    assert r.status_code == 429
    assert r.headers["Retry-After"] == "300"
    message = r.json()["error"]["message"]
    # 01:30 UTC + 5 min, in hall time (UTC+8)
    assert "尝试次数过多" in message and "09:35 之后" in message and "约 5 分钟后" in message
    # while locked not even the right password is checked
    assert login(server, device, CLERK[0], CLERK[1]).status_code == 429
    assert login(server, device, " ZhangMin ", CLERK[1]).status_code == 429  # the same account however typed
    [event] = events(server)
    assert (event.route, event.scope, event.subject, event.failures) == ("staff", "account", "zhangmin", 3)
    assert event.hall_id == server.hall_id
    ticks.t += 301
    assert login(server, device, CLERK[0], CLERK[1]).status_code == 200


def test_each_further_lockout_is_longer(server: ServerKit) -> None:
    device = server.enrol()
    ticks = brakes(server, per_account=2, lock_seconds=60, max_lock_seconds=150)
    waits = []
    for _ in range(3):
        login(server, device, "ghost", "x")
        waits.append(int(login(server, device, "ghost", "x").headers["Retry-After"]))
        ticks.t += waits[-1] + 1
    assert waits == [60, 120, 150]  # doubled, capped


def test_a_right_password_resets_the_account_count(server: ServerKit) -> None:
    device = server.enrol()
    brakes(server, per_account=3)
    for _ in range(2):
        assert login(server, device, CLERK[0], "wrong").status_code == 401
    assert login(server, device, CLERK[0], CLERK[1]).status_code == 200
    for _ in range(2):
        assert login(server, device, CLERK[0], "wrong").status_code == 401
    assert events(server) == []


def test_one_address_is_limited_across_accounts(server: ServerKit) -> None:
    device = server.enrol()
    brakes(server, per_account=5, per_address=4)
    assert [login(server, device, f"user{i}", "wrong").status_code for i in range(4)] == [401, 401, 401, 429]
    # the address is locked: a right password of another account waits too
    assert login(server, device, CLERK[0], CLERK[1]).status_code == 429
    assert [(e.scope, e.subject) for e in events(server)] == [("address", "testclient")]


def test_wrong_administrator_passwords_lock_out_and_the_administrator_sees_lockouts(server: ServerKit) -> None:
    device = server.enrol()
    brakes(server, per_account=3)
    body = {"window_number": "01"}
    codes = [server.client.post("/v1/admin/enrolment-codes", json=body, auth=(CLERK[0], "guess")).status_code
             for _ in range(3)]
    assert codes == [401, 401, 429]
    for _ in range(3):
        login(server, device, "liqiang", "guess")
    r = server.client.get("/v1/admin/lockouts", auth=ADMIN)
    assert r.status_code == 200, r.text
    listing = r.json()
    assert {c["key"] for c in listing["current"]} == {"account:zhangmin", "account:liqiang"}
    assert {(e["route"], e["subject"]) for e in listing["recent"]} == {("admin", "zhangmin"), ("staff", "liqiang")}
    # the staff login and the admin login check the same password: one count
    assert login(server, device, CLERK[0], CLERK[1]).status_code == 429


def test_wrong_enrolment_codes_are_limited_per_address_and_in_total(server: ServerKit) -> None:
    code = server.code()["code"]
    brakes(server, enrol_per_address=3, enrol_total=100)
    answers = [server.client.post("/v1/enrol", json={"code": f"AAAA-BBB{i + 2}"}).status_code for i in range(3)]
    assert answers == [404, 404, 429]
    r = server.client.post("/v1/enrol", json={"code": code})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert [(e.route, e.scope) for e in events(server)] == [("enrol", "enrol-address")]
    brakes(server, enrol_per_address=100, enrol_total=2)
    answers = [server.client.post("/v1/enrol", json={"code": f"AAAA-CCC{i + 2}"}).status_code for i in range(2)]
    assert answers == [404, 429]
    assert events(server)[-1].scope == "enrol"


def test_the_server_command_lists_lockouts(server: ServerKit, capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("server.cli._now", lambda: server.clock().replace(tzinfo=None))
    device = server.enrol()
    brakes(server, per_account=2)
    for _ in range(2):
        login(server, device, "ghost", "x")
    assert server_cli(["--db", str(server.db.url), "lockouts"]) == 0
    out = capsys.readouterr().out
    assert "staff  account:ghost  2 次失败  锁定至 2026-03-02 01:35:00 UTC  当前锁定" in out


def test_an_unknown_login_costs_what_a_wrong_password_costs(server: ServerKit, production_argon2: None) -> None:
    from app.auth import hash_password
    from db.models import Staff

    device = server.enrol()
    brakes(server, per_account=1000, per_address=1000)
    with server.db.write() as s:  # the clerk's password as the product hashes it (tests hash cheaply)
        clerk = s.scalar(select(Staff).where(Staff.login == CLERK[0]))
        assert clerk is not None
        clerk.password_hash = hash_password(CLERK[1])

    def median(name: str) -> float:
        times = []
        for _ in range(10):
            start = time.perf_counter()
            assert login(server, device, name, "wrong-password").status_code == 401
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    unknown, wrong = median("nobody-here"), median(CLERK[0])
    assert 0.5 < unknown / wrong < 2, (unknown, wrong)


def test_the_throttle_stays_bounded() -> None:
    ticks = FakeMonotonic()
    throttle = Throttle(ThrottleSettings(max_keys=50), monotonic=ticks)
    for i in range(500):
        throttle.failed([Key("account", f"u{i}", 5)])
    assert len(throttle._entries) == 50
    lock = throttle.failed([Key("account", "x", 1)])
    assert lock and throttle.retry_after([Key("account", "x", 1)]) == 300


def test_the_settings_come_from_the_environment() -> None:
    settings = ThrottleSettings.from_env("per_address=50, lock_seconds=600")
    assert (settings.per_address, settings.lock_seconds, settings.per_account) == (50, 600.0, 5)
    with pytest.raises(ValueError, match="unknown setting"):
        ThrottleSettings.from_env("per_adress=50")
