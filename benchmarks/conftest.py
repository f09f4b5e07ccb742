import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from tests.app.conftest import kit  # noqa: F401
from tests.conftest import *  # noqa: F403
