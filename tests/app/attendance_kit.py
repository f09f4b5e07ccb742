"""Helpers of the attendance service tests: people of the demo hall by login, the journal's last op."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from app.context import Actor
from app.services import Services


def who(services: Services, login: str) -> Actor:
    with sqlite3.connect(services.ctx.db.path) as con:
        staff_id, name = con.execute("SELECT id, name FROM staff WHERE login = ?", (login,)).fetchone()
    return Actor(staff_id, name)


def window_id(services: Services, number: str) -> str:
    with sqlite3.connect(services.ctx.db.path) as con:
        return str(con.execute("SELECT id FROM window WHERE number = ?", (number,)).fetchone()[0])


def count(services: Services, table: str, where: str = "1 = 1", *args: Any) -> int:
    with sqlite3.connect(services.ctx.db.path) as con:
        return int(con.execute(f"SELECT count(*) FROM {table} WHERE {where}", args).fetchone()[0])


def last_op(services: Services) -> dict[str, Any]:
    """The newest outbox op with its audit event (one event names the op id)."""
    with sqlite3.connect(services.ctx.db.path) as con:
        op_id, kind, entity_id, payload, actor_id = con.execute(
            "SELECT op_id, kind, entity_id, payload, actor_id FROM outbox_op ORDER BY client_seq DESC LIMIT 1"
        ).fetchone()
        events = con.execute("SELECT action, entity, entity_id, summary FROM audit_event WHERE detail LIKE ?",
                             (f"%{op_id}%",)).fetchall()
    assert len(events) == 1, events
    action, entity, event_entity_id, summary = events[0]
    assert action == kind and event_entity_id == entity_id
    return {"kind": kind, "entity": entity, "entity_id": entity_id, "payload": json.loads(payload),
            "actor_id": actor_id, "summary": summary}


def journal_sizes(services: Services) -> tuple[int, int]:
    return count(services, "audit_event"), count(services, "outbox_op")
