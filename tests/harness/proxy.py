"""A TCP proxy on loopback between the counters and the server that breaks HTTP exchanges on purpose.

It understands just enough HTTP/1.1 (request and response heads, Content-Length and chunked
bodies, keep-alive) to break an exchange at a chosen point:

* ``refuse``         close the client's connection before anything reaches the server;
* ``cut_request``    forward only part of the request, then drop both sides;
* ``drop_response``  forward the whole request, wait until the server has answered (for a push:
                     every op is committed), then drop the connection without passing on a byte:
                     the server committed, the client never saw the answer;
* ``cut_response``   pass on only part of the answer, then drop;
* ``kill_client``    like ``drop_response``, but first SIGKILL the counter that sent the request
                     (the ``on_kill`` hook): killed between the server's commit and its own
                     acknowledgement;
* ``delay``          hold the request for a while before forwarding (client timeouts).

``policy(info)`` decides per request; ``heal()`` passes everything from then on. Connections are
closed with an RST half of the time (``SO_LINGER 0``) and a FIN otherwise.
"""

from __future__ import annotations

import contextlib
import random
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import BinaryIO

FAULTS = ("refuse", "cut_request", "drop_response", "cut_response", "kill_client", "delay")


class Fault(StrEnum):
    PASS = "pass"
    REFUSE = "refuse"
    CUT_REQUEST = "cut_request"
    DROP_RESPONSE = "drop_response"
    CUT_RESPONSE = "cut_response"
    KILL_CLIENT = "kill_client"
    DELAY = "delay"


@dataclass(frozen=True)
class RequestInfo:
    method: str
    path: str  # without the query string
    device_id: str  # from "Authorization: Bearer <device_id>.<secret>", '' without one
    size: int  # bytes of head and body
    query: str = ""  # the query string, without "?"
    received_at: float = field(default_factory=time.monotonic)  # when the proxy read the request


class Closed(Exception):
    """The peer closed the connection (or sent something that is not HTTP)."""


def _read_head(f: BinaryIO) -> bytes:
    lines = []
    while True:
        line = f.readline(65537)
        if not line:
            raise Closed
        if not lines and line in (b"\r\n", b"\n"):
            continue  # stray empty line between requests
        lines.append(line)
        if line in (b"\r\n", b"\n"):
            return b"".join(lines)
        if len(lines) > 200:
            raise Closed


def _headers(head: bytes) -> dict[str, str]:
    out = {}
    for line in head.split(b"\r\n")[1:]:
        if b":" in line:
            k, v = line.split(b":", 1)
            out[k.strip().lower().decode("latin-1")] = v.strip().decode("latin-1")
    return out


def _read_exact(f: BinaryIO, n: int) -> bytes:
    data = f.read(n)
    if len(data) != n:
        raise Closed
    return data


def _read_body(f: BinaryIO, headers: dict[str, str]) -> bytes:
    if "chunked" in headers.get("transfer-encoding", "").lower():
        parts = []
        while True:
            size_line = f.readline(1024)
            if not size_line:
                raise Closed
            parts.append(size_line)
            size = int(size_line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while True:  # trailers up to the empty line
                    line = f.readline(65537)
                    if not line:
                        raise Closed
                    parts.append(line)
                    if line in (b"\r\n", b"\n"):
                        return b"".join(parts)
            parts.append(_read_exact(f, size + 2))
    length = int(headers.get("content-length", "0") or 0)
    return _read_exact(f, length) if length else b""


def read_message(f: BinaryIO) -> tuple[bytes, dict[str, str], bytes]:
    head = _read_head(f)
    headers = _headers(head)
    return head, headers, _read_body(f, headers)


def request_info(head: bytes, headers: dict[str, str], size: int) -> RequestInfo:
    parts = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ")
    method, target = [*parts, "", ""][:2]
    auth = headers.get("authorization", "")
    device = auth.split(" ", 1)[1].split(".", 1)[0] if auth.lower().startswith("bearer ") else ""
    path, _, query = target.partition("?")
    return RequestInfo(method, path, device, size, query)


def _close(sock: socket.socket | None, reset: bool) -> None:
    if sock is None:
        return
    with contextlib.suppress(OSError):
        if reset:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()


class FaultProxy:
    """Listens on 127.0.0.1:``port`` and forwards to 127.0.0.1:``target``."""

    def __init__(self, port: int, target: int, *, seed: int = 0, delay: float = 1.5) -> None:
        self.port, self.target, self.delay = port, target, delay
        self.policy: Callable[[RequestInfo], Fault] = lambda info: Fault.PASS
        self.on_kill: Callable[[RequestInfo], None] = lambda info: None
        self.injected: Counter[str] = Counter()
        self.log: list[str] = []
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._conns: set[socket.socket] = set()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", port))
        self._listener.listen(128)
        self._listener.settimeout(0.2)
        self._thread = threading.Thread(target=self._accept_loop, name=f"proxy-{port}", daemon=True)

    # -- control -----------------------------------------------------------------------------
    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def heal(self) -> None:
        """Pass everything from now on (connections already broken stay broken)."""
        self.policy = lambda info: Fault.PASS

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        _close(self._listener, False)
        with self._lock:
            for c in list(self._conns):
                _close(c, True)

    def drop_all(self) -> None:
        """Break every open connection now (e.g. a network switch rebooting)."""
        with self._lock:
            conns = list(self._conns)
        for c in conns:
            with contextlib.suppress(OSError):
                c.shutdown(socket.SHUT_RDWR)

    def _note(self, fault: Fault, info: RequestInfo) -> None:
        with self._lock:
            self.injected[fault.value] += 1
            self.log.append(f"{fault.value} {info.method} {info.path} device={info.device_id[:8]}")

    # -- forwarding ----------------------------------------------------------------------------
    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _track(self, *socks: socket.socket) -> None:
        with self._lock:
            self._conns.update(socks)

    def _serve(self, client: socket.socket) -> None:
        link = _Link(client, client.makefile("rb"))
        self._track(client)
        reset = self._rng.random() < 0.5
        try:
            while not self._stop.is_set() and self._exchange(link):
                pass
        except (Closed, OSError, ValueError):
            pass
        finally:
            _close(client, reset)
            _close(link.upstream, reset)
            with self._lock:
                self._conns.discard(client)
                if link.upstream is not None:
                    self._conns.discard(link.upstream)

    def _connect(self, link: _Link) -> socket.socket:
        if link.upstream is None:
            link.upstream = socket.create_connection(("127.0.0.1", self.target), timeout=60)
            link.uf = link.upstream.makefile("rb")
            self._track(link.upstream)
        return link.upstream

    def _exchange(self, link: _Link) -> bool:
        """One request and its answer; False when the connection is to be closed."""
        head, headers, body = read_message(link.cf)
        info = request_info(head, headers, len(head) + len(body))
        fault = self.policy(info)
        if fault == Fault.REFUSE:
            self._note(fault, info)
            return False
        upstream = self._connect(link)
        request = head + body
        if fault == Fault.CUT_REQUEST:
            self._note(fault, info)
            upstream.sendall(request[: self._rng.randrange(1, len(request))])
            return False
        if fault == Fault.DELAY:
            self._note(fault, info)
            time.sleep(self.delay)
        upstream.sendall(request)
        assert link.uf is not None
        rhead, rheaders, rbody = read_message(link.uf)
        answer = rhead + rbody
        if fault in (Fault.DROP_RESPONSE, Fault.KILL_CLIENT):
            self._note(fault, info)
            if fault == Fault.KILL_CLIENT:
                self.on_kill(info)
            return False
        if fault == Fault.CUT_RESPONSE:
            self._note(fault, info)
            link.client.sendall(answer[: self._rng.randrange(0, len(answer))])
            return False
        link.client.sendall(answer)
        return "close" not in (headers.get("connection", "") + rheaders.get("connection", "")).lower()


@dataclass
class _Link:
    """One client connection and the upstream connection it uses (opened on first need)."""

    client: socket.socket
    cf: BinaryIO
    upstream: socket.socket | None = None
    uf: BinaryIO | None = None
