"""Which hosts take part, so a producer knows whether shared memory is enough.

Every worker process and the server register their host in `{ns}:peers` and refresh it; a
blob goes to shared memory only while every live peer is on the producer's host (one
machine: no copy through Redis at all), to Redis (with a TTL) as soon as another host takes
part. The host is the hostname plus the kernel's boot id: two containers on one machine have
different hostnames and different /dev/shm, so they count as two hosts, as they must.
"""

from __future__ import annotations

import hashlib
import os
import socket
import time
import uuid
from pathlib import Path
from typing import Literal

from redis.asyncio import Redis

from workers.transport.wire import decode

BlobMode = Literal["auto", "shm", "redis"]
# A peer that has not refreshed its entry for this long is gone (crashed, or stopped).
PEER_TTL_S = 20.0
# A host none of whose processes has been seen for this long is gone for good (rebooted, so
# its shared memory is empty; or retired): its entries are dropped, and blobs it held are
# missing rather than elsewhere.
PEER_GONE_S = 10 * PEER_TTL_S
# How long a placement decision is reused before the peers are read again.
DECISION_TTL_S = 2.0


def host_id() -> str:
    boot = Path("/proc/sys/kernel/random/boot_id")
    boot_id = boot.read_text().strip() if boot.is_file() else ""
    raw = f"{socket.gethostname()}/{boot_id}"
    return hashlib.sha1(raw.encode()).hexdigest()[:12]


class Placement:
    def __init__(self, client: Redis, namespace: str, mode: BlobMode, role: str) -> None:
        self.client = client
        self.mode = mode
        self.host = host_id()
        self.peer = f"{role}:{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._key = f"{namespace}:peers"
        self._decided: tuple[float, bool] = (0.0, False)

    async def _now(self) -> float:
        # Redis's clock, not ours: peers on other machines compare against the same one.
        seconds, micros = await self.client.time()
        return float(seconds) + micros / 1e6

    async def register(self) -> None:
        await self.client.hset(self._key, self.peer, f"{self.host} {await self._now():.3f}")

    async def leave(self) -> None:
        await self.client.hdel(self._key, self.peer)

    async def hosts(self, within_s: float = PEER_TTL_S) -> set[str]:
        """Hosts with a process seen within `within_s` (live ones, by default)."""
        now = await self._now()
        live: set[str] = set()
        stale: list[str] = []
        for peer, value in (await self.client.hgetall(self._key)).items():
            host, seen = decode(value).split(" ", 1)
            if now - float(seen) <= within_s:
                live.add(host)
            elif now - float(seen) > PEER_GONE_S:
                stale.append(decode(peer))
        if stale:
            await self.client.hdel(self._key, *stale)
        return live

    async def gone(self, host: str) -> bool:
        """Whether no process of `host` has been seen for PEER_GONE_S: whatever it kept in
        its shared memory will never be read."""
        return host not in await self.hosts(within_s=PEER_GONE_S)

    async def shared_memory(self) -> bool:
        """Whether a blob written now can stay in this host's shared memory."""
        if self.mode != "auto":
            return self.mode == "shm"
        at, answer = self._decided
        if time.monotonic() - at < DECISION_TTL_S:
            return answer
        answer = (await self.hosts()) <= {self.host}
        self._decided = (time.monotonic(), answer)
        return answer
