"""Fake reader sites on loopback addresses for the browser tests (pages: reader_pages.py,
pictures: reader_art.py).

Four servers, as a real reader spreads over several hosts:
- the site, 127.0.0.1: the pages, and images of its own (one behind a Referer check, one behind
  the session cookie its pages set);
- a CDN, 127.0.0.2: strips for pages of another origin, only with such a page as Referer, and no
  CORS headers (a script of the page may show them, never read them);
- a media host of the same site on another port: also wants the session cookie (a host of the
  same site gets it), which only the browser has;
- a host "on the reader's network", 127.0.0.3: the itp server is not allowed to fetch from it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from http import cookies
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.e2e import reader_art, reader_pages
from tests.e2e.reader_pages import Origins

COOKIE = ("reader", "chapter-1")
NOT_AN_IMAGE = b"<html>this is not an image</html>"


@dataclass(frozen=True)
class Request:
    host: str
    path: str
    referer: str
    cookie: str


@dataclass
class Site:
    origins: Origins
    requests: list[Request] = field(default_factory=list)
    # Images the site serves properly from now on (the broken one, once "fixed").
    repaired: set[str] = field(default_factory=set)

    @property
    def origin(self) -> str:
        return self.origins.site

    def page(self, name: str) -> str:
        return f"{self.origins.site}/{name}.html"

    @property
    def chapter_url(self) -> str:
        return self.page("lighthouse")

    def url(self, name: str) -> str:
        """Where the page takes the picture `name` from."""
        if name in reader_pages.WEBTOON[:-1] or name in reader_pages.SPA_1 + reader_pages.SPA_2 \
                or name in reader_pages.LONG or name == reader_pages.CANVAS_TAINTED:
            return f"{self.origins.cdn}/img/{name}.png"
        if name == "m1":
            return f"{self.origins.media}/img/{name}.png"
        if name in reader_pages.LAN:
            return f"{self.origins.lan}/img/{name}.png"
        return f"{self.origins.site}/img/{name}.png"

    def image(self, name: str) -> bytes:
        """The picture `name` as the page shows it (the original)."""
        if name in reader_pages.LIGHTHOUSE:
            return reader_art.strip(name, reader_art.TALL_STRIP)
        return reader_art.strip(name)


Handler = type[BaseHTTPRequestHandler]


class Server(ThreadingHTTPServer):
    # A browser opens many connections at once on a long chapter; the default backlog of 5
    # would refuse some of them.
    request_queue_size = 128
    daemon_threads = True


def _handler(site: Site, serve: Callable[[BaseHTTPRequestHandler, str], None]) -> Handler:
    class H(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass  # quiet: pytest shows the test's own output on failure

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            site.requests.append(Request(self.headers.get("Host", ""), path,
                                         self.headers.get("Referer", ""),
                                         self.headers.get("Cookie", "")))
            serve(self, path)

    return H


def send(h: BaseHTTPRequestHandler, status: int, ctype: str, body: bytes,
         extra: dict[str, str] | None = None) -> None:
    h.send_response(status)
    h.send_header("Content-Type", ctype)
    h.send_header("Content-Length", str(len(body)))
    h.send_header("Cache-Control", "no-store")
    for key, value in (extra or {}).items():
        h.send_header(key, value)
    h.end_headers()
    # The browser drops requests it no longer needs (an image whose src changed).
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        h.wfile.write(body)


def has_cookie(h: BaseHTTPRequestHandler) -> bool:
    jar = cookies.SimpleCookie(h.headers.get("Cookie", ""))
    name, value = COOKIE
    return name in jar and jar[name].value == value


def from_site(site: Site, h: BaseHTTPRequestHandler) -> bool:
    return h.headers.get("Referer", "").startswith(site.origins.site)


def image_name(path: str, prefix: str, suffix: str) -> str:
    return path.removeprefix(prefix).removesuffix(suffix) if path.startswith(prefix) else ""


def serve_main(site: Site, h: BaseHTTPRequestHandler, path: str) -> None:
    page = image_name(path, "/", ".html")
    if page in reader_pages.PAGES:
        csp = reader_pages.BLOB_CSP if page.startswith("blob") else reader_pages.CSP.format(
            cdn=site.origins.cdn, media=site.origins.media, lan=site.origins.lan)
        name, value = COOKIE
        send(h, 200, "text/html; charset=utf-8", reader_pages.PAGES[page](site.origins).encode(),
             {"Set-Cookie": f"{name}={value}; Path=/; SameSite=Lax",
              "Content-Security-Policy": csp})
        return
    fixed = {"/img/icon.png": reader_art.icon, "/img/ad.png": reader_art.advert}
    if path in fixed:
        send(h, 200, "image/png", fixed[path]())
        return
    if path == "/img/broken.png":
        fixed_now = "broken" in site.repaired
        send(h, 200, "image/png", reader_art.strip("broken") if fixed_now else NOT_AN_IMAGE)
        return
    if (thumb := image_name(path, "/img/thumb", ".png")).isdigit():
        send(h, 200, "image/png", reader_art.thumbnail(int(thumb)))
        return
    if name := image_name(path, "/enc/", ".bin"):
        send(h, 200, "application/octet-stream", reader_art.encrypted(name))
        return
    if name := image_name(path, "/tiles/", ".png"):
        send(h, 200, "image/png", reader_art.scrambled(name))
        return
    name = image_name(path, "/img/", ".png")
    if name not in reader_pages.LIGHTHOUSE:
        send(h, 404, "text/plain", b"not found")
    elif name == "referer" and not from_site(site, h):
        send(h, 403, "text/plain", b"hotlinking is not allowed")
    elif name == "cookie" and not has_cookie(h):
        send(h, 403, "text/plain", b"members only")
    else:
        send(h, 200, "image/png", site.image(name))


def serve_cdn(site: Site, h: BaseHTTPRequestHandler, path: str) -> None:
    name = image_name(path, "/img/", ".png")
    if not name:
        send(h, 404, "text/plain", b"not found")
    elif not from_site(site, h):
        send(h, 403, "text/plain", b"hotlinking is not allowed")
    else:
        send(h, 200, "image/png", site.image(name))


def serve_media(site: Site, h: BaseHTTPRequestHandler, path: str) -> None:
    name = image_name(path, "/img/", ".png")
    if not name:
        send(h, 404, "text/plain", b"not found")
    elif not from_site(site, h) or not has_cookie(h):
        send(h, 403, "text/plain", b"sign in to read")
    else:
        send(h, 200, "image/png", site.image(name))


def serve_lan(site: Site, h: BaseHTTPRequestHandler, path: str) -> None:
    name = image_name(path, "/img/", ".png")
    if name:
        send(h, 200, "image/png", site.image(name))
    else:
        send(h, 404, "text/plain", b"not found")


@contextmanager
def serve_site() -> Iterator[Site]:
    site = Site(Origins("", "", "", ""))
    servers = {
        "site": ("127.0.0.1", serve_main), "cdn": ("127.0.0.2", serve_cdn),
        "media": ("127.0.0.1", serve_media), "lan": ("127.0.0.3", serve_lan),
    }
    with ExitStack() as stack:
        origins = {}
        for role, (address, serve) in servers.items():
            def bound(h: BaseHTTPRequestHandler, path: str,
                      serve: Callable[[Site, BaseHTTPRequestHandler, str], None] = serve) -> None:
                serve(site, h, path)
            httpd = Server((address, 0), _handler(site, bound))
            thread = threading.Thread(target=httpd.serve_forever, daemon=True)
            thread.start()
            stack.callback(httpd.server_close)
            stack.callback(httpd.shutdown)
            origins[role] = f"http://{address}:{httpd.server_address[1]}"
        site.origins = Origins(**origins)
        yield site
