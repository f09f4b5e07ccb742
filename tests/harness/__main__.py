"""``python -m tests.harness --scenarios 200 --seed N``: the fault-injection run (docs/fault-harness.md).

Prints one line per scenario, the problems of each failed one with the command that reruns it
alone, and as its last line exactly ``<passed> passed, <failed> failed``; exits 1 on any failure.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from tests.harness.scenario import Plan, Result, Scenario
from tests.harness.template import Template, build


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m tests.harness", description="sync fault-injection harness")
    p.add_argument("--scenarios", type=int, default=200)
    p.add_argument("--seed", type=int, default=None, help="default: a random one (printed)")
    p.add_argument("--only", type=int, action="append", help="run only scenario I of this seed (repeatable)")
    p.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    p.add_argument("--jobs", type=int, default=2, help="scenarios run at the same time")
    p.add_argument("--time-limit", type=float, default=900.0,
                   help="seconds; scenarios not started by then count as failed")
    p.add_argument("--scenario-timeout", type=float, default=90.0)
    p.add_argument("--work", type=Path, default=None, help="folder for scenario files (default: a temp folder)")
    p.add_argument("--template", type=Path, default=None, help="reuse (or build once into) this template folder")
    p.add_argument("--keep", action="store_true", help="keep the files of passed scenarios too")
    p.add_argument("--quiet", action="store_true", help="print only failures and the summary")
    p.add_argument("--plain", action="store_true",
                   help="counter stores as plain SQLite files, the way before encryption (default: SQLCipher)")
    p.add_argument("--unlock-every", action="store_true",
                   help="every counter process unlocks its encrypted store with the clerk's password "
                        "(default: only a counter's first one per scenario; the others are handed the key)")
    return p


def _line(r: Result, done: int, total: int) -> str:
    extra = ", ".join(f"{k} {v}" for k, v in sorted(r.injected.items()) if v)
    kills = f", {r.answer_kills} killed between commit and answer" if r.answer_kills else ""
    phases = " ".join(f"{k} {v:.1f}" for k, v in r.phases.items())
    phases += "; cpu " + " ".join(f"{k} {v:.1f}" for k, v in sorted(r.cpu.items()))
    return (f"[{done:>3}/{total}] {'ok  ' if r.ok else 'FAIL'} #{r.plan.index:<3} {r.seconds:5.1f}s  "
            f"{r.plan.describe()}" + (f"  [{extra}{kills}]" if extra or kills else "") + f"  ({phases})")


class Run:
    """Scenarios of one seed, ``jobs`` at a time, within the time limit."""

    def __init__(self, args: argparse.Namespace, out: Callable[[str], None]) -> None:
        self.args, self.out = args, out
        self.seed = args.seed if args.seed is not None else int(time.time()) % 100_000
        self.indices: list[int] = args.only or list(range(args.scenarios))
        self.results: list[Result] = []
        self.lock = threading.Lock()
        self.queue = list(self.indices)
        self.started = time.monotonic()
        self.work = args.work or Path(tempfile.mkdtemp(prefix="cd-harness-"))
        self.template: Template | None = None
        self.rerun = f"python -m tests.harness --seed {self.seed} --only {{}}" + (
            "" if args.backend == "sqlite" else f" --backend {args.backend}") + (" --plain" if args.plain else "") + (
            " --unlock-every" if args.unlock_every else "")

    def _template(self) -> tuple[Template, bool]:
        """The template and whether this run made it (and must drop it)."""
        folder, encrypted = self.args.template, not self.args.plain
        if folder is not None:
            existing = Template.load(folder)
            if existing is not None and existing.backend == self.args.backend and existing.encrypted == encrypted:
                return existing, False
            return build(folder, self.args.backend, encrypted=encrypted), False
        return build(self.work / "template", self.args.backend, encrypted=encrypted), True

    def _next(self) -> int | None:
        with self.lock:
            if not self.queue or time.monotonic() - self.started > self.args.time_limit:
                return None
            return self.queue.pop(0)

    def _worker(self) -> None:
        assert self.template is not None
        while (index := self._next()) is not None:
            plan = Plan.draw(self.seed, index)
            r = Scenario(plan, self.template, self.work / f"s{index:04d}", timeout=self.args.scenario_timeout,
                         keep=self.args.keep, unlock_every=self.args.unlock_every).run()
            with self.lock:
                self.results.append(r)
                if not r.ok or not self.args.quiet:
                    self.out(_line(r, len(self.results), len(self.indices)))
                if not r.ok:
                    for problem in r.problems:
                        self.out(f"      {problem}")
                    self.out(f"      files: {r.folder}")
                    self.out(f"      rerun: {self.rerun.format(index)}")

    def run(self) -> tuple[int, int]:
        stores = "plain counter stores" if self.args.plain else (
            "encrypted counter stores" + (", every process unlocking" if self.args.unlock_every else ""))
        self.out(f"seed {self.seed}; {len(self.indices)} scenarios on {self.args.backend}, {stores}, "
                 f"{self.args.jobs} at a time")
        self.work.mkdir(parents=True, exist_ok=True)
        self.template, own = self._template()
        self.out(f"template ready in {time.monotonic() - self.started:.1f}s: {self.template.folder}")
        threads = [threading.Thread(target=self._worker, name=f"slot-{i}") for i in range(max(1, self.args.jobs))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if own:
            self.template.drop()
        return self._summary()

    def _summary(self) -> tuple[int, int]:
        passed = sum(r.ok for r in self.results)
        failed = len(self.indices) - passed
        if len(self.results) < len(self.indices):
            self.out(f"time limit of {self.args.time_limit:.0f}s reached: "
                     f"{len(self.indices) - len(self.results)} scenarios not run (counted as failed)")
        totals: Counter[str] = Counter()
        for r in self.results:
            totals.update(r.injected)
            totals["counter SIGKILLs (planned)"] += r.kills
            totals["counter SIGKILLs between commit and answer"] += r.answer_kills
        self.out("injected: " + ", ".join(f"{k} {v}" for k, v in sorted(totals.items())))
        cpu: Counter[str] = Counter()
        for r in self.results:
            cpu.update(r.cpu)
        self.out("processor time: " + ", ".join(f"{k} {v:.0f} s" for k, v in sorted(cpu.items())) +
                 f" ({sum(cpu.values()) / max(1, len(self.results)):.1f} s per scenario)")
        self.out(f"seed {self.seed}; {time.monotonic() - self.started:.0f}s")
        self.out(f"{passed} passed, {failed} failed")
        return passed, failed


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    _, failed = Run(args, lambda text: print(text, flush=True)).run()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
