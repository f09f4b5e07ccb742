"""ID numbers (GB 11643), credit codes (GB 32100), names, phones and free text.

Valid numbers are built here by computing their check character independently of the module.
"""

from __future__ import annotations

import datetime as dt

import pytest

from app.errors import InvalidInput
from app.pii import mask_id_number
from app.validation import (
    check_credit_code,
    check_name,
    check_phone,
    check_resident_id,
    check_text,
    id_birth_date,
    normalize_id_number,
)

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def resident_id(first17: str) -> str:
    """A GB 11643 number with its check digit: weights 2^(17-i) mod 11, check = (12 - S mod 11) mod 11."""
    weights = [pow(2, 17 - i, 11) for i in range(17)]  # 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2
    value = (12 - sum(int(c) * w for c, w in zip(first17, weights, strict=True)) % 11) % 11
    return first17 + ("X" if value == 10 else str(value))


def credit_code(first17: str) -> str:
    """A GB 32100 code with its check character: weights 3^i mod 31, check = 31 - S mod 31."""
    weights = [pow(3, i, 31) for i in range(17)]  # 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, ...
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, weights, strict=True))
    return first17 + USCC_ALPHABET[(31 - total % 31) % 31]


def _error(call: object, *args: str) -> InvalidInput:
    assert callable(call)
    with pytest.raises(InvalidInput) as info:
        call(*args)
    return info.value


# --- helpers agree with the published samples --------------------------------------------------


def test_helpers_reproduce_published_samples() -> None:
    assert resident_id("11010519491231002") == "11010519491231002X"  # GB 11643 sample
    assert credit_code("91350100M000100Y4") == "91350100M000100Y43"
    assert [pow(3, i, 31) for i in range(17)] == [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


# --- resident identity numbers ------------------------------------------------------------------


def test_the_well_known_sample_is_valid() -> None:
    assert check_resident_id("11010519491231002X") == "11010519491231002X"
    assert id_birth_date("11010519491231002X") == dt.date(1949, 12, 31)


def test_resident_id_normalisation() -> None:
    assert check_resident_id("11010519491231002x") == "11010519491231002X"  # lower-case x
    assert check_resident_id("１１０１０５１９４９１２３１００２Ｘ") == "11010519491231002X"  # full-width
    assert check_resident_id("１１０１０５１９４９１２３１００２ｘ") == "11010519491231002X"
    assert check_resident_id(" 1101 0519 4912 3100 2X ") == "11010519491231002X"
    assert check_resident_id("110105\u300019491231002X\t") == "11010519491231002X"  # ideographic space
    assert normalize_id_number(" ａｂ12\u3000x ") == "AB12X"


@pytest.mark.parametrize(
    "first17",
    ["32010619880212345", "44030520000229001", "65010119700101003", "81000019900101001", "91000019900101001",
     "71000019000101001", "15000019000101001"],
)
def test_generated_resident_ids_are_valid(first17: str) -> None:
    number = resident_id(first17)
    assert check_resident_id(number) == number
    assert id_birth_date(number) == dt.date(int(first17[6:10]), int(first17[10:12]), int(first17[12:14]))


def test_exactly_one_check_digit_is_accepted() -> None:
    for first17 in ("11010519491231002", "32010619880212345", "44030520000229001", "50010219850615771"):
        accepted = []
        for last in "0123456789X":
            try:
                accepted.append(check_resident_id(first17 + last))
            except InvalidInput as e:
                assert "校验位不正确，请核对号码" in e.message
        assert accepted == [resident_id(first17)]


FUTURE = dt.date.today() + dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "请填写身份证号码"),
        ("   ", "请填写身份证号码"),
        ("110105491231002", "15位的旧身份证号码"),  # old 15-digit number
        ("1101051949123100", "应为18位，现在是16位"),
        ("11010519491231002X1", "应为18位，现在是19位"),
        ("11010519491231002A", "只能由数字组成，最后一位可以是X"),
        ("1101051949X231002X", "只能由数字组成"),
        ("11010519491231002-", "只能由数字组成"),
        (resident_id("00010519491231002"), "地区码"),
        (resident_id("01010519491231002"), "地区码"),
        (resident_id("19010519491231002"), "地区码"),  # first digit fine, no province 19
        (resident_id("72010519491231002"), "地区码"),
        (resident_id("11010519490231002"), "出生日期不存在"),  # 31 Feb
        (resident_id("11010519491301002"), "出生日期不存在"),  # month 13
        (resident_id("11010519490001002"), "出生日期不存在"),  # month 0
        (resident_id("11010520230229002"), "出生日期不存在"),  # 2023 is not a leap year
        (resident_id("11010518991231002"), "早于1900年"),
        (resident_id("110105" + FUTURE.strftime("%Y%m%d") + "002"), "晚于今天"),
        (resident_id("110105" + "2999" + "0101" + "002"), "晚于今天"),
        ("110105194912310021", "校验位不正确，请核对号码"),
        ("110105194912310020", "校验位不正确，请核对号码"),
    ],
)
def test_bad_resident_ids_say_what_is_wrong(text: str, message: str) -> None:
    error = _error(check_resident_id, text)
    assert message in error.message
    assert error.field == "id_number"


def test_the_15_digit_message_asks_for_the_18_digit_number() -> None:
    message = _error(check_resident_id, "110105491231002").message
    assert "15位" in message and "18位" in message


def test_the_field_can_be_named() -> None:
    with pytest.raises(InvalidInput) as info:
        check_resident_id("110105194912310021", field="agent_id_number")
    assert info.value.field == "agent_id_number"


def test_birth_today_and_in_1900_are_accepted() -> None:
    today = dt.date.today()
    born_today = resident_id("110105" + today.strftime("%Y%m%d") + "002")
    assert id_birth_date(born_today) == today
    assert id_birth_date(resident_id("11010519000101002")) == dt.date(1900, 1, 1)
    assert id_birth_date(resident_id("11010520000229002")) == dt.date(2000, 2, 29)


def test_id_birth_date_refuses_an_invalid_number() -> None:
    with pytest.raises(InvalidInput, match="校验位"):
        id_birth_date("110105194912310021")


# --- unified social credit codes ----------------------------------------------------------------


def test_credit_codes_are_normalised() -> None:
    assert check_credit_code("91350100M000100Y43") == "91350100M000100Y43"
    assert check_credit_code("91350100m000100y43") == "91350100M000100Y43"
    assert check_credit_code(" ９１３５０１００Ｍ０００１００Ｙ４３ ") == "91350100M000100Y43"


@pytest.mark.parametrize(
    "first17", ["91110108MA01XXXX0", "12100000400000000", "52330100MJ8765432", "Y1440300123456789"]
)
def test_generated_credit_codes_are_valid(first17: str) -> None:
    code = credit_code(first17)
    assert check_credit_code(code) == code
    assert check_credit_code(code.lower()) == code


def test_exactly_one_check_character_is_accepted() -> None:
    first17 = "91350100M000100Y4"
    accepted = []
    for last in USCC_ALPHABET:
        try:
            accepted.append(check_credit_code(first17 + last))
        except InvalidInput as e:
            assert "校验位不正确" in e.message
    assert accepted == ["91350100M000100Y43"]


@pytest.mark.parametrize("letter", list("IOZSV"))
def test_letters_not_used_in_credit_codes_are_named(letter: str) -> None:
    message = _error(check_credit_code, "91350100M000100" + letter + "43").message
    assert f"不允许的字符：{letter}" in message
    assert "I、O、Z、S、V" in message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "请填写统一社会信用代码"),
        ("91350100M000100Y4", "应为18位，现在是17位"),
        ("91350100M000100Y433", "应为18位，现在是19位"),
        ("91350100M000100Y-3", "不允许的字符：-"),
        ("91350100M000100甲43", "不允许的字符：甲"),
        ("91350100M000100Y44", "校验位不正确，请核对代码"),
    ],
)
def test_bad_credit_codes_say_what_is_wrong(text: str, message: str) -> None:
    error = _error(check_credit_code, text)
    assert message in error.message
    assert error.field == "id_number"


# --- masking ------------------------------------------------------------------------------------


def test_masking() -> None:
    assert mask_id_number("110101199003071234") == "110101********1234"
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_id_number("91350100M000100Y43") == "913501********0Y43"
    assert mask_id_number("") == ""
    assert mask_id_number("12345") == "1***5"  # short values too: never more than half shown (tests/app/test_pii.py)


# --- phones -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("13800138000", "13800138000"),
        ("138 0013 8000", "13800138000"),
        ("138-0013-8000", "13800138000"),
        ("+86 138 0013 8000", "13800138000"),
        ("１３８００１３８０００", "13800138000"),  # full-width
        ("19912345678", "19912345678"),
        ("0571-87654321", "0571-87654321"),
        ("０５７１－８７６５４３２１", "0571-87654321"),
        ("010-62345678", "010-62345678"),
        ("(0571)87654321", "057187654321"),
        ("0571-87654321-801", "0571-87654321-801"),
        ("87654321", "87654321"),
        ("12345", "12345"),
        ("95588", "95588"),
        ("400-123-4567", "400-123-4567"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_phone_forms(text: str, expected: str) -> None:
    assert check_phone(text) == expected


@pytest.mark.parametrize("text", ["1380013800", "138001380000", "12800138000", "abc", "0571-8765", "电话13800138000"])
def test_bad_phones(text: str) -> None:
    error = _error(check_phone, text)
    assert "联系电话格式不正确" in error.message
    assert error.field == "phone"


def test_a_required_phone_must_be_filled() -> None:
    with pytest.raises(InvalidInput, match="请填写联系电话"):
        check_phone("  ", required=True)
    assert check_phone("13800138000", required=True) == "13800138000"


# --- names --------------------------------------------------------------------------------------


def test_names_keep_rare_characters_and_dots() -> None:
    assert ord("𬌗") == 0x2C317 and len("𬌗") == 1  # outside the BMP: 2 UTF-16 units, 1 code point
    assert check_name("𬌗") == "𬌗"
    assert check_name("王𬌗") == "王𬌗"
    assert check_name(" 王𬌗 ") == "王𬌗"
    assert check_name("阿依古丽·买买提") == "阿依古丽·买买提"
    assert check_name("爱新觉罗·溥仪") == "爱新觉罗·溥仪"
    assert check_name("Zhang San") == "Zhang San"


def test_name_length_is_counted_in_code_points() -> None:
    assert check_name("𬌗" * 100) == "𬌗" * 100  # 200 UTF-16 units, 100 characters
    with pytest.raises(InvalidInput, match="过长"):
        check_name("张" * 101)
    with pytest.raises(InvalidInput, match="最多20字"):
        check_name("张" * 21, max_len=20)
    assert check_name("某" * 200, label="单位名称", max_len=200) == "某" * 200


def test_empty_and_bad_names() -> None:
    error = _error(lambda: check_name("   ", field="applicant_name", label="申请人姓名"))
    assert error.message == "请填写申请人姓名。"
    assert error.field == "applicant_name"
    assert _error(check_name, "").message == "请填写姓名。"
    with pytest.raises(InvalidInput, match="控制字符"):
        check_name("张\x00三")
    with pytest.raises(InvalidInput, match="控制字符"):
        check_name("张\n三")
    with pytest.raises(InvalidInput, match="控制字符"):
        check_name("张\ud800三")  # a lone surrogate


# --- free text ----------------------------------------------------------------------------------


def test_long_text_is_kept_intact() -> None:
    text = "申请人称材料已于上周提交，𬌗字需核对。\n第二行\t缩进。" * 200
    assert len(text) > 5000
    remark = text[:5000]
    assert check_text(remark, field="remark", label="备注") == remark
    assert check_text(text, field="remark", label="备注") == text.strip()


def test_text_is_only_stripped_at_the_ends() -> None:
    assert check_text("  多行\n说明\t保留  ", field="r", label="备注") == "多行\n说明\t保留"
    assert check_text("\n\n  内容  \n", field="r", label="备注") == "内容"
    assert check_text("", field="r", label="备注") == ""


def test_required_text_and_limits() -> None:
    error = _error(lambda: check_text(" \n ", field="reason", label="理由", required=True))
    assert error.message == "请填写理由。"
    assert error.field == "reason"
    with pytest.raises(InvalidInput, match="过长"):
        check_text("字" * 10001, field="r", label="备注")
    assert check_text("字" * 10000, field="r", label="备注") == "字" * 10000
    with pytest.raises(InvalidInput, match="最多64字"):
        check_text("字" * 65, field="name", label="说明", max_len=64)
    with pytest.raises(InvalidInput, match="控制字符"):
        check_text("备注\x07内容", field="r", label="备注")
