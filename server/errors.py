"""Errors the HTTP layer turns into ``{"error": {"code", "message"}}`` with a status code.

``message`` is Chinese, written for the clerk or the hall administrator; ``code`` is for programs.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra
        self.headers: dict[str, str] = {}  # extra response headers (Retry-After on a 429)

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, **self.extra}}
