"""Crafted attendance ops, shaped exactly as the payload contract says (common brief), for the server
tests: a counter may send anything, so the server is driven by hand-made ops of demo staff."""

from __future__ import annotations

import json
import uuid
from itertools import count
from typing import Any

from sqlalchemy import select

from app.sync.protocol import (
    ATTENDANCE_IMPORT,
    ATTENDANCE_PUBLISH,
    INSPECTION_RECORD,
    INSPECTION_RESPOND,
    LEAVE_CANCEL,
    LEAVE_DECIDE,
    LEAVE_REQUEST,
    MAKEUP_DECIDE,
    MAKEUP_REQUEST,
    PUNCH_ADD,
    SCHEDULE_SET,
)
from db.models import Staff, Window
from tests.server.kit import Device, ServerKit

SEQ = count(1000)
NOW_LOCAL = "2026-03-02T09:30:00"  # the server clock of the tests (01:30 UTC), in the hall


def new_id() -> str:
    return str(uuid.uuid4())


def op(kind: str, entity_id: str, actor_id: str | None, payload: Any, created_at: str = NOW_LOCAL,
       **extra: Any) -> dict[str, Any]:
    return {"op_id": new_id(), "client_seq": next(SEQ), "kind": kind, "entity_id": entity_id,
            "actor_id": actor_id, "created_at": created_at, "payload": payload, **extra}


class Hall:
    """The demo hall on the server, its staff by login, and a device of window 01."""

    def __init__(self, server: ServerKit, device: Device) -> None:
        self.server, self.device = server, device
        with server.db.snapshot() as s:
            self.staff = {p.login: p.id for p in s.scalars(select(Staff))}
            self.windows = {w.number: w.id for w in s.scalars(select(Window))}

    def push(self, *ops: dict[str, Any], device: Device | None = None) -> list[dict[str, Any]]:
        """Pushed as JSON with ASCII escapes, so a lone surrogate travels as a counter could send it."""
        r = self.post(list(ops), device)
        assert r.status_code == 200, r.text
        results: list[dict[str, Any]] = r.json()["results"]
        return results

    def post(self, ops: Any, device: Device | None = None) -> Any:
        headers = {**(device or self.device).headers, "Content-Type": "application/json"}
        return self.server.client.post("/v1/push", content=json.dumps({"ops": ops}), headers=headers)

    def one(self, o: dict[str, Any], device: Device | None = None) -> dict[str, Any]:
        return self.push(o, device=device)[0]

    # -- rows of the contract ----------------------------------------------------------------
    def punch(self, who: str = "zhangmin", at: str = "2026-03-02T09:29:00", device: Device | None = None,
              **over: Any) -> dict[str, Any]:
        pid = new_id()
        row = {"id": pid, "hall_id": self.server.hall_id, "staff_id": self.staff[who], "at": at,
               "source": "counter", "device_id": (device or self.device).id, "clock_offset_seconds": 0.0,
               "offline": False, "flag": "", "import_id": None, "recorded_at": at, **over}
        return op(PUNCH_ADD, row["id"], self.staff[who], row)

    def machine_import(self, who: str = "admin", punches: list[tuple[str, str]] = (), **over: Any) -> dict[str, Any]:
        iid = new_id()
        rows = [{"id": new_id(), "hall_id": self.server.hall_id, "staff_id": self.staff[login], "at": at,
                 "source": "machine", "device_id": "machine:1", "clock_offset_seconds": None, "offline": False,
                 "flag": "", "import_id": iid, "recorded_at": NOW_LOCAL} for login, at in punches]
        row = {"id": iid, "hall_id": self.server.hall_id, "file_name": "kq.csv", "file_sha256": "ab" * 32,
               "mapping": {"工号": 0, "时间": 2}, "rows_total": len(rows), "rows_new": len(rows),
               "rows_duplicate": 0, "problems": [], "imported_by": self.staff[who], "imported_at": NOW_LOCAL,
               **over}
        return op(ATTENDANCE_IMPORT, iid, self.staff[who], {"import": row, "punches": rows})

    def leave(self, who: str = "zhangmin", starts: str = "2026-03-04T08:30:00", ends: str = "2026-03-04T17:30:00",
              days: float = 1.0, approval: str = "leave.approve_day", **over: Any) -> dict[str, Any]:
        row = {"id": new_id(), "hall_id": self.server.hall_id, "staff_id": self.staff[who], "kind": "事假",
               "starts_at": starts, "ends_at": ends, "days": days, "reason": "家中有事", "approval": approval,
               "status": "pending", "cover_staff_id": None, "decided_by": None, "decided_at": None,
               "decision_note": "", "requested_at": NOW_LOCAL, "version": 1, **over}
        return op(LEAVE_REQUEST, row["id"], self.staff[who], row)

    def decide(self, leave_id: str, who: str, approve: bool = True, from_version: int = 1,
               cover: str | None = None, **over: Any) -> dict[str, Any]:
        payload = {"id": leave_id, "from_version": from_version, "status": "approved" if approve else "rejected",
                   "note": "同意" if approve else "不同意", "decided_at": "2026-03-02T09:35:00",
                   "cover_staff_id": self.staff[cover] if cover else None, **over}
        return op(LEAVE_DECIDE, leave_id, self.staff[who], payload)

    def cancel(self, leave_id: str, who: str = "zhangmin", from_version: int = 1,
               at: str = "2026-03-02T09:40:00") -> dict[str, Any]:
        return op(LEAVE_CANCEL, leave_id, self.staff[who], {"id": leave_id, "from_version": from_version,
                                                            "cancelled_at": at})

    def makeup(self, who: str = "zhangmin", day: str = "2026-02-27", slot: str = "start",
               claimed: str = "2026-02-27T08:25:00", **over: Any) -> dict[str, Any]:
        row = {"id": new_id(), "hall_id": self.server.hall_id, "staff_id": self.staff[who], "day": day,
               "slot": slot, "claimed_at": claimed, "reason": "指纹机故障", "status": "pending", "decided_by": None,
               "decided_at": None, "decision_note": "", "requested_at": NOW_LOCAL, "version": 1, **over}
        return op(MAKEUP_REQUEST, row["id"], self.staff[who], row)

    def decide_makeup(self, makeup_id: str, who: str = "liqiang", from_version: int = 1) -> dict[str, Any]:
        return op(MAKEUP_DECIDE, makeup_id, self.staff[who], {
            "id": makeup_id, "from_version": from_version, "status": "approved", "note": "",
            "decided_at": "2026-03-02T09:36:00"})

    def schedule(self, version: int = 1, who: str = "liuyang", content: Any = None) -> dict[str, Any]:
        body = content if content is not None else {
            "timetables": [{"name": "全年作息", "start_md": "01-01", "end_md": "12-31",
                            "morning": ["08:30", "12:00"], "afternoon": ["14:00", "17:30"]}],
            "punches_per_day": 4, "grace_minutes": 5, "absent_late_minutes": 30, "early_absent_minutes": 30,
            "study": None}
        row = {"id": new_id(), "hall_id": self.server.hall_id, "version": version, "content": body,
               "note": "新作息", "created_by": self.staff[who], "created_at": NOW_LOCAL}
        return op(SCHEDULE_SET, row["id"], self.staff[who], row)

    def inspection(self, window_id: str, staff: str | None = "zhangmin", who: str = "sunduc",
                   **over: Any) -> dict[str, Any]:
        row = {"id": new_id(), "hall_id": self.server.hall_id, "window_id": window_id,
               "staff_id": self.staff[staff] if staff else None, "at": NOW_LOCAL, "finding": "离岗",
               "note": "窗口无人", "photo_name": "", "photo_sha256": "", "photo_b64": "",
               "recorded_by": self.staff[who], "response": "", "response_note": "", "responded_at": None,
               "version": 1, **over}
        return op(INSPECTION_RECORD, row["id"], self.staff[who], row)

    def respond(self, inspection_id: str, who: str = "zhangmin", from_version: int = 1,
                response: str = "disputed") -> dict[str, Any]:
        return op(INSPECTION_RESPOND, inspection_id, self.staff[who], {
            "id": inspection_id, "from_version": from_version, "response": response, "note": "去取材料",
            "responded_at": "2026-03-02T09:50:00"})

    def publish(self, month: str = "2026-02", version: int = 1, reason: str = "", who: str = "liuyang",
                **over: Any) -> dict[str, Any]:
        row = {"id": new_id(), "hall_id": self.server.hall_id, "month": month, "version": version,
               "sheet": {"counter": "sheet"}, "reason": reason, "published_by": self.staff[who],
               "published_at": NOW_LOCAL, **over}
        return op(ATTENDANCE_PUBLISH, row["id"], self.staff[who], row)


def status(answer: dict[str, Any]) -> tuple[str, str | None]:
    return answer["status"], answer["code"]


def resend(o: dict[str, Any], **over: Any) -> dict[str, Any]:
    """The same op content as a new op (a counter re-sending it under a new op id and client_seq)."""
    return {**o, "op_id": new_id(), "client_seq": next(SEQ), **over}
