"""What a reader does on the fake reader sites, and what the tests check afterwards, shared by
the tests against the stand-in server and those against `itp serve`."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.browser import Session, Tab
from tests.e2e.page_checks import blob_bytes, shown_url, states

# One screen at a time, as far as the page goes; after each step two frames are painted, so
# the site's lazy loader (an IntersectionObserver) has seen it.
SCROLL_STEP = 700

def scroll_through(tab: Tab) -> None:
    """Reads the page to its end, so that lazy loaders and screen reads see every image."""
    height = int(tab.evaluate("() => document.documentElement.scrollHeight"))
    for y in range(0, height, SCROLL_STEP):
        tab.evaluate(f"() => window.scrollTo(0, {y})")
        tab.evaluate("() => new Promise((r) => requestAnimationFrame(() => "
                     "requestAnimationFrame(r)))")
    tab.evaluate("() => window.scrollTo(0, 0)")


def read_from_screen(tab: Tab, ids: list[str], timeout_s: float = 60) -> None:
    """Scrolls past each element the extension reads from the screen, as a reader would: once
    the extension asks for it (data-itp-screen appears), its top into view until a first band
    is read, then its bottom up to the middle of the window (clear of a reader's toolbar)
    until all of it is (data-itp-screen says how much)."""
    read = "(id) => Number(document.getElementById(id).getAttribute('data-itp-screen'))"
    for id_ in ids:
        tab.wait_for("(id) => document.getElementById(id).hasAttribute('data-itp-screen')",
                     id_, timeout_s)
        tab.evaluate("(id) => document.getElementById(id).scrollIntoView({block: 'start'})", id_)
        tab.wait_for(f"(id) => ({read})(id) > 0", id_, timeout_s)
        tab.evaluate("""(id) => {
            const r = document.getElementById(id).getBoundingClientRect();
            window.scrollBy(0, r.bottom - innerHeight / 2);
          }""", id_)
        tab.wait_for(f"(id) => ({read})(id) === 1", id_, timeout_s)


def image_id(tab: Tab, id_: str) -> str:
    return str(tab.evaluate(
        "(id) => document.getElementById(id).getAttribute('data-itp-image-id') ?? ''", id_))


def shown_bytes(tab: Tab, id_: str) -> bytes:
    """The picture the element shows now, as the extension put it there (a blob: URL)."""
    url = shown_url(tab, id_)
    assert url.startswith(("blob:", "data:")), f"{id_} shows {url!r}"
    return blob_bytes(tab, url)


def untouched(tab: Tab, ids: list[str]) -> None:
    """Pictures the extension must leave alone (ads, thumbnails): no state, their own src."""
    got = states(tab, ids)
    assert all(value == "" for value in got.values()), got
    for id_ in ids:
        assert not shown_url(tab, id_).startswith("blob:"), id_


def open_reader(session: Session, url: str, artifacts: Path, name: str) -> Tab:
    """Opens a reader page in front, lets it settle, and keeps a "before" screenshot."""
    tab = session.new_tab(url)
    tab.front()
    tab.wait_for("() => document.readyState === 'complete'")
    tab.screenshot(artifacts / f"{name}-before.png")
    return tab
