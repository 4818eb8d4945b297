"""The browser extension end to end: real Chromium, the unpacked extension, `itp serve`, and a
fake webtoon chapter (tests/e2e/site.py).

The reader's steps: pair the extension in its options page, open the chapter, press
"Translate this page". Every strip must come back translated by itp and shown in place (a
blob: URL, even under the site's strict image CSP), including the strip behind a Referer
check, the one behind a cookie only the browser has (fetch_failed, then uploaded by the
extension), lazy-loaded ones and one added after the start; the broken image shows an error
badge while the rest finish; "Show originals" and a badge click put the originals back.
Screenshots land in the artefacts directory for a person to look at.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.e2e.browser import Extension, chromium_with_extension
from tests.e2e.itp_serve import ItpServer, itp_serve
from tests.e2e.page_checks import (
    blob_bytes,
    pixels_differ,
    shown_url,
    states,
    wait_for_states,
)
from tests.e2e.site import Site, serve_site

pytestmark = pytest.mark.browser

GOOD = ["p1", "p2", "p3", "p4", "referer", "cookie", "late", "bg"]
LAZY = ["p3", "p4", "referer"]
# OCR, inpainting and rendering of nine strips on a shared CPU.
TRANSLATE_TIMEOUT_S = 420.0


def original_url(page: Page, name: str) -> str:
    """The absolute URL the element shows, as the page's own markup had it."""
    value = page.evaluate(
        """(id) => {
             const el = document.getElementById(id);
             const raw = el.tagName === "IMG" ? el.getAttribute("src")
               : (/url\\(["']?(.*?)["']?\\)/.exec(el.style.backgroundImage) ?? [])[1];
             return raw ? new URL(raw, document.baseURI).href : "";
           }""", name)
    return str(value)


def assert_translated(page: Page, site: Site, server: ItpServer) -> None:
    for name in GOOD:
        shown = shown_url(page, name)
        assert shown.startswith("blob:"), f"{name} shows {shown}"
        image_id = page.get_attribute(f"#{name}", "data-itp-image-id")
        assert image_id, name
        served = server.result(image_id)
        assert blob_bytes(page, shown) == served, f"{name}: not the image itp served"
        assert pixels_differ(served, site.images[name]), f"{name}: itp changed nothing"


def assert_originals(page: Page, site: Site) -> None:
    for name in GOOD:
        assert original_url(page, name) == site.url(name), name


def click_badge(page: Page, name: str) -> None:
    """Badges sit in a closed shadow root at the image's top right: clicked by position."""
    page.locator(f"#{name}").scroll_into_view_if_needed()
    box = page.locator(f"#{name}").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] - 24, max(box["y"], 0) + 16)


def scroll_through(page: Page) -> None:
    """Reads the chapter to its end: the site's lazy loaders run and swap their URLs in."""
    height = int(page.evaluate("document.documentElement.scrollHeight"))
    for y in range(0, height, 700):
        page.evaluate(f"window.scrollTo(0, {y})")
        page.wait_for_timeout(150)
    page.wait_for_timeout(500)


def pair(ext: Extension, server: ItpServer, artifacts: Path) -> None:
    options = ext.configure(server_url=server.url, token="not-the-token")
    assert "refused the pairing token" in (options.text_content("#testResult") or "")
    options = ext.configure(server_url=server.url, token=server.token, source="en", target="fr")
    assert options.text_content("#testResult") == "Connected, token accepted"
    options.screenshot(path=artifacts / "options.png", full_page=True)


def test_translates_a_webtoon_chapter_in_place(artifacts: Path, tmp_path: Path) -> None:
    token = secrets.token_urlsafe(24)
    with serve_site() as site, \
            itp_serve(tmp_path, artifacts / "itp-serve.log", token,
                      "--translator", "deterministic", "--inpainter", "opencv") as server, \
            chromium_with_extension() as (context, ext):
        pair(ext, server, artifacts)
        page = context.new_page()
        page.goto(site.chapter_url)
        ext.translate(site.chapter_url)
        page.evaluate("addStrip()")

        got = wait_for_states(page, [*GOOD, "broken"], TRANSLATE_TIMEOUT_S)
        page.evaluate("window.scrollTo(0, 0)")
        page.wait_for_timeout(300)
        page.screenshot(path=artifacts / "chapter-top.png")
        page.locator("#broken").scroll_into_view_if_needed()
        page.wait_for_timeout(300)
        page.screenshot(path=artifacts / "broken-image-badge.png")

        assert got == {**dict.fromkeys(GOOD, "done"), "broken": "error"}, got
        status = ext.tell_tab(site.chapter_url, {"kind": "itp-status"})
        assert status["done"] == len(GOOD) and status["errors"] == 1, status
        assert "bad_image" in status["failures"][0]["error"], status
        # Includes the members-only strip: the server got 403 for it (fetch_failed), and the
        # extension uploaded the bytes the page could fetch.
        assert_translated(page, site, server)

        # The site's lazy loader replacing placeholders must not undo the translation.
        scroll_through(page)
        for name in LAZY:
            assert shown_url(page, name).startswith("blob:"), name
        page.screenshot(path=artifacts / "chapter-translated.png", full_page=True)

        assert ext.toggle(site.chapter_url) == "original"
        assert_originals(page, site)
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=artifacts / "chapter-originals.png")
        assert ext.toggle(site.chapter_url) == "translated"
        assert_translated(page, site, server)

        click_badge(page, "p2")
        assert states(page, ["p2"])["p2"] == "original"
        assert original_url(page, "p2") == site.url("p2")
        assert page.get_attribute("#p2", "srcset") is not None, "srcset not given back"
        click_badge(page, "p2")
        assert states(page, ["p2"])["p2"] == "done"
        assert page.get_attribute("#p2", "srcset") is None
        assert page.get_attribute("#p2", "data-itp-original-srcset")
