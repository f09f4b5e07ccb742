"""Server meta, device enrolment with one-time codes, device credentials and revocation."""

from __future__ import annotations

import uuid

from tests.server.kit import ADMIN, CLERK, ServerKit


def test_meta_tells_time_epoch_and_protocol(server: ServerKit) -> None:
    r = server.client.get("/v1/meta")
    assert r.status_code == 200
    body = r.json()
    assert body["protocol_version"] == 1
    assert uuid.UUID(body["epoch"])
    assert body["server_time"] == "2026-03-02T01:30:00+00:00"
    wrong = server.client.get("/v1/meta", headers={"X-Counter-Desk-Protocol": "9"})
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "protocol_unsupported"


def test_enrolment_binds_hall_and_window_and_the_code_is_single_use(server: ServerKit) -> None:
    code = server.code("03", device_name="三号窗口电脑")
    assert code["window_number"] == "03" and len(code["code"]) == 9  # XXXX-XXXX
    r = server.client.post("/v1/enrol", json={"code": code["code"].lower().replace("-", " ")})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["hall"]["code"] == "DEMO" and body["window"]["number"] == "03"
    assert body["scopes"][-1] == f"hall:{server.hall_id}" and "ref:catalogue" in body["scopes"]
    assert body["credential"].startswith(body["device_id"] + ".")
    again = server.client.post("/v1/enrol", json={"code": code["code"]})
    assert again.status_code == 409 and again.json()["error"]["code"] == "enrolment_code_used"
    assert "已被使用" in again.json()["error"]["message"]
    me = server.client.get("/v1/device", headers={"Authorization": f"Bearer {body['credential']}"})
    assert me.status_code == 200 and me.json()["name"] == "三号窗口电脑"


def test_a_lost_enrolment_answer_can_be_fetched_again_with_the_same_request_id(server: ServerKit) -> None:
    code = server.code()["code"]
    first = server.client.post("/v1/enrol", json={"code": code, "request_id": "r-1"}).json()
    second = server.client.post("/v1/enrol", json={"code": code, "request_id": "r-1"})
    assert second.status_code == 201
    assert second.json()["device_id"] == first["device_id"]
    old = server.client.get("/v1/device", headers={"Authorization": f"Bearer {first['credential']}"})
    assert old.status_code == 401  # the secret was replaced: only the newest answer works
    other = server.client.post("/v1/enrol", json={"code": code, "request_id": "r-2"})
    assert other.status_code == 409


def test_codes_expire(server: ServerKit) -> None:
    code = server.code(ttl_minutes=10)["code"]
    server.clock.advance(minutes=11)
    r = server.client.post("/v1/enrol", json={"code": code})
    assert r.status_code == 410 and r.json()["error"]["code"] == "enrolment_code_expired"
    assert server.client.post("/v1/enrol", json={"code": "ABCD-EFGH"}).status_code == 404


def test_only_an_administrator_with_the_right_password_makes_codes(server: ServerKit) -> None:
    body = {"window_number": "01"}
    wrong = server.client.post("/v1/admin/enrolment-codes", json=body, auth=(ADMIN[0], "wrong-password"))
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "admin_auth_failed"
    clerk = server.client.post("/v1/admin/enrolment-codes", json=body, auth=CLERK)
    assert clerk.status_code == 403 and clerk.json()["error"]["code"] == "not_admin"
    none = server.client.post("/v1/admin/enrolment-codes", json=body)
    assert none.status_code == 401
    unknown = server.client.post("/v1/admin/enrolment-codes", json={"window_number": "99"}, auth=ADMIN)
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "window_unknown"


def test_revoked_device_is_refused_everywhere(server: ServerKit) -> None:
    device = server.enrol()
    assert server.pull(device, server.scope).status_code == 200
    r = server.client.post(f"/v1/admin/devices/{device.id}/revoke", json={"reason": "电脑报废"}, auth=ADMIN)
    assert r.status_code == 200 and r.json()["revoked_at"]
    for response in (server.pull(device, server.scope),
                     server.client.post("/v1/push", json={"ops": []}, headers=device.headers),
                     server.lease(device, "notice-receipt")):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "device_revoked"
        assert response.json()["error"]["reason"] == "电脑报废"
    listed = server.client.get("/v1/admin/devices", auth=ADMIN).json()["devices"]
    assert [d["revoke_reason"] for d in listed] == ["电脑报废"]


def test_sync_calls_need_a_valid_credential(server: ServerKit) -> None:
    device = server.enrol()
    assert server.client.get("/v1/pull", params={"scope": server.scope}).status_code == 401
    forged = {"Authorization": f"Bearer {device.id}.not-the-secret"}
    r = server.client.get("/v1/pull", params={"scope": server.scope}, headers=forged)
    assert r.status_code == 401 and r.json()["error"]["code"] == "credential_invalid"


def test_standalone_numbers_reported_at_enrolment_push_later_blocks_above_them(server: ServerKit) -> None:
    code = server.code()["code"]
    used = [{"kind": "notice-receipt", "year": 2026, "highest": 57}]
    r = server.client.post("/v1/enrol", json={"code": code, "standalone_used": used})
    device_id, credential = r.json()["device_id"], r.json()["credential"]
    from tests.server.kit import Device

    block = server.lease(Device(device_id, credential), "notice-receipt", 2026, 10).json()
    assert (block["first"], block["last"]) == (58, 67)


def test_staff_login_against_the_server(server: ServerKit) -> None:
    device = server.enrol()
    ok = server.client.post("/v1/staff/login", json={"login": "zhangmin", "password": "demo1234"},
                            headers=device.headers)
    assert ok.status_code == 200 and ok.json()["name"]
    bad = server.client.post("/v1/staff/login", json={"login": "zhangmin", "password": "nope"},
                             headers=device.headers)
    assert bad.status_code == 401 and bad.json()["error"]["message"] == "用户名或密码不正确。"
