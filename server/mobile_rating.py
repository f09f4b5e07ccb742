"""扫码评价: the phone page the QR code on the papers opens (``/r/{query_code}``).

Three steps, plain server-rendered HTML (server.mobile_pages):

1. ``GET /r/{code}`` asks for the last four characters of the phone or ID number given at intake
   (the applicant's phone or ID number, or the agent's ID number). It says nothing about the case,
   not even whether the code exists.
2. ``POST /r/{code}`` checks them. Refused (403) when wrong; rate-limited (429) at WRONG_PER_CODE
   wrong answers per code and PER_ADDRESS answers per client address within LIMIT_WINDOW (the
   MobileRatingAttempt rows; the address only as a keyed hash). Right: the rating form, showing
   the matter and the date only, with a token signed by the server's secret that binds the form to
   this case for TOKEN_TTL, so the rating post cannot skip the check.
3. ``POST /r/{code}/rate`` records the rating once (server.rating_ops.store_rating: channel
   "mobile", device "mobile", written to the hall scope's change log, so counters pull it) and
   sends the browser to ``/r/{code}/thanks``. A case rated already (at the counter or here) is
   refused politely (409), at step 2 and here.

The staff member rated is the one whose 办结/出件 the counter reported (the server's audit chain),
or whom the counter's 未评价 row names; the window is the case's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated
from urllib.parse import parse_qs, quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.cases.rules import CaseStatus
from app.errors import InvalidInput
from app.ratings import policy
from db.models import Case, Rating
from server.attendance_fields import hall_parameter, to_local
from server.meta import get_meta, set_meta
from server.mobile_pages import FormState, notice_page, rating_page, thanks_page, verify_page
from server.mobile_pages.font import MAX_CHARS, subset
from server.rating_ops import store_rating
from server.schema import AuditChainEntry, ChangeLog, MobileRatingAttempt

if TYPE_CHECKING:
    from server.api import ServerState  # server.api mounts this router

log = logging.getLogger("counter_desk.server")

TOKEN_TTL = dt.timedelta(minutes=30)
LIMIT_WINDOW = dt.timedelta(hours=1)
WRONG_PER_CODE = 5
PER_ADDRESS = 30
MAX_BODY = 16 * 1024
SECRET_KEY = "mobile_rating_secret"
CHANNEL = DEVICE = "mobile"
CODE = re.compile(r"[0-9A-Za-z]{4,16}")
ALREADY = "该办件已评价，每件只能评价一次。"
HEADERS = {
    "Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; font-src 'self'; "
                               "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
}
# the op kinds whose actor is the person a phone rating of each trigger rates
STEP_KINDS = {"deliver": ("case.deliver",), "complete": ("case.complete",), "receipt": ("case.open",)}

router = APIRouter(prefix="/r", include_in_schema=False)


def _state(request: Request) -> ServerState:
    state: ServerState = request.app.state.server
    return state


async def _form(request: Request) -> dict[str, list[str]]:
    """The urlencoded form of a post, at most MAX_BODY bytes (the rest is not read)."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            return {}
    return parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=40)


Form = Annotated[dict[str, list[str]], Depends(_form)]


def _html(content: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(content, status_code=status, headers=HEADERS)


def _one(form: Mapping[str, list[str]], key: str) -> str:
    values = form.get(key) or [""]
    return values[0]


# -- the server's secret, tokens, the rate limit --------------------------------------------------

def _secret(state: ServerState) -> bytes:
    """The key of the tokens and address hashes, made once per server database."""
    with state.db.snapshot() as s:
        value = get_meta(s, SECRET_KEY)
    if value is None:
        try:
            with state.db.write() as s:
                if get_meta(s, SECRET_KEY) is None:
                    set_meta(s, SECRET_KEY, secrets.token_hex(32))
        except IntegrityError:
            pass  # another request made it first: use theirs
        with state.db.snapshot() as s:
            value = get_meta(s, SECRET_KEY)
    assert value is not None
    return bytes.fromhex(value)


def _sign(secret: bytes, text: str) -> str:
    return hmac.new(secret, text.encode(), hashlib.sha256).hexdigest()


def make_token(secret: bytes, case_id: str, expires: dt.datetime) -> str:
    stamp = str(int(expires.replace(tzinfo=dt.UTC).timestamp()))
    return f"{stamp}.{_sign(secret, f'rate:{case_id}:{stamp}')}"


def token_valid(secret: bytes, case_id: str, token: str, now: dt.datetime) -> bool:
    stamp, _, signature = token.partition(".")
    if not stamp.isdigit() or len(stamp) > 12:
        return False
    fresh = dt.datetime.fromtimestamp(int(stamp), dt.UTC).replace(tzinfo=None) > now
    return fresh and hmac.compare_digest(signature, _sign(secret, f"rate:{case_id}:{stamp}"))


def client_hash(secret: bytes, request: Request) -> str:
    return _sign(secret, "client:" + (request.client.host if request.client else ""))


def limited(s: Session, client: str, code: str, now: dt.datetime) -> bool:
    since = now - LIMIT_WINDOW
    count = select(func.count()).select_from(MobileRatingAttempt).where(MobileRatingAttempt.at > since)
    wrong = s.scalar(count.where(MobileRatingAttempt.query_code == code, MobileRatingAttempt.ok.is_(False))) or 0
    tries = s.scalar(count.where(MobileRatingAttempt.client_hash == client)) or 0
    return wrong >= WRONG_PER_CODE or tries >= PER_ADDRESS


# -- the case ---------------------------------------------------------------------------------------

def find_case(s: Session, code: str) -> Case | None:
    return s.scalars(select(Case).where(Case.query_code == code.upper())).first()


def _last_four(value: str) -> str:
    kept = re.sub(r"[^0-9A-Za-z]", "", value or "").upper()
    return kept[-4:] if len(kept) >= 4 else ""


def verified(case: Case, answer: str) -> bool:
    """The last four characters of the applicant's phone or ID number, or of the agent's ID number."""
    given = answer.strip().upper()
    if not re.fullmatch(r"[0-9X]{4}", given):
        return False
    known = [_last_four(v) for v in (case.applicant_phone, case.applicant_id_number, case.agent_id_number)]
    return any(k and hmac.compare_digest(k, given) for k in known)


def _trigger(s: Session, case: Case) -> str | None:
    """What a phone rating of the case rates: its 出件, its 办结, or (hall option) its 收件."""
    if case.status == CaseStatus.DELIVERED:
        return "deliver"
    if case.status == CaseStatus.COMPLETED:
        return "complete"
    if case.status != CaseStatus.VOIDED and hall_parameter(s, case.hall_id, "rating.after_receipt") == "1":
        return "receipt"
    return None


def rated(s: Session, case_id: str) -> bool:
    """A rated row exists for the case, from either channel."""
    held = select(Rating.id).where(Rating.case_id == case_id, Rating.level.is_not(None))
    return s.get(Rating, policy.rating_id(case_id, True)) is not None or s.scalars(held).first() is not None


def rated_person(s: Session, case: Case, trigger: str) -> tuple[str | None, str | None]:
    """(staff_id, window_id): whom the counter's 未评价 row names, else the actor of the case's step
    as the server's audit chain has it, else whoever took the case in; the case's window."""
    unrated = s.get(Rating, policy.rating_id(case.id, False))
    if unrated is not None and unrated.staff_id:
        return unrated.staff_id, unrated.window_id or case.window_id
    ops = select(ChangeLog.op_id).where(ChangeLog.entity == "case", ChangeLog.entity_id == case.id,
                                        ChangeLog.op_id.is_not(None))
    actor = s.scalars(select(AuditChainEntry.actor_id)
                      .where(AuditChainEntry.hall_id == case.hall_id, AuditChainEntry.op_id.in_(ops),
                             AuditChainEntry.kind.in_(STEP_KINDS[trigger]), AuditChainEntry.actor_id.is_not(None))
                      .order_by(AuditChainEntry.seq.desc())).first()
    return actor or case.created_by, case.window_id


def cn_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


# -- the pages -----------------------------------------------------------------------------------

def _refusal(case: Case | None, s: Session) -> tuple[str, str] | None:
    if case is None:
        return None
    if rated(s, case.id):
        return "已评价", ALREADY
    if _trigger(s, case) is None:
        return "暂不能评价", "该办件尚未办结，办结或取件后可扫码评价本次服务；如有疑问请咨询窗口工作人员。"
    return None


def _form_page(state: ServerState, code: str, case: Case, form: FormState | None = None) -> str:
    token = make_token(_secret(state), case.id, state.now() + TOKEN_TTL)
    return rating_page(code, token, case.matter_name, cn_date(case.received_on), policy.LEVELS, policy.REASONS, form)


@router.get("/-/font.ttf")
def font(c: str = "", typing: str = "") -> Response:
    """The shipped Chinese face cut down to the characters ``c`` of one page, with ``typing=1`` also
    the common ones (cached for a day)."""
    font = subset(c[:MAX_CHARS], typing == "1")
    return Response(font, media_type="font/ttf", headers={"Cache-Control": "public, max-age=86400"})


@router.get("/{code}")
def start(code: str) -> HTMLResponse:
    if not CODE.fullmatch(code):
        return _html(notice_page("二维码无效", "未能识别该评价码，请重新扫描文书上的二维码。"), 404)
    return _html(verify_page(code))


@router.post("/{code}")
def check(code: str, form: Form, request: Request) -> HTMLResponse:
    """Step 2: the verification; the rating form when it holds."""
    if not CODE.fullmatch(code):
        return _html(notice_page("二维码无效", "未能识别该评价码，请重新扫描文书上的二维码。"), 404)
    state = _state(request)
    now, client, key = state.now(), client_hash(_secret(state), request), code.upper()
    with state.db.write() as s:
        if limited(s, client, key, now):
            return _html(notice_page("尝试次数过多", "验证尝试次数过多，请一小时后再试，或到窗口评价。"), 429)
        case = find_case(s, key)
        ok = case is not None and verified(case, _one(form, "digits"))
        s.add(MobileRatingAttempt(client_hash=client, query_code=key, ok=ok, at=now))
    if not ok or case is None:
        return _html(verify_page(code, "验证未通过：请输入办理时登记的手机号码或证件号码的后四位。"), 403)
    with state.db.snapshot() as s:
        case = find_case(s, key)
        assert case is not None
        refusal = _refusal(case, s)
        if refusal:
            return _html(notice_page(*refusal), 409)
        return _html(_form_page(state, code, case))


def _chosen(form: Mapping[str, list[str]]) -> FormState:
    level = _one(form, "level")
    return FormState(level=int(level) if level in ("1", "2", "3", "4", "5") else None,
                     reasons=tuple(form.get("reasons", ())), comment=_one(form, "comment"), phone=_one(form, "phone"))


@router.post("/{code}/rate", response_model=None)
def rate(code: str, form: Form, request: Request) -> HTMLResponse | RedirectResponse:
    """Step 3: record the rating once (a valid token from step 2 needed)."""
    state = _state(request)
    again = f"/r/{quote(code)}"
    expired = notice_page("验证已失效", "本次验证已失效，请重新验证后评价。", again)
    if not CODE.fullmatch(code):
        return _html(expired, 403)
    now, chosen = state.now(), _chosen(form)
    with state.db.snapshot() as s:
        case = find_case(s, code)
        if case is None or not token_valid(_secret(state), case.id, _one(form, "token"), now):
            return _html(expired, 403)
        refusal = _refusal(case, s)
        if refusal:
            return _html(notice_page(*refusal), 409)
        try:
            if chosen.level is None:
                raise InvalidInput("请选择评价等级（非常满意至非常不满意）。", field="level")
            reasons, comment, phone = policy.check_rating(chosen.level, list(chosen.reasons), chosen.comment,
                                                          chosen.phone)
        except InvalidInput as exc:
            shown = FormState(chosen.level, chosen.reasons, chosen.comment, chosen.phone, exc.message)
            return _html(_form_page(state, code, case, shown), 400)
    try:
        with state.db.write() as s:
            case = find_case(s, code)
            assert case is not None
            trigger = _trigger(s, case)
            if rated(s, case.id) or trigger is None:
                return _html(notice_page("已评价", ALREADY), 409)
            staff_id, window_id = rated_person(s, case, trigger)
            rating = Rating(id=policy.rating_id(case.id, True), hall_id=case.hall_id, case_id=case.id,
                            window_id=window_id, staff_id=staff_id, matter_id=case.matter_id, level=chosen.level,
                            reasons=reasons, comment=comment, callback_phone=phone, channel=CHANNEL,
                            trigger=trigger, device_id=DEVICE, rated_at=to_local(now).replace(microsecond=0))
            store_rating(s, case.hall_id, rating, now)
    except IntegrityError:  # the counter's rating (or a second tab) got there first
        return _html(notice_page("已评价", ALREADY), 409)
    log.info("phone rating recorded for case %s", rating.case_id)
    return RedirectResponse(f"/r/{quote(code)}/thanks", status_code=303, headers=HEADERS)


@router.get("/{code}/thanks")
def thanks(code: str) -> HTMLResponse:
    return _html(thanks_page())
