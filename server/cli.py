"""``counter-desk-server``: run, set up and look after the central server.

    counter-desk-server serve [--demo] [--host H] [--port P] [--workers N] [--log-format text|json]
                                                               the HTTP server (uvicorn; N processes:
                                                               PostgreSQL only; docs/server-operations.md)
    counter-desk-server migrate                                create/upgrade the schema
    counter-desk-server seed-demo                              load the demo hall
    counter-desk-server seed-hall HALL.json CATALOGUE.(json|xlsx)
    counter-desk-server import-counter STORE.sqlite3 [--login NAME | --recovery-key CODE]   take over a
                                                               standalone counter's hall (an encrypted
                                                               store: the password from COUNTER_DESK_PASSWORD)
    counter-desk-server create-enrolment-code --window 01 [--hall DEMO] [--ttl 60]
    counter-desk-server list-devices | revoke-device ID --reason TEXT
    counter-desk-server backup [--to DIR] | restore FILE | renew-epoch | epoch
    counter-desk-server verify-audit [--hall CODE]             each hall's audit chain, end to end
    counter-desk-server number-gaps [--hall CODE] [--year Y] [--kind K]   leased numbers not accounted for
    counter-desk-server empty-posts --hall CODE [--at ISO]    run the 空岗 check once (ISO: UTC, or with offset)
    counter-desk-server lockouts [--days 7]                   lockouts of wrong passwords / enrolment codes

Every command takes ``--db URL`` and ``--data DIR`` (else COUNTER_DESK_SERVER_DB/_DATA, else a
SQLite file in the user data folder). Errors print one line to stderr and exit with status 1.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import make_url

from app.errors import DomainError
from db.models import Hall
from server import audit_chain, devices, seed
from server import backup as backups
from server.engine import ServerDatabase, migrate, open_server_database
from server.errors import ApiError
from server.meta import current_epoch, naive_utc, utc_now
from server.peer_ops import ensure_ballot_key
from server.schema import LockoutEvent, SyncDevice
from server.settings import DATA_ENV, DB_ENV, ServerSettings
from server.throttle import ThrottleSettings

Command = Callable[[argparse.Namespace, ServerSettings], int]


def _now() -> dt.datetime:
    return naive_utc(utc_now)


def _open(settings: ServerSettings) -> ServerDatabase:
    return open_server_database(settings.database_url)


def cmd_serve(args: argparse.Namespace, settings: ServerSettings) -> int:
    """Prepare the database once (migrate, demo, ballot key), then uvicorn runs ``--workers`` processes,
    each building its app with server.api:app_from_env from the environment set here. uvicorn (not
    gunicorn): no further dependency, and its supervisor restarts a worker that dies."""
    import uvicorn

    from server import logs

    if args.workers < 1:
        raise ApiError(400, "workers_invalid", "--workers 至少为 1。")
    if args.workers > 1 and make_url(settings.database_url).get_backend_name() == "sqlite":
        raise ApiError(400, "workers_sqlite", "SQLite 数据库只能由一个服务进程使用：--workers 大于 1 时请改用 "
                       "PostgreSQL（--db postgresql://...）。SQLite serves one process only: use PostgreSQL "
                       "for --workers > 1.")
    ThrottleSettings.from_env()  # a wrong COUNTER_DESK_THROTTLE fails here, not in every worker
    os.environ[logs.LOG_FORMAT_ENV] = logs.configure(args.log_format)
    db = _open(settings)
    if args.demo:
        seed.seed_demo(db, _now())
        _print_demo_code(db)
    ensure_ballot_key(db, _now())  # 互评: every hall's counters pull the key ballots are sealed to
    print(f"Counter Desk server on http://{args.host}:{args.port}  database: {db.url.render_as_string()}  "
          f"workers: {args.workers}", flush=True)
    db.dispose()
    os.environ[DB_ENV], os.environ[DATA_ENV] = settings.database_url, str(settings.data_dir)
    with _metrics_dir(args.workers):
        uvicorn.run("server.api:app_from_env", factory=True, host=args.host, port=args.port,
                    workers=args.workers, log_config=None, access_log=False)  # server.observe logs each request
    return 0


@contextmanager
def _metrics_dir(workers: int) -> Iterator[None]:
    """With several workers, a fresh PROMETHEUS_MULTIPROC_DIR for this start (removed after), set
    before any worker imports prometheus_client; with one, none (counts stay in the process)."""
    from server.metrics import MULTIPROC_ENV

    if workers == 1:
        os.environ.pop(MULTIPROC_ENV, None)
        yield
        return
    folder = tempfile.mkdtemp(prefix="counter-desk-metrics-")
    os.environ[MULTIPROC_ENV] = folder
    try:
        yield
    finally:
        os.environ.pop(MULTIPROC_ENV, None)
        shutil.rmtree(folder, ignore_errors=True)


def _print_demo_code(db: ServerDatabase) -> None:
    with db.write() as s:
        hall = s.scalar(select(Hall).where(Hall.code == "DEMO"))
        if hall is None:
            return
        code, _row, _ = devices.create_code(s, hall_id=hall.id, window_number="01", created_by="cli",
                                           device_name="", ttl=dt.timedelta(hours=24), now=_now())
    print(f"demo hall ready; enrolment code for window 01 (valid 24 h): {code}", flush=True)


def cmd_migrate(args: argparse.Namespace, settings: ServerSettings) -> int:
    db = ServerDatabase(settings.database_url)
    migrate(db)
    print(f"schema up to date: {db.url.render_as_string()}")
    return 0


def cmd_seed_demo(args: argparse.Namespace, settings: ServerSettings) -> int:
    db = _open(settings)
    hall_id = seed.seed_demo(db, _now())
    ensure_ballot_key(db, _now())
    print("demo hall loaded" if hall_id else "demo hall already present")
    return 0


def cmd_seed_hall(args: argparse.Namespace, settings: ServerSettings) -> int:
    db = _open(settings)
    hall_id = seed.seed_hall(db, Path(args.hall_file), Path(args.catalogue_file), _now())
    ensure_ballot_key(db, _now())
    print(f"hall loaded: {hall_id}" if hall_id else "a hall with that code is already present")
    return 0


def _counter_key(store: Path, login: str | None, recovery: str | None) -> bytes | None:
    """The key of an encrypted counter store (app.store_key), from a staff password of that PC
    (COUNTER_DESK_PASSWORD) or its recovery key; None for a plain store."""
    from app.store_encryption import PLAIN, store_state, unlock_with_password, unlock_with_recovery

    if store_state(store) == PLAIN or not store.exists():
        return None
    recovery = recovery or os.environ.get("COUNTER_DESK_RECOVERY_KEY")
    if recovery:
        return unlock_with_recovery(store, recovery)
    password = os.environ.get("COUNTER_DESK_PASSWORD")
    if login and password:
        return unlock_with_password(store, login, password)
    raise ApiError(400, "store_locked", f"{store} is encrypted: give --login NAME with COUNTER_DESK_PASSWORD set "
                   "(a staff member who has signed in on that PC), or --recovery-key CODE")


def cmd_import_counter(args: argparse.Namespace, settings: ServerSettings) -> int:
    store = Path(args.store)
    key = _counter_key(store, args.login, args.recovery_key)
    db = _open(settings)
    hall_id = seed.import_counter_store(db, store, _now(), key)
    ensure_ballot_key(db, _now())
    print(f"hall taken over from {args.store}: {hall_id}")
    return 0


def _hall_id(db: ServerDatabase, code: str | None) -> str:
    with db.snapshot() as s:
        halls = list(s.scalars(select(Hall).where(Hall.code == code) if code else select(Hall)))
    if len(halls) != 1:
        raise ApiError(400, "hall_ambiguous", "请用 --hall 指定大厅代码。" if halls else "服务器上没有该大厅。")
    return halls[0].id


def cmd_create_code(args: argparse.Namespace, settings: ServerSettings) -> int:
    db = _open(settings)
    hall_id = _hall_id(db, args.hall)
    with db.write() as s:
        code, row, window = devices.create_code(s, hall_id=hall_id, window_number=args.window, created_by="cli",
                                                device_name=args.name, ttl=dt.timedelta(minutes=args.ttl), now=_now())
        print(f"{code}  ({window.number}号窗口, valid until {row.expires_at:%Y-%m-%d %H:%M} UTC)")
    return 0


def cmd_list_devices(args: argparse.Namespace, settings: ServerSettings) -> int:
    with _open(settings).snapshot() as s:
        for d in s.scalars(select(SyncDevice).order_by(SyncDevice.enrolled_at)):
            state = f"revoked {d.revoked_at:%Y-%m-%d}" if d.revoked_at else "active"
            print(f"{d.id}  {d.name}  enrolled {d.enrolled_at:%Y-%m-%d %H:%M}  {state}")
    return 0


def cmd_revoke(args: argparse.Namespace, settings: ServerSettings) -> int:
    db = _open(settings)
    with db.write() as s:
        device = s.get(SyncDevice, args.device_id)
        if device is None:
            raise ApiError(404, "device_unknown", "没有该设备。")
        devices.revoke_device(s, hall_id=device.hall_id, device_id=device.id, by="cli", reason=args.reason, now=_now())
    print(f"revoked {args.device_id}")
    return 0


def cmd_backup(args: argparse.Namespace, settings: ServerSettings) -> int:
    folder = Path(args.to) if args.to else settings.data_dir / "backups"
    print(backups.backup(_open(settings), folder, _now()))
    return 0


def cmd_restore(args: argparse.Namespace, settings: ServerSettings) -> int:
    epoch = backups.restore(ServerDatabase(settings.database_url), Path(args.file), _now())
    print(f"restored; new epoch {epoch}")
    return 0


def cmd_renew_epoch(args: argparse.Namespace, settings: ServerSettings) -> int:
    epoch = backups.renew_after_restore(ServerDatabase(settings.database_url), _now(), args.reason)
    print(f"new epoch {epoch}")
    return 0


def cmd_epoch(args: argparse.Namespace, settings: ServerSettings) -> int:
    with _open(settings).snapshot() as s:
        print(current_epoch(s))
    return 0


def cmd_lockouts(args: argparse.Namespace, settings: ServerSettings) -> int:
    """The lockouts of guessing (server.throttle) of the last ``--days``; those still in force marked."""
    now = _now()
    with _open(settings).snapshot() as s:
        rows = s.scalars(select(LockoutEvent).where(LockoutEvent.at >= now - dt.timedelta(days=args.days))
                         .order_by(LockoutEvent.at)).all()
        for e in rows:
            mark = "当前锁定" if e.locked_until > now else "已解除"
            print(f"{e.at:%Y-%m-%d %H:%M:%S}  {e.route}  {e.scope}:{e.subject}  {e.failures} 次失败  "
                  f"锁定至 {e.locked_until:%Y-%m-%d %H:%M:%S} UTC  {mark}")
    if not rows:
        print(f"最近 {args.days} 天没有锁定记录。")
    return 0


def cmd_number_gaps(args: argparse.Namespace, settings: ServerSettings) -> int:
    """Each leased block of the year: issued, voided, unused; the gaps. Exit status 2 when gaps exist."""
    from server.number_audit import gaps_report, number_accounts

    db = _open(settings)
    hall_id = _hall_id(db, args.hall)
    with db.snapshot() as s:
        hall = s.get(Hall, hall_id)
        assert hall is not None
        accounts = number_accounts(s, hall, args.year or _now().year, args.kind)
    for line in gaps_report(accounts):
        print(line)
    return 2 if any(a.gaps for a in accounts) else 0


def cmd_verify_audit(args: argparse.Namespace, settings: ServerSettings) -> int:
    """Exit status 0 when every chain checked is whole, 1 when one is broken (named on stdout)."""
    db = _open(settings)
    halls = audit_chain.verify_all(db)
    if args.hall:
        halls = {k: v for k, v in halls.items() if v[0] == args.hall}
        if not halls:
            raise ApiError(404, "hall_unknown", "服务器上没有该大厅。")
    for hall_id, (code, report) in halls.items():
        print(f"{code} ({hall_id}): {report.describe()} ({report.checked} entries, {report.seconds:.1f} s)")
    return 0 if all(report.ok for _code, report in halls.values()) else 1


def cmd_check_rows(args: argparse.Namespace, settings: ServerSettings) -> int:
    """Rows a counter would refuse (it skips them and says so); with --repair, repaired and sent again.
    Exit status 0 when none is left, 1 when some are (named on stdout)."""
    from server.row_check import find_bad_rows, repair

    db = _open(settings)
    with db.snapshot() as s:
        bad = list(find_bad_rows(s))
    left = 0
    for row in bad:
        line = f"{row.scope} {row.entity} {row.id}: {row.field}"
        if not args.repair:
            print(line)
            left += 1
            continue
        with db.write() as s:
            manual = repair(s, row, _now())
        print(f"{line} -> {'repaired' if not manual else '需人工处理: ' + ', '.join(manual)}")
        left += bool(manual)
    print(f"{len(bad)} row(s) a counter would refuse; {left} left")
    return 1 if left else 0


def cmd_empty_posts(args: argparse.Namespace, settings: ServerSettings) -> int:
    """The 空岗 check of one hall, once, as of now or ``--at`` (naive: UTC); prints the rows written."""
    from server.posts import check_empty_posts

    try:
        at = dt.datetime.fromisoformat(args.at) if args.at else _now()
    except ValueError as exc:
        raise ApiError(422, "bad_time", f"时间“{args.at}”格式不正确。") from exc
    if at.tzinfo is not None:
        at = at.astimezone(dt.UTC).replace(tzinfo=None)
    db = _open(settings)
    rows = check_empty_posts(db, _hall_id(db, args.hall), at)
    for row in rows:
        state = f"{row.ended_at:%H:%M} 结束，{row.minutes} 分钟" if row.ended_at else "持续中"
        print(f"空岗 window={row.window_id} {row.started_at:%Y-%m-%d %H:%M} 起 {state}：{row.basis}")
    print(f"{len(rows)} 条空岗记录已写入。")
    return 0


def cmd_deem_lapsed(args: argparse.Namespace, settings: ServerSettings) -> int:
    """视为受理 of the received cases past their notify limit, once (the server also does it with
    every periodic check); every hall, or ``--hall``; prints how many."""
    from server.deeming import deem_all_halls, deem_lapsed

    db = _open(settings)
    count = len(deem_lapsed(db, _hall_id(db, args.hall), _now())) if args.hall else deem_all_halls(db, _now())
    print(f"{count} 件逾期未告知的办件已视为受理。")
    return 0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="counter-desk-server", description="Counter Desk central server")
    p.add_argument("--db", help="database URL (postgresql://... or sqlite:///path)")
    p.add_argument("--data", help="data folder (default SQLite file, backups)")
    sub = p.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the HTTP server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument("--demo", action="store_true", help="load the demo hall on first start")
    serve.add_argument("--workers", type=int, default=1, help="worker processes (more than 1: PostgreSQL only)")
    serve.add_argument("--log-format", choices=("text", "json"), default=None,
                       help="text (default) or json: one JSON object per line (else COUNTER_DESK_SERVER_LOG_FORMAT)")
    serve.set_defaults(run=cmd_serve)
    sub.add_parser("migrate").set_defaults(run=cmd_migrate)
    sub.add_parser("seed-demo").set_defaults(run=cmd_seed_demo)
    hall = sub.add_parser("seed-hall")
    hall.add_argument("hall_file")
    hall.add_argument("catalogue_file")
    hall.set_defaults(run=cmd_seed_hall)
    imp = sub.add_parser("import-counter")
    imp.add_argument("store")
    imp.add_argument("--login", help="an encrypted store: a staff login of that PC (password: COUNTER_DESK_PASSWORD)")
    imp.add_argument("--recovery-key", help="an encrypted store: its recovery key (or COUNTER_DESK_RECOVERY_KEY)")
    imp.set_defaults(run=cmd_import_counter)
    code = sub.add_parser("create-enrolment-code")
    code.add_argument("--window", required=True)
    code.add_argument("--hall")
    code.add_argument("--ttl", type=int, default=60, help="minutes")
    code.add_argument("--name", default="")
    code.set_defaults(run=cmd_create_code)
    sub.add_parser("list-devices").set_defaults(run=cmd_list_devices)
    rev = sub.add_parser("revoke-device")
    rev.add_argument("device_id")
    rev.add_argument("--reason", required=True)
    rev.set_defaults(run=cmd_revoke)
    bak = sub.add_parser("backup")
    bak.add_argument("--to")
    bak.set_defaults(run=cmd_backup)
    res = sub.add_parser("restore")
    res.add_argument("file")
    res.set_defaults(run=cmd_restore)
    ren = sub.add_parser("renew-epoch")
    ren.add_argument("--reason", default="renewed by hand")
    ren.set_defaults(run=cmd_renew_epoch)
    sub.add_parser("epoch").set_defaults(run=cmd_epoch)
    locks = sub.add_parser("lockouts", help="lockouts of wrong passwords and enrolment codes (UTC times)")
    locks.add_argument("--days", type=int, default=7)
    locks.set_defaults(run=cmd_lockouts)
    chk = sub.add_parser("check-rows", help="list stored rows a counter would refuse; --repair fixes them")
    chk.add_argument("--repair", action="store_true")
    chk.set_defaults(run=cmd_check_rows)
    ver = sub.add_parser("verify-audit", help="check each hall's audit chain; exit 1 if one is broken")
    ver.add_argument("--hall", help="hall code (default: every hall)")
    ver.set_defaults(run=cmd_verify_audit)
    gaps = sub.add_parser("number-gaps", help="numbers of leased blocks neither issued nor voided")
    gaps.add_argument("--hall")
    gaps.add_argument("--year", type=int)
    gaps.add_argument("--kind", help="e.g. notice-acceptance")
    gaps.set_defaults(run=cmd_number_gaps)
    posts = sub.add_parser("empty-posts", help="run the 空岗 check of a hall once")
    posts.add_argument("--hall", required=True)
    posts.add_argument("--at", help="ISO time (naive: UTC)")
    posts.set_defaults(run=cmd_empty_posts)
    deem = sub.add_parser("deem-lapsed", help="视为受理: received cases past their notify limit, once")
    deem.add_argument("--hall", help="hall code (default: every hall)")
    deem.set_defaults(run=cmd_deem_lapsed)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = ServerSettings.from_env(args.db, Path(args.data) if args.data else None)
    run: Command = args.run
    try:
        return run(args, settings)
    except ApiError as exc:
        print(exc.message, file=sys.stderr)
    except DomainError as exc:
        print(exc.message, file=sys.stderr)
    except subprocess.CalledProcessError as exc:
        print(f"{exc.cmd[0]} failed: {exc.stderr.decode(errors='replace').strip()}", file=sys.stderr)
    return 1
