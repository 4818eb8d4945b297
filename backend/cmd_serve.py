"""`itp serve`: the local server the browser extension talks to."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from backend.server.app import PipelineFactory, create_app
from backend.server.config import ServerConfig
from backend.server.netpolicy import parse_rule
from backend.server.tokens import load_or_create_token
from workers.config import Settings
from workers.pipeline.api import EventCallback, Pipeline

DEFAULTS = ServerConfig()


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "serve", help="run the server the browser extension talks to",
        description="Serve the HTTP/WebSocket API on this machine. Prints the URL and the "
        "pairing token (ITP_TOKEN sets it; otherwise it is made once and kept in the user "
        "config dir). The pipeline flags set the defaults for jobs that name none.")
    p.add_argument("--host", default=DEFAULTS.host,
                   help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=DEFAULTS.port, help="port (default 8765)")
    p.add_argument("--fetch-allow", action="append", default=[], metavar="HOST[:PORT]|CIDR",
                   help="let the server download images from this private host or network "
                   "(refused by default); repeatable")
    p.add_argument("--allow-origin", action="append", default=[], metavar="ORIGIN",
                   help="another Origin allowed beside browser extensions; repeatable")
    p.add_argument("--allow-host", action="append", default=[], metavar="NAME[:PORT]",
                   help="another name clients may use in Host (beside 127.0.0.1, localhost, "
                   "[::1]); repeatable")
    p.add_argument("--cache-size-mb", type=int, default=DEFAULTS.cache_size_mb,
                   help="size cap of the results cache (default 1024)")
    p.add_argument("--max-backlog", type=int, default=DEFAULTS.max_backlog,
                   help="refuse new jobs (503 queue_full) while more images wait, or while "
                   "their decoded pixels exceed this many times 2 Mpx; also how many images "
                   "the server downloads ahead (default 500)")
    p.add_argument("--redis", metavar="URL", help="distributed mode: hand the work to stage "
                   "workers (`itp worker STAGE... --redis URL`) through this Redis")
    p.add_argument("--namespace", default="itp", help="Redis key prefix shared with the "
                   "workers (default itp)")
    p.add_argument("--blobs", choices=("auto", "shm", "redis"), default="auto",
                   help="how images reach the workers: shared memory on this host, Redis, or "
                   "auto (default)")
    return p


def embedded_pipeline(settings: Settings, on_event: EventCallback) -> Pipeline:
    from workers.pipeline.embedded import EmbeddedPipeline

    return EmbeddedPipeline(settings.machine, on_event)


def redis_pipeline(args: argparse.Namespace) -> PipelineFactory:
    def factory(settings: Settings, on_event: EventCallback) -> Pipeline:
        from workers.pipeline.redis import RedisPipeline

        return RedisPipeline(settings, on_event, args.redis, namespace=args.namespace,
                             blob_mode=args.blobs)

    return factory


def server_config(args: argparse.Namespace, port: int) -> ServerConfig:
    return ServerConfig(
        host=args.host, port=port, fetch_allow=tuple(args.fetch_allow),
        allowed_origins=tuple(args.allow_origin), allowed_hosts=tuple(args.allow_host),
        cache_size_mb=args.cache_size_mb, max_backlog=args.max_backlog)


def run(args: argparse.Namespace, settings: Settings, *, token: str | None = None,
        config_dir: Path | None = None, pipeline_factory: PipelineFactory | None = None,
        env: Mapping[str, str] | None = None) -> int:
    import uvicorn

    from backend.server.runner import bind, uvicorn_config

    for entry in args.fetch_allow:
        try:
            parse_rule(entry)
        except ValueError as exc:
            print(f"itp serve: {exc}", file=sys.stderr)
            return 2
    if args.cache_size_mb < 1 or args.max_backlog < 1:
        print("itp serve: --cache-size-mb and --max-backlog must be at least 1", file=sys.stderr)
        return 2
    environ = os.environ if env is None else env
    token = token or environ.get("ITP_TOKEN") or load_or_create_token(config_dir)
    try:
        sock = bind(args.host, args.port)
    except OSError as exc:
        print(f"itp serve: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}",
              file=sys.stderr)
        return 1
    config = server_config(args, sock.getsockname()[1])
    default_factory = redis_pipeline(args) if getattr(args, "redis", None) else \
        embedded_pipeline
    app = create_app(settings, config, token, pipeline_factory or default_factory)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"itp serve: listening on {args.host}: other machines can reach this server "
              "(they still need the token); clients must use a name given with --allow-host",
              file=sys.stderr)
    print(f"itp serve: {config.base_url}", flush=True)
    print(f"token: {token}", flush=True)
    level = "info" if getattr(args, "verbose", False) else "warning"
    server = uvicorn.Server(uvicorn_config(app, log_level=level))
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        # uvicorn shuts down gracefully on Ctrl-C, then re-raises it: that is a normal stop.
        return 130
    return 0 if server.started else 1
