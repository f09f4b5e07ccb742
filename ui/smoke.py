"""Smoke check of an installation or a bundle: does this build really work at a counter?

``counter-desk --smoke-check DIR`` (the bundle) or ``python -m ui.smoke DIR`` (a checkout), with DIR a
new data folder. Without a screen (offscreen Qt unless QT_QPA_PLATFORM says otherwise) it goes the way
a clerk's first morning goes: shipped fonts and Qt's Chinese strings, the store created and migrated
with the demo hall, login, an intake accepted, the acceptance notice written to PDF by the same
NoticeService the preview uses and printed through Qt to a PDF printer, the main window built once.

Prints one JSON line (also kept as ``smoke-result.json`` in DIR, for a windowed build without a
console) and exits 0; on the first failure the JSON says which step failed and why, a one-line
message goes to stderr, and the exit code is 1.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

CLERK = ("zhangmin", "demo1234")
# A rare character (CJK Extension E, in 朱雀仿宋) in the name: the paper embeds the body face and the
# title face at least.
APPLICANT = ("王𬌗", "11010519491231002X", "13800138000")
UI_FAMILIES = ("WenQuanYi Micro Hei", "HanaMinB")
MIN_PDF_BYTES = 5_000
RESULT_FILE = "smoke-result.json"


class SmokeFailed(Exception):
    """A check did not hold; the message says what was seen."""


@dataclass
class _Run:
    data_dir: Path
    report: dict[str, Any]
    app: Any = None
    services: Any = None
    staff: Any = None
    doc: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise SmokeFailed(message)


def _qt(run: _Run) -> None:
    from PySide6 import __version__ as pyside_version
    from PySide6.QtCore import QSettings, qVersion

    from app.paths import database_path
    from ui.main import make_app, setup_logging

    _check(not database_path(run.data_dir).exists(), f"{run.data_dir} already holds a database; give a new folder")
    setup_logging(run.data_dir / "logs")
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(run.data_dir / "settings"))
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    run.app = make_app(["counter-desk", "--smoke-check"])
    run.report.update(pyside6=pyside_version, qt=qVersion(), qpa=run.app.platformName())


def _fonts(run: _Run) -> None:
    families = run.app.font().families()
    run.report["ui_font_families"] = families
    missing = [f for f in UI_FAMILIES if f not in families]
    _check(not missing, f"bundled fonts not registered: {missing} (application font: {families})")


def _translations(run: _Run) -> None:
    from PySide6.QtCore import QLibraryInfo
    from PySide6.QtWidgets import QDialogButtonBox

    buttons = QDialogButtonBox.StandardButton
    box = QDialogButtonBox(buttons.Ok | buttons.Cancel)
    texts = [box.button(buttons.Ok).text(), box.button(buttons.Cancel).text()]
    qt_dir = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))
    run.report.update(standard_buttons=texts, qtbase_zh_CN_in_qt_translations=(qt_dir / "qtbase_zh_CN.qm").is_file())
    _check(texts == ["确定", "取消"], f"Qt's qtbase_zh_CN translator not loaded: standard buttons read {texts}")


def _icon(run: _Run) -> None:
    from ui.icons import app_icon

    sizes = [s.width() for s in app_icon().availableSizes()]
    run.report["icon_sizes"] = sizes
    _check(bool(sizes), "application icon not found in resources/icons")


def _open_store(run: _Run) -> None:
    """The store as the app makes it: encrypted (SQLCipher, bundled in sqlcipher3's extension), then
    opened again the way the next start does, from a staff password through the keyring."""
    import datetime as dt

    from app.paths import database_path
    from app.services import Services
    from app.store_encryption import is_unlockable_plainly, prepare_new_store, unlock_with_password

    path = database_path(run.data_dir)
    key, _ = prepare_new_store(path, dt.datetime.now())
    Services.open_demo(path, key=key).close()
    _check(not is_unlockable_plainly(path), "the store is readable without its key")
    _check(unlock_with_password(path, *CLERK) == key, "a staff password does not open the store")
    run.services = Services.open(path, key=key)
    matters = run.services.catalogue.find("")
    run.report["demo_matters"] = len(matters)
    run.report["store_encrypted"] = True
    _check(bool(matters), "the demo catalogue is empty after setup")


def _login(run: _Run) -> None:
    run.staff = run.services.auth.login(*CLERK)
    run.report["staff"] = f"{run.staff.name} {run.staff.window_label}"


def _intake(run: _Run) -> None:
    from app.cases.rules import MaterialCheck
    from app.context import Actor
    from app.dto import Applicant, DecisionInput, IntakeRequest

    matter = run.services.catalogue.find("")[0]
    materials = tuple(
        MaterialCheck(name=t.name, is_main=t.is_main, deferrable=t.deferrable, status="received",
                      originals=t.originals, copies=t.copies, material_id=t.id)
        for t in run.services.catalogue.detail(matter.id).materials
    )
    request = IntakeRequest(matter_id=matter.id, applicant=Applicant("person", *APPLICANT), materials=materials,
                            decision=DecisionInput(action="accept"))
    view = run.services.intake.open_case(Actor(run.staff.id, run.staff.name), request,
                                         window_id=run.staff.window_id)
    run.report.update(case_number=view.number, case_status=view.status, matter=matter.name)
    _check(view.status == "accepted", f"intake ended in {view.status!r}, expected 'accepted'")
    run.extra["case_id"] = view.id


def _notice_pdf(run: _Run) -> None:
    from app.context import Actor

    papers = run.services.notices.printables(run.extra["case_id"])
    acceptance = next((p for p in papers if p.kind == "acceptance"), None)
    _check(acceptance is not None, f"no acceptance notice among {[p.kind for p in papers]}")
    run.doc = run.services.notices.prepare(Actor(run.staff.id, run.staff.name), acceptance.notice_id,
                                           "acceptance")
    data = run.doc.pdf
    _check(run.doc.path.name.endswith(".pdf.enc") and not run.doc.path.read_bytes().startswith(b"%PDF"),
           f"{run.doc.path}: the archived paper is not sealed")
    fonts = data.count(b"/FontFile2")
    run.report.update(notice_pdf=str(run.doc.path), notice_pdf_bytes=len(data), notice_pdf_embedded_fonts=fonts)
    _check(data.startswith(b"%PDF-"), f"{run.doc.path} is not a PDF")
    _check(len(data) >= MIN_PDF_BYTES, f"{run.doc.path} has only {len(data)} bytes")
    _check(fonts >= 2, f"{run.doc.path} embeds {fonts} TrueType fonts, expected the body font and HanaMinB")


def _print_pdf(run: _Run) -> None:
    from app.context import Actor
    from ui.documents.printing import pdf_printer, print_pdf

    target = run.data_dir / "smoke-print.pdf"
    pages = print_pdf(run.doc.pdf, pdf_printer(target))
    run.services.notices.record_print(Actor(run.staff.id, run.staff.name), run.doc, "PDF")
    size = target.stat().st_size if target.exists() else 0
    run.report.update(printed_pages=pages, printed_pdf_bytes=size)
    _check(pages >= 1 and size >= MIN_PDF_BYTES, f"printing to {target} gave {pages} pages, {size} bytes")
    _check(target.read_bytes()[:5] == b"%PDF-", f"{target} is not a PDF")


def _main_window(run: _Run) -> None:
    from PySide6.QtCore import QDeadlineTimer, QEventLoop
    from PySide6.QtWidgets import QMessageBox

    from ui.main_window import MainWindow
    from ui.tasks import TaskRunner

    runner = TaskRunner()
    window = MainWindow(run.services, runner, run.staff)
    window.show()
    deadline = QDeadlineTimer(20_000)
    while runner.pending and not deadline.hasExpired():
        run.app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
    shot = window.grab()
    run.report.update(main_window_title=window.windowTitle(), main_window_size=[shot.width(), shot.height()])
    pending = runner.pending
    shown = [w.text() for w in run.app.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
    window.close()
    runner.wait_all()
    _check(pending == 0, f"{pending} background jobs of the main window still running after 20 s")
    _check(not shot.isNull(), "the main window could not be painted")
    _check(not shown, f"the main window showed error messages: {shown}")


STEPS = (
    ("qt", _qt), ("fonts", _fonts), ("translations", _translations), ("icon", _icon), ("open_store", _open_store),
    ("login", _login), ("intake", _intake), ("notice_pdf", _notice_pdf), ("print_pdf", _print_pdf),
    ("main_window", _main_window),
)


def run_smoke(data_dir: Path) -> dict[str, Any]:
    """Run every step on the new data folder ``data_dir``; the report says ``ok`` and how long each took."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    started = time.perf_counter()
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {"ok": False, "frozen": bool(getattr(sys, "frozen", False)), "platform": sys.platform,
                              "python": sys.version.split()[0], "data_dir": str(data_dir), "ms": {}}
    run = _Run(data_dir, report)
    step = ""
    try:
        for step, check in STEPS:
            t0 = time.perf_counter()
            check(run)
            report["ms"][step] = round((time.perf_counter() - t0) * 1000)
        report["ok"] = True
    except Exception as exc:
        log.exception("smoke check failed at %s", step)
        report.update(failed_step=step, error=f"{type(exc).__name__}: {exc}")
    finally:
        if run.services is not None:
            run.services.close()
    report["ms"]["total"] = round((time.perf_counter() - started) * 1000)
    return report


def _emit(report: dict[str, Any]) -> None:
    line = json.dumps(report, ensure_ascii=False)
    Path(report["data_dir"], RESULT_FILE).write_text(line + "\n", encoding="utf-8")
    if sys.stdout is None:  # a windowed build on Windows has no console: the file above is the result
        return
    try:
        print(line, flush=True)
    except UnicodeEncodeError:
        print(json.dumps(report), flush=True)


def main(argv: list[str] | None = None) -> int:
    """``argv`` as sys.argv: ``[prog, DIR]`` or ``[prog, --smoke-check, DIR]``."""
    args = list(sys.argv if argv is None else argv)
    parser = argparse.ArgumentParser(prog="counter-desk --smoke-check", description="smoke check on a new data folder")
    parser.add_argument("--smoke-check", dest="flag_dir", type=Path, metavar="DIR")
    parser.add_argument("dir", nargs="?", type=Path)
    parsed, _qt_args = parser.parse_known_args(args[1:])
    folder = parsed.flag_dir or parsed.dir
    if folder is None:
        parser.print_usage(sys.stderr)
        return 2
    report = run_smoke(folder)
    _emit(report)
    if not report["ok"]:
        print(f"smoke check FAILED at {report['failed_step']}: {report['error']}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
