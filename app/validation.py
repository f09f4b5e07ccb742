"""Checks of what the clerk types: ID numbers (GB 11643), credit codes (GB 32100), names,
phones and free text. Messages say what is wrong and what to do; input is never truncated."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from app.errors import InvalidInput

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_PROVINCES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
    "71", "81", "82", "83", "91",
}
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^(0\d{2,3}-?)?\d{7,8}(-\d{1,6})?$")
_SERVICE = re.compile(r"^\d{5}$")  # 12345 and similar hotlines


def normalize_id_number(text: str) -> str:
    """Full-width to half-width (NFKC), spaces removed, upper case (x → X)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).upper()


def check_resident_id(text: str) -> str:
    """An 18-digit resident identity number (居民身份证号码); returns it normalised."""
    number = normalize_id_number(text)
    if not number:
        raise InvalidInput("请填写身份证号码。", field="id_number")
    if len(number) == 15 and number.isdigit():
        raise InvalidInput("这是15位旧身份证号码，请使用18位居民身份证号码。", field="id_number")
    if len(number) != 18:
        raise InvalidInput(f"身份证号码应为18位，现在是{len(number)}位，请核对。", field="id_number")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise InvalidInput("身份证号码只能由数字组成，最后一位可以是X。", field="id_number")
    if number[:2] not in _PROVINCES:
        raise InvalidInput("身份证号码的地区码不正确，请核对前两位。", field="id_number")
    _birth_date_or_error(number)
    total = sum(int(c) * w for c, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    if _ID_CHECK[total % 11] != number[17]:
        raise InvalidInput("身份证号码校验位不正确，请核对号码。", field="id_number")
    return number


def _birth_date_or_error(number: str) -> dt.date:
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidInput("身份证号码中的出生日期不存在，请核对第7至14位。", field="id_number") from None
    if born.year < 1900 or born > dt.date.today():
        raise InvalidInput("身份证号码中的出生日期不合理，请核对第7至14位。", field="id_number")
    return born


def id_birth_date(number: str) -> dt.date:
    return _birth_date_or_error(check_resident_id(number))


def check_credit_code(text: str) -> str:
    """An 18-character unified social credit code (统一社会信用代码); returns it normalised."""
    code = normalize_id_number(text)
    if not code:
        raise InvalidInput("请填写统一社会信用代码。", field="id_number")
    if len(code) != 18:
        raise InvalidInput(f"统一社会信用代码应为18位，现在是{len(code)}位，请核对。", field="id_number")
    bad = sorted({c for c in code if c not in _USCC_ALPHABET})
    if bad:
        raise InvalidInput(
            "统一社会信用代码含有不允许的字符：" + "、".join(bad) + "（代码中不使用字母I、O、Z、S、V）。",
            field="id_number",
        )
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(code[:17], _USCC_WEIGHTS, strict=True))
    if _USCC_ALPHABET[(31 - total % 31) % 31] != code[17]:
        raise InvalidInput("统一社会信用代码校验位不正确，请核对代码。", field="id_number")
    return code


def mask_id_number(number: str) -> str:
    """'110101199003071234' → '110101********1234' for paper and screens the public can see."""
    if len(number) <= 10:
        return number
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def check_phone(text: str, *, required: bool = False) -> str:
    phone = re.sub(r"[\s()（）]", "", unicodedata.normalize("NFKC", text))
    if not phone:
        if required:
            raise InvalidInput("请填写联系电话。", field="phone")
        return ""
    if _MOBILE.match(phone) or _LANDLINE.match(phone) or _SERVICE.match(phone):
        return phone
    raise InvalidInput("联系电话格式不正确：手机号为11位，座机如 0571-87654321。", field="phone")


def _has_control(text: str) -> bool:
    return any(unicodedata.category(c) == "Cc" for c in text)


def check_name(text: str, *, field: str = "name", label: str = "姓名", max_len: int = 100) -> str:
    """A person's or organisation's name. Any script is kept as typed, including rare
    characters outside the BMP (生僻字 such as 𬌗) and the middle dot of minority names."""
    name = text.strip()
    if not name:
        raise InvalidInput(f"请填写{label}。", field=field)
    if len(name) > max_len:  # code points, so a rare character counts once
        raise InvalidInput(f"{label}过长（{len(name)}字），最多{max_len}字。", field=field)
    if _has_control(name):
        raise InvalidInput(f"{label}中含有不可见的控制字符，请重新输入。", field=field)
    return name


def check_text(
    text: str, *, field: str, label: str, required: bool = False, max_len: int = 10000
) -> str:
    """Free text (remarks, reasons): kept intact but for surrounding blanks."""
    value = text.strip()
    if required and not value:
        raise InvalidInput(f"请填写{label}。", field=field)
    if len(value) > max_len:
        raise InvalidInput(f"{label}过长（{len(value)}字），最多{max_len}字，请精简。", field=field)
    if any(unicodedata.category(c) == "Cc" and c not in "\n\r\t" for c in value):
        raise InvalidInput(f"{label}中含有不可见的控制字符，请重新输入。", field=field)
    return value
