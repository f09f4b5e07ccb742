"""Default wording of each paper. A hall overrides any block with the parameter
``text.<key>`` (e.g. ``text.acceptance.body``); fields in braces are filled in."""

from __future__ import annotations

import re

from app.errors import InvalidInput

DEFAULT_TEXTS: dict[str, str] = {
    "receipt.body": "{applicant}：\n　　你（单位）于{received}申请办理“{matter}”事项，本窗口已收到下列材料，特此回执。"
                    "本回执不代表申请已被受理，受理决定将依法另行告知。",
    "acceptance.body": "{applicant}：\n　　你（单位）于{received}提出的“{matter}”申请，申请材料齐全、符合法定形式，"
                       "根据《中华人民共和国行政许可法》第三十二条的规定，本机关决定予以受理，受理日期为{accepted}。"
                       "本机关承诺于{due}前办结。\n"
                       "　　承办窗口：{window}；咨询电话：{phone}；投诉电话：{complaint_phone}。",
    "rejection.body": "{applicant}：\n　　你（单位）于{received}提出的“{matter}”申请，经审查，本机关决定不予受理。",
    "rejection.rights": "　　如不服本决定，可以自收到本通知书之日起六十日内依法申请行政复议，"
                        "或者自收到本通知书之日起六个月内依法向人民法院提起行政诉讼。",
    "correction.body": "{applicant}：\n　　你（单位）于{received}提出的“{matter}”申请，"
                       "申请材料不齐全或者不符合法定形式。"
                       "根据《中华人民共和国行政许可法》第三十二条的规定，现一次性告知你（单位）需要补正的全部内容如下：",
    "correction.after": "　　请按上述要求补正后重新提交。补正材料齐全、符合法定形式的，本机关将依法受理。",
    "deferred.body": "{applicant}：\n　　你（单位）于{received}提出的“{matter}”申请，主审要件齐全，"
                     "本机关依据容缺受理制度予以受理，受理日期为{accepted}，承诺于{due}前办结。下列材料容缺后补：",
    "deferred.after": "　　请于{deadline}前将上述材料提交至{window}（可现场提交或邮寄）。逾期未补齐的，"
                      "本机关将终止办理并退回申请材料，由此产生的后果由申请人承担。",
    "commitment.body": "本人（单位）就“{matter}”申请（办件编号：{case_number}）作出如下承诺：所提交的材料真实、有效，"
                       "并于{deadline}前补齐下列容缺材料。逾期未补齐的，愿意承担终止办理等相应后果。",
    "completion.body": "{applicant}：\n　　你（单位）申请的“{matter}”已办结，办理结果：{verdict}。{result}\n"
                       "　　请携带本通知书及身份证件到{window}领取办理结果。咨询电话：{phone}。",
    "pickup.body": "办件编号{case_number}“{matter}”的办理结果已由领取人当面签收。",
}

KIND_BLOCKS = {
    "receipt": ("receipt.body",),
    "acceptance": ("acceptance.body",),
    "rejection": ("rejection.body",),
    "correction": ("correction.body",),
    "deferred": ("deferred.body",),
    "commitment": ("commitment.body",),
    "completion": ("completion.body",),
    "pickup": ("pickup.body",),
}

RIGHTS_KEY = "rejection.rights"
_SENTENCE = re.compile(r"[。；;！？\n]")
_LIMITS = {"复议": re.compile(r"(六十|60)\s*(日|天)"), "诉讼": re.compile(r"(六|6)\s*个\s*月")}
_RIGHTS = {"复议": "行政复议", "诉讼": "行政诉讼"}
_RIGHT_LABELS = {"复议": "六十日内申请行政复议", "诉讼": "六个月内提起行政诉讼"}


def _states(sentence: str, right: str) -> bool:
    """The sentence names ``right`` with its own limit: the limit nearest to the right's name
    (before it, else after it) is that right's, not the other's."""
    name = _RIGHTS[right]
    for at in (m.start() for m in re.finditer(name, sentence)):
        marks = sorted((m.start(), kind) for kind, rx in _LIMITS.items() for m in rx.finditer(sentence))
        before = [kind for pos, kind in marks if pos < at]
        after = [kind for pos, kind in marks if pos > at]
        nearest = before[-1] if before else (after[0] if after else None)
        if nearest == right:
            return True
    return False


def rights_missing(text: str) -> list[str]:
    """The rights a 不予受理通知书 must state (Art. 38 行政许可法) that ``text`` does not, as words:
    行政复议 within 六十日 and 行政诉讼 within 六个月, each named with its own limit in one sentence."""
    sentences = _SENTENCE.split(text)
    return [label for right, label in _RIGHT_LABELS.items() if not any(_states(s, right) for s in sentences)]


def rights_refusal(missing: list[str], field: str) -> InvalidInput:
    return InvalidInput(
        "不予受理通知书必须告知申请人依法申请行政复议（六十日内）和提起行政诉讼（六个月内）的权利及期限，"
        f"当前文字缺少：{'、'.join(missing)}。可以写明复议机关和法院的名称，但两项权利及期限都不能删去。",
        field=field,
    )


def check_notice_text(key: str, value: str) -> str:
    """A hall's wording ``text.<block>`` as it may be set: the rejection's rights text must keep both
    rights with their limits (raises InvalidInput naming what is missing). Returns ``value``."""
    block = key.removeprefix("text.")
    if block == RIGHTS_KEY:
        missing = rights_missing(value)
        if missing:
            raise rights_refusal(missing, key)
    return value
