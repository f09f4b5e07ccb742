"""The fork server of the harness: a process that has imported the application once and forks
every child from there, so a counter, a server or a ``counter-desk-server`` command starts in
milliseconds instead of paying about 1.5 s of imports each time.

Protocol (one JSON object per line). The harness writes
``{"id": n, "kind": "counter"|"server", "argv": [...], "out": path, "err": path, "env": {...}}``
to start a child, and ``{"signal": n, "sig": 9}`` to signal child ``n`` if it is still running;
the zygote answers ``{"id": n, "pid": p}`` when child ``n`` is forked and
``{"exit": n, "code": c, "cpu": seconds}`` when it has ended (``c`` negative: killed by that
signal; ``cpu`` the processor time it used). Children are named by ``n``, never by pid: a pid is
reused once the kernel wraps around (pid_max is 32768 here), and only the parent, which has not
yet reaped a child, can signal it without hitting a stranger. It is single threaded (forking a
threaded process is unsafe) and polls for ended children. When the harness goes away (stdin at
end of file) it SIGKILLs what is left and exits; each child also asks the kernel for SIGKILL when
the zygote dies, so nothing outlives a crashed harness.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import sys
from typing import Any

import tests.harness.preload  # noqa: F401  (the point of the zygote)


def _die_with_parent() -> None:
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _child(req: dict[str, Any]) -> int:
    _die_with_parent()
    os.environ.update(req.get("env") or {})
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    for fd, path in ((1, req["out"]), (2, req["err"])):
        target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(target, fd)
        os.close(target)
    sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115
    sys.stdout = open(1, "w", encoding="utf-8", buffering=1, closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", encoding="utf-8", buffering=1, closefd=False)  # noqa: SIM115
    try:
        if req["kind"] == "counter":
            from tests.harness.driver import main
        else:
            from server.cli import main
        return main(req["argv"])
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        import traceback

        traceback.print_exc()
        return 70
    finally:
        sys.stdout.flush()
        sys.stderr.flush()


def _send(msg: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(msg) + "\n")
    sys.stdout.flush()


def _reap(children: dict[int, int]) -> None:
    """Report every ended child (``children``: pid -> id of the live ones)."""
    while children:
        try:
            pid, status, usage = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        child_id = children.pop(pid, None)
        _send({"exit": child_id, "pid": pid, "code": os.waitstatus_to_exitcode(status),
               "cpu": usage.ru_utime + usage.ru_stime})


def _handle(req: dict[str, Any], children: dict[int, int]) -> None:
    if "signal" in req:
        for pid, child_id in children.items():
            if child_id == req["signal"]:  # not reaped yet: the pid is still this child's
                with contextlib.suppress(OSError):
                    os.kill(pid, int(req["sig"]))
        return
    pid = os.fork()
    if pid == 0:
        os._exit(_child(req))
    children[pid] = req["id"]
    _send({"id": req["id"], "pid": pid})


def serve() -> None:
    children: dict[int, int] = {}
    stdin = sys.stdin.buffer
    pending = b""
    while True:
        ready, _, _ = select.select([stdin.fileno()], [], [], 0.01)
        _reap(children)
        if not ready:
            continue
        chunk = os.read(stdin.fileno(), 65536)
        if not chunk:
            break
        pending += chunk
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            _handle(json.loads(line), children)
    for pid in children:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


if __name__ == "__main__":
    serve()
