"""`itp worker STAGE... --redis URL`: run pipeline stages for a server started with
`itp serve --redis URL`, on this machine or any other that reaches the same Redis."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from typing import Any, cast

from workers.config import Settings
from workers.errors import ItpError
from workers.runner.spec import WorkerOptions
from workers.transport.base import STAGE_NAMES
from workers.transport.placement import BlobMode

DEFAULTS = WorkerOptions()


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(
        "worker", help="run pipeline stages for a server started with --redis",
        description="Take work for the given stages from Redis, run it, pass it on. Start as "
        "many as you like, on any machine that reaches the Redis server; a worker that dies "
        "loses nothing (its messages are taken over). SIGTERM finishes or hands back the "
        "work in flight. The pipeline flags set this machine's device, threads, inpainter "
        "and credentials; languages and translator come with each job.")
    p.add_argument("stages", nargs="+", choices=(*STAGE_NAMES, "all"), metavar="STAGE",
                   help=f"one or more of {', '.join(STAGE_NAMES)}, or all")
    p.add_argument("--redis", required=True, metavar="URL", help="redis://host:6379/0")
    p.add_argument("--concurrency", type=int, default=0, metavar="N",
                   help="messages worked on at once per stage (default: 4 for translate, "
                   "one per OCR engine for ocr (see --ocr-engines), 1 otherwise)")
    p.add_argument("--batch", type=int, default=0, metavar="N",
                   help="pages per inpainting model call (default 2; long strips: 1)")
    p.add_argument("--prefetch", type=int, default=0, metavar="N",
                   help="messages held per stage, to pick the most urgent (default: what "
                   "it runs at once + 4)")
    p.add_argument("--claim-idle", type=float, default=DEFAULTS.claim_idle_s, metavar="S",
                   help="take over work a dead worker left untouched this long "
                   f"(default {DEFAULTS.claim_idle_s:g})")
    p.add_argument("--max-deliveries", type=int, default=DEFAULTS.max_deliveries,
                   metavar="N", help="dead-letter a message after this many tries "
                   f"(default {DEFAULTS.max_deliveries})")
    p.add_argument("--grace", type=float, default=DEFAULTS.grace_s, metavar="S",
                   help="on SIGTERM, how long in-flight work may finish before it is handed "
                   f"back (default {DEFAULTS.grace_s:g})")
    p.add_argument("--blobs", choices=("auto", "shm", "redis"), default="auto",
                   help="where images wait between stages: auto (shared memory while every "
                   "worker and the server share this host, else Redis), shm, redis")
    p.add_argument("--namespace", default="itp", help="prefix of the Redis keys (default itp)")
    p.add_argument("--name", default="", help="consumer name (default host-pid)")
    p.add_argument("--lama-random-weights", action="store_true",
                   help="LaMa of the real architecture with random weights (benchmarks)")
    return p


def stages_of(names: list[str]) -> list[str]:
    if "all" in names:
        return list(STAGE_NAMES)
    return [s for s in STAGE_NAMES if s in names]


def run(args: argparse.Namespace, settings: Settings) -> int:
    from workers.runner.app import run_redis_worker

    stages = stages_of(args.stages)
    options = WorkerOptions(concurrency=args.concurrency, batch=args.batch,
                            prefetch=args.prefetch, claim_idle_s=args.claim_idle,
                            max_deliveries=max(1, args.max_deliveries), grace_s=args.grace,
                            name=args.name)

    async def main() -> None:
        stop = asyncio.Event()
        ready = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        serving = asyncio.create_task(run_redis_worker(
            stages, settings.machine, args.redis, options, stop, namespace=args.namespace,
            blob_mode=cast(BlobMode, args.blobs), ready=ready))
        waiting = asyncio.create_task(ready.wait())
        await asyncio.wait([serving, waiting], return_when=asyncio.FIRST_COMPLETED)
        if ready.is_set():
            print(f"itp worker: ready ({', '.join(stages)}) on {args.redis}", flush=True)
        waiting.cancel()
        await serving

    try:
        asyncio.run(main())
    except ItpError as exc:
        print(f"itp worker: {exc.one_line()}", file=sys.stderr)
        return 1
    return 0
