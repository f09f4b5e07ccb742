"""The server's log: human lines by default, or one JSON object per line (``serve --log-format json``)
for a log collector (journald + Loki/ELK at the IT department).

Every record written while a request is served carries that request's id (``X-Request-ID`` as sent
by a proxy, else a new one, echoed in the answer), its route template, and the device and hall once
the device credential is checked: a log line can be matched to the answer a counter got. Labels and
fields are ids, never names; app.pii's filter masks ID numbers and mobiles in every message.

The request's fields live in one mutable ``RequestInfo`` per request held in a context variable:
FastAPI runs sync handlers and dependencies in worker threads with a *copy* of the context, so they
fill in the shared object instead of setting variables of their own.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import os
import sys
import uuid
from dataclasses import dataclass
from typing import Any

LOG_FORMAT_ENV = "COUNTER_DESK_SERVER_LOG_FORMAT"  # "text" (default) or "json"; ``serve`` sets it for workers
FORMATS = ("text", "json")
ACCESS = logging.getLogger("counter_desk.access")


@dataclass
class RequestInfo:
    """What the log and the metrics know of the request being served."""

    request_id: str
    method: str
    path: str
    route: str = ""
    device_id: str = ""
    hall_id: str = ""
    code: str = ""  # the refusal's code of an error answer (set by the error handlers)


_current: contextvars.ContextVar[RequestInfo | None] = contextvars.ContextVar("counter_desk_request", default=None)


def start_request(method: str, path: str, request_id: str | None) -> tuple[RequestInfo, contextvars.Token[Any]]:
    """A new RequestInfo made current; a request id from outside is kept only when it is short and plain."""
    rid = request_id if request_id and len(request_id) <= 64 and request_id.isascii() and request_id.isprintable() \
        else uuid.uuid4().hex
    info = RequestInfo(request_id=rid, method=method, path=path)
    return info, _current.set(info)


def end_request(token: contextvars.Token[Any]) -> None:
    _current.reset(token)


def current() -> RequestInfo | None:
    return _current.get()


def note_code(code: str) -> None:
    """The code of the error answer about to be sent (for the refusal counts and the log)."""
    info = _current.get()
    if info is not None:
        info.code = code


def note_device(device_id: str, hall_id: str) -> None:
    """The authenticated device of the current request (called from the credential check)."""
    info = _current.get()
    if info is not None:
        info.device_id, info.hall_id = device_id, hall_id


class RequestFields(logging.Filter):
    """Adds the current request's fields to every record (empty outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        info = _current.get()
        if info is not None:
            for name in ("request_id", "route", "device_id", "hall_id"):
                if not hasattr(record, name):
                    setattr(record, name, getattr(info, name))
        return True


_EXTRA = ("request_id", "method", "route", "status", "code", "duration_ms", "device_id", "hall_id", "client")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO), level, logger, message, the request's fields,
    and ``exception`` (the traceback) for errors. Chinese stays readable (ensure_ascii off)."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(), "logger": record.name, "message": record.getMessage(),
            "pid": record.process,
        }
        for name in _EXTRA:
            value = getattr(record, name, None)
            if value not in (None, ""):
                out[name] = value
        if record.exc_info or record.exc_text:  # exc_text: the traceback as app.pii's filter masked it
            out["exception"] = record.exc_text or self.formatException(record.exc_info)  # type: ignore[arg-type]
        return json.dumps(out, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """The human line, with the request id appended when there is one."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        rid = getattr(record, "request_id", "")
        return f"{line} [rid={rid}]" if rid and record.name != ACCESS.name else line


def configure(fmt: str | None = None) -> str:
    """Send the root logger (uvicorn's loggers propagate to it) to stderr in ``fmt`` (else
    COUNTER_DESK_SERVER_LOG_FORMAT, else text); returns the format used. Idempotent: run in the
    serving process and again in each worker process."""
    from app.pii import install_log_filter

    fmt = fmt or os.environ.get(LOG_FORMAT_ENV) or "text"
    if fmt not in FORMATS:
        raise ValueError(f"log format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(RequestFields())
    install_log_filter(handler)  # no citizen's ID number or mobile in the server's log either
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    uvicorn_access = logging.getLogger("uvicorn.access")  # server.observe writes the one access line
    uvicorn_access.handlers.clear()
    uvicorn_access.propagate = False
    return fmt


def access_line(info: RequestInfo, status: int, seconds: float, client: str) -> None:
    """One line per request: the access log (uvicorn's own is off so there is only one)."""
    ms = round(seconds * 1000, 1)
    extra = {"method": info.method, "status": status, "duration_ms": ms, "client": client, "code": info.code}
    who = f" device={info.device_id} hall={info.hall_id}" if info.device_id else ""
    ACCESS.info("%s %s %d %.1f ms%s rid=%s", info.method, info.path, status, ms, who, info.request_id, extra=extra)
