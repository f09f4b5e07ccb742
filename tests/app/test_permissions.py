"""The permission table, generated: every action × every role, on the table itself and through the
counter's real services (a person holding exactly one role, on work of their own window, of another
window of their department, and of another department). The expectation is spelled out here from
the grants (what a scope means), not computed by the code under test."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3
from collections.abc import Callable
from typing import Any

import pytest

from app.attendance.schedule import default_schedule, schedule_content
from app.context import Actor
from app.dto import EnquiryInput
from app.errors import DomainError, NotPermitted
from app.permissions import PERMISSIONS, ROLE_LABELS, Holder, Role, Scope, Subject, refusal, who_may
from app.ratings.booth import RatingBooth
from app.services import Services
from tests.app.kit import IntakeKit

ROLES = list(Role)
# the demo hall: windows 01 and 02 are 市场监管 (SCJ), 03 is 人力社保 (RSJ); zhangmin works at 01
OWN, SAME_DEPARTMENT, OTHER_DEPARTMENT = "01", "02", "03"
TARGETS = (OWN, SAME_DEPARTMENT, OTHER_DEPARTMENT)
# actions the attendance, rating and appraisal work adds: in the table now, services come with them
LATER = {
    "post.cover_assign",
    "peer_evaluation.manage", "appraisal.comment", "appraisal.adjust",
    "appraisal.publish", "appraisal.quota_raise", "commendation.record", "void_register.view", "notice.void",
    "rating.phone_view", "peer_evaluation.vote", "appraisal.view", "appraisal.rules", "appraisal.item_propose",
    "report.view",
}


def expected(action: str, role: Role, target: str) -> bool:
    """May a holder of just ``role`` (window 01, department SCJ) take ``action`` on ``target``'s work?"""
    scope = PERMISSIONS[action].grants.get(role)
    if scope is None:
        return False
    return {Scope.HALL: True, Scope.DEPARTMENT: target in (OWN, SAME_DEPARTMENT), Scope.WINDOW: target == OWN}[scope]


# -- the table ---------------------------------------------------------------------------------

SUBJECTS = {OWN: Subject("w01", "scj"), SAME_DEPARTMENT: Subject("w02", "scj"), OTHER_DEPARTMENT: Subject("w03", "rsj")}


@pytest.mark.parametrize("action", sorted(PERMISSIONS))
@pytest.mark.parametrize("role", ROLES)
def test_table_every_action_every_role(action: str, role: Role) -> None:
    holder = Holder("p1", frozenset({role.value}), "scj", frozenset({"w01"}))
    for target, subject in SUBJECTS.items():
        reason = refusal(holder, action, subject)
        assert (reason is None) == expected(action, role, target), (action, role, target, reason)
        if reason is not None:
            assert who_may(action) in reason  # each refusal says who may
    if PERMISSIONS[action].not_own_request:
        own = refusal(holder, action, dataclasses.replace(SUBJECTS[OWN], requester_id="p1"))
        assert own is not None and "本人" in own


def test_who_may_reads_as_a_clerk_would() -> None:
    assert who_may("case.void") == "首席代表（本部门）或中心业务科"
    assert who_may("machine.settings") == "中心管理员"
    assert who_may("case.intake") == "窗口人员（本窗口）或首席代表（本部门）"
    assert set(ROLE_LABELS) == {r.value for r in Role}
    assert all(p.grants for p in PERMISSIONS.values())


def test_several_roles_add_up_and_no_role_may_nothing() -> None:
    both = Holder("p1", frozenset({"clerk", "chief"}), "scj", frozenset({"w01"}))
    assert refusal(both, "case.void", SUBJECTS[SAME_DEPARTMENT]) is None
    assert refusal(both, "case.intake", SUBJECTS[SAME_DEPARTMENT]) is None  # as the chief
    nobody = Holder("p2", frozenset(), "scj", frozenset({"w01"}))
    assert all(refusal(nobody, a, SUBJECTS[OWN]) is not None for a in PERMISSIONS)


# -- through the services ----------------------------------------------------------------------

class Bench:
    """Work of three windows made by people who may, then zhangmin given exactly one role."""

    def __init__(self, services: Services) -> None:
        self.s, self.kit = services, IntakeKit(services)
        self.ids = {login: services.auth.login(login, "demo1234") for login in ("zhangmin", "liqiang", "wangfang")}
        with sqlite3.connect(services.ctx.db.path) as con:
            self.windows = dict(con.execute("SELECT number, id FROM window").fetchall())
        makers = {OWN: "liqiang", SAME_DEPARTMENT: "liqiang", OTHER_DEPARTMENT: "wangfang"}
        self.cases = {t: self._case(makers[t], t) for t in TARGETS}
        self.prepared = ""

    def who(self, login: str) -> Actor:
        info = self.ids[login]
        return Actor(info.id, info.name)

    def _case(self, maker: str, window: str) -> Any:
        m = self.kit.matter(case_type="promised")
        return self.s.intake.open_case(self.who(maker), self.kit.request(m.id), window_id=self.windows[window])

    def give(self, role: Role) -> Actor:
        with sqlite3.connect(self.s.ctx.db.path) as con:
            con.execute("UPDATE staff SET roles = ?, role = ? WHERE login = 'zhangmin'", (role.value, role.value))
        return self.who("zhangmin")

    def refresh(self, target: str) -> Any:
        return self.s.intake.get(self.cases[target].id)


def _quarantine_one(b: Bench, target: str) -> None:
    """An enquiry op the server refused (as the sync would mark it), on this PC's window 01."""
    services = b.s
    services.enquiries.record(b.who("liqiang"), b.ids["liqiang"].hall_id, b.windows[OWN], EnquiryInput(topic="登记"))
    with sqlite3.connect(services.ctx.db.path) as con:
        op_id = con.execute("SELECT op_id FROM outbox_op ORDER BY client_seq DESC LIMIT 1").fetchone()[0]
        con.execute("UPDATE outbox_op SET status = 'quarantined', result = 'rejected' WHERE op_id = ?", (op_id,))
    b.prepared = str(op_id)


def _first_print(b: Bench, target: str) -> None:
    maker = b.who("liqiang" if target != OTHER_DEPARTMENT else "wangfang")
    paper = b.s.notices.printables(b.cases[target].id)[0]
    b.s.notices.record_print(maker, b.s.notices.prepare(maker, paper.notice_id, paper.kind), "PDF")


def _print(b: Bench, who: Actor, target: str, *, reprint: bool) -> None:
    paper = b.s.notices.printables(b.cases[target].id)[0]
    doc = b.s.notices.prepare(who, paper.notice_id, paper.kind)
    assert doc.reprint == reprint
    b.s.notices.record_print(who, doc, "PDF")


def _machine(b: Bench, who: Actor, target: str) -> None:
    settings = b.s.machine_settings()
    longer = (settings.idle_lock_minutes or 5) + 1
    b.s.save_machine_settings(who, dataclasses.replace(settings, idle_lock_minutes=longer))


def _enrol(b: Bench, who: Actor, target: str) -> None:
    try:
        b.s.sync.enrol(who, "http://127.0.0.1:9", "ABCD-EFGH-JKLM", "一号窗口")
    except NotPermitted:
        raise
    except DomainError:
        pass  # permitted: it went on to the (absent) server


# -- attendance: requests of someone at the target window (sunhao is moved to window 01 for OWN) ----------
_REQUESTER = {OWN: "sunhao", SAME_DEPARTMENT: "liqiang", OTHER_DEPARTMENT: "wangfang"}
_LEAVE_DAY = {OWN: 4, SAME_DEPARTMENT: 5, OTHER_DEPARTMENT: 6}  # March 2026, one day each: no AB岗 clash


def _requester(b: Bench, target: str) -> Actor:
    login = _REQUESTER[target]
    with sqlite3.connect(b.s.ctx.db.path) as con:
        if target == OWN:
            con.execute("UPDATE staff SET window_id = (SELECT window_id FROM staff WHERE login = 'zhangmin'), "
                        "department_id = (SELECT department_id FROM staff WHERE login = 'zhangmin') "
                        "WHERE login = 'sunhao'")
        staff_id, name = con.execute("SELECT id, name FROM staff WHERE login = ?", (login,)).fetchone()
    return Actor(staff_id, name)


def _leave(days: int) -> Callable[[Bench, str], None]:
    def setup(b: Bench, target: str) -> None:
        first = _LEAVE_DAY[target] if days == 1 else 9
        start = dt.datetime(2026, 3, first, 8, 30)
        end = dt.datetime(2026, 3, first + days - 1, 17, 30)
        b.prepared = b.s.attendance.request_leave(_requester(b, target), "事假", start, end, "家中有事").id
    return setup


def _makeup(b: Bench, target: str) -> None:
    b.prepared = b.s.attendance.request_makeup(_requester(b, target), dt.date(2026, 3, 2), "start",
                                               dt.datetime(2026, 3, 2, 8, 28), "指纹机未识别").id


def _import(b: Bench, who: Actor, target: str) -> None:
    path = b.s.ctx.db.path.parent / "machine.csv"
    path.write_text("工号,姓名,打卡时间,设备\n1002,李强,2026-03-02 08:25:00,1\n", encoding="utf-8")
    b.s.attendance.import_file(who, path, {"staff_no": 0, "name": 1, "at": 2, "terminal": 3})


# -- ratings: the rating screen's 差评 on the target window's completed case -------------------------------

def _rated(b: Bench, rated_login: str, target: str = OWN, level: int = 1) -> str:
    """A rating of a completed case of ``target`` naming ``rated_login``, given an hour ago (visible)."""
    login = "liqiang" if target != OTHER_DEPARTMENT else "wangfang"
    maker, case = b.who(login), b._case(login, target)
    b.s.lifecycle.complete(maker, case.id, case.version, approved=True, result="准予登记")
    booth = RatingBooth(b.s.ctx)
    staff = b.ids[rated_login].id if rated_login in b.ids else None
    prompt = booth.prompt(case.id, "complete", staff)
    assert prompt is not None
    rating_id = booth.record(prompt, level, ["attitude"]).rating_id
    clock = b.s.ctx.clock
    clock.at = clock.now() + dt.timedelta(hours=1)  # type: ignore[attr-defined]
    return rating_id


def _bad_rating(b: Bench, target: str, verified: bool = False) -> None:
    rating_id = _rated(b, "liqiang", target)
    supervisor = b.s.auth.login("sunduc", "demo1234")
    followup = next(f for f in b.s.ratings.followups(Actor(supervisor.id, supervisor.name))
                    if f.rating.id == rating_id)
    if verified:
        b.s.ratings.verify(Actor(supervisor.id, supervisor.name), followup.id, 1, "substantiated", "")
    b.prepared = followup.id


def _own_rating(b: Bench) -> None:
    b.prepared = _rated(b, "zhangmin")


def _appealed(b: Bench) -> None:
    """liqiang appeals a rating of his; zhangmin (given the role) decides."""
    rating_id = _rated(b, "liqiang")
    b.prepared = b.s.ratings.appeal(b.who("liqiang"), rating_id, "malicious", "办事人迁怒").id


Call = Callable[[Bench, Actor, str], Any]
CALLS: dict[str, tuple[Call, bool]] = {  # action -> (call, whether it is on a window's work)
    "case.intake": (lambda b, a, t: b.s.intake.open_case(
        a, b.kit.request(b.kit.matter(case_type="promised").id), window_id=b.windows[t]), True),
    "case.step": (lambda b, a, t: b.s.lifecycle.suspend(a, b.cases[t].id, b.refresh(t).version, "现场核查"), True),
    "case.void": (lambda b, a, t: b.s.lifecycle.void(a, b.cases[t].id, b.refresh(t).version, "录入错误"), True),
    "notice.print": (lambda b, a, t: _print(b, a, t, reprint=False), True),
    "notice.reprint": (lambda b, a, t: _print(b, a, t, reprint=True), True),
    "enquiry.record": (lambda b, a, t: b.s.enquiries.record(a, b.ids["zhangmin"].hall_id, b.windows[t],
                                                           EnquiryInput(topic="营业执照怎么办")), False),
    "quarantine.resolve": (lambda b, a, t: b.s.sync.resolve(a, b.prepared, "已核实"), False),
    "catalogue.import": (lambda b, a, t: b.s.catalogue.import_catalogue(a, b.s.catalogue.export_catalogue()), False),
    "parameter.change": (lambda b, a, t: b.s.settings.set_parameter(a, "yellow_days_before", "2"), False),
    "machine.settings": (_machine, False),
    "device.enrol": (_enrol, False),
    "staff.roles": (lambda b, a, t: b.s.staff.set_roles(a, b.ids["wangfang"].id, ["clerk", "chief"], "任命首席代表"),
                    False),
    "attendance.self": (lambda b, a, t: b.s.attendance.punch(a), False),
    "attendance.view": (lambda b, a, t: b.s.attendance.inspections(a, mine=False), False),
    "attendance.publish": (lambda b, a, t: b.s.attendance.publish_month(a, 2026, 2), False),
    "leave.approve_day": (lambda b, a, t: b.s.attendance.decide_leave(a, b.prepared, True, "同意"), True),
    "leave.approve_two_days": (lambda b, a, t: b.s.attendance.decide_leave(a, b.prepared, True, "同意"), False),
    "leave.approve_longer": (lambda b, a, t: b.s.attendance.decide_leave(a, b.prepared, True, "同意"), False),
    "punch.makeup_approve": (lambda b, a, t: b.s.attendance.decide_makeup(a, b.prepared, True, "属实"), True),
    "attendance.import": (_import, False),
    "schedule.change": (lambda b, a, t: b.s.attendance.set_schedule(
        a, schedule_content(default_schedule()), "按新作息调整"), False),
    "inspection.record": (lambda b, a, t: b.s.attendance.record_inspection(a, b.windows[OWN], "在岗", ""), False),
    # ratings: the hall's list, the 差评 loop's steps on the target window's 差评, appeals
    "rating.view": (lambda b, a, t: b.s.ratings.ratings(a, dt.date(2026, 3, 1), dt.date(2026, 3, 31)), False),
    "rating.rectify_verify": (lambda b, a, t: b.s.ratings.verify(a, b.prepared, 1, "partly", ""), True),
    "rating.rectify": (lambda b, a, t: b.s.ratings.rectify(a, b.prepared, 2, "服务用语培训"), True),
    "rating.appeal": (lambda b, a, t: b.s.ratings.appeal(a, b.prepared, "mistaken", "办事人误点"), False),
    "rating.appeal_decide": (lambda b, a, t: b.s.ratings.decide_appeal(a, b.prepared, 1, True, "核实为误评"), False),
}


SETUP: dict[str, Callable[[Bench, str], None]] = {
    "notice.reprint": _first_print, "quarantine.resolve": _quarantine_one, "leave.approve_day": _leave(1),
    "leave.approve_two_days": _leave(2), "leave.approve_longer": _leave(3), "punch.makeup_approve": _makeup,
    "rating.rectify_verify": lambda b, t: _bad_rating(b, t), "rating.rectify": lambda b, t: _bad_rating(b, t, True),
    "rating.appeal": lambda b, t: _own_rating(b), "rating.appeal_decide": lambda b, t: _appealed(b),
}


def test_every_action_of_the_table_is_exercised_here_or_declared_for_later() -> None:
    assert set(CALLS) | LATER == set(PERMISSIONS)
    assert not set(CALLS) & LATER


@pytest.mark.parametrize("action", sorted(CALLS))
@pytest.mark.parametrize("role", ROLES)
def test_services_every_action_every_role(services: Services, action: str, role: Role) -> None:
    bench = Bench(services)
    who = bench.give(role)
    call, on_window = CALLS[action]
    targets = TARGETS if on_window else (OWN,)
    for target in targets:
        if action in SETUP:
            SETUP[action](bench, target)
        audit_before = _count(services, "audit_event")
        may = expected(action, role, target) if on_window else role in PERMISSIONS[action].grants
        if may:
            call(bench, who, target)
        else:
            with pytest.raises(NotPermitted) as refused:
                call(bench, who, target)
            assert who_may(action) in refused.value.message
            assert _count(services, "audit_event") == audit_before  # nothing written


def _count(services: Services, table: str) -> int:
    with sqlite3.connect(services.ctx.db.path) as con:
        return int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def test_a_chief_cannot_act_outside_their_department(services: Services) -> None:
    bench = Bench(services)
    chenjing = services.auth.login("chenjing", "demo1234")  # 首席代表 of 自然资源 (window 06)
    chief = Actor(chenjing.id, chenjing.name)
    for target in TARGETS:
        with pytest.raises(NotPermitted, match="本部门"):
            services.lifecycle.void(chief, bench.cases[target].id, bench.refresh(target).version, "录入错误")


def test_a_clerk_covering_at_this_pc_works_its_window(services: Services) -> None:
    """AB岗: wangfang (window 03) signed in at this PC of window 01 takes window 01's work; not window 02's."""
    bench = Bench(services)
    wangfang = bench.who("wangfang")
    bench.s.lifecycle.suspend(wangfang, bench.cases[OWN].id, bench.refresh(OWN).version, "现场核查")
    with pytest.raises(NotPermitted):
        bench.s.lifecycle.suspend(wangfang, bench.cases[SAME_DEPARTMENT].id, bench.refresh(SAME_DEPARTMENT).version,
                                  "现场核查")


def test_authorisation_at_the_clerks_pc_is_recorded_as_the_chiefs(services: Services) -> None:
    bench = Bench(services)
    clerk = bench.ids["zhangmin"]
    case = bench.cases[OWN]
    with pytest.raises(NotPermitted, match="首席代表（本部门）或中心业务科"):
        services.lifecycle.void(bench.who("zhangmin"), case.id, case.version, "录入错误")
    with pytest.raises(DomainError, match="授权人用户名或密码不正确"):
        services.auth.authorise("liqiang", "wrong-password", clerk.id, "case.void", case_id=case.id)
    with pytest.raises(NotPermitted, match="陈静不能授权"):
        services.auth.authorise("chenjing", "demo1234", clerk.id, "case.void", case_id=case.id)
    chief = services.auth.authorise("liqiang", "demo1234", clerk.id, "case.void", case_id=case.id)
    assert chief.id == bench.ids["liqiang"].id and chief.at_desk_of == clerk.id
    services.lifecycle.void(chief, case.id, case.version, "录入错误")
    with sqlite3.connect(services.ctx.db.path) as con:
        name, summary, detail = con.execute(
            "SELECT actor_name, summary, detail FROM audit_event WHERE action = 'case.void'").fetchone()
        actor_of_op = con.execute("SELECT actor_id FROM outbox_op WHERE kind = 'case.void'").fetchone()[0]
    assert name == "李强" and "授权办理" in summary and clerk.id in detail
    assert actor_of_op == chief.id  # the server judges the chief's permission, not the clerk's


def test_roles_are_data_several_per_person_changed_only_by_an_audited_operation(services: Services) -> None:
    bench = Bench(services)
    admin = services.auth.login("admin", "demo1234")
    it = Actor(admin.id, admin.name)
    wangfang = bench.ids["wangfang"]
    with pytest.raises(NotPermitted, match="中心领导或中心管理员"):
        services.staff.set_roles(bench.who("liqiang"), wangfang.id, ["clerk", "chief"], "任命")
    with pytest.raises(NotPermitted, match="本人"):
        services.staff.set_roles(it, admin.id, ["admin", "leader"], "自己升级")
    with pytest.raises(DomainError, match="变更原因"):
        services.staff.set_roles(it, wangfang.id, ["clerk", "chief"], " ")
    with pytest.raises(DomainError, match="至少选择一个角色"):
        services.staff.set_roles(it, wangfang.id, ["boss"], "任命")
    assert services.staff.set_roles(it, wangfang.id, ["chief", "clerk"], "任命为人社局首席代表") is True  # standalone
    after = services.auth.login("wangfang", "demo1234")
    assert after.roles == {"clerk", "chief"} and after.role_label == "窗口人员、首席代表"
    # she may now void her department's case (window 03), still not another department's
    services.lifecycle.void(bench.who("wangfang"), bench.cases[OTHER_DEPARTMENT].id,
                            bench.refresh(OTHER_DEPARTMENT).version, "录入错误")
    with pytest.raises(NotPermitted):
        services.lifecycle.void(bench.who("wangfang"), bench.cases[OWN].id, bench.refresh(OWN).version, "录入错误")
    with sqlite3.connect(services.ctx.db.path) as con:
        kinds = [k for (k,) in con.execute("SELECT kind FROM outbox_op WHERE kind = 'staff.set_roles'")]
        audit = con.execute("SELECT actor_name, summary FROM audit_event WHERE action = 'staff.set_roles'").fetchall()
    assert kinds == ["staff.set_roles"] and audit[0][0] == admin.name
    assert "窗口人员 → 窗口人员、首席代表" in audit[0][1]


def test_the_documented_table_is_the_code() -> None:
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, str(root / "tools" / "permission_table.py"), "--check"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout
