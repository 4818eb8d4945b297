"""The extension's package as the stores see it: `web-ext lint` (Mozilla's add-on linter, the
one addons.mozilla.org runs) without a single error, warning or notice, and minimum browser
versions that are true for what the manifest uses."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.e2e.browser import EXTENSION

REPO = Path(__file__).resolve().parents[2]
# Installed by .ci/run (npm install --prefix build/web-ext web-ext).
WEB_EXT = REPO / "build" / "web-ext" / "node_modules" / ".bin" / "web-ext"

MANIFEST = json.loads((EXTENSION / "manifest.json").read_text())


def web_ext() -> list[str]:
    if WEB_EXT.exists():
        return [str(WEB_EXT)]
    pytest.skip(f"web-ext is not installed at {WEB_EXT} "
                "(npm install --prefix build/web-ext web-ext)")


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_web_ext_lint_is_clean() -> None:
    out = subprocess.run([*web_ext(), "lint", "--source-dir", str(EXTENSION), "--output", "json"],
                         capture_output=True, text=True, timeout=300, check=False)
    report = json.loads(out.stdout)
    messages = [f"{m['type']} {m['code']}: {m['message']}"
                for kind in ("errors", "warnings", "notices") for m in report[kind]]
    assert report["summary"] == {"errors": 0, "notices": 0, "warnings": 0}, messages


def test_chrome_minimum_version_runs_this_manifest() -> None:
    """Chrome refuses `background.scripts` beside a service worker in Manifest V3 before 121,
    and the MV3 APIs used here (declarativeNetRequest session rules, scripting's MAIN world,
    storage.session) came earlier."""
    assert MANIFEST["manifest_version"] == 3
    assert "scripts" in MANIFEST["background"]
    assert int(MANIFEST["minimum_chrome_version"]) >= 121


def test_firefox_minimum_version_takes_data_collection_permissions() -> None:
    """addons.mozilla.org requires `data_collection_permissions`, which Firefox reads from 140
    (Firefox for Android from 142); an older minimum would be a lie."""
    gecko = MANIFEST["browser_specific_settings"]["gecko"]
    assert gecko["data_collection_permissions"] == {"required": ["none"]}
    assert float(gecko["strict_min_version"]) >= 140
    android = MANIFEST["browser_specific_settings"]["gecko_android"]
    assert float(android["strict_min_version"]) >= 142
