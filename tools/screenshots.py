"""Screenshots of the main screens at 1366×768 (offscreen), for looking at what we build.

    QT_QPA_PLATFORM=offscreen .venv/bin/python tools/screenshots.py /tmp/shots
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
from pathlib import Path

if os.environ.get("QT_QPA_PLATFORM", "offscreen") == "offscreen":  # a screen the size of a counter's
    _screen = Path(tempfile.mkdtemp()) / "offscreen.json"
    _screen.write_text('{"screens": [{"name": "counter", "x": 0, "y": 0, "width": 1366, "height": 768, '
                       '"logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}')
    os.environ["QT_QPA_PLATFORM"] = "offscreen:configfile=" + str(_screen)

from PySide6.QtWidgets import QApplication

from app.clock import FixedClock
from app.context import Actor
from app.services import Services
from tests.app.kit import IntakeKit, resident_id
from ui.fonts import install_fonts, install_translations
from ui.main_window import MainWindow
from ui.tasks import TaskRunner


def _seed(services: Services, clock: FixedClock, actor: Actor) -> str:
    kit = IntakeKit(services)
    names = ["李明", "王𬌗", "欧阳娜娜", "阿依古丽·买买提", "赵磊", "孙丽", "周杰", "吴敏"]
    matters = [m for m in services.catalogue.matters() if m.case_type != "immediate"]
    first = ""
    for i, name in enumerate(names):
        clock.at = dt.datetime(2026, 3, 2 + i, 9, 10 + i)
        m = matters[i % len(matters)]
        decision = [None, "accept", "accept", "request_correction"][i % 4]
        mats = kit.materials(m.id)
        if decision == "request_correction":
            mats[0] = mats[0].__class__(**{**mats[0].__dict__, "status": "missing"})
        view = services.intake.open_case(actor, kit.request(m.id, name=name, materials=mats, decision=decision,
                                         id_number=resident_id(f"330106198803{i + 1:02d}012")), window_id=None)
        first = first or view.id
        if i == 1:
            v = services.lifecycle.suspend(actor, view.id, view.version, "组织专家评审")
            clock.at += dt.timedelta(days=2)
            v = services.lifecycle.resume(actor, v.id, v.version)
            first = v.id
    return first


def status_bar_shots(w: MainWindow, clock: FixedClock, out: Path, settle) -> None:
    """The status line as the sync worker reports it: online, offline with work waiting, and with
    operations the server refused waiting for a 首席代表 (issue #4)."""
    from app.sync.client import SyncStatus

    now = clock.now()
    url = "https://zwfw.example.gov.cn:8443"
    states = {
        "online": SyncStatus(url, True, True, 0, None, 0, now - dt.timedelta(seconds=20), now, "", 2.0, "e1", ()),
        "offline_pending": SyncStatus(url, True, False, 37, now - dt.timedelta(hours=2, minutes=5), 0,
                                      now - dt.timedelta(hours=2, minutes=6), now, "无法连接中心服务器：连接被拒绝",
                                      None, "e1", ("受理通知书编号（2026年度）仅剩 12 个，请尽快联网同步",)),
        "quarantine": SyncStatus(url, True, True, 0, None, 2, now - dt.timedelta(minutes=1), now, "", 412.0, "e2",
                                 ()),
    }
    for name, status in states.items():
        w.sync_worker.stop()  # its own (standalone) report must not overwrite the one shown here
        w.status.show_sync(status)
        settle()
        w.status.grab().save(str(out / f"status_{name}.png"))


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication([])
    install_fonts(app)
    install_translations(app)
    clock = FixedClock(dt.datetime(2026, 3, 2, 9, 0))
    services = Services.open_demo(Path(tempfile.mkdtemp()) / "shots.sqlite3", clock)
    staff = services.auth.login("zhangmin", "demo1234")
    case_id = _seed(services, clock, Actor(staff.id, staff.name))
    clock.at = dt.datetime(2026, 3, 13, 10, 30)
    runner = TaskRunner()
    w = MainWindow(services, runner, staff)
    w.resize(1366, 768)
    w.move(0, 0)
    w.show()

    def settle() -> None:
        for _ in range(50):
            app.processEvents()
        while runner.pending:
            app.processEvents()
        for _ in range(50):
            app.processEvents()

    settle()
    w.grab().save(str(out / "home.png"))
    status_bar_shots(w, clock, out, settle)
    w.tabs.setCurrentWidget(w.intake)
    w.intake.search.setText("yyzz")
    w.intake._on_search_return()
    settle()
    w.intake.applicant.name.setText("王𬌗")
    w.intake.applicant.id_number.setText("11010519491231002X")
    w.intake.applicant._on_id_finished()
    w.intake.materials.set_all("received")
    w.intake.materials.set_status(1, "defective")
    w.intake.materials.set_note(1, "决议未经全体股东签字")
    settle()
    w.grab().save(str(out / "intake.png"))
    w.tabs.setCurrentWidget(w.ledger)
    w.ledger.refresh()
    settle()
    w.grab().save(str(out / "ledger.png"))
    w.ledger.open_case(case_id)
    settle()
    from ui.cases.case_dialog import CaseDialog

    dialog = w.ledger.findChild(CaseDialog, "caseDialog")
    dialog.grab().save(str(out / "case_timeline.png"))
    dialog.accept()
    from tools.permission_shots import permission_shots, staff_roles_shot

    permission_shots(services, runner, w, case_id, out, settle)
    staff_roles_shot(services, runner, out, settle)
    w.intake.open_for_decision(case_id)
    runner.wait_all()
    settle()
    services.close()
    print("saved to", out)
    os._exit(0)  # skip interpreter teardown of Qt objects held by the pools


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/shots"))
