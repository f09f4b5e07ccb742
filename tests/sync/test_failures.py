"""What the network and the server can do wrong: unreachable, timeouts, dropped connections, error
pages and answers that are not the protocol's are SyncUnavailable with a Chinese message and apply
nothing; 401/403 are SyncRefused; status() says what happened in each state."""

from __future__ import annotations

import json

import httpx
import pytest

from app.clock import FixedClock
from app.services import Services
from app.sync import state
from app.sync.client import SyncRefused, SyncUnavailable
from app.sync.protocol import hall_scope
from tests.conftest import DEFAULT_NOW
from tests.sync.kit import IT, URL, Hall, Tap, actor, cursor_of, hall_rows, intake, ops, wire

HTML = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"


def _fail(path: str, answer):
    def hook(request: httpx.Request, _n: int) -> httpx.Response | None:
        if request.url.path != path:
            return None
        if isinstance(answer, type) and issubclass(answer, Exception):
            raise answer("simulated")
        return answer(request)

    return hook


def _html(status: int):
    return lambda request: httpx.Response(status, text=HTML, headers={"content-type": "text/html"})


def _json(body: object, status: int = 200):
    return lambda request: httpx.Response(status, json=body)


CASES = [
    ("/v1/meta", httpx.ConnectError, "无法连接中心服务器"),
    ("/v1/meta", httpx.ConnectTimeout, "超时"),
    ("/v1/push", httpx.ReadTimeout, "超时"),
    ("/v1/push", httpx.RemoteProtocolError, "无法连接中心服务器"),  # connection dropped mid-answer
    ("/v1/meta", _html(200), "无法识别"),
    ("/v1/push", _html(502), "HTTP 502"),
    ("/v1/push", _json({"error": {"code": "server_error", "message": "服务器内部错误。"}}, 500), "服务器内部错误"),
    ("/v1/push", _json({"results": "lots"}), "无法识别"),
    ("/v1/push", _json([1, 2, 3]), "无法识别"),
    ("/v1/pull", _json({"changes": [{"entity": "case", "id": "x", "row": {"id": "x"}}]}), "无法识别"),
]


@pytest.mark.parametrize("server_template", ["sqlite"], indirect=True)
@pytest.mark.parametrize(("path", "answer", "says"), CASES)
def test_network_failures_and_garbage_apply_nothing(hall: Hall, path: str, answer, says: str) -> None:
    counter = hall.counter("a")
    intake(counter, name="韩失败")
    wire(counter, Tap(hall.transport, hook=_fail(path, answer)))
    with pytest.raises(SyncUnavailable) as failure:
        counter.sync.sync_once()
    assert says in failure.value.message and "\u4e00" <= failure.value.message[0] <= "\u9fff"  # Chinese
    status = counter.sync.status()
    assert (status.online, status.last_error, status.last_attempt_at) == (False, failure.value.message, DEFAULT_NOW)
    assert status.last_success_at == DEFAULT_NOW  # the enrolment's, not this attempt
    if path == "/v1/pull":  # pushed before the pull went wrong
        assert [op.status for op in ops(counter)] == ["acked"] and cursor_of(counter, "ref:catalogue") == 0
    else:
        assert [op.status for op in ops(counter)] == ["pending"] and ops(counter)[0].server_reply is None
    wire(counter, hall.transport)
    assert counter.sync.sync_once().applied == (path != "/v1/pull")
    status = counter.sync.status()
    assert (status.online, status.last_error, status.pending) == (True, "", 0)


@pytest.mark.parametrize("server_template", ["sqlite"], indirect=True)
def test_a_row_the_counter_cannot_take_is_skipped_named_and_settled_when_a_good_version_comes(hall: Hall) -> None:
    """Defence in depth (issue #11): one bad row of the server's does not stop the hall — the rest of
    the page and every other scope are pulled, the status line names the row and who repairs it, and
    the next good version of it (check-rows --repair, or any change) is taken and clears the note."""
    a = hall.counter("a")
    for name in ("韩一", "韩二"):
        intake(a, name=name)
    a.sync.sync_once()
    scope = hall_scope(hall.server.hall_id)
    spoiled: list[str] = []

    def spoil(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        if request.url.path == "/v1/pull" and request.url.params["scope"] == scope:
            body = response.json()
            cases = [c for c in body["changes"] if c["entity"] == "case" and c["id"] in (spoiled or [c["id"]])]
            if cases:
                spoiled[:] = [cases[-1]["id"]]
                cases[-1]["row"]["received_at"] = "yesterday"
            return httpx.Response(200, json=body)
        return response

    b = hall.counter("b", "02", transport=Tap(hall.transport, after=spoil))
    b.sync.sync_once()
    rows = hall_rows(b)
    assert ("case", spoiled[0]) not in rows and sum(e == "case" for e, _ in rows) == 1
    assert cursor_of(b, scope) > 0 and any(e == "notice" for e, _ in rows)
    status = b.sync.status()
    warning = next(w for w in status.warnings if "无法接收" in w)
    assert spoiled[0][:8] in warning and "case.received_at" in warning and "check-rows" in warning
    assert status.last_error == "" and status.online
    wire(b, hall.transport)  # the server's next version of the row is a good one
    view = a.intake.get(spoiled[0])
    a.lifecycle.void(actor(a, "liqiang"), view.id, view.version, "申请人撤回申请")
    a.sync.sync_once()
    b.sync.sync_once()
    assert ("case", spoiled[0]) in hall_rows(b)
    assert not any("无法接收" in w for w in b.sync.status().warnings)


@pytest.mark.parametrize("server_template", ["sqlite"], indirect=True)
def test_a_page_that_is_not_of_the_protocol_applies_none_of_it(hall: Hall) -> None:
    a = hall.counter("a")
    intake(a, name="韩一")
    a.sync.sync_once()
    scope = hall_scope(hall.server.hall_id)

    def spoil(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        if request.url.path == "/v1/pull" and request.url.params["scope"] == scope:
            body = response.json()
            body["changes"].append("not a change")
            return httpx.Response(200, json=body)
        return response

    b = hall.counter("b", "02", transport=Tap(hall.transport, after=spoil))
    with pytest.raises(SyncUnavailable, match="无法识别"):
        b.sync.sync_once()
    assert cursor_of(b, scope) == 0 and hall_rows(b) == {}


def test_unknown_credential_and_revoked_device_are_refused(hall: Hall) -> None:
    counter = hall.counter("a")
    kept = state.load(counter.ctx)
    state.save(counter.ctx, **{state.CREDENTIAL: kept[state.DEVICE_ID] + ".not-the-secret"})
    with pytest.raises(SyncRefused, match="登记凭据无效"):
        counter.sync.sync_once()
    status = counter.sync.status()
    assert status.online is False and "登记凭据无效" in status.last_error and status.enrolled
    state.save(counter.ctx, **{state.CREDENTIAL: kept[state.CREDENTIAL]})
    counter.sync.sync_once()
    r = hall.server.client.post(f"/v1/admin/devices/{kept[state.DEVICE_ID]}/revoke", json={"reason": "电脑报废"},
                                auth=("admin", "demo1234"))
    assert r.status_code == 200
    intake(counter, name="韩停用")
    with pytest.raises(SyncRefused, match="已被中心管理员停用") as refused:
        counter.sync.sync_once()
    assert counter.sync.status().last_error == refused.value.message
    assert counter.sync.status().pending == 1  # kept: a new enrolment pushes it
    again = counter.sync.enrol(IT, URL, hall.code(), "一号窗口（重新注册）")
    assert again.device_id != kept[state.DEVICE_ID]
    report = counter.sync.sync_once()
    assert (report.applied, report.pending_after) == (1, 0) and counter.sync.status().online


def test_status_of_a_standalone_and_of_a_not_enrolled_counter(hall: Hall, tmp_path) -> None:
    counter = hall.counter("a", enrol=False)
    wire(counter, hall.transport, url="")
    status = counter.sync.status()
    assert (status.server_url, status.enrolled, status.online, status.epoch) == ("", False, None, None)
    assert status.warnings == () and status.last_success_at is None and status.skew_seconds is None
    with pytest.raises(SyncRefused, match="单机运行"):
        counter.sync.sync_once()
    wire(counter, hall.transport)
    assert counter.sync.status().server_url == URL and not counter.sync.is_enrolled()
    with pytest.raises(SyncRefused, match="尚未注册"):
        counter.sync.sync_once()
    empty = Services.open(tmp_path / "empty" / "counter-desk.sqlite3", FixedClock(DEFAULT_NOW))
    try:
        assert empty.sync.status().pending == 0 and not empty.sync.is_enrolled()
    finally:
        empty.close()


def test_a_wrong_or_used_enrolment_code_is_invalid_input(hall: Hall) -> None:
    from app.errors import InvalidInput

    counter = hall.counter("a", enrol=False)
    with pytest.raises(InvalidInput, match="登记码不正确"):
        counter.sync.enrol(IT, URL, "ABCD-EFGH", "一号窗口")
    code = hall.code()
    counter.sync.enrol(IT, URL, code, "一号窗口")
    other = hall.counter("b", enrol=False)
    with pytest.raises(InvalidInput, match="已被使用"):
        other.sync.enrol(IT, URL, code, "二号窗口")
    assert not other.sync.is_enrolled()
    assert json.loads(json.dumps(counter.sync.status().epoch))


def test_retry_delay_grows_with_full_jitter_up_to_the_cap() -> None:
    import random

    from app.sync.client import retry_delay

    rng = random.Random(7)
    first = [retry_delay(0, rng=rng) for _ in range(200)]
    assert all(0 <= d <= 2.0 for d in first) and max(first) > 1.5
    later = [retry_delay(20, rng=rng) for _ in range(200)]
    assert all(0 <= d <= 300.0 for d in later) and max(later) > 250 and min(later) < 50
    assert retry_delay(3, base=1.0, cap=5.0, rng=random.Random(1)) <= 5.0
