"""The PyInstaller spec (build/counter-desk.spec) against the tree: every resource and migration is
bundled where resource_path() and db/engine.py look, what Alembic loads by file path is a hidden
import, and no Qt module the UI imports is excluded. Reads the spec's literals; no PyInstaller, no Qt."""

from __future__ import annotations

import ast
import importlib.util
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "build" / "counter-desk.spec"
SKIPPED = {"__pycache__"}


def _literal(name: str):
    """The first value assigned to ``name`` in the spec (a literal list)."""
    for node in ast.parse(SPEC.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError(f"{name} not assigned in {SPEC}")


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and not SKIPPED & set(p.parts) and p.suffix != ".pyc"]


def _bundled(path: Path) -> bool:
    relative = path.relative_to(ROOT).as_posix()
    return any(relative.startswith(source.rstrip("/") + "/") for source, _target in _literal("DATA_DIRS"))


def test_data_folders_keep_their_place_in_the_bundle() -> None:
    for source, target in _literal("DATA_DIRS"):
        assert source == target, "resource_path() and db/engine.py look at the same relative place"
        assert (ROOT / source).is_dir(), f"{source} does not exist"
    assert not _bundled(ROOT / "resources" / "a-new-folder" / "file.txt"), "folders are listed one by one"


@pytest.mark.parametrize("folder", ["resources", "db/migrations"])
def test_every_resource_and_migration_is_bundled(folder: str) -> None:
    files = _files(ROOT / folder)
    assert files
    missed = [p.relative_to(ROOT).as_posix() for p in files if not _bundled(p)]
    assert not missed, f"add their folders to DATA_DIRS in {SPEC.name}: {missed}"


def test_migrations_ship_as_source_with_the_template() -> None:
    assert _bundled(ROOT / "db/migrations/env.py") and _bundled(ROOT / "db/migrations/script.py.mako")
    assert list((ROOT / "db/migrations/versions").glob("*.py"))


def _imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names |= {f"{node.module}.{a.name}" for a in node.names if _is_module(node.module, a.name)}
    return names


def _is_module(package: str, name: str) -> bool:
    try:
        return importlib.util.find_spec(f"{package}.{name}") is not None
    except ModuleNotFoundError:
        return False


def test_what_alembic_loads_by_file_path_is_a_hidden_import() -> None:
    hidden = set(_literal("HIDDEN_IMPORTS"))
    imported = set().union(*(_imported_modules(p) for p in (ROOT / "db/migrations").rglob("*.py")))
    third_party = {m for m in imported if m.split(".")[0] not in sys.stdlib_module_names | {"db", "sqlalchemy"}}
    assert third_party, "the migrations import alembic"
    assert not third_party - hidden, f"add to HIDDEN_IMPORTS in {SPEC.name}: {sorted(third_party - hidden)}"


def test_no_qt_module_the_ui_imports_is_excluded() -> None:
    used = set()
    for path in (ROOT / "ui").rglob("*.py"):
        used |= set(re.findall(r"^\s*(?:from|import) (PySide6\.Qt\w+)", path.read_text(encoding="utf-8"), re.M))
    assert {"PySide6.QtWidgets", "PySide6.QtPdf", "PySide6.QtPrintSupport"} <= used
    excluded = used & set(_literal("EXCLUDES"))
    assert not excluded, f"{SPEC.name} excludes Qt modules the UI imports: {sorted(excluded)}"
