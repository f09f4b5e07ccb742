"""Render one of each paper to PDF (and PNG with pdftoppm) for looking at them.

    .venv/bin/python tools/render_samples.py /tmp/docs
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

from app.documents.model import TITLES, Issuer, ItemLine, NoticeData
from app.documents.pdf import render_pdf

ISSUER = Issuer(hall_name="示范县政务服务中心", agency_name="示范县行政审批局",
                window_label="01号窗口（市场监管综合窗口）", phone="0571-86601101", complaint_phone="12345",
                address="示范县人民路1号")
ITEMS = (
    ItemLine("企业变更登记（备案）申请书", "received", 1, 0),
    ItemLine("依法作出的变更决议或决定", "defective", 1, 0, "决议未经全体股东签字"),
    ItemLine("营业执照正、副本", "missing", 1, 0),
    ItemLine("变更事项相关证明文件", "deferred", 0, 1, "住所使用证明可容缺后补"),
)


def sample(kind: str, **extra: object) -> NoticeData:
    base = dict(
        kind=kind, number=f"DEMO-2026-XX{hash(kind) % 1000:06d}", case_number="DEMO-2026C000123",
        query_code="K7M2QX9PRT", issuer=ISSUER, matter_name="营业执照变更登记（企业）", applicant_name="王𬌗",
        applicant_id_masked="110105********002X", received_at=dt.datetime(2026, 3, 2, 9, 30),
        issued_on=dt.date(2026, 3, 2), accepted_on=dt.date(2026, 3, 2), due_date=dt.date(2026, 3, 9), items=ITEMS,
        reasons="申请事项属于省级行政审批权限，不属于本机关职权范围。",
        legal_basis="《中华人民共和国行政许可法》第三十二条第一款第（二）项", redirect_to="省市场监督管理局",
        supply_deadline=dt.date(2026, 3, 6), note="复印件须加盖单位公章。", result="准予变更登记，换发营业执照。",
        approved=True, recipient_name="王𬌗", recipient_id_masked="110105********002X",
        delivered_at=dt.datetime(2026, 3, 9, 15, 5),
    )
    base.update(extra)
    return NoticeData(**base)  # type: ignore[arg-type]


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for kind in TITLES:
        extra: dict[str, object] = {"copy_labels": ("申请人留存联", "存档联")} if kind == "deferred" else {}
        if kind == "deferred" or kind == "commitment":
            extra["items"] = tuple(i for i in ITEMS if i.status == "deferred")
        if kind == "correction":
            extra["items"] = tuple(i for i in ITEMS if i.status in ("missing", "defective"))
        pdf = out / f"{kind}.pdf"
        pdf.write_bytes(render_pdf(sample(kind, **extra)))
        subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf), str(out / kind)], check=True)
    (out / "reprint.pdf").write_bytes(render_pdf(sample("acceptance", reprint=True)))
    print("written to", out)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/docs"))
