"""Fixtures of the browser tests: where artefacts go, the browsers (each test that takes
`session` runs in Chromium and in Firefox), and skipping a browser that is not installed."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from tests.e2e.browser import CHROMIUM, Session, chromium_with_extension
from tests.e2e.firefox_browser import FIREFOX, firefox_with_extension

REPO = Path(__file__).resolve().parents[2]
BROWSERS = {"chromium": CHROMIUM, "firefox": FIREFOX}


@pytest.fixture(scope="session")
def artifacts_root() -> Path:
    """Where the browser tests leave what a person can look at: $ITP_TEST_ARTIFACTS/e2e, or
    test-artifacts/e2e (gitignored)."""
    root = Path(os.environ.get("ITP_TEST_ARTIFACTS") or REPO / "test-artifacts") / "e2e"
    root.mkdir(parents=True, exist_ok=True)
    return root


@pytest.fixture
def artifacts(request: pytest.FixtureRequest, artifacts_root: Path) -> Path:
    """This test's screenshots, in a folder named after it (and its browser)."""
    out = artifacts_root / str(request.node.name).replace("[", "-").rstrip("]")
    out.mkdir(parents=True, exist_ok=True)
    return out


def open_browser(name: str, *, scale: float = 1) -> AbstractContextManager[Session]:
    if name == "firefox":
        return firefox_with_extension(scale=scale)
    return chromium_with_extension(scale=scale)


@pytest.fixture(params=sorted(BROWSERS))
def browser_name(request: pytest.FixtureRequest) -> str:
    name = str(request.param)
    if not BROWSERS[name].exists():
        pytest.skip(f"{BROWSERS[name]} is missing (apt-get install {BROWSERS[name].name})")
    return name


@pytest.fixture
def opener(browser_name: str) -> Callable[..., AbstractContextManager[Session]]:
    """Opens the test's browser with other settings (`scale`: the device pixel ratio)."""
    return functools.partial(open_browser, browser_name)


@pytest.fixture
def session(browser_name: str) -> Iterator[Session]:
    """The browser with the extension loaded, fresh for each test."""
    with open_browser(browser_name) as opened:
        yield opened


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is missing (apt-get install chromium)")
    for item in items:
        if "browser" in item.keywords and "browser_name" not in getattr(item, "fixturenames", ()):
            item.add_marker(skip)
