"""Masking of applicants' ID numbers and phones (docs/ledger.md, 证件号码和电话的遮蔽).

Lists, search results, exports and log lines show ``110101********1234`` and ``138****5678``; the full
number is only in the case's own view, behind 显示, and each reveal is audited (``LedgerService.reveal``).
The rules: an 18-character ID number (resident ID, unified social credit code) keeps its first 6 and last
4 characters, an 11-digit mobile its first 3 and last 4; any other value (a 15-digit old ID, a passport,
a landline) shows at most half of its characters, the end ones first (they are what a clerk reads back
to the applicant). Pure functions, plus a ``logging.Filter`` that applies them to every log record.
"""

from __future__ import annotations

import logging
import re

MASK = "*"
_MOBILE = re.compile(r"1[3-9]\d{9}")
# In free text (log lines): 18-digit IDs (check digit X too) and 15-digit old ones, mobiles (optionally
# +86 and dashes/blanks as people write them), none of them inside a longer run of letters or digits.
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_MOBILE_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?![0-9A-Za-z])")
_PLAIN_FORMATTER = logging.Formatter()


def _keep_ends(value: str, head: int, tail: int) -> str:
    return value[:head] + MASK * (len(value) - head - tail) + (value[-tail:] if tail else "")


def _at_most_half(value: str) -> str:
    """Shows ``len // 2`` characters at most: up to 4 at the end, the rest (up to 6) at the start."""
    keep = len(value) // 2
    tail = min(4, (keep + 1) // 2)
    return _keep_ends(value, min(6, keep - tail), tail)


def mask_id_number(number: str) -> str:
    """'110101199003071234' → '110101********1234'; '11010519491231002X' → '110105********002X'.

    An 18-character number (resident ID or unified social credit code) keeps its first 6 and last 4;
    any other shows at most half of its characters (a 15-digit old ID: '110105491231002' →
    '110********1002'). Empty stays empty.
    """
    if not number:
        return ""
    if len(number) == 18:
        return _keep_ends(number, 6, 4)
    return _at_most_half(number)


def mask_phone(phone: str) -> str:
    """'13812345678' → '138****5678'; a landline or other number shows at most half of its characters
    ('0571-87654321' → '057*******321'). Empty stays empty."""
    if not phone:
        return ""
    if _MOBILE.fullmatch(phone):
        return _keep_ends(phone, 3, 4)
    return _at_most_half(phone)


def _mask_mobile_match(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))[-11:]
    return mask_phone(digits)


def mask_text(text: str) -> str:
    """Every ID number and mobile found in ``text`` masked, everything else (names, 生僻字) untouched."""
    text = _ID_IN_TEXT.sub(lambda m: mask_id_number(m.group(0)), text)
    return _MOBILE_IN_TEXT.sub(_mask_mobile_match, text)


class PiiLogFilter(logging.Filter):
    """Masks ID numbers and mobiles in a record's message and traceback, whatever logged it: defence in
    depth beside log calls that never format applicant data (an error's text can carry a row's values).
    Attach it to a handler, so records propagated from every logger pass through it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # arguments that do not fit the format: the handler reports that itself
            return True
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = _PLAIN_FORMATTER.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return True


def install_log_filter(handler: logging.Handler) -> logging.Handler:
    """Adds the filter to ``handler`` (once); returns the handler."""
    if not any(isinstance(f, PiiLogFilter) for f in handler.filters):
        handler.addFilter(PiiLogFilter())
    return handler
