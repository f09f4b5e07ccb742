"""Service catalogue: demo data, validation rules, JSON and Excel formats."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from app.catalogue import (
    CASE_TYPES,
    Catalogue,
    CatalogueError,
    DepartmentSpec,
    MaterialSpec,
    MatterSpec,
    default_promised_days,
    load_catalogue,
    parse_catalogue_json,
    parse_catalogue_xlsx,
    write_catalogue_xlsx,
)
from app.errors import InvalidInput

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "resources" / "demo"


# --- helpers --------------------------------------------------------------------------------


def material(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "申请书",
        "originals": 1,
        "copies": 0,
        "is_main": True,
        "deferrable": False,
        "notes": "",
    }
    return base | overrides


def matter(code: str = "T-001", **overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "code": code,
        "name": "测试事项",
        "department_code": "D1",
        "case_type": "promised",
        "legal_basis": "《测试条例》第一条",
        "conditions": "符合条件",
        "procedure": "申请→受理→决定",
        "statutory_days": 20,
        "promised_days": 10,
        "fee": "不收费",
        "fee_basis": "",
        "consult_phone": "0571-86600001",
        "complaint_phone": "12345",
        "allows_deferral": False,
        "materials": [material()],
    }
    return base | overrides


def document(*matters: dict[str, Any]) -> dict[str, Any]:
    return {
        "format": "counter-desk-catalogue/1",
        "departments": [{"code": "D1", "name": "测试局"}],
        "matters": list(matters) or [matter()],
    }


def rejected(data: dict[str, Any]) -> CatalogueError:
    with pytest.raises(CatalogueError) as info:
        parse_catalogue_json(data)
    return info.value


GB11643_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def gb11643_valid(number: str) -> bool:
    if not re.fullmatch(r"\d{17}[\dX]", number):
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], GB11643_WEIGHTS, strict=True))
    return "10X98765432"[total % 11] == number[17]


# --- demo data ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo() -> Catalogue:
    return load_catalogue(DEMO / "catalogue.json")


def test_demo_catalogue_meets_the_counts(demo: Catalogue) -> None:
    matters = demo.matters
    assert len(matters) >= 24
    assert len(demo.departments) >= 7
    assert sum(m.allows_deferral for m in matters) >= 5
    assert sum(m.case_type == "joint" for m in matters) >= 2
    assert sum(m.case_type == "referred" for m in matters) >= 2
    assert sum(m.case_type == "immediate" for m in matters) >= 3
    assert sum("营业执照" in m.name for m in matters) >= 3


def test_demo_catalogue_is_consistent(demo: Catalogue) -> None:
    for m in demo.matters:
        assert m.complaint_phone == "12345"
        assert re.fullmatch(r"0571-8\d{7}", m.consult_phone), m.code
        assert m.legal_basis.startswith("《"), m.code
        if m.case_type == "immediate":
            assert m.promised_days == 0
        if m.allows_deferral:
            deferrable = [x for x in m.materials if x.deferrable]
            assert 1 <= len(deferrable) <= 2, m.code
        if m.fee != "不收费":
            assert m.fee_basis, m.code


def test_demo_hall_file_structure(demo: Catalogue) -> None:
    data = json.loads((DEMO / "hall.json").read_text(encoding="utf-8"))
    assert data["format"] == "counter-desk-hall/1"
    hall = data["hall"]
    for key in ("code", "name", "agency_name", "phone", "complaint_phone", "address"):
        assert hall[key], key
    assert hall["code"] == "DEMO"
    assert hall["complaint_phone"] == "12345"

    departments = {d.code for d in demo.departments}
    windows = data["windows"]
    numbers = [w["number"] for w in windows]
    assert len(windows) >= 8
    assert len(set(numbers)) == len(numbers)
    assert all(w["name"] and w["department_code"] in departments for w in windows)

    staff = data["staff"]
    assert len(staff) >= 10
    assert len({s["login"] for s in staff}) == len(staff)
    roles = [r for s in staff for r in s["roles"]]
    assert set(roles) <= {"clerk", "chief", "business", "leader", "supervisor", "admin"}
    assert roles.count("chief") >= 2
    for role in ("admin", "business", "leader", "supervisor"):
        assert roles.count(role) >= 1, role
    for s in staff:
        assert s["password"]
        assert s.get("window_number") is None or s["window_number"] in numbers
        assert s.get("department_code") is None or s["department_code"] in departments
    assert any(ord(ch) > 0xFFFF for s in staff for ch in s["name"])

    assert data["dishonest_parties"]
    for party in data["dishonest_parties"]:
        assert gb11643_valid(party["id_number"]), party["id_number"]
        assert party["name"] and party["reason"]
    assert set(data["parameters"]) >= {
        "yellow_days_before",
        "notify_limit_days",
        "idle_lock_minutes",
        "rectify_days",
    }
    assert all(isinstance(v, str) for v in data["parameters"].values())


def test_gb11643_helper_rejects_a_wrong_check_digit() -> None:
    assert gb11643_valid("11010519491231002X")
    assert not gb11643_valid("110105194912310021")


# --- parsing --------------------------------------------------------------------------------


def test_valid_document_parses_into_specs() -> None:
    cat = parse_catalogue_json(document())
    assert cat.departments == (DepartmentSpec("D1", "测试局"),)
    (m,) = cat.matters
    assert m.code == "T-001"
    assert m.case_type == "promised"
    assert m.materials == (MaterialSpec("申请书", 1, 0, True, False, ""),)


@pytest.mark.parametrize(
    ("label", "code"),
    [("即办件", "immediate"), ("承诺件", "promised"), ("联办件", "joint"), ("上报件", "referred")],
)
def test_chinese_case_type_labels_are_accepted(label: str, code: str) -> None:
    days: dict[str, Any] = {"promised_days": 0} if code == "immediate" else {}
    cat = parse_catalogue_json(document(matter(case_type=label, **days)))
    assert cat.matters[0].case_type == code
    assert code in CASE_TYPES


@pytest.mark.parametrize(("statutory", "promised"), [(20, 13), (30, 20), (15, 10), (3, 2), (0, 0), (1, 0)])
def test_default_promised_days(statutory: int, promised: int) -> None:
    assert default_promised_days(statutory) == promised


def test_missing_promised_days_uses_the_default() -> None:
    m = matter(statutory_days=30)
    del m["promised_days"]
    assert parse_catalogue_json(document(m)).matters[0].promised_days == 20


def test_immediate_matter_may_omit_both_limits() -> None:
    m = matter(case_type="即办件")
    del m["statutory_days"], m["promised_days"]
    spec = parse_catalogue_json(document(m)).matters[0]
    assert (spec.statutory_days, spec.promised_days) == (0, 0)


@pytest.mark.parametrize("word", ["是", "Y", "y", "true", "TRUE", "1", True, 1])
def test_boolean_words_true(word: object) -> None:
    m = matter(
        allows_deferral=word,
        materials=[material(), material(name="附件", is_main="否", deferrable=word)],
    )
    spec = parse_catalogue_json(document(m)).matters[0]
    assert spec.allows_deferral is True
    assert spec.materials[1].deferrable is True


@pytest.mark.parametrize("word", ["否", "N", "false", "0", False, 0])
def test_boolean_words_false(word: object) -> None:
    spec = parse_catalogue_json(document(matter(allows_deferral=word))).matters[0]
    assert spec.allows_deferral is False


def test_catalogue_error_is_invalid_input() -> None:
    assert issubclass(CatalogueError, InvalidInput)


# --- validation rules -----------------------------------------------------------------------


def _without_materials() -> dict[str, Any]:
    return matter(materials=[])


def _deferrable_main() -> dict[str, Any]:
    return matter(
        allows_deferral=True,
        materials=[material(), material(name="附件", is_main=True, deferrable=True)],
    )


def _deferrable_not_allowed() -> dict[str, Any]:
    return matter(materials=[material(), material(name="附件", is_main=False, deferrable=True)])


BAD_MATTERS: dict[str, tuple[dict[str, Any], str]] = {
    "empty name": (matter(name=" "), "“事项名称”不能为空"),
    "empty department": (matter(department_code=""), "“部门编码”不能为空"),
    "empty case type": (matter(case_type=""), "“办件类型”不能为空"),
    "no materials": (_without_materials(), "没有申请材料"),
    "unknown case type": (matter(case_type="特办件"), "“办件类型”应为"),
    "unknown department": (matter(department_code="NOPE"), "部门编码“NOPE”不在部门列表中"),
    "promised over statutory": (
        matter(statutory_days=10, promised_days=11),
        "“承诺时限”不能超过法定时限",
    ),
    "negative promised": (matter(promised_days=-1), "“承诺时限”不能为负数"),
    "negative statutory": (matter(statutory_days=-5, promised_days=0), "“法定时限”不能为负数"),
    "statutory missing": (matter(statutory_days=None), "“法定时限”不能为空"),
    "days not integer": (matter(statutory_days="二十"), "“法定时限”应为整数"),
    "immediate with promise": (
        matter(case_type="immediate", statutory_days=3, promised_days=1),
        "是即办件，“承诺时限”应为 0",
    ),
    "negative count": (matter(materials=[material(copies=-1)]), "“复印件份数”不能为负数"),
    "no copy at all": (
        matter(materials=[material(originals=0, copies=0)]),
        "原件份数与复印件份数合计至少为 1",
    ),
    "empty material name": (matter(materials=[material(name="")]), "“材料名称”不能为空"),
    "deferrable main": (_deferrable_main(), "是主审要件，不能设为可容缺"),
    "deferrable without deferral": (_deferrable_not_allowed(), "“容缺受理”应为“是”"),
    "deferral without deferrable": (
        matter(allows_deferral=True),
        "允许容缺受理，但没有一项材料设为可容缺",
    ),
    "bad boolean": (matter(allows_deferral="也许"), "“容缺受理”应为“是”或“否”"),
}


@pytest.mark.parametrize("case", sorted(BAD_MATTERS))
def test_each_rule_rejects_and_names_the_matter(case: str) -> None:
    bad, expected = BAD_MATTERS[case]
    bad = copy.deepcopy(bad)
    bad["code"] = "BAD-042"
    error = rejected(document(matter("OK-001"), bad))
    assert "BAD-042" in error.message
    assert expected in error.message
    assert "OK-001" not in error.message
    assert all("BAD-042" in e for e in error.errors)


def test_promised_over_statutory_message_reads_naturally() -> None:
    error = rejected(document(matter("330100-001", statutory_days=5, promised_days=6)))
    assert "事项 330100-001 的“承诺时限”不能超过法定时限" in error.message


def test_duplicate_matter_codes_are_rejected() -> None:
    error = rejected(document(matter("DUP-1"), matter("DUP-1")))
    assert "DUP-1" in error.message
    assert "重复" in error.message


def test_matter_without_code_is_named_by_position() -> None:
    error = rejected(document(matter("OK-1"), matter("")))
    assert "第 2 个事项" in error.message
    assert "“事项编码”不能为空" in error.message


def test_departments_are_checked() -> None:
    data = document()
    data["departments"].append({"code": "D1", "name": ""})
    error = rejected(data)
    assert "部门编码“D1”重复" in error.message
    assert "“部门名称”不能为空" in error.message


def test_all_errors_are_collected() -> None:
    error = rejected(
        document(
            matter("AAA-1", statutory_days=5, promised_days=9),
            matter("OK-2"),
            matter("BBB-3", department_code="ZZZ", materials=[]),
        )
    )
    assert len(error.errors) == 3
    for code in ("AAA-1", "BBB-3"):
        assert code in error.message
    assert "3 处错误" in error.message


def test_long_error_lists_are_capped() -> None:
    bad = [matter(f"X-{i:02}", department_code="NOPE") for i in range(30)]
    error = rejected(document(*bad))
    assert len(error.errors) == 30
    assert "X-19" in error.message
    assert "X-25" not in error.message
    assert "另有 10 处错误未列出" in error.message
    assert len(error.message.splitlines()) <= 22


def test_wrong_format_marker_is_rejected() -> None:
    data = document()
    data["format"] = "counter-desk-hall/1"
    assert "counter-desk-catalogue/1" in rejected(data).message


def test_structural_errors_are_reported() -> None:
    data = document()
    data["matters"] = [matter(), "not an object", matter("T-2", materials="申请书")]
    error = rejected(data)
    assert "第 2 个事项应为 JSON 对象" in error.message
    assert "T-2" in error.message


# --- files ----------------------------------------------------------------------------------


def test_load_catalogue_reports_bad_json(tmp_path: Path) -> None:
    path = tmp_path / "cat.json"
    path.write_text('{"format": ', encoding="utf-8")
    with pytest.raises(CatalogueError, match="不是有效的 JSON"):
        load_catalogue(path)


def test_load_catalogue_rejects_other_suffixes(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match=r"\.csv"):
        load_catalogue(tmp_path / "cat.csv")


def test_load_catalogue_reports_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError):
        load_catalogue(tmp_path / "missing.xlsx")
    with pytest.raises(CatalogueError):
        load_catalogue(tmp_path / "missing.json")


def test_xlsx_round_trip_of_the_demo(demo: Catalogue, tmp_path: Path) -> None:
    path = tmp_path / "catalogue.xlsx"
    write_catalogue_xlsx(demo, path)
    assert parse_catalogue_xlsx(path) == demo
    assert load_catalogue(path) == demo


def test_xlsx_round_trip_keeps_awkward_text(tmp_path: Path) -> None:
    spec = MatterSpec(
        code="0012",
        name="=SUM(A1)",
        department_code="D1",
        case_type="immediate",
        legal_basis="第一行\n第二行",
        conditions="",
        procedure="",
        statutory_days=0,
        promised_days=0,
        fee="不收费",
        fee_basis="",
        consult_phone="12345",
        complaint_phone="12345",
        allows_deferral=False,
        materials=(MaterialSpec("身份证", 1, 0, True, False),),
    )
    cat = Catalogue((DepartmentSpec("D1", "测试局"),), (spec,))
    path = tmp_path / "awkward.xlsx"
    write_catalogue_xlsx(cat, path)
    assert parse_catalogue_xlsx(path) == cat


def _write_rows(path: Path, sheets: dict[str, list[list[object]]]) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    workbook.save(path)


MATTER_HEADER: list[object] = ["事项编码", "事项名称", "部门编码", "办件类型", "法定时限", "承诺时限", "容缺受理"]
MATERIAL_HEADER: list[object] = ["事项编码", "序号", "材料名称", "原件份数", "复印件份数", "主审要件", "可容缺"]


def test_xlsx_written_by_hand_is_read(tmp_path: Path) -> None:
    path = tmp_path / "hand.xlsx"
    _write_rows(
        path,
        {
            "部门": [["部门编码", "部门名称"], ["D1", "测试局"]],
            "事项": [
                MATTER_HEADER,
                ["T-1", "测试事项", "D1", "承诺件", 20.0, None, "Y"],
                [None, None, None, None, None, None, None],
            ],
            "材料": [
                MATERIAL_HEADER,
                ["T-1", 2, "附件", 0, "1", "否", "是"],
                ["T-1", 1, "申请书", 1, 0, "是", "否"],
            ],
        },
    )
    (spec,) = parse_catalogue_xlsx(path).matters
    assert spec.case_type == "promised"
    assert (spec.statutory_days, spec.promised_days) == (20, 13)
    assert spec.allows_deferral
    assert [m.name for m in spec.materials] == ["申请书", "附件"]
    assert spec.materials[1] == MaterialSpec("附件", 0, 1, False, True)


def test_xlsx_errors_name_row_and_matter(tmp_path: Path) -> None:
    path = tmp_path / "bad.xlsx"
    _write_rows(
        path,
        {
            "部门": [["部门编码", "部门名称"], ["D1", "测试局"]],
            "事项": [
                MATTER_HEADER,
                ["T-1", "测试事项", "D1", "承诺件", 5, 8, "否"],
                ["T-2", "另一事项", "D1", "即办件", 0, 0, "否"],
            ],
            "材料": [
                MATERIAL_HEADER,
                ["T-1", 1, "申请书", 1, 0, "是", "否"],
                ["T-9", 1, "孤儿材料", 1, 0, "是", "否"],
            ],
        },
    )
    with pytest.raises(CatalogueError) as info:
        parse_catalogue_xlsx(path)
    message = info.value.message
    assert "事项 T-1（“事项”表第 2 行）的“承诺时限”不能超过法定时限" in message
    assert "“材料”表第 3 行：事项编码“T-9”不在“事项”表中" in message
    assert "事项 T-2（“事项”表第 3 行）没有申请材料" in message


def test_xlsx_missing_sheet_and_column(tmp_path: Path) -> None:
    path = tmp_path / "partial.xlsx"
    header: list[object] = ["部门编码", "部门名称"]
    _write_rows(path, {"部门": [header], "事项": [["事项编码", "事项名称"]]})
    with pytest.raises(CatalogueError) as info:
        parse_catalogue_xlsx(path)
    assert "缺少“材料”工作表" in info.value.message
    assert "“事项”工作表缺少列：部门编码、办件类型" in info.value.message


def test_xlsx_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "fake.xlsx"
    path.write_text("not a zip", encoding="utf-8")
    with pytest.raises(CatalogueError, match="无法读取 Excel 文件"):
        parse_catalogue_xlsx(path)
