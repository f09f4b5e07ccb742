"""Fixtures for domain tests (no Qt)."""

from __future__ import annotations

import pytest

from app.services import Services
from tests.app.kit import IntakeKit


@pytest.fixture
def kit(services: Services) -> IntakeKit:
    return IntakeKit(services)
