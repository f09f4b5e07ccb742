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
    counter-desk-admin machine-set printer "HP LaserJet"  # this PC: server_url printer idle_lock_minutes backup_keep
    counter-desk-admin machine-show
    counter-desk-admin verify-audit                       # the audit trail's hash chain, end to end
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from app.backup import backup_folder, backup_now, check_integrity, list_backups, restore
from app.calendar_service import CalendarService
from app.catalogue import load_catalogue, write_catalogue_xlsx
from app.context import Actor
from app.errors import DomainError
from app.machine_settings import LABELS, MachineSettingsStore
from app.paths import data_dir, database_path, running_app_pid
from app.services import Services
from app.setup import demo_files, device_name

# Whoever can run the command line on this PC can edit its data file anyway: it acts as the
# administrator with the business section's rights over reference data (catalogue, parameters).
ADMIN = Actor(None, "信息科（命令行）", roles=frozenset({"admin", "business"}))


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="counter-desk-admin", description="窗口工作台 管理命令")
    p.add_argument("--data", type=Path, help="数据目录（默认为用户数据目录）")
    sub = p.add_subparsers(dest="command", required=True)
    imp = sub.add_parser("import-catalogue", help="导入事项目录（JSON 或 Excel）")
    imp.add_argument("file", type=Path)
    exp = sub.add_parser("export-catalogue", help="导出事项目录为 Excel 模板")
    exp.add_argument("file", type=Path)
    cal = sub.add_parser("calendar-set", help="设置某日为工作日或休息日")
    cal.add_argument("day", type=dt.date.fromisoformat)
    cal.add_argument("kind", choices=["workday", "holiday"])
    cal.add_argument("name")
    par = sub.add_parser("set-parameter", help="设置大厅参数（如 idle_lock_minutes、seal_image、text.acceptance.body）")
    par.add_argument("key")
    par.add_argument("value")
    sub.add_parser("show-parameters", help="列出大厅参数")
    sub.add_parser("backup", help="立即备份数据文件（程序运行时也可执行）")
    sub.add_parser("list-backups", help="列出备份")
    res = sub.add_parser("restore", help="用备份恢复数据文件（须先退出窗口工作台）")
    res.add_argument("file", type=Path)
    sub.add_parser("check", help="检查数据文件是否完好")
    show = sub.add_parser("calendar-show", help="显示某月的工作日")
    show.add_argument("month", help="YYYY-MM")
    setup = sub.add_parser("setup", help="首次设置本机：大厅资料、事项目录、本机窗口号")
    setup.add_argument("hall", type=Path, nargs="?", help="大厅资料文件（counter-desk-hall/1，JSON）")
    setup.add_argument("catalogue", type=Path, nargs="?", help="事项目录（JSON 或 Excel）")
    setup.add_argument("--window", help="本机窗口号，如 03")
    setup.add_argument("--server", default="", help="中心服务器地址（可选）")
    setup.add_argument("--demo", action="store_true", help="使用演示大厅（试用、培训）")
    mset = sub.add_parser("machine-set", help="本机设置：" + "、".join(f"{k}（{v}）" for k, v in LABELS.items()))
    mset.add_argument("key", choices=list(LABELS))
    mset.add_argument("value", help="留空（\"\"）表示使用默认值")
    sub.add_parser("machine-show", help="列出本机设置")
    sub.add_parser("verify-audit", help="校验审计记录链（是否有记录被改动、删除或插入）；未通过时返回 1")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    db = database_path(data_dir(args.data))
    if args.command in ("restore", "check", "list-backups"):
        return _file_command(args, db)
    if args.command in ("machine-set", "machine-show"):
        return _machine_command(args, db.parent)
    try:
        services = Services.open(db)
    except DomainError as exc:
        print(exc.message, file=sys.stderr)
        return 2
    try:
        if args.command == "setup":
            return _setup(services, args)
        if args.command == "verify-audit":
            return _verify_audit(services)
        if not services.is_set_up():
            print("本机尚未完成首次设置：请启动窗口工作台按提示设置，或运行 counter-desk-admin setup。",
                  file=sys.stderr)
            return 2
        return _run(services, args)
    except DomainError as exc:
        print(exc.message, file=sys.stderr)
        return 2
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
        keep = services.backup_keep()
        path = backup_now(services.ctx.db.path, backup_folder(services.ctx.db.path), keep=keep,
                          now=services.ctx.clock.now())
        print(f"已备份到 {path}")
    elif args.command == "show-parameters":
        for key, value in sorted(services.ctx.parameters().items()):
            print(f"{key} = {value}")
    else:
        _show_month(services, args.month)
    return 0


def _verify_audit(services: Services) -> int:
    report = services.audit_chain.verify()
    print(report.describe())
    if report.broken is not None:
        intact = f"记录链第 1–{report.last_seq} 条完好。" if report.last_seq else ""
        print(intact + "请保留数据文件原样（先备份，勿修改），联系信息科。")
    print(f"用时 {report.seconds:.1f} 秒。")
    return 0 if report.ok else 1


def _setup(services: Services, args: argparse.Namespace) -> int:
    if services.is_set_up():
        print("本机已设置过，不能重复设置。如需更换大厅，请备份后使用新的数据目录（--data）。", file=sys.stderr)
        return 2
    if args.demo:
        hall, catalogue = demo_files()
        window = args.window or "01"
    elif args.hall and args.catalogue and args.window:
        hall, catalogue, window = args.hall, args.catalogue, args.window
    else:
        print("请给出大厅资料文件、事项目录文件和 --window 本机窗口号，或用 --demo 使用演示大厅。", file=sys.stderr)
        return 2
    machine = services.machine_settings().with_value("server_url", args.server)
    services.set_up(hall, catalogue, window, machine)
    print(f"已完成设置：{device_name(services.ctx)}。")
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


def _file_command(args: argparse.Namespace, db: Path) -> int:
    """Commands that must not open (and so migrate or write) the store."""
    if args.command == "check":
        report = check_integrity(db)
        print("数据文件完好。" if report.ok else f"数据文件已损坏：{report.detail}")
        return 0 if report.ok else 1
    if args.command == "list-backups":
        for path in list_backups(backup_folder(db)):
            print(path, "完好" if check_integrity(path).ok else "损坏")
        return 0
    pid = running_app_pid(db.parent)
    if pid is not None:
        print(f"窗口工作台正在使用这个数据目录（进程 {pid}）。请先退出程序，再执行恢复。", file=sys.stderr)
        return 2
    try:
        kept = restore(args.file, db, now=dt.datetime.now())
    except DomainError as exc:
        print(exc.message, file=sys.stderr)
        return 2
    print(f"已恢复。原数据文件已保留为 {kept}")
    return 0


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
