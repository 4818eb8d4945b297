"""The server's end of the workers' events: read in order, each handled at least once, none
held up by another.

- What was handled is acknowledged even when a later event of its batch fails: only the rest
  comes again.
- The transport away or refusing: back off, then read again the events not acknowledged.
- An event whose handling killed the loop (a bug, restarted by `supervise`) is set aside when
  it comes again, not retried for ever.
- Blobs are freed after each batch; a free that fails is tried again after the next one,
  never holding an event up.
- After each batch: whether the transport lost its data (then `on_loss`), and how many
  active images are not this server's.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection

from workers.transport.base import Event, Transport
from workers.transport.blobs import BlobStore

log = logging.getLogger(__name__)
BATCH = 64


class EventFeed:
    def __init__(self, transport: Transport, blobs: BlobStore, consumer: str, *,
                 handle: Callable[[Event], Awaitable[None]],
                 set_aside: Callable[[Event], None],
                 on_loss: Callable[[], Awaitable[None]],
                 mine: Callable[[], Collection[str]]) -> None:
        self.transport = transport
        self.blobs = blobs
        self.consumer = consumer
        self._handle = handle
        self._set_aside = set_aside
        self._on_loss = on_loss
        self._mine = mine
        self.foreign = 0
        self.stopping = False
        self._unfreed: set[str] = set()
        # The event being handled: if the loop dies on it, it is set aside when read again.
        self._suspect: str | None = None
        self._not_now: tuple[type[Exception], ...] = (*transport.transient,
                                                      *transport.refused)
        self._not_freed: tuple[type[Exception], ...] = (*self._not_now, OSError)

    def free_later(self, image_id: str) -> None:
        self._unfreed.add(image_id)

    def keep(self, image_id: str) -> None:
        """The image is submitted again (an upload after a refusal): keep what it stores."""
        self._unfreed.discard(image_id)

    async def run(self) -> None:
        delay = 0.2
        while not self.stopping:
            try:
                await self._next()
                delay = 0.2
            except self._not_now as exc:
                self._suspect = None  # not the event's fault: it comes again, in order
                log.warning("events: transport unreachable or refusing (%s)", exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _next(self) -> None:
        batch = await self.transport.read_events(self.consumer, BATCH, 1.0)
        handled: list[str] = []
        try:
            for entry_id, event in batch:
                if entry_id == self._suspect:
                    handled.append(entry_id)
                    self._suspect = None
                    log.error("image=%s: its %s event broke the event loop; set aside",
                              event.image_id, event.kind)
                    self._set_aside(event)
                    continue
                self._suspect = entry_id
                await self._handle(event)
                self._suspect = None
                handled.append(entry_id)
        finally:
            if handled:
                await self.transport.ack_events(handled)
        await self._free_pending()
        if await self.transport.lost():
            await self._on_loss()
        self.foreign = await self.transport.backlog(list(self._mine()))

    async def _free_pending(self) -> None:
        mine = set(self._mine())
        for image_id in list(self._unfreed):
            if image_id in mine:
                self._unfreed.discard(image_id)  # submitted again meanwhile
                continue
            try:
                await self.blobs.free(image_id)
            except self._not_freed as exc:
                log.debug("image=%s: blobs not freed yet: %s", image_id, exc)
                return  # the store is away: the rest waits for the next round too
            self._unfreed.discard(image_id)
