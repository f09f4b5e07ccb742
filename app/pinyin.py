"""Pinyin search keys for matters, so `yyzz` finds 营业执照 at the counter."""

from __future__ import annotations


def pinyin_keys(text: str) -> tuple[str, str]:
    """(initials, full pinyin) in lower-case ASCII; other characters kept, lower-cased.

    Only needed when a catalogue is imported (the keys are stored with the matter), so the
    phrase dictionary (about 0.25 s to load) stays out of the app's start-up.
    """
    from pypinyin import Style, lazy_pinyin

    syllables = lazy_pinyin(text, style=Style.NORMAL, errors=list)  # type: ignore[arg-type]
    initials = "".join(s[0] for s in syllables if s and s[0].isascii() and s[0].isalnum()).lower()
    full = "".join(s for s in syllables if s.isascii() and s.isalnum()).lower()
    return initials, full


def matches(query: str, name: str, initials: str, full: str) -> bool:
    """Case-insensitive: a substring of the name, of the initials or of the full pinyin."""
    q = query.strip().lower()
    if not q:
        return True
    if q in name.lower():
        return True
    return q.isascii() and (q in initials or q in full)
