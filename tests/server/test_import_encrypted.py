"""``counter-desk-server import-counter`` on a standalone counter's encrypted store: it asks for a
staff password of that PC or the recovery key, refuses a wrong one, and takes the hall over with it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from db.models import Hall
from server.cli import main
from server.engine import ServerDatabase


def _halls(url: str) -> list[str]:
    db = ServerDatabase(url)
    try:
        with db.snapshot() as s:
            return list(s.scalars(select(Hall.name)))
    finally:
        db.dispose()


def test_an_encrypted_counter_store_is_taken_over_with_its_key(encrypted, tmp_path: Path, monkeypatch,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    store, _, code = encrypted
    url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    assert main(["--db", url, "migrate"]) == 0
    capsys.readouterr()
    assert main(["--db", url, "import-counter", str(store)]) == 1
    assert "is encrypted: give --login NAME" in capsys.readouterr().err
    monkeypatch.setenv("COUNTER_DESK_PASSWORD", "wrong")
    assert main(["--db", url, "import-counter", str(store), "--login", "zhangmin"]) == 1
    assert "用户名或密码不正确" in capsys.readouterr().err
    assert _halls(url) == []
    monkeypatch.setenv("COUNTER_DESK_PASSWORD", "demo1234")
    assert main(["--db", url, "import-counter", str(store), "--login", "zhangmin"]) == 0
    assert _halls(url) == ["示范县政务服务中心"]
    other = f"sqlite:///{tmp_path / 'other.sqlite3'}"
    assert main(["--db", other, "migrate"]) == 0
    monkeypatch.delenv("COUNTER_DESK_PASSWORD")
    assert main(["--db", other, "import-counter", str(store), "--recovery-key", code]) == 0
    assert _halls(other) == ["示范县政务服务中心"]
