"""The browser extension end to end, in Chromium and in Firefox: the unpacked extension,
`itp serve` (the real pipeline, with the deterministic translator), and fake reader sites
(tests/e2e/site.py).

The reader's steps: pair the extension in its options page, open a chapter, press the
toolbar button and "Translate this page". Every comic image must come back translated by itp
and be shown in place (under each site's strict image CSP). Screenshots of every reader
before and after land in the artefacts directory for a person to look at.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.browser import Extension, Session, Tab
from tests.e2e.itp_serve import ItpServer, itp_serve
from tests.e2e.page_checks import pixels_differ, shown_url, states, wait_for_states
from tests.e2e.reader_pages import (
    BLOB,
    CANVAS,
    CANVAS_FLIPPED,
    CANVAS_TAINTED,
    LAN,
    LIGHTHOUSE,
    SPA_2,
    WEBTOON,
    WEBTOON_NOT_COMIC,
)
from tests.e2e.reader_steps import (
    image_id,
    open_reader,
    read_from_screen,
    scroll_through,
    shown_bytes,
    untouched,
)
from tests.e2e.site import Site, serve_site

pytestmark = pytest.mark.browser

LAZY = ["p3", "p4", "referer"]
# OCR, inpainting and rendering of a chapter's strips on a shared CPU.
TRANSLATE_TIMEOUT_S = 420.0


@pytest.fixture(scope="module")
def itp(tmp_path_factory: pytest.TempPathFactory, artifacts_root: Path) -> Iterator[ItpServer]:
    """One `itp serve` for the module (its results cache spares nothing here: every
    picture of every reader is different)."""
    with itp_serve(tmp_path_factory.mktemp("itp"), artifacts_root / "itp-serve.log",
                   secrets.token_urlsafe(24),
                   "--translator", "deterministic", "--inpainter", "opencv") as server:
        yield server


def pair(ext: Extension, server: ItpServer, artifacts: Path) -> None:
    verdict = ext.configure(server_url=server.url, token="not-the-token")
    assert "refused the pairing token" in verdict, verdict
    verdict = ext.configure(server_url=server.url, token=server.token, source="en", target="fr")
    assert verdict == "Connected, token accepted", verdict
    ext.page.screenshot(artifacts / "options.png", full_page=True)


def original_url(tab: Tab, name: str) -> str:
    """The absolute URL the element shows, as the page's own markup had it."""
    return str(tab.evaluate(
        """(id) => {
             const el = document.getElementById(id);
             const raw = el.tagName === "IMG" ? el.getAttribute("src")
               : (/url\\(["']?(.*?)["']?\\)/.exec(el.style.backgroundImage) ?? [])[1];
             return raw ? new URL(raw, document.baseURI).href : "";
           }""", name))


def assert_translated(tab: Tab, site: Site, server: ItpServer, names: list[str]) -> None:
    """Each element shows what itp made of its picture: the very bytes the server serves as
    that image's result, and a picture that differs from the original."""
    for name in names:
        shown = shown_bytes(tab, name)
        served = server.result(image_id(tab, name))
        assert shown == served, f"{name}: not the image itp served"
        assert pixels_differ(served, site.image(name)), f"{name}: itp changed nothing"


def click_badge(tab: Tab, name: str) -> None:
    """Badges sit in a closed shadow root at the image's top right: clicked by position, right
    after the image is scrolled into view."""
    x, y = tab.evaluate("""(id) => {
        const el = document.getElementById(id);
        el.scrollIntoView({block: "center"});
        const r = el.getBoundingClientRect();
        return [r.right - 24, Math.max(r.top, 0) + 16];
      }""", name)
    tab.click(x, y)


def test_translates_a_webtoon_chapter_in_place(session: Session, itp: ItpServer,
                                               artifacts: Path) -> None:
    with serve_site() as site:
        pair(session.ext, itp, artifacts)
        tab = open_reader(session, site.chapter_url, artifacts, "chapter")
        session.press_toolbar_button(tab)
        session.ext.translate(site.chapter_url)
        tab.evaluate("() => addStrip()")

        got = wait_for_states(tab, [*LIGHTHOUSE, "broken"], TRANSLATE_TIMEOUT_S)
        tab.evaluate("() => window.scrollTo(0, 0)")
        tab.screenshot(artifacts / "chapter-top.png")
        tab.evaluate("() => document.getElementById('broken').scrollIntoView()")
        tab.screenshot(artifacts / "broken-image-badge.png")

        assert got == {**dict.fromkeys(LIGHTHOUSE, "done"), "broken": "error"}, got
        status = session.ext.status(site.chapter_url)
        assert status["done"] == len(LIGHTHOUSE) and status["errors"] == 1, status
        assert "bad_image" in status["failures"][0]["error"], status
        # Includes the members-only strip: the server got 403 for it (fetch_failed), and the
        # extension uploaded the bytes the page could fetch.
        assert_translated(tab, site, itp, LIGHTHOUSE)

        # The site's lazy loader replacing placeholders must not undo the translation.
        scroll_through(tab)
        for name in LAZY:
            assert shown_url(tab, name).startswith("blob:"), name
        tab.screenshot(artifacts / "chapter-translated.png", full_page=True)

        assert session.ext.toggle(site.chapter_url) == "original"
        for name in LIGHTHOUSE:
            assert original_url(tab, name) == site.url(name), name
        tab.evaluate("() => window.scrollTo(0, 0)")
        tab.screenshot(artifacts / "chapter-originals.png")
        assert session.ext.toggle(site.chapter_url) == "translated"
        assert_translated(tab, site, itp, LIGHTHOUSE)

        click_badge(tab, "p2")
        assert states(tab, ["p2"])["p2"] == "original"
        assert original_url(tab, "p2") == site.url("p2")
        assert tab.evaluate("() => document.getElementById('p2').getAttribute('srcset')"), \
            "srcset not given back"
        click_badge(tab, "p2")
        assert states(tab, ["p2"])["p2"] == "done"
        assert tab.evaluate("() => document.getElementById('p2').hasAttribute('srcset')") is False
        assert tab.evaluate(
            "() => document.getElementById('p2').getAttribute('data-itp-original-srcset')")


def translate_reader(session: Session, site: Site, page: str, artifacts: Path) -> Tab:
    """Opens a reader, presses the toolbar button and "Translate this page"."""
    tab = open_reader(session, site.page(page), artifacts, page)
    session.press_toolbar_button(tab)
    session.ext.translate(site.page(page))
    return tab


def test_readers_are_translated_in_place(session: Session, itp: ItpServer,
                                         artifacts: Path) -> None:
    """A lazy CDN reader with ads, a blob: reader, a canvas reader, a single-page app and a
    reader on the reader's own network, one after the other in one browser."""
    with serve_site() as site:
        pair(session.ext, itp, artifacts)

        tab = translate_reader(session, site, "webtoon", artifacts)
        scroll_through(tab)
        got = wait_for_states(tab, WEBTOON, TRANSLATE_TIMEOUT_S)
        tab.screenshot(artifacts / "webtoon-after.png")
        tab.screenshot(artifacts / "webtoon-after-full.png", full_page=True)
        assert got == dict.fromkeys(WEBTOON, "done"), got
        assert_translated(tab, site, itp, WEBTOON)
        untouched(tab, WEBTOON_NOT_COMIC)
        tab.close()

        tab = translate_reader(session, site, "blob", artifacts)
        got = wait_for_states(tab, BLOB, TRANSLATE_TIMEOUT_S)
        tab.screenshot(artifacts / "blob-after.png")
        assert got == dict.fromkeys(BLOB, "done"), got
        assert_translated(tab, site, itp, BLOB)
        tab.close()

        tab = open_reader(session, site.page("canvas"), artifacts, "canvas")
        tab.wait_for("() => [...document.querySelectorAll('canvas')]"
                     ".every((c) => c.dataset.drawn)")
        session.press_toolbar_button(tab)
        session.ext.translate(site.page("canvas"))
        read_from_screen(tab, [CANVAS_TAINTED])
        everything = [*CANVAS, CANVAS_TAINTED]
        got = wait_for_states(tab, everything, TRANSLATE_TIMEOUT_S)
        tab.evaluate("() => window.scrollTo(0, 0)")
        tab.screenshot(artifacts / "canvas-after.png")
        assert got == dict.fromkeys(everything, "done"), got
        assert_translated(tab, site, itp, everything)
        before = shown_url(tab, CANVAS[0])
        tab.evaluate("() => flipPage()")
        tab.wait_for("([id, old]) => { const el = document.getElementById(id);"
                     " return el.dataset.itpState === 'done' && el.nextElementSibling"
                     "?.getAttribute('src') !== old; }", [CANVAS[0], before],
                     TRANSLATE_TIMEOUT_S)
        tab.screenshot(artifacts / "canvas-after-flip.png")
        shown = shown_bytes(tab, CANVAS[0])
        assert shown == itp.result(image_id(tab, CANVAS[0]))
        assert pixels_differ(shown, site.image(CANVAS_FLIPPED))
        tab.close()

        tab = translate_reader(session, site, "spa", artifacts)
        tab.evaluate("() => nextChapter()")
        got = wait_for_states(tab, SPA_2, TRANSLATE_TIMEOUT_S)
        tab.screenshot(artifacts / "spa-after.png")
        assert got == dict.fromkeys(SPA_2, "done"), got
        assert_translated(tab, site, itp, SPA_2)
        tab.close()

        # The server may not fetch from this host: the pages are read from the screen.
        tab = translate_reader(session, site, "lan", artifacts)
        read_from_screen(tab, LAN)
        got = wait_for_states(tab, LAN, TRANSLATE_TIMEOUT_S)
        tab.evaluate("() => window.scrollTo(0, 0)")
        tab.screenshot(artifacts / "lan-after.png")
        assert got == dict.fromkeys(LAN, "done"), got
        assert_translated(tab, site, itp, LAN)
