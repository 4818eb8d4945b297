"""The Redis transport's hold on its Redis: connecting, the consumer groups, noticing that
Redis lost its data, what Redis answers when it is full, and the settings under which it
keeps what it was given.

Data loss (a restart without the append-only file, a flush, a fail-over to an empty replica)
shows in two ways: a consumer group is missing (NOGROUP), or the namespace's epoch (a random
value written once at setup) is gone or different. Either way the groups are made again so
work can go on, and `Groups.lost()` says so once, so the server can fail the images it was
waiting for instead of waiting for ever.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import OutOfMemoryError, ResponseError

from workers.transport.blobs import StoreFull
from workers.transport.wire import decode

log = logging.getLogger(__name__)

# A blob in Redis is referenced as `redis:<key>`; every reference of an image is listed in
# its blob list, so freeing (or expiring) the image finds all of them.
REDIS_REF = "redis:"


def blob_list(namespace: str, image_id: str) -> str:
    return f"{namespace}:blobs:{image_id}"


def connect(url: str) -> Redis:
    # RESP2 keeps the reply shapes stable across redis-py versions; a socket timeout above
    # the longest blocking read.
    return Redis.from_url(url, protocol=2, socket_timeout=10, socket_connect_timeout=5)


def is_nogroup(exc: ResponseError) -> bool:
    return str(exc).startswith("NOGROUP")


@contextmanager
def full_as_queue_full(what: str) -> Iterator[None]:
    """Redis at `maxmemory` (noeviction) refuses writes that need memory: that is a full
    queue (`queue_full`, retry later), not a bug. A transaction says so in its own words
    (EXECABORT ... because of: OOM ...) when the memory ran out between queueing and EXEC."""
    try:
        yield
    except ResponseError as exc:
        if not isinstance(exc, OutOfMemoryError) and "OOM" not in str(exc):
            raise
        raise StoreFull(f"Redis is full (maxmemory reached): {what}; retry later") from exc


class Groups:
    """The consumer groups of a namespace, made again whenever Redis has lost them."""

    def __init__(self, client: Redis, namespace: str,
                 groups: Sequence[tuple[str, str]]) -> None:
        self.client = client
        self.groups = tuple(groups)
        self._epoch_key = f"{namespace}:epoch"
        self._epoch = ""
        self._missing = False

    async def setup(self) -> None:
        await self._create()
        self._epoch = await self._adopt_epoch()

    async def missing(self) -> None:
        """A command met NOGROUP: make the groups again now (so work goes on), and let the
        next `lost()` report it."""
        self._missing = True
        await self._create()
        self._epoch = await self._adopt_epoch()
        _say_lost()

    async def lost(self) -> bool:
        """Whether Redis lost its data since `setup()` or the previous call; once per loss."""
        if self._missing:
            self._missing = False
            return True
        current = await self.client.get(self._epoch_key)
        if current is not None and decode(current) == self._epoch:
            return False
        await self._create()
        self._epoch = await self._adopt_epoch()
        _say_lost()
        return True

    async def _create(self) -> None:
        for stream, group in self.groups:
            try:
                await self.client.xgroup_create(stream, group, id="0", mkstream=True)
            except ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise

    async def _adopt_epoch(self) -> str:
        # Whoever comes first after a loss writes the new epoch; everyone adopts it.
        await self.client.set(self._epoch_key, uuid.uuid4().hex, nx=True)
        return decode(await self.client.get(self._epoch_key) or b"")


def _say_lost() -> None:
    log.error("Redis lost its data (restarted without its append-only file, or flushed): "
              "the work queues were made again; the images that were in flight are gone")


async def durability_problems(client: Redis) -> list[str]:
    """What in this Redis's settings loses accepted work: no append-only file (a restart
    forgets every queued image), or an eviction policy (under memory pressure Redis drops
    queued images and their data instead of refusing new ones)."""
    problems: list[str] = []
    try:
        raw: dict[Any, Any] = {**await client.config_get("appendonly"),
                               **await client.config_get("maxmemory-policy")}
    except ResponseError as exc:
        # Managed Redis services often disable CONFIG.
        return [f"could not read the Redis settings ({exc}): make sure it runs with "
                "appendonly yes and maxmemory-policy noeviction"]
    settings = {decode(k): decode(v or "") for k, v in raw.items()}
    if settings.get("appendonly", "yes") != "yes":
        problems.append("Redis runs with appendonly no: a Redis restart loses every image "
                        "in flight (run it with --appendonly yes --appendfsync always)")
    evicting = settings.get("maxmemory-policy", "noeviction")
    if evicting != "noeviction":
        problems.append(f"Redis runs with maxmemory-policy {evicting}: when it is full it "
                        "drops queued images and their data instead of refusing new ones "
                        "(run it with --maxmemory-policy noeviction)")
    return problems
