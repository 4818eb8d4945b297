"""The blob store of the Redis transport: shared memory on one host, Redis across hosts.

Shared-memory blobs are files under /dev/shm/itp-<instance>/<image>/ (`instance` is made once
per Redis database, so two deployments on one machine never mix); writes go to a temporary
name and are renamed into place, so a reader never sees half a blob. Redis blobs are plain
keys with a TTL. Every reference is listed in `{ns}:blobs:<image>` before the blob is
written, so freeing an image finds all of them; the sweep removes what a crash left behind:
image folders of images no longer active, after a grace period.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import re
import shutil
import tempfile
import time
import uuid
from pathlib import Path

from redis.asyncio import Redis

from workers.transport.blobs import BlobElsewhere, BlobMissing
from workers.transport.placement import BlobMode, Placement
from workers.transport.wire import decode

log = logging.getLogger(__name__)

TTL_S = 24 * 3600
# How often a process re-announces its host (for placement) and sweeps leftovers.
PEER_REFRESH_S = 5.0
SWEEP_EVERY_S = 60.0
# A folder of an inactive image is left this long before the sweep removes it: its image may
# have finished a moment ago, with the server still reading the result.
SWEEP_GRACE_S = 60.0
_SAFE = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,79}$")


def _folder(image_id: str) -> str:
    if _SAFE.match(image_id):
        return image_id
    return "h" + hashlib.sha1(image_id.encode()).hexdigest()[:32]


def shm_base() -> Path:
    shm = Path("/dev/shm")
    return shm if shm.is_dir() and os.access(shm, os.W_OK) else Path(tempfile.gettempdir())


class SharedBlobs:
    def __init__(self, client: Redis, namespace: str = "itp", *, mode: BlobMode = "auto",
                 role: str = "worker", base: Path | None = None) -> None:
        self.client = client
        self.ns = namespace
        self.placement = Placement(client, namespace, mode, role)
        self._base = base or shm_base()
        self._root: Path | None = None

    @property
    def root(self) -> Path:
        assert self._root is not None, "SharedBlobs.start() not called"
        return self._root

    async def start(self) -> None:
        await self.client.set(f"{self.ns}:instance", uuid.uuid4().hex[:12], nx=True)
        instance = decode(await self.client.get(f"{self.ns}:instance") or b"")
        self._root = self._base / f"itp-{instance}"
        self._root.mkdir(mode=0o700, parents=True, exist_ok=True)
        await self.placement.register()

    async def heartbeat(self) -> None:
        await self.placement.register()

    async def close(self) -> None:
        await self.placement.leave()

    async def maintain(self) -> None:
        """Forever: keep this process in the peer list, sweep now and then."""
        from workers.transport.redis_streams import RedisTransport

        since_sweep = 0.0
        while True:
            await asyncio.sleep(PEER_REFRESH_S)
            since_sweep += PEER_REFRESH_S
            try:
                await self.heartbeat()
                if since_sweep >= SWEEP_EVERY_S:
                    since_sweep = 0.0
                    await self.sweep()
            except RedisTransport.transient as exc:
                log.debug("blob upkeep: %s", exc)

    # -- the store ---------------------------------------------------------------------------

    async def put(self, image_id: str, name: str, data: bytes) -> str:
        owned = f"{self.ns}:blobs:{image_id}"
        if await self.placement.shared_memory():
            rel = f"{_folder(image_id)}/{name}"
            ref = f"shm:{self.placement.host}:{rel}"
            await self._listed(owned, ref)
            await asyncio.to_thread(self._write, image_id, rel, data)
            return ref
        key = f"{self.ns}:blob:{image_id}:{name}"
        ref = f"redis:{key}"
        await self._listed(owned, ref)
        await self.client.set(key, data, ex=TTL_S)
        return ref

    async def _listed(self, owned: str, ref: str) -> None:
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.sadd(owned, ref)
            pipe.expire(owned, TTL_S)
            await pipe.execute()

    def _write(self, image_id: str, rel: str, data: bytes) -> None:
        path = self.root / rel
        if not path.parent.is_dir():
            path.parent.mkdir(mode=0o700, exist_ok=True)
            (path.parent / ".image").write_text(image_id)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)

    async def get(self, ref: str) -> bytes:
        kind, _, rest = ref.partition(":")
        if kind == "redis":
            data = await self.client.get(rest)
            if data is None:
                raise BlobMissing(f"intermediate data {rest} expired or was lost")
            return data if isinstance(data, bytes) else data.encode()
        host, _, rel = rest.partition(":")
        if kind != "shm" or not rel:
            raise BlobMissing(f"not a blob reference: {ref!r}")
        if host != self.placement.host:
            raise BlobElsewhere(f"{ref} is in the shared memory of host {host}")
        try:
            return await asyncio.to_thread((self.root / rel).read_bytes)
        except FileNotFoundError:
            raise BlobMissing(f"intermediate data {rel} is gone from shared memory") from None

    async def free(self, image_id: str) -> None:
        owned = f"{self.ns}:blobs:{image_id}"
        refs = [decode(r) for r in await self.client.smembers(owned)]
        keys = [r[len("redis:"):] for r in refs if r.startswith("redis:")]
        async with self.client.pipeline(transaction=True) as pipe:
            if keys:
                pipe.delete(*keys)
            pipe.delete(owned)
            await pipe.execute()
        # Shared memory of other hosts is theirs to sweep.
        await asyncio.to_thread(shutil.rmtree, self.root / _folder(image_id), True)

    async def sweep(self, grace_s: float = SWEEP_GRACE_S) -> int:
        """Remove this host's folders of images that are no longer active; returns how many."""
        folders = [p for p in await asyncio.to_thread(lambda: list(self.root.iterdir()))
                   if p.is_dir()]
        if not folders:
            return 0
        ids = [_image_of(p) for p in folders]
        active = await self.client.smismember(f"{self.ns}:active", ids)
        removed = 0
        now = time.time()
        for folder, is_active in zip(folders, active, strict=True):
            try:
                old = now - folder.stat().st_mtime > grace_s
            except FileNotFoundError:
                continue
            if not is_active and old:
                log.info("sweeping leftover blobs of image %s", _image_of(folder))
                await self.free(_image_of(folder))
                removed += 1
        return removed

    async def leftovers(self) -> list[str]:
        """Blobs still stored anywhere this process can see (tests, diagnostics)."""
        keys = [decode(k) async for k in self.client.scan_iter(f"{self.ns}:blob*")]
        folders = [p for p in self.root.iterdir() if p.is_dir()]
        files = [str(f.relative_to(self.root)) for p in folders for f in p.iterdir()
                 if f.name != ".image"]
        empty = [p.name for p in folders if not any(p.iterdir())]
        return sorted(keys + files + empty)


def _image_of(folder: Path) -> str:
    try:
        return (folder / ".image").read_text()
    except OSError:
        return folder.name
