"""Release check of the PyInstaller bundle, from scratch: `make frozen-check`.

1. copies the checkout's files (tracked and new, as git would commit them) to WORK/src, so nothing is
   built inside the work tree;
2. makes a clean virtual environment WORK/venv and installs the project (not editable) with its
   `build` extra (PyInstaller) into it;
3. builds build/counter-desk.spec into dist/counter-desk (work files in WORK/pyinstaller);
4. runs the frozen app's smoke check headless on a new data folder (`counter-desk --smoke-check DIR`:
   fonts, Qt's Chinese strings, store created and migrated, login, intake accepted, notice PDF, print
   to PDF, main window);
5. times the frozen cold start to the login window (`--startup-probe`, median of 5, on the data
   folder the smoke check set up);
6. prints the bundle's size and the times, and appends a record to docs/release-checks.md.

Exits 1 when any step fails (the record says which). Standard library only: run it with any Python
>= 3.11, which also becomes the bundle's Python.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_WORK = Path(os.environ.get("TMPDIR", "/tmp")) / "counter-desk-frozen"
RECORD = ROOT / "docs" / "release-checks.md"
WINDOWS = sys.platform == "win32"
PROBE_RUNS = 5
COLUMNS = ("date (UTC)", "commit", "platform", "Python", "PySide6", "PyInstaller", "bundle MiB", "files", "result",
           "smoke s", "cold start ms", "install s", "build s", "total s")
RECORD_HEADER = f"""# Release checks of the bundle

One line per run of `make frozen-check` (build/frozen_check.py): a clean virtual environment, the
PyInstaller one-folder build, the frozen smoke check (new data folder, migrate, login, intake, notice
PDF, print to PDF, main window) and the frozen cold start to the login window (median of {PROBE_RUNS}, data
folder already set up, offscreen). Run it before every release; CI runs it too (without recording).

| {" | ".join(COLUMNS)} |
|{"---|" * len(COLUMNS)}
"""


class CheckFailed(Exception):
    def __init__(self, step: str, message: str) -> None:
        super().__init__(message)
        self.step = step


def _run(step: str, cmd: list[str], log: Path, timeout: float, **kwargs: Any) -> float:
    """Run ``cmd`` with its output in ``log``; seconds taken, or CheckFailed with the log's tail."""
    print(f"[frozen-check] {step}: {' '.join(map(str, cmd))}", flush=True)
    t0 = time.perf_counter()
    with log.open("w", encoding="utf-8") as out:
        try:
            proc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, timeout=timeout, check=False, **kwargs)
        except subprocess.TimeoutExpired as exc:
            raise CheckFailed(step, f"timed out after {timeout:.0f} s (log: {log})") from exc
    if proc.returncode != 0:
        tail = "".join(log.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True)[-30:])
        raise CheckFailed(step, f"exit {proc.returncode} (log: {log})\n{tail}")
    return time.perf_counter() - t0


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return ""


def copy_sources(target: Path) -> int:
    """The files git would commit (tracked and untracked-not-ignored), as they are in the work tree."""
    listing = _git("ls-files", "-z", "--cached", "--others", "--exclude-standard")
    if not listing:
        raise CheckFailed("copy", "git ls-files gave nothing: run this from a git checkout")
    count = 0
    for name in filter(None, listing.split("\0")):
        source = ROOT / name
        if source.is_file():  # files deleted in the work tree are still listed by --cached
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
            count += 1
    return count


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if WINDOWS else "bin/python")


def clean_env() -> dict[str, str]:
    """The caller's environment without anything that would let the bundle see a Python or a checkout."""
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"}}
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def versions(python: Path) -> dict[str, str]:
    code = ("import json, platform, PySide6, PyInstaller; print(json.dumps({'python': platform.python_version(), "
            "'pyside6': PySide6.__version__, 'pyinstaller': PyInstaller.__version__}))")
    out = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True).stdout
    return dict(json.loads(out))


def bundle_size(folder: Path) -> tuple[float, int]:
    """MiB on disk (as `du -sm` counts them, symlinks not followed) and the number of files."""
    total, files = 0, 0
    for path in folder.rglob("*"):
        if path.is_symlink() or not path.is_file():
            continue
        st = path.stat()
        total += getattr(st, "st_blocks", 0) * 512 or st.st_size
        files += 1
    return total / 2**20, files


def smoke(exe: Path, work: Path) -> tuple[dict[str, Any], float, Path]:
    data = work / "smoke-data"
    shutil.rmtree(data, ignore_errors=True)
    log = work / "smoke.log"
    try:
        seconds = _run("smoke", [str(exe), "--smoke-check", str(data)], log, 300, cwd=work, env=clean_env())
    finally:
        result_file = data / "smoke-result.json"
        report = json.loads(result_file.read_text(encoding="utf-8")) if result_file.is_file() else {}
    return report, seconds, data


def admin_check(exe: Path, data: Path, work: Path) -> None:
    """The IT command beside the app answers on the data folder the smoke check made."""
    admin = exe.with_name("counter-desk-admin" + exe.suffix)
    text = ""
    # the smoke check's store is encrypted: the command unlocks it with the clerk's password
    env = {**clean_env(), "COUNTER_DESK_PASSWORD": "demo1234"}
    for args in (["check"], ["list-backups"], ["machine-set", "idle_lock_minutes", "7"], ["show-parameters"]):
        log = work / f"admin-{args[0]}.log"
        _run("admin " + args[0], [str(admin), "--data", str(data), "--login", "zhangmin", *args], log, 120, cwd=work,
             env=env)
        text += log.read_text(encoding="utf-8", errors="replace")
    if "数据文件完好" not in text or "notify_limit_days = 5" not in text:
        raise CheckFailed("admin", f"counter-desk-admin did not answer as expected: {text[-500:]}")


def cold_start(exe: Path, data: Path, work: Path) -> list[float]:
    times = []
    for i in range(PROBE_RUNS):
        seconds = _run(f"cold start {i + 1}/{PROBE_RUNS}", [str(exe), "--data", str(data), "--startup-probe"],
                       work / "probe.log", 60, cwd=work, env=clean_env())
        times.append(seconds * 1000)
    return times


def build(work: Path, dist: Path, facts: dict[str, Any]) -> Path:
    """Clean venv, project + PyInstaller installed, bundle built; returns the executable."""
    shutil.rmtree(work, ignore_errors=True)
    (work / "src").mkdir(parents=True)
    facts["files_copied"] = copy_sources(work / "src")
    _run("venv", [sys.executable, "-m", "venv", str(work / "venv")], work / "venv.log", 300)
    python = venv_python(work / "venv")
    facts["install_s"] = _run("install", [str(python), "-m", "pip", "install", f"{work / 'src'}[build]"],
                              work / "pip.log", 1800)
    facts.update(versions(python))
    facts["build_s"] = _run("pyinstaller", [
        str(python), "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
        "--workpath", str(work / "pyinstaller"), "--distpath", str(dist), str(work / "src/build/counter-desk.spec"),
    ], work / "pyinstaller.log", 1800, cwd=work)
    exe = dist / "counter-desk" / ("counter-desk.exe" if WINDOWS else "counter-desk")
    if not exe.is_file():
        raise CheckFailed("pyinstaller", f"{exe} was not built")
    facts["bundle_mb"], facts["bundle_files"] = bundle_size(exe.parent)
    return exe


def check(work: Path, dist: Path, facts: dict[str, Any]) -> None:
    exe = build(work, dist, facts)
    report, seconds, data = smoke(exe, work)
    facts["smoke_s"], facts["smoke_report"] = seconds, report
    if not report.get("ok") or not report.get("frozen"):
        raise CheckFailed("smoke", f"smoke check did not pass frozen: {report}")
    facts["result"] = "smoke ok"
    admin_check(exe, data, work)
    times = cold_start(exe, data, work)
    facts["cold_start_ms"], facts["cold_start_runs_ms"] = statistics.median(times), [round(t) for t in times]


def commit() -> str:
    head = _git("rev-parse", "--short", "HEAD").strip() or "unknown"
    return head + ("+changes" if _git("status", "--porcelain").strip() else "")


def record(facts: dict[str, Any]) -> None:
    def num(key: str, fmt: str) -> str:
        return format(facts[key], fmt) if key in facts else "—"

    if not RECORD.exists():
        RECORD.write_text(RECORD_HEADER, encoding="utf-8")
    cells = [facts["date"], f"`{facts['commit']}`", facts["platform"], facts.get("python", "—"),
             facts.get("pyside6", "—"), facts.get("pyinstaller", "—"), num("bundle_mb", ".0f"),
             num("bundle_files", "d"), facts.get("result", "—"), num("smoke_s", ".1f"), num("cold_start_ms", ".0f"),
             num("install_s", ".0f"), num("build_s", ".0f"), num("total_s", ".0f")]
    with RECORD.open("a", encoding="utf-8") as out:
        out.write("| " + " | ".join(str(c).replace("|", "/") for c in cells) + " |\n")
    print(f"[frozen-check] recorded in {RECORD.relative_to(ROOT)}")


def summary(facts: dict[str, Any]) -> str:
    lines = [f"bundle: {facts.get('bundle_mb', 0):.0f} MiB in {facts.get('bundle_files', 0)} files",
             f"install {facts.get('install_s', 0):.0f} s, PyInstaller {facts.get('build_s', 0):.0f} s, "
             f"total {facts.get('total_s', 0):.0f} s"]
    if "smoke_report" in facts:
        lines.append(f"smoke check: {facts.get('result', 'FAILED')} in {facts['smoke_s']:.1f} s; steps (ms): "
                     f"{facts['smoke_report'].get('ms')}")
    if "cold_start_ms" in facts:
        lines.append(f"cold start to the login window: median {facts['cold_start_ms']:.0f} ms "
                     f"(runs: {facts['cold_start_runs_ms']})")
    return "\n".join("[frozen-check] " + line for line in lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help=f"scratch folder (default {DEFAULT_WORK})")
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="where the bundle goes (default dist/)")
    parser.add_argument("--no-record", action="store_true", help=f"do not append to {RECORD.relative_to(ROOT)}")
    args = parser.parse_args(argv)
    facts: dict[str, Any] = {"date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M"), "commit": commit(),
                             "platform": f"{platform.system()} {platform.release()} {platform.machine()}"}
    started, code = time.perf_counter(), 0
    try:
        check(args.work.resolve(), args.dist.resolve(), facts)
    except CheckFailed as exc:
        facts["result"] = f"FAILED at {exc.step}"
        print(f"[frozen-check] FAILED at {exc.step}: {exc}", file=sys.stderr)
        code = 1
    facts["total_s"] = time.perf_counter() - started
    print(summary(facts))
    if not args.no_record:
        record(facts)
    return code


if __name__ == "__main__":
    sys.exit(main())
