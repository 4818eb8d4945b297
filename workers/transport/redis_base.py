"""What every part of the Redis transport shares: the client and its namespace, the Lua
scripts, the consumer groups (made again when Redis lost them), and the calls that are not
about moving one message: events for the server and control (priorities, the backlog).

Keys (under a namespace, `itp` by default):
  {ns}:q:<queue>      stage queue streams; group = the stage (`inpaint` reads both size classes)
  {ns}:events         events for the server (group `server`)
  {ns}:dead           dead letters
  {ns}:img:<id>       the image's ledger hash: state, settings, timings, join halves
  {ns}:active         ids of active images (the backlog)
  {ns}:prio           priorities (zset), {ns}:prio:epoch
  {ns}:busy           seconds spent per stage
  {ns}:epoch          a random value made at setup: gone or changed once Redis lost its data
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources
from typing import Any

from redis.asyncio import Redis
from redis.commands.core import AsyncScript
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from workers.transport.base import QUEUE_NAMES, DeadLetter, Event, stage_of
from workers.transport.redis_state import Groups, full_as_queue_full, is_nogroup
from workers.transport.wire import (
    decode,
    event_fields,
    pairs,
    parse_dead,
    parse_event,
    stream_entries,
)

EVENTS_GROUP = "server"


class RedisBase:
    transient: tuple[type[Exception], ...] = (RedisConnectionError, RedisTimeoutError,
                                              ConnectionError, TimeoutError)
    # Redis answered with an error (out of memory, a read-only replica, ...): the command
    # did not run. Never a verdict on an image; the caller tries again later.
    refused: tuple[type[Exception], ...] = (ResponseError,)

    def __init__(self, client: Redis, namespace: str = "itp") -> None:
        self.client = client
        self.ns = namespace
        self._scripts: dict[str, AsyncScript] = {}
        for name in ("ack", "join", "finish", "lease", "prio", "backlog"):
            source = resources.files("workers.transport").joinpath(f"{name}.lua").read_text()
            self._scripts[name] = client.register_script(source)
        # Events handed to this reader and not acknowledged yet: read again first.
        self._events_history = True
        groups = [(self.stream(q), stage_of(q)) for q in QUEUE_NAMES]
        self._groups = Groups(client, namespace, [*groups, (self.key("events"), EVENTS_GROUP)])

    def key(self, *parts: str) -> str:
        return ":".join((self.ns, *parts))

    def stream(self, queue: str) -> str:
        return self.key("q", queue)

    async def setup(self) -> None:
        await self._groups.setup()

    async def lost(self) -> bool:
        return await self._groups.lost()

    async def known(self, image_ids: Sequence[str]) -> list[bool]:
        if not image_ids:
            return []
        async with self.client.pipeline(transaction=False) as pipe:
            for image_id in image_ids:
                pipe.exists(self.key("img", image_id))
            return [bool(n) for n in await pipe.execute()]

    async def close(self) -> None:
        await self.client.aclose()

    async def _run(self, name: str, keys: Sequence[str], args: Sequence[Any]) -> int:
        return int(await self._scripts[name](keys=list(keys), args=list(args)))

    async def _read(self, group: str, consumer: str, streams: dict[Any, Any], count: int,
                    block: int | None) -> Any:
        try:
            return await self.client.xreadgroup(group, consumer, streams, count=count,
                                                block=block)
        except ResponseError as exc:
            # A Redis that came back without its data (no append-only file): start afresh.
            if not is_nogroup(exc):
                raise
            await self._groups.missing()
            return []

    # -- events ------------------------------------------------------------------------------

    async def publish(self, event: Event) -> None:
        with full_as_queue_full("no room for an event"):
            await self.client.xadd(self.key("events"), dict(pairs(event_fields(event))))

    async def read_events(self, consumer: str, count: int,
                          block_s: float) -> list[tuple[str, Event]]:
        try:
            return await self._read_events(consumer, count, block_s)
        except self.transient:
            # The read may have reached Redis and its reply been lost: read the history.
            self._events_history = True
            raise

    async def _read_events(self, consumer: str, count: int,
                           block_s: float) -> list[tuple[str, Event]]:
        # Events handed out and not acknowledged (a restarted server's predecessor read them;
        # the reader could not handle them all) are read again before new ones.
        reply: Any
        if self._events_history:
            reply = await self._read(EVENTS_GROUP, consumer, {self.key("events"): "0"}, count,
                                     None)
            found = stream_entries(reply)
            if found:
                return [(i, parse_event(f)) for _, i, f in found if f is not None]
            self._events_history = False
        reply = await self._read(EVENTS_GROUP, consumer, {self.key("events"): ">"}, count,
                                 max(1, int(block_s * 1000)))
        got = [(i, parse_event(f)) for _, i, f in stream_entries(reply) if f is not None]
        # Until they are acknowledged, look at the history first again.
        self._events_history = bool(got)
        return got

    async def ack_events(self, entry_ids: Sequence[str]) -> None:
        if not entry_ids:
            return
        # Not MULTI: under maxmemory Redis refuses every command queued in a transaction,
        # even these, which free memory; one after the other they are always let through.
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.xack(self.key("events"), EVENTS_GROUP, *entry_ids)
            pipe.xdel(self.key("events"), *entry_ids)
            await pipe.execute()

    # -- control -----------------------------------------------------------------------------

    async def prioritize(self, image_ids: Sequence[str]) -> None:
        keys = [self.key("prio"), self.key("active"), self.key("prio", "epoch")]
        await self._run("prio", keys, list(image_ids))

    async def priorities(self, image_ids: Sequence[str]) -> list[float | None]:
        if not image_ids:
            return []
        scores = await self.client.zmscore(self.key("prio"), list(image_ids))
        return [None if s is None else float(s) for s in scores]

    async def backlog(self, exclude: Sequence[str] = ()) -> int:
        return await self._run("backlog", [self.key("active")], list(exclude))

    async def dead_letters(self) -> list[DeadLetter]:
        entries: Any = await self.client.xrange(self.key("dead"))
        return [parse_dead(fields) for _, fields in entries]

    async def busy(self) -> dict[str, float]:
        raw = await self.client.hgetall(self.key("busy"))
        return {decode(k): float(v) for k, v in raw.items()}

