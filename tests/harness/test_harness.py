"""The fault-injection harness itself, small: 10 randomized scenarios against the real server
process on encrypted counter stores (the full run of 200 is ``python -m tests.harness``, in
.ci/run), and a self-test that the checks fail when the server loses or alters a record, or a
plain copy of a counter's store is left beside it."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from tests.harness.__main__ import Run, parser
from tests.harness.scenario import Plan, Scenario
from tests.harness.template import Template, build


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    return build(tmp_path_factory.mktemp("harness") / "template")


def _args(tmp: Path, template: Template, *argv: str) -> argparse.Namespace:
    return parser().parse_args(["--work", str(tmp), "--template", template.folder, "--scenario-timeout", "120",
                                *argv])


@pytest.mark.slow
def test_ten_randomized_scenarios_end_with_every_counter_and_the_server_agreeing(
        tmp_path: Path, template: Template) -> None:
    lines: list[str] = []
    passed, failed = Run(_args(tmp_path, template, "--scenarios", "10", "--seed", "4"), lines.append).run()
    assert lines[-1] == f"{passed} passed, {failed} failed"
    assert (passed, failed) == (10, 0), "\n".join(lines)


@pytest.mark.slow
def test_the_checks_catch_a_server_that_lost_or_altered_records(tmp_path: Path, template: Template) -> None:
    plan = next(p for p in (Plan.draw(4, i) for i in range(50)) if not p.restore and p.server_kill is None)
    scenario = Scenario(plan, template, tmp_path / "s", sabotage=True)
    result = scenario.run()
    text = "\n".join(result.problems)
    assert not result.ok and any(s.startswith("altered case") for s in scenario.sabotaged)
    assert "remark: " in text and "checksum" in text
    assert "staff hejia differs from the server: roles: " in text and "server staff scope checksum" in text
    if any(s.startswith("deleted enquiry") for s in scenario.sabotaged):
        assert "is not on the server (lost)" in text
    # the stores are encrypted (the default template): a plain copy left in a counter's backups is found
    assert template.encrypted and any(s.startswith("left a plain copy") for s in scenario.sabotaged)
    assert "backups/counter-desk-20260302-090000.sqlite3 opens with plain sqlite3: not encrypted" in text
    assert "holds in the clear the name of staff " in text
