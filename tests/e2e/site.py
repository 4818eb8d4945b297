"""A fake webtoon chapter served on 127.0.0.1 for the browser tests.

Every image is drawn here (tall strips with English speech bubbles). Some pages make the
server's life hard the way real sites do: lazy loading through `data-src`, a Referer check, an
image behind a cookie only the browser holds, a strip added by script after the page loaded,
a CSS background image, and a "PNG" that is not an image at all.
"""

from __future__ import annotations

import contextlib
import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http import cookies
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PIL import Image, ImageDraw

from tests.drawing import load_font

STRIP_SIZE = (600, 1300)
COOKIE = ("reader", "chapter-1")
NOT_AN_IMAGE = b"<html>this is not an image</html>"

# (name, lines per bubble, background) for every good strip; bubbles sit on flat colour.
STRIPS: dict[str, tuple[tuple[str, ...], tuple[int, int, int]]] = {
    "p1": (("WHERE ARE WE", "GOING TONIGHT?"), (186, 218, 240)),
    "p2": (("TO THE OLD", "LIGHTHOUSE"), (240, 214, 186)),
    "p3": (("I HEARD A", "NOISE DOWNSTAIRS"), (206, 236, 200)),
    "p4": (("DO NOT OPEN", "THAT DOOR"), (230, 200, 232)),
    "referer": (("THE KEY IS", "UNDER THE MAT"), (250, 236, 170)),
    "cookie": (("ONLY MEMBERS", "CAN READ THIS"), (200, 220, 250)),
    "late": (("SEE YOU IN THE", "NEXT CHAPTER"), (236, 236, 236)),
    "bg": (("THE END", "FOR NOW"), (255, 220, 220)),
}

# Strict for images, as many sites are: neither blob: nor data: may be shown by the page's
# own scripts. (connect-src allows blob: only so the test can read back what is shown.)
CSP = ("default-src 'self'; img-src 'self' data:; script-src 'unsafe-inline'; "
       "style-src 'unsafe-inline'; connect-src 'self' blob:")

PLACEHOLDER = "data:image/gif;base64,R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw=="

CHAPTER_HTML = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Lighthouse, chapter 1</title>
<style>
  body {{ margin: 0; background: #1f2937; color: #f9fafb; font: 16px sans-serif; }}
  header {{ display: flex; gap: 8px; align-items: center; padding: 8px 16px; }}
  .strip {{ display: block; width: 600px; max-width: 100%; margin: 0 auto; }}
  .bg {{ height: 1300px; background-size: cover; }}
</style>
</head>
<body>
<header><img class="icon" src="/img/icon.png" width="32" height="32" alt="">
  <h1>Lighthouse — chapter 1</h1></header>
<main id="chapter">
  <img class="strip" id="p1" src="/img/p1.png" width="600" height="1300" alt="">
  <img class="strip" id="p2" src="/img/p2.png" srcset="/img/p2.png 1x, /img/p2.png?hd 2x" alt="">
  <img class="strip lazy" id="p3" src="{placeholder}" data-src="/img/p3.png"
       width="600" height="1300" alt="">
  <img class="strip lazy" id="p4" src="{placeholder}" data-src="/img/p4.png" alt="">
  <img class="strip" id="referer" src="/img/referer.png" loading="lazy" alt="">
  <img class="strip" id="cookie" src="/img/cookie.png" alt="">
  <img class="strip" id="broken" src="/img/broken.png" width="600" height="600" alt="">
  <div class="strip bg" id="bg" style="background-image: url('/img/bg.png')"></div>
</main>
<script>
  // The site's own lazy loader, as webtoon sites have: the real URL waits in data-src.
  const io = new IntersectionObserver((entries) => {{
    for (const e of entries) {{
      if (e.isIntersecting) {{ e.target.src = e.target.dataset.src; io.unobserve(e.target); }}
    }}
  }}, {{ rootMargin: "200px" }});
  document.querySelectorAll("img.lazy").forEach((img) => io.observe(img));
  // Infinite-scroll sites append the next strips as the reader goes.
  window.addStrip = () => {{
    const img = document.createElement("img");
    img.className = "strip"; img.id = "late"; img.src = "/img/late.png"; img.alt = "";
    document.getElementById("chapter").append(img);
  }};
</script>
</body>
</html>
"""


def draw_strip(lines: tuple[str, ...], bg: tuple[int, int, int]) -> bytes:
    """A tall strip: a flat-coloured panel with the text in two white speech bubbles."""
    w, h = STRIP_SIZE
    img = Image.new("RGB", (w, h), bg)
    draw = ImageDraw.Draw(img)
    font = load_font(34)
    draw.rectangle([20, 20, w - 20, h - 20], outline=(40, 40, 40), width=4)
    for i, (top, text) in enumerate(zip((120, 700), lines, strict=True)):
        box = (60 + 40 * i, top, w - 60 + 40 * i - 80, top + 220)
        draw.ellipse(box, fill=(255, 255, 255), outline=(0, 0, 0), width=3)
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        draw.text((cx, cy), text, font=font, fill=(0, 0, 0), anchor="mm")
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def draw_icon() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (32, 32), (250, 200, 0)).save(buf, "PNG")
    return buf.getvalue()


@dataclass
class Site:
    """The running site; `images` holds the bytes of every good strip by name."""

    origin: str
    images: dict[str, bytes]
    # Paths the site served, with the Referer each request carried (for the test's asserts).
    requests: list[tuple[str, str]] = field(default_factory=list)

    @property
    def chapter_url(self) -> str:
        return f"{self.origin}/chapter.html"

    def url(self, name: str) -> str:
        return f"{self.origin}/img/{name}.png"


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    icon = draw_icon()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass  # quiet: pytest shows the test's own output on failure

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            site.requests.append((path, self.headers.get("Referer", "")))
            if path == "/chapter.html":
                body = CHAPTER_HTML.format(placeholder=PLACEHOLDER).encode()
                name, value = COOKIE
                self._send(200, "text/html; charset=utf-8", body,
                           {"Set-Cookie": f"{name}={value}; Path=/; SameSite=Lax",
                            "Content-Security-Policy": CSP})
                return
            if path == "/img/icon.png":
                self._send(200, "image/png", icon)
                return
            if path == "/img/broken.png":
                self._send(200, "image/png", NOT_AN_IMAGE)
                return
            name = path.removeprefix("/img/").removesuffix(".png")
            if not path.startswith("/img/") or name not in site.images:
                self._send(404, "text/plain", b"not found")
                return
            if name == "referer" and not self.headers.get("Referer", "").startswith(site.origin):
                self._send(403, "text/plain", b"hotlinking is not allowed")
                return
            if name == "cookie" and not self._has_cookie():
                self._send(403, "text/plain", b"members only")
                return
            self._send(200, "image/png", site.images[name])

        def _has_cookie(self) -> bool:
            jar = cookies.SimpleCookie(self.headers.get("Cookie", ""))
            name, value = COOKIE
            return name in jar and jar[name].value == value

        def _send(self, status: int, ctype: str, body: bytes,
                  extra: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            for key, value in (extra or {}).items():
                self.send_header(key, value)
            self.end_headers()
            # The browser drops requests it no longer needs (an image whose src changed).
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

    return Handler


@contextmanager
def serve_site() -> Iterator[Site]:
    images = {name: draw_strip(lines, bg) for name, (lines, bg) in STRIPS.items()}
    site = Site(origin="", images=images)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    site.origin = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        httpd.shutdown()
        httpd.server_close()
