"""Memory of the real server (uvicorn, `python -m server serve --demo` on SQLite) under oversized
unauthenticated bodies (issue #11, point 2): its resident set before, and its peak (VmHWM) after
(a) a 1 GiB body declared by Content-Length, (b) a 1 GiB body sent in chunks with no length, (c) a
push of exactly the limit's size with no credential. Prints the numbers and the answers' status.

    .venv/bin/python benchmarks/oversized_body.py [--gib 1]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _mem(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) in MiB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def _send(port: int, head: bytes, total: int, chunked: bool) -> str:
    """Send ``head`` then ``total`` bytes of body; the status line of the answer (or how it ended)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.sendall(head)
    block = b"x" * (1024 * 1024)
    sent = 0
    try:
        while sent < total:
            n = min(len(block), total - sent)
            sock.sendall(b"%x\r\n" % n + block[:n] + b"\r\n" if chunked else block[:n])
            sent += n
        if chunked:
            sock.sendall(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server answered and closed: what we want
    try:
        answer = sock.recv(200).decode(errors="replace").splitlines()
        status = answer[0] if answer else "closed"
    except OSError as exc:
        status = f"closed ({type(exc).__name__})"
    sock.close()
    return f"{status} after {sent / 2**20:.0f} MiB sent"


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--gib", type=float, default=1.0)
    args = p.parse_args()
    total = int(args.gib * 2**30)
    port = _free_port()
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "COUNTER_DESK_SERVER_DATA": data}
        proc = subprocess.Popen([sys.executable, "-m", "server", "serve", "--demo", "--port", str(port)], cwd=ROOT,
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(200):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.1)
            rss, hwm = _mem(proc.pid)
            print(f"server ready: RSS {rss:.1f} MiB, peak {hwm:.1f} MiB")
            host = f"Host: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n".encode()
            chunked_head = b"Transfer-Encoding: chunked\r\n\r\n"
            cases = [
                ("declared 1 GiB", b"POST /v1/push HTTP/1.1\r\n" + host + b"Content-Length: %d\r\n\r\n" % total,
                 total, False),
                ("chunked 1 GiB", b"POST /v1/push HTTP/1.1\r\n" + host + chunked_head, total, True),
                ("enrol, chunked", b"POST /v1/enrol HTTP/1.1\r\n" + host + chunked_head, total, True),
            ]
            for name, head, size, chunked in cases:
                t = time.perf_counter()
                answer = _send(port, head, size, chunked)
                rss, hwm = _mem(proc.pid)
                print(f"{name:16s}: {answer} in {time.perf_counter() - t:.2f} s; server RSS {rss:.1f} MiB, "
                      f"peak {hwm:.1f} MiB")
        finally:
            proc.terminate()
            proc.wait(10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
