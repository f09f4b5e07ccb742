"""Pinyin search keys: `yyzz` finds 营业执照 at the counter."""

from __future__ import annotations

import pytest

from app.pinyin import matches, pinyin_keys


@pytest.mark.parametrize(
    ("text", "initials", "full"),
    [
        ("营业执照", "yyzz", "yingyezhizhao"),
        ("个体工商户设立登记", "gtgshsldj", "getigongshanghushelidengji"),
        ("重庆银行", "cqyh", "chongqingyinhang"),  # heteronyms 重, 行 read in context
        ("行政许可", "xzxk", "xingzhengxuke"),
        ("长江", "cj", "changjiang"),
        ("绿色食品", "lssp", "lvseshipin"),  # ü is written v
        ("ICP许可证", "icpxkz", "icpxukezheng"),  # ASCII kept, lower-cased, in both keys
        ("ＩＣＰ证", "icpz", "icpzheng"),  # full-width letters read as half-width
        ("第3类医疗器械", "d3lylqx", "di3leiyiliaoqixie"),
        ("食品经营许可（小餐饮）", "spjyxkxcy", "shipinjingyingxukexiaocanyin"),  # punctuation dropped
        ("阿依古丽·买买提", "ayglmmt", "ayigulimaimaiti"),
        ("", "", ""),
        ("  ", "", ""),
    ],
)
def test_pinyin_keys(text: str, initials: str, full: str) -> None:
    assert pinyin_keys(text) == (initials, full)


def test_keys_are_lower_case_ascii() -> None:
    for text in ("营业执照变更登记", "王𬌗", "A级纳税人"):
        initials, full = pinyin_keys(text)
        assert initials.isascii() and full.isascii()
        assert initials == initials.lower() and full == full.lower()
        assert initials[0] == full[0]


def test_matches_names_initials_and_full_pinyin() -> None:
    name = "营业执照变更登记"
    initials, full = pinyin_keys(name)
    assert initials == "yyzzbgdj"
    assert matches("yyzz", name, initials, full)
    assert matches("YYZZ", name, initials, full)
    assert matches("ｙｙｚｚ", name, initials, full)  # full-width
    assert matches("bgdj", name, initials, full)
    assert matches("biangeng", name, initials, full)
    assert matches("bian geng", name, initials, full)
    assert matches("变更", name, initials, full)
    assert matches(" 执照 ", name, initials, full)
    assert not matches("hydj", name, initials, full)
    assert not matches("户籍", name, initials, full)


def test_non_ascii_queries_only_search_the_name() -> None:
    # 'yíng' is not ASCII: it is looked for in the name only, and does not match the keys.
    assert not matches("yíng", "营业执照", "yyzz", "yingyezhizhao")


def test_ascii_in_names_matches_case_insensitively() -> None:
    name = "ICP许可证"
    initials, full = pinyin_keys(name)
    assert matches("icp", name, initials, full)
    assert matches("ICPxk", name, initials, full)


def test_an_empty_query_matches_everything() -> None:
    assert matches("", "营业执照", "yyzz", "yingyezhizhao")
    assert matches("   ", "营业执照", "yyzz", "yingyezhizhao")
