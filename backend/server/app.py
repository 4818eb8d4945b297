"""Building the Starlette app: routes, the security middleware, and the lifespan that starts
the pipeline.

The pipeline's models load in the background after the socket is open, so `/v1/health` can say
`starting` meanwhile (the extension shows it) and jobs are accepted at once: their images are
downloaded while the models warm up and submitted when they are ready.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from importlib import metadata

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route, WebSocketRoute

from backend.server import routes
from backend.server.auth import AccessPolicy, SecurityMiddleware
from backend.server.cache import ResultCache, default_cache_dir
from backend.server.config import ServerConfig
from backend.server.errors import EXCEPTION_HANDLERS
from backend.server.fetch import Fetcher, Resolver, system_resolver
from backend.server.hub import Hub
from backend.server.jobs import JobStore
from backend.server.metrics import Metrics
from backend.server.netpolicy import FetchPolicy
from backend.server.service import JobService
from backend.server.state import AppState
from backend.server.tokens import TokenGuard
from backend.server.ws import ws_endpoint
from workers.aio import end
from workers.config import Settings
from workers.errors import InternalError, ItpError, MissingExtra
from workers.pipeline.api import EventCallback, Pipeline

log = logging.getLogger("itp.server")

PipelineFactory = Callable[[Settings, EventCallback], Pipeline]


def server_version() -> str:
    try:
        return metadata.version("itp")
    except metadata.PackageNotFoundError:
        return "0.1.0"


def _translator_names() -> tuple[str, ...]:
    try:
        from workers.translators.registry import BACKEND_NAMES
    except ImportError:
        return ()
    return tuple(BACKEND_NAMES)


def create_app(settings: Settings, config: ServerConfig, token: str,
               pipeline_factory: PipelineFactory, *,
               resolver: Resolver = system_resolver) -> Starlette:
    """`config.port` must be the port clients connect to (the Host check uses it)."""
    version = server_version()
    guard = TokenGuard(token, max_failures=config.max_auth_failures)
    policy = AccessPolicy(port=config.port, bind_host=config.host,
                          extra_hosts=config.allowed_hosts,
                          extra_origins=config.allowed_origins)
    hub = Hub(buffer=config.ws_buffer, max_sessions=config.max_sessions,
              ttl_s=config.session_ttl_s)
    store = JobStore(config.max_jobs, on_evict=hub.forget_job)
    cache = ResultCache(config.cache_dir or default_cache_dir(settings.machine),
                        config.cache_size_mb * 1024 * 1024)
    fetcher = Fetcher(FetchPolicy(config.fetch_allow), max_bytes=settings.machine.limits.max_bytes,
                      timeout_s=config.fetch_timeout_s, max_redirects=config.max_redirects,
                      resolver=resolver)
    metrics = Metrics()
    service = JobService(config=config, store=store, hub=hub, cache=cache, fetcher=fetcher,
                         metrics=metrics, version=version, limits=settings.machine.limits)
    state = AppState(settings=settings, config=config, version=version, guard=guard,
                     policy=policy, store=store, hub=hub, cache=cache, metrics=metrics,
                     service=service, translators=_translator_names())

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await asyncio.to_thread(cache.load)
        pipeline = pipeline_factory(settings, service.on_pipeline_event)
        service.attach(pipeline)
        starting = asyncio.create_task(_start(pipeline, service))
        try:
            yield
        finally:
            await end([starting], "starting the pipeline")
            await service.close()
            await pipeline.stop()

    app = Starlette(
        routes=[
            Route("/v1/health", routes.health, methods=["GET"]),
            Route("/v1/openapi.json", routes.openapi, methods=["GET"]),
            Route("/metrics", routes.metrics, methods=["GET"]),
            Route("/v1/jobs", routes.create_job, methods=["POST"]),
            Route("/v1/jobs/{job_id}", routes.get_job, methods=["GET"]),
            Route("/v1/jobs/{job_id}", routes.cancel_job, methods=["DELETE"]),
            Route("/v1/jobs/{job_id}/images", routes.upload_image, methods=["POST"]),
            Route("/v1/results/{image_id}", routes.get_result, methods=["GET"]),
            WebSocketRoute("/v1/ws", ws_endpoint),
        ],
        middleware=[Middleware(SecurityMiddleware, policy=policy, guard=guard)],
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=lifespan,
    )
    app.state.itp = state
    return app


async def _start(pipeline: Pipeline, service: JobService) -> None:
    try:
        await pipeline.start()
    except ItpError as exc:
        log.error("the pipeline did not start: %s", exc.one_line())
        service.mark_started(exc)
    except ImportError as exc:
        log.error("the pipeline did not start: %s", exc)
        service.mark_started(MissingExtra(f"a dependency is missing: {exc}"))
    except (OSError, RuntimeError, ValueError) as exc:
        # Model files and runtimes fail in these ways; the server stays up to report it.
        log.exception("the pipeline did not start")
        service.mark_started(InternalError(f"the pipeline did not start: {exc}"))
    else:
        log.info("pipeline ready")
        service.mark_started()
