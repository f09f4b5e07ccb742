import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from tests.app.conftest import kit  # noqa: F401
from tests.conftest import *  # noqa: F403

_REPORT: list[str] = []


@pytest.fixture
def bench_report():
    """Lines a benchmark wants seen without -s: printed at the end of the run (plain vs encrypted)."""
    return _REPORT.append


def pytest_terminal_summary(terminalreporter) -> None:
    if _REPORT:
        terminalreporter.section("benchmarks: numbers")
        for line in _REPORT:
            terminalreporter.write_line(line)
