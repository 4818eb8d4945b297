"""The readers people use, against the stand-in server (fast, and it keeps what it was sent),
in Chromium and Firefox: a lazy reader on a CDN of another address with ads around it, a reader
that shows blob: and data: pictures, a canvas reader with no <img> at all, a single-page app
switching chapters, a 150-strip chapter, and strips on a host only the browser may reach.

The stand-in "translates" by inverting: inverting a shown translation back gives exactly what
the extension sent, so each test also checks that the right picture was read (and, for the
screen reads, cropped from the right place).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from tests.e2e.browser import Session, Tab
from tests.e2e.fake_itp import FakeItp, serve_fake
from tests.e2e.page_checks import (
    decoded,
    inverted,
    likeness,
    shown_url,
    states,
    wait_for_states,
)
from tests.e2e.reader_pages import (
    BLOB,
    BLOB_MANY,
    CANVAS,
    CANVAS_FLIPPED,
    CANVAS_TAINTED,
    LAN,
    LONG,
    SPA_1,
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

TOKEN = "stand-in-token-0123456789"
# Read from the screen: a little off after the browser's resampling and PNG round trip, far
# from any other picture (those differ by tens).
SCREEN_LIKENESS = 3.0


def assert_read_exactly(site: Site, fake: FakeItp, tab: Tab, names: list[str]) -> None:
    """Each element shows the stand-in's answer for it, made from that very picture."""
    for name in names:
        shown = shown_bytes(tab, name)
        ident = image_id(tab, name)
        assert shown == fake.results[ident], f"{name}: not the picture the server made"
        assert likeness(inverted(shown), site.image(name)) == 0, f"{name}: another picture"


def test_lazy_cdn_reader_with_ads_around_it(session: Session, artifacts: Path) -> None:
    with serve_site() as site, serve_fake(TOKEN) as fake:
        session.ext.configure(server_url=fake.url, token=TOKEN)
        tab = open_reader(session, site.page("webtoon"), artifacts, "webtoon")
        session.ext.translate(site.page("webtoon"))
        got = wait_for_states(tab, WEBTOON, timeout_s=60)
        assert got == dict.fromkeys(WEBTOON, "done"), got
        scroll_through(tab)
        tab.screenshot(artifacts / "webtoon-after.png")

        assert_read_exactly(site, fake, tab, WEBTOON)
        untouched(tab, WEBTOON_NOT_COMIC)
        assert session.ext.status(site.page("webtoon"))["skipped"] == len(WEBTOON_NOT_COMIC)
        sent_urls = [url for job in fake.jobs for url in job]
        assert sorted(sent_urls) == sorted(site.url(n) for n in WEBTOON), sent_urls
        # The media host wants the reader's cookie: the server got 403, the browser fetched it
        # with the cookie and the page as Referer, and uploaded it.
        assert fake.uploads == [site.url("m1")]
        media = [r for r in site.requests if r.path == "/img/m1.png" and "reader=" in r.cookie]
        assert any(r.referer.startswith(site.origin) for r in media), media


def test_blob_and_data_reader(session: Session, artifacts: Path) -> None:
    with serve_site() as site, serve_fake(TOKEN) as fake:
        session.ext.configure(server_url=fake.url, token=TOKEN)
        tab = open_reader(session, site.page("blob"), artifacts, "blob")
        # The pages are decrypted into blob: URLs, revoked once shown.
        tab.wait_for("() => [...document.images].filter((i) => i.id.startsWith('b'))"
                     ".every((i) => i.complete && i.naturalWidth > 1)")
        session.ext.translate(site.page("blob"))
        got = wait_for_states(tab, BLOB, timeout_s=60)
        assert got == dict.fromkeys(BLOB, "done"), got
        tab.screenshot(artifacts / "blob-after.png")
        assert_read_exactly(site, fake, tab, BLOB)
        # Nothing went to the server as a URL it could fetch: all bytes came from the page.
        assert len(fake.uploads) == len(BLOB), fake.uploads
        assert all(not url.startswith("http") for url in fake.uploads), fake.uploads


def test_canvas_reader_read_in_the_page_and_from_the_screen(
        session: Session, artifacts: Path) -> None:
    with serve_site() as site, serve_fake(TOKEN) as fake:
        session.ext.configure(server_url=fake.url, token=TOKEN)
        tab = open_reader(session, site.page("canvas"), artifacts, "canvas")
        tab.wait_for("() => [...document.querySelectorAll('canvas')]"
                     ".every((c) => c.dataset.drawn)")
        assert tab.evaluate("() => document.images.length") == 0
        # The toolbar button: the one canvas scripts may not read is read from the screen.
        session.press_toolbar_button(tab)
        session.ext.translate(site.page("canvas"))
        read_from_screen(tab, [CANVAS_TAINTED])
        everything = [*CANVAS, CANVAS_TAINTED]
        got = wait_for_states(tab, everything, timeout_s=60)
        assert got == dict.fromkeys(everything, "done"), got
        tab.evaluate("() => window.scrollTo(0, 0)")
        tab.screenshot(artifacts / "canvas-after.png")

        assert_read_exactly(site, fake, tab, CANVAS)
        screen = shown_bytes(tab, CANVAS_TAINTED)
        assert screen == fake.results[image_id(tab, CANVAS_TAINTED)]
        assert likeness(inverted(screen), site.image(CANVAS_TAINTED)) < SCREEN_LIKENESS
        assert likeness(inverted(screen), site.image(CANVAS[0])) > 5 * SCREEN_LIKENESS

        # The overlay lies exactly over its canvas, and follows it when the canvas is resized.
        overlay_rect = """(id) => {
            const c = document.getElementById(id), o = c.nextElementSibling;
            const a = c.getBoundingClientRect(), b = o.getBoundingClientRect();
            return [a.left - b.left, a.top - b.top, a.width - b.width, a.height - b.height]
              .every((d) => Math.abs(d) < 1);
          }"""
        assert tab.evaluate(overlay_rect, CANVAS[1])
        tab.evaluate(f"() => document.getElementById('{CANVAS[2]}').scrollIntoView()")
        assert tab.evaluate(overlay_rect, CANVAS[1])
        tab.evaluate(f"() => {{ document.getElementById('{CANVAS[1]}').style.width = '500px';"
                     f" document.getElementById('{CANVAS[1]}').style.height = '750px'; }}")
        tab.wait_for(overlay_rect, CANVAS[1])

        # The page draws the same picture again: the translation stays, nothing is sent.
        jobs = len(fake.jobs)
        shown = shown_url(tab, CANVAS[2])
        tab.evaluate(f"() => redrawPage('{CANVAS[2]}')")
        tab.wait_for(f"() => document.getElementById('{CANVAS[2]}').dataset.draws === '2'")
        # The drawing's notice (a task queued by the drawing) comes before this one.
        tab.evaluate("() => new Promise((resolve) => setTimeout(resolve, 0))")
        assert shown_url(tab, CANVAS[2]) == shown
        assert states(tab, [CANVAS[2]]) == {CANVAS[2]: "done"}
        assert len(fake.jobs) == jobs

        # The reader turns the page: the picture under the overlay changed, so the overlay
        # goes, and the new page is translated.
        before = shown_url(tab, CANVAS[0])
        tab.evaluate("() => flipPage()")
        tab.wait_for("([id, old]) => { const o = document.getElementById(id).nextElementSibling;"
                     " return o?.matches('img[data-itp-overlay]') && o.getAttribute('src') !== old"
                     " && document.getElementById(id).dataset.itpState === 'done'; }",
                     [CANVAS[0], before], 60)
        flipped = shown_bytes(tab, CANVAS[0])
        assert likeness(inverted(flipped), site.image(CANVAS_FLIPPED)) == 0
        tab.screenshot(artifacts / "canvas-after-flip.png")


def test_screen_reads_are_at_the_screens_resolution(
        opener: Callable[..., AbstractContextManager[Session]], artifacts: Path) -> None:
    """On a screen of two device pixels per CSS pixel, a canvas read from the screen comes at
    twice its CSS size, cropped from the right place."""
    with serve_site() as site, serve_fake(TOKEN) as fake, opener(scale=2) as session:
        session.ext.configure(server_url=fake.url, token=TOKEN)
        tab = open_reader(session, site.page("canvas"), artifacts, "canvas-hidpi")
        tab.wait_for("() => [...document.querySelectorAll('canvas')]"
                     ".every((c) => c.dataset.drawn)")
        assert tab.evaluate("() => devicePixelRatio") == 2
        session.press_toolbar_button(tab)
        session.ext.translate(site.page("canvas"))
        read_from_screen(tab, [CANVAS_TAINTED])
        assert wait_for_states(tab, [CANVAS_TAINTED], 60) == {CANVAS_TAINTED: "done"}
        sent = fake.inputs[image_id(tab, CANVAS_TAINTED)]
        assert decoded(sent).size == (1200, 1800)
        assert likeness(sent, site.image(CANVAS_TAINTED)) < SCREEN_LIKENESS
        tab.screenshot(artifacts / "canvas-hidpi-after.png")


def test_canvas_reader_scrolling_in_a_box_of_its_own(session: Session, artifacts: Path) -> None:
    """The overlays follow canvases that scroll inside a box (not with the page), and are cut
    where the box cuts the canvas."""
    with serve_site() as site, serve_fake(TOKEN) as fake:
        session.ext.configure(server_url=fake.url, token=TOKEN)
        tab = open_reader(session, site.page("scrollbox"), artifacts, "scrollbox")
        tab.wait_for("() => [...document.querySelectorAll('canvas')]"
                     ".every((c) => c.dataset.drawn)")
        session.ext.translate(site.page("scrollbox"))
        got = wait_for_states(tab, CANVAS, timeout_s=60)
        assert got == dict.fromkeys(CANVAS, "done"), got
        assert_read_exactly(site, fake, tab, CANVAS)
        tab.evaluate("() => { document.getElementById('pages').scrollTop = 500; }")
        aligned = """(id) => {
            const c = document.getElementById(id), o = c.nextElementSibling;
            const a = c.getBoundingClientRect(), b = o.getBoundingClientRect();
            return Math.abs(a.top - b.top) < 1 && Math.abs(a.left - b.left) < 1;
          }"""
        for name in CANVAS[:2]:
            tab.wait_for(aligned, name)
        # The first canvas is half out of the box: its overlay is cut at the box's top.
        clipped = tab.evaluate(f"""() => getComputedStyle(
            document.getElementById('{CANVAS[0]}').nextElementSibling).clipPath""")
        assert clipped.startswith("inset(500px 0px 0px"), clipped
        # Its badge stays inside the box too (at the top of what is seen of the canvas): the
        # page's header above the box is not covered.
        # (Where it would stick to the window's top, were it not cut: above the box.)
        tab.wait_for(f"() => {{ const c = document.getElementById('{CANVAS[0]}')"
                     ".getBoundingClientRect(); const hit = document.elementFromPoint("
                     "c.right - 24, 17); return !hit.closest('[data-itp-overlay]'); }")
        tab.screenshot(artifacts / "scrollbox-after.png")


def test_single_page_app_switching_chapters(session: Session, artifacts: Path) -> None:
    with serve_site() as site, serve_fake(TOKEN) as fake:
        fake.work_s = 4.0  # chapter 1 is still in the works when the reader moves on
        session.ext.configure(server_url=fake.url, token=TOKEN)
        tab = open_reader(session, site.page("spa"), artifacts, "spa")
        session.ext.translate(site.page("spa"))
        tab.wait_for("(ids) => ids.every((id) => document.getElementById(id)"
                     "?.getAttribute('data-itp-image-id'))", SPA_1)
        tab.evaluate("() => nextChapter()")
        fake.work_s = 0.3
        got = wait_for_states(tab, SPA_2, timeout_s=60)
        assert got == dict.fromkeys(SPA_2, "done"), got
        tab.screenshot(artifacts / "spa-after.png")
        assert_read_exactly(site, fake, tab, SPA_2)
        # Chapter 1's job was cancelled on the server when its pages left (before chapter 2's
        # job was even asked for: one look at the page does both, in that order).
        assert fake.cancelled == [fake.job_ids[0]], (fake.cancelled, fake.job_ids)


def test_a_150_strip_chapter(session: Session, artifacts: Path) -> None:
    with serve_site() as site, serve_fake(TOKEN) as fake:
        fake.work_s = 0.02
        session.ext.configure(server_url=fake.url, token=TOKEN)
        tab = open_reader(session, site.page("long"), artifacts, "long")
        session.ext.translate(site.page("long"))
        got = wait_for_states(tab, LONG, timeout_s=240)
        assert got == dict.fromkeys(LONG, "done"), {k: v for k, v in got.items() if v != "done"}
        # Reading through it: the site's lazy loader sets each src, and the translation stays.
        scroll_through(tab)
        shown = [shown_url(tab, name) for name in LONG]
        assert all(url.startswith("blob:") for url in shown), shown
        assert len(set(shown)) == len(LONG)
        tab.evaluate(f"() => document.getElementById('{LONG[75]}').scrollIntoView()")
        tab.screenshot(artifacts / "long-after.png")
        assert_read_exactly(site, fake, tab, LONG[::25])


def test_uploads_in_flight_are_capped(session: Session) -> None:
    with serve_site() as site, serve_fake(TOKEN) as fake:
        fake.upload_s = 0.3
        session.ext.configure(server_url=fake.url, token=TOKEN)
        tab = session.new_tab(site.page("blobs"))
        tab.front()
        tab.wait_for("() => [...document.images].filter((i) => i.id.startsWith('b'))"
                     ".every((i) => i.complete && i.naturalWidth > 1)")
        session.ext.translate(site.page("blobs"))
        got = wait_for_states(tab, BLOB_MANY, timeout_s=60)
        assert got == dict.fromkeys(BLOB_MANY, "done"), got
        assert len(fake.uploads) == len(BLOB_MANY)
        assert 2 <= fake.most_uploading <= 3, fake.most_uploading


def test_host_the_extension_may_not_read_is_asked_for(
        session: Session, artifacts: Path) -> None:
    """Strips on a host the server may not fetch and the extension may not read: the badge and
    the popup say which host to allow, and offer it. Firefox: the reader allows it in the
    popup. Chromium (whose permission prompt no automation can answer): the toolbar button
    lets the extension read them from the screen instead."""
    with serve_site() as site, serve_fake(TOKEN) as fake:
        fake.blocked_hosts = ("127.0.0.3",)
        session.ext.configure(server_url=fake.url, token=TOKEN)
        url = site.page("lan")
        tab = open_reader(session, url, artifacts, "lan")
        session.ext.translate(url)
        got = wait_for_states(tab, LAN[:1], timeout_s=60)
        assert got == {LAN[0]: "error"}, got
        status = session.ext.status(url)
        assert status["needs"] == [{"origin": site.origins.lan, "images": 1}], status
        tab.screenshot(artifacts / "lan-needs-access.png")

        popup = session.ext.popup(url)
        host = site.origins.lan.removeprefix("http://")
        assert popup.evaluate("() => document.getElementById('needs').hidden") is False
        assert popup.evaluate("() => document.querySelector('#grants button').textContent") \
            == f"Allow access to {host}"
        popup.screenshot(artifacts / "lan-popup.png")
        if session.name == "firefox":
            box = popup.evaluate("() => { const r = document.querySelector('#grants button')"
                                 ".getBoundingClientRect(); return [r.x + r.width / 2,"
                                 " r.y + r.height / 2]; }")
            popup.click(*box)
            popup.close()
            tab.front()
        else:
            popup.close()
            session.press_toolbar_button(tab)
            session.ext.translate(url)
            read_from_screen(tab, LAN)
        got = wait_for_states(tab, LAN, timeout_s=60)
        assert got == dict.fromkeys(LAN, "done"), got
        tab.screenshot(artifacts / "lan-after.png")
        for name in LAN:
            picture = inverted(shown_bytes(tab, name))
            assert likeness(picture, site.image(name)) < SCREEN_LIKENESS, name
        assert sorted(fake.uploads) == sorted(site.url(n) for n in LAN)
