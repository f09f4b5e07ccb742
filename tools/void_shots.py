"""Screenshots of the void-number register: the register window, the case dialog with a voided
paper, the void dialog, and the register PDF and a stamped paper as PNG.

    python tools/void_shots.py docs/screenshots     (needs pdftoppm: apt-get install poppler-utils)
"""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import tempfile
from pathlib import Path

_screen = Path(tempfile.mkdtemp()) / "offscreen.json"
_screen.write_text('{"screens": [{"name": "counter", "x": 0, "y": 0, "width": 1366, "height": 768, '
                   '"logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}')
os.environ["QT_QPA_PLATFORM"] = "offscreen:configfile=" + str(_screen)
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtWidgets import QApplication  # noqa: E402

from app.clock import FixedClock  # noqa: E402
from app.context import Actor  # noqa: E402
from app.services import Services  # noqa: E402
from app.voids.model import RegisterQuery  # noqa: E402
from tests.app.kit import IntakeKit  # noqa: E402
from ui.cases.case_dialog import CaseDialog  # noqa: E402
from ui.fonts import install_fonts, install_translations  # noqa: E402
from ui.tasks import TaskRunner  # noqa: E402
from ui.voids.register_window import VoidRegisterWindow  # noqa: E402
from ui.voids.void_notice_dialog import VoidNoticeDialog  # noqa: E402

out = Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
app = QApplication([])
install_fonts(app)
install_translations(app)
folder = Path(tempfile.mkdtemp())
clock = FixedClock(dt.datetime(2026, 12, 2, 9, 30))
services = Services.open_demo(folder / "store.sqlite3", clock)
clerk = services.auth.login("zhangmin", "demo1234")
me = Actor(clerk.id, clerk.name)
kit = IntakeKit(services)
matters = [m for m in services.catalogue.matters() if m.case_type != "immediate"]
views = []
for i, name in enumerate(["李明", "王𬌗", "欧阳娜娜", "赵磊"]):
    clock.at = dt.datetime(2026, 12, 2 + i, 9, 10 + i)
    views.append(services.intake.open_case(me, kit.request(matters[i % len(matters)].id, name=name), window_id=None))
reasons = [("misprint", "打印时纸张错位，文号压在印章上"), ("torn", "打印机卡纸，纸张撕破"),
           ("left", "申请人未等打印完成即离开，未取走")]
for i, (view, (cat, why)) in enumerate(zip(views[:3], reasons, strict=True)):
    clock.at = dt.datetime(2026, 12, 2 + i, 10, 5)
    chief = services.auth.authorise("liqiang", "demo1234", clerk.id, "notice.void", case_id=view.id)
    paper = next(n for n in view.notices if n.kind == ("acceptance" if i != 1 else "receipt"))
    services.notices.prepare(me, paper.id, paper.kind)
    r = services.voids.void_notice(chief, paper.id, cat, why, reissue=cat != "left")
    if i == 0:
        stamped = r.stamped_pdf
clock.at = dt.datetime(2026, 12, 5, 15, 20)
last = views[-1]
acc = next(n for n in last.notices if n.kind == "acceptance")
skipped = acc.number[:-6] + f"{int(acc.number[-6:]) + 5:06d}"
chief = services.auth.authorise("liqiang", "demo1234", clerk.id, "notice.void", here=True)
services.voids.void_number(chief, skipped, "skipped", "打印程序中断，该号未出具文书")
runner = TaskRunner()
chief_info = services.auth.login("liqiang", "demo1234")
window = VoidRegisterWindow(services, runner, chief_info)
window.date_from.setDate(window.date_from.date().addDays(0))
window.show()
window.refresh()
while runner.pending:
    app.processEvents()
for _ in range(20):
    app.processEvents()
window.grab().save(str(out / "void-register-window.png"))
reg = services.voids.register(chief, RegisterQuery(dt.date(2026, 12, 1), dt.date(2026, 12, 31)))
pdf = services.voids.write_pdf(reg, out / "void-register.pdf")
services.voids.write_excel(reg, out / "void-register.xlsx")
for source, stem, dpi in ((pdf, "void-register-pdf", "70"), (stamped, "voided-paper", "50")):
    subprocess.run(["pdftoppm", "-png", "-r", dpi, "-f", "1", "-l", "1", str(source), str(out / stem)], check=True)
dialog = CaseDialog(services, runner, clerk, views[0].id)
dialog.resize(1200, 700)
dialog.show()
while runner.pending:
    app.processEvents()
dialog.show_documents()
for _ in range(20):
    app.processEvents()
dialog.grab().save(str(out / "case-voided-paper.png"))
paper = next(p for p in dialog.printables if p.kind == "receipt")
vd = VoidNoticeDialog(services, runner, chief, paper.notice_id, paper.title, paper.number, dialog)
vd.show()
for _ in range(20):
    app.processEvents()
vd.grab().save(str(out / "void-notice-dialog.png"))
print("ok", sorted(p.name for p in out.iterdir()))
