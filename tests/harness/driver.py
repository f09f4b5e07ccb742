"""One simulated counter PC, run as its own OS process so the harness can SIGKILL it anywhere.

It opens a counter store with app.services.Services (exactly what the desktop app does), performs
random real actions as the window's clerk -- intakes with each decision, enquiries, later steps on
its own cases, voids of its papers and of skipped numbers of its blocks, attendance (its clerk's
punches, leave asked for and decided by the department's chief authorised here, the attendance
machine's file of the day imported by the hall's administrator: the same day's file may be imported
at several counters), and (rarely) the hall's administrator changing the roles of a person who is
none of the harness's clerks, the applicant rating one of its finished cases on the rating screen
(好差评), the hall's supervisor taking the next step of a 差评 follow-up (差评整改) authorised here,
and peer evaluation (互评: the business section opening a round, the clerk voting) -- and calls
``services.sync.sync_once()`` at random moments. Every committed action and every sync outcome is
one line on stdout, flushed at once, so whatever the harness reads was really committed (a line
may be missing if the kill came between commit and print; never the reverse)::

    COMMIT {"action": "intake", "case_id": ..., "version": 1, "status": "accepted", "notices": [...]}
    COMMIT {"action": "void_number", "void_id": ..., "voided": "DEMO-2026-SL000123"}
    COMMIT {"action": "set_roles", "staff_id": ..., "roles_before": "clerk", "roles": ["clerk", "chief"]}
    COMMIT {"action": "punch", "punch_id": ...}              # attendance (考勤): a punch at this PC,
    COMMIT {"action": "leave", "leave_id": ..., "version": 1} # a leave asked for, or decided (version 2),
    COMMIT {"action": "import", "import_id": ..., "punch_ids": [...]}  # the attendance machine's day
    COMMIT {"action": "rate", "rating_id": ..., "rated_case": ..., "level": 2, "followup_id": ...}  # 好差评
    COMMIT {"action": "followup_verify", "followup_id": ..., "version": 2, "status": "rectify"}  # 差评整改
    COMMIT {"action": "peer_open", "round_id": ...}        # 互评: a round opened by the business section,
    COMMIT {"action": "peer_vote", "round_id": ..., "turnout_id": ..., "version": 1, "ratees": 11}  # a vote
    REFUSED {"action": "complete", "error": "..."}          # a domain rule said no; nothing written
    SYNC {"pushed": 3, "applied": 3, ..., "pending_after": 0}
    SYNCFAIL {"error": "SyncUnavailable", "message": "..."}
    SETTLED {"pending": 0, "quarantined": 0, "attempts": 2}  # --settle: synced until nothing is pending
    FINAL {"pending": 0, ...}                                # --settle --go F: synced again once F appeared

An encrypted store (SQLCipher, the harness's default) is opened the way the program's start opens
it: the clerk's login and password unlock the key from the keyring beside the store
(app.store_encryption.unlock_with_password, argon2id: ~0.19 CPU-s), the key opens the store --
unless the harness hands the process the key in the environment (CD_HARNESS_STORE_KEY, hex: a
counter's restarted and settling processes; its first one of a scenario always unlocks). A plain
store (``--plain`` runs, the benchmarks) is opened as it is. READY says which way
(``"via": "password" | "key" | "plain"``) and how long the unlock took.

Run alone: ``python -m tests.harness.driver --store DIR/counter.sqlite3 --login zhangmin --actions 5``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.cases.rules import MaterialCheck, MaterialStatus, RejectCategory
from app.clock import FixedClock
from app.context import Actor
from app.dto import Applicant, CaseView, DecisionInput, EnquiryInput, IntakeRequest
from app.errors import DomainError
from app.numbering import NOTICE_CODES, STATION_SOURCE, notice_number
from app.peer import policy as peer_policy
from app.permissions import format_roles, parse_roles
from app.ratings import policy as rating_policy
from app.ratings.booth import RatingBooth
from app.services import Services
from db.models import (
    AppraisalItem,
    Case,
    CaseMaterial,
    Device,
    Hall,
    Matter,
    Notice,
    NumberBlock,
    PeerRound,
    PeerTurnout,
    Punch,
    Rating,
    RatingFollowup,
    Staff,
    VoidNumber,
)
from tests.app.kit import resident_id

START = dt.datetime(2026, 3, 2, 9, 0)  # a working Monday well inside the demo calendar
SURNAMES = "李王张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["明", "芳", "伟", "娜", "强", "磊", "洋", "艳", "勇", "军", "杰", "静", "敏", "婷", "涛"]
# whose roles the hall's administrator toggles (staff.set_roles): a person none of the harness's
# counters works as or is authorised by (window 10, department WJJ), so the change races between
# counters but never changes who may do the counters' work
ROLE_TARGET = "hejia"
ROLE_CHOICES = (("clerk",), ("clerk", "chief"))
SUPERVISOR = "sunduc"  # the hall's 督查: takes the 差评 follow-up steps (核实、整改、回访、结案)
BUSINESS = "liuyang"  # 中心业务科: opens 互评 rounds (never closes one here: see peer_vote)
PASSWORD = "demo1234"  # every demo account's; a vote is confirmed with the voter's own
TOPICS = ["营业执照办理需要哪些材料", "社保转移怎么办", "不动产登记预约", "出入境证件多久能取",
          "食品经营许可现场核查时间", "最低生活保障申请条件"]


_T0 = time.monotonic()
ECHO = True  # benchmarks that use Counter in-process switch the lines off


def emit(tag: str, data: dict[str, Any] | None = None) -> None:
    """One line, flushed at once; ``t`` is seconds since the process started."""
    if not ECHO:
        return
    record = {**(data or {}), "t": round(time.monotonic() - _T0, 3)}
    print(f"{tag} {json.dumps(record, ensure_ascii=False, default=str)}", flush=True)


class SteppingClock(FixedClock):
    """Device time that moves forward a little with every action (evidence, never order)."""

    def tick(self, rng: random.Random) -> None:
        self.advance(seconds=rng.randint(5, 300))


class Counter:
    """The clerk of one window doing random real work on one store."""

    def __init__(self, services: Services, login: str, rng: random.Random, clock: SteppingClock, *,
                 rare_ops: bool = False) -> None:
        # rare_ops: also void skipped numbers (number.void) and change roles (staff.set_roles), as
        # the harness's counter processes do; off, the mix is the one the benchmarks record and
        # clone (their clones could not carry these: leases and roles are per device and hall)
        self.services, self.rng, self.clock, self.rare_ops = services, rng, clock, rare_ops
        with services.ctx.db.read() as s:
            staff = s.scalars(select(Staff).where(Staff.login == login)).one()
            self.actor = Actor(staff.id, staff.name)
            self.login = login
            self.hall_id, self.window_id = staff.hall_id, staff.window_id
            # voiding a case needs a 首席代表 of the department (or the business section): they
            # authorise it at this PC (授权), and it is recorded as theirs
            others = s.scalars(select(Staff).where(Staff.active.is_(True)).order_by(Staff.login)).all()
            chief = next((o for o in others if "chief" in o.roles.split() and o.department_id == staff.department_id),
                         None) or next(o for o in others if "business" in o.roles.split())
            self.authoriser = Actor(chief.id, chief.name, at_desk_of=staff.id)
            # the hall's administrator, signed in at this PC to change a person's roles
            admin = next(o for o in others if o.login == "admin")
            self.admin = Actor(admin.id, admin.name, at_desk_of=staff.id)
            # the hall's supervisor (差评整改) and the business section (互评 rounds), authorised here
            supervisor = next(o for o in others if o.login == SUPERVISOR)
            self.supervisor = Actor(supervisor.id, supervisor.name, at_desk_of=staff.id)
            business = next(o for o in others if o.login == BUSINESS)
            self.business = Actor(business.id, business.name, at_desk_of=staff.id)
            # the hall's leadership decides appeals of ratings (申诉复核), authorised here
            leader = next(o for o in others if "leader" in o.roles.split())
            self.leader = Actor(leader.id, leader.name, at_desk_of=staff.id)
            self.hall_code = s.get(Hall, staff.hall_id).code
        self._matters: list[tuple[str, bool, list[Any]]] | None = None

    @property
    def matters(self) -> list[tuple[str, bool, list[Any]]]:
        """(id, allows deferral, materials) of the active matters, read on first need."""
        if self._matters is None:
            with self.services.ctx.db.read() as s:
                query = select(Matter).where(Matter.active.is_(True)).options(selectinload(Matter.materials))
                self._matters = [(m.id, m.allows_deferral, [(t.id, t.name, t.is_main, t.deferrable, t.originals,
                                                             t.copies) for t in m.materials])
                                 for m in s.scalars(query)]
        return self._matters

    # -- choosing ----------------------------------------------------------------------------
    def step(self) -> None:
        """One random action (retried with another choice when the rules refuse it)."""
        roll = self.rng.random()
        if roll < 0.45:
            self.intake()
        elif roll < 0.6:
            self.enquiry()
        elif roll < 0.68:
            self.void_paper()
        elif self.rare_ops and roll < RARE[-1][0]:
            getattr(self, next(name for limit, name in RARE if roll < limit))()
        else:
            self.case_step()

    def own_cases(self) -> list[tuple[str, str, int]]:
        """(id, status, version) of the cases this clerk created that have a next step."""
        with self.services.ctx.db.read() as s:
            rows = s.execute(select(Case.id, Case.status, Case.version)
                             .where(Case.created_by == self.actor.id, Case.status.in_(list(_STEPS)))
                             .order_by(Case.id))
            return [(r[0], r[1], r[2]) for r in rows]

    def has_deferred(self, case_id: str) -> bool:
        with self.services.ctx.db.read() as s:
            return s.scalar(select(CaseMaterial.id).where(CaseMaterial.case_id == case_id,
                                                          CaseMaterial.status == MaterialStatus.DEFERRED.value)
                            .limit(1)) is not None

    # -- actions ---------------------------------------------------------------------------------
    def intake(self) -> None:
        decision = self.rng.choice([None, "accept", "accept", "accept_deferred", "request_correction", "reject"])
        deferrable = [m for m in self.matters if m[1] and any(not t[2] and t[3] for t in m[2])]
        matter = self.rng.choice(deferrable if decision == "accept_deferred" else self.matters)
        materials = self._materials(matter, decision)
        req = IntakeRequest(matter_id=matter[0], applicant=self._applicant(), materials=tuple(materials),
                            remark=self.rng.choice(["", "窗口收件", "加急"]),
                            decision=self._decision(decision) if decision else None)
        self._do("intake", lambda: self.services.intake.open_case(self.actor, req, window_id=self.window_id),
                 decision=decision)

    def enquiry(self) -> None:
        e = EnquiryInput(topic=self.rng.choice(TOPICS), answer="已一次性告知所需材料",
                         visitor=self._name(), phone=f"138{self.rng.randint(0, 99_999_999):08d}")
        try:
            view = self.services.enquiries.record(self.actor, self.hall_id, self.window_id, e)
        except DomainError as exc:
            emit("REFUSED", {"action": "enquiry", "error": exc.message})
            return
        emit("COMMIT", {"action": "enquiry", "enquiry_id": view.id})

    def void_paper(self) -> None:
        """A spoiled paper of one of this clerk's cases voided (作废号登记), authorised here by the
        chief; mostly issued again under a new number."""
        with self.services.ctx.db.read() as s:
            papers = s.execute(select(Notice.id, Notice.number, Notice.case_id).join(Case, Case.id == Notice.case_id)
                               .where(Case.created_by == self.actor.id, Notice.void.is_(False))
                               .order_by(Notice.id)).all()
        if not papers:
            self.intake()
            return
        notice_id, number, case_id = self.rng.choice(papers)
        category, reissue = self.rng.choice(["misprint", "torn"]), self.rng.random() < 0.8
        voids = self.services.voids
        self._do("void_notice", lambda: (voids.void_notice(self.authoriser, notice_id, category, "打印错位，收回重打",
                                                           reissue=reissue), self.services.intake.get(case_id))[1],
                 voided=number)

    def void_number(self) -> None:
        """A number of this PC's current block of a paper kind that no paper carries voided as
        skipped (跳号, 作废号登记 without a paper), authorised here by the chief: mostly the next one
        the block would hand out, sometimes one a little further on; numbering must pass it over."""
        year = self.clock.now().year
        with self.services.ctx.db.read() as s:
            kinds = sorted(NOTICE_CODES)
            self.rng.shuffle(kinds)
            standalone = s.scalars(select(Device)).one().standalone
            for kind in kinds:  # the block take_number hands this kind out of (app.numbering._open_block)
                own = NumberBlock.source.startswith(STATION_SOURCE)  # a standalone PC's window blocks
                block = s.scalars(select(NumberBlock).where(
                    NumberBlock.kind == f"notice-{kind}", NumberBlock.year == year, own if standalone else ~own,
                    NumberBlock.next_value <= NumberBlock.last).order_by(NumberBlock.first).limit(1)).first()
                if block is None:
                    continue
                station = block.source.removeprefix(STATION_SOURCE) if standalone else None
                start = block.next_value + self.rng.choice([0, 0, 0, 1, 2])
                free = [n for n in (notice_number(self.hall_code, kind, year, serial, station)
                                    for serial in range(start, min(start + 5, block.last + 1)))
                        if s.scalar(select(Notice.id).where(Notice.number == n)) is None
                        and s.scalar(select(VoidNumber.id).where(VoidNumber.number == n)) is None]
                if free:
                    number = free[0]
                    break
            else:
                self.intake()
                return
        try:
            entry = self.services.voids.void_number(self.authoriser, number, "skipped", "打印机卡纸跳号")
        except DomainError as exc:
            emit("REFUSED", {"action": "void_number", "error": exc.message})
            return
        emit("COMMIT", {"action": "void_number", "void_id": entry.id, "voided": entry.number})

    def set_roles(self) -> None:
        """The hall's administrator, signed in at this PC, toggles ROLE_TARGET between clerk and
        clerk + chief, from the roles this store holds (the server answers state_mismatch when
        another counter changed them first: a legitimate, quarantined conflict)."""
        with self.services.ctx.db.read() as s:
            target = s.scalars(select(Staff).where(Staff.login == ROLE_TARGET)).one()
            staff_id, before = target.id, format_roles(parse_roles(target.roles or target.role))
        roles = next(r for r in ROLE_CHOICES if format_roles(r) != before)
        try:
            self.services.staff.set_roles(self.admin, staff_id, roles, "岗位调整")
        except DomainError as exc:
            emit("REFUSED", {"action": "set_roles", "error": exc.message})
            return
        emit("COMMIT", {"action": "set_roles", "staff_id": staff_id, "roles_before": before, "roles": list(roles)})

    # -- attendance ------------------------------------------------------------------------------
    def punch(self) -> None:
        try:
            result = self.services.attendance.punch(self.actor)
        except DomainError as exc:  # e.g. punched a moment ago
            emit("REFUSED", {"action": "punch", "error": exc.message})
            return
        emit("COMMIT", {"action": "punch", "punch_id": result.punch.id})

    def leave(self) -> None:
        """A leave asked for on a coming working day, or one of this clerk's pending ones decided by
        the department's chief authorised at this PC (refused when its length needs a higher tier)."""
        attendance = self.services.attendance
        pending = [r for r in attendance.my_requests(self.actor) if r.kind == "leave" and r.status == "pending"]
        if pending and self.rng.random() < 0.6:
            item = self.rng.choice(pending)
            approve = self.rng.random() < 0.8
            call: Callable[[], Any] = lambda: attendance.decide_leave(  # noqa: E731
                self.authoriser, item.id, approve, "" if approve else "窗口人手紧张")
        else:
            day = self.services.ctx.calendar().add_working_days(self.clock.now().date(), self.rng.randint(1, 15))
            morning = self.rng.random() < 0.5
            start = dt.datetime.combine(day, dt.time(8, 30) if morning else dt.time(14, 0))
            end = dt.datetime.combine(day + dt.timedelta(days=self.rng.choice([0, 0, 1])),
                                      dt.time(12, 0) if morning else dt.time(17, 30))
            kind = self.rng.choice(["事假", "病假", "公假", "休假"])
            call = lambda: attendance.request_leave(self.actor, kind, start, end, "家中有事")  # noqa: E731
        try:
            item = call()
        except DomainError as exc:
            emit("REFUSED", {"action": "leave", "error": exc.message})
            return
        emit("COMMIT", {"action": "leave", "leave_id": item.id, "version": item.version, "status": item.status})

    def import_machine_day(self) -> None:
        """The attendance machine's export of the day (the same for every counter that imports it that
        day: its punches have ids from their natural key), imported by the administrator."""
        day = self.clock.now().date()
        day_rng = random.Random(day.toordinal())
        with self.services.ctx.db.read() as s:
            staff = [(p.staff_no, p.name) for p in s.scalars(select(Staff).where(Staff.staff_no != "")
                                                              .order_by(Staff.staff_no))]
        lines = ["工号,姓名,打卡时间,设备号"]
        for no, name in day_rng.sample(staff, k=min(4, len(staff))):
            at = dt.datetime.combine(day, dt.time(8, 0)) + dt.timedelta(seconds=day_rng.randrange(3600))
            lines.append(f"{no},{name},{at:%Y-%m-%d %H:%M:%S},1号考勤机")
        lines.append("9999,无此人,2026-13-45 25:61,1号考勤机")  # a bad row: reported, never taken
        path = self.services.ctx.db.path.parent / f"machine-{day:%Y%m%d}.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        attendance = self.services.attendance
        try:
            result = attendance.import_file(self.admin, path, attendance.preview_import(path).mapping)
        except DomainError as exc:
            emit("REFUSED", {"action": "import", "error": exc.message})
            return
        with self.services.ctx.db.read() as s:
            ids = list(s.scalars(select(Punch.id).where(Punch.import_id == result.import_id)))
        emit("COMMIT", {"action": "import", "import_id": result.import_id, "punch_ids": ids})

    # -- ratings and peer evaluation (好差评、差评整改、互评) ----------------------------------------
    def rate(self) -> None:
        """The applicant rates a completed or delivered case of this clerk's that has no rating yet, on
        the rating screen (app.ratings.booth, the rating screen's own code path): about 30 % 差评
        with reasons (opening a follow-up), half of them leaving a callback phone; sometimes the
        screen times out first (未评价, a later rating may still follow). Nothing to rate: a case step."""
        with self.services.ctx.db.read() as s:
            rated = select(Rating.case_id).where(Rating.level.is_not(None))
            cases = s.execute(select(Case.id, Case.status).where(
                Case.created_by == self.actor.id, Case.status.in_(["completed", "delivered"]),
                Case.id.not_in(rated)).order_by(Case.id)).all()
            unrated = set(s.scalars(select(Rating.case_id).where(Rating.level.is_(None))))
        if cases:
            case_id, status = self.rng.choice(cases)
        elif (finished := self._complete_one()) is not None:  # 办结 invites the applicant to rate
            case_id, status = finished, "completed"
        else:
            return
        trigger = "deliver" if status == "delivered" and self.rng.random() < 0.5 else "complete"
        booth = RatingBooth(self.services.ctx)
        bad = self.rng.random() < 0.3
        level = self.rng.choice([1, 2]) if bad else self.rng.choice([3, 4, 4, 5, 5, 5])
        timed_out = case_id not in unrated and self.rng.random() < 0.15
        try:
            prompt = booth.prompt(case_id, trigger)
            if prompt is None:
                emit("REFUSED", {"action": "rate", "error": "已评价"})
                return
            if timed_out and prompt.timeout_policy == "unrated":
                booth.record_unrated(prompt)
                emit("COMMIT", {"action": "rate", "rating_id": rating_policy.rating_id(case_id, False),
                                "rated_case": case_id, "level": None, "followup_id": None})
                return
            reasons = self.rng.sample(sorted(rating_policy.REASONS), k=self.rng.randint(1, 2)) if bad else []
            phone = f"139{self.rng.randint(0, 99_999_999):08d}" if bad and self.rng.random() < 0.5 else ""
            receipt = booth.record(prompt, level, reasons, "窗口人员态度生硬" if bad else "", phone)
        except DomainError as exc:
            emit("REFUSED", {"action": "rate", "error": exc.message})
            return
        emit("COMMIT", {"action": "rate", "rating_id": receipt.rating_id, "rated_case": case_id, "level": level,
                        "followup_id": rating_policy.followup_id(receipt.rating_id) if receipt.bad else None})
        if receipt.bad and self.rng.random() < 0.5:  # the supervisor, here, takes the 差评 up at once
            self.followup_step()

    def _complete_one(self) -> str | None:
        """One of this clerk's accepted cases completed (办结), its id when committed; none to
        complete: another case step."""
        accepted = [(cid, version) for cid, status, version in self.own_cases()
                    if status == "accepted" and not self.has_deferred(cid)]
        if not accepted:
            self.case_step()
            return None
        case_id, version = self.rng.choice(accepted)
        return case_id if self._do("complete", self._step_call("complete", case_id, version, "accepted")) else None

    def followup_step(self) -> None:
        """The hall's supervisor, authorised at this PC, takes the next step of an open 差评 follow-up
        of the hall (核实 -> 整改 -> 回访 -> 结案) via services.ratings; another PC may take the same
        step first (the server answers conflict/state_mismatch: legitimate). None open: a rating."""
        with self.services.ctx.db.read() as s:
            open_ = s.execute(select(RatingFollowup.id, RatingFollowup.status, RatingFollowup.version,
                                     RatingFollowup.callback_result, Rating.callback_phone)
                              .join(Rating, Rating.id == RatingFollowup.rating_id)
                              .where(RatingFollowup.status != "closed").order_by(RatingFollowup.id)).all()
        if not open_:
            self.rate()
            return
        fid, status, version, called_back, phone = self.rng.choice(open_)
        ratings, who = self.services.ratings, self.supervisor
        calls: dict[str, Callable[[], Any]] = {
            "verify": lambda: ratings.verify(who, fid, version, self.rng.choice(sorted(rating_policy.FINDINGS)),
                                             "已调取录像核实"),
            "rectify": lambda: ratings.rectify(who, fid, version, "已对窗口人员批评教育，规范服务用语"),
            "callback": lambda: ratings.callback(
                who, fid, version, self.rng.choice(["satisfied", "satisfied", "unsatisfied", "unreachable"])
                if phone else "unreachable", "电话回访" if phone else ""),
            "close": lambda: ratings.close(who, fid, version, "整改完成"),
        }
        step = "close" if status == "callback" and called_back else status
        try:
            item = calls[step]()
        except DomainError as exc:
            emit("REFUSED", {"action": f"followup_{step}", "error": exc.message})
            return
        emit("COMMIT", {"action": f"followup_{step}", "followup_id": fid, "version": item.version,
                        "status": item.status})

    def peer_vote(self) -> None:
        """互评: with no round open here, the business section (authorised at this PC) opens one for
        the whole hall (and half the time the clerk votes in it at once); otherwise this clerk votes in
        one (every colleague, every dimension 1-5,
        confirmed with their password; voting again replaces the ballots). Rounds are never closed
        here: a close racing ballots re-pushed after a server restore legitimately refuses them."""
        with self.services.ctx.db.read() as s:
            rounds = list(s.scalars(select(PeerRound.id).where(PeerRound.status == "open").order_by(PeerRound.id)))
        peer = self.services.peer
        if not rounds:
            month = self.clock.now()
            try:
                opened = peer.open_round(self.business, f"{month:%Y年%m月}窗口互评", f"{month:%Y-%m}", "hall")
            except DomainError as exc:
                emit("REFUSED", {"action": "peer_open", "error": exc.message})
                return
            emit("COMMIT", {"action": "peer_open", "round_id": opened.id})
            if self.rng.random() < 0.5:  # announced at once: half the time the clerk votes right away
                return
            rounds = [opened.id]
        round_id = self.rng.choice(rounds)
        try:
            sheet = peer.sheet(self.actor, round_id)
            codes = [d[0] for d in sheet.round.dimensions]
            scores = {c.staff_id: {code: self.rng.randint(1, 5) for code in codes} for c in sheet.colleagues}
            receipt = peer.vote(self.actor, round_id, PASSWORD, scores)
        except DomainError as exc:
            emit("REFUSED", {"action": "peer_vote", "error": exc.message})
            return
        turnout_id = peer_policy.turnout_id(round_id, str(self.actor.id))
        with self.services.ctx.db.read() as s:
            version = s.scalar(select(PeerTurnout.version).where(PeerTurnout.id == turnout_id))
        emit("COMMIT", {"action": "peer_vote", "round_id": round_id, "turnout_id": turnout_id, "version": version,
                        "ratees": receipt.ratees})

    def appeal(self) -> None:
        """申诉复核: this clerk appeals one of their own ratings old enough to be seen (恶意/误评), or the
        hall's leadership, authorised at this PC, decides a pending appeal (another PC may decide it
        first: conflict/state_mismatch, legitimate). Nothing to do: a rating."""
        ratings = self.services.ratings
        mine = [r for r in ratings.my_ratings(self.actor) if r.can_appeal]
        pending = ratings.appeals(self.leader, "pending")
        try:
            if mine and (not pending or self.rng.random() < 0.5):
                item = ratings.appeal(self.actor, self.rng.choice(mine).id, self.rng.choice(["malicious", "mistaken"]),
                                      "办事人对办理结果不满，评价与服务无关")
                action = "appeal"
            elif pending:
                chosen = self.rng.choice(pending)
                item = ratings.decide_appeal(self.leader, chosen.id, chosen.version, self.rng.random() < 0.5,
                                             "经调取录像复核")
                action = "appeal_decide"
            else:
                self.rate()
                return
        except DomainError as exc:
            emit("REFUSED", {"action": "appeal", "error": exc.message})
            return
        emit("COMMIT", {"action": action, "appeal_id": item.id, "version": item.version, "status": item.status})

    def peer_close(self) -> None:
        """The business section, authorised at this PC, closes an open 互评 round seen here (the server
        computes the results). Ballots of that round other counters push after it are refused as late
        (rejected, the server's round closed): legitimate. Rare: most rounds stay open."""
        with self.services.ctx.db.read() as s:
            rounds = s.execute(select(PeerRound.id, PeerRound.version).where(PeerRound.status == "open")
                               .order_by(PeerRound.id)).all()
        if not rounds:
            self.peer_vote()
            return
        round_id, version = self.rng.choice(rounds)
        try:
            item = self.services.peer.close_round(self.business, round_id, version)
        except DomainError as exc:
            emit("REFUSED", {"action": "peer_close", "error": exc.message})
            return
        emit("COMMIT", {"action": "peer_close", "round_id": round_id, "version": item.version})

    def appraise(self) -> None:
        """量化考核, via services.appraisal with the hall's officers authorised at this PC: the supervisor
        records a 表扬信/锦旗 for this clerk or proposes a 不规范收件 about them; the business section
        adjusts this clerk's draft or decides a pending item of the hall (another PC may decide it
        first: conflict/state_mismatch, legitimate); a chief comments on their department's month; and
        only at window 01's PC (so that no two PCs race for a version) the business section publishes
        last month (a correction after the first) or the leadership raises its quota once."""
        ap, now = self.services.appraisal, self.clock.now()
        last = now.replace(day=1) - dt.timedelta(days=1)
        roll = self.rng.random()
        try:
            if roll < 0.2:
                cid = ap.record_commendation(self.supervisor, self.rng.choice(["praise_letter", "banner"]),
                                             staff_id=self.actor.id, window_id=None, day=now.date(),
                                             note="群众来信表扬")
                emit("COMMIT", {"action": "commendation", "appraisal_row": ["commendation", cid]})
                return
            if roll < 0.4:
                iid = ap.propose_item(self.supervisor, now.year, now.month, "irregular_receipt",
                                      staff_id=self.actor.id, window_id=None, reason="收件时未当场核对原件")
                emit("COMMIT", {"action": "appraisal_item", "appraisal_row": ["appraisal_item", iid], "version": 1})
                return
            if roll < 0.6:
                with self.services.ctx.db.read() as s:
                    pending = s.execute(select(AppraisalItem.id, AppraisalItem.version).where(
                        AppraisalItem.status == "proposed", AppraisalItem.entered_by != self.business.id)
                        .order_by(AppraisalItem.id)).all()
                if pending:
                    iid, version = self.rng.choice(pending)
                    ap.decide_item(self.business, iid, self.rng.random() < 0.7, "经核实")
                    emit("COMMIT", {"action": "appraisal_decide", "appraisal_row": ["appraisal_item", iid],
                                    "version": version + 1})
                    return
                iid = ap.adjust(self.business, now.year, now.month, staff_id=self.actor.id, window_id=None,
                                points=self.rng.choice([-1.0, 1.0]), reason="业务科按实际工作量调整")
                emit("COMMIT", {"action": "appraisal_adjust", "appraisal_row": ["appraisal_item", iid], "version": 1})
                return
            if roll < 0.75 and "chief" in self._roles(self.authoriser):
                cid = ap.comment(self.authoriser, now.year, now.month, "本部门窗口本月办件量大，请予考虑")
                emit("COMMIT", {"action": "appraisal_comment", "appraisal_row": ["appraisal_comment", cid]})
                return
            if self.login != "zhangmin":
                iid = ap.propose_item(self.supervisor, now.year, now.month, "manual", staff_id=self.actor.id,
                                      window_id=None, reason="协助其他窗口", points=1.0)
                emit("COMMIT", {"action": "appraisal_item", "appraisal_row": ["appraisal_item", iid], "version": 1})
                return
            view = ap.month_view(self.business, last.year, last.month)
            if not view.quota_raised and self.rng.random() < 0.3:
                ap.raise_quota(self.leader, last.year, last.month, "本月窗口工作突出")
                emit("COMMIT", {"action": "appraisal_quota", "month": f"{last:%Y-%m}"})
                return
            version = ap.publish(self.business, last.year, last.month, "更正加减分" if view.versions else "")
            emit("COMMIT", {"action": "appraisal_publish", "month": f"{last:%Y-%m}", "published_version": version})
        except DomainError as exc:
            emit("REFUSED", {"action": "appraise", "error": exc.message})

    def _roles(self, actor: Actor) -> list[str]:
        with self.services.ctx.db.read() as s:
            row = s.get(Staff, actor.id)
            return row.roles.split() if row is not None else []

    def case_step(self) -> None:
        cases = self.own_cases()
        if not cases:
            self.intake()
            return
        case_id, status, version = self.rng.choice(cases)
        name = self.rng.choice(_STEPS[status])
        if name == "complete" and self.has_deferred(case_id):
            name = "supply_deferred"
        self._do(name, self._step_call(name, case_id, version, status))

    def _step_call(self, name: str, case_id: str, version: int, status: str) -> Callable[[], CaseView]:
        life, a = self.services.lifecycle, self.actor
        calls: dict[str, Callable[[], CaseView]] = {
            "suspend": lambda: life.suspend(a, case_id, version, "需要现场核查"),
            "resume": lambda: life.resume(a, case_id, version),
            "complete": lambda: life.complete(a, case_id, version, approved=self.rng.random() < 0.8,
                                              result="准予许可，证照已制作"),
            "deliver": lambda: life.deliver(a, case_id, version, recipient=self._name(),
                                            recipient_id=self._id_number()),
            "void": lambda: life.void(self.authoriser, case_id, version, "申请人撤回申请"),
            "supply_deferred": lambda: life.supply_deferred(a, case_id, version),
            "decide": lambda: self._decide(case_id, version, status),
        }
        return calls[name]

    def _decide(self, case_id: str, version: int, status: str) -> CaseView:
        view = self.services.intake.get(case_id)
        matter = next(m for m in self.matters if m[0] == view.matter_id)
        decision = self.rng.choice(["accept", "accept", "reject"] + (["request_correction"] if status == "received"
                                                                       else []))
        return self.services.intake.decide(self.actor, case_id, version, self._decision(decision),
                                           self._materials(matter, decision))

    def _do(self, action: str, call: Callable[[], CaseView], **extra: Any) -> bool:
        try:
            view = call()
        except DomainError as exc:
            emit("REFUSED", {"action": action, "error": exc.message})
            return False
        emit("COMMIT", {"action": action, "case_id": view.id, "number": view.number, "version": view.version,
                        "status": view.status, "notices": [n.number for n in view.notices], **extra})
        return True

    # -- inputs ------------------------------------------------------------------------------
    def _materials(self, matter: tuple[str, bool, list[Any]], decision: str | None) -> list[MaterialCheck]:
        out = []
        lacking = self.rng.randrange(len(matter[2]))
        for i, (mid, name, is_main, deferrable, originals, copies) in enumerate(matter[2]):
            status = MaterialStatus.RECEIVED
            if decision == "accept_deferred" and deferrable and not is_main:
                status = MaterialStatus.DEFERRED
            elif decision == "request_correction" and i == lacking:
                status = self.rng.choice([MaterialStatus.MISSING, MaterialStatus.DEFECTIVE])
            out.append(MaterialCheck(name=name, is_main=is_main, deferrable=deferrable, status=status.value,
                                     originals=originals, copies=copies, material_id=mid))
        return out

    def _decision(self, action: str) -> DecisionInput:
        if action == "reject":
            category = self.rng.choice(list(RejectCategory))
            outside = category == RejectCategory.OUTSIDE_JURISDICTION
            return DecisionInput(action=action, reject_category=category.value, reject_reason="申请事项不符合受理条件",
                                 reject_legal_basis="《中华人民共和国行政许可法》第三十二条",
                                 redirect_to="市市场监督管理局" if outside else "")
        if action == "accept_deferred":
            return DecisionInput(action=action, commitment_signed=True, supply_deadline=self.clock.now().date())
        if action == "request_correction":
            return DecisionInput(action=action, correction_note="请补齐后再来")
        return DecisionInput(action=action)

    def _name(self) -> str:
        return self.rng.choice(SURNAMES) + "".join(self.rng.choices(GIVEN, k=self.rng.randint(1, 2)))

    def _id_number(self) -> str:
        born = dt.date(1950, 1, 1) + dt.timedelta(days=self.rng.randrange(20_000))
        return resident_id(f"110105{born:%Y%m%d}{self.rng.randrange(1000):03d}")

    def _applicant(self) -> Applicant:
        return Applicant("person", self._name(), self._id_number(), f"139{self.rng.randint(0, 99_999_999):08d}")

    # -- sync --------------------------------------------------------------------------------
    def sync(self) -> bool:
        """One cycle; True when it reached the server."""
        try:
            r = self.services.sync.sync_once()
        except DomainError as exc:
            emit("SYNCFAIL", {"error": type(exc).__name__, "message": exc.message})
            return False
        emit("SYNC", {"pushed": r.pushed, "applied": r.applied, "duplicates": r.duplicates, "conflicts": r.conflicts,
                      "rejected": r.rejected, "pulled": r.pulled, "epoch_changed": r.epoch_changed,
                      "pending_after": r.pending_after})
        return True


# the rare actions of the harness's counters (rare_ops): (upper end of its share of the roll, method)
RARE = ((0.71, "void_number"), (0.74, "set_roles"), (0.79, "punch"), (0.83, "leave"), (0.845, "import_machine_day"),
        (0.885, "rate"), (0.915, "followup_step"), (0.93, "peer_vote"), (0.945, "appeal"), (0.95, "peer_close"),
        (0.965, "appraise"))
_STEPS = {  # the next step a window takes on its own case, weighted by repetition
    "received": ["decide", "decide", "decide", "void"],
    "correction": ["decide", "decide", "void"],
    "accepted": ["complete", "complete", "complete", "suspend", "void"],
    "suspended": ["resume", "resume", "resume", "void"],
    "completed": ["deliver"],
}


def settle(counter: Counter, attempts: int, pause: float, go: Path | None, lazy: bool) -> int:
    """Sync until nothing is pending; bounded. With ``go``: then wait for that file to appear (the
    other counters have settled too) and sync once more, to pull what they pushed. ``lazy``: the
    first round is skipped when nothing is pending (only safe when the server kept its epoch)."""
    if lazy and counter.services.sync.status().pending == 0:
        emit("SETTLED", {"pending": 0, "skipped": True})
    elif not _until_settled(counter, attempts, pause, "SETTLED"):
        return 3
    if go is None:
        return 0
    deadline = time.monotonic() + 120
    while not go.exists():
        if time.monotonic() > deadline:
            emit("UNSETTLED", {"error": "no signal for the final round"})
            return 4
        time.sleep(0.01)
    return 0 if _until_settled(counter, attempts, pause, "FINAL") else 3


def _until_settled(counter: Counter, attempts: int, pause: float, tag: str) -> bool:
    for attempt in range(1, attempts + 1):
        if counter.sync():
            status = counter.services.sync.status()
            if status.pending == 0:
                emit(tag, {"pending": 0, "quarantined": status.quarantined, "attempts": attempt})
                return True
        time.sleep(pause * attempt)
    status = counter.services.sync.status()
    emit("UNSETTLED", {"pending": status.pending, "quarantined": status.quarantined, "last_error": status.last_error})
    return False


KEY_ENV = "CD_HARNESS_STORE_KEY"  # the store's key (hex) handed by the harness: no unlock


def store_key(store: Path, login: str, password: str) -> tuple[bytes | None, str]:
    """The key of an encrypted store and how it came: handed in KEY_ENV, or from ``login``'s entry in
    its keyring (StoreLocked when the password does not open it); None for a plain store or none yet."""
    import os

    from app.store_encryption import ENCRYPTED, store_state, unlock_with_password

    if store_state(store) != ENCRYPTED:
        return None, "plain"
    if os.environ.get(KEY_ENV):
        return bytes.fromhex(os.environ[KEY_ENV]), "key"
    return unlock_with_password(store, login, password), "password"


def run(args: argparse.Namespace) -> int:
    global _T0
    _T0 = time.monotonic()
    rng = random.Random(args.seed)
    clock = SteppingClock(dt.datetime.fromisoformat(args.start) if args.start else START)
    key, via = store_key(args.store, args.login, args.password)
    unlocked = time.monotonic() - _T0
    services = Services.open(args.store, clock, key)
    try:
        counter = Counter(services, args.login, rng, clock, rare_ops=True)
        emit("READY", {"login": args.login, "via": via, "unlock": round(unlocked, 3)})
        if args.settle:
            return settle(counter, args.attempts, args.pause, args.go, args.lazy)
        for _ in range(args.actions):
            clock.tick(rng)
            counter.step()
            if rng.random() < args.sync_chance:
                counter.sync()
            if args.pause:
                time.sleep(rng.random() * args.pause)
        if args.final_sync:
            counter.sync()
        emit("DONE")
        return 0
    finally:
        services.close()


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m tests.harness.driver", description=__doc__.split("\n")[0])
    p.add_argument("--store", required=True, type=_path, help="the counter's SQLite file (machine.ini beside it)")
    p.add_argument("--login", required=True, help="the window's clerk (actions are done as this staff member)")
    p.add_argument("--password", default=PASSWORD, help="the clerk's: unlocks an encrypted store (default demo1234)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--actions", type=int, default=5)
    p.add_argument("--sync-chance", type=float, default=0.4, help="chance of a sync after each action")
    p.add_argument("--pause", type=float, default=0.0, help="at most this many seconds between actions")
    p.add_argument("--start", default="", help="device clock start (ISO), default 2026-03-02T09:00")
    p.add_argument("--final-sync", action="store_true")
    p.add_argument("--settle", action="store_true", help="only sync until nothing is pending")
    p.add_argument("--attempts", type=int, default=8)
    p.add_argument("--go", type=_path, default=None, help="--settle: when this file appears, sync once more")
    p.add_argument("--lazy", action="store_true", help="--settle --go: skip the first round if nothing is pending")
    return p


def _path(text: str) -> Path:
    return Path(text)


def main(argv: Sequence[str] | None = None) -> int:
    return run(parser().parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
