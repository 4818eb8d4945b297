"""Firefox (Debian's firefox-esr) with the extension installed as a temporary add-on, driven
over WebDriver BiDi (firefox_bidi.py), behind the same `Tab` and `Session` as Chromium.

Firefox is started headless with `--remote-debugging-port` (its Remote Agent) and
`--remote-allow-system-access`: without it the agent refuses to open moz-extension: pages and
to run scripts in the browser's own window (where the toolbar button is pressed). The profile
fixes the extension's internal UUID (so its pages have a known URL) and lets the extension's
optional permission requests through without a prompt: a reader pressing "Allow".
"""

from __future__ import annotations

import base64
import collections
import json
import re
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from websockets.exceptions import WebSocketException

from tests.e2e.browser import EXTENSION, VIEWPORT, Extension, Tab, waiter
from tests.e2e.firefox_bidi import BiDi

FIREFOX = Path("/usr/bin/firefox-esr")
ADDON_ID = "itp@image-translate-pipeline.local"
ADDON_UUID = "3b4b5c6d-7e8f-4a0b-9c1d-2e3f4a5b6c7d"
START_TIMEOUT_S = 60.0

PREFS: dict[str, Any] = {
    "extensions.webextensions.uuids": json.dumps({ADDON_ID: ADDON_UUID}),
    # permissions.request() answers as if the reader pressed "Allow" in the prompt.
    "extensions.webextOptionalPermissionPrompts": False,
    # Loopback test sites are plain http.
    "dom.security.https_first": False,
    "browser.shell.checkDefaultBrowser": False,
}

# The toolbar button's own handler, run in the browser window: "the same effects as if it were
# clicked by a user" (Firefox's words), the popup and activeTab included.
TOOLBAR_JS = """async (id) => {
  const { ExtensionParent } = ChromeUtils.importESModule(
    "resource://gre/modules/ExtensionParent.sys.mjs");
  const extension = ExtensionParent.GlobalManager.getExtension(id);
  ExtensionParent.apiManager.global.browserActionFor(extension).triggerAction(window);
  return true;
}"""


class FirefoxTab:
    def __init__(self, ff: Firefox, context: str) -> None:
        self.ff = ff
        self.context = context

    @property
    def url(self) -> str:
        tree = self.ff.bidi.call("browsingContext.getTree", root=self.context, maxDepth=0)
        return str(tree["contexts"][0]["url"])

    def goto(self, url: str) -> None:
        self.ff.bidi.call("browsingContext.navigate", context=self.context, url=url,
                          wait="complete")

    def evaluate(self, js: str, arg: Any = None) -> Any:
        return self.ff.bidi.call_function(self.context, js, arg)

    def wait_for(self, js: str, arg: Any = None, timeout_s: float = 30.0) -> None:
        done = self.ff.bidi.call_function(self.context, waiter(js, timeout_s), arg,
                                          timeout_s=timeout_s + 30)
        if not done:
            raise TimeoutError(f"not true after {timeout_s:g} s: {js}")

    def screenshot(self, path: Path, *, full_page: bool = False) -> None:
        shot = self.ff.bidi.call("browsingContext.captureScreenshot", context=self.context,
                                 origin="document" if full_page else "viewport")
        path.write_bytes(base64.b64decode(shot["data"]))

    def click(self, x: float, y: float) -> None:
        self.ff.bidi.call("input.performActions", context=self.context, actions=[{
            "type": "pointer", "id": "mouse", "parameters": {"pointerType": "mouse"},
            "actions": [{"type": "pointerMove", "x": round(x), "y": round(y)},
                        {"type": "pointerDown", "button": 0},
                        {"type": "pointerUp", "button": 0}],
        }])

    def front(self) -> None:
        self.ff.bidi.call("browsingContext.activate", context=self.context)

    def close(self) -> None:
        self.ff.bidi.call("browsingContext.close", context=self.context)


class Firefox:
    name = "firefox"

    def __init__(self, bidi: BiDi, scale: float) -> None:
        self.bidi = bidi
        self.scale = scale
        self._ext = Extension(self, f"moz-extension://{ADDON_UUID}/")

    @property
    def ext(self) -> Extension:
        return self._ext

    def new_tab(self, url: str | None = None) -> FirefoxTab:
        context = str(self.bidi.call("browsingContext.create", type="tab")["context"])
        self.bidi.call("browsingContext.setViewport", context=context, viewport=VIEWPORT)
        tab = FirefoxTab(self, context)
        if url:
            tab.goto(url)
        return tab

    def chrome_window(self) -> str:
        scope: dict[str, Any] = {"moz:scope": "chrome"}
        tree = self.bidi.call("browsingContext.getTree", **scope)
        return str(tree["contexts"][0]["context"])

    def press_toolbar_button(self, tab: Tab) -> None:
        tab.front()
        self.bidi.call_function(self.chrome_window(), TOOLBAR_JS, ADDON_ID)
        # The popup is a panel over the page; pressing again closes it, as a reader would.
        self.bidi.call_function(self.chrome_window(), TOOLBAR_JS, ADDON_ID)


class Output:
    """Firefox's console output, read on a thread of its own: a full pipe would stall Firefox.
    Tells the Remote Agent's address once printed; keeps the last lines for failures."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.lines: collections.deque[str] = collections.deque(maxlen=200)
        self.url = ""
        self.ready = threading.Event()
        threading.Thread(target=self._read, args=(proc,), daemon=True).start()

    def _read(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            self.lines.append(line)
            found = re.search(r"WebDriver BiDi listening on (ws://\S+)", line)
            if found:
                self.url = found.group(1)
                self.ready.set()
        self.ready.set()

    def tail(self) -> str:
        return "".join(list(self.lines)[-30:])


def _start(profile: Path, scale: float) -> tuple[subprocess.Popen[str], Output]:
    # The screen's own scale, not an emulated one: screen captures follow the screen.
    prefs = {**PREFS, "layout.css.devPixelsPerPx": f"{scale:g}"}
    lines = [f"user_pref({json.dumps(k)}, {json.dumps(v)});" for k, v in prefs.items()]
    (profile / "user.js").write_text("\n".join(lines) + "\n")
    proc = subprocess.Popen(
        [str(FIREFOX), "--headless", "--no-remote", "--profile", str(profile),
         "--remote-debugging-port=0", "--remote-allow-system-access"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = Output(proc)
    if not output.ready.wait(START_TIMEOUT_S) or not output.url:
        proc.kill()
        proc.wait()
        raise RuntimeError(f"firefox's Remote Agent did not listen:\n{output.tail()}")
    return proc, output


@contextmanager
def firefox_with_extension(*, scale: float = 1) -> Iterator[Firefox]:
    with tempfile.TemporaryDirectory(prefix="itp-firefox-") as profile:
        proc, output = _start(Path(profile), scale)
        bidi: BiDi | None = None
        try:
            bidi = BiDi(output.url + "/session")
            bidi.call("session.new", capabilities={})
            bidi.call("webExtension.install",
                      extensionData={"type": "path", "path": str(EXTENSION)})
            yield Firefox(bidi, scale)
        finally:
            if bidi is not None:
                try:
                    bidi.call("browser.close", timeout_s=30)
                except (TimeoutError, RuntimeError, OSError, WebSocketException):
                    # Closing the browser also closes the socket the answer would come on.
                    proc.terminate()
                bidi.close()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
