"""The extension against a stand-in server (tests/e2e/fake_itp.py): its side of the wire
protocol, including what the real server rarely does on cue — a WebSocket cut mid-job, resumed
with `last_seq`, and a `fetch_failed` answered by uploading the bytes."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.e2e.browser import chromium_with_extension
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
        resumes = [m for m in fake.received if m["type"] == "subscribe" and m["last_seq"] > 0]
        assert resumes, f"no resume after the dropped socket: {fake.received}"

        # Prioritize messages name images of the job, while the reader scrolls.
        page.mouse.wheel(0, 4000)
        time.sleep(1)
        assert ext.state()["status"] in ("open", "closed")


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
