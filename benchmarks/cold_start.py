"""Cold start to the login window: `python -m ui --startup-probe` on a fresh and on an existing
data folder, wall-clock per run (process start to login window shown and closed)."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_once(data: Path) -> float:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "ui", "--data", str(data), "--startup-probe", "--demo"], check=True, env=env,
                   cwd=ROOT, capture_output=True)
    return (time.perf_counter() - t0) * 1000


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        first = run_once(Path(tmp) / "fresh")
        warm = [run_once(Path(tmp) / "fresh") for _ in range(5)]
    print(f"cold start, first run (creates and seeds the demo hall): {first:.0f} ms")
    print(f"cold start, existing data folder: median {statistics.median(warm):.0f} ms "
          f"(min {min(warm):.0f}, max {max(warm):.0f}, n={len(warm)})")


if __name__ == "__main__":
    main()
