"""The blob store of the Redis transport: shared memory on one host, Redis across hosts.

Shared-memory blobs are files under /dev/shm/itp-<instance>/<image>/ (`instance` is made once
per Redis database, so two deployments on one machine never mix); writes go to a temporary
name and are renamed into place, so a reader never sees half a blob. Redis blobs are plain
keys. Every reference is listed in the image's blob list before the blob is written, so
freeing an image finds all of them.

Nothing of an active image expires: its messages wait as long as the backlog does, and so
does its data. When the image finishes, its Redis blobs get a deadline (the server frees them
as soon as it has read the result); the sweep removes what a crash left behind: blobs and
folders of images no longer active, after a grace period.

A full store refuses with `StoreFull` (queue_full); shared memory that cannot be written at
start is not used (blobs go through Redis), with a warning.
"""

from __future__ import annotations

import asyncio
import errno
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
from redis.exceptions import ResponseError

from workers.errors import InternalError
from workers.transport.blobs import BlobElsewhere, BlobMissing, StoreFull
from workers.transport.placement import BlobMode, Placement
from workers.transport.redis_state import REDIS_REF, blob_list, full_as_queue_full
from workers.transport.wire import decode

log = logging.getLogger(__name__)

# How often a process re-announces its host (for placement) and sweeps leftovers.
PEER_REFRESH_S = 5.0
SWEEP_EVERY_S = 60.0
# Leftovers of an inactive image are left this long before the sweep removes them: its image
# may have finished a moment ago, with the server still reading the result, or be about to
# open (its input is written just before).
SWEEP_GRACE_S = 60.0
_SAFE = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,79}$")
_FULL = (errno.ENOSPC, errno.EDQUOT)


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
        self._instance = uuid.uuid4().hex[:12]

    @property
    def root(self) -> Path:
        assert self._root is not None, "SharedBlobs.start() not called"
        return self._root

    async def start(self) -> None:
        await self._adopt_instance()
        try:
            await asyncio.to_thread(self._probe)
        except OSError as exc:
            if self.placement.mode == "shm":
                raise InternalError(f"shared memory {self.root} is not writable: {exc}") \
                    from exc
            if self.placement.mode == "auto":
                log.warning("shared memory %s is not writable (%s): this process keeps its "
                            "blobs in Redis", self.root, exc)
                self.placement.mode = "redis"
        await self.placement.register()

    async def _adopt_instance(self) -> None:
        # After Redis lost its data, the processes that were running put their instance back
        # (the first one wins), so everyone keeps reading the same folders.
        key = f"{self.ns}:instance"
        found = await self.client.get(key)
        if found is None:  # (a write only then: a full Redis refuses writes)
            await self.client.set(key, self._instance, nx=True)
            found = await self.client.get(key)
        instance = decode(found or b"")
        if self._root is None or instance != self._instance:
            self._instance = instance
            self._root = self._base / f"itp-{instance}"

    def _probe(self) -> None:
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        probe = self.root / f".probe.{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()

    async def heartbeat(self) -> None:
        await self._adopt_instance()
        await self.placement.register()

    async def close(self) -> None:
        await self.placement.leave()

    async def maintain(self) -> None:
        """Forever: keep this process in the peer list, sweep now and then."""
        from workers.transport.redis_base import RedisBase

        since_sweep = 0.0
        while True:
            await asyncio.sleep(PEER_REFRESH_S)
            since_sweep += PEER_REFRESH_S
            try:
                await self.heartbeat()
                if since_sweep >= SWEEP_EVERY_S:
                    since_sweep = 0.0
                    await self.sweep()
            except (*RedisBase.transient, *RedisBase.refused) as exc:
                log.debug("blob upkeep: %s", exc)

    # -- the store ---------------------------------------------------------------------------

    async def room(self) -> int | None:
        """Free bytes where this process's blobs go now: shared memory's free space, or what
        Redis takes before its maxmemory (None when it has none)."""
        if await self.placement.shared_memory():
            stat = await asyncio.to_thread(os.statvfs, self.root)
            return stat.f_bavail * stat.f_frsize
        memory = await self.client.info("memory")
        limit = int(memory.get("maxmemory", 0))
        return None if limit <= 0 else max(0, limit - int(memory["used_memory"]))

    async def put(self, image_id: str, name: str, data: bytes) -> str:
        owned = blob_list(self.ns, image_id)
        what = f"no room for the data of image {image_id}"
        if await self.placement.shared_memory():
            rel = f"{_folder(image_id)}/{name}"
            ref = f"shm:{self.placement.host}:{rel}"
            with full_as_queue_full(what):
                await self.client.sadd(owned, ref)
            await asyncio.to_thread(self._write, image_id, rel, data)
            return ref
        key = f"{self.ns}:blob:{image_id}:{name}"
        ref = f"{REDIS_REF}{key}"
        with full_as_queue_full(what):
            async with self.client.pipeline(transaction=True) as pipe:
                pipe.sadd(owned, ref)
                pipe.set(key, data)
                await pipe.execute()
        return ref

    def _write(self, image_id: str, rel: str, data: bytes) -> None:
        path = self.root / rel
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        try:
            if not path.parent.is_dir():
                path.parent.mkdir(mode=0o700, exist_ok=True)
                (path.parent / ".image").write_text(image_id)
            tmp.write_bytes(data)
            os.replace(tmp, path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            if exc.errno in _FULL:
                raise StoreFull(f"shared memory is full ({self.root}: {exc.strerror}); "
                                "retry later") from exc
            raise InternalError(f"cannot write to shared memory {path}: {exc}") from exc

    async def get(self, ref: str) -> bytes:
        kind, _, rest = ref.partition(":")
        if kind == "redis":
            data = await self.client.get(rest)
            if data is None:
                raise BlobMissing(f"intermediate data {rest} was lost")
            return data if isinstance(data, bytes) else data.encode()
        host, _, rel = rest.partition(":")
        if kind != "shm" or not rel:
            raise BlobMissing(f"not a blob reference: {ref!r}")
        if host != self.placement.host:
            if await self.placement.gone(host):
                raise BlobMissing(f"intermediate data {rel} was in the shared memory of host "
                                  f"{host}, which is gone (restarted?); submit it again")
            raise BlobElsewhere(f"{ref} is in the shared memory of host {host}")
        try:
            return await asyncio.to_thread((self.root / rel).read_bytes)
        except FileNotFoundError:
            raise BlobMissing(f"intermediate data {rel} is gone from shared memory") from None
        except OSError as exc:
            raise InternalError(f"cannot read shared memory {self.root / rel}: {exc}") from exc

    async def free(self, image_id: str) -> None:
        owned = blob_list(self.ns, image_id)
        refs = [decode(r) for r in await self.client.smembers(owned)]
        keys = [r[len(REDIS_REF):] for r in refs if r.startswith(REDIS_REF)]
        # One DEL, not a MULTI: a full Redis refuses anything queued in a transaction, and
        # this is what makes room.
        await self.client.delete(*keys, owned)
        # Shared memory of other hosts is theirs to sweep.
        await asyncio.to_thread(shutil.rmtree, self.root / _folder(image_id), True)

    async def sweep(self, grace_s: float = SWEEP_GRACE_S) -> int:
        """Free what is left of images that are no longer active: this host's folders, and
        blob lists in Redis not touched for `grace_s`; returns how many images."""
        return await self._sweep_folders(grace_s) + await self._sweep_redis(grace_s)

    async def _sweep_folders(self, grace_s: float) -> int:
        folders = [p for p in await asyncio.to_thread(_folders, self.root)]
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

    async def _sweep_redis(self, grace_s: float) -> int:
        prefix = blob_list(self.ns, "")
        lists = [decode(k) async for k in self.client.scan_iter(f"{prefix}*", count=500)]
        removed = 0
        for owned in lists:
            image_id = owned[len(prefix):]
            if await self.client.sismember(f"{self.ns}:active", image_id):
                continue
            try:
                idle = await self.client.object("idletime", owned)
            except ResponseError:
                return removed  # an LFU eviction policy hides idle times: leave it to TTLs
            if idle is not None and int(idle) >= grace_s:
                log.info("sweeping leftover blobs of image %s", image_id)
                await self.free(image_id)
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


def _folders(root: Path) -> list[Path]:
    return [p for p in root.iterdir() if p.is_dir()] if root.is_dir() else []


def _image_of(folder: Path) -> str:
    try:
        return (folder / ".image").read_text()
    except OSError:
        return folder.name
