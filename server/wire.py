"""Request bodies of the HTTP API (pydantic); answers are plain JSON built by the handlers.

Field limits here are the protocol's (docs/sync-protocol.md); a body that breaks them is answered
422 ``invalid_request`` before anything runs.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field

from app.sync.protocol import MAX_NUMBER
from server.validation import clean_text

INT64_MAX = 2**63 - 1  # what a BIGINT column (and SQLite's INTEGER) holds


def _clean(value: str) -> str:
    """Single-line text: no lone surrogate (it cannot be stored) and no control character."""
    if not clean_text(value, multiline=False):
        raise ValueError("contains a lone surrogate or a control character")
    return value


def _finite(value: float | None) -> float | None:
    if value is not None and not math.isfinite(value):  # an absurd but finite offset is flagged, not refused
        raise ValueError("not a finite number of seconds")
    return value


Clean = Annotated[str, AfterValidator(_clean)]


class UsedIn(BaseModel):
    kind: Clean = Field(min_length=1, max_length=32)
    year: int = Field(ge=2000, le=2100)
    highest: int = Field(ge=0, le=MAX_NUMBER)


class EnrolIn(BaseModel):
    code: Clean = Field(min_length=4, max_length=32)
    device_name: Clean = Field(default="", max_length=100)
    request_id: Clean = Field(default="", max_length=64)
    standalone_used: list[UsedIn] = Field(default_factory=list, max_length=100)


class PushOpIn(BaseModel):
    """The envelope of one op; its payload is checked per kind by server.validation (a bad payload is
    that op's rejection, a bad envelope the whole request's 422)."""

    op_id: Clean = Field(min_length=1, max_length=36)
    client_seq: int = Field(ge=1, le=INT64_MAX)
    kind: Clean = Field(min_length=1, max_length=48)
    entity_id: Clean = Field(min_length=1, max_length=36)
    actor_id: Clean | None = Field(default=None, max_length=36)
    created_at: Clean | None = Field(default=None, max_length=40)
    payload: dict[str, Any]
    # server time - device time (s) as the device measured it, sent when over 5 minutes: device
    # time is evidence, and the inbox keeps how far off it was
    clock_skew_seconds: Annotated[float | None, AfterValidator(_finite)] = None


class PushIn(BaseModel):
    ops: list[PushOpIn]  # at most ServerSettings.max_batch: 413 batch_too_large


class LeaseIn(BaseModel):
    request_id: Clean = Field(min_length=1, max_length=64)
    kind: Clean = Field(min_length=1, max_length=32)
    year: int = Field(ge=2000, le=2100)
    size: int | None = Field(default=None, ge=1, le=INT64_MAX)


class ReportIn(BaseModel):
    used: list[UsedIn] = Field(max_length=100)


class StaffLoginIn(BaseModel):
    login: Clean = Field(min_length=1, max_length=64)
    password: Clean = Field(min_length=1, max_length=200)


class CodeIn(BaseModel):
    window_number: Clean = Field(min_length=1, max_length=16)
    device_name: Clean = Field(default="", max_length=100)
    ttl_minutes: int | None = Field(default=None, ge=1, le=60 * 24 * 366)


class RevokeIn(BaseModel):
    reason: Clean = Field(min_length=1, max_length=500)
