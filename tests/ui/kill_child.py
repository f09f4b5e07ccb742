"""Child process for the SIGKILL test: drives the real intake screen to a decision, prints
what the screen confirmed, then keeps working until it is killed."""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from app.services import Services
from ui.main_window import MainWindow
from ui.tasks import TaskRunner


def main() -> None:
    db_path, count = Path(sys.argv[1]), int(sys.argv[2])
    app = QApplication([])
    services = Services.open_demo(db_path)
    runner = TaskRunner()
    window = MainWindow(services, runner, services.auth.login("zhangmin", "demo1234"))
    window.show()
    intake = window.intake
    state = {"done": 0, "stage": "pick"}

    def step() -> None:
        if runner.pending:
            return
        if state["stage"] == "pick":
            intake.start_new()
            intake.search.setText("yyzz")
            intake._on_search_return()
            state["stage"] = "fill"
        elif state["stage"] == "fill" and intake.materials.rowCount():
            intake.applicant.name.setText(f"测试{state['done']:04d}")
            intake.applicant.id_number.setText("11010519491231002X")
            intake.materials.set_all("received")
            intake.decision_buttons["decideAccept"].click()
            state["stage"] = "wait"
        elif state["stage"] == "wait" and intake.result.text():
            # what the clerk sees on screen, flushed before anything else happens
            print("CONFIRMED", intake.result.text().split()[1], flush=True)
            state["done"] += 1
            state["stage"] = "pick" if state["done"] < count else "idle"

    timer = QTimer()
    timer.timeout.connect(step)
    timer.start(1)
    app.exec()


if __name__ == "__main__":
    main()
