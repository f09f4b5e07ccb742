"""The papers of a case: which can be printed, their content, the archived PDFs, and the
audit of every print. A paper printed before comes out marked 补打 (reprint).

Rendering and saving run on a worker thread (ReportLab and the disk); nothing here blocks
the GUI. Errors: MissingGlyphs (a character no shipped font has), StorageError (disk).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import errno
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from app.authz import case_subject, require
from app.context import Actor, AppContext
from app.documents.model import TITLES, Issuer, ItemLine, NoticeData
from app.errors import InvalidInput, NotFound, StorageError
from app.pii import mask_id_number
from db.models import Case, Notice
from db.repositories import CaseRepository, JournalRepository, ReferenceRepository

DEFERRED_COPIES = ("申请人留存联", "存档联")
RATED_PAPERS = ("completion", "pickup")  # and the receipt when the hall's rating.after_receipt is "1"
PRINT_ACTIONS = ("notice.print", "notice.reprint")


@dataclass(frozen=True)
class Printable:
    """One paper of a case: a notice row, or the commitment that goes with a 容缺 notice."""

    notice_id: str
    kind: str
    title: str
    number: str
    issued_at: dt.datetime
    times_printed: int


@dataclass(frozen=True)
class PreparedDocument:
    notice_id: str
    kind: str
    title: str
    number: str
    path: Path  # the archived file (sealed, ….pdf.enc, on an encrypted store)
    reprint: bool
    pdf: bytes = b""  # the rendered PDF itself: what is previewed and printed


class NoticeService:
    def __init__(self, ctx: AppContext, archive: Path | None = None) -> None:
        self.ctx = ctx
        self.archive = archive or ctx.db.path.parent / "pdf"

    def printables(self, case_id: str) -> list[Printable]:
        with self.ctx.db.read() as s:
            counts = _print_counts(s, case_id)
            out = []
            for n in CaseRepository(s).notices(case_id):
                kinds = [n.kind, "commitment"] if n.kind == "deferred" else [n.kind]
                out += [Printable(n.id, k, TITLES[k], n.number, n.issued_at, counts.get((n.id, k), 0)) for k in kinds]
            return out

    def notice_data(self, notice_id: str, kind: str, *, reprint: bool) -> NoticeData:
        with self.ctx.db.read() as s:
            notice = s.get(Notice, notice_id)
            if notice is None:
                raise NotFound("找不到该文书。")
            case = CaseRepository(s).get(notice.case_id)
            assert case is not None
            data = _build(s, case, notice, kind, reprint, self._texts())
        return dataclasses.replace(data, **_rating_invite(self.ctx.parameters(), kind, data.query_code))

    def prepare(self, actor: Actor, notice_id: str, kind: str) -> PreparedDocument:
        """Render (marked 补打 if printed before) and keep the PDF in the archive folder. Only for
        someone who may print (or reprint) the case's papers."""
        from app.documents.archive import write_archived
        from app.documents.pdf import render_pdf

        with self.ctx.db.read() as s:
            reprint = _print_counts(s, None, notice_id).get((notice_id, kind), 0) > 0
            notice = s.get(Notice, notice_id)
            case = CaseRepository(s).get(notice.case_id) if notice else None
            if case is None:
                raise NotFound("找不到该文书。")
            require(s, actor, "notice.reprint" if reprint else "notice.print", case_subject(s, case))
            if notice is not None and notice.void:
                raise InvalidInput(f"文书 {notice.number} 已作废（作废号登记），不能再打印；请打印重新出具的文书。",
                                   field="print")
        data = self.notice_data(notice_id, kind, reprint=reprint)
        pdf = render_pdf(data)
        name = f"{data.number}-{kind}" + ("-补打-" + self.ctx.clock.now().strftime("%Y%m%d%H%M%S") if reprint else "")
        path = write_archived(self.archive / str(data.issued_on.year) / f"{name}.pdf", pdf, self.ctx.db.key)
        return PreparedDocument(notice_id, kind, TITLES[kind], data.number, path, reprint, pdf)

    def record_print(self, actor: Actor, doc: PreparedDocument, target: str) -> None:
        """Audit a finished print (who, when, where to); a reprint is audited as such."""
        action = "notice.reprint" if doc.reprint else "notice.print"
        verb = "补打" if doc.reprint else "打印"
        with self.ctx.action() as s:
            notice = s.get(Notice, doc.notice_id)
            case = CaseRepository(s).get(notice.case_id) if notice else None
            if case is not None:
                require(s, actor, action, case_subject(s, case))
            self.ctx.audit(s, actor, action=action, entity="notice", entity_id=doc.notice_id,
                           case_id=notice.case_id if notice else None, summary=f"{verb}《{doc.title}》{doc.number}",
                           detail={"kind": doc.kind, "target": target, "file": str(doc.path)})

    def _texts(self) -> dict[str, str]:
        prefix = "text."
        return {k[len(prefix):]: v for k, v in self.ctx.parameters().items() if k.startswith(prefix)}


def _print_counts(s: Session, case_id: str | None, notice_id: str | None = None) -> dict[tuple[str, str], int]:
    events = JournalRepository(s).print_events(case_id=case_id, notice_id=notice_id, actions=PRINT_ACTIONS)
    counts: dict[tuple[str, str], int] = {}
    for e in events:
        key = (e.entity_id, str(e.detail.get("kind", "")))
        counts[key] = counts.get(key, 0) + 1
    return counts


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``path`` whole or not at all (a temporary file beside it, flushed, then renamed)."""
    # a name of its own per writer: two renders of one paper meeting (two previews, a preview and a
    # print) must not move each other's half-written file away
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        if exc.errno == errno.ENOSPC:
            raise StorageError("磁盘已满，通知书PDF无法保存。受理决定已保存，请清理磁盘后重新打印。") from exc
        raise StorageError(f"通知书PDF无法保存（{exc.strerror}）。受理决定已保存，请联系信息科后重新打印。") from exc


def _issuer(s: Session, case: Case) -> Issuer:
    ref = ReferenceRepository(s)
    hall = ref.hall(case.hall_id)
    window = ref.window(case.window_id)
    assert hall is not None
    seal = ref.parameters().get("seal_image") or None
    return Issuer(
        hall_name=hall.name, agency_name=hall.agency_name or hall.name,
        window_label=f"{window.number}号窗口（{window.name}）" if window else "", phone=hall.phone,
        complaint_phone=hall.complaint_phone, address=hall.address, seal_image=seal,
    )


def _rating_invite(params: dict[str, str], kind: str, query_code: str) -> dict[str, Any]:
    """Whether the paper asks for a rating, and the phone page it points to (hall parameter
    rating.public_url: the central server's address as applicants reach it; empty: no QR code)."""
    if kind not in RATED_PAPERS and not (kind == "receipt" and params.get("rating.after_receipt") == "1"):
        return {}
    base = params.get("rating.public_url", "").strip().rstrip("/")
    return {"rating_invite": True, "rating_url": f"{base}/r/{query_code}" if base else ""}


def _items(payload: dict[str, Any]) -> tuple[ItemLine, ...]:
    return tuple(
        ItemLine(name=str(i["name"]), status=str(i.get("status", "")), originals=int(i.get("originals", 0)),
                 copies=int(i.get("copies", 0)), note=str(i.get("note", "")))
        for i in payload.get("items", [])
    )


def _build(s: Session, case: Case, notice: Notice, kind: str, reprint: bool, texts: dict[str, str]) -> NoticeData:
    p = notice.payload
    deadline = p.get("supply_deadline")
    return NoticeData(
        kind=kind, number=notice.number, case_number=case.number, query_code=case.query_code,
        issuer=_issuer(s, case), matter_name=case.matter_name, applicant_name=case.applicant_name,
        applicant_id_masked=mask_id_number(case.applicant_id_number), received_at=case.received_at,
        issued_on=notice.issued_at.date(), accepted_on=case.accepted_on, due_date=case.due_date,
        items=_items(p), reasons=str(p.get("reason", "")), legal_basis=str(p.get("legal_basis", "")),
        redirect_to=str(p.get("redirect_to", "")),
        supply_deadline=dt.date.fromisoformat(deadline) if deadline else case.deferred_due,
        note=str(p.get("note", "")), result=case.result, approved=case.approved,
        recipient_name=case.recipient_name, recipient_id_masked=mask_id_number(case.recipient_id_number),
        delivered_at=case.delivered_at, reprint=reprint,
        copy_labels=DEFERRED_COPIES if kind == "deferred" else (), texts=texts,
    )
