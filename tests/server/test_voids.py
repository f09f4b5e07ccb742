"""The void-number register on the server: ``notice.void`` and ``number.void`` applied and pulled
by other counters, a voided number never issued again (a later paper carrying it is refused), a
clerk's crafted void refused, and the accounting of leased numbers with its gaps (CLI too).
Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy import select

from app.context import Actor
from app.numbering import parse_number
from db.models import Hall, Notice, VoidNumber
from server import cli
from server.number_audit import number_accounts
from tests.server.kit import ServerKit, install_blocks, intake, login, outbox


def _statuses(body: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(r["status"], r["code"]) for r in body["results"]]


def _chief_at_desk(counter, case_id: str) -> Actor:
    return counter.auth.authorise("liqiang", "demo1234", login(counter).id, "notice.void", case_id=case_id)


def _acceptance(view):
    return next(n for n in view.notices if n.kind == "acceptance")


def test_a_voided_paper_reaches_the_server_and_other_counters_and_its_number_is_never_issued_again(
        server: ServerKit, counters) -> None:
    counter = counters.new("a")
    device = server.enrol()
    install_blocks(counter, server, device)
    view = intake(counter)
    paper = _acceptance(view)
    result = counter.voids.void_notice(_chief_at_desk(counter, view.id), paper.id, "misprint", "打印错位")
    ops = outbox(counter)
    assert [o["kind"] for o in ops] == ["case.open", "notice.void"]
    body = server.push(device, ops)
    assert _statuses(body) == [("applied", None)] * 2
    related = {(r["entity"], r["row"].get("number")) for r in body["results"][1]["related"]}
    assert ("void_number", paper.number) in related and ("notice", result.replacement_number) in related
    with server.db.snapshot() as s:
        assert s.get(Notice, paper.id).void is True
        row = s.scalar(select(VoidNumber).where(VoidNumber.number == paper.number))
        assert row is not None and row.replaced_by == result.replacement_number
        assert row.requested_by == login(counter).id
    other = server.enrol("02")
    rows, _ = server.pull_all(other, server.scope)
    assert rows[("notice", paper.id)]["void"] is True
    assert [r["number"] for (e, _), r in rows.items() if e == "void_number"] == [paper.number]
    # the same op again changes nothing; a paper of another case carrying the voided number is refused
    assert server.push(device, ops)["results"] == body["results"]
    later = intake(counter, name="王芳")
    crafted = copy.deepcopy(outbox(counter, after=2)[0])
    crafted["payload"]["notices"][-1]["number"] = paper.number
    answer = server.push(device, [crafted])["results"][0]
    assert (answer["status"], answer["code"]) == ("conflict", "number_voided")
    assert paper.number in answer["message"] and "作废的编号不能再次使用" in answer["message"]
    assert "作废文书" in answer["message"] and "信息科" not in answer["message"]
    assert later.number


def test_a_skipped_number_is_voided_hall_wide_and_a_paper_with_it_is_refused(server: ServerKit, counters) -> None:
    counter = counters.new("a")
    device = server.enrol()
    install_blocks(counter, server, device)
    view = intake(counter)
    paper = _acceptance(view)
    serial = parse_number(paper.number)[2]  # type: ignore[index]
    skipped = paper.number[:-6] + f"{serial + 1:06d}"
    chief = counter.auth.authorise("liqiang", "demo1234", login(counter).id, "notice.void", here=True)
    counter.voids.void_number(chief, skipped, "skipped", "打印机卡纸，该号未出具")
    ops = outbox(counter)
    assert [o["kind"] for o in ops] == ["case.open", "number.void"]
    assert _statuses(server.push(device, ops)) == [("applied", None)] * 2
    crafted = copy.deepcopy(ops[0])
    crafted.update(client_seq=3, op_id="01900000-0000-7000-8000-00000000aaaa")
    crafted["entity_id"] = crafted["payload"]["case"]["id"] = "01900000-0000-7000-8000-00000000bbbb"
    crafted["payload"]["case"]["number"] += "9"
    crafted["payload"]["case"]["query_code"] = "ZZZZ9999"
    for n in crafted["payload"]["notices"]:
        n["case_id"] = crafted["entity_id"]
        n["id"] = n["id"][:-4] + "cccc"
    crafted["payload"]["notices"] = crafted["payload"]["notices"][-1:]
    crafted["payload"]["notices"][0]["number"] = skipped
    answer = server.push(device, [crafted])["results"][0]
    assert (answer["status"], answer["code"]) == ("conflict", "number_voided"), answer
    # a number of another device's block, or already issued, cannot be voided as skipped
    again = copy.deepcopy(ops[1])
    again.update(client_seq=4, op_id="01900000-0000-7000-8000-00000000dddd")
    again["entity_id"] = again["payload"]["id"] = "01900000-0000-7000-8000-00000000eeee"
    again["payload"]["number"] = paper.number
    again["payload"]["serial"] = serial
    answer = server.push(device, [again])["results"][0]
    assert (answer["status"], answer["code"]) == ("conflict", "number_taken")


def test_a_clerks_crafted_void_and_a_malformed_one_are_refused(server: ServerKit, counters) -> None:
    counter = counters.new("a")
    device = server.enrol()
    install_blocks(counter, server, device)
    view = intake(counter)
    counter.voids.void_notice(_chief_at_desk(counter, view.id), _acceptance(view).id, "torn", "卡纸撕破")
    ops = outbox(counter)
    clerk = login(counter).id
    crafted = copy.deepcopy(ops[1])
    crafted.update(actor_id=clerk, op_id="01900000-0000-7000-8000-00000000abcd")
    crafted["payload"]["void_number"]["voided_by"] = clerk
    answer = server.push(device, [ops[0], crafted])["results"][1]
    assert (answer["status"], answer["code"]) == ("rejected", "not_permitted")
    assert "首席代表" in answer["message"]
    broken = copy.deepcopy(ops[1])
    broken.update(client_seq=3, op_id="01900000-0000-7000-8000-00000000ffff")
    broken["payload"]["void_number"]["serial"] = "x"
    answer = server.push(device, [broken])["results"][0]
    assert (answer["status"], answer["code"]) == ("rejected", "invalid_payload")
    assert _statuses(server.push(device, [{**ops[1], "client_seq": 4}])) == [("applied", None)]


def test_numbers_of_leased_blocks_are_accounted_for_and_gaps_reported(server: ServerKit, counters, capsys) -> None:
    counter = counters.new("a")
    device = server.enrol()
    install_blocks(counter, server, device, size=50)
    first = intake(counter)
    lost = intake(counter, name="王芳")  # its ops never reach the server: its numbers are gaps
    third = intake(counter, name="赵丽")
    counter.voids.void_notice(_chief_at_desk(counter, third.id), _acceptance(third).id, "left", "申请人离开",
                              reissue=False)
    ops = [o for o in outbox(counter) if o["entity_id"] != lost.id]
    assert all(r["status"] == "applied" for r in server.push(device, ops)["results"])
    with server.db.snapshot() as s:
        hall = s.get(Hall, server.hall_id)
        accounts = {a.kind: a for a in number_accounts(s, hall, 2026)}
    acceptance = accounts["notice-acceptance"]
    lost_serial = parse_number(_acceptance(lost).number)[2]  # type: ignore[index]
    assert acceptance.gaps == (lost_serial,) and acceptance.issued == 1 and acceptance.voided == 1
    assert acceptance.unused == acceptance.last - parse_number(_acceptance(third).number)[2]  # type: ignore[index]
    assert accounts["notice-rejection"].gaps == () and accounts["notice-rejection"].issued == 0
    assert first.number
    status = cli.main(["--db", server.db.url.render_as_string(hide_password=False), "number-gaps", "--year", "2026",
                       "--kind", "notice-acceptance"])
    out = capsys.readouterr().out
    assert status == 2 and f"缺号 1 个：{lost_serial}" in out and "已作废 1" in out
