import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from tests.app.conftest import kit  # noqa: E402, F401
from tests.conftest import *  # noqa: E402, F403
