"""Request size limits (docs/security.md, "Input"): a body larger than ``max_body_bytes`` is answered
413 ``body_too_large`` with the limits stated, before anything of it is parsed, authenticated or kept.

A declared ``Content-Length`` over the limit is refused without reading the body; a body sent in
chunks is counted as it arrives and refused at the first byte over the limit (at most the limit is
ever held in memory). The server's other limits travel in the same answer, so a counter (or the person
reading the log) knows what to send: ops per push (``max_batch``) and the longest text of a payload
(server.validation).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.validation import PAYLOAD_TEXT_MAX


def limits(max_body_bytes: int, max_batch: int) -> dict[str, int]:
    return {"max_body_bytes": max_body_bytes, "max_ops_per_push": max_batch, "max_text_chars": PAYLOAD_TEXT_MAX}


def too_large_body(max_body_bytes: int, max_batch: int) -> dict[str, Any]:
    mib = max_body_bytes / (1024 * 1024)
    return {"error": {"code": "body_too_large",
                      "message": f"请求内容过大：一次最多 {mib:g} MiB、{max_batch} 个操作，单个文字字段最多 "
                                 f"{PAYLOAD_TEXT_MAX} 个字符。请分批提交。",
                      "limits": limits(max_body_bytes, max_batch)}}


class BodyLimit:
    """ASGI middleware: 413 for a request body over ``max_body_bytes``. The body is read here (at most
    the limit, chunk by chunk) and handed on whole, so nothing behind it ever sees more."""

    def __init__(self, app: ASGIApp, max_body_bytes: int, max_batch: int) -> None:
        self.app, self.max_body_bytes, self.max_batch = app, max_body_bytes, max_batch

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_body_bytes:
            await self._refuse(send)
            return
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.max_body_bytes:
                await self._refuse(send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        chunks.clear()
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: the disconnect, when it comes

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send) -> None:
        body = json.dumps(too_large_body(self.max_body_bytes, self.max_batch), ensure_ascii=False).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json; charset=utf-8"),
                                (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
