"""Pinyin search keys for matters, so `yyzz` finds 营业执照 at the counter.

A matter's keys are computed once, when the catalogue is imported, and stored with it; the
search itself (:func:`matches`) is plain substring tests and needs no dictionary.
"""

from __future__ import annotations

import re
import unicodedata

_ASCII_RUN = re.compile(r"[A-Za-z0-9]+")


def _syllables(chinese: str) -> list[str]:
    """Pinyin without tones, one reading per character (the phrase-aware, most common one).

    Imported here: the phrase dictionary takes about 0.25 s to load, which stays out of the
    app's start-up.
    """
    from pypinyin import Style, lazy_pinyin

    return [s for s in lazy_pinyin(chinese, style=Style.NORMAL, errors="ignore") if s.isascii() and s.isalnum()]


def pinyin_keys(text: str) -> tuple[str, str]:
    """``(initials, full)`` search keys of ``text``, lower-case ASCII.

    Chinese characters give their pinyin without tones (ü as ``v``); for a character with
    several readings the phrase-aware first reading is used. ASCII letters and digits are
    kept as they are (lower-cased) in both keys, full-width ones included; anything else
    (punctuation, the middle dot, spaces) is dropped.

    >>> pinyin_keys("营业执照")
    ('yyzz', 'yingyezhizhao')
    >>> pinyin_keys("ICP许可证")
    ('icpxkz', 'icpxukezheng')
    """
    text = unicodedata.normalize("NFKC", text)
    initials: list[str] = []
    full: list[str] = []
    position = 0
    for run in _ASCII_RUN.finditer(text):
        _add_chinese(text[position:run.start()], initials, full)
        initials.append(run.group())
        full.append(run.group())
        position = run.end()
    _add_chinese(text[position:], initials, full)
    return "".join(initials).lower(), "".join(full).lower()


def _add_chinese(chunk: str, initials: list[str], full: list[str]) -> None:
    if not chunk.strip():
        return
    for syllable in _syllables(chunk):
        initials.append(syllable[0])
        full.append(syllable)


def matches(query: str, name: str, initials: str, full: str) -> bool:
    """Whether a matter matches what the clerk typed (case-insensitive).

    True when the query is a substring of the name, or — for an ASCII query — of the
    initials or of the full pinyin (blanks in the query are ignored there). Full-width
    letters are read as half-width. An empty query matches everything.
    """
    q = unicodedata.normalize("NFKC", query).strip().lower()
    if not q:
        return True
    if q in unicodedata.normalize("NFKC", name).lower():
        return True
    if not q.isascii():
        return False
    compact = "".join(q.split())
    return compact in initials.lower() or compact in full.lower()
