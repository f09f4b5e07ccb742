"""Checks of what the clerk types: ID numbers (GB 11643), credit codes (GB 32100), names,
phones and free text.

Every check returns the normalised value or raises :class:`~app.errors.InvalidInput` with a
Chinese message that says what is wrong and what to do. Input is never truncated: text that
is too long is refused, not cut.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from app.errors import InvalidInput

# GB 11643-1999 居民身份证号码
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_PROVINCES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
    "71", "81", "82", "83", "91",
})
# GB 32100-2015 统一社会信用代码
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

# Full-width ASCII (U+FF01–U+FF5E) and the ideographic space, to their half-width forms.
_HALF_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"(0\d{2,3}-?)?[2-9]\d{6,7}(-\d{1,6})?")  # 0571-87654321, 87654321-801
_HOTLINE = re.compile(r"(1\d{4}|9\d{4}|[48]00-?\d{3}-?\d{4})")  # 12345, 95588, 400-123-4567
_PHONE_DROP = re.compile(r"[\s()（）]")
_DASHES = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-"})
# Characters refused in names and one-line fields: controls, lone surrogates, line/paragraph
# separators. Format characters are allowed: some rare characters are typed as sequences.
_BAD_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})


def _half_width(text: str) -> str:
    return text.translate(_HALF_WIDTH)


def normalize_id_number(text: str) -> str:
    """Full-width digits and letters to half-width, all whitespace removed, upper case (x → X)."""
    return "".join(_half_width(text).split()).upper()


# --- 居民身份证号码 -----------------------------------------------------------------------


def _id_check_digit(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def check_resident_id(text: str, *, field: str = "id_number") -> str:
    """An 18-digit resident identity number (GB 11643-1999); returns it normalised.

    Checked in order: length (a 15-digit old number must be replaced by the 18-digit one),
    characters (17 digits then a digit or X), region code (a valid province code), birth
    date (exists, not before 1900, not in the future) and the check digit.
    """
    number = normalize_id_number(text)
    if not number:
        raise InvalidInput("请填写身份证号码。", field=field)
    if len(number) == 15:
        raise InvalidInput(
            "这是15位的旧身份证号码，已停止使用，请换用18位居民身份证号码。", field=field
        )
    if len(number) != 18:
        raise InvalidInput(f"身份证号码应为18位，现在是{len(number)}位，请核对。", field=field)
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise InvalidInput("身份证号码只能由数字组成，最后一位可以是X，请核对。", field=field)
    if number[:2] not in _PROVINCES:
        raise InvalidInput("身份证号码的地区码（前两位）不正确，请核对。", field=field)
    _birth_date(number, field)
    if _id_check_digit(number[:17]) != number[17]:
        raise InvalidInput("身份证号码校验位不正确，请核对号码。", field=field)
    return number


def _birth_date(number: str, field: str) -> dt.date:
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidInput("身份证号码中的出生日期不存在，请核对第7至14位。", field=field) from None
    if born.year < 1900:
        raise InvalidInput("身份证号码中的出生日期早于1900年，不合理，请核对第7至14位。", field=field)
    if born > dt.date.today():
        raise InvalidInput("身份证号码中的出生日期晚于今天，不合理，请核对第7至14位。", field=field)
    return born


def id_birth_date(number: str) -> dt.date:
    """The date of birth in an 18-digit resident identity number (checked first)."""
    return _birth_date(check_resident_id(number), "id_number")


# --- 统一社会信用代码 ---------------------------------------------------------------------


def _credit_check_char(first17: str) -> str:
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def check_credit_code(text: str, *, field: str = "id_number") -> str:
    """An 18-character unified social credit code (GB 32100-2015); returns it normalised.

    The characters are digits and capital letters except I, O, Z, S and V; the last one is a
    check character (modulus 31).
    """
    code = normalize_id_number(text)
    if not code:
        raise InvalidInput("请填写统一社会信用代码。", field=field)
    if len(code) != 18:
        raise InvalidInput(f"统一社会信用代码应为18位，现在是{len(code)}位，请核对。", field=field)
    bad = sorted({c for c in code if c not in _USCC_ALPHABET})
    if bad:
        raise InvalidInput(
            f"统一社会信用代码含有不允许的字符：{'、'.join(bad)}。"
            "代码只由数字和大写字母组成，不使用字母I、O、Z、S、V，请核对。",
            field=field,
        )
    if _credit_check_char(code[:17]) != code[17]:
        raise InvalidInput("统一社会信用代码校验位不正确，请核对代码。", field=field)
    return code


# --- phones, names, text -------------------------------------------------------------------


def check_phone(text: str, *, required: bool = False) -> str:
    """A contact phone, normalised: full-width to half-width, blanks and brackets removed.

    Accepted: mobiles (1[3-9] + 9 digits; dashes and an optional +86 / 86 prefix are dropped), landlines
    (0571-87654321, 057187654321, 87654321, with an optional -extension) and service
    numbers (12345, 95588, 400-123-4567). Empty is allowed unless ``required``.
    """
    phone = _PHONE_DROP.sub("", _half_width(text).translate(_DASHES))
    if not phone:
        if required:
            raise InvalidInput("请填写联系电话。", field="phone")
        return ""
    mobile = re.sub(r"^\+?86(?=1[3-9]\d{9}$)", "", phone.replace("-", ""))  # 138-0013-8000
    if _MOBILE.fullmatch(mobile):
        return mobile
    if _LANDLINE.fullmatch(phone) or _HOTLINE.fullmatch(phone):
        return phone
    raise InvalidInput(
        "联系电话格式不正确：手机号为11位数字，座机如 0571-87654321，请核对。", field="phone"
    )


def _has_bad_characters(text: str, allowed: str = "") -> bool:
    return any(unicodedata.category(c) in _BAD_CATEGORIES and c not in allowed for c in text)


def check_name(text: str, *, field: str = "name", label: str = "姓名", max_len: int = 100) -> str:
    """A person's or organisation's name, stripped of surrounding blanks.

    Any script is kept exactly as typed, including rare characters outside the BMP (生僻字
    such as 𬌗) and the middle dot of minority names (阿依古丽·买买提). Length is counted in
    characters (code points), so a rare character counts once. Control characters (including
    line breaks inside the name) are refused.
    """
    name = text.strip()
    if not name:
        raise InvalidInput(f"请填写{label}。", field=field)
    if len(name) > max_len:
        raise InvalidInput(f"{label}过长（{len(name)}字），最多{max_len}字。", field=field)
    if _has_bad_characters(name):
        raise InvalidInput(f"{label}中含有不可见的控制字符，请重新输入。", field=field)
    return name


def check_text(
    text: str, *, field: str, label: str, required: bool = False, max_len: int = 10000
) -> str:
    """Free text (remarks, reasons), kept intact except for leading and trailing whitespace.

    Line breaks and tabs inside are kept; other control characters are refused. Text longer
    than ``max_len`` characters (code points) is refused, never truncated.
    """
    value = text.strip()
    if required and not value:
        raise InvalidInput(f"请填写{label}。", field=field)
    if len(value) > max_len:
        raise InvalidInput(f"{label}过长（{len(value)}字），最多{max_len}字，请精简。", field=field)
    if _has_bad_characters(value, allowed="\n\r\t\u2028\u2029"):
        raise InvalidInput(f"{label}中含有不可见的控制字符，请重新输入。", field=field)
    return value
