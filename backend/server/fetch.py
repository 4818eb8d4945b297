"""Downloading a page's image the way the reader's browser would, without becoming a proxy
into the reader's network (SSRF).

Each hop resolves the host once, checks every address it will use against `FetchPolicy`, and
connects to that checked address (the URL is rewritten to the IP; `Host` and TLS SNI keep the
name, so certificates are still verified against it), so a DNS answer that changes between
check and connect cannot redirect us. Redirects are followed by hand and re-checked. The body
is streamed and cut at the byte cap; environment proxies are ignored (a proxy would make the
address check meaningless).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Awaitable, Callable

import httpx

from backend.server.netpolicy import FetchPolicy, IPAddress
from workers.errors import FetchBlocked, FetchFailed, TooLarge
from workers.imageio import AVIF_DECODES

BROWSER_UA = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
              "(KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36")
# What a browser asks for, less what we could not decode: a CDN that negotiates AVIF must not
# be told we take it when this Pillow cannot read it.
ACCEPT = ("image/avif," if AVIF_DECODES else "") + "image/webp,image/apng,image/*,*/*;q=0.8"
REDIRECTS = frozenset({301, 302, 303, 307, 308})
UPLOAD_HINT = "; the client may upload the image bytes instead"

Resolver = Callable[[str, int], Awaitable[list[IPAddress]]]


async def system_resolver(host: str, port: int) -> list[IPAddress]:
    """getaddrinfo in the loop's thread pool; numeric spellings (decimal, octal, hex IPv4)
    come back as the address they mean."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    found: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        ip = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if ip not in found:
            found.append(ip)
    return found


class Fetcher:
    def __init__(self, policy: FetchPolicy, *, max_bytes: int, timeout_s: float = 30.0,
                 max_redirects: int = 5, resolver: Resolver = system_resolver,
                 verify: ssl.SSLContext | bool = True) -> None:
        self.policy = policy
        self.max_bytes = max_bytes
        self.timeout_s = timeout_s
        self.max_redirects = max_redirects
        self._resolve = resolver
        # No keep-alive: a pooled connection is keyed by IP, and must not carry a request for
        # another host name that happens to share the address.
        self._client = httpx.AsyncClient(
            trust_env=False, follow_redirects=False, verify=verify,
            limits=httpx.Limits(max_keepalive_connections=0),
            timeout=httpx.Timeout(timeout_s, connect=min(10.0, timeout_s)))

    async def aclose(self) -> None:
        await self._client.aclose()

    async def fetch(self, url: str, referer: str = "") -> bytes:
        """The body of `url`, or FetchBlocked / FetchFailed / TooLarge."""
        try:
            async with asyncio.timeout(self.timeout_s):
                return await self._follow(url, referer)
        except TimeoutError:
            raise FetchFailed(f"timed out after {self.timeout_s:g} s fetching {_short(url)}"
                              + UPLOAD_HINT) from None

    async def _follow(self, url: str, referer: str) -> bytes:
        current = _parse(url)
        headers = {"User-Agent": BROWSER_UA, "Accept": ACCEPT}
        if referer:
            try:
                ref = httpx.URL(referer)
            except httpx.InvalidURL:
                ref = None
            if ref is not None and ref.scheme in ("http", "https"):
                headers["Referer"] = str(ref)
        for _ in range(self.max_redirects + 1):
            status, location, body = await self._get(current, headers)
            if location is None:
                if not 200 <= status < 300:
                    raise FetchFailed(f"HTTP {status} from {current.host}" + UPLOAD_HINT)
                return body
            try:
                current = _parse(str(current.join(location)))
            except httpx.InvalidURL as exc:
                raise FetchBlocked(f"bad redirect target {location!r}: {exc}") from exc
        raise FetchFailed(f"more than {self.max_redirects} redirects from {_short(url)}"
                          + UPLOAD_HINT)

    async def _pin(self, url: httpx.URL) -> IPAddress:
        host = url.raw_host.decode("ascii")
        port = url.port or (443 if url.scheme == "https" else 80)
        try:
            addresses = await self._resolve(host.strip("[]"), port)
        except (OSError, UnicodeError) as exc:
            raise FetchFailed(f"cannot resolve {host}: {exc}" + UPLOAD_HINT) from exc
        reasons = []
        for address in addresses:
            reason = self.policy.check(host, port, address)
            if reason is None:
                return address
            reasons.append(f"{address} is {reason}")
        if not reasons:
            raise FetchFailed(f"{host} has no address" + UPLOAD_HINT)
        raise FetchBlocked(f"refused to fetch from {host}: {', '.join(reasons)} "
                           "(allow it with --fetch-allow)")

    async def _get(self, url: httpx.URL,
                   headers: dict[str, str]) -> tuple[int, str | None, bytes]:
        address = await self._pin(url)
        target = url.copy_with(host=str(address))
        extensions = {}
        if url.scheme == "https":
            extensions["sni_hostname"] = url.raw_host.decode("ascii")
        request_headers = {**headers, "Host": url.netloc.decode("ascii")}
        try:
            async with self._client.stream("GET", target, headers=request_headers,
                                           extensions=extensions) as response:
                location = response.headers.get("location")
                if response.status_code in REDIRECTS and location:
                    return response.status_code, location, b""
                if not 200 <= response.status_code < 300:
                    return response.status_code, None, b""
                return response.status_code, None, await self._read(response, url)
        except httpx.HTTPError as exc:
            raise FetchFailed(f"fetching {_short(str(url))} failed: "
                              f"{type(exc).__name__}: {exc}" + UPLOAD_HINT) from exc

    async def _read(self, response: httpx.Response, url: httpx.URL) -> bytes:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise TooLarge(f"{_short(str(url))} is {declared} bytes, over the "
                           f"{self.max_bytes} byte limit")
        chunks: list[bytes] = []
        size = 0
        # Decoded bytes are counted, so a gzip bomb stops at the cap as well.
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > self.max_bytes:
                raise TooLarge(f"{_short(str(url))} is over the {self.max_bytes} byte limit")
            chunks.append(chunk)
        return b"".join(chunks)


def _parse(url: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise FetchBlocked(f"not a valid URL: {_short(url)!r} ({exc})") from exc
    if parsed.scheme not in ("http", "https"):
        raise FetchBlocked(f"only http and https URLs are fetched, not {parsed.scheme!r}")
    if not parsed.host:
        raise FetchBlocked(f"URL without a host: {_short(url)!r}")
    if parsed.userinfo:
        raise FetchBlocked("URLs with credentials are not fetched")
    return parsed


def _short(url: str, limit: int = 120) -> str:
    return url if len(url) <= limit else url[: limit - 1] + "…"
