"""Where images and masks wait between stages: messages carry references, never pixels.

A reference names its place (`mem:`, `shm:<host>:`, `redis:`), so any reader knows whether it
can reach it. Every blob belongs to one image and is freed with it; names are derived from
the stage and its input (see `workers.runner.context`), so a replayed stage overwrites its own
output instead of adding a copy.
"""

from __future__ import annotations

from typing import Protocol

from workers.errors import InternalError, QueueFull


class BlobMissing(InternalError):
    """An intermediate result is gone (its host restarted and its shared memory with it, or
    Redis lost it): the image cannot go on, but submitting it again can succeed."""

    retryable_default = True


class StoreFull(QueueFull):
    """No room for a blob or a message: Redis at its `maxmemory`, or shared memory full. The
    image is refused with `queue_full`; what is already in flight goes on and frees room."""


class BlobElsewhere(Exception):
    """The blob is in another host's shared memory: a worker there must take the message."""


class BlobStore(Protocol):
    async def put(self, image_id: str, name: str, data: bytes) -> str:
        """Store (overwrite) the image's blob `name`; returns its reference."""

    async def get(self, ref: str) -> bytes: ...

    async def free(self, image_id: str) -> None:
        """Drop every blob of the image (done, failed or cancelled)."""

    async def room(self) -> int | None:
        """Bytes the store can still take before it refuses (None: no known limit)."""


class MemoryBlobs:
    """Blobs for the in-process transport."""

    def __init__(self) -> None:
        self._data: dict[str, bytes] = {}
        self._owned: dict[str, set[str]] = {}

    async def put(self, image_id: str, name: str, data: bytes) -> str:
        ref = f"mem:{image_id}/{name}"
        self._owned.setdefault(image_id, set()).add(ref)
        self._data[ref] = data
        return ref

    async def get(self, ref: str) -> bytes:
        try:
            return self._data[ref]
        except KeyError:
            raise BlobMissing(f"intermediate data {ref} is gone") from None

    async def free(self, image_id: str) -> None:
        for ref in self._owned.pop(image_id, set()):
            self._data.pop(ref, None)

    async def room(self) -> int | None:
        return None

    def __len__(self) -> int:
        return len(self._data)
