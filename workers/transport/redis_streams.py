"""The Redis transport: one stream per stage queue, one consumer group per stage (keys: see
`redis_base`).

Entries are acknowledged and deleted in the same atomic step that writes their outcome (Lua
scripts), so a stream holds exactly the work not yet done: never trimmed by length. Only the
delivery that acknowledges an entry moves its image on; a duplicate changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError
from redis.typing import EncodableT

from workers.transport.base import (
    JOIN_HALVES,
    JOIN_QUEUE,
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
from workers.transport.redis_base import RedisBase
from workers.transport.redis_state import (
    REDIS_REF,
    blob_list,
    connect,
    full_as_queue_full,
    is_nogroup,
)
from workers.transport.wire import (
    dead_fields,
    decode,
    event_fields,
    message_fields,
    pairs,
    parse_message,
    stream_entries,
    timing_rows,
)

__all__ = ["RedisTransport", "connect"]

# How long a finished image's record stays: late replays find it finished and stop there.
FINISHED_TTL_S = 600
# How long a finished image's Redis blobs stay should the server never free them (it frees
# them as soon as it has read the result).
FINISHED_BLOBS_TTL_S = 24 * 3600
# Idle time given to a handed-back entry: far past any reaper's threshold.
RELEASED_IDLE_MS = 7 * 24 * 3600 * 1000


class RedisTransport(RedisBase):
    """Queues, leases, the join and the ledger; events and control come from `RedisBase`."""

    def __init__(self, client: Redis, namespace: str = "itp") -> None:
        super().__init__(client, namespace)
        self._cursors: dict[str, str] = {}

    # -- queues ------------------------------------------------------------------------------

    async def enqueue(self, queue: str, message: Message) -> None:
        with full_as_queue_full("no room for a message"):
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
        return await self._run("ack", keys, args) != 0

    # -- leases ------------------------------------------------------------------------------

    async def reclaim(self, queues: Sequence[str], consumer: str, min_idle_s: float,
                      count: int) -> list[Delivery]:
        out: list[Delivery] = []
        for queue in queues:
            stream = self.stream(queue)
            cursor = self._cursors.get(queue, "0-0")
            try:
                reply: Any = await self.client.xautoclaim(stream, stage_of(queue), consumer,
                                                          int(min_idle_s * 1000), cursor,
                                                          count=count)
            except ResponseError as exc:
                if not is_nogroup(exc):
                    raise
                await self._groups.missing()
                return []
            self._cursors[queue] = decode(reply[0])
            for entry_id, fields in reply[1]:
                if entry_id is not None and fields is not None:
                    out.append(Delivery(queue, decode(entry_id), parse_message(fields)))
        return await self._with_counts(out) if out else out

    async def _lease(self, consumer: str, deliveries: Sequence[Delivery], idle_ms: int,
                     uncount: bool) -> None:
        by_queue: dict[str, list[str]] = {}
        for d in deliveries:
            by_queue.setdefault(d.queue, []).append(d.entry_id)
        for queue, ids in by_queue.items():
            try:
                await self._run("lease", [self.stream(queue)],
                                [stage_of(queue), consumer, idle_ms, int(uncount), *ids])
            except ResponseError as exc:
                if not is_nogroup(exc):
                    raise
                await self._groups.missing()  # what it held is gone with the data

    async def touch(self, consumer: str, deliveries: Sequence[Delivery]) -> None:
        await self._lease(consumer, deliveries, 0, False)

    async def release(self, consumer: str, deliveries: Sequence[Delivery], *,
                      failed: bool = False) -> None:
        await self._lease(consumer, deliveries, RELEASED_IDLE_MS, not failed)

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
        return await self._run("join", keys, args) != 0

    # -- ledger ------------------------------------------------------------------------------

    async def open(self, info: ImageInfo, queue: str, first: Message) -> None:
        record: dict[EncodableT, EncodableT] = {
            "state": "active", "job": info.job_id, "settings": info.settings,
            "page": str(info.page_index), "name": info.name}
        img = self.key("img", info.image_id)
        with full_as_queue_full("no room for a new image"):
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
                self.key("prio"), source, self.key("dead"), self.key("busy"),
                blob_list(self.ns, event.image_id)]
        args = [stage_of(delivery.queue) if delivery else "",
                delivery.entry_id if delivery else "", event.kind,
                json.dumps(event_fields(event)),
                json.dumps(dead_fields(dead)) if dead else "", FINISHED_TTL_S, event.image_id,
                json.dumps(timing_rows(timings)), FINISHED_BLOBS_TTL_S, REDIS_REF]
        return await self._run("finish", keys, args) == 1
