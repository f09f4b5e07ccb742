"""ID numbers, credit codes, names, phones and free text."""

from __future__ import annotations

import pytest

from app.errors import InvalidInput
from app.pinyin import matches, pinyin_keys
from app.validation import (
    check_credit_code,
    check_name,
    check_phone,
    check_resident_id,
    check_text,
    id_birth_date,
    mask_id_number,
)
from tests.app.kit import resident_id


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "请填写身份证号码"),
        ("110105491231002", "15位旧身份证"),
        ("1101051949123100", "应为18位"),
        ("11010519491231002A", "只能由数字"),
        ("00010519491231002X", "地区码"),
        (resident_id("11010519490231002"), "出生日期不存在"),
        (resident_id("11010518491231002"), "不合理"),
        ("110105194912310021", "校验位不正确"),
    ],
)
def test_bad_resident_ids_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as info:
        check_resident_id(text)
    assert info.value.field == "id_number"


def test_good_resident_ids_are_normalised() -> None:
    assert check_resident_id("11010519491231002x") == "11010519491231002X"
    assert check_resident_id("１１０１０５１９４９１２３１００２Ｘ") == "11010519491231002X"  # full-width
    assert check_resident_id(" 1101 0519 4912 3100 2X ") == "11010519491231002X"
    assert id_birth_date("11010519491231002X").isoformat() == "1949-12-31"
    for prefix in ("32010619880212345", "44030520000229001", "65010119700101003"):
        assert check_resident_id(resident_id(prefix)) == resident_id(prefix)


def test_credit_codes() -> None:
    assert check_credit_code("91350100m000100y43") == "91350100M000100Y43"
    with pytest.raises(InvalidInput, match="校验位"):
        check_credit_code("91350100M000100Y44")
    with pytest.raises(InvalidInput, match="I、O、Z、S、V"):
        check_credit_code("91350100M0001O0Y43")
    with pytest.raises(InvalidInput, match="应为18位"):
        check_credit_code("91350100M000100Y4")


def test_masking() -> None:
    assert mask_id_number("110101199003071234") == "110101********1234"
    assert mask_id_number("91350100M000100Y43") == "913501********0Y43"


def test_names_keep_rare_characters_and_dots() -> None:
    assert check_name("王𬌗") == "王𬌗"
    assert check_name("阿依古丽·买买提") == "阿依古丽·买买提"
    assert check_name("𬌗" * 100) == "𬌗" * 100  # counted in code points, not UTF-16 units
    with pytest.raises(InvalidInput, match="请填写申请人姓名"):
        check_name("   ", label="申请人姓名")
    with pytest.raises(InvalidInput, match="过长"):
        check_name("张" * 101)
    with pytest.raises(InvalidInput, match="控制字符"):
        check_name("张\x00三")


def test_phones() -> None:
    assert check_phone("138 0013 8000") == "13800138000"
    assert check_phone("0571-87654321") == "0571-87654321"
    assert check_phone("12345") == "12345"
    assert check_phone("") == ""
    with pytest.raises(InvalidInput, match="联系电话"):
        check_phone("", required=True)
    with pytest.raises(InvalidInput, match="格式不正确"):
        check_phone("1380013800")


def test_long_text_is_kept_intact() -> None:
    text = "情况说明𬌗" * 1000
    assert check_text(text, field="remark", label="备注") == text
    assert check_text("  多行\n说明\t保留  ", field="r", label="备注") == "多行\n说明\t保留"
    with pytest.raises(InvalidInput, match="请填写理由"):
        check_text(" ", field="r", label="理由", required=True)
    with pytest.raises(InvalidInput, match="过长"):
        check_text("字" * 10001, field="r", label="备注")


def test_pinyin_initials_find_business_licence_matters() -> None:
    assert pinyin_keys("营业执照") == ("yyzz", "yingyezhizhao")
    initials, full = pinyin_keys("营业执照变更登记")
    assert matches("yyzz", "营业执照变更登记", initials, full)
    assert matches("YYZZ", "营业执照变更登记", initials, full)
    assert matches("biangeng", "营业执照变更登记", initials, full)
    assert matches("变更", "营业执照变更登记", initials, full)
    assert not matches("hydj", "营业执照变更登记", initials, full)
