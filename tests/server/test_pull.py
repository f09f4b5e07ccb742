"""Pull: pages in change order with a cursor, and a per-scope checksum that the client can
recompute over the rows it holds (app.sync.checksum over app.sync.rows)."""

from __future__ import annotations

from sqlalchemy import select

from app.sync.checksum import scope_checksum
from app.sync.protocol import REF_CATALOGUE
from app.sync.rows import entity_row
from db.models import Case, Department, Enquiry, Matter, Notice
from tests.server.kit import ServerKit, actor, intake, outbox


def _checksum(rows: dict) -> str:
    return scope_checksum((entity, eid, row) for (entity, eid), row in rows.items())


def test_pages_follow_the_cursor_and_the_checksum_matches_the_pulled_rows(server: ServerKit, counters) -> None:
    counter = counters.new("a")
    device = server.enrol()
    for i in range(4):
        intake(counter, name=f"申请人{'甲乙丙丁'[i]}")
    server.push(device, outbox(counter))
    seen, cursor, pages = [], 0, 0
    while True:
        page = server.pull(device, server.scope, cursor, limit=5).json()
        seen += [c["seq"] for c in page["changes"]]
        assert page["cursor"] == cursor
        cursor, pages = page["next_cursor"], pages + 1
        if not page["has_more"]:
            break
    assert seen == list(range(1, 13)) and pages == 3  # 4 cases with 2 notices each
    rows, last = server.pull_all(device, server.scope, limit=5)
    assert last["row_count"] == len(rows) == 12 and last["last_seq"] == 12
    assert last["checksum"] == _checksum(rows)
    empty = server.pull(device, server.scope, cursor=12).json()
    assert empty["changes"] == [] and empty["next_cursor"] == 12 and not empty["has_more"]


def test_the_counter_recomputes_the_same_checksum_over_its_own_rows(server: ServerKit, counters) -> None:
    """After a push, the hall scope on the server is exactly what the counter holds."""
    counter = counters.new("a")
    device = server.enrol()
    intake(counter)
    intake(counter, decision=None, name="王芳")
    from app.dto import EnquiryInput

    counter.enquiries.record(actor(counter), server.hall_id, None, EnquiryInput(topic="咨询社保转移"))
    server.push(device, outbox(counter))
    _, page = server.pull_all(device, server.scope)
    with counter.ctx.db.read() as s:
        local = [("case", c.id, entity_row("case", c)) for c in s.scalars(select(Case))]
        local += [("notice", n.id, entity_row("notice", n)) for n in s.scalars(select(Notice))]
        local += [("enquiry", e.id, entity_row("enquiry", e)) for e in s.scalars(select(Enquiry))]
        catalogue = [("department", d.id, entity_row("department", d)) for d in s.scalars(select(Department))]
        catalogue += [("matter", m.id, entity_row("matter", m)) for m in s.scalars(select(Matter))]
    assert page["checksum"] == scope_checksum(local)
    _, ref = server.pull_all(device, REF_CATALOGUE, limit=500)
    assert ref["checksum"] == scope_checksum(catalogue) and ref["row_count"] == len(catalogue)


def test_an_update_supersedes_the_older_version_in_later_pulls(server: ServerKit, counters) -> None:
    counter = counters.new("a")
    device = server.enrol()
    view = intake(counter)
    server.push(device, outbox(counter))
    first = server.pull(device, server.scope).json()
    counter.lifecycle.void(actor(counter, "liqiang"), view.id, view.version, "录入错误")
    server.push(device, outbox(counter, after=1))
    later = server.pull(device, server.scope, cursor=first["next_cursor"]).json()
    assert [(c["entity"], c["row"]["status"]) for c in later["changes"]] == [("case", "voided")]
    rows, page = server.pull_all(device, server.scope)
    assert rows[("case", view.id)]["status"] == "voided" and page["checksum"] == _checksum(rows)


def test_scopes_of_other_halls_are_forbidden_and_stale_cursors_refused(server: ServerKit) -> None:
    device = server.enrol()
    assert server.pull(device, "hall:someone-else").status_code == 403
    ahead = server.pull(device, server.scope, cursor=50)
    assert ahead.status_code == 409 and ahead.json()["error"]["code"] == "cursor_ahead"
    old = server.pull(device, server.scope, epoch="not-the-epoch")
    assert old.status_code == 409 and old.json()["error"]["code"] == "epoch_changed"
    assert old.json()["error"]["epoch"] == server.client.get("/v1/meta").json()["epoch"]


def test_reference_scopes_carry_what_the_counter_needs_offline(server: ServerKit) -> None:
    device = server.enrol()
    scopes = server.client.get("/v1/device", headers=device.headers).json()["scopes"]
    got = {scope: server.pull_all(device, scope, limit=1000)[0] for scope in scopes[:-1]}
    staff = got[f"hall:{server.hall_id}:staff"]
    assert {r["login"] for r in staff.values()} >= {"zhangmin", "admin"}
    assert all(r["password_hash"].startswith("$argon2") for r in staff.values())  # offline login
    windows = got[f"hall:{server.hall_id}:windows"]
    assert sum(1 for entity, _ in windows if entity == "hall") == 1
    params = got[f"hall:{server.hall_id}:parameters"]
    assert params[("parameter", "notify_limit_days")] == {"key": "notify_limit_days", "value": "5"}
    assert any(e == "calendar_day" and k == "2026-10-01" for e, k in got["ref:calendar"])
    matter = next(r for (e, _), r in got["ref:catalogue"].items() if e == "matter")
    assert matter["materials"] and "id" in matter["materials"][0]
