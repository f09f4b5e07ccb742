"""Masking of ID numbers and phones (app.pii): the rules, and the log filter that applies them to any
log record. Pure; no Qt, no database."""

from __future__ import annotations

import logging

import pytest

from app.pii import PiiLogFilter, install_log_filter, mask_id_number, mask_phone, mask_text

ID = "110101199003071234"
ID_X = "11010519491231002X"
OLD_ID = "110105491231002"  # 15-digit number of before 1999
MOBILE = "13812345678"


def _shown(masked: str) -> int:
    return sum(c != "*" for c in masked)


def test_an_18_character_number_keeps_its_first_6_and_last_4() -> None:
    assert mask_id_number(ID) == "110101********1234"
    assert mask_id_number(ID_X) == "110105********002X"  # the X check digit is kept as the last of 4
    assert mask_id_number("91350100M000100Y43") == "913501********0Y43"  # unified social credit code


def test_a_15_digit_old_id_and_other_lengths_show_at_most_half() -> None:
    assert mask_id_number(OLD_ID) == "110********1002"
    assert mask_id_number("E12345678") == "E1*****78"  # a passport
    assert mask_id_number("12345") == "1***5"
    assert mask_id_number("12") == "*2"
    assert mask_id_number("7") == "*"
    for value in (OLD_ID, "E12345678", "H1234567801", "12345", "1234", "12", "7", "A" * 40):
        masked = mask_id_number(value)
        assert len(masked) == len(value) and _shown(masked) <= len(value) // 2, value


def test_empty_stays_empty() -> None:
    assert mask_id_number("") == "" and mask_phone("") == "" and mask_text("") == ""


def test_a_mobile_keeps_its_first_3_and_last_4_and_other_phones_at_most_half() -> None:
    assert mask_phone(MOBILE) == "138****5678"
    assert mask_phone("0571-87654321") == "057*******321"
    assert mask_phone("87654321") == "87****21"
    assert mask_phone("12345") == "1***5"
    for value in ("0571-87654321", "87654321", "12345", "400-123-4567", "1"):
        assert _shown(mask_phone(value)) <= len(value) // 2, value


def test_text_has_every_number_masked_and_names_untouched() -> None:
    text = f"王𬌗（{ID}）电话{MOBILE}，阿依古丽·买买提 {ID_X.lower()}；旧证 {OLD_ID}；+86 138-1234-5678"
    assert mask_text(text) == ("王𬌗（110101********1234）电话138****5678，阿依古丽·买买提 110105********002x；"
                               "旧证 110********1002；138****5678")
    assert mask_text("王𬌗 欧阳娜娜") == "王𬌗 欧阳娜娜"


@pytest.mark.parametrize("text", [
    "case 0190a5b2-7c1d-7e3f-9a10-123456789012",  # uuid: 12 digits in a run
    "cursor 100000000000000000000",  # 21 digits
    "seq 1234567890",  # 10 digits
    "XK2026000123 accepted",  # a case number
])
def test_text_leaves_other_numbers_alone(text: str) -> None:
    assert mask_text(text) == text


def _record(msg: str, *args: object, exc: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc is not None else None
    return logging.LogRecord("counterdesk.test", logging.ERROR, __file__, 1, msg, args, exc_info)


def test_the_log_filter_masks_message_arguments_and_tracebacks() -> None:
    try:
        raise ValueError(f"UNIQUE constraint failed [parameters: ('{ID}', '李明', '{MOBILE}')]")
    except ValueError as exc:
        record = _record("intake of %s (%s) failed", "王𬌗", ID, exc=exc)
    assert PiiLogFilter().filter(record) is True
    line = logging.Formatter("%(message)s").format(record)
    assert ID not in line and MOBILE not in line
    assert "intake of 王𬌗 (110101********1234) failed" in line
    assert "('110101********1234', '李明', '138****5678')" in line


def test_the_filter_on_a_handler_masks_what_any_logger_writes(tmp_path) -> None:
    path = tmp_path / "app.log"
    handler = install_log_filter(logging.FileHandler(path, encoding="utf-8"))
    install_log_filter(handler)
    assert sum(isinstance(f, PiiLogFilter) for f in handler.filters) == 1  # installed once
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        logging.getLogger("app.some.module").warning("applicant %s phone %s", ID_X, MOBILE)
        logging.getLogger("counterdesk").info("nothing personal in %s", "XK2026000123")
    finally:
        root.removeHandler(handler)
        handler.close()
    text = path.read_text(encoding="utf-8")
    assert ID_X not in text and MOBILE not in text
    assert "applicant 110105********002X phone 138****5678" in text
