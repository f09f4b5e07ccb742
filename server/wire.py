"""Request bodies of the HTTP API (pydantic); answers are plain JSON built by the handlers.

Field limits here are the protocol's (docs/sync-protocol.md); a body that breaks them is answered
422 ``invalid_request`` before anything runs.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from app.sync.protocol import MAX_NUMBER


class UsedIn(BaseModel):
    kind: str = Field(min_length=1, max_length=32)
    year: int
    highest: int = Field(ge=0, le=MAX_NUMBER)


class EnrolIn(BaseModel):
    code: str = Field(min_length=4, max_length=32)
    device_name: str = Field(default="", max_length=100)
    request_id: str = Field(default="", max_length=64)
    standalone_used: list[UsedIn] = Field(default_factory=list, max_length=100)


class PushOpIn(BaseModel):
    op_id: str = Field(min_length=1, max_length=36)
    client_seq: int = Field(ge=1)
    kind: str = Field(min_length=1, max_length=48)
    entity_id: str = Field(min_length=1, max_length=36)
    actor_id: str | None = Field(default=None, max_length=36)
    created_at: str | None = Field(default=None, max_length=40)
    payload: dict[str, Any]
    # server time - device time (s) as the device measured it, sent when over 5 minutes: device
    # time is evidence, and the inbox keeps how far off it was
    clock_skew_seconds: float | None = None


class PushIn(BaseModel):
    ops: list[PushOpIn]  # at most ServerSettings.max_batch: 413 batch_too_large


class LeaseIn(BaseModel):
    request_id: str = Field(min_length=1, max_length=64)
    kind: str = Field(min_length=1, max_length=32)
    year: int
    size: int | None = Field(default=None, ge=1)


class ReportIn(BaseModel):
    used: list[UsedIn] = Field(max_length=100)


class StaffLoginIn(BaseModel):
    login: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


class CodeIn(BaseModel):
    window_number: str = Field(min_length=1, max_length=16)
    device_name: str = Field(default="", max_length=100)
    ttl_minutes: int | None = Field(default=None, ge=1)


class RevokeIn(BaseModel):
    reason: str = Field(min_length=1, max_length=500)
