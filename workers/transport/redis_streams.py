"""The Redis transport: one stream per stage queue, one consumer group per stage.

Keys (under a namespace, `itp` by default):
  {ns}:q:<queue>      stage queue streams; group = the stage (`inpaint` reads both size classes)
  {ns}:events         events for the server (group `server`)
  {ns}:dead           dead letters
  {ns}:img:<id>       the image's ledger hash: state, settings, timings, join halves
  {ns}:active         ids of active images (the backlog)
  {ns}:prio           priorities (zset), {ns}:prio:epoch
  {ns}:busy           seconds spent per stage

Entries are acknowledged and deleted in the same atomic step that writes their outcome (Lua
scripts), so a stream holds exactly the work not yet done: never trimmed by length.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from importlib import resources
from typing import Any

from redis.asyncio import Redis
from redis.commands.core import AsyncScript
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.typing import EncodableT

from workers.transport.base import (
    JOIN_HALVES,
    JOIN_QUEUE,
    QUEUE_NAMES,
    DeadLetter,
    Delivery,
    Event,
    ImageInfo,
    Message,
    Pairs,
    Step,
    Timings,
    stage_of,
)
from workers.transport.wire import (
    dead_fields,
    decode,
    event_fields,
    message_fields,
    pairs,
    parse_dead,
    parse_event,
    parse_message,
    stream_entries,
    timing_rows,
)

EVENTS_GROUP = "server"
# How long a finished image's record stays: late replays find it finished and stop there.
FINISHED_TTL_S = 600
# Idle time given to a handed-back entry: far past any reaper's threshold.
RELEASED_IDLE_MS = 7 * 24 * 3600 * 1000


def connect(url: str) -> Redis:
    # RESP2 keeps the reply shapes stable across redis-py versions; a socket timeout above
    # the longest blocking read.
    return Redis.from_url(url, protocol=2, socket_timeout=10, socket_connect_timeout=5)


class RedisTransport:
    transient: tuple[type[Exception], ...] = (RedisConnectionError, RedisTimeoutError,
                                              ConnectionError, TimeoutError)

    def __init__(self, client: Redis, namespace: str = "itp") -> None:
        self.client = client
        self.ns = namespace
        self._scripts: dict[str, AsyncScript] = {}
        for name in ("ack", "join", "finish", "lease", "prio", "backlog"):
            source = resources.files("workers.transport").joinpath(f"{name}.lua").read_text()
            self._scripts[name] = client.register_script(source)
        self._cursors: dict[str, str] = {}
        self._events_history = True

    def key(self, *parts: str) -> str:
        return ":".join((self.ns, *parts))

    def stream(self, queue: str) -> str:
        return self.key("q", queue)

    async def setup(self) -> None:
        groups = [(self.stream(q), stage_of(q)) for q in QUEUE_NAMES]
        groups.append((self.key("events"), EVENTS_GROUP))
        for stream, group in groups:
            try:
                await self.client.xgroup_create(stream, group, id="0", mkstream=True)
            except ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise

    async def close(self) -> None:
        await self.client.aclose()

    async def _run(self, name: str, keys: Sequence[str], args: Sequence[Any]) -> int:
        return int(await self._scripts[name](keys=list(keys), args=list(args)))

    # -- queues ------------------------------------------------------------------------------

    async def enqueue(self, queue: str, message: Message) -> None:
        await self.client.xadd(self.stream(queue), dict(pairs(message_fields(message))))

    async def consume(self, queues: Sequence[str], consumer: str, count: int, block_s: float,
                      *, own_pending: bool = False) -> list[Delivery]:
        group = stage_of(queues[0])
        start = "0" if own_pending else ">"
        block = None if own_pending or block_s <= 0 else max(1, int(block_s * 1000))
        reply = await self._read(group, consumer, {self.stream(q): start for q in queues},
                                 count, block)
        out: list[Delivery] = []
        for stream, entry_id, fields in stream_entries(reply):
            if fields is not None:
                queue = stream.split(":q:", 1)[1]
                out.append(Delivery(queue, entry_id, parse_message(fields)))
        if own_pending and out:
            return await self._with_counts(out)
        return out

    async def _read(self, group: str, consumer: str, streams: dict[Any, Any], count: int,
                    block: int | None) -> Any:
        try:
            return await self.client.xreadgroup(group, consumer, streams, count=count,
                                                block=block)
        except ResponseError as exc:
            # A Redis that came back without its data (no append-only file): start afresh.
            if "NOGROUP" not in str(exc):
                raise
            await self.setup()
            return []

    async def _with_counts(self, deliveries: list[Delivery]) -> list[Delivery]:
        async with self.client.pipeline(transaction=False) as pipe:
            for d in deliveries:
                pipe.xpending_range(self.stream(d.queue), stage_of(d.queue), min=d.entry_id,
                                    max=d.entry_id, count=1)
            replies = await pipe.execute()
        out = []
        for d, rows in zip(deliveries, replies, strict=True):
            count = int(rows[0]["times_delivered"]) if rows else d.deliveries
            out.append(Delivery(d.queue, d.entry_id, d.message, count))
        return out

    async def ack(self, delivery: Delivery, step: Step | None = None) -> bool:
        step = step or Step()
        body = {"t": timing_rows(step.timings),
                "next": [message_fields(m) for _, m in step.next]}
        keys = [self.key("img", delivery.message.image_id), self.stream(delivery.queue),
                self.key("busy"), *(self.stream(q) for q, _ in step.next)]
        args = [stage_of(delivery.queue), delivery.entry_id, json.dumps(body)]
        return await self._run("ack", keys, args) == 1

    # -- leases ------------------------------------------------------------------------------

    async def reclaim(self, queues: Sequence[str], consumer: str, min_idle_s: float,
                      count: int) -> list[Delivery]:
        out: list[Delivery] = []
        for queue in queues:
            stream = self.stream(queue)
            cursor = self._cursors.get(queue, "0-0")
            reply: Any = await self.client.xautoclaim(stream, stage_of(queue), consumer,
                                                 int(min_idle_s * 1000), cursor,
                                                 count=count)
            self._cursors[queue] = decode(reply[0])
            for entry_id, fields in reply[1]:
                if entry_id is not None and fields is not None:
                    out.append(Delivery(queue, decode(entry_id), parse_message(fields)))
        return await self._with_counts(out) if out else out

    async def _lease(self, consumer: str, deliveries: Sequence[Delivery], idle_ms: int) -> None:
        by_queue: dict[str, list[str]] = {}
        for d in deliveries:
            by_queue.setdefault(d.queue, []).append(d.entry_id)
        for queue, ids in by_queue.items():
            await self._run("lease", [self.stream(queue)],
                            [stage_of(queue), consumer, idle_ms, *ids])

    async def touch(self, consumer: str, deliveries: Sequence[Delivery]) -> None:
        await self._lease(consumer, deliveries, 0)

    async def release(self, consumer: str, deliveries: Sequence[Delivery]) -> None:
        await self._lease(consumer, deliveries, RELEASED_IDLE_MS)

    # -- join --------------------------------------------------------------------------------

    async def join(self, delivery: Delivery, halves: Pairs, base: Pairs,
                   timings: Timings = ()) -> bool:
        message = delivery.message
        body = {"t": timing_rows(timings), "halves": [list(h) for h in halves],
                "base": [list(b) for b in base], "image": message.image_id,
                "job": message.job_id, "need": list(JOIN_HALVES)}
        keys = [self.key("img", message.image_id), self.stream(delivery.queue),
                self.key("busy"), self.stream(JOIN_QUEUE)]
        args = [stage_of(delivery.queue), delivery.entry_id, json.dumps(body)]
        return await self._run("join", keys, args) == 2

    # -- ledger ------------------------------------------------------------------------------

    async def open(self, info: ImageInfo, queue: str, first: Message) -> None:
        record: dict[EncodableT, EncodableT] = {
            "state": "active", "job": info.job_id, "settings": info.settings,
            "page": str(info.page_index), "name": info.name}
        img = self.key("img", info.image_id)
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.delete(img)
            pipe.hset(img, mapping=record)
            pipe.sadd(self.key("active"), info.image_id)
            pipe.xadd(self.stream(queue), dict(pairs(message_fields(first))))
            await pipe.execute()

    async def info(self, image_id: str) -> ImageInfo | None:
        raw = await self.client.hgetall(self.key("img", image_id))
        record = {decode(k): decode(v) for k, v in raw.items()}
        if record.get("state") != "active":
            return None
        timings = tuple((k[2:], float(v)) for k, v in record.items() if k.startswith("t:"))
        return ImageInfo(image_id, record["job"], record["settings"],
                         int(record.get("page", "0")), record.get("name", ""), timings)

    async def finish(self, event: Event, delivery: Delivery | None = None,
                     dead: DeadLetter | None = None, timings: Timings = ()) -> bool:
        source = self.stream(delivery.queue) if delivery else self.key("events")
        keys = [self.key("img", event.image_id), self.key("events"), self.key("active"),
                self.key("prio"), source, self.key("dead"), self.key("busy")]
        args = [stage_of(delivery.queue) if delivery else "",
                delivery.entry_id if delivery else "", event.kind,
                json.dumps(event_fields(event)),
                json.dumps(dead_fields(dead)) if dead else "", FINISHED_TTL_S, event.image_id,
                json.dumps(timing_rows(timings))]
        return await self._run("finish", keys, args) == 1

    # -- events ------------------------------------------------------------------------------

    async def publish(self, event: Event) -> None:
        await self.client.xadd(self.key("events"), dict(pairs(event_fields(event))))

    async def read_events(self, consumer: str, count: int,
                          block_s: float) -> list[tuple[str, Event]]:
        try:
            return await self._read_events(consumer, count, block_s)
        except self.transient:
            # Events read but not acknowledged before the outage are read again after it.
            self._events_history = True
            raise

    async def _read_events(self, consumer: str, count: int,
                           block_s: float) -> list[tuple[str, Event]]:
        # A restarted server first takes the events its predecessor read and never handled.
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
        return [(i, parse_event(f)) for _, i, f in stream_entries(reply) if f is not None]

    async def ack_events(self, entry_ids: Sequence[str]) -> None:
        if not entry_ids:
            return
        async with self.client.pipeline(transaction=True) as pipe:
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

