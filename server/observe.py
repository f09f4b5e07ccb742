"""ASGI middleware around the whole app: one request id, one access-log line and the HTTP metrics
per request, and the log of an unexpected error with the request's fields.

It is the outermost middleware but for Starlette's error middleware, so it sees every answer,
also BodyLimit's 413 and the 500 of an error no handler caught (it logs that error here, where the
request's fields are still current, and lets it go on to the 500 answer).
"""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server import logs
from server.metrics import Metrics

log = logging.getLogger("counter_desk.server")
STATUS_CODES = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large", 500: "server_error"}


class RequestObserver:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = _header(scope, b"x-request-id")
        info, token = logs.start_request(scope["method"], scope["path"], sent)
        status = 500
        started = time.perf_counter()

        async def answer(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message["headers"] = [*message.get("headers", ()), (b"x-request-id", info.request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, answer)
        except Exception:
            status = 500
            log.exception("unexpected error in %s %s", info.method, info.path)
            raise
        finally:
            self._done(scope, info, status, time.perf_counter() - started)
            logs.end_request(token)

    def _done(self, scope: Scope, info: logs.RequestInfo, status: int, seconds: float) -> None:
        route = scope.get("route")
        info.route = str(getattr(route, "path", "") or "unmatched")  # a template: no ids of requests in labels
        self.metrics.request_done(info.route, info.method, status, seconds)
        if status >= 400:
            info.code = info.code or STATUS_CODES.get(status, f"http_{status}")
            self.metrics.refused(info.code)
        client = scope.get("client")
        logs.access_line(info, status, seconds, str(client[0]) if client else "")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value).decode("latin-1")
    return None
