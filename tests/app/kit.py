"""Builders for domain tests (no Qt)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event

from app.cases.rules import MaterialCheck
from app.dto import Applicant, DecisionInput, IntakeRequest
from app.services import Services
from db.engine import connect_raw

VALID_ID = "11010519491231002X"


def resident_id(prefix17: str) -> str:
    """A valid GB 11643 number from its first 17 digits."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(c) * w for c, w in zip(prefix17, weights, strict=True))
    return prefix17 + "10X98765432"[total % 11]


class IntakeKit:
    """Makes intake requests against the demo catalogue."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def matter(self, *, deferral: bool | None = None, case_type: str | None = None, query: str = ""):
        for m in self.services.catalogue.find(query):
            if deferral is not None and m.allows_deferral != deferral:
                continue
            if case_type is not None and m.case_type != case_type:
                continue
            return m
        raise AssertionError("no such matter in the demo catalogue")

    def materials(self, matter_id: str, status: str = "received") -> list[MaterialCheck]:
        return [
            MaterialCheck(name=t.name, is_main=t.is_main, deferrable=t.deferrable, status=status,
                          originals=t.originals, copies=t.copies, material_id=t.id)
            for t in self.services.catalogue.detail(matter_id).materials
        ]

    def request(self, matter_id: str, *, name: str = "李明", id_number: str = VALID_ID,
                materials: list[MaterialCheck] | None = None, decision: str | DecisionInput | None = "accept",
                remark: str = "") -> IntakeRequest:
        if isinstance(decision, str):
            decision = DecisionInput(action=decision)
        return IntakeRequest(
            matter_id=matter_id, applicant=Applicant("person", name, id_number, "13800138000"),
            materials=tuple(materials if materials is not None else self.materials(matter_id)),
            remark=remark, decision=decision,
        )


def pending_ops(path: Path, key: bytes | None) -> list[tuple]:
    """(client_seq, op_id, kind, payload) of the store's pending operations in order, read directly
    from the file (plain, or under ``key``)."""
    con = connect_raw(path, key)
    try:
        return con.execute("SELECT client_seq, op_id, kind, payload FROM outbox_op WHERE status = 'pending' "
                           "ORDER BY client_seq").fetchall()
    finally:
        con.close()


@contextmanager
def statements(services: Services) -> Iterator[list[str]]:
    """The SQL the store's engine runs meanwhile: every cursor execute (BEGIN … included, the engine
    sends it so) and every COMMIT (the driver's commit, not a cursor's)."""
    seen: list[str] = []

    def on_execute(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        seen.append(sql)

    def on_commit(_conn: Any) -> None:
        seen.append("COMMIT")

    engine = services.ctx.db.engine
    event.listen(engine, "before_cursor_execute", on_execute)
    event.listen(engine, "commit", on_commit)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
        event.remove(engine, "commit", on_commit)
