"""The status line against a real central server, as a clerk sees it during an outage:

1. a new counter set up from the server (``counter-desk-server serve --demo``, its one-time code),
   online after its first sync;
2. the server stopped, two intakes saved: offline, with the work waiting and its age;
3. the server back: the sync worker pushes by itself, nothing waiting.

    PYTHONPATH=. .venv/bin/python tools/status_shots_live.py /tmp/shots

Saves status_live_{online,offline_pending,back_online}.png and prints what the status line said.
(The quarantine state needs a refused operation, which a single demo counter does not produce;
tools/screenshots.py shows it from a constructed status.)
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from app.context import Actor
from app.services import Services
from tests.app.kit import IntakeKit
from tests.harness.servers import free_port
from ui.fonts import install_fonts, install_translations
from ui.main_window import MainWindow
from ui.tasks import TaskRunner

SERVER = Path(sys.executable).with_name("counter-desk-server")


def start_server(data: Path, port: int) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([str(SERVER), "--data", str(data), "serve", "--demo", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8")
    code = ""
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    for line in proc.stdout:
        if m := re.search(r"enrolment code for window 01.*: (\S+)", line):
            code = m.group(1)
        if "Uvicorn running" in line or "Application startup complete" in line:
            break
        if time.monotonic() > deadline:
            raise SystemExit("the server did not start")
    return proc, code


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="cd-live-"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server, code = start_server(work / "server", port)
    app = QApplication([])
    install_fonts(app)
    install_translations(app)
    services = Services.open(work / "counter" / "counter.sqlite3")
    result = services.set_up_from_server(url, code, "01号窗口电脑")
    print("set up from the server:", result)
    staff = services.auth.login("zhangmin", "demo1234")
    runner = TaskRunner()
    w = MainWindow(services, runner, staff)
    w.sync_worker.poll_ms = 2000
    w.resize(1366, 768)
    w.show()

    def wait_for(check, what: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            app.processEvents()
            st = w.status.sync_status
            if st is not None and check(st):
                for _ in range(20):
                    app.processEvents()
                return
            time.sleep(0.02)
        raise SystemExit(f"status never became {what}: {w.status.sync_status}")

    def shot(name: str) -> None:
        w.status.grab().save(str(out / f"status_live_{name}.png"))
        labels = [w.status.network_label, w.status.pending_label, w.status.sync_label, w.status.warning_label]
        print(f"{name}: " + " | ".join(label.text() for label in labels if label.text()))

    try:
        wait_for(lambda st: st.online and st.pending == 0, "online")
        shot("online")
        server.terminate()
        server.wait(30)
        kit, actor = IntakeKit(services), Actor(staff.id, staff.name)
        matter = kit.matter(case_type="promised").id
        for _ in range(2):
            services.intake.open_case(actor, kit.request(matter, decision="accept"), window_id=staff.window_id)
        w.sync_worker.request()
        wait_for(lambda st: st.online is False and st.pending > 0, "offline with pending work")
        w.status.refresh()
        shot("offline_pending")
        server, _ = start_server(work / "server", port)
        wait_for(lambda st: st.online and st.pending == 0, "back online", timeout=120)
        shot("back_online")
    finally:
        w.sync_worker.stop()
        runner.wait_all()
        server.terminate()
        server.wait(30)
        services.close()
    print("saved to", out)
    os._exit(0)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/shots"))
