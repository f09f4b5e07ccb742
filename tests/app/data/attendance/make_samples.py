"""Rebuilds the sample exports in this folder and resources/demo/attendance-machine-sample.csv.

Run from the checkout: ``.venv/bin/python tests/app/data/attendance/make_samples.py``. The files are
committed; the script only documents how they were made (deterministic, seeded)."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

HERE = Path(__file__).parent
ROOT = HERE.parents[3]


def zkteco_utf8_bom() -> None:
    """ZKTeco-style export: UTF-8 with BOM, comma, one date-time column, a verification mode."""
    lines = ["工号,姓名,部门,打卡时间,设备号,验证方式",
             "1001,张敏,市场监管局,2026-12-01 08:25:03,1,指纹",
             "1001,张敏,市场监管局,2026-12-01 12:01:10,1,指纹",
             "1007,王𬌗,自然资源局,2026/12/1 8:31,2,人脸",
             "1002,李强,市场监管局,2026.12.01 08:29,1,指纹",
             "1001,张敏,市场监管局,2026-12-01 08:25:03,1,指纹"]        # written twice by the terminal
    (HERE / "zkteco_utf8_bom.csv").write_bytes("\ufeff".encode() + "\r\n".join(lines).encode() + b"\r\n")


def gbk_tab_date_time() -> None:
    """An older vendor tool: GBK, tab separated, title line above the header, date and time in two
    columns, 工号 zero-padded; GBK has no 𬌗 so the tool wrote '?' for it."""
    lines = ["示范县政务服务中心 考勤记录 2026-12-01 至 2026-12-02",
             "考勤号码\t姓名\t日期\t时间\t机器号",
             "00001003\t王芳\t2026-12-01\t08:27:41\t3",
             "00001003\t王芳\t2026-12-01\t17:33:02\t3",
             "00001007\t王?\t2026/12/02\t8:20\t3",
             "00001004\t赵丽\t20261202\t082959\t3"]
    (HERE / "gbk_tab_date_time.csv").write_bytes("\r\n".join(lines).encode("gbk") + b"\r\n")


def demo_month() -> None:
    """The demo hall's terminal, 2026-12-01..04 (Tue-Fri): 4 punches a day for every staff member,
    some late or early, one forgotten noon punch, a repeated row, a former employee's 工号."""
    hall = json.loads((ROOT / "resources" / "demo" / "hall.json").read_text(encoding="utf-8"))
    staff = [(s["staff_no"], s["name"]) for s in hall["staff"]]
    rng = random.Random(12)
    due = ((8, 30, -12, 2), (12, 0, 0, 9), (14, 0, -14, 1), (17, 30, 0, 12))   # slot, jitter before/after
    rows = ["工号,姓名,部门,打卡时间,设备号,验证方式"]
    for day in range(1, 5):
        for no, name in staff:
            for k, (h, m, lo, hi) in enumerate(due):
                if (no, day, k) == ("1005", 2, 1):
                    continue                                   # forgot the noon punch
                at = dt.datetime(2026, 12, day, h, m) + dt.timedelta(seconds=rng.randint(lo * 60, hi * 60))
                if (no, day, k) == ("1008", 3, 0):
                    at = dt.datetime(2026, 12, day, 8, 42, 17)   # 12 minutes late
                if (no, day, k) == ("1010", 4, 3):
                    at = dt.datetime(2026, 12, day, 16, 55, 4)   # left 35 minutes early
                terminal = "1" if int(no) % 2 else "2"
                rows.append(f"{no},{name},,{at:%Y-%m-%d %H:%M:%S},{terminal},{rng.choice(('指纹', '指纹', '人脸'))}")
    rows.append(rows[5])                                        # the terminal wrote one row twice
    rows.append("1099,陈小明,,2026-12-01 08:21:40,1,指纹")       # left the hall, still enrolled
    target = ROOT / "resources" / "demo" / "attendance-machine-sample.csv"
    target.write_bytes("\ufeff".encode() + "\r\n".join(rows).encode() + b"\r\n")


if __name__ == "__main__":
    zkteco_utf8_bom()
    gbk_tab_date_time()
    demo_month()
