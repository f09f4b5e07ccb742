"""The ledger finds words of one and two characters: matter words (营业, 护照, 低保) and given names
(小明), in the applicant's and the agent's name, rare characters included (issue #15 point 8)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from app.cases.views import case_snapshot
from app.dto import Applicant, IntakeRequest, LedgerQuery
from app.services import Services
from app.sync.apply import write_row
from app.sync.protocol import Entity
from db.ledger_words import matches_matter
from db.models import Case
from tests.app.kit import IntakeKit


def _ids(services: Services, text: str, **kw) -> set[str]:
    return {r.id for r in services.ledger.search(LedgerQuery(text=text, **kw))}


def _matter(kit: IntakeKit, name: str):
    return next(m for m in kit.services.catalogue.matters() if m.name == name)


def _open(services: Services, actor, kit: IntakeKit, matter_name: str, name: str, agent: str = "") -> str:
    m = _matter(kit, matter_name)
    request = IntakeRequest(m.id, Applicant("person", name, "11010519491231002X", "13800138000",
                                            agent_name=agent, agent_id_number="110105194912310038" if agent else ""),
                            tuple(kit.materials(m.id)), decision=None)
    return services.intake.open_case(actor, request, window_id=None).id


@pytest.fixture
def ledger(services: Services, actor, kit: IntakeKit) -> dict[str, str]:
    return {
        "licence": _open(services, actor, kit, "营业执照变更登记（企业）", "王小明"),
        "passport": _open(services, actor, kit, "普通护照签发", "欧阳娜娜", agent="陈小兰"),
        "dibao": _open(services, actor, kit, "最低生活保障审核确认", "李明"),
        "rare": _open(services, actor, kit, "居住证办理", "王𬌗"),
        "latin": _open(services, actor, kit, "诊所备案", "Anna Li"),
    }


def test_two_character_matter_words(services: Services, ledger: dict[str, str]) -> None:
    assert _ids(services, "营业") == {ledger["licence"]}
    assert _ids(services, "护照") == {ledger["passport"]}
    assert _ids(services, "低保") == {ledger["dibao"]}  # the short form of 最低生活保障
    assert _ids(services, "变更") == {ledger["licence"]}
    assert _ids(services, "签发") == {ledger["passport"]}
    assert _ids(services, "审核") == {ledger["dibao"]}
    assert _ids(services, "税务") == set()


def test_one_character_matter_words(services: Services, ledger: dict[str, str]) -> None:
    assert _ids(services, "照") == {ledger["licence"], ledger["passport"]}
    assert _ids(services, "诊") == {ledger["latin"]}
    assert _ids(services, "税") == set()


def test_given_names_and_substrings_of_names(services: Services, ledger: dict[str, str]) -> None:
    assert _ids(services, "小明") == {ledger["licence"]}
    assert _ids(services, "娜娜") == {ledger["passport"]}
    assert _ids(services, "阳娜") == {ledger["passport"]}
    assert _ids(services, "明") == {ledger["licence"], ledger["dibao"]}
    assert _ids(services, "小") == {ledger["licence"], ledger["passport"]}  # 王小明, agent 陈小兰
    assert _ids(services, "明王") == set()  # not a substring of any name


def test_the_agents_name(services: Services, ledger: dict[str, str]) -> None:
    assert _ids(services, "小兰") == {ledger["passport"]}
    assert _ids(services, "陈小") == {ledger["passport"]}
    assert _ids(services, "兰") == {ledger["passport"]}


def test_a_character_above_the_basic_plane(services: Services, ledger: dict[str, str]) -> None:
    assert _ids(services, "𬌗") == {ledger["rare"]}
    assert _ids(services, "王𬌗") == {ledger["rare"]}
    assert _ids(services, "王") == {ledger["licence"], ledger["rare"]}


def test_latin_letters_in_any_case(services: Services, ledger: dict[str, str]) -> None:
    assert _ids(services, "li") == {ledger["latin"]}
    assert _ids(services, "LI") == {ledger["latin"]}
    assert _ids(services, "a") == {ledger["latin"]}


def test_short_words_combine_with_the_other_filters(services: Services, ledger: dict[str, str], kit) -> None:
    passport = _matter(kit, "普通护照签发")
    assert _ids(services, "明", matter_id=_matter(kit, "最低生活保障审核确认").id) == {ledger["dibao"]}
    assert _ids(services, "小", matter_id=passport.id) == {ledger["passport"]}
    assert _ids(services, "小明", status="received") == {ledger["licence"]}
    assert _ids(services, "小明", date_from=dt.date(2026, 3, 3)) == set()


def test_three_characters_and_more_still_go_through_the_trigram_index(
    services: Services, ledger: dict[str, str]
) -> None:
    assert _ids(services, "王小明") == {ledger["licence"]}
    assert _ids(services, "欧阳娜") == {ledger["passport"]}
    assert _ids(services, "执照变更") == {ledger["licence"]}
    assert _ids(services, "护照签") == {ledger["passport"]}
    assert _ids(services, "低生活") == {ledger["dibao"]}
    assert _ids(services, "低保障") == set()  # short forms are for two-character words only


def test_the_newest_received_come_first_even_when_pulled_later(services, actor, kit, clock) -> None:
    days = [dt.datetime(2026, 3, d, 9, 0) for d in (2, 3, 4)]
    opened = []
    for day in days:
        clock.at = day
        opened.append(_open(services, actor, kit, "居住证办理", "周小明"))
    older = _pulled(services, opened[0], received_at="2026-02-27T09:00:00", received_on="2026-02-27")
    newer = _pulled(services, opened[0], number="DEMO-2026C9000002", query_code="QZ9X7L",
                    received_at="2026-03-05T09:00:00", received_on="2026-03-05")
    rows = services.ledger.search(LedgerQuery(text="小明", limit=2))
    assert [r.id for r in rows] == [newer, opened[2]]
    rows = services.ledger.search(LedgerQuery(text="周", limit=5, date_to=dt.date(2026, 3, 2)))
    assert [r.id for r in rows] == [opened[0], older]
    assert _ids(services, "小明", date_from=dt.date(2026, 3, 3), date_to=dt.date(2026, 3, 4)) == set(opened[1:])


def _pulled(services: Services, template_id: str, **changes: str) -> str:
    """A case written the way the sync client applies a pulled row (ORM, foreign keys off)."""
    with services.ctx.db.read() as s:
        case = s.get(Case, template_id)
        assert case is not None
        row = case_snapshot(case)
    row.update(id=str(uuid.uuid4()), number="DEMO-2026C9000001", query_code="QZ9X7K")
    row.update(changes)
    row["materials"] = []
    with services.ctx.db.write(foreign_keys=False) as s:
        write_row(s, Entity.CASE, row)
    return str(row["id"])


def test_rows_pulled_by_sync_are_found_and_renames_follow(services: Services, ledger: dict[str, str]) -> None:
    pulled = _pulled(services, ledger["dibao"], applicant_name="赵海燕", agent_name="孙立", matter_name="社会保险登记")
    assert _ids(services, "海燕") == {pulled}
    assert _ids(services, "孙") == {pulled}
    assert _ids(services, "社保") == {pulled}  # the name the case carries, not the catalogue's
    assert _ids(services, "低保") == {ledger["dibao"]}  # same matter, the pulled case under another name
    with services.ctx.db.read() as s:
        row = case_snapshot(s.get(Case, pulled))
    row.update(applicant_name="赵红", agent_name="", version=int(row["version"]) + 1)
    with services.ctx.db.write(foreign_keys=False) as s:
        write_row(s, Entity.CASE, row)
    assert _ids(services, "海燕") == set()
    assert _ids(services, "孙") == set()
    assert _ids(services, "赵红") == {pulled}
    assert _ids(services, "红") == {pulled}


@pytest.mark.parametrize(("word", "name", "expected"), [
    ("低保", "最低生活保障审核确认", True),
    ("社保", "社会保险登记", True),
    ("医保", "城乡居民基本医疗保险参保登记", True),
    ("营业", "个体工商户营业执照变更登记", True),
    ("业照", "营业执照注销登记（企业）", True),  # 业执照: one between
    ("营照", "营业执照注销登记（企业）", True),  # two between
    ("户照", "个体工商户营业执照变更登记", False),  # three between
    ("登企", "营业执照变更登记（企业）", False),  # not across the bracket
    ("保低", "最低生活保障审核确认", False),  # order kept
    ("照", "普通护照签发", True),
    ("li", "Li Clinic", True),
])
def test_matter_words_and_short_forms(word: str, name: str, expected: bool) -> None:
    assert matches_matter(word, name) is expected
