"""``counter-desk-admin``: reference-data chores for a hall's IT staff, no GUI needed.

    counter-desk-admin import-catalogue 事项目录.xlsx      # or .json (docs/catalogue-format.md)
    counter-desk-admin export-catalogue 事项目录.xlsx      # the current catalogue as an Excel template
    counter-desk-admin calendar-set 2026-12-31 holiday 本地停办
    counter-desk-admin calendar-show 2026-10
    counter-desk-admin set-parameter idle_lock_minutes 3
    counter-desk-admin set-parameter text.acceptance.body "……"   # hall wording of a notice block
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from app.calendar_service import CalendarService
from app.catalogue import load_catalogue, write_catalogue_xlsx
from app.context import Actor
from app.errors import DomainError
from app.paths import data_dir, database_path
from app.services import Services

ADMIN = Actor(None, "信息科（命令行）")


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
    show = sub.add_parser("calendar-show", help="显示某月的工作日")
    show.add_argument("month", help="YYYY-MM")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    services = Services.open_demo(database_path(data_dir(args.data)))
    try:
        return _run(services, args)
    except DomainError as exc:
        print(exc.message, file=sys.stderr)
        return 2
    finally:
        services.close()


def _run(services: Services, args: argparse.Namespace) -> int:
    if args.command == "import-catalogue":
        count = services.catalogue.import_catalogue(load_catalogue(args.file))
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
    elif args.command == "show-parameters":
        for key, value in sorted(services.ctx.parameters().items()):
            print(f"{key} = {value}")
    else:
        _show_month(services, args.month)
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
