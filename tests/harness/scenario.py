"""One randomized scenario: a plan drawn from a seed, run against real processes, then checked.

A scenario copies the template (server database + 2-4 enrolled counters), starts the server and a
fault proxy, and lets each counter process do a handful of random actions with random syncs
while the plan's faults happen: counters SIGKILLed at random moments (and on purpose between the
server's commit and the answer reaching them), requests and answers cut by the proxy, the server
killed and restarted, the server restored from a backup taken earlier in the scenario. Then the
network heals, every counter syncs until nothing is pending (bounded), and tests.harness.check
compares everything. The plan is fully determined by (seed, index); the interleaving of the
processes is not, so a rerun replays the same plan, not the same microsecond timings.

The counters' stores are the template's: encrypted (SQLCipher) unless the run is ``--plain``; a
counter's first process of the scenario unlocks its copy with the clerk's password, as the
program's start does (tests.harness.driver), its later ones -- restarted after a SIGKILL, settling
-- are handed the key the template recorded in their environment (``--unlock-every``: they unlock
too, ~0.19 CPU-s of argon2id each); the checks read the stores with that key, and check 9 looks at
their files' raw bytes.
"""

from __future__ import annotations

import random
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from tests.harness import check
from tests.harness.driver import KEY_ENV
from tests.harness.procs import Child
from tests.harness.proxy import Fault, FaultProxy, RequestInfo
from tests.harness.servers import ServerProcess, copy_database, drop_database, free_port
from tests.harness.template import CounterSpec, Template, copy_counter

T = TypeVar("T")
FAULT_WEIGHTS = {Fault.REFUSE: 2, Fault.CUT_REQUEST: 2, Fault.DROP_RESPONSE: 3, Fault.CUT_RESPONSE: 2,
                 Fault.KILL_CLIENT: 2, Fault.DELAY: 1}


@dataclass(frozen=True)
class Plan:
    seed: int
    index: int
    counters: int
    actions: tuple[int, ...]
    pause: float  # at most this long between a counter's actions
    sync_chance: float
    fault_rate: float  # share of requests the proxy breaks during the work phase
    kills: tuple[tuple[float, int], ...]  # (seconds into the work, counter) SIGKILLs
    server_kill: float | None  # seconds into the work; the server is SIGKILLed (or stopped) then restarted
    server_kill_hard: bool
    server_down: float
    backup_at: float | None  # online backup at this moment ...
    restore_at: float | None  # ... restored at this one (None: after the work, before healing)
    restore: bool

    @staticmethod
    def draw(seed: int, index: int) -> Plan:
        rng = random.Random(f"counter-desk-harness/{seed}/{index}")
        n = rng.randint(2, 4)
        span = 1.2
        kills = tuple(sorted((round(rng.uniform(0.05, span), 3), rng.randrange(n))
                             for _ in range(rng.choice([0, 1, 1, 2]))))
        restore = rng.random() < 0.35
        backup_at = round(rng.uniform(0.0, 0.5), 3) if restore else None
        restore_at = round(rng.uniform(0.6, span), 3) if restore and rng.random() < 0.5 else None
        return Plan(
            seed=seed, index=index, counters=n, actions=tuple(rng.randint(3, 7) for _ in range(n)),
            pause=round(rng.uniform(0.02, 0.2), 3), sync_chance=round(rng.uniform(0.15, 0.5), 2),
            fault_rate=round(rng.choice([0.0, 0.1, 0.2, 0.3, 0.4]), 2), kills=kills,
            server_kill=round(rng.uniform(0.1, span), 3) if rng.random() < 0.35 else None,
            server_kill_hard=rng.random() < 0.7, server_down=round(rng.uniform(0.05, 0.6), 3),
            backup_at=backup_at, restore_at=restore_at, restore=restore,
        )

    def describe(self) -> str:
        parts = [f"{self.counters} counters ({'/'.join(map(str, self.actions))} actions)",
                 f"faults {int(self.fault_rate * 100)}% of requests"]
        if self.kills:
            parts.append("SIGKILL " + ", ".join(f"c{c}@{t}s" for t, c in self.kills))
        if self.server_kill is not None:
            parts.append(f"server {'SIGKILL' if self.server_kill_hard else 'stop'}@{self.server_kill}s "
                         f"down {self.server_down}s")
        if self.restore:
            parts.append(f"backup@{self.backup_at}s restore@{self.restore_at if self.restore_at else 'end'}")
        return "; ".join(parts)


@dataclass
class Result:
    plan: Plan
    ok: bool
    seconds: float
    problems: list[str]
    injected: dict[str, int] = field(default_factory=dict)
    kills: int = 0
    answer_kills: int = 0
    phases: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)
    folder: str = ""


@dataclass
class _Counter:
    spec: CounterSpec
    store: Path
    actions: int
    runs: list[Child] = field(default_factory=list)

    @property
    def current(self) -> Child | None:
        return self.runs[-1] if self.runs else None

    def done_actions(self) -> int:
        return sum(1 for c in self.runs for line in c.lines() if line.startswith(("COMMIT ", "REFUSED ")))

    def lines(self) -> list[str]:
        return [line for c in self.runs for line in c.lines()]


class Scenario:
    def __init__(self, plan: Plan, template: Template, folder: Path, *, timeout: float = 90.0,
                 keep: bool = False, sabotage: bool = False, unlock_every: bool = False) -> None:
        self.plan, self.template, self.folder, self.timeout, self.keep = plan, template, folder, timeout, keep
        # an encrypted store: each counter's first process unlocks it with the clerk's password, the
        # later ones (restarted, settling) are handed the key; unlock_every: every one unlocks
        self.unlock_every = unlock_every
        self.sabotage = sabotage  # the harness's self-test: damage the server after settling
        self.sabotaged: list[str] = []
        self.rng = random.Random(f"run/{plan.seed}/{plan.index}")
        self.log: list[str] = []
        self.kill_count = 0
        self.answer_kills = 0
        self.phases: dict[str, float] = {}
        self.deadline = 0.0
        self.server: ServerProcess | None = None
        self.proxy: FaultProxy | None = None
        self.counters: list[_Counter] = []
        self.backup: Path | None = None
        self.restored = False
        self.cpu: dict[str, float] = {}

    # -- running ---------------------------------------------------------------------------------
    def run(self) -> Result:
        start = time.monotonic()
        self.deadline = start + self.timeout
        problems: list[str] = []
        try:
            self._phase("setup", self._set_up)
            self._phase("work", self._work)
            self._phase("heal", self._heal)
            problems = self._phase("settle", self._settle)
            if self.sabotage:
                self._damage_server()
                self._leave_plain_copy()
            problems += self._phase("check", self._check)
        except Exception as exc:  # a harness-level failure is a failed scenario with its reason
            problems.append(f"scenario aborted: {type(exc).__name__}: {exc}")
        finally:
            injected = dict(self.proxy.injected) if self.proxy else {}
            self._tear_down()
        ok = not problems
        if ok and not self.keep:
            shutil.rmtree(self.folder, ignore_errors=True)
        return Result(self.plan, ok, time.monotonic() - start, problems, injected, self.kill_count, self.answer_kills,
                      self.phases, self.cpu, str(self.folder))

    def _phase(self, name: str, step: Callable[[], T]) -> T:
        t = time.monotonic()
        try:
            return step()
        finally:
            self.phases[name] = time.monotonic() - t

    def _set_up(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        url = copy_database(self.template.server_url, self.folder / "server")
        self.server = ServerProcess(url, self.folder / "server-data", free_port(), self.folder)
        self.proxy = FaultProxy(free_port(), self.server.port, seed=self.rng.randrange(1 << 30))
        self.proxy.on_kill = self._kill_sender
        base = f"http://127.0.0.1:{self.proxy.port}"
        for spec, actions in zip(self.template.counters, self.plan.actions, strict=False):
            store = copy_counter(spec, self.folder / spec.name, base)
            self.counters.append(_Counter(spec, store, actions))
        self.server.start()
        self.proxy.start()
        self.proxy.policy = self._policy

    def _policy(self, info: RequestInfo) -> Fault:
        if self.rng.random() >= self.plan.fault_rate:
            return Fault.PASS
        faults = list(FAULT_WEIGHTS)
        fault = self.rng.choices(faults, weights=[FAULT_WEIGHTS[f] for f in faults])[0]
        if fault == Fault.KILL_CLIENT and info.path != "/v1/push":
            return Fault.DROP_RESPONSE
        return fault

    def _kill_sender(self, info: RequestInfo) -> None:
        """SIGKILL the process that sent this request -- if it is still the one running: an answer
        can come long after its sender died (the server was down meanwhile), and the process of that
        counter by then (a settling one, after the faults were healed) did not send it."""
        for c in self.counters:
            child = c.current
            if (c.spec.device_id == info.device_id and child is not None and child.alive()
                    and child.started_at <= info.received_at):
                child.kill()
                self.answer_kills += 1
                self.log.append(f"SIGKILL {c.spec.name} after the server answered {info.path}")

    def _start_counter(self, c: _Counter, remaining: int, *, settle: bool = False, go: Path | None = None) -> Child:
        run = len(c.runs) + 1
        argv = ["--store", str(c.store), "--login", c.spec.login, "--seed", str(self.rng.randrange(1 << 30)),
                "--start", f"2026-03-{2 + min(run, 20):02d}T09:00"]
        if settle:
            argv += ["--settle", "--attempts", "8", "--pause", "0.1", *(["--go", str(go)] if go else [])]
            if go and not self.restored:
                argv.append("--lazy")  # no epoch change to learn of: nothing pending means nothing to push
            name = f"{c.spec.name}.settle{run}"
        else:
            argv += ["--actions", str(remaining), "--pause", str(self.plan.pause),
                     "--sync-chance", str(self.plan.sync_chance), "--final-sync"]
            name = f"{c.spec.name}.run{run}"
        handed = run > 1 and not self.unlock_every and c.spec.key
        child = Child("counter", name, argv, self.folder, env={KEY_ENV: c.spec.key} if handed else None).start()
        c.runs.append(child)
        return child

    def _events(self) -> list[tuple[float, str, Any]]:
        p = self.plan
        events: list[tuple[float, str, Any]] = [(t, "kill", i) for t, i in p.kills]
        if p.server_kill is not None:
            events.append((p.server_kill, "server_down", None))
            events.append((p.server_kill + p.server_down, "server_up", None))
        if p.restore and p.backup_at is not None:
            events.append((p.backup_at, "backup", None))
            if p.restore_at is not None:
                events.append((p.restore_at, "restore", None))
        return sorted(events, key=lambda e: e[0])

    def _work(self) -> None:
        for c in self.counters:
            self._start_counter(c, c.actions)
        t0 = time.monotonic()
        events = self._events()
        while True:
            now = time.monotonic() - t0
            while events and events[0][0] <= now:
                _, what, arg = events.pop(0)
                self._event(what, arg)
            busy = self._restart_killed()
            if not busy and not events:
                break
            if time.monotonic() > self.deadline:
                raise TimeoutError(f"work phase still running after {self.timeout:.0f}s")
            time.sleep(0.01)
        if self.plan.restore and self.plan.restore_at is None:
            self._event("restore", None)

    def _restart_killed(self) -> bool:
        """Restart counters that were killed with work left; True while any counter is working."""
        busy = False
        for c in self.counters:
            child = c.current
            if child is None:
                continue
            if child.alive():
                busy = True
            elif child.exitcode not in (0, None):
                remaining = c.actions - c.done_actions()
                if child.exitcode != -9:
                    raise RuntimeError(f"{child.name} failed ({child.exitcode}): {child.errors()[-1500:]}")
                if remaining > 0:
                    self._start_counter(c, remaining)
                    busy = True
        return busy

    def _event(self, what: str, arg: Any) -> None:
        assert self.server is not None
        self.log.append(f"{what} {'' if arg is None else arg}".strip())
        if what == "kill":
            child = self.counters[arg].current
            if child is not None and child.alive():
                child.kill()
                self.kill_count += 1
        elif what == "server_down":
            if self.plan.server_kill_hard:
                self.server.kill()
            else:
                self.server.stop()
        elif what == "server_up":
            if not self.server.running():
                self.server.start()
        elif what == "backup":
            self.backup = self.server.backup()
        elif what == "restore" and self.backup is not None:
            self.restored = True
            self.server.restore(self.backup)

    def _heal(self) -> None:
        assert self.server is not None and self.proxy is not None
        self.proxy.heal()
        if not self.server.running():
            self.server.start()

    def _settle(self) -> list[str]:
        """Every counter syncs until nothing is pending; once all have, each syncs once more to pull
        what the others pushed (one process per counter, released by the ``go`` file)."""
        go = self.folder / "go"
        children = [self._start_counter(c, 0, settle=True, go=go) for c in self.counters]
        problems = []
        while True:
            states = [_settle_state(child) for child in children]
            if all(s != "busy" for s in states):
                break
            if time.monotonic() > self.deadline:
                problems.append("settling did not finish in time")
                break
            time.sleep(0.01)
        go.touch()
        for c, child in zip(self.counters, children, strict=True):
            code = child.wait(max(1.0, self.deadline - time.monotonic()))
            if code is None:
                child.kill()
                problems.append(f"{c.spec.name}: settling did not finish in time")
            elif code != 0 or not any(line.startswith("FINAL") for line in child.lines()):
                last = (child.lines() or [""])[-1]
                problems.append(f"{c.spec.name}: did not settle (exit {code}): {last} {child.errors()[-800:]}".strip())
        return problems

    def _check(self) -> list[str]:
        assert self.server is not None
        self.server.stop()
        hall = self.template.hall_id
        # the encrypted stores' files as the counters left them, before anything opens them again
        at_rest = [check.store_files(c.spec.name, c.store) for c in self.counters] if self.template.encrypted else None
        server = check.read_server(self.server.url, hall)
        stores = [check.read_store(c.spec.name, c.store, hall, c.spec.store_key) for c in self.counters]
        devices = {c.spec.name: c.spec.device_id for c in self.counters}
        committed = {c.spec.name: check.commits(c.lines()) for c in self.counters}
        return check.check_all(server, stores, devices, committed, at_rest).problems

    def _damage_server(self) -> None:
        """What a faulty engine or server could do: lose an enquiry, alter a case, change a person's
        roles without a change or a change-log row (self-test only)."""
        from sqlalchemy import delete, select, update

        from db.models import Case, Enquiry, Staff
        from server.engine import ServerDatabase

        assert self.server is not None
        self.server.stop()
        db = ServerDatabase(self.server.url)
        try:
            with db.write() as s:
                enquiry = s.scalars(select(Enquiry.id).order_by(Enquiry.id).limit(1)).first()
                case = s.scalars(select(Case.id).order_by(Case.id).limit(1)).first()
                if enquiry:
                    s.execute(delete(Enquiry).where(Enquiry.id == enquiry))
                    self.sabotaged.append(f"deleted enquiry {enquiry}")
                if case:
                    s.execute(update(Case).where(Case.id == case).values(remark="被篡改"))
                    self.sabotaged.append(f"altered case {case}")
                s.execute(update(Staff).where(Staff.login == "hejia").values(roles="clerk supervisor"))
                self.sabotaged.append("changed the roles of hejia")
        finally:
            db.dispose()

    def _leave_plain_copy(self) -> None:
        """What a careless tool could do on an encrypted counter: leave a plain copy of a store in its
        backups folder (the template's plain demo store; self-test only)."""
        if not self.template.encrypted or not self.counters:
            return
        folder = self.counters[0].store.parent / "backups"
        folder.mkdir(exist_ok=True)
        shutil.copyfile(Path(self.template.folder) / "demo" / self.counters[0].store.name,
                        folder / "counter-desk-20260302-090000.sqlite3")
        self.sabotaged.append(f"left a plain copy in {self.counters[0].spec.name}'s backups")

    def _tear_down(self) -> None:
        for c in self.counters:
            for child in c.runs:
                child.kill()
        if self.proxy is not None:
            self.proxy.stop()
        if self.server is not None:
            self.server.close()
            drop_database(self.server.url)
        for c in self.counters:
            for child in c.runs:
                kind = "settle" if "settle" in child.name else "counter"
                self.cpu[kind] = self.cpu.get(kind, 0.0) + child.cpu
        if self.server is not None:
            self.cpu["server"] = sum(child.cpu for child in self.server.children)


def _settle_state(child: Child) -> str:
    """'busy' until a settling counter has settled once (or given up, or ended)."""
    if not child.alive():
        return "ended"
    lines = child.lines()
    return "settled" if any(line.startswith(("SETTLED", "UNSETTLED")) for line in lines) else "busy"
