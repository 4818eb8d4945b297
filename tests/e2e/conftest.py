"""Fixtures of the browser tests: where artefacts go, and skipping without Chromium."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.e2e.browser import CHROMIUM

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def artifacts(request: pytest.FixtureRequest) -> Path:
    """Screenshots a person can look at: $ITP_TEST_ARTIFACTS or test-artifacts/ (gitignored)."""
    root = Path(os.environ.get("ITP_TEST_ARTIFACTS") or REPO / "test-artifacts")
    out = root / "e2e" / str(request.node.name)
    out.mkdir(parents=True, exist_ok=True)
    return out


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is missing (apt-get install chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)
