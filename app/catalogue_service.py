"""The service catalogue as the intake screen uses it: list, find (also by pinyin), import."""

from __future__ import annotations

import threading

from sqlalchemy.orm import Session

from app.authz import require
from app.catalogue import Catalogue, DepartmentSpec, MaterialSpec, MatterSpec
from app.context import Actor, AppContext
from app.dto import MaterialTemplate, MatterDetail, MatterSummary
from app.errors import NotFound
from app.ids import uuid7
from app.pinyin import matches, pinyin_keys
from db.models import Department, Matter, MatterMaterial
from db.repositories import ReferenceRepository


class CatalogueService:
    """Matters are few (hundreds) and read all day: kept in memory after the first read."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self._cache: list[MatterSummary] | None = None
        self._lock = threading.Lock()

    def matters(self) -> list[MatterSummary]:
        with self._lock:
            if self._cache is None:
                with self.ctx.db.read() as s:
                    ref = ReferenceRepository(s)
                    depts = ref.departments()
                    self._cache = [_summary(m, depts) for m in ref.matters()]
            return list(self._cache)

    def reload(self) -> None:
        """Forget the cached list (the catalogue changed underneath, e.g. pulled from the server)."""
        with self._lock:
            self._cache = None

    def find(self, query: str, department: str = "") -> list[MatterSummary]:
        """By name substring, matter code, or pinyin initials/full pinyin (``yyzz`` → 营业执照)."""
        q = query.strip().lower()
        out = []
        for m in self.matters():
            if department and m.department_name != department:
                continue
            if not q or q in m.code.lower() or matches(q, m.name, m.pinyin_initials, m.pinyin_full):
                out.append(m)
        return out

    def departments(self) -> list[str]:
        return sorted({m.department_name for m in self.matters()})

    def detail(self, matter_id: str) -> MatterDetail:
        with self.ctx.db.read() as s:
            ref = ReferenceRepository(s)
            m = ref.matter(matter_id)
            if m is None:
                raise NotFound("找不到该事项。")
            return MatterDetail(
                summary=_summary(m, ref.departments()), legal_basis=m.legal_basis,
                conditions=m.conditions, procedure=m.procedure, fee=m.fee, fee_basis=m.fee_basis,
                consult_phone=m.consult_phone, complaint_phone=m.complaint_phone,
                materials=tuple(
                    MaterialTemplate(x.id, x.seq, x.name, x.originals, x.copies, x.is_main,
                                     x.deferrable, x.notes)
                    for x in m.materials
                ),
            )

    def export_catalogue(self) -> Catalogue:
        """The active catalogue in the import format (round-trips through import_catalogue)."""
        with self.ctx.db.read() as s:
            ref = ReferenceRepository(s)
            depts = ref.departments()
            return Catalogue(
                departments=tuple(DepartmentSpec(d.code, d.name) for d in depts.values()),
                matters=tuple(_spec(m, depts[m.department_id].code) for m in ref.matters()),
            )

    def import_catalogue(self, actor: Actor, cat: Catalogue) -> int:
        """Upsert departments and matters by code; returns the number of matters written. Audited."""
        with self.ctx.action() as s:
            require(s, actor, "catalogue.import")
            write_catalogue(s, cat)
            self.ctx.audit(s, actor, action="catalogue.import", entity="catalogue", entity_id="catalogue",
                           summary=f"导入事项目录：{len(cat.departments)} 个部门，{len(cat.matters)} 个事项")
        self.reload()
        return len(cat.matters)


def write_catalogue(s: Session, cat: Catalogue) -> None:
    """Upsert ``cat`` in the caller's transaction (first-run setup writes it with the hall)."""
    ref = ReferenceRepository(s)
    dept_ids: dict[str, str] = {}
    for d in cat.departments:
        row = ref.department_by_code(d.code)
        if row is None:
            row = Department(id=uuid7(), code=d.code, name=d.name)
            s.add(row)
        row.name = d.name
        dept_ids[d.code] = row.id
    for spec in cat.matters:
        _upsert_matter(ref, spec, dept_ids[spec.department_code])


def _spec(m: Matter, dept_code: str) -> MatterSpec:
    return MatterSpec(
        code=m.code, name=m.name, department_code=dept_code, case_type=m.case_type, legal_basis=m.legal_basis,
        conditions=m.conditions, procedure=m.procedure, statutory_days=m.statutory_days,
        promised_days=m.promised_days, fee=m.fee, fee_basis=m.fee_basis, consult_phone=m.consult_phone,
        complaint_phone=m.complaint_phone, allows_deferral=m.allows_deferral,
        materials=tuple(MaterialSpec(x.name, x.originals, x.copies, x.is_main, x.deferrable, x.notes)
                        for x in m.materials),
    )


def _upsert_matter(ref: ReferenceRepository, spec: MatterSpec, dept_id: str) -> None:
    row = ref.matter_by_code(spec.code)
    if row is None:
        row = Matter(id=uuid7(), code=spec.code)
        ref.add_all([row])
    initials, full = pinyin_keys(spec.name)
    row.name, row.department_id, row.case_type = spec.name, dept_id, spec.case_type
    row.legal_basis, row.conditions, row.procedure = spec.legal_basis, spec.conditions, spec.procedure
    row.statutory_days, row.promised_days = spec.statutory_days, spec.promised_days
    row.fee, row.fee_basis = spec.fee, spec.fee_basis
    row.consult_phone, row.complaint_phone = spec.consult_phone, spec.complaint_phone
    row.allows_deferral, row.pinyin_initials, row.pinyin_full = spec.allows_deferral, initials, full
    row.active = True
    row.materials.clear()
    for i, m in enumerate(spec.materials, start=1):
        row.materials.append(MatterMaterial(
            id=uuid7(), seq=i, name=m.name, originals=m.originals, copies=m.copies,
            is_main=m.is_main, deferrable=m.deferrable, notes=m.notes,
        ))


def _summary(m: Matter, depts: dict[str, Department]) -> MatterSummary:
    dept = depts.get(m.department_id)
    return MatterSummary(
        id=m.id, code=m.code, name=m.name, department_name=dept.name if dept else "",
        case_type=m.case_type, statutory_days=m.statutory_days, promised_days=m.promised_days,
        allows_deferral=m.allows_deferral, pinyin_initials=m.pinyin_initials,
        pinyin_full=m.pinyin_full,
    )
