"""The hall's rating and peer-evaluation parameters are checked when set: ranges, choices, the QR
address, and the server's ballot key, which no counter may set."""

from __future__ import annotations

import pytest

from app.errors import InvalidInput
from app.settings_service import check_parameter


@pytest.mark.parametrize(("key", "good", "bad"), [
    ("rating.timeout_seconds", "60", "5"),
    ("rating.rectify_days", "15", "0"),
    ("rating.callback_days", "5", "31"),
    ("peer.min_ballots", "3", "2"),  # never fewer than 3 ballots behind a shown result
    ("rating.timeout_policy", "none", "default_good"),
    ("rating.after_receipt", "1", "yes"),
    ("rating.public_url", "https://zwfw.example.gov.cn/", "ftp://x"),
    ("peer.dimensions", "服务态度，业务能力", ""),
])
def test_rating_parameters_are_checked(key: str, good: str, bad: str) -> None:
    assert check_parameter(key, good)
    with pytest.raises(InvalidInput) as err:
        check_parameter(key, bad)
    assert err.value.field == key


def test_the_url_is_normalised_and_may_be_empty() -> None:
    assert check_parameter("rating.public_url", " https://a.example.cn/ ") == "https://a.example.cn"
    assert check_parameter("rating.public_url", "") == ""


def test_no_counter_sets_the_ballot_key() -> None:
    with pytest.raises(InvalidInput, match="中心服务器"):
        check_parameter("peer.ballot_key", "AAAA")
