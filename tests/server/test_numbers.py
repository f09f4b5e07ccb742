"""Number-block leases: idempotent per request id, bounded, above every number used before."""

from __future__ import annotations

from tests.server.kit import ServerKit


def test_a_resent_lease_request_gets_the_same_block(server: ServerKit) -> None:
    device = server.enrol()
    first = server.lease(device, "case-promised", size=50, request_id="req-1").json()
    again = server.lease(device, "case-promised", size=50, request_id="req-1").json()
    assert (again["first"], again["last"], again["lease_id"]) == (first["first"], first["last"], first["lease_id"])
    assert (first["first"], first["last"]) == (1, 50)
    other = server.lease(device, "case-promised", size=10, request_id="req-2").json()
    assert (other["first"], other["last"]) == (51, 60)
    clash = server.lease(device, "notice-receipt", request_id="req-1")
    assert clash.status_code == 409 and clash.json()["error"]["code"] == "request_id_reused"


def test_blocks_are_per_kind_and_year_with_a_default_and_a_maximum_size(server: ServerKit) -> None:
    device = server.enrol()
    assert server.lease(device, "notice-receipt").json()["last"] == 200  # default size
    assert server.lease(device, "notice-receipt", year=2027, size=5).json()["first"] == 1
    too_big = server.lease(device, "notice-receipt", size=100_000)
    assert too_big.status_code == 422 and too_big.json()["error"]["code"] == "block_too_large"
    unknown = server.lease(device, "bogus-kind")
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "number_kind_unknown"


def test_reported_numbers_move_later_blocks_up_and_the_year_runs_out(server: ServerKit) -> None:
    device = server.enrol()
    r = server.client.post("/v1/numbers/report", headers=device.headers,
                           json={"used": [{"kind": "case-joint", "year": 2026, "highest": 999_990}]})
    assert r.status_code == 200
    tail = server.lease(device, "case-joint", size=100).json()
    assert (tail["first"], tail["last"]) == (999_991, 999_999)
    empty = server.lease(device, "case-joint")
    assert empty.status_code == 409 and empty.json()["error"]["code"] == "numbers_exhausted"
