"""The extension against a stand-in server (tests/e2e/fake_itp.py): its side of the wire
protocol, including what the real server rarely does on cue — a WebSocket cut mid-job, resumed
with `last_seq`, and a `fetch_failed` answered by uploading the bytes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.browser import chromium_with_extension, stop_service_workers
from tests.e2e.fake_itp import serve_fake
from tests.e2e.page_checks import blob_bytes, shown_url, wait_for_states
from tests.e2e.site import serve_site

pytestmark = pytest.mark.browser

TOKEN = "stand-in-token-0123456789"
GOOD = ["p1", "p2", "p3", "p4", "referer", "cookie", "late", "bg"]


def test_resumes_after_a_dropped_socket_and_uploads_what_the_server_cannot_fetch(
        artifacts: Path) -> None:
    with serve_site() as site, serve_fake(TOKEN) as fake, \
            chromium_with_extension() as (context, ext):
        ext.configure(server_url=fake.url, token=TOKEN)
        page = context.new_page()
        page.goto(site.chapter_url)
        # The reader is in the middle of the chapter: what is on screen goes first.
        page.evaluate("document.getElementById('cookie').scrollIntoView()")
        page.wait_for_timeout(300)  # lazy images above may load and grow meanwhile
        page.evaluate("document.getElementById('cookie').scrollIntoView()")
        fake.drop_after = 4
        ext.translate(site.chapter_url)
        page.evaluate("addStrip()")
        got = wait_for_states(page, [*GOOD, "broken"], timeout_s=60)
        page.screenshot(path=artifacts / "stand-in-chapter.png", full_page=True)

        assert got == {**dict.fromkeys(GOOD, "done"), "broken": "error"}
        for name in GOOD:
            image_id = page.get_attribute(f"#{name}", "data-itp-image-id")
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
        assert ext.state()["status"] == "open"


def test_a_site_set_to_always_translate_is_translated_on_load() -> None:
    with serve_site() as site, serve_fake(TOKEN) as fake, \
            chromium_with_extension() as (context, ext):
        ext.configure(server_url=fake.url, token=TOKEN)
        # What the popup's "Always translate on this site" switch stores once permitted.
        ext.page.evaluate("(site) => chrome.storage.local.set({alwaysSites: [site]})",
                          site.origin)
        page = context.new_page()
        page.goto(site.chapter_url)
        got = wait_for_states(page, ["p1", "p2", "broken"], timeout_s=60)
        assert got == {"p1": "done", "p2": "done", "broken": "error"}


def test_jobs_resume_when_the_browser_stops_the_service_worker() -> None:
    with serve_site() as site, serve_fake(TOKEN) as fake, \
            chromium_with_extension() as (context, ext):
        ext.configure(server_url=fake.url, token=TOKEN)
        fake.work_s = 3.0
        page = context.new_page()
        page.goto(site.chapter_url)
        ext.translate(site.chapter_url)
        page.wait_for_function("() => document.querySelector('[data-itp-state=working]')")
        page.wait_for_timeout(1000)  # the worker saves its progress twice a second
        stop_service_workers(context, page)
        page.wait_for_timeout(500)
        assert not fake.sockets, "the worker's socket outlived it"
        before = len(fake.received)

        # The page's heartbeat wakes a new worker, which resumes from storage.session.
        got = wait_for_states(page, ["p1", "p2", "cookie", "broken"], timeout_s=45)
        assert got == {"p1": "done", "p2": "done", "cookie": "done", "broken": "error"}
        resumed = [m for m in fake.received[before:] if m["type"] == "subscribe"]
        assert resumed and all(m["last_seq"] > 0 for m in resumed), resumed
