"""`itp serve --redis URL` and `itp translate --redis URL`: the distributed pipeline over
Redis, whose stages are `itp worker` processes anywhere. Waits for Redis at start however
long it takes (the server says `starting` meanwhile), and checks that Redis keeps its data."""

from __future__ import annotations

import asyncio
import logging

from workers.aio import end
from workers.config import Settings
from workers.pipeline.api import EventCallback
from workers.pipeline.distributed import DistributedPipeline
from workers.transport.placement import BlobMode
from workers.transport.retry import supervise, until_reachable

log = logging.getLogger(__name__)


class RedisPipeline(DistributedPipeline):
    """`itp serve --redis URL`: the pipeline whose stages are `itp worker` processes."""

    def __init__(self, settings: Settings, on_event: EventCallback, redis_url: str, *,
                 namespace: str = "itp", blob_mode: BlobMode = "auto") -> None:
        from workers.transport.redis_streams import RedisTransport, connect
        from workers.transport.shared import SharedBlobs

        client = connect(redis_url)
        self.url = redis_url
        self.shared = SharedBlobs(client, namespace, mode=blob_mode, role="server")
        super().__init__(settings, on_event, RedisTransport(client, namespace), self.shared)
        self._upkeep: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Ready once Redis answers, however long that takes: until then the server says
        `starting` (and holds what it is given within its backlog)."""
        if self._upkeep is not None:
            return
        await until_reachable(self._connect, self.transport.transient, f"redis at {self.url}")
        await super().start()
        self._upkeep = asyncio.create_task(supervise("blob upkeep", self.shared.maintain))

    async def _connect(self) -> None:
        from workers.transport.redis_state import durability_problems

        await self.shared.start()
        await self.transport.setup()
        for problem in await durability_problems(self.shared.client):
            log.warning("%s", problem)

    async def stop(self) -> None:
        if self._upkeep is not None:
            await end([self._upkeep], "blob upkeep")
            self._upkeep = None
        await super().stop()
        try:
            await self.shared.close()
        except self._not_now as exc:
            log.debug("leaving the peer list: %s", exc)
        await self.transport.close()
