"""Reading the test page's state back: which images the extension swapped, and the bytes of
the translated pictures it put there."""

from __future__ import annotations

import base64
import io

from PIL import Image, ImageChops
from playwright.sync_api import Page

TERMINAL = ("done", "error")

BLOB_BYTES_JS = """async (src) => {
  const bytes = new Uint8Array(await (await fetch(src)).arrayBuffer());
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}"""


def wait_for_states(page: Page, ids: list[str], timeout_s: float) -> dict[str, str]:
    """Waits until every element in `ids` is done or failed; returns each one's state."""
    page.wait_for_function(
        """([ids, terminal]) => ids.every((id) => {
             const el = document.getElementById(id);
             return el && terminal.includes(el.getAttribute("data-itp-state"));
           })""",
        arg=[ids, list(TERMINAL)], timeout=timeout_s * 1000, polling=250)
    return {id_: states(page, [id_])[id_] for id_ in ids}


def states(page: Page, ids: list[str]) -> dict[str, str]:
    found = page.evaluate(
        "(ids) => Object.fromEntries(ids.map((id) => "
        "[id, document.getElementById(id)?.getAttribute('data-itp-state') ?? '']))", ids)
    assert isinstance(found, dict)
    return {str(k): str(v) for k, v in found.items()}


def shown_url(page: Page, id_: str) -> str:
    """What the element displays: an <img>'s src, or a CSS background's URL."""
    value = page.evaluate(
        """(id) => {
             const el = document.getElementById(id);
             if (el.tagName === "IMG") return el.getAttribute("src") ?? "";
             const m = /url\\(["']?(.*?)["']?\\)/.exec(el.style.backgroundImage);
             return m ? m[1] : "";
           }""", id_)
    return str(value)


def blob_bytes(page: Page, url: str) -> bytes:
    return base64.b64decode(page.evaluate(BLOB_BYTES_JS, url))


def pixels_differ(a: bytes, b: bytes) -> bool:
    """Same picture size, different pixels: a translated version of the same image."""
    one = Image.open(io.BytesIO(a)).convert("RGB")
    two = Image.open(io.BytesIO(b)).convert("RGB")
    assert one.size == two.size, f"size changed: {one.size} -> {two.size}"
    return ImageChops.difference(one, two).getbbox() is not None
