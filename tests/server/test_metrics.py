"""Operations endpoints on SQLite and PostgreSQL: /health (200 with the epoch; 503, never 500, when
the database does not answer), /metrics after real pushes, leases and refusals, who may scrape it,
and the request log (one JSON object per line with the request's ids)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from server import logs
from server.api import create_app
from server.engine import ServerDatabase
from server.settings import ServerSettings
from tests.server.conftest import Template, UtcClock, pg_admin
from tests.server.kit import ServerKit, intake, outbox

TOKEN = "scrape-token-for-tests"


@pytest.fixture
def kit(server_db: ServerDatabase, server_clock: UtcClock, tmp_path: Path,
        server_template: Template) -> Iterator[ServerKit]:
    settings = ServerSettings(database_url=str(server_db.url), data_dir=tmp_path / "data", metrics_token=TOKEN)
    with TestClient(create_app(server_db, settings, server_clock)) as client:
        yield ServerKit(client, server_db, server_template.hall_id, server_clock)


def scrape(kit: ServerKit) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    r = kit.client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain")
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(r.text) for s in family.samples}


def value(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


def test_health_answers_with_the_epoch_and_version(kit: ServerKit) -> None:
    r = kit.client.get("/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["database"] == "ok" and body["version"]
    assert body["epoch"] == kit.client.get("/v1/meta").json()["epoch"]


def _unreachable_url(backend: str, tmp_path: Path) -> str:
    """A database the server cannot open: a folder where the SQLite file should be; a PostgreSQL
    database that does not exist."""
    if backend == "sqlite":
        (tmp_path / "not-a-file.sqlite3").mkdir()
        return f"sqlite:///{tmp_path / 'not-a-file.sqlite3'}"
    return "postgresql+psycopg://postgres@127.0.0.1:5432/cdtest_missing_database"


def test_health_is_503_with_a_reason_when_the_database_cannot_be_opened(server_template: Template,
                                                                      tmp_path: Path) -> None:
    db = ServerDatabase(_unreachable_url(server_template.backend, tmp_path))
    settings = ServerSettings(database_url=str(db.url), data_dir=tmp_path / "data")
    with TestClient(create_app(db, settings), raise_server_exceptions=False) as client:
        r = client.get("/health")
    db.dispose()
    assert r.status_code == 503, r.text
    assert r.json()["status"] == "unavailable" and "OperationalError" in r.json()["reason"]


def test_health_turns_503_when_the_postgresql_database_goes_away(kit: ServerKit, server_template: Template) -> None:
    if server_template.backend != "postgresql":
        pytest.skip("a SQLite file open in the process cannot be taken away from it")
    assert kit.client.get("/health").status_code == 200
    pg_admin(f'DROP DATABASE "{kit.db.url.database}" WITH (FORCE)')  # the fixture's drop then finds nothing
    r = kit.client.get("/health")
    assert r.status_code == 503 and r.json()["database"] == "unavailable"


def test_metrics_count_pushes_refusals_requests_and_lease_stock(kit: ServerKit, counters) -> None:
    counter = counters.new("a")
    device = kit.enrol()
    intake(counter)
    intake(counter, decision=None, name="王芳")
    ops = outbox(counter)
    assert [r["status"] for r in kit.push(device, ops)["results"]] == ["applied", "applied"]
    reused = {**ops[0], "op_id": "01900000-0000-7000-8000-000000000000"}
    assert kit.push(device, [reused])["results"][0]["code"] == "client_seq_reused"
    assert kit.lease(device, "notice-acceptance", 2026, 50).status_code == 200
    assert kit.lease(device, "notice-acceptance", 2026, 30).status_code == 200
    assert kit.client.get("/v1/device").status_code == 401
    assert kit.pull(device, kit.scope).status_code == 200

    m = scrape(kit)
    hall = kit.hall_id
    assert value(m, "counter_desk_push_ops_total", hall=hall, status="applied") == 2
    assert value(m, "counter_desk_push_ops_total", hall=hall, status="rejected") == 1
    assert value(m, "counter_desk_refusals_total", where="op", code="client_seq_reused") == 1
    assert value(m, "counter_desk_refusals_total", where="request", code="credential_missing") == 1
    assert value(m, "counter_desk_push_seconds_count", hall=hall) == 2
    assert value(m, "counter_desk_push_batch_ops_sum", hall=hall) == 3
    assert value(m, "counter_desk_push_in_flight", hall=hall) == 0  # nothing waits once answered
    assert value(m, "counter_desk_http_requests_total", route="/v1/push", method="POST", status="200") == 2
    assert value(m, "counter_desk_http_request_seconds_count", route="/v1/push", method="POST") == 2
    assert value(m, "counter_desk_number_leases_total", hall=hall, kind="notice-acceptance") == 2
    assert (value(m, "counter_desk_pull_rows_total", hall=hall) or 0) >= 2
    stock = {"hall": hall, "device": device.id, "kind": "notice-acceptance"}
    assert value(m, "counter_desk_lease_numbers", **stock) == 80
    assert value(m, "counter_desk_lease_blocks", **stock) == 2


def test_metrics_labels_are_ids_never_names(kit: ServerKit, counters) -> None:
    counter = counters.new("a")
    device = kit.enrol(device_name="张三的电脑")
    intake(counter, name="王芳")
    kit.push(device, outbox(counter))
    text = kit.client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text
    assert device.id in text or kit.hall_id in text
    for name in ("王芳", "李明", "张三", "zhangmin"):
        assert name not in text


def test_metrics_need_loopback_or_the_token(kit: ServerKit) -> None:
    assert kit.client.get("/metrics").status_code == 403  # TestClient's address is "testclient", not loopback
    wrong = kit.client.get("/metrics", headers={"Authorization": "Bearer guess"})
    assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "metrics_forbidden"
    assert kit.client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    with TestClient(kit.client.app, client=("127.0.0.1", 40000)) as local:
        assert local.get("/metrics").status_code == 200


def test_request_log_is_one_json_object_per_line_with_the_request_ids(kit: ServerKit, counters) -> None:
    counter = counters.new("a")
    device = kit.enrol()
    intake(counter)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    handler.addFilter(logs.RequestFields())
    logs.ACCESS.addHandler(handler)
    logs.ACCESS.setLevel(logging.INFO)
    try:
        r = kit.client.post("/v1/push", json={"ops": outbox(counter)},
                            headers={**device.headers, "X-Request-ID": "rid-from-proxy-1"})
        missing = kit.client.get("/v1/device")
    finally:
        logs.ACCESS.removeHandler(handler)
    assert r.status_code == 200 and r.headers["x-request-id"] == "rid-from-proxy-1"
    pushed, refused = (json.loads(line) for line in stream.getvalue().splitlines())
    assert pushed["request_id"] == "rid-from-proxy-1" and pushed["route"] == "/v1/push"
    assert pushed["status"] == 200 and pushed["duration_ms"] >= 0
    assert pushed["device_id"] == device.id and pushed["hall_id"] == kit.hall_id
    assert refused["status"] == 401 and refused["code"] == "credential_missing"
    assert refused["request_id"] == missing.headers["x-request-id"] and "device_id" not in refused
