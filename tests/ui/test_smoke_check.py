"""The smoke check that the release check runs in the bundle (build/frozen_check.py), run here from
source through the bundle's launcher, so every `make test` guards the path the frozen app takes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from app.store_encryption import is_unlockable_plainly

ROOT = Path(__file__).resolve().parents[2]


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          encoding="utf-8", timeout=180, check=False)


def test_smoke_check_through_the_launcher_passes_and_reports(tmp_path: Path) -> None:
    data = tmp_path / "smoke"
    proc = _run(["build/launcher.py", "--smoke-check", str(data)])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(next(line for line in proc.stdout.splitlines() if line.startswith("{")))
    assert report == json.loads((data / "smoke-result.json").read_text(encoding="utf-8"))
    assert report["ok"] is True and report["frozen"] is False and report["qpa"] == "offscreen"
    assert report["standard_buttons"] == ["确定", "取消"]
    assert {"WenQuanYi Micro Hei", "HanaMinB"} <= set(report["ui_font_families"])
    assert report["icon_sizes"] and report["demo_matters"] > 0
    assert report["staff"].startswith("张敏") and report["case_status"] == "accepted"
    notice = Path(report["notice_pdf"])
    assert notice.is_relative_to(data / "pdf") and notice.name.endswith(".pdf.enc")  # archived sealed
    assert not notice.read_bytes().startswith(b"%PDF-") and report["store_encrypted"] is True
    assert not is_unlockable_plainly(data / "counter-desk.sqlite3")
    assert report["notice_pdf_embedded_fonts"] >= 2 and report["printed_pages"] >= 1
    assert report["main_window_title"].endswith("示范县政务服务中心")
    assert set(report["ms"]) >= {"qt", "open_store", "intake", "notice_pdf", "print_pdf", "main_window", "total"}


def test_smoke_check_refuses_a_folder_in_use_and_says_why(tmp_path: Path) -> None:
    data = tmp_path / "used"
    data.mkdir()
    (data / "counter-desk.sqlite3").write_bytes(b"")
    proc = _run(["-m", "ui.smoke", str(data)])
    assert proc.returncode == 1
    assert "smoke check FAILED at qt" in proc.stderr and "already holds a database" in proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["ok"] is False and report["failed_step"] == "qt"


def test_smoke_check_without_a_folder_shows_usage() -> None:
    proc = _run(["-m", "ui.smoke"])
    assert proc.returncode == 2 and "usage" in proc.stderr
