"""The guard in front of every route, as pure ASGI so it also covers the WebSocket handshake.

Checked in order: `Host` must name this server (a DNS-rebinding page reaches us under its own
name and is refused); `Origin`, when present, must be an allowed extension (a web page's fetch
or WebSocket always carries its Origin); then the pairing token, except for `/v1/health` and
CORS preflights. A WebSocket without an `Authorization` header passes on to the endpoint, which
takes the token from the first message (browsers cannot set headers on a WebSocket).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.server.errors import error_body
from backend.server.tokens import TokenGuard, bearer_token

AUTHENTICATED = "itp.authenticated"
PUBLIC_PATHS = frozenset({"/v1/health"})
EXTENSION_SCHEMES = ("chrome-extension://", "moz-extension://")
_EXTENSION_ID = re.compile(r"[a-z0-9-]{1,64}")
CORS_ALLOW_METHODS = "GET, POST, DELETE, OPTIONS"
CORS_ALLOW_HEADERS = "Authorization, Content-Type, X-Image-Url, If-None-Match"
CORS_EXPOSE_HEADERS = "ETag, Retry-After, Content-Length"
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


class AccessPolicy:
    """Which Host and Origin values this server answers."""

    def __init__(self, *, port: int, bind_host: str = "127.0.0.1",
                 extra_hosts: Iterable[str] = (), extra_origins: Iterable[str] = ()) -> None:
        names = set(LOOPBACK_NAMES)
        if bind_host not in ("", "0.0.0.0", "::"):
            names.add(_bracket(bind_host.lower()))
        self.hosts: set[str] = set()
        for name in names:
            self._add_host(name, port)
        for raw in extra_hosts:
            entry = raw.strip().lower()
            if (entry.startswith("[") and "]:" in entry) or entry.count(":") == 1:
                self.hosts.add(entry)
            else:
                self._add_host(_bracket(entry), port)
        self.origins = {o.strip().lower().rstrip("/") for o in extra_origins if o.strip()}

    def _add_host(self, name: str, port: int) -> None:
        self.hosts.add(f"{name}:{port}")
        if port == 80:
            self.hosts.add(name)

    def host_ok(self, host: str | None) -> bool:
        return host is not None and host.strip().lower() in self.hosts

    def origin_ok(self, origin: str) -> bool:
        value = origin.strip().lower().rstrip("/")
        if value in self.origins:
            return True
        for scheme in EXTENSION_SCHEMES:
            if value.startswith(scheme):
                return _EXTENSION_ID.fullmatch(value[len(scheme):]) is not None
        return False


class SecurityMiddleware:
    def __init__(self, app: ASGIApp, *, policy: AccessPolicy, guard: TokenGuard) -> None:
        self.app = app
        self.policy = policy
        self.guard = guard

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        host = headers.get("host")
        if not self.policy.host_ok(host):
            await _refuse(scope, receive, send, 421, "misdirected",
                          f"Host {host!r} is not this server; use 127.0.0.1 or localhost")
            return
        origin = headers.get("origin")
        if origin is not None and not self.policy.origin_ok(origin):
            await _refuse(scope, receive, send, 403, "forbidden_origin",
                          f"Origin {origin!r} is not an allowed extension")
            return
        if kind == "http" and scope["method"] == "OPTIONS" and origin is not None \
                and "access-control-request-method" in headers:
            await _preflight(origin, headers, send)
            return
        public = kind == "http" and scope["path"] in PUBLIC_PATHS
        token = bearer_token(headers.get("authorization"))
        if not public and not (kind == "websocket" and token is None):
            client = _client(scope)
            verdict = self.guard.check(client, token)
            if verdict == "limited":
                retry = str(self.guard.retry_after(client))
                await _refuse(scope, receive, send, 429, "rate_limited",
                              "too many wrong tokens from this address; wait and retry",
                              {"retry-after": retry}, origin)
                return
            if verdict != "ok":
                what = "missing" if verdict == "missing" else "wrong"
                await _refuse(scope, receive, send, 401, "unauthorized",
                              f"pairing token {what}: send 'Authorization: Bearer <token>' "
                              "(printed by `itp serve`)", {"www-authenticate": "Bearer"}, origin)
                return
            if kind == "websocket":
                scope = {**scope, AUTHENTICATED: True}
        if kind == "http" and origin is not None:
            send = _with_cors(send, origin)
        await self.app(scope, receive, send)


def _client(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def _cors_headers(origin: str) -> dict[str, str]:
    return {"access-control-allow-origin": origin, "vary": "Origin",
            "access-control-expose-headers": CORS_EXPOSE_HEADERS}


def _with_cors(send: Send, origin: str) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            for key, value in _cors_headers(origin).items():
                headers[key] = value
        await send(message)

    return wrapped


async def _preflight(origin: str, headers: Headers, send: Send) -> None:
    out = {"access-control-allow-origin": origin, "vary": "Origin",
           "access-control-allow-methods": CORS_ALLOW_METHODS,
           "access-control-allow-headers": CORS_ALLOW_HEADERS,
           "access-control-max-age": "600"}
    if headers.get("access-control-request-private-network") == "true":
        # Chrome's Private Network Access asks before a page-context fetch to localhost.
        out["access-control-allow-private-network"] = "true"
    await send({"type": "http.response.start", "status": 204,
                "headers": [(k.encode(), v.encode()) for k, v in out.items()]})
    await send({"type": "http.response.body", "body": b""})


async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, code: str,
                  message: str, extra: dict[str, str] | None = None,
                  origin: str | None = None) -> None:
    body = json.dumps(error_body(code, message, status == 429)).encode()
    headers: dict[str, Any] = {"content-type": "application/json",
                               "content-length": str(len(body)), **(extra or {})}
    if origin is not None:
        headers.update(_cors_headers(origin))
    raw = [(k.encode(), str(v).encode()) for k, v in headers.items()]
    if scope["type"] == "http":
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": body})
        return
    await receive()  # the websocket.connect message
    if "websocket.http.response" in scope.get("extensions", {}):
        await send({"type": "websocket.http.response.start", "status": status, "headers": raw})
        await send({"type": "websocket.http.response.body", "body": body})
    else:
        # Without the denial-response extension the server turns this into a plain 403.
        await send({"type": "websocket.close", "code": 1008, "reason": code})
