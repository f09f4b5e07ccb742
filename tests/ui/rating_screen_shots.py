"""Screenshots of the rating screen (评价器) on the applicant's 1280×800 monitor: idle, asking, the
reasons of a 差评 and the thank-you, rendered offscreen on a fresh demo store with the shipped fonts.

    .venv/bin/python -m tests.ui.rating_screen_shots [folder]    (default docs/screenshots)

It starts itself again with the two virtual screens of tests/ui/rating_screen_kit.py when the
platform it was started on has only one.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tests.ui.rating_screen_kit import APPLICANT_SCREEN, ROOT, run_with_two_screens


def _wait(app, done: Callable[[], bool], seconds: float = 20) -> None:
    end = time.monotonic() + seconds
    while not done():
        if time.monotonic() > end:
            raise TimeoutError("the rating screen did not get there")
        app.processEvents()
        time.sleep(0.01)
    for _ in range(5):  # let layouts and paints settle
        app.processEvents()


def shots(out: Path) -> list[Path]:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QWidget

    from app.clock import FixedClock
    from app.machine_settings import MachineSettings
    from app.services import Services
    from tests.app.rating_kit import completed_case
    from ui.fonts import install_fonts, install_translations
    from ui.rating_screen.controller import ASKING, IDLE, RATED, RatingScreenController
    from ui.rating_screen.screen_window import RatingScreen
    from ui.tasks import TaskRunner

    app = QApplication.instance() or QApplication(["rating-screen-shots"])
    install_fonts(app)
    install_translations(app)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        services = Services.open_demo(Path(folder) / "counter.sqlite3", FixedClock(dt.datetime(2026, 3, 2, 9, 30)))
        services.machine.save(MachineSettings(rating_screen=APPLICANT_SCREEN))
        clerk = services.auth.login("zhangmin", "demo1234")
        case_id = completed_case(services)
        runner, desk = TaskRunner(), QWidget()
        desk.resize(1000, 700)
        desk.show()
        controller = RatingScreenController(services.ctx, runner, desk)
        _wait(app, lambda: controller.state() == IDLE)
        w = next(x for x in QApplication.topLevelWidgets() if isinstance(x, RatingScreen))
        saved = []

        def grab(name: str) -> None:
            path = out / f"rating_screen_{name}.png"
            w.grab().save(str(path))
            saved.append(path)

        def tap(name: str) -> None:
            QTest.mouseClick(w.findChild(QWidget, name), Qt.MouseButton.LeftButton)

        grab("idle")
        controller.invite(case_id, "complete", clerk.id)
        _wait(app, lambda: controller.state() == ASKING)
        grab("asking")
        tap("ratingLevel2")
        for name in ("ratingReason_attitude", "ratingReason_efficiency", *("ratingKey" + k for k in "13812345678")):
            tap(name)
        w.comment.setText("等候时间太长，窗口人员解释不够耐心")
        _wait(app, lambda: True)
        grab("reasons")
        tap("ratingSubmit")
        _wait(app, lambda: controller.state() == RATED)
        grab("thanks")
        runner.wait_all()
        services.close()
    return saved


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    if "configfile=" not in os.environ.get("QT_QPA_PLATFORM", ""):
        with tempfile.TemporaryDirectory() as folder:
            done = run_with_two_screens(["-m", "tests.ui.rating_screen_shots", str(out.resolve())], Path(folder))
        sys.stdout.write(done.stdout)
        sys.stderr.write(done.stderr)
        return done.returncode
    for path in shots(out):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
