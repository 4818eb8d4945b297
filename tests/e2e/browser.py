"""Chromium with the unpacked extension, driven through Playwright, and the extension's own
pages used the way a reader would (options form) or the way its buttons do (messages)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
EXTENSION = Path(__file__).resolve().parents[2] / "extension"


class Extension:
    """The loaded extension: its id, and a page of its own to send messages from."""

    def __init__(self, context: BrowserContext, ext_id: str) -> None:
        self.context = context
        self.id = ext_id
        self._page: Page | None = None

    @property
    def page(self) -> Page:
        if self._page is None or self._page.is_closed():
            self._page = self.context.new_page()
            self._page.goto(self.url("options/options.html"))
        return self._page

    def url(self, path: str) -> str:
        return f"chrome-extension://{self.id}/{path}"

    def configure(self, *, server_url: str, token: str, source: str = "auto",
                  target: str = "en", min_size: int = 150) -> Page:
        """Fills and saves the options form, then presses "Test connection"."""
        page = self.page
        page.wait_for_selector("main[aria-busy=false]")
        page.fill("#serverUrl", server_url)
        page.fill("#token", token)
        page.select_option("#source", source)
        page.select_option("#target", target)
        page.fill("#minSize", str(min_size))
        page.evaluate("document.getElementById('saved').textContent = ''")
        page.click("#save")
        page.wait_for_function("document.getElementById('saved').textContent === 'Saved'")
        page.evaluate("document.getElementById('testResult').className = ''")
        page.click("#test")
        page.wait_for_selector("#testResult.ok, #testResult.bad")
        return page

    def tab_id(self, url: str) -> int:
        found = self.page.evaluate(
            "async (url) => (await chrome.tabs.query({})).find((t) => t.url === url)?.id ?? -1",
            url)
        assert isinstance(found, int) and found >= 0, f"no tab shows {url}"
        return found

    def send(self, message: dict[str, Any]) -> Any:
        """What the popup's buttons do: a message to the background worker."""
        return self.page.evaluate("(m) => chrome.runtime.sendMessage(m)", message)

    def tell_tab(self, url: str, message: dict[str, Any]) -> Any:
        return self.page.evaluate("([id, m]) => chrome.tabs.sendMessage(id, m)",
                                  [self.tab_id(url), message])

    def translate(self, url: str) -> None:
        """The "Translate this page" button of the toolbar popup, for the tab showing `url`."""
        reply = self.send({"kind": "itp-translate-tab", "tabId": self.tab_id(url)})
        assert reply and reply.get("ok"), f"translate failed: {reply}"

    def toggle(self, url: str) -> str:
        """The popup's "Show originals / Show translations" button."""
        reply = self.tell_tab(url, {"kind": "itp-toggle"})
        assert reply and reply.get("ok"), f"toggle failed: {reply}"
        return str(reply["showing"])

    def state(self) -> dict[str, Any]:
        reply = self.send({"kind": "itp-state"})
        assert isinstance(reply, dict)
        return reply


def stop_service_workers(context: BrowserContext, page: Page) -> None:
    """What the browser does to an idle extension worker, on demand (DevTools protocol)."""
    cdp = context.new_cdp_session(page)
    try:
        cdp.send("ServiceWorker.enable")
        cdp.send("ServiceWorker.stopAllWorkers")
    finally:
        cdp.detach()


@contextmanager
def chromium_with_extension() -> Iterator[tuple[BrowserContext, Extension]]:
    with tempfile.TemporaryDirectory(prefix="itp-chromium-") as profile, sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            headless=False,  # the new headless mode (below) is the one that runs extensions
            viewport={"width": 1000, "height": 900},
            args=[
                "--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update",
                "--no-first-run", "--disable-sync",
                f"--disable-extensions-except={EXTENSION}", f"--load-extension={EXTENSION}",
            ],
        )
        try:
            workers = context.service_workers
            worker = workers[0] if workers else context.wait_for_event("serviceworker")
            yield context, Extension(context, worker.url.split("/")[2])
        finally:
            context.close()
