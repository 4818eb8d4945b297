"""Reading the test page's state back: which images the extension swapped, and the bytes of
the translated pictures it put there."""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image, ImageChops

from tests.e2e.browser import Tab

TERMINAL = ("done", "error")

BLOB_BYTES_JS = """async (src) => {
  const bytes = new Uint8Array(await (await fetch(src)).arrayBuffer());
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}"""

STATES_JS = """(ids) => Object.fromEntries(ids.map((id) =>
  [id, document.getElementById(id)?.getAttribute("data-itp-state") ?? ""]))"""

# What the element displays: an <img>'s src, a CSS background's URL, or for a canvas the src of
# the picture the extension laid over it.
SHOWN_JS = """(id) => {
  const el = document.getElementById(id);
  if (el.tagName === "IMG") return el.getAttribute("src") ?? "";
  if (el.tagName === "CANVAS") {
    const next = el.nextElementSibling;
    return next?.matches("img[data-itp-overlay]") ? next.getAttribute("src") ?? "" : "";
  }
  const m = /url\\(["']?(.*?)["']?\\)/.exec(el.style.backgroundImage);
  return m ? m[1] : "";
}"""


def wait_for_states(tab: Tab, ids: list[str], timeout_s: float) -> dict[str, str]:
    """Waits until every element in `ids` is done or failed; returns each one's state."""
    try:
        tab.wait_for(
            """([ids, terminal]) => ids.every((id) => {
                 const el = document.getElementById(id);
                 return el && terminal.includes(el.getAttribute("data-itp-state"));
               })""", [ids, list(TERMINAL)], timeout_s)
    except TimeoutError as exc:
        raise TimeoutError(f"{exc}; states: {states(tab, ids)}") from exc
    return states(tab, ids)


def states(tab: Tab, ids: list[str]) -> dict[str, str]:
    found = tab.evaluate(STATES_JS, ids)
    assert isinstance(found, dict)
    return {str(k): str(v) for k, v in found.items()}


def shown_url(tab: Tab, id_: str) -> str:
    return str(tab.evaluate(SHOWN_JS, id_))


def blob_bytes(tab: Tab, url: str) -> bytes:
    return base64.b64decode(str(tab.evaluate(BLOB_BYTES_JS, url)))


def decoded(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("RGB")


def pixels_differ(a: bytes, b: bytes) -> bool:
    """Same picture size, different pixels: a translated version of the same image."""
    one, two = decoded(a), decoded(b)
    assert one.size == two.size, f"size changed: {one.size} -> {two.size}"
    return ImageChops.difference(one, two).getbbox() is not None


def likeness(a: bytes, b: bytes) -> float:
    """Mean absolute difference per channel (0-255) of two pictures at `b`'s size: near 0 for
    the same picture read back from the screen, tens for different pictures."""
    one, two = decoded(a), decoded(b)
    if one.size != two.size:
        one = one.resize(two.size, Image.Resampling.BILINEAR)
    diff = np.abs(np.asarray(one, np.int16) - np.asarray(two, np.int16))
    return float(diff.mean())


def inverted(data: bytes) -> bytes:
    """The stand-in server's "translation" undone: its input again."""
    out = io.BytesIO()
    Image.eval(decoded(data), lambda v: 255 - v).save(out, "PNG")
    return out.getvalue()
