"""Child processes: counters (tests.harness.driver), the server (``counter-desk-server serve``) and
``counter-desk-server`` commands (backup, restore, enrolment codes).

Every child is a real OS process forked by the zygote (tests.harness.zygote), which has already
imported the application, so it starts in milliseconds and can be killed with SIGKILL at any
instant. Its stdout and stderr go to files, line-buffered, so what a child printed before it was
killed stays readable.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


class Zygote:
    """The fork server process and the thread that reads its answers. Children are named by the
    id given at spawn, never by pid (pids are reused; see tests.harness.zygote)."""

    _instance: Zygote | None = None
    _instance_lock = threading.Lock()

    def __init__(self) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        self._proc = subprocess.Popen([sys.executable, "-m", "tests.harness.zygote"], cwd=ROOT, env=env,
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._spawned: dict[int, tuple[threading.Event, list[int]]] = {}
        self._exits: dict[int, tuple[threading.Event, list[int]]] = {}
        self.cpu: dict[int, float] = {}  # child id -> processor seconds, once it has ended
        self._reader = threading.Thread(target=self._read, name="zygote-reader", daemon=True)
        self._reader.start()

    @classmethod
    def get(cls) -> Zygote:
        with cls._instance_lock:
            if cls._instance is None or cls._instance._proc.poll() is not None:
                cls._instance = Zygote()
            return cls._instance

    def _exit_slot(self, child_id: int) -> tuple[threading.Event, list[int]]:
        with self._lock:
            return self._exits.setdefault(child_id, (threading.Event(), []))

    def _read(self) -> None:
        assert self._proc.stdout is not None
        for raw in self._proc.stdout:
            msg: dict[str, Any] = json.loads(raw)
            if "exit" in msg:
                self.cpu[msg["exit"]] = float(msg.get("cpu", 0.0))
                event, box = self._exit_slot(msg["exit"])
                box.append(msg["code"])
                event.set()
            else:
                with self._lock:
                    event, box = self._spawned.pop(msg["id"])
                box.append(msg["pid"])
                event.set()

    def _write(self, msg: dict[str, Any]) -> None:
        with self._lock:
            assert self._proc.stdin is not None
            self._proc.stdin.write((json.dumps(msg) + "\n").encode())
            self._proc.stdin.flush()

    def spawn(self, kind: str, argv: Sequence[str], out: Path, err: Path, env: dict[str, str]) -> tuple[int, int]:
        """Start a child; (its id, its pid)."""
        child_id = next(self._ids)
        event, box = threading.Event(), []
        with self._lock:
            self._spawned[child_id] = (event, box)
        self._write({"id": child_id, "kind": kind, "argv": list(argv), "out": str(out), "err": str(err), "env": env})
        if not event.wait(30):
            raise RuntimeError("the zygote did not fork in time")
        return child_id, box[0]

    def signal(self, child_id: int, sig: int) -> None:
        """Signal the child if it is still running (the zygote checks; a stale pid is never hit)."""
        self._write({"signal": child_id, "sig": int(sig)})

    def wait(self, child_id: int, timeout: float | None) -> int | None:
        event, box = self._exit_slot(child_id)
        return box[0] if event.wait(timeout) else None

    def poll(self, child_id: int) -> int | None:
        event, box = self._exit_slot(child_id)
        return box[0] if event.is_set() else None


class Child:
    """One child process; ``out``/``err`` are files in ``folder`` named after it."""

    def __init__(self, kind: str, name: str, argv: Sequence[str], folder: Path,
                 env: dict[str, str] | None = None) -> None:
        self.kind, self.name, self.argv, self.env = kind, name, list(argv), env or {}
        self.out, self.err = folder / f"{name}.out", folder / f"{name}.err"
        self.id: int | None = None
        self.pid: int | None = None
        self._zygote: Zygote | None = None
        self.started_at = 0.0
        self.killed = False

    def start(self) -> Child:
        for path in (self.out, self.err):
            path.write_bytes(b"")
        self._zygote = Zygote.get()
        self.started_at = time.monotonic()  # before the fork: nothing it sends can be older
        self.id, self.pid = self._zygote.spawn(self.kind, self.argv, self.out, self.err, self.env)
        return self

    @property
    def exitcode(self) -> int | None:
        return None if self.id is None or self._zygote is None else self._zygote.poll(self.id)

    def alive(self) -> bool:
        return self.id is not None and self.exitcode is None

    @property
    def cpu(self) -> float:
        """Processor seconds it used (known once it has ended)."""
        return 0.0 if self.id is None or self._zygote is None else self._zygote.cpu.get(self.id, 0.0)

    def signal(self, sig: int) -> None:
        if self.alive() and self._zygote is not None and self.id is not None:
            self._zygote.signal(self.id, sig)

    def kill(self) -> None:
        """SIGKILL, no warning: whatever the process was doing stops there (returns once it is gone)."""
        if self.alive():
            self.killed = True
            self.signal(signal.SIGKILL)
            self.wait(10)

    def terminate(self, timeout: float = 10.0) -> None:
        """SIGTERM (a clean stop), SIGKILL if it is still there after ``timeout``."""
        self.signal(signal.SIGTERM)
        if self.wait(timeout) is None:
            self.kill()

    def wait(self, timeout: float | None = None) -> int | None:
        return None if self.id is None or self._zygote is None else self._zygote.wait(self.id, timeout)

    def lines(self) -> list[str]:
        try:
            return self.out.read_text(encoding="utf-8", errors="replace").splitlines()
        except FileNotFoundError:
            return []

    def errors(self) -> str:
        try:
            return self.err.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""


def run_cli(argv: Sequence[str], folder: Path, name: str, timeout: float = 120.0) -> tuple[int, str, str]:
    """``counter-desk-server ARGV`` in a child; (exit status, stdout, stderr)."""
    child = Child("server", name, argv, folder).start()
    code = child.wait(timeout)
    if code is None:
        child.kill()
        code = -9
    return code, "\n".join(child.lines()), child.errors()
