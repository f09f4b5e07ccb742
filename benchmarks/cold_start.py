"""Cold start to the first window: `python -m ui --startup-probe` on a fresh and on an existing
data folder, wall-clock per run (process start to first window shown and closed); and, in process,
what opening an existing store costs behind that first window, plain and encrypted (issue #11).

(a) Process start to the first window. Since encryption at rest the app makes new stores encrypted,
    and on an existing encrypted store its first window is the unlock dialog: the probe exits there,
    before the store is opened (login+password open it and sign in; that cost is (b)).
    - fresh data folder: key and keyring made, store created encrypted, demo hall seeded, login window;
    - existing (encrypted) data folder: the unlock dialog;
    - existing plain folder, the first start after the upgrade: the store is encrypted (safety backup,
      sqlcipher_export, verification, plain copies shredded), then the login window.
    ``--before DIR``: DIR is a checkout of the code before encryption (a git worktree of the previous
    commit; run with this venv's Python, PYTHONPATH=DIR, cwd DIR). Its probe on a fresh and on an
    existing (plain) folder runs interleaved with the current one's, and the ratios are printed.
(b) In process: unlock_with_password + Services.open + auth.login on the encrypted demo store against
    Services.open + auth.login on the plain one (benchmarks.stores; medians of --rounds, after one
    warm-up round per store, which is shown too: it pays the process's first-open costs).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.paths import database_path
from app.services import Services
from app.store_encryption import ENCRYPTED as STATE_ENCRYPTED
from app.store_encryption import prepare_new_store, store_state, unlock_with_password
from benchmarks.stores import CONTROL, ENCRYPTED, PLAIN, copy_store, ratio, selected, sqlcipher_without_key, versions

ROOT = Path(__file__).resolve().parents[1]
CLERK = ("zhangmin", "demo1234")


def run_once(data: Path, code: Path = ROOT) -> float:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(code)}
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "ui", "--data", str(data), "--startup-probe", "--demo"], check=True, env=env,
                   cwd=code, capture_output=True)
    return (time.perf_counter() - t0) * 1000


def _stats(samples: list[float]) -> str:
    return (f"median {statistics.median(samples):.0f} ms (min {min(samples):.0f}, max {max(samples):.0f}, "
            f"n={len(samples)})")


def _versus(samples: list[float], base: list[float] | None) -> str:
    return f"   {ratio(statistics.median(samples), statistics.median(base))} vs before" if base else ""


def _check_before(before: Path) -> None:
    probe = "import app.services, ui; print(app.services.__file__); print(ui.__file__)"
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True, cwd=before,
                         env={**os.environ, "PYTHONPATH": str(before)}).stdout.split()
    if not all(Path(p).resolve().is_relative_to(before.resolve()) for p in out):
        raise SystemExit(f"--before {before}: its code is not the one imported ({out})")


def _plain_demo_folder(folder: Path) -> Path:
    """A data folder with the plain demo store, as the code before encryption left it."""
    services = Services.open_demo(database_path(folder))
    services.close()
    return folder


def probes(tmp: Path, before: Path | None, fresh_runs: int, warm_runs: int) -> None:
    codes = {"after": ROOT, **({"before": before} if before is not None else {})}
    fresh: dict[str, list[float]] = {c: [] for c in codes}
    for i in range(fresh_runs):  # the first on the current code's folder is the one that stays for the warm runs
        for name, code in codes.items():
            fresh[name].append(run_once(tmp / f"{name}-{i}", code))
    if store_state(database_path(tmp / "after-0")) != STATE_ENCRYPTED:
        raise SystemExit("the fresh folder's store is not encrypted: is this the code after encryption?")
    warm: dict[str, list[float]] = {c: [] for c in codes}
    for _ in range(warm_runs):
        for name, code in codes.items():
            warm[name].append(run_once(tmp / f"{name}-0", code))
    upgrade = []
    template = _plain_demo_folder(tmp / "plain-template")
    for i in range(fresh_runs):
        folder = tmp / f"upgrade-{i}"
        folder.mkdir()
        copy_store(database_path(template), database_path(folder))
        upgrade.append(run_once(folder))
        if store_state(database_path(folder)) != STATE_ENCRYPTED:
            raise SystemExit("the first start after the upgrade did not encrypt the plain store")
    before_fresh, before_warm = fresh.get("before"), warm.get("before")
    print("(a) process start to the first window (--startup-probe --demo), wall clock")
    if before_fresh and before_warm:
        print(f"  before encryption ({before}): fresh folder {_stats(before_fresh)}; "
              f"existing folder (login window) {_stats(before_warm)}")
    print(f"cold start, first run (creates and seeds the demo hall, encrypted): {fresh['after'][0]:.0f} ms; "
          f"fresh folders {_stats(fresh['after'])}{_versus(fresh['after'], before_fresh)}")
    print(f"cold start, existing data folder (encrypted: unlock dialog): {_stats(warm['after'])}"
          f"{_versus(warm['after'], before_warm)}")
    print(f"cold start, existing plain folder, first start after the upgrade (encrypts, login window): "
          f"{_stats(upgrade)}")


def _stores(tmp: Path, stores: list[str]) -> dict[str, Path]:
    """The demo store, plain and (as the app makes a new store: keyring first) encrypted."""
    plain = tmp / "in-process-plain" / "counter.sqlite3"
    Services.open_demo(plain).close()
    made = {PLAIN: plain, CONTROL: plain}
    if ENCRYPTED in stores:
        made[ENCRYPTED] = tmp / "in-process-encrypted" / "counter.sqlite3"
        key, _code = prepare_new_store(made[ENCRYPTED], dt.datetime.now())
        Services.open_demo(made[ENCRYPTED], key=key).close()
    return made


def _open_once(store: str, path: Path) -> dict[str, float]:
    parts: dict[str, float] = {}
    t0 = time.perf_counter()
    key = None
    if store == ENCRYPTED:
        key = unlock_with_password(path, *CLERK)
        parts["unlock_with_password"] = (time.perf_counter() - t0) * 1000
    t1 = time.perf_counter()
    with sqlcipher_without_key() if store == CONTROL else nullcontext():
        services = Services.open(path, key=key)
    t2 = time.perf_counter()
    services.auth.login(*CLERK)
    t3 = time.perf_counter()
    services.close()
    parts["Services.open"] = (t2 - t1) * 1000
    parts["auth.login"] = (t3 - t2) * 1000
    parts["total"] = (t3 - t0) * 1000
    return parts


def in_process(tmp: Path, rounds: int) -> None:
    stores = selected()
    paths = _stores(tmp, stores)
    first = {store: _open_once(store, paths[store]) for store in stores}
    runs: dict[str, list[dict[str, float]]] = {store: [] for store in stores}
    for _ in range(rounds):
        for store in stores:
            runs[store].append(_open_once(store, paths[store]))
    print(f"(b) in process, opening the demo store and signing in ({CLERK[0]}): median of {rounds} "
          f"(min-max), each store in turn; {versions()}")
    base = None
    for store in stores:
        parts = {name: [r[name] for r in runs[store]] for name in runs[store][0]}
        text = ", ".join(f"{name} {statistics.median(v):.1f}" for name, v in parts.items() if name != "total")
        total = statistics.median(parts["total"])
        versus = f"   {ratio(total, base)}" if base is not None else ""
        print(f"  {store:15s} {text} ms; total {total:.1f} ms ({min(parts['total']):.1f}-"
              f"{max(parts['total']):.1f}){versus}   [warm-up round: {first[store]['total']:.0f} ms]")
        base = total if store == PLAIN else base


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", type=Path, help="checkout of the code before encryption (see above)")
    parser.add_argument("--fresh-runs", type=int, default=3)
    parser.add_argument("--warm-runs", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=7, help="rounds of (b)")
    parser.add_argument("--only", choices=("probe", "in-process"), help="run one half")
    args = parser.parse_args()
    if args.before is not None:
        _check_before(args.before)
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        if args.only != "in-process":
            probes(tmp, args.before, args.fresh_runs, args.warm_runs)
        if args.only != "probe":
            in_process(tmp, args.rounds)


if __name__ == "__main__":
    main()
