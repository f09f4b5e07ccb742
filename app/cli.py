"""``counter-desk-admin``: reference-data chores for a hall's IT staff, no GUI needed.

    counter-desk-admin import-catalogue 事项目录.xlsx      # or .json (docs/catalogue-format.md)
    counter-desk-admin export-catalogue 事项目录.xlsx      # the current catalogue as an Excel template
    counter-desk-admin calendar-set 2026-12-31 holiday 本地停办
    counter-desk-admin calendar-show 2026-10
    counter-desk-admin backup | list-backups | check
    counter-desk-admin restore backups/counter-desk-20260302-180000.sqlite3   # with the app closed
    counter-desk-admin set-parameter idle_lock_minutes 3
    counter-desk-admin set-parameter text.acceptance.body "……"   # hall wording of a notice block
    counter-desk-admin setup 大厅资料.json 事项目录.xlsx --window 03 [--server https://…]   # first run
    counter-desk-admin setup --demo                       # the demo hall, for training
    counter-desk-admin encrypt [--login zhangmin]         # a store from before encryption, app closed
    counter-desk-admin recovery-key                       # a new recovery key, the old one void; app closed
    counter-desk-admin machine-set printer "HP LaserJet"  # this PC: server_url printer idle_lock_minutes backup_keep
    counter-desk-admin machine-show
    counter-desk-admin verify-audit                       # the audit trail's hash chain, end to end

The store is encrypted (app.store_key). ``setup`` creates it so and prints its recovery key once.
A command that opens it is given the key by, in this order, ``--recovery-key CODE`` (or
$COUNTER_DESK_RECOVERY_KEY), or ``--login NAME`` of someone who has signed in on this PC with the
password in $COUNTER_DESK_PASSWORD or typed at the prompt (before or after the command's name):

    COUNTER_DESK_PASSWORD=… counter-desk-admin --login zhangmin backup
    COUNTER_DESK_RECOVERY_KEY=ABCD-… counter-desk-admin check

A store from before encryption is used as it is, with a reminder on stderr. ``machine-*`` and
``list-backups`` need no key (an encrypted backup is then listed unchecked).
Exit status: 0 done, 1 a check found damage, 2 refused (the message says why and what to do).
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import os
import shutil
import sys
from pathlib import Path

from app.backup import backup_folder, check_integrity, list_backups, restore
from app.calendar_service import CalendarService
from app.catalogue import load_catalogue, write_catalogue_xlsx
from app.context import Actor
from app.errors import DomainError, StorageError
from app.machine_settings import LABELS, MachineSettingsStore
from app.paths import DB_FILE, data_dir, database_path, running_app_pid
from app.services import Services
from app.setup import demo_files, device_name
from app.store_access import StoreAccess
from app.store_encryption import (
    ENCRYPTED,
    NEW,
    PLAIN,
    discard_unset_store,
    encrypt_plain_store,
    prepare_new_store,
    store_state,
    unlock_with_password,
    unlock_with_recovery,
)
from app.store_key import KEYRING_NAME, is_plain_store, keyring_path

# Whoever can run the command line on this PC can edit its data file anyway: it acts as the
# administrator with the business section's rights over reference data (catalogue, parameters).
# On an encrypted store, that is whoever can unlock it (a staff password of this PC, or the recovery key).
ADMIN = Actor(None, "信息科（命令行）", roles=frozenset({"admin", "business"}))

RECOVERY_ENV = "COUNTER_DESK_RECOVERY_KEY"
PASSWORD_ENV = "COUNTER_DESK_PASSWORD"
FILE_COMMANDS = ("restore", "check", "list-backups")
NEEDS_KEY = ("本机数据已加密，须先解锁：用 --login 登录名 给出一位曾在本机登录过的员工"
             f"（密码从环境变量 {PASSWORD_ENV} 读取，或在终端中按提示输入），"
             f"或用 --recovery-key 给出信息科保管的恢复密钥（也可放在环境变量 {RECOVERY_ENV} 中）。")
PLAIN_NOTICE = ("注意：本机数据尚未加密。下次启动窗口工作台时将自动加密；"
                "也可先退出窗口工作台，再运行 counter-desk-admin encrypt 立即加密。")
NOT_SET_UP = "本机尚未完成首次设置：请启动窗口工作台按提示设置，或运行 counter-desk-admin setup。"
SET_UP_ALREADY = "本机已设置过，不能重复设置。如需更换大厅，请备份后使用新的数据目录（--data）。"


def _key_options(p: argparse.ArgumentParser, default: object) -> None:
    p.add_argument("--login", metavar="NAME", default=default,
                   help=f"用这位员工的密码解锁加密的本机数据（须曾在本机登录过；密码从环境变量 {PASSWORD_ENV} "
                        "读取，或按提示输入）")
    p.add_argument("--recovery-key", metavar="CODE", default=default,
                   help=f"用信息科保管的恢复密钥解锁（也可用环境变量 {RECOVERY_ENV}，不留在命令记录中）")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="counter-desk-admin", description="窗口工作台 管理命令")
    p.add_argument("--data", type=Path, help="数据目录（默认为用户数据目录）")
    _key_options(p, None)
    keyed = argparse.ArgumentParser(add_help=False)  # the same options after the command's name
    _key_options(keyed, argparse.SUPPRESS)
    sub = p.add_subparsers(dest="command", required=True)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help_text, parents=[keyed])

    imp = command("import-catalogue", "导入事项目录（JSON 或 Excel）")
    imp.add_argument("file", type=Path)
    exp = command("export-catalogue", "导出事项目录为 Excel 模板")
    exp.add_argument("file", type=Path)
    cal = command("calendar-set", "设置某日为工作日或休息日")
    cal.add_argument("day", type=dt.date.fromisoformat)
    cal.add_argument("kind", choices=["workday", "holiday"])
    cal.add_argument("name")
    par = command("set-parameter", "设置大厅参数（如 idle_lock_minutes、seal_image、text.acceptance.body）")
    par.add_argument("key")
    par.add_argument("value")
    command("show-parameters", "列出大厅参数")
    command("backup", "立即备份数据文件（程序运行时也可执行）")
    command("list-backups", "列出备份（加密的备份在解锁后才校验）")
    res = command("restore", "用备份恢复数据文件（须先退出窗口工作台）")
    res.add_argument("file", type=Path)
    command("check", "检查数据文件是否完好")
    show = command("calendar-show", "显示某月的工作日")
    show.add_argument("month", help="YYYY-MM")
    setup = command("setup", "首次设置本机：大厅资料、事项目录、本机窗口号（数据加密保存，显示恢复密钥）")
    setup.add_argument("hall", type=Path, nargs="?", help="大厅资料文件（counter-desk-hall/1，JSON）")
    setup.add_argument("catalogue", type=Path, nargs="?", help="事项目录（JSON 或 Excel）")
    setup.add_argument("--window", help="本机窗口号，如 03")
    setup.add_argument("--server", default="", help="中心服务器地址（可选）")
    setup.add_argument("--demo", action="store_true", help="使用演示大厅（试用、培训）")
    command("encrypt", "加密升级前未加密的本机数据并显示恢复密钥（须先退出窗口工作台；"
                       "加 --login 则该员工此后可直接用密码打开）")
    command("recovery-key", "生成新的恢复密钥，原恢复密钥作废（须先退出窗口工作台）")
    mset = sub.add_parser("machine-set", help="本机设置：" + "、".join(f"{k}（{v}）" for k, v in LABELS.items()))
    mset.add_argument("key", choices=list(LABELS))
    mset.add_argument("value", help="留空（\"\"）表示使用默认值")
    sub.add_parser("machine-show", help="列出本机设置")
    command("verify-audit", "校验审计记录链（是否有记录被改动、删除或插入）；未通过时返回 1")
    pdf = command("open-pdf", "把存档的文书（pdf 目录下加密的 .pdf.enc）解密另存为 PDF（记入审计）")
    pdf.add_argument("file", type=Path)
    pdf.add_argument("out", type=Path)
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    db = database_path(data_dir(args.data))
    if args.command in ("machine-set", "machine-show"):
        return _machine_command(args, db.parent)
    state = store_state(db)
    if state == PLAIN and args.command not in ("encrypt", "restore"):  # restore: as the backup is
        print(PLAIN_NOTICE, file=sys.stderr)
    try:
        if args.command in FILE_COMMANDS:
            return _file_command(args, db, state)
        if args.command == "encrypt":
            return _encrypt(args, db, state)
        if args.command == "setup":
            return _setup(args, db, state)
        return _store_command(args, db, state)
    except DomainError as exc:
        print(exc.message, file=sys.stderr)
        return 2


# -- the key -----------------------------------------------------------------------------------
def _given(args: argparse.Namespace) -> bool:
    return bool(args.recovery_key or os.environ.get(RECOVERY_ENV) or args.login)


def _unlock(args: argparse.Namespace, keyring_of: Path) -> bytes:
    """The key from what was given; ``keyring_of``: the data file (or a backup) beside its keyring.
    StoreLocked (its message says what to do) when it does not open it."""
    code = args.recovery_key or os.environ.get(RECOVERY_ENV)
    if code:
        return unlock_with_recovery(keyring_of, code)
    if args.login:
        return unlock_with_password(keyring_of, args.login, _password(args.login))
    raise DomainError(NEEDS_KEY)


def _password(login: str) -> str:
    password = os.environ.get(PASSWORD_ENV)
    if password:
        return password
    if sys.stdin is not None and sys.stdin.isatty():
        password = getpass.getpass(f"{login} 的密码：")
        if password:
            return password
    raise DomainError(f"请给出 {login} 的密码：在终端中运行时按提示输入，或放在环境变量 {PASSWORD_ENV} 中。")


def _app_running(db: Path, doing: str) -> bool:
    pid = running_app_pid(db.parent)
    if pid is not None:
        print(f"窗口工作台正在使用这个数据目录（进程 {pid}）。请先退出程序，再{doing}。", file=sys.stderr)
    return pid is not None


def _show_recovery_code(code: str, headline: str) -> None:
    rule = "=" * 64
    print(rule)
    print(f"{headline}本机的恢复密钥（只显示这一次）：")
    print()
    print(f"        {code}")
    print()
    print("请信息科立即抄录在纸上，妥善保管，不要存放在本机上（也不要留在本机的文件或截图中）。")
    print("所有能登录本机的人员都忘记密码、或本机数据要在其他电脑上恢复时，须凭恢复密钥打开数据。")
    print("丢失或泄露时，可用 counter-desk-admin recovery-key 生成新的恢复密钥（原恢复密钥随即作废）。")
    print(rule)


# -- commands that open the store --------------------------------------------------------------
def _store_command(args: argparse.Namespace, db: Path, state: str) -> int:
    if state == NEW:  # nothing is created for them: a new store is made (encrypted) by setup only
        print(NOT_SET_UP, file=sys.stderr)
        return 2
    if args.command == "recovery-key":
        if state == PLAIN:
            print("本机数据尚未加密，还没有恢复密钥。请先退出窗口工作台，再运行 counter-desk-admin encrypt。",
                  file=sys.stderr)
            return 2
        if _app_running(db, "更换恢复密钥"):  # its sign-ins rewrite the keyring: the new key could be lost
            return 2
    services = Services.open(db, key=_unlock(args, db) if state == ENCRYPTED else None)
    try:
        if args.command == "verify-audit":
            return _verify_audit(services)
        if not services.is_set_up():
            print(NOT_SET_UP, file=sys.stderr)
            return 2
        if args.command == "recovery-key":
            return _recovery_key(services)
        return _run(services, args)
    finally:
        services.close()


def _run(services: Services, args: argparse.Namespace) -> int:
    if args.command == "import-catalogue":
        count = services.catalogue.import_catalogue(ADMIN, load_catalogue(args.file))
        print(f"已导入 {count} 个事项。")
    elif args.command == "export-catalogue":
        write_catalogue_xlsx(services.catalogue.export_catalogue(), args.file)
        print(f"已导出到 {args.file}")
    elif args.command == "calendar-set":
        CalendarService(services.ctx).set_day(ADMIN, args.day, is_workday=args.kind == "workday", name=args.name)
        print(f"{args.day.isoformat()} 已设为{'工作日' if args.kind == 'workday' else '休息日'}。")
    elif args.command == "set-parameter":
        services.settings.set_parameter(ADMIN, args.key, args.value)
        print(f"{args.key} = {args.value}")
    elif args.command == "backup":
        print(f"已备份到 {services.backup_now()}")
    elif args.command == "open-pdf":
        _open_pdf(services, args.file, args.out)
    elif args.command == "show-parameters":
        for key, value in sorted(services.ctx.parameters().items()):
            print(f"{key} = {value}")
    else:
        _show_month(services, args.month)
    return 0


def _open_pdf(services: Services, archived: Path, out: Path) -> None:
    """A readable copy of an archived paper for IT (a court's request, a complaint): audited, as
    the copy names the applicant."""
    from app.documents.archive import read_archived

    try:
        pdf = read_archived(archived, services.ctx.db.key)
        out.write_bytes(pdf)
    except OSError as exc:
        raise StorageError(f"无法读取 {archived} 或写入 {out}（{exc.strerror or exc}）。") from exc
    ctx = services.ctx
    with ctx.action() as s:
        ctx.audit(s, ADMIN, action="notice.open_pdf", entity="device", entity_id=ctx.device_id,
                  summary=f"导出存档文书副本 {archived.name[:120]}", detail={"file": str(archived)[:500]})
    print(f"已另存为 {out}（{len(pdf)} 字节）。此副本未加密，用完请删除。")


def _verify_audit(services: Services) -> int:
    report = services.audit_chain.verify()
    print(report.describe())
    if report.broken is not None:
        intact = f"记录链第 1–{report.last_seq} 条完好。" if report.last_seq else ""
        print(intact + "请保留数据文件原样（先备份，勿修改），联系信息科。")
    print(f"用时 {report.seconds:.1f} 秒。")
    return 0 if report.ok else 1


def _recovery_key(services: Services) -> int:
    ctx = services.ctx
    device = ctx.device_id
    code: str | None = None
    try:
        with ctx.action() as s:  # the audit event is committed only once the new key is in the keyring
            ctx.audit(s, ADMIN, action="store.recovery_key", entity="device", entity_id=device,
                      summary="更换本机数据的恢复密钥（原恢复密钥作废）")
            access = StoreAccess(ctx)  # which also brings the keyring copies beside the backups up to date
            code = access.new_recovery_code()
    finally:
        if code is not None:  # in force from here on: shown even if the audit's commit failed
            _show_recovery_code(code, "已生成新的恢复密钥，原恢复密钥已作废。")
    for problem in access.problems:
        print(problem, file=sys.stderr)
    return 0


def _setup(args: argparse.Namespace, db: Path, state: str) -> int:
    if state == NEW:
        files = _setup_files(args)
        if files is None:
            return 2
        key, code = prepare_new_store(db, dt.datetime.now())
        done = False
        try:
            services = Services.open(db, key=key)
            try:
                _set_up(services, args, files)
            finally:
                services.close()
            done = True
        finally:
            if not done:  # nothing in it, and its recovery key was never shown: the next try starts afresh
                discard_unset_store(db)
        _show_recovery_code(code, "本机数据已加密保存。")
        return 0
    if state == ENCRYPTED and not _given(args):
        print("本机已有数据文件（已加密），不能重复设置。如需更换大厅，请备份后使用新的数据目录（--data）。",
              file=sys.stderr)
        return 2
    services = Services.open(db, key=_unlock(args, db) if state == ENCRYPTED else None)
    try:
        if services.is_set_up():
            print(SET_UP_ALREADY, file=sys.stderr)
            return 2
        files = _setup_files(args)
        if files is None:
            return 2
        _set_up(services, args, files)
        return 0
    finally:
        services.close()


def _setup_files(args: argparse.Namespace) -> tuple[Path, Path, str] | None:
    if args.demo:
        hall, catalogue = demo_files()
        return hall, catalogue, args.window or "01"
    if args.hall and args.catalogue and args.window:
        return args.hall, args.catalogue, args.window
    print("请给出大厅资料文件、事项目录文件和 --window 本机窗口号，或用 --demo 使用演示大厅。", file=sys.stderr)
    return None


def _set_up(services: Services, args: argparse.Namespace, files: tuple[Path, Path, str]) -> None:
    hall, catalogue, window = files
    machine = services.machine_settings().with_value("server_url", args.server)
    services.set_up(hall, catalogue, window, machine)
    print(f"已完成设置：{device_name(services.ctx)}。")


def _encrypt(args: argparse.Namespace, db: Path, state: str) -> int:
    if state == NEW:
        print("本机还没有数据文件，无需加密（首次设置时即加密保存）。", file=sys.stderr)
        return 2
    if state == ENCRYPTED:
        print("本机数据已加密保存，无需再加密。")
        return 0
    if _app_running(db, "加密"):
        return 2
    password = None
    if args.login:  # checked before anything changes
        password = _password(args.login)
        services = Services.open(db)
        try:
            services.auth.login(args.login, password)
        finally:
            services.close()
    result = encrypt_plain_store(db, dt.datetime.now())
    _show_recovery_code(result.recovery_code, "本机数据已加密保存。")
    print(f"已加密备份 {result.backups_encrypted} 份；已清除未加密的副本 {len(result.plain_removed)} 个"
          "（加密前的安全备份、恢复时留下的原数据文件等）。")
    for left in result.plain_left:
        print(f"未加密的副本未能删除，请手工删除：{left}", file=sys.stderr)
    if args.login and password is not None:
        services = Services.open(db, key=result.key)
        try:
            # which gives them a keyring entry, also in the copies beside the backups encrypted a moment ago
            services.auth.login(args.login, password)
        finally:
            services.close()
        print(f"{args.login} 此后可用自己的密码打开本机数据；其他员工在本机登录一次后，也可用自己的密码打开。")
    else:
        print("下次启动窗口工作台时，须由信息科输入上面的恢复密钥打开本机数据；此后员工在本机登录一次，"
              "即可用自己的密码打开。（加密时加 --login 登录名，该员工即可直接用密码打开。）")
    return 0


def _machine_command(args: argparse.Namespace, folder: Path) -> int:
    store = MachineSettingsStore(folder)
    settings = store.load()
    for problem in store.problems:
        print(problem, file=sys.stderr)
    if args.command == "machine-set":
        try:
            settings = settings.with_value(args.key, args.value)
            store.save(settings)
        except DomainError as exc:
            print(exc.message, file=sys.stderr)
            return 2
    for key, label in LABELS.items():
        value = getattr(settings, key)
        print(f"{key} = {'' if value is None else value}    # {label}{'' if value not in (None, '') else '：默认'}")
    return 0


def _file_command(args: argparse.Namespace, db: Path, state: str) -> int:
    """Commands that must not open (and so migrate or write) the store."""
    if args.command == "check":
        return _check(args, db, state)
    if args.command == "list-backups":
        return _list_backups(args, db, state)
    if _app_running(db, "执行恢复"):
        return 2
    return _restore(args, db, state)


def _check(args: argparse.Namespace, db: Path, state: str) -> int:
    if state == NEW:
        print("本机还没有数据文件。")
        return 0
    key = None
    if state == ENCRYPTED:
        if not keyring_path(db).exists():
            print(f"数据文件无法识别：已损坏，或是加密的数据文件而本机密钥文件 {KEYRING_NAME} 不见了"
                  "（请从备份目录 backups 复制回数据目录后再检查）。")
            return 1
        key = _unlock(args, db)
    report = check_integrity(db, key)
    print("数据文件完好。" if report.ok else f"数据文件已损坏：{report.detail}")
    return 0 if report.ok else 1


def _list_backups(args: argparse.Namespace, db: Path, state: str) -> int:
    folder = backup_folder(db)
    own = state != NEW and keyring_path(db).exists()
    key = _unlock(args, db if own else folder / DB_FILE) if _given(args) else None
    unchecked = False
    for path in list_backups(folder):
        if is_plain_store(path):
            print(path, "完好（未加密）" if check_integrity(path).ok else "损坏")
        elif key is not None:
            print(path, "完好" if check_integrity(path, key).ok else "损坏，或不是这份数据的备份")
        else:
            print(path, "已加密（未校验）")
            unchecked = True
    if unchecked:
        print("加 --login 登录名 或 --recovery-key 恢复密钥，可校验加密的备份。", file=sys.stderr)
    return 0


def _restore(args: argparse.Namespace, db: Path, state: str) -> int:
    backup: Path = args.file
    if not backup.is_file():
        print(f"找不到备份文件 {backup}。", file=sys.stderr)
        return 2
    key = None
    keyring_from = None  # the backup folder's keyring, to be put in place with the data
    if not is_plain_store(backup):
        if state != NEW and keyring_path(db).exists():
            key = _unlock(args, db)
        else:  # a new data folder (another PC's backup, a replaced disk): the keyring kept with the backups
            keyring_from = keyring_path(backup)
            key = _unlock(args, backup)
        if not check_integrity(backup, key).ok:
            print(f"备份文件 {backup.name} 用这份数据的密钥打不开：它已损坏，或不是这份数据的备份。"
                  "请选择其他备份；如要恢复另一台电脑的备份，请恢复到一个新的数据目录（--data）。", file=sys.stderr)
            return 2
    if keyring_from is not None:
        _put_keyring(keyring_from, db)
    kept = restore(backup, db, now=dt.datetime.now(), key=key)
    print(f"已恢复。原数据文件已保留为 {kept}")
    if key is None:
        print("注意：恢复的备份未加密。下次启动窗口工作台时将自动加密（届时显示新的恢复密钥）；"
              "也可运行 counter-desk-admin encrypt 立即加密。", file=sys.stderr)
    return 0


def _put_keyring(source: Path, db: Path) -> None:
    target = keyring_path(db)
    tmp = target.with_name(target.name + ".tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():  # left without its data file (a first run stopped half-way): kept aside
            os.replace(target, target.with_name(f"{target.name}.orphan-{dt.datetime.now():%Y%m%d-%H%M%S}"))
        shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise StorageError(f"密钥文件未能复制到数据目录（{exc}），未恢复。请检查数据目录的权限和磁盘空间。") from exc


def _show_month(services: Services, month: str) -> None:
    first = dt.date.fromisoformat(month + "-01")
    cal = services.ctx.calendar()
    day = first
    while day.month == first.month:
        mark = "上班" if cal.is_working_day(day) else "休息"
        print(f"{day.isoformat()} {'一二三四五六日'[day.weekday()]} {mark}")
        day += dt.timedelta(days=1)


if __name__ == "__main__":
    raise SystemExit(main())
