"""The rating screen's two-screen tests (tests/ui/rating_screen_two_screens_cases.py), run in a pytest
subprocess whose offscreen platform has two virtual screens: the clerk's and the applicant's.

The screens of a QApplication are fixed when it starts, and this session's has one; so the cases
run in a fresh interpreter with ``QT_QPA_PLATFORM=offscreen:configfile=…`` (Qt 6.5+), and this test
fails with their report when any of them fails.
"""

from __future__ import annotations

from pathlib import Path

from tests.ui.rating_screen_kit import run_with_two_screens

CASES = "tests/ui/rating_screen_two_screens_cases.py"


def test_the_rating_screen_on_a_second_screen(tmp_path: Path) -> None:
    done = run_with_two_screens(["-m", "pytest", "-q", "-p", "no:cacheprovider", CASES,
                                 "--basetemp", str(tmp_path / "cases")], tmp_path)
    report = done.stdout[-6000:] + done.stderr[-3000:]
    assert done.returncode == 0, report
    assert " passed" in done.stdout and "failed" not in done.stdout, report
