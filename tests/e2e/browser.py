"""Browsers with the unpacked extension, driven the same way whichever browser it is.

`Tab` is what a test does with a page (open, run a script in it, wait for a condition, click,
take a screenshot); `Extension` drives the extension through its own pages, as a reader
would (the options form) or as its buttons do (messages to the background worker). Chromium
runs under Playwright here; Firefox under WebDriver BiDi (firefox_browser.py).
"""

from __future__ import annotations

import json
import pathlib
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from playwright.sync_api import BrowserContext, Page, sync_playwright
from websockets.sync.client import connect

CHROMIUM = Path("/usr/bin/chromium")
EXTENSION = Path(__file__).resolve().parents[2] / "extension"
VIEWPORT = {"width": 1000, "height": 900}

# The WebExtension namespace in a script run on an extension page of either browser.
API = "(globalThis.browser ?? globalThis.chrome)"


def waiter(js: str, timeout_s: float) -> str:
    """A page function that resolves true once `js(arg)` (awaited) is truthy, checking every
    tenth of a second; false after `timeout_s`. The predicate is spliced in as source: a page's
    CSP may forbid eval."""
    return (f"async (arg) => {{ const test = ({js}); const end = Date.now() + {timeout_s * 1000};"
            " for (;;) { if (await test(arg)) return true; if (Date.now() > end) return false;"
            " await new Promise((resolve) => setTimeout(resolve, 100)); } }")


class Tab(Protocol):
    """A browser tab. `js` arguments are function expressions taking one argument."""

    @property
    def url(self) -> str: ...

    def goto(self, url: str) -> None: ...

    def evaluate(self, js: str, arg: Any = None) -> Any: ...

    def wait_for(self, js: str, arg: Any = None, timeout_s: float = 30.0) -> None:
        """Until `js(arg)` is truthy in the page; TimeoutError after `timeout_s`."""

    def screenshot(self, path: Path, *, full_page: bool = False) -> None: ...

    def click(self, x: float, y: float) -> None:
        """A real mouse click at viewport coordinates (a trusted event, a user gesture)."""

    def front(self) -> None:
        """Makes this the tab in front of its window."""

    def close(self) -> None: ...


class Session(Protocol):
    """One browser with the extension loaded."""

    name: str

    @property
    def ext(self) -> Extension: ...

    def new_tab(self, url: str | None = None) -> Tab: ...

    def press_toolbar_button(self, tab: Tab) -> None:
        """The reader pressing the extension's toolbar button on `tab`: the popup opens, and the
        extension may now read that tab (activeTab)."""


class Extension:
    """The loaded extension, driven from a page of its own (the options page)."""

    def __init__(self, session: Session, base_url: str) -> None:
        self.session = session
        self.base_url = base_url
        self._page: Tab | None = None

    @property
    def page(self) -> Tab:
        if self._page is None:
            self._page = self.session.new_tab(self.url("options/options.html"))
        return self._page

    def url(self, path: str) -> str:
        return self.base_url + path

    def configure(self, *, server_url: str, token: str, source: str = "auto",
                  target: str = "en", min_size: int = 150) -> str:
        """Fills and saves the options form, presses "Test connection"; returns its verdict."""
        page = self.page
        page.wait_for("() => document.querySelector('main[aria-busy=false]')")
        values = {"serverUrl": server_url, "token": token, "source": source, "target": target,
                  "minSize": str(min_size)}
        page.evaluate("""(values) => {
            for (const [id, value] of Object.entries(values)) {
              const el = document.getElementById(id);
              el.value = value;
              el.dispatchEvent(new Event("input", { bubbles: true }));
              el.dispatchEvent(new Event("change", { bubbles: true }));
            }
            document.getElementById("saved").textContent = "";
            document.getElementById("save").click();
          }""", values)
        page.wait_for("() => document.getElementById('saved').textContent === 'Saved'")
        page.evaluate("""() => {
            document.getElementById("testResult").className = "";
            document.getElementById("test").click();
          }""")
        page.wait_for("() => document.querySelector('#testResult.ok, #testResult.bad')")
        return str(page.evaluate("() => document.getElementById('testResult').textContent"))

    def tab_id(self, url: str) -> int:
        found = self.page.evaluate(
            f"async (url) => (await {API}.tabs.query({{}})).find((t) => t.url === url)?.id ?? -1",
            url)
        assert isinstance(found, int) and found >= 0, f"no tab shows {url}"
        return found

    def send(self, message: dict[str, Any]) -> Any:
        """What the popup's buttons do: a message to the background worker."""
        return self.page.evaluate(f"(m) => {API}.runtime.sendMessage(m)", message)

    def tell_tab(self, url: str, message: dict[str, Any]) -> Any:
        return self.page.evaluate(f"([id, m]) => {API}.tabs.sendMessage(id, m)",
                                  [self.tab_id(url), message])

    def translate(self, url: str) -> None:
        """The popup's "Translate this page" button, for the tab showing `url`."""
        reply = self.send({"kind": "itp-translate-tab", "tabId": self.tab_id(url)})
        assert reply and reply.get("ok"), f"translate failed: {reply}"

    def toggle(self, url: str) -> str:
        """The popup's "Show originals / Show translations" button."""
        reply = self.tell_tab(url, {"kind": "itp-toggle"})
        assert reply and reply.get("ok"), f"toggle failed: {reply}"
        return str(reply["showing"])

    def status(self, url: str) -> dict[str, Any]:
        reply = self.tell_tab(url, {"kind": "itp-status"})
        assert isinstance(reply, dict) and reply.get("ok"), reply
        return reply

    def state(self) -> dict[str, Any]:
        reply = self.send({"kind": "itp-state"})
        assert isinstance(reply, dict)
        return reply

    def popup(self, url: str) -> Tab:
        """The toolbar popup for the tab showing `url`, opened in a tab of its own."""
        popup = self.session.new_tab(self.url(f"popup/popup.html?tab={self.tab_id(url)}"))
        popup.wait_for("() => document.body.dataset.rendered === 'true'")
        return popup


class ChromiumTab:
    def __init__(self, page: Page) -> None:
        self.page = page

    @property
    def url(self) -> str:
        return self.page.url

    def goto(self, url: str) -> None:
        self.page.goto(url)

    def evaluate(self, js: str, arg: Any = None) -> Any:
        return self.page.evaluate(js, arg)

    def wait_for(self, js: str, arg: Any = None, timeout_s: float = 30.0) -> None:
        if not self.page.evaluate(waiter(js, timeout_s), arg):
            raise TimeoutError(f"not true after {timeout_s:g} s: {js}")

    def screenshot(self, path: Path, *, full_page: bool = False) -> None:
        self.page.screenshot(path=path, full_page=full_page)

    def click(self, x: float, y: float) -> None:
        self.page.mouse.click(x, y)

    def front(self) -> None:
        self.page.bring_to_front()

    def close(self) -> None:
        self.page.close()


class Chromium:
    name = "chromium"

    def __init__(self, context: BrowserContext, ext_id: str, profile: Path) -> None:
        self.context = context
        self.profile = profile
        self._ext = Extension(self, f"chrome-extension://{ext_id}/")
        self.ext_id = ext_id

    @property
    def ext(self) -> Extension:
        return self._ext

    def new_tab(self, url: str | None = None) -> ChromiumTab:
        tab = ChromiumTab(self.context.new_page())
        if url:
            tab.goto(url)
        return tab

    def press_toolbar_button(self, tab: Tab) -> None:
        """DevTools' Extensions.triggerAction: the action run as if its button were pressed."""
        port, path = (self.profile / "DevToolsActivePort").read_text().split()
        with connect(f"ws://127.0.0.1:{port}{path}", max_size=None) as ws:
            def call(n: int, method: str, **params: Any) -> dict[str, Any]:
                ws.send(json.dumps({"id": n, "method": method, "params": params}))
                while True:
                    msg = json.loads(ws.recv(timeout=30))
                    if msg.get("id") == n:
                        assert "error" not in msg, msg
                        return dict(msg["result"])
            targets = call(1, "Target.getTargets", filter=[{}])["targetInfos"]
            tabs = [t for t in targets if t["type"] == "tab" and t["url"] == tab.url]
            assert len(tabs) == 1, f"not one tab shows {tab.url}: {tabs}"
            call(2, "Extensions.triggerAction", id=self.ext_id, targetId=tabs[0]["targetId"])
            # The popup opens in a tab of its own here; the reader's tab goes back in front.
            for target in call(3, "Target.getTargets", filter=[{}])["targetInfos"]:
                if target["type"] == "tab" and target["url"].startswith(
                        self.ext.url("popup/popup.html")):
                    call(4, "Target.closeTarget", targetId=target["targetId"])
        tab.front()

    def stop_service_workers(self, tab: ChromiumTab) -> None:
        """What the browser does to an idle extension worker, on demand (DevTools protocol)."""
        cdp = self.context.new_cdp_session(tab.page)
        try:
            cdp.send("ServiceWorker.enable")
            cdp.send("ServiceWorker.stopAllWorkers")
        finally:
            cdp.detach()


@contextmanager
def chromium_with_extension(*, scale: float = 1) -> Iterator[Chromium]:
    with tempfile.TemporaryDirectory(prefix="itp-chromium-") as profile, sync_playwright() as p:
        # Another scale is the screen's own, not an emulated one (screen captures follow the
        # screen, not the emulation); the window is then sized instead of the viewport.
        sizing: dict[str, Any] = {"viewport": VIEWPORT} if scale == 1 else {"no_viewport": True}
        hidpi = [] if scale == 1 else [f"--force-device-scale-factor={scale:g}",
                                       f"--window-size={VIEWPORT['width']},{VIEWPORT['height']}"]
        context = p.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            headless=False,  # the new headless mode (below) is the one that runs extensions
            **sizing,
            args=[
                *hidpi,
                "--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update",
                "--no-first-run", "--disable-sync", "--remote-debugging-port=0",
                f"--disable-extensions-except={EXTENSION}", f"--load-extension={EXTENSION}",
            ],
        )
        try:
            workers = context.service_workers
            worker = workers[0] if workers else context.wait_for_event("serviceworker")
            yield Chromium(context, worker.url.split("/")[2], pathlib.Path(profile))
        finally:
            context.close()
