"""Everything a request handler reaches, built once per app by `create_app`."""

from __future__ import annotations

from dataclasses import dataclass

from backend.server.auth import AccessPolicy
from backend.server.cache import ResultCache
from backend.server.config import ServerConfig
from backend.server.hub import Hub
from backend.server.jobs import JobStore
from backend.server.metrics import Metrics
from backend.server.service import JobService
from backend.server.tokens import TokenGuard
from workers.config import Settings


@dataclass(eq=False)
class AppState:
    settings: Settings
    config: ServerConfig
    version: str
    guard: TokenGuard
    policy: AccessPolicy
    store: JobStore
    hub: Hub
    cache: ResultCache
    metrics: Metrics
    service: JobService
    # Translator names a job may ask for; empty = not checked here (the pipeline will).
    translators: tuple[str, ...] = ()
