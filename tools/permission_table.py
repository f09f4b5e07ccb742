"""Write the permission table (app.permissions) into docs/permissions.md between its markers.

``python tools/permission_table.py`` rewrites the section; ``--check`` exits 1 when the document
no longer matches the code (a test runs the check).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.permissions import PERMISSIONS, ROLE_LABELS, SCOPE_LABELS, Role  # noqa: E402

DOC = ROOT / "docs" / "permissions.md"
BEGIN, END = "<!-- permission-table:begin -->", "<!-- permission-table:end -->"


def table() -> str:
    head = "| 操作 (action) | " + " | ".join(ROLE_LABELS[r] for r in Role) + " |"
    rule = "|---|" + "---|" * len(Role)
    rows = []
    for action, p in PERMISSIONS.items():
        cells = []
        for r in Role:
            scope = p.grants.get(r)
            cells.append("—" if scope is None else ("✓" + SCOPE_LABELS[scope]))
        note = "（不能审批本人提出的）" if p.not_own_request else ""
        rows.append(f"| {p.label}{note} `{action}` | " + " | ".join(cells) + " |")
    return "\n".join([head, rule, *rows])


def rendered(text: str) -> str:
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    return text[:start] + "\n" + table() + "\n" + text[end:]


def main() -> int:
    text = DOC.read_text(encoding="utf-8")
    new = rendered(text)
    if "--check" in sys.argv:
        if new != text:
            print("docs/permissions.md is out of date: run python tools/permission_table.py")
            return 1
        return 0
    DOC.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
