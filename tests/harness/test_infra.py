"""The harness's own parts, each on its own: the fault proxy against a tiny HTTP server, the
zygote's children (start, SIGKILL, exit codes), the counter driver on a standalone encrypted store
(unlocked with the clerk's password), the checkers on stores that do and do not agree, the
encrypted-at-rest check on plain and encrypted files, and the plans."""

from __future__ import annotations

import dataclasses
import json
import shutil
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from tests.harness import check
from tests.harness.procs import Child, run_cli
from tests.harness.proxy import Fault, FaultProxy, RequestInfo
from tests.harness.scenario import Plan
from tests.harness.servers import free_port


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: list[bytes]  # bodies of the requests the server processed completely ("committed")

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        body = self.rfile.read(length)
        if len(body) < length:
            return  # the request was cut: like any HTTP server, do nothing with half a body
        self.seen.append(body)
        self._answer({"n": len(self.seen)}, chunked=self.path == "/chunked")

    def do_GET(self) -> None:
        self._answer({"n": len(self.seen)}, chunked=self.path == "/chunked")

    def _answer(self, data: object, *, chunked: bool) -> None:
        raw = json.dumps(data).encode() * (50 if chunked else 1)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(0, len(raw), 100):
                part = raw[i:i + 100]
                self.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Quiet(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # the proxy breaks connections on purpose


@pytest.fixture
def upstream() -> Iterator[tuple[int, list[bytes]]]:
    seen: list[bytes] = []
    handler = type("H", (_Handler,), {"seen": seen})
    httpd = _Quiet(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1], seen
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def proxy(upstream: tuple[int, list[bytes]]) -> Iterator[FaultProxy]:
    p = FaultProxy(free_port(), upstream[0], seed=1, delay=0.3).start()
    yield p
    p.stop()


def _always(fault: Fault):  # -> policy
    return lambda info: fault


def test_the_proxy_passes_requests_and_keeps_connections(proxy: FaultProxy, upstream) -> None:
    with httpx.Client(base_url=f"http://127.0.0.1:{proxy.port}") as client:
        assert client.post("/v1/push", json={"a": 1}).json() == {"n": 1}
        assert client.post("/v1/push", json={"a": 2}).json() == {"n": 2}
        assert client.get("/chunked").text == json.dumps({"n": 2}) * 50
    assert len(upstream[1]) == 2 and not proxy.injected


def test_a_dropped_answer_means_committed_but_never_seen(proxy: FaultProxy, upstream) -> None:
    proxy.policy = _always(Fault.DROP_RESPONSE)
    with pytest.raises(httpx.TransportError):
        httpx.post(f"http://127.0.0.1:{proxy.port}/v1/push", json={"op": 1})
    assert [json.loads(b) for b in upstream[1]] == [{"op": 1}] and proxy.injected["drop_response"] == 1


def test_a_cut_request_never_reaches_the_handler(proxy: FaultProxy, upstream) -> None:
    proxy.policy = _always(Fault.CUT_REQUEST)
    for _ in range(5):
        with pytest.raises(httpx.TransportError):
            httpx.post(f"http://127.0.0.1:{proxy.port}/v1/push", json={"op": "x" * 300})
    time.sleep(0.1)
    assert upstream[1] == []


@pytest.mark.parametrize("fault", [Fault.REFUSE, Fault.CUT_RESPONSE])
def test_refused_and_cut_answers_fail_on_the_client(proxy: FaultProxy, upstream, fault: Fault) -> None:
    proxy.policy = _always(fault)
    for path in ("/v1/push", "/chunked"):
        with pytest.raises(httpx.TransportError):
            httpx.post(f"http://127.0.0.1:{proxy.port}{path}", json={"op": 1})
    assert len(upstream[1]) == (0 if fault == Fault.REFUSE else 2)


def test_kill_client_calls_the_hook_with_the_device_before_dropping(proxy: FaultProxy, upstream) -> None:
    called: list[RequestInfo] = []
    proxy.on_kill = called.append
    proxy.policy = _always(Fault.KILL_CLIENT)
    with pytest.raises(httpx.TransportError):
        httpx.post(f"http://127.0.0.1:{proxy.port}/v1/push?x=1", json={"op": 1},
                   headers={"Authorization": "Bearer dev-123.secret"})
    assert [(c.method, c.path, c.device_id) for c in called] == [("POST", "/v1/push", "dev-123")]
    assert len(upstream[1]) == 1


def test_delay_holds_the_request_and_heal_passes_everything(proxy: FaultProxy) -> None:
    proxy.policy = _always(Fault.DELAY)
    t = time.monotonic()
    assert httpx.get(f"http://127.0.0.1:{proxy.port}/x").status_code == 200
    assert time.monotonic() - t >= 0.3
    proxy.policy = _always(Fault.REFUSE)
    proxy.heal()
    assert httpx.get(f"http://127.0.0.1:{proxy.port}/x").status_code == 200


def test_children_start_from_the_zygote_and_die_by_sigkill(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    code, out, _ = run_cli(["--db", url, "migrate"], tmp_path, "migrate")
    assert code == 0 and "schema up to date" in out
    code, _, err = run_cli(["--db", url, "create-enrolment-code", "--window", "01"], tmp_path, "code")
    assert code == 1 and "没有该大厅" in err  # errors are one line on stderr, exit status 1
    port = free_port()
    server = Child("server", "serve", ["--db", url, "serve", "--port", str(port)], tmp_path).start()
    deadline = time.monotonic() + 30
    while True:
        try:
            assert httpx.get(f"http://127.0.0.1:{port}/v1/meta").status_code == 200
            break
        except httpx.TransportError:
            assert time.monotonic() < deadline and server.alive()
            time.sleep(0.05)
    server.kill()
    assert server.exitcode == -9 and not server.alive()


@pytest.fixture
def encrypted_store(tmp_path: Path, demo_template: Path) -> tuple[Path, bytes]:
    """A standalone counter store made as the template makes one: the demo store copied, encrypted in
    place (app.store_encryption), its clerk zhangmin signed in once (her entry in the keyring)."""
    from app.services import Services
    from tests.harness import driver
    from tests.harness.template import _encrypt

    store = tmp_path / "c1" / "counter.sqlite3"
    store.parent.mkdir()
    shutil.copyfile(demo_template, store)
    key = bytes.fromhex(_encrypt(store)[0])
    services = Services.open(store, driver.SteppingClock(driver.START), key)
    try:
        services.auth.login("zhangmin", driver.PASSWORD)
    finally:
        services.close()
    return store, key


def test_the_driver_commits_real_work_and_reports_it(tmp_path: Path, encrypted_store: tuple[Path, bytes]) -> None:
    store, key = encrypted_store
    child = Child("counter", "c1", ["--store", str(store), "--login", "zhangmin", "--seed", "7",
                                    "--actions", "40", "--sync-chance", "0"], tmp_path).start()
    assert child.wait(60) == 0, child.errors()
    lines = child.lines()
    assert lines[0].startswith("READY") and lines[-1].startswith("DONE")
    assert json.loads(lines[0][6:])["via"] == "password"  # opened with the key zhangmin's password unlocked
    committed = check.commits(lines)
    keys = {"case_id", "enquiry_id", "void_id", "staff_id", "punch_id", "leave_id", "import_id", "rating_id",
            "followup_id", "round_id", "appraisal_row", "published_version", "month"}
    assert committed and all(keys & set(c) for c in committed)
    actions = {c["action"] for c in committed}
    assert {"void_number", "rate", "peer_open"} <= actions and {"punch", "leave"} & actions  # rare ones (seed 7)
    hall = json.loads(json.dumps(_hall_id(store, key)))
    view = check.read_store("c1", store, hall, key)
    # the store is a perfect "server" for itself: every reported commit is in it
    server = check.ServerView(view.rows, [], "", 0, "e", dict(view.staff))
    f = check.Findings()
    check.check_commits(server, {"c1": committed}, f)
    check.check_at_rest([check.store_files("c1", store)], server, [view], f)  # names, ID numbers: ciphertext
    assert f.ok, f.problems
    assert any(len(k) == 18 and k.isascii() for k in check._secrets(server, [view]))  # ID numbers were typed
    case_id = next(c["case_id"] for c in committed if "case_id" in c)
    del server.rows[("case", case_id)]
    check.check_commits(server, {"c1": committed}, f)
    assert any(case_id in p and "not on the server" in p for p in f.problems)


def test_the_driver_opens_an_encrypted_store_with_the_clerks_password_or_a_handed_key(
        tmp_path: Path, encrypted_store: tuple[Path, bytes]) -> None:
    from tests.harness.driver import KEY_ENV

    store, key = encrypted_store
    for name, argv in (("wrong", ["--login", "zhangmin", "--password", "nope"]),
                       ("never-here", ["--login", "liqiang"])):  # no keyring entry: never signed in here
        child = Child("counter", name, ["--store", str(store), *argv, "--actions", "1"], tmp_path).start()
        assert child.wait(60) == 70 and "StoreLocked" in child.errors()
        assert not child.lines()
    # a restarted or settling counter process is handed the key (no argon2): no password needed
    child = Child("counter", "handed", ["--store", str(store), "--login", "liqiang", "--password", "nope",
                                        "--actions", "1", "--sync-chance", "0"], tmp_path,
                  env={KEY_ENV: key.hex()}).start()
    assert child.wait(60) == 0, child.errors()
    assert json.loads(child.lines()[0][6:])["via"] == "key"


def test_the_at_rest_check_finds_whatever_of_a_store_is_readable_without_its_key(
        tmp_path: Path, demo_template: Path, encrypted_store: tuple[Path, bytes]) -> None:
    store, key = encrypted_store
    hall = _hall_id(store, key)
    view = check.read_store("c1", store, hall, key)
    typed = "110105198001010019"
    case = {"id": "a", "number": "N1", "applicant_id_number": typed, "recipient_id_number": ""}
    server = check.ServerView({("case", "a"): case}, [], "", 0, "e", dict(view.staff))
    f = check.Findings()
    check.check_at_rest([check.store_files("c1", store)], server, [view], f)
    assert f.ok, f.problems
    plain = tmp_path / "c2" / "counter.sqlite3"
    plain.parent.mkdir()
    shutil.copyfile(demo_template, plain)
    (store.parent / "backups" / "counter-desk-20260302-090000.sqlite3").write_bytes(demo_template.read_bytes())
    (store.parent / "counter.sqlite3-wal").write_bytes(b"\0" * 64 + f"何佳 {typed}".encode() + b"\0" * 64)
    check.check_at_rest([check.store_files("c1", store), check.store_files("c2", plain)], server, [view], f)
    text = "\n".join(f.problems)
    assert "c1: backups/counter-desk-20260302-090000.sqlite3 opens with plain sqlite3: not encrypted" in text
    assert f"c1: counter.sqlite3-wal holds in the clear the name of staff 何佳, the ID number {typed}" in text
    assert "c2: counter.sqlite3 opens with plain sqlite3: not encrypted" in text
    assert "c2: counter.sqlite3 holds in the clear the name of staff " in text and " more" in text  # 16 names
    assert not any(p.startswith("c1: counter.sqlite3 ") for p in f.problems)  # the store itself is ciphertext


def _hall_id(store: Path, key: bytes | None = None) -> str:
    import contextlib

    from db.engine import connect_raw

    with contextlib.closing(connect_raw(store, key, read_only=True)) as db:
        return str(db.execute("select hall_id from device").fetchone()[0])


def _case(cid: str, number: str, version: int = 1) -> dict[str, object]:
    return {"id": cid, "number": number, "query_code": f"Q{cid}", "version": version, "status": "received"}


def test_the_checkers_name_what_disagrees() -> None:
    receipt = {"id": "n1", "number": "SJ1", "case_id": "a", "kind": "receipt", "void": False}
    server_rows = {("case", "a"): _case("a", "N1"), ("notice", "n1"): receipt}
    server = check.ServerView(dict(server_rows), [("dev1", 1, "op1", "applied")], "", 0, "epoch2")
    server = dataclasses.replace(server, checksum=check.scope_checksum(
        (e, i, r) for (e, i), r in server_rows.items()), row_count=2)
    good = check.StoreView("c1", dict(server_rows), [check.Op(1, "op1", "case.open", "a", "acked", "applied", "e")])
    bad_rows = {**server_rows, ("case", "b"): _case("b", "N1"), ("notice", "n2"): {**receipt, "id": "n2"}}
    bad_rows[("case", "a")] = _case("a", "N1", version=2)
    bad = check.StoreView("c2", bad_rows, [check.Op(1, "op9", "case.open", "b", "acked", "applied", "e"),
                                           check.Op(2, "op10", "case.decide", "a", "pending", None, None)])
    assert check.check_all(server, [good], {"c1": "dev1"}, {}).ok
    found = check.check_all(server, [good, bad], {"c1": "dev1", "c2": "dev1"},
                            {"c2": [{"action": "decide", "case_id": "a", "number": "N1", "version": 2}]}).problems
    text = "\n".join(found)
    assert "c2: case b N1 is not on the server (lost)" in text
    assert "c2: case a differs from the server: version: 2 != 1" in text
    assert "duplicate case number N1" in text and "duplicate notice number SJ1" in text
    assert "committed decide of case N1 (version 2) is lost" in text
    assert "op #2 case.decide a is pending" in text
    assert "server inbox #1 holds op op1, the counter's is op9" in text
    assert "c2: hall checksum" in text
    twice = {**server_rows, ("notice", "n3"): {**receipt, "id": "n3", "number": "SJ2"}}
    f = check.Findings()
    check.check_papers(dataclasses.replace(server, rows=twice), f)
    assert f.problems == ["case N1 has 2 receipts (收件回执)"]


def test_the_void_check_finds_a_voided_number_issued_again_and_a_void_paper_not_registered() -> None:
    paper = {"id": "n1", "number": "SL1", "case_id": "a", "kind": "acceptance", "void": True}
    register = {"id": "v1", "number": "SL1", "notice_id": "n1"}
    rows = {("case", "a"): _case("a", "N1"), ("notice", "n1"): paper, ("void_number", "v1"): register}
    server = check.ServerView(rows, [], "", 0, "e")
    f = check.Findings()
    check.check_voids(server, [check.StoreView("c1", dict(rows), [])], f)
    assert f.ok
    again = {("case", "b"): _case("b", "N2"), ("notice", "n2"): {**paper, "id": "n2", "case_id": "b", "void": False}}
    unregistered = {**rows, ("notice", "n1"): paper}
    del unregistered[("void_number", "v1")]
    check.check_voids(server, [check.StoreView("c1", again, []), check.StoreView("c2", unregistered, [])], f)
    assert f.problems == ["c1: notice SL1 (n2) is issued although the number was voided (register of server)",
                          "c2: notice SL1 is void but not in the void-number register"]


def test_a_skipped_number_is_never_carried_by_a_paper() -> None:
    skipped = {"id": "v1", "number": "SL7", "notice_id": None}
    rows = {("case", "a"): _case("a", "N1"), ("void_number", "v1"): skipped}
    f = check.Findings()
    check.check_voids(check.ServerView(rows, [], "", 0, "e"), [], f)
    assert f.ok
    paper = {"id": "n1", "number": "SL7", "case_id": "a", "kind": "acceptance", "void": True}
    check.check_voids(check.ServerView({**rows, ("notice", "n1"): paper}, [], "", 0, "e"), [], f)
    assert f.problems == ["server: notice SL7 (n1) carries a number voided as skipped (no paper)",
                          "server: notice SL7 is void but not in the void-number register"]


def _staff(roles: str) -> dict[str, object]:
    return {"id": "s1", "login": "hejia", "roles": roles, "role": roles.split()[0]}


def _set_roles(seq: int, op_id: str, before: str, after: list[str], status: str = "acked",
               result: str = "applied", code: str | None = None, row: dict[str, object] | None = None) -> check.Op:
    return check.Op(seq, op_id, "staff.set_roles", "s1", status, result, "e", code,
                    {"staff_id": "s1", "roles_before": before, "roles": after}, row)


def test_role_changes_match_the_applied_ops_and_a_lost_race_is_a_legitimate_conflict() -> None:
    staff = {("staff", "s1"): _staff("clerk")}
    digest = check.scope_checksum((e, i, r) for (e, i), r in staff.items())
    changes = [check.RoleChange("op1", "s1", "clerk", "clerk chief", "2026-03-02T01:00:00", "c1"),
               check.RoleChange("op2", "s1", "clerk chief", "clerk", "2026-03-02T01:05:00", "c2")]
    server = check.ServerView({}, [("dev1", 1, "op1", "applied"), ("dev2", 1, "op2", "applied"),
                                   ("dev1", 2, "op3", "conflict")], check.scope_checksum([]), 0, "e",
                              dict(staff), digest, 1, changes)
    one = check.StoreView("c1", {}, [_set_roles(1, "op1", "clerk", ["clerk", "chief"]),
                                     _set_roles(2, "op3", "clerk", ["clerk", "chief"], "quarantined", "conflict",
                                                code="state_mismatch", row=_staff("clerk chief"))], dict(staff))
    two = check.StoreView("c2", {}, [_set_roles(1, "op2", "clerk chief", ["clerk"])], dict(staff))
    devices = {"c1": "dev1", "c2": "dev2"}
    assert check.check_all(server, [one, two], devices, {}).ok
    # a conflict whose server row held the roles the op started from was no race: a finding
    odd = dataclasses.replace(one, ops=[one.ops[0], dataclasses.replace(one.ops[1], server_row=_staff("clerk"))])
    stale = dataclasses.replace(two, staff={("staff", "s1"): _staff("clerk chief")}, engine={"hall": "5e9a"})
    lost = dataclasses.replace(server, role_changes=changes[:1])
    found = "\n".join(check.check_all(lost, [odd, stale], devices, {}).problems)
    assert "c1: op #2 staff.set_roles s1 is quarantined (conflict)" in found
    assert "c2: staff hejia differs from the server: roles: 'clerk chief' != 'clerk'" in found
    assert "c2: staff.set_roles op #1 (applied) left no role change on the server" in found
    assert "server staff hejia holds roles 'clerk', its last change left 'clerk chief'" in found
    assert "c2: staff checksum" in found
    assert "c2: the engine's own hall checksum 5e9a (rows kept aside counted as the server's) != server's" in found


def test_plans_are_reproducible_and_varied() -> None:
    assert Plan.draw(5, 3) == Plan.draw(5, 3)
    plans = [Plan.draw(5, i) for i in range(200)]
    assert len({p.describe() for p in plans}) == 200
    assert {p.counters for p in plans} == {2, 3, 4}
    assert sum(p.restore for p in plans) > 40 and sum(p.server_kill is not None for p in plans) > 40
    assert sum(bool(p.kills) for p in plans) > 80 and sum(p.fault_rate > 0 for p in plans) > 120


def _rated_and_voted(store: Path, key: bytes, public_key: str) -> None:
    """Real work on a standalone store by the driver: a 互评 round opened and voted in (ballots sealed
    to ``public_key``), and a case rated by the applicant."""
    import random

    from app.services import Services
    from db.models import Parameter, Rating
    from tests.harness import driver

    services = Services.open(store, driver.SteppingClock(driver.START), key)
    try:
        with services.ctx.db.write() as s:
            s.merge(Parameter(key="peer.ballot_key", value=public_key))  # as if pulled from the server
        counter = driver.Counter(services, "zhangmin", random.Random(3), driver.SteppingClock(driver.START),
                                 rare_ops=True)
        counter.peer_vote()  # no round yet: the business section opens one
        counter.peer_vote()
        for _ in range(80):
            with services.ctx.db.read() as s:
                if s.query(Rating).count():
                    break
            counter.rate()  # completes an accepted case first when there is nothing to rate
            counter.intake()
    finally:
        services.close()


def _damage(store: Path, key: bytes, round_id: str, rater_id: str, ratee_id: str) -> None:
    """A plaintext ballot queued in the outbox, and a second rated row for a rated case."""
    import datetime as dt
    import uuid

    from sqlalchemy import inspect as sa_inspect

    from app.peer import keys
    from app.services import Services
    from db.models import OutboxOp, Rating
    from tests.harness import driver

    ballot_key = keys.ballot_key(keys.voter_key("demo1234", round_id, rater_id), round_id, ratee_id)
    services = Services.open(store, driver.SteppingClock(driver.START), key)
    try:
        with services.ctx.db.write() as s:
            s.add(OutboxOp(op_id=str(uuid.uuid4()), kind="peer.ballot", entity_id=str(uuid.uuid4()),
                           payload={"round_id": round_id, "ratee_id": ratee_id, "ballot_key": ballot_key,
                                    "scores": {"d1": 5, "d2": 5, "d3": 5, "d4": 5}},
                           created_at=dt.datetime(2026, 3, 2, 10), actor_id=None, status="pending"))
            rated = s.query(Rating).filter(Rating.level.is_not(None)).first()
            assert rated is not None
            copied = {a.key: getattr(rated, a.key) for a in sa_inspect(Rating).column_attrs}
            s.add(Rating(**{**copied, "id": str(uuid.uuid4())}))
    finally:
        services.close()


def test_the_rating_and_anonymity_checks_fail_on_damage(encrypted_store: tuple[Path, bytes],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from app.peer import seal
    from tests.harness import driver

    monkeypatch.setattr(driver, "ECHO", False)
    store, store_key = encrypted_store
    public, private = seal.new_keypair()
    _rated_and_voted(store, store_key, public)
    hall = _hall_id(store, store_key)
    view = check.read_store("c1", store, hall, store_key)
    assert view.tables and any(op.kind == "peer.ballot" for op in view.ops)
    assert any(e == "rating" for e, _ in view.rows)

    def server(**changes: object) -> check.ServerView:  # the store is a perfect server for itself
        base = check.ServerView(dict(view.rows), [], "", 0, "e", dict(view.staff), ballot_private_key=private)
        return dataclasses.replace(base, **changes)

    f = check.Findings()
    check.check_unique(server(), [view], f)
    check.check_anonymity(server(), [view], f)
    assert f.ok, f.problems
    # the key the ballots were sealed to is not the server's: every queued ballot is a finding
    check.check_anonymity(server(ballot_private_key=seal.new_keypair()[1]), [view], f)
    assert f.problems and all("is not a ballot sealed to the server's key" in p for p in f.problems)

    turnout = next(r for (e, _), r in view.rows.items() if e == "peer_turnout")
    ratee = next(i for (_, i) in view.staff if i != turnout["rater_id"])
    _damage(store, store_key, str(turnout["round_id"]), str(turnout["rater_id"]), ratee)
    damaged = check.read_store("c1", store, hall, store_key)
    f = check.Findings()
    check.check_unique(server(), [damaged], f)
    check.check_anonymity(server(), [damaged], f)
    text = "\n".join(f.problems)
    assert "c1: a row of outbox_op holds a ballot's key outside the server's ballot box" in text
    assert "c1: queued ballot #" in text and "only round_id and sealed" in text
    assert "c1: case " in text and " has 2 rated rows" in text
    # the server: a box with a rater column and a row naming its rater; a rating that differs
    key = next(k for k, r in check._ballots(server(), [view]).keys.items() if r == turnout["rater_id"])
    ballot = {"round_id": turnout["round_id"], "ratee_id": ratee, "ballot_key": key, "scores": {"d1": 3},
              "rater_id": turnout["rater_id"]}
    boxed = server(ballots=[ballot], ballot_columns=(*check.BOX_COLUMNS, "rater_id"),
                   tables=[("peer_ballot", tuple(ballot.values()))])
    f = check.Findings()
    check.check_anonymity(boxed, [view], f)
    assert any("server ballot box columns are" in p for p in f.problems)
    assert any(f"a ballot box row names its rater {turnout['rater_id']}" in p for p in f.problems)
    rating = next(k for k in view.rows if k[0] == "rating")
    altered = server(rows={**view.rows, rating: {**view.rows[rating], "level": 5 if view.rows[rating]["level"] != 5
                                                 else 1}})
    f = check.Findings()
    check.check_copies(altered, [view], f)
    assert f.problems == [f"c1: rating {rating[1]} differs from the server: level: "
                          f"{view.rows[rating]['level']!r} != {altered.rows[rating]['level']!r}"]


def _step(status: str, result: str | None, code: str | None, row: dict[str, object] | None) -> check.Op:
    return check.Op(3, "op3", "followup.verify", "f1", status, result, "e", code,
                    {"id": "f1", "from_version": 1, "finding": "partly", "note": ""}, row)


def test_a_followup_step_another_pc_took_first_is_the_only_legitimate_step_conflict() -> None:
    server = check.ServerView({("rating_followup", "f1"): {"id": "f1", "version": 2}}, [], "", 0, "e")
    assert check._legitimate_conflict(_step("quarantined", "conflict", "state_mismatch", {"id": "f1", "version": 2}),
                                      server)
    assert check._legitimate_conflict(_step("quarantined", "conflict", "case_unknown", None), server)
    # answered with the version it started from: no race; rejected: never; unknown and still unknown: lost
    assert not check._legitimate_conflict(_step("quarantined", "conflict", "state_mismatch",
                                                {"id": "f1", "version": 1}), server)
    assert not check._legitimate_conflict(_step("quarantined", "rejected", "illegal_transition",
                                                {"id": "f1", "version": 2}), server)
    assert not check._legitimate_conflict(_step("quarantined", "conflict", "case_unknown", None),
                                          dataclasses.replace(server, rows={}))
    rating = check.Op(4, "op4", "rating.record", "r1", "quarantined", "conflict", "e", "already_exists", {}, {})
    assert not check._legitimate_conflict(rating, server)


def test_a_step_that_lost_a_race_keeps_its_local_row_until_settled_and_nothing_else_does() -> None:
    """Copies: the follow-up of a step quarantined as a lost race (another PC's step first) stays
    this counter's own; the same difference without such an op, or with a step answered with the
    version it started from, is a finding."""
    held = {"id": "f1", "version": 2, "rectified_at": "2026-03-04T09:03:47"}
    mine = {"id": "f1", "version": 2, "rectified_at": "2026-03-03T09:07:57"}
    server = check.ServerView({("rating_followup", "f1"): held}, [], "", 0, "e")

    def problems(ops: list[check.Op]) -> list[str]:
        f = check.Findings()
        check.check_copies(server, [check.StoreView("c1", {("rating_followup", "f1"): mine}, ops)], f)
        return f.problems

    assert problems([_step("quarantined", "conflict", "state_mismatch", held)]) == []
    assert problems([]) and problems([_step("quarantined", "conflict", "state_mismatch", {"id": "f1", "version": 1})])
    assert problems([_step("quarantined", "rejected", "illegal_transition", held)])
