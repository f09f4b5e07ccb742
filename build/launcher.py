"""Entry point of the PyInstaller bundle (build/counter-desk.spec).

``counter-desk [--data DIR]`` opens the app (ui.main); ``counter-desk --smoke-check DIR`` runs the smoke
check of ui.smoke on the new data folder DIR, headless, and exits 0 when the build works. The same
program built as ``counter-desk-admin`` (a console program beside it) is the IT staff's command, app.cli.
"""

from __future__ import annotations

import sys
from pathlib import Path


def main() -> int:
    if Path(sys.executable if getattr(sys, "frozen", False) else sys.argv[0]).stem == "counter-desk-admin":
        from app.cli import main as admin_main

        return admin_main(sys.argv[1:])
    if "--smoke-check" in sys.argv[1:]:
        from ui.smoke import main as smoke_main

        return smoke_main(sys.argv)
    from ui.main import main as app_main

    return app_main(sys.argv)


if __name__ == "__main__":
    sys.exit(main())
