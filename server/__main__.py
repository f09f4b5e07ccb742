"""``python -m server ...`` is ``counter-desk-server ...``."""

import sys

from server.cli import main

sys.exit(main())
