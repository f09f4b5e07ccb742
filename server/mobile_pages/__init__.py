"""The phone rating pages (扫码评价) as plain server-rendered HTML: string.Template files in this
folder, every value escaped here. No script; the little CSS is inlined. The pages carry nothing of
the applicant: the rating form shows the matter and the date only.

The Chinese text is drawn with the system's fonts, or else the shipped WenQuanYi Micro Hei cut down
to the characters of the page (server.mobile_pages.font), linked from each page.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from string import Template
from urllib.parse import quote

from server.mobile_pages.font import common

HERE = Path(__file__).resolve().parent
FONT_PATH = "/r/-/font.ttf"
VERIFY_NOTE = ("为保护您的信息，请先输入办理时登记的<strong>手机号码</strong>或<strong>证件号码</strong>的后四位，"
               "验证后即可评价本次服务。")


@cache
def _file(name: str) -> str:
    return (HERE / name).read_text(encoding="utf-8")


def _e(value: str) -> str:
    return html.escape(value, quote=True)


def page(title: str, body: str, *, typing: bool = False) -> str:
    """The whole page around ``body``; its web font holds the characters of the page (and, for a
    form the applicant types into, the common ones: server.mobile_pages.font)."""
    template = Template(_file("base.html"))
    fields = {"title": _e(title), "body": body, "css": _file("style.css")}
    known = set(common()) if typing else set()  # in the font anyway: forms of every case share one URL
    chars = "".join(sorted({c for c in template.substitute(fields, font_url="") if ord(c) > 0x7F} - known))
    font_url = FONT_PATH + "?c=" + quote(chars, safe="") + ("&typing=1" if typing else "")
    return template.substitute(fields, font_url=font_url)  # in <style>: raw text, and quote() left no markup


def _error(message: str) -> str:
    return f'<div class="error" role="alert">{_e(message)}</div>' if message else ""


def verify_page(code: str, error: str = "") -> str:
    """Step 1: the last four characters of the phone or ID number given at intake."""
    body = f"""<h1>扫码评价</h1>
{_error(error)}<div class="card">
<p class="note">{VERIFY_NOTE}</p>
<form method="post" action="/r/{quote(code)}" autocomplete="off">
<label class="field"><span>后四位</span>
<input class="code" type="text" name="digits" inputmode="text" maxlength="4" pattern="[0-9Xx]{{4}}" required
 autofocus aria-label="手机号码或证件号码后四位"></label>
<button type="submit">验证</button>
</form>
</div>"""
    return page("扫码评价", body)


@dataclass(frozen=True)
class FormState:
    """What the applicant chose so far (kept when the form comes back with a message)."""

    level: int | None = None
    reasons: Sequence[str] = ()
    comment: str = ""
    phone: str = ""
    error: str = ""


def rating_page(code: str, token: str, matter: str, day: str, levels: Mapping[int, str],
                reasons: Mapping[str, str], state: FormState | None = None) -> str:
    """Step 2: the matter and the date, the five levels, reasons for a 差评, comment, phone."""
    st = state or FormState()
    level_inputs = "\n".join(
        f'<label class="choice"><input type="radio" name="level" value="{n}"'
        f'{" checked" if st.level == n else ""} required><span>{_e(label)}</span></label>'
        for n, label in sorted(levels.items(), reverse=True))
    reason_inputs = "\n".join(
        f'<label class="choice"><input type="checkbox" name="reasons" value="{_e(key)}"'
        f'{" checked" if key in st.reasons else ""}><span>{_e(label)}</span></label>'
        for key, label in reasons.items())
    body = f"""<h1>请您对本次服务进行评价</h1>
{_error(st.error)}<div class="card"><dl class="facts">
<dt>办理事项</dt><dd id="matter">{_e(matter)}</dd>
<dt>申请日期</dt><dd id="day">{_e(day)}</dd>
</dl></div>
<form method="post" action="/r/{quote(code)}/rate" class="card" autocomplete="off">
<input type="hidden" name="token" value="{_e(token)}">
<fieldset><legend>服务评价</legend>
{level_inputs}
</fieldset>
<fieldset class="reasons"><legend>不满意的原因（选择“不满意”或“非常不满意”时必选，可多选）</legend>
{reason_inputs}
</fieldset>
<label class="field"><span>意见建议（选填）</span>
<textarea name="comment" maxlength="500">{_e(st.comment)}</textarea></label>
<label class="field"><span>回访电话（选填）</span>
<input type="tel" name="phone" inputmode="tel" maxlength="20" value="{_e(st.phone)}">
<small>仅用于差评核实回访，不会公开。</small></label>
<button type="submit">提交评价</button>
</form>"""
    return page("扫码评价", body, typing=True)


def thanks_page() -> str:
    body = """<div class="card"><p class="big">✓</p>
<h1>感谢您的评价！</h1>
<p>您的评价已提交。如您对服务不满意，服务中心将核实整改，并按您留下的电话回访。</p>
</div>"""
    return page("感谢您的评价", body)


def notice_page(title: str, message: str, again: str | None = None) -> str:
    """A polite refusal or note; ``again``: a link back to the first step."""
    link = f'<a class="button" href="{_e(again)}">重新验证</a>' if again else ""
    body = f'<div class="card"><h1>{_e(title)}</h1><p>{_e(message)}</p>{link}</div>'
    return page(title, body)
