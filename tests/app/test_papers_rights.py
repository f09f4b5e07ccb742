"""A 不予受理通知书 always states both rights with their limits (issue #15, point 4): the hall's
rights text is refused when it is set without them, and a rejection built without them is not printed."""

from __future__ import annotations

import pytest

from app.documents.pdf import render_pdf
from app.documents.texts import DEFAULT_TEXTS, check_notice_text, rights_missing
from app.errors import InvalidInput
from tools.render_samples import sample

KEY = "text.rejection.rights"
HALL = ("　　如不服本决定，可以自收到本通知书之日起60日内向示范县人民政府申请行政复议，"
        "也可以自收到本通知书之日起6个月内向示范县人民法院提起行政诉讼。")


def test_the_default_and_a_hall_naming_its_bodies_are_accepted() -> None:
    assert check_notice_text(KEY, DEFAULT_TEXTS["rejection.rights"]) == DEFAULT_TEXTS["rejection.rights"]
    assert check_notice_text(KEY, HALL) == HALL
    assert rights_missing("申请行政复议的期限为六十日；提起行政诉讼的期限为六个月。") == []


@pytest.mark.parametrize(("text", "missing"), [
    ("如不服本决定，可以依法申请行政复议或者提起行政诉讼。", ["六十日内申请行政复议", "六个月内提起行政诉讼"]),
    ("如不服本决定，可以自收到本通知书之日起六十日内依法申请行政复议。", ["六个月内提起行政诉讼"]),
    ("如不服本决定，可以自收到本通知书之日起六个月内依法向人民法院提起行政诉讼。", ["六十日内申请行政复议"]),
    ("如不服本决定，可以在六个月内申请行政复议，或者在六十日内提起行政诉讼。",  # the limits swapped
     ["六十日内申请行政复议", "六个月内提起行政诉讼"]),
    ("请按要求重新申请。", ["六十日内申请行政复议", "六个月内提起行政诉讼"]),
    ("", ["六十日内申请行政复议", "六个月内提起行政诉讼"]),
])
def test_a_rights_text_without_a_right_or_its_limit_is_refused(text: str, missing: list[str]) -> None:
    assert rights_missing(text) == missing
    with pytest.raises(InvalidInput) as info:
        check_notice_text(KEY, text)
    assert info.value.field == KEY
    assert "行政复议" in info.value.message and "行政诉讼" in info.value.message
    assert "缺少：" + "、".join(missing) in info.value.message


def test_other_wording_is_not_checked_for_rights() -> None:
    assert check_notice_text("text.acceptance.body", "请按要求重新申请。") == "请按要求重新申请。"
    assert check_notice_text("text.correction.after", "") == ""


def test_a_rejection_without_the_rights_is_not_printed() -> None:
    texts = {"rejection.rights": "　　如不服本决定，可以向人民法院提起诉讼。"}
    with pytest.raises(InvalidInput) as info:
        render_pdf(sample("rejection", texts=texts))
    assert info.value.field == KEY and "行政复议" in info.value.message
    with pytest.raises(InvalidInput):
        render_pdf(sample("rejection", texts={"rejection.rights": ""}))
    # the same hall wording on another paper, and a hall's own rights text, print
    assert render_pdf(sample("acceptance", texts=texts)).startswith(b"%PDF")
    assert render_pdf(sample("rejection", texts={"rejection.rights": HALL})).startswith(b"%PDF")
