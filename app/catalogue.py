"""Service catalogue (事项目录): parse, validate and export the matters a hall handles.

Qt-free and database-free. A catalogue is read from JSON (``counter-desk-catalogue/1``) or from
an Excel workbook with the sheets 部门 / 事项 / 材料, and comes back as frozen dataclasses.
Every problem in the file is collected and reported at once in one :class:`CatalogueError`,
written in Chinese for the hall administrator. See ``docs/catalogue-format.md``.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.errors import InvalidInput

__all__ = [
    "CASE_TYPES",
    "CASE_TYPE_LABELS",
    "FORMAT",
    "Catalogue",
    "CatalogueError",
    "DepartmentSpec",
    "MaterialSpec",
    "MatterSpec",
    "default_promised_days",
    "load_catalogue",
    "parse_catalogue_json",
    "parse_catalogue_xlsx",
    "write_catalogue_xlsx",
]

FORMAT = "counter-desk-catalogue/1"

CASE_TYPES = ("immediate", "promised", "joint", "referred")  # 即办件, 承诺件, 联办件, 上报件
CASE_TYPE_LABELS: Mapping[str, str] = {
    "immediate": "即办件",
    "promised": "承诺件",
    "joint": "联办件",
    "referred": "上报件",
}
_CASE_TYPE_BY_LABEL = {label: code for code, label in CASE_TYPE_LABELS.items()}

MAX_LISTED_ERRORS = 20

_TRUE_WORDS = frozenset({"是", "y", "yes", "true", "1"})
_FALSE_WORDS = frozenset({"否", "n", "no", "false", "0"})


# --- public data ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MaterialSpec:
    """One item of a matter's material list (申请材料)."""

    name: str
    originals: int
    copies: int
    is_main: bool  # 主审要件: cannot be deferred
    deferrable: bool  # 可容缺: may be handed in after acceptance
    notes: str = ""


@dataclass(frozen=True)
class MatterSpec:
    """A matter of the catalogue with its published guide (办事指南). Days are working days."""

    code: str
    name: str
    department_code: str
    case_type: str  # one of CASE_TYPES
    legal_basis: str
    conditions: str
    procedure: str
    statutory_days: int
    promised_days: int
    fee: str
    fee_basis: str
    consult_phone: str
    complaint_phone: str
    allows_deferral: bool
    materials: tuple[MaterialSpec, ...]


@dataclass(frozen=True)
class DepartmentSpec:
    code: str
    name: str


@dataclass(frozen=True)
class Catalogue:
    departments: tuple[DepartmentSpec, ...]
    matters: tuple[MatterSpec, ...]


class CatalogueError(InvalidInput):
    """The catalogue file is unreadable or breaks a rule; ``errors`` lists every problem."""

    def __init__(self, message: str, *, field: str | None = None, errors: Sequence[str] = ()) -> None:
        super().__init__(message, field=field)
        self.errors: tuple[str, ...] = tuple(errors) or (message,)

    @classmethod
    def from_errors(cls, errors: Sequence[str]) -> CatalogueError:
        """One error whose message lists at most MAX_LISTED_ERRORS of ``errors``."""
        if len(errors) == 1:
            return cls(f"事项目录有错误：{errors[0]}", errors=errors)
        lines = [f"事项目录有 {len(errors)} 处错误："]
        lines += [f"{i}. {e}" for i, e in enumerate(errors[:MAX_LISTED_ERRORS], 1)]
        if len(errors) > MAX_LISTED_ERRORS:
            lines.append(f"……另有 {len(errors) - MAX_LISTED_ERRORS} 处错误未列出")
        return cls("\n".join(lines), errors=errors)


def default_promised_days(statutory_days: int) -> int:
    """The promised limit when a matter gives none: the statutory limit cut by a third.

    ``statutory * 2 // 3`` (rounded down, so the cut is at least a third): 20 -> 13, 30 -> 20.
    """
    return max(statutory_days, 0) * 2 // 3


# --- field labels (also the Excel column headers) -------------------------------------------

_DEPT_COLUMNS: Mapping[str, str] = {"code": "部门编码", "name": "部门名称"}
_MATTER_COLUMNS: Mapping[str, str] = {
    "code": "事项编码",
    "name": "事项名称",
    "department_code": "部门编码",
    "case_type": "办件类型",
    "statutory_days": "法定时限",
    "promised_days": "承诺时限",
    "fee": "收费标准",
    "fee_basis": "收费依据",
    "legal_basis": "设定依据",
    "conditions": "受理条件",
    "procedure": "办理流程",
    "consult_phone": "咨询电话",
    "complaint_phone": "投诉电话",
    "allows_deferral": "容缺受理",
}
_MATERIAL_COLUMNS: Mapping[str, str] = {
    "matter_code": "事项编码",
    "seq": "序号",
    "name": "材料名称",
    "originals": "原件份数",
    "copies": "复印件份数",
    "is_main": "主审要件",
    "deferrable": "可容缺",
    "notes": "备注",
}
# Header text written to the template; reading ignores the parenthesised hint.
_HEADER_HINTS: Mapping[str, str] = {"主审要件": "主审要件(是/否)", "可容缺": "可容缺(是/否)"}

_SHEET_DEPTS, _SHEET_MATTERS, _SHEET_MATERIALS = "部门", "事项", "材料"


# --- raw records and coercion ---------------------------------------------------------------


@dataclass
class _Raw:
    """A record as read from the file, before coercion.

    ``ref`` names it when it has no code ("第 3 个事项"); ``location`` is the Excel row, if any.
    """

    values: Mapping[str, object]
    ref: str
    location: str = ""
    children: list[_Raw] = field(default_factory=list)


def _then(who: str, text: str) -> str:
    """``who`` then ``text``, spaced after Latin text only: "事项 MSC-001 的", "第 3 行的"."""
    return f"{who} {text}" if who[-1:].isascii() else f"{who}{text}"


def _of(who: str) -> str:
    return _then(who, "的")


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _plain_text(value: object) -> str:
    """Text of a cell or JSON scalar; Excel numbers such as 12345.0 lose the ``.0``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


class _Reader:
    """Coerces the fields of one raw record, appending a message per bad field to ``errors``."""

    def __init__(self, raw: _Raw, who: str, labels: Mapping[str, str], errors: list[str]) -> None:
        self.raw, self.who, self.labels, self.errors = raw, who, labels, errors

    def blank(self, key: str) -> bool:
        return _is_blank(self.raw.values.get(key))

    def bad(self, key: str, expected: str) -> None:
        value = _plain_text(self.raw.values.get(key))
        self.errors.append(f"{_of(self.who)}“{self.labels[key]}”应为{expected}，现为“{value}”")

    def text(self, key: str, default: str = "") -> str:
        value = self.raw.values.get(key)
        if _is_blank(value):
            return default
        if isinstance(value, (list, dict)):
            self.bad(key, "文本")
            return default
        return _plain_text(value)

    def integer(self, key: str) -> int | None:
        """The value as an int; None when blank or invalid (invalid is reported)."""
        value = self.raw.values.get(key)
        if _is_blank(value):
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value.strip()):
            return int(value.strip())
        self.bad(key, "整数")
        return None

    def flag(self, key: str, default: bool | None) -> bool | None:
        """是/否, Y/N, true/false or 1/0; ``default`` when blank, None when invalid."""
        value = self.raw.values.get(key)
        if _is_blank(value):
            return default
        if isinstance(value, bool):
            return value
        word = _plain_text(value).lower()
        if word in _TRUE_WORDS or word in _FALSE_WORDS:
            return word in _TRUE_WORDS
        self.bad(key, "“是”或“否”")
        return None


# --- drafts: coerced records that may still break rules -------------------------------------


@dataclass
class _DepartmentDraft:
    who: str
    code: str
    name: str


@dataclass
class _MaterialDraft:
    who: str
    name: str
    originals: int | None
    copies: int | None
    is_main: bool | None
    deferrable: bool | None
    notes: str


@dataclass
class _MatterDraft:
    who: str
    texts: dict[str, str]
    case_type: str | None
    statutory_days: int | None
    promised_days: int | None
    allows_deferral: bool | None
    materials: list[_MaterialDraft]

    @property
    def code(self) -> str:
        return self.texts["code"]


_MATTER_TEXTS = (
    "code",
    "name",
    "department_code",
    "legal_basis",
    "conditions",
    "procedure",
    "fee",
    "fee_basis",
    "consult_phone",
    "complaint_phone",
)


def _who(raw: _Raw, kind: str, code: str) -> str:
    """How messages name a record: "事项 MSC-001（“事项”表第 5 行）" or its ``ref``."""
    if not code:
        return raw.location or raw.ref
    return f"{kind} {code}（{raw.location}）" if raw.location else f"{kind} {code}"


def _draft_department(raw: _Raw, errors: list[str]) -> _DepartmentDraft:
    code = _plain_text(raw.values.get("code"))
    reader = _Reader(raw, _who(raw, "部门", code), _DEPT_COLUMNS, errors)
    return _DepartmentDraft(reader.who, reader.text("code"), reader.text("name"))


def _draft_case_type(reader: _Reader) -> str | None:
    text = reader.text("case_type")
    if not text:
        reader.errors.append(f"{_of(reader.who)}“办件类型”不能为空")
        return None
    code = _CASE_TYPE_BY_LABEL.get(text, text.lower())
    if code in CASE_TYPES:
        return code
    reader.bad("case_type", "即办件、承诺件、联办件或上报件")
    return None


def _draft_days(reader: _Reader, case_type: str | None) -> tuple[int | None, int | None]:
    """Statutory and promised days, applying the defaults for blank values."""
    statutory = reader.integer("statutory_days")
    if reader.blank("statutory_days"):
        if case_type == "immediate":
            statutory = 0
        elif case_type is not None:
            reader.errors.append(f"{_of(reader.who)}“法定时限”不能为空")
    promised = reader.integer("promised_days")
    if reader.blank("promised_days"):
        if case_type == "immediate":
            promised = 0
        elif statutory is not None:
            promised = default_promised_days(statutory)
    return statutory, promised


def _draft_material(raw: _Raw, matter_short: str, errors: list[str]) -> _MaterialDraft:
    name = _plain_text(raw.values.get("name"))
    who = f"{_of(matter_short)}{raw.ref}" + (f"“{name}”" if name else "")
    who += f"（{raw.location}）" if raw.location else ""
    reader = _Reader(raw, who, _MATERIAL_COLUMNS, errors)
    deferrable = reader.flag("deferrable", False)
    return _MaterialDraft(
        who=who,
        name=reader.text("name"),
        originals=reader.integer("originals") if not reader.blank("originals") else 0,
        copies=reader.integer("copies") if not reader.blank("copies") else 0,
        is_main=reader.flag("is_main", None if deferrable is None else not deferrable),
        deferrable=deferrable,
        notes=reader.text("notes"),
    )


def _draft_matter(raw: _Raw, errors: list[str]) -> _MatterDraft:
    code = _plain_text(raw.values.get("code"))
    reader = _Reader(raw, _who(raw, "事项", code), _MATTER_COLUMNS, errors)
    texts = {key: reader.text(key) for key in _MATTER_TEXTS}
    texts["fee"] = texts["fee"] or "不收费"
    case_type = _draft_case_type(reader)
    statutory, promised = _draft_days(reader, case_type)
    allows = reader.flag("allows_deferral", False)
    short = f"事项 {code}" if code else reader.who
    materials = [_draft_material(child, short, errors) for child in raw.children]
    return _MatterDraft(reader.who, texts, case_type, statutory, promised, allows, materials)


# --- rules ----------------------------------------------------------------------------------


def _check_departments(departments: Sequence[_DepartmentDraft]) -> Iterator[str]:
    seen: set[str] = set()
    for dept in departments:
        for key, value in (("code", dept.code), ("name", dept.name)):
            if not value:
                yield f"{_of(dept.who)}“{_DEPT_COLUMNS[key]}”不能为空"
        if dept.code in seen:
            yield f"部门编码“{dept.code}”重复"
        seen.add(dept.code)


def _check_required(matter: _MatterDraft) -> Iterator[str]:
    for key in ("code", "name", "department_code"):  # 办件类型 is checked while coercing
        if not matter.texts[key]:
            yield f"{_of(matter.who)}“{_MATTER_COLUMNS[key]}”不能为空"
    if not matter.materials:
        yield _then(matter.who, "没有申请材料，至少需要一项")


def _check_days(matter: _MatterDraft) -> Iterator[str]:
    statutory, promised = matter.statutory_days, matter.promised_days
    for key, value in (("statutory_days", statutory), ("promised_days", promised)):
        if value is not None and value < 0:
            yield f"{_of(matter.who)}“{_MATTER_COLUMNS[key]}”不能为负数"
    if statutory is not None and promised is not None and 0 <= statutory < promised:
        yield (f"{_of(matter.who)}“承诺时限”不能超过法定时限（承诺 {promised} 个工作日，法定 {statutory} 个工作日）")
    if matter.case_type == "immediate" and promised:
        yield _then(matter.who, "是即办件，“承诺时限”应为 0")


def _check_material(material: _MaterialDraft) -> Iterator[str]:
    if not material.name:
        yield f"{_of(material.who)}“材料名称”不能为空"
    for key, value in (("originals", material.originals), ("copies", material.copies)):
        if value is not None and value < 0:
            yield f"{_of(material.who)}“{_MATERIAL_COLUMNS[key]}”不能为负数"
    if material.originals == 0 and material.copies == 0:  # negatives are reported above
        yield _then(material.who, "的原件份数与复印件份数合计至少为 1")
    if material.deferrable and material.is_main:
        yield _then(material.who, "是主审要件，不能设为可容缺")


def _check_deferral(matter: _MatterDraft) -> Iterator[str]:
    any_deferrable = any(m.deferrable for m in matter.materials)
    if any_deferrable and matter.allows_deferral is False:
        yield _then(matter.who, "有可容缺材料，“容缺受理”应为“是”")
    if matter.allows_deferral and matter.materials and not any_deferrable:
        yield _then(matter.who, "允许容缺受理，但没有一项材料设为可容缺")


def _check_matter(matter: _MatterDraft, department_codes: set[str], seen_codes: set[str]) -> Iterator[str]:
    yield from _check_required(matter)
    dept = matter.texts["department_code"]
    if dept and dept not in department_codes:
        yield f"{_of(matter.who)}部门编码“{dept}”不在部门列表中"
    if matter.code and matter.code in seen_codes:
        yield f"{_of(matter.who)}事项编码与前面的事项重复"
    seen_codes.add(matter.code)
    yield from _check_days(matter)
    for material in matter.materials:
        yield from _check_material(material)
    yield from _check_deferral(matter)


# --- assembling -----------------------------------------------------------------------------


def _finish_matter(draft: _MatterDraft) -> MatterSpec:
    """The spec of a draft that passed every rule (so no field is None)."""
    materials = tuple(
        MaterialSpec(
            name=m.name,
            originals=m.originals or 0,
            copies=m.copies or 0,
            is_main=bool(m.is_main),
            deferrable=bool(m.deferrable),
            notes=m.notes,
        )
        for m in draft.materials
    )
    t = draft.texts
    return MatterSpec(
        code=t["code"],
        name=t["name"],
        department_code=t["department_code"],
        case_type=draft.case_type or "",
        legal_basis=t["legal_basis"],
        conditions=t["conditions"],
        procedure=t["procedure"],
        statutory_days=draft.statutory_days or 0,
        promised_days=draft.promised_days or 0,
        fee=t["fee"],
        fee_basis=t["fee_basis"],
        consult_phone=t["consult_phone"],
        complaint_phone=t["complaint_phone"],
        allows_deferral=bool(draft.allows_deferral),
        materials=materials,
    )


def _build(dept_raws: Sequence[_Raw], matter_raws: Sequence[_Raw], errors: list[str]) -> Catalogue:
    """Coerce and check every record; raise one CatalogueError listing all problems."""
    departments = [_draft_department(raw, errors) for raw in dept_raws]
    errors.extend(_check_departments(departments))
    department_codes = {d.code for d in departments if d.code}
    seen: set[str] = set()
    matters: list[_MatterDraft] = []
    for raw in matter_raws:
        matter = _draft_matter(raw, errors)
        errors.extend(_check_matter(matter, department_codes, seen))
        matters.append(matter)
    if not matter_raws and not errors:
        errors.append("事项目录中没有任何事项")
    if errors:
        raise CatalogueError.from_errors(errors)
    return Catalogue(
        departments=tuple(DepartmentSpec(d.code, d.name) for d in departments),
        matters=tuple(_finish_matter(m) for m in matters),
    )


# --- JSON -----------------------------------------------------------------------------------


def _json_objects(value: object, what: str, unit: str, errors: list[str]) -> list[_Raw]:
    """The objects of a JSON list as raw records named "第 N {unit}"."""
    if value is None:
        return []
    if not isinstance(value, list):
        errors.append(f"{what}应为 JSON 数组")
        return []
    records: list[_Raw] = []
    for i, item in enumerate(value, 1):
        if isinstance(item, dict):
            records.append(_Raw(values=item, ref=f"第 {i} {unit}"))
        else:
            errors.append(f"{what}的第 {i} {unit}应为 JSON 对象")
    return records


def parse_catalogue_json(data: Mapping[str, Any]) -> Catalogue:
    """A catalogue from the decoded ``counter-desk-catalogue/1`` JSON document."""
    if not isinstance(data, Mapping):
        raise CatalogueError("事项目录文件的内容应为 JSON 对象")
    if data.get("format") != FORMAT:
        raise CatalogueError(f"不是 Counter Desk 事项目录文件（“format”应为“{FORMAT}”）")
    errors: list[str] = []
    departments = _json_objects(data.get("departments"), "部门列表", "个部门", errors)
    matters = _json_objects(data.get("matters"), "事项列表", "个事项", errors)
    for matter in matters:
        code = _plain_text(matter.values.get("code"))
        where = f"事项 {code} " if code else matter.ref
        materials = matter.values.get("materials")
        matter.children = _json_objects(materials, f"{where}的材料列表", "项材料", errors)
    return _build(departments, matters, errors)


# --- Excel ----------------------------------------------------------------------------------


def _normalise_header(value: object) -> str:
    """A header without its hint, spaces or required-marker *: 主审要件(是/否) -> 主审要件."""
    return re.sub(r"[（(].*?[)）]|\s|\*", "", _plain_text(value))


def _sheet_rows(
    workbook: Any,
    sheet: str,
    columns: Mapping[str, str],
    required: Iterable[str],
    errors: list[str],
) -> list[tuple[int, dict[str, object]]]:
    """(row number, {field: value}) for the non-empty data rows of ``sheet``."""
    if sheet not in workbook.sheetnames:
        errors.append(f"工作簿缺少“{sheet}”工作表")
        return []
    rows = workbook[sheet].iter_rows(values_only=True)
    header = [_normalise_header(v) for v in next(rows, ())]
    by_label = {label: key for key, label in columns.items()}
    missing = [columns[key] for key in required if columns[key] not in header]
    if missing:
        errors.append(f"“{sheet}”工作表缺少列：{'、'.join(missing)}")
        return []
    index = {by_label[h]: i for i, h in reversed(list(enumerate(header))) if h in by_label}
    records: list[tuple[int, dict[str, object]]] = []
    for number, row in enumerate(rows, 2):
        values = {key: row[i] if i < len(row) else None for key, i in index.items()}
        if not all(_is_blank(v) for v in values.values()):
            records.append((number, values))
    return records


def _seq_key(number: int, values: Mapping[str, object], errors: list[str]) -> tuple[int, int]:
    seq = values.get("seq")
    if _is_blank(seq):
        return (1 << 30, number)
    text = _plain_text(seq)
    if re.fullmatch(r"\d+", text):
        return (int(text), number)
    errors.append(f"“{_SHEET_MATERIALS}”表第 {number} 行的“序号”应为整数，现为“{text}”")
    return (1 << 30, number)


def _attach_materials(
    matters: Mapping[str, _Raw],
    rows: Sequence[tuple[int, dict[str, object]]],
    errors: list[str],
) -> None:
    """Append each material row, in 序号 order, to the matter it names."""
    keyed = sorted(rows, key=lambda r: _seq_key(r[0], r[1], errors))
    for number, values in keyed:
        code = _plain_text(values.get("matter_code"))
        location = f"“{_SHEET_MATERIALS}”表第 {number} 行"
        if code not in matters:
            problem = "“事项编码”为空" if not code else f"事项编码“{code}”不在“事项”表中"
            errors.append(f"{location}：{problem}")
            continue
        owner = matters[code]
        seq = _plain_text(values.get("seq")) or str(len(owner.children) + 1)
        owner.children.append(_Raw(values=values, ref=f"第 {seq} 项材料", location=location))


def _read_workbook(workbook: Any, errors: list[str]) -> tuple[list[_Raw], list[_Raw]]:
    def records(sheet: str, columns: Mapping[str, str], required: Iterable[str]) -> list[_Raw]:
        rows = _sheet_rows(workbook, sheet, columns, required, errors)
        return [
            _Raw(values=values, ref=f"“{sheet}”表第 {n} 行", location=f"“{sheet}”表第 {n} 行") for n, values in rows
        ]

    departments = records(_SHEET_DEPTS, _DEPT_COLUMNS, ("code", "name"))
    matter_required = ("code", "name", "department_code", "case_type")
    matters = records(_SHEET_MATTERS, _MATTER_COLUMNS, matter_required)
    material_rows = _sheet_rows(workbook, _SHEET_MATERIALS, _MATERIAL_COLUMNS, ("matter_code", "name"), errors)
    by_code: dict[str, _Raw] = {}
    for matter in matters:
        code = _plain_text(matter.values.get("code"))
        if code:
            by_code.setdefault(code, matter)
    _attach_materials(by_code, material_rows, errors)
    return departments, matters


def parse_catalogue_xlsx(path: Path) -> Catalogue:
    """A catalogue from an Excel workbook with the sheets 部门, 事项 and 材料."""
    from openpyxl import load_workbook  # here, not at the top: a quarter second off every start
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (OSError, zipfile.BadZipFile, InvalidFileException, KeyError, ValueError) as exc:
        raise CatalogueError(f"无法读取 Excel 文件“{Path(path).name}”：{exc}") from exc
    errors: list[str] = []
    try:
        departments, matters = _read_workbook(workbook, errors)
    finally:
        workbook.close()
    return _build(departments, matters, errors)


def _cell_value(value: object) -> object:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def _write_sheet(sheet: Any, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for r, row in enumerate(rows, 2):
        for c, value in enumerate(row, 1):
            cell = sheet.cell(row=r, column=c, value=_cell_value(value))
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # text, not a formula
    sheet.freeze_panes = "A2"
    for c, header in enumerate(headers, 1):
        sheet.column_dimensions[get_column_letter(c)].width = max(10, 2 * len(header) + 4)


def _yes_no(value: bool) -> str:
    return "是" if value else "否"


def _matter_row(matter: MatterSpec) -> list[object]:
    values: dict[str, object] = {key: getattr(matter, key) for key in _MATTER_COLUMNS if key != "allows_deferral"}
    values["case_type"] = CASE_TYPE_LABELS[matter.case_type]
    values["allows_deferral"] = _yes_no(matter.allows_deferral)
    return [values[key] for key in _MATTER_COLUMNS]


def _material_rows(catalogue: Catalogue) -> Iterator[list[object]]:
    for matter in catalogue.matters:
        for seq, m in enumerate(matter.materials, 1):
            flags = [_yes_no(m.is_main), _yes_no(m.deferrable)]
            yield [matter.code, seq, m.name, m.originals, m.copies, *flags, m.notes]


def _add_choices(sheet: Any, column: str, choices: Sequence[str]) -> None:
    """A drop-down on ``column`` of ``sheet`` (rows 2..5000) for people filling the template."""
    from openpyxl.worksheet.datavalidation import DataValidation

    rule = DataValidation(type="list", formula1=f'"{",".join(choices)}"', allow_blank=True)
    sheet.add_data_validation(rule)
    rule.add(f"{column}2:{column}5000")


def _headers(columns: Mapping[str, str]) -> list[str]:
    return [_HEADER_HINTS.get(label, label) for label in columns.values()]


def write_catalogue_xlsx(cat: Catalogue, path: Path) -> None:
    """Export ``cat`` as a workbook :func:`parse_catalogue_xlsx` reads back to an equal value."""
    from openpyxl import Workbook

    workbook = Workbook()
    depts = workbook.active
    depts.title = _SHEET_DEPTS
    _write_sheet(depts, _headers(_DEPT_COLUMNS), ([d.code, d.name] for d in cat.departments))
    matters = workbook.create_sheet(_SHEET_MATTERS)
    _write_sheet(matters, _headers(_MATTER_COLUMNS), (_matter_row(m) for m in cat.matters))
    _add_choices(matters, "D", list(CASE_TYPE_LABELS.values()))
    _add_choices(matters, "N", ["是", "否"])
    materials = workbook.create_sheet(_SHEET_MATERIALS)
    _write_sheet(materials, _headers(_MATERIAL_COLUMNS), _material_rows(cat))
    _add_choices(materials, "F", ["是", "否"])
    _add_choices(materials, "G", ["是", "否"])
    _save_atomically(workbook, Path(path))


def _save_atomically(workbook: Any, path: Path) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".catalogue-", suffix=".xlsx", dir=path.parent)
    os.close(fd)
    try:
        workbook.save(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --- files ----------------------------------------------------------------------------------


def _read_json_file(path: Path) -> Catalogue:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise CatalogueError(f"无法打开事项目录文件“{path.name}”：{exc}") from exc
    except UnicodeDecodeError as exc:
        raise CatalogueError(f"事项目录文件“{path.name}”不是 UTF-8 编码") from exc
    except json.JSONDecodeError as exc:
        raise CatalogueError(
            f"事项目录文件“{path.name}”不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列）"
        ) from exc
    if not isinstance(data, dict):
        raise CatalogueError("事项目录文件的内容应为 JSON 对象")
    return parse_catalogue_json(data)


_LOADERS: Mapping[str, Callable[[Path], Catalogue]] = {
    ".json": _read_json_file,
    ".xlsx": parse_catalogue_xlsx,
}


def load_catalogue(path: Path) -> Catalogue:
    """Read a catalogue from a ``.json`` or ``.xlsx`` file; CatalogueError on any problem."""
    path = Path(path)
    loader = _LOADERS.get(path.suffix.lower())
    if loader is None:
        raise CatalogueError(f"不支持的事项目录文件类型“{path.suffix}”，请使用 .json 或 .xlsx")
    return loader(path)
