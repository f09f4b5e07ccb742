"""Issue #11, point 2: request size limits. A body over the limit is answered 413 with the limits
stated, whether its length is declared or it arrives in chunks, before it is authenticated or parsed;
more ops than a push takes are 413 too; and the counter sends ops with photos in batches that fit."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.sync.push import _within
from server.api import create_app
from server.engine import ServerDatabase
from server.settings import ServerSettings
from tests.server.attendance_kit import Hall
from tests.server.conftest import UtcClock
from tests.server.kit import ServerKit

LIMIT = 64 * 1024


@pytest.fixture
def small(server_db: ServerDatabase, server_clock: UtcClock, tmp_path: Path,
          server_template: Any) -> Iterator[ServerKit]:
    settings = ServerSettings(database_url=str(server_db.url), data_dir=tmp_path / "data", max_body_bytes=LIMIT,
                              max_batch=20)
    with TestClient(create_app(server_db, settings, server_clock)) as client:
        yield ServerKit(client, server_db, server_template.hall_id, server_clock)


def _limits_stated(r: Any) -> dict[str, Any]:
    assert r.status_code == 413, (r.status_code, r.text[:200])
    error: dict[str, Any] = r.json()["error"]
    assert error["limits"]["max_ops_per_push"] == 20 and "分批" in error["message"]
    return error


def test_a_body_over_the_limit_is_413_with_the_limits_before_authentication(small: ServerKit) -> None:
    big = json.dumps({"ops": [], "pad": "x" * LIMIT})
    for path in ("/v1/push", "/v1/enrol", "/v1/staff/login"):
        error = _limits_stated(small.client.post(path, content=big, headers={"Content-Type": "application/json"}))
        assert error["code"] == "body_too_large" and error["limits"]["max_body_bytes"] == LIMIT

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        for _ in range(LIMIT // 1024 + 10):
            yield b" " * 1024

    assert small.client.post("/v1/push", content=chunks(), headers={"Content-Type": "application/json"}).status_code \
        == 413


def test_more_ops_than_a_push_takes_is_413_and_what_fits_is_served(small: ServerKit) -> None:
    hall = Hall(small, small.enrol())
    _limits_stated(hall.post([hall.punch() for _ in range(21)]))
    assert all(a["status"] == "applied" for a in hall.push(*[hall.punch(at=f"2026-03-02T09:{m:02d}:00")
                                                              for m in range(10, 30)]))


def test_the_counter_cuts_its_batches_to_a_byte_budget_and_always_sends_one() -> None:
    ops = [{"client_seq": i, "payload": {"photo_b64": "A" * 1000}} for i in range(10)]
    assert [o["client_seq"] for o in _within(ops, 3500)] == [0, 1, 2]
    assert len(_within(ops, 10)) == 1  # one op larger than the budget still goes (the server's limit is higher)
    assert len(_within(ops, 10**9)) == 10
