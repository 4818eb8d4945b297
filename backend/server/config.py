"""What the server itself needs to know, beside the pipeline's `Settings`."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path


@dataclass(frozen=True, slots=True)
class ServerConfig:
    host: str = "127.0.0.1"
    # The port clients use in the Host header; `runner.bind` puts the real one here when 0.
    port: int = 8765
    # Extra names a client may use in Host (e.g. a LAN name when bound to 0.0.0.0).
    allowed_hosts: tuple[str, ...] = ()
    # Extra Origins beside every chrome-extension:// and moz-extension:// origin.
    allowed_origins: tuple[str, ...] = ()
    # HOST, HOST:PORT or CIDR entries the fetcher may reach although they are private.
    fetch_allow: tuple[str, ...] = ()
    cache_size_mb: int = 1024
    # Where results are cached; None = Settings.cache_dir/results or the user cache dir.
    cache_dir: Path | None = None
    # `POST /v1/jobs` answers 503 queue_full while more images than this wait.
    max_backlog: int = 500
    max_images_per_job: int = 1000
    fetch_timeout_s: float = 30.0
    fetch_concurrency: int = 6
    max_redirects: int = 5
    # Jobs kept for replay and status; the oldest finished ones are forgotten first.
    max_jobs: int = 256
    # Events buffered per WebSocket connection before the client is told to resync.
    ws_buffer: int = 256
    max_sessions: int = 64
    session_ttl_s: float = 900.0
    hello_timeout_s: float = 10.0
    # Wrong tokens from one address within a minute before it is refused with 429.
    max_auth_failures: int = 10

    def with_(self, **changes: object) -> ServerConfig:
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def base_url(self) -> str:
        host = self.host
        if host in ("0.0.0.0", "", "::"):
            host = "127.0.0.1"
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"
