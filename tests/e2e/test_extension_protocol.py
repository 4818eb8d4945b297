"""The extension against a stand-in server (tests/e2e/fake_itp.py), in Chromium and Firefox:
its side of the wire protocol, including what the real server rarely does on cue — a
WebSocket cut mid-job and resumed with `last_seq`, a `fetch_failed` answered by uploading the
bytes, a job cancelled when its images leave the page."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.browser import API, Session, Tab, chromium_with_extension
from tests.e2e.fake_itp import serve_fake
from tests.e2e.page_checks import blob_bytes, shown_url, states, wait_for_states
from tests.e2e.reader_pages import LIGHTHOUSE, SPA_1, SPA_2
from tests.e2e.reader_steps import scroll_through
from tests.e2e.site import serve_site

pytestmark = pytest.mark.browser

TOKEN = "stand-in-token-0123456789"


def test_resumes_after_a_dropped_socket_and_uploads_what_the_server_cannot_fetch(
        session: Session, artifacts: Path) -> None:
    with serve_site() as site, serve_fake(TOKEN) as fake:
        session.ext.configure(server_url=fake.url, token=TOKEN)
        page = session.new_tab(site.chapter_url)
        page.front()
        # The reader is in the middle of the chapter: what is on screen goes first.
        page.evaluate("() => document.getElementById('cookie').scrollIntoView()")
        # Lazy images above may load and grow meanwhile: wait until they have, then again.
        page.wait_for("() => document.getElementById('p4').naturalWidth > 1")
        page.evaluate("() => document.getElementById('cookie').scrollIntoView()")
        fake.drop_after = 4
        session.ext.translate(site.chapter_url)
        page.evaluate("() => addStrip()")
        got = wait_for_states(page, [*LIGHTHOUSE, "broken"], timeout_s=60)
        page.screenshot(artifacts / "stand-in-chapter.png", full_page=True)

        assert got == {**dict.fromkeys(LIGHTHOUSE, "done"), "broken": "error"}
        for name in LIGHTHOUSE:
            image_id = page.evaluate(
                "(id) => document.getElementById(id).getAttribute('data-itp-image-id')", name)
            assert image_id in fake.results, name
            assert blob_bytes(page, shown_url(page, name)) == fake.results[image_id], name
        assert fake.uploads == [site.url("cookie")]
        first, late = fake.jobs
        assert first[:2] == [site.url("cookie"), f"{site.origin}/img/broken.png"], first
        assert first.index(site.url("bg")) < first.index(site.url("p1")), first
        assert late == [site.url("late")]
        resumes = [m for m in fake.received if m["type"] == "subscribe" and m["last_seq"] > 0]
        assert resumes, f"no resume after the dropped socket: {fake.received}"

        # Prioritize names what is on screen or just below: the cookie strip, the broken one.
        url_of = {e["image_id"]: e["url"] for log in fake.events.values() for e in log}
        asked = [[url_of[i] for i in m["image_ids"]]
                 for m in fake.received if m["type"] == "prioritize"]
        assert asked and site.url("cookie") in asked[0], asked
        assert site.url("p1") not in asked[0], asked
        assert session.ext.state()["status"] == "open"


def badge_point(tab: Tab, name: str) -> tuple[float, float]:
    """Where the image's badge is: badges sit in a closed shadow root at the image's top right,
    so they are clicked by position."""
    box = tab.evaluate("(id) => { const r = document.getElementById(id).getBoundingClientRect();"
                       " return [r.right, r.top]; }", name)
    return float(box[0]) - 24, max(float(box[1]), 0) + 16


def test_a_badge_click_right_after_a_scroll_lands_on_the_badge(session: Session) -> None:
    """No frame needs to pass between a scroll and a click for the click to reach the badge
    (the badges scroll with the page by themselves)."""
    with serve_site() as site, serve_fake(TOKEN) as fake:
        session.ext.configure(server_url=fake.url, token=TOKEN)
        page = session.new_tab(site.chapter_url)
        page.front()
        session.ext.translate(site.chapter_url)
        wait_for_states(page, ["p1", "p2", "p3"], timeout_s=60)
        for name in ("p2", "p3", "p1"):
            # Scrolled and clicked in one go: no animation frame in between.
            x, y = page.evaluate("""(id) => {
                document.getElementById(id).scrollIntoView({block: "center"});
                const r = document.getElementById(id).getBoundingClientRect();
                return [r.right - 24, Math.max(r.top, 0) + 16];
              }""", name)
            page.click(x, y)
            assert states(page, [name]) == {name: "original"}, name
            page.click(*badge_point(page, name))
            assert states(page, [name]) == {name: "done"}, name


def test_translations_survive_the_page_setting_src_and_srcset_again(session: Session) -> None:
    with serve_site() as site, serve_fake(TOKEN) as fake:
        session.ext.configure(server_url=fake.url, token=TOKEN)
        page = session.new_tab(site.chapter_url)
        page.front()
        session.ext.translate(site.chapter_url)
        wait_for_states(page, ["p1", "p2"], timeout_s=60)
        shown = {name: shown_url(page, name) for name in ("p1", "p2")}
        page.evaluate("() => resetPictures()")
        # The page's changes are undone before the next frame is painted.
        page.evaluate("() => new Promise((r) => requestAnimationFrame(r))")
        assert {name: shown_url(page, name) for name in shown} == shown
        assert page.evaluate("() => document.getElementById('p2').hasAttribute('srcset')") is False
        assert page.evaluate("() => document.getElementById('p2')"
                             ".getAttribute('data-itp-original-srcset')") \
            == "/img/p2.png 1x, /img/p2.png?hd 2x"
        assert states(page, ["p1", "p2"]) == {"p1": "done", "p2": "done"}
        # "Show originals" gives the page its own pictures back, srcset included.
        assert session.ext.toggle(site.chapter_url) == "original"
        assert page.evaluate("() => document.getElementById('p2').getAttribute('srcset')") \
            == "/img/p2.png 1x, /img/p2.png?hd 2x"


def test_a_failed_badge_tries_again_when_clicked(session: Session) -> None:
    with serve_site() as site, serve_fake(TOKEN) as fake:
        session.ext.configure(server_url=fake.url, token=TOKEN)
        page = session.new_tab(site.chapter_url)
        page.front()
        session.ext.translate(site.chapter_url)
        assert wait_for_states(page, ["broken"], timeout_s=60) == {"broken": "error"}
        site.repaired.add("broken")
        # The lazy strips above it load first: growing, they would move it under the click.
        scroll_through(page)
        page.wait_for("() => [...document.images].every((img) => img.complete)")
        page.evaluate("() => document.getElementById('broken').scrollIntoView()")
        page.click(*badge_point(page, "broken"))
        got = wait_for_states(page, ["broken"], timeout_s=60)
        assert got == {"broken": "done"}, session.ext.status(site.chapter_url)["failures"]
        assert [job for job in fake.jobs if f"{site.origin}/img/broken.png" in job][1:], fake.jobs


def test_translations_of_images_that_left_are_freed(session: Session) -> None:
    """A chapter switch: the blob: URLs made for the old chapter's translations are revoked."""
    with serve_site() as site, serve_fake(TOKEN) as fake:
        session.ext.configure(server_url=fake.url, token=TOKEN)
        page = session.new_tab(site.page("spa"))
        page.front()
        session.ext.translate(site.page("spa"))
        wait_for_states(page, SPA_1, timeout_s=60)
        old = [shown_url(page, name) for name in SPA_1]
        assert all(blob_bytes(page, url) for url in old)
        page.evaluate("() => nextChapter()")
        wait_for_states(page, SPA_2, timeout_s=60)
        revoked = """(url) => fetch(url).then(() => false, () => true)"""
        assert all(page.evaluate(revoked, url) for url in old), old


def test_a_site_set_to_always_translate_is_translated_on_load(session: Session) -> None:
    with serve_site() as site, serve_fake(TOKEN) as fake:
        session.ext.configure(server_url=fake.url, token=TOKEN)
        # What the popup's "Always translate on this site" switch stores once permitted.
        session.ext.page.evaluate(f"(site) => {API}.storage.local.set({{alwaysSites: [site]}})",
                                  site.origin)
        page = session.new_tab(site.chapter_url)
        page.front()
        got = wait_for_states(page, ["p1", "p2", "broken"], timeout_s=60)
        assert got == {"p1": "done", "p2": "done", "broken": "error"}


def test_jobs_resume_when_the_browser_stops_the_service_worker() -> None:
    """Chromium stops an idle extension service worker (Firefox's event page is not stopped
    mid-job while its socket is open)."""
    with serve_site() as site, serve_fake(TOKEN) as fake, chromium_with_extension() as chromium:
        chromium.ext.configure(server_url=fake.url, token=TOKEN)
        fake.work_s = 3.0
        page = chromium.new_tab(site.chapter_url)
        page.front()
        chromium.ext.translate(site.chapter_url)
        page.wait_for("() => document.querySelector('[data-itp-state=working]')")
        # The worker saves its progress twice a second: wait until it has saved an event.
        page.wait_for("() => document.querySelector('[data-itp-stage=ocr]')")
        chromium.ext.page.wait_for(
            f"async () => Object.values((await {API}.storage.session.get('itpJobs'))"
            ".itpJobs ?? {}).some((job) => job.lastSeq > 0)")
        chromium.stop_service_workers(page)
        before = len(fake.received)

        # The page's heartbeat wakes a new worker, which resumes from storage.session.
        got = wait_for_states(page, ["p1", "p2", "cookie", "broken"], timeout_s=45)
        assert got == {"p1": "done", "p2": "done", "cookie": "done", "broken": "error"}
        resumed = [m for m in fake.received[before:] if m["type"] == "subscribe"]
        assert resumed and all(m["last_seq"] > 0 for m in resumed), resumed


def test_a_page_without_a_comic_says_so(session: Session, artifacts: Path) -> None:
    """An episode list (thumbnails only): nothing is sent, and the popup says why "0 of 0"."""
    with serve_site() as site, serve_fake(TOKEN) as fake:
        session.ext.configure(server_url=fake.url, token=TOKEN)
        url = site.page("episodes")
        page = session.new_tab(url)
        page.front()
        page.wait_for("() => [...document.images].every((img) => img.complete)")
        session.ext.translate(url)
        status = session.ext.status(url)
        assert (status["total"], status["skipped"]) == (0, 8), status
        popup = session.ext.popup(url)
        text = popup.evaluate("() => document.getElementById('progress').textContent")
        assert text.startswith("No comic images found on this page (8 other pictures"), text
        popup.screenshot(artifacts / "popup-no-comic.png")
        assert fake.jobs == []
