"""Taking in only what the blob store can carry to the end.

A full store (Redis at its maxmemory, shared memory out of space) refuses writes, and an image
refused half-way has cost work for nothing; worse, images taken in together can fill it
between them so that none finishes. So the server takes an image in only while the store's
free room covers what every image in flight may still need: its input plus a few decoded
copies on the way (page, filled page, erased page, result, mask). In-flight images are
counted in full although part of their share is already written: the estimate errs on the
side of finishing what was taken in. The first image always goes in.
"""

from __future__ import annotations

import asyncio
import errno
from collections.abc import Awaitable, Callable

from workers.config import Limits
from workers.errors import InternalError, ItpError
from workers.imageio import inspect_header
from workers.transport.blobs import BlobStore, StoreFull

# What one decoded pixel may come to occupy in the store on an image's way: six RGB copies,
# rounded up for masks, crops and the store's own overhead.
STORE_BYTES_PER_PIXEL = 20
MIB = 1024 * 1024


def need_of(data: bytes, limits: Limits) -> int:
    """What an image may come to occupy in the store, from its header alone."""
    try:
        _, width, height = inspect_header(data, limits)
    except ItpError:
        return len(data)  # the first stage refuses it at once
    return len(data) + STORE_BYTES_PER_PIXEL * width * height


class Admission:
    def __init__(self, blobs: BlobStore,
                 call: Callable[[Callable[[], Awaitable[int | None]]],
                                Awaitable[int | None]]) -> None:
        self.blobs = blobs
        self._call = call
        self._held: dict[str, int] = {}
        self._lock = asyncio.Lock()

    async def reserve(self, image_id: str, need: int) -> None:
        """Hold `need` bytes for the image, or raise `StoreFull` (queue_full)."""
        async with self._lock:  # one decision at a time, each seeing the ones before
            room = await self._call(self.blobs.room)
            held = sum(self._held.values())
            if room is not None and self._held and held + need > room:
                raise StoreFull(f"the blob store has {room // MIB} MiB free; the images in "
                                f"flight may need {held // MIB} MiB of it and this one "
                                f"{max(1, need // MIB)} MiB; retry later")
            self._held[image_id] = need

    def release(self, image_id: str) -> None:
        self._held.pop(image_id, None)


def refusal(exc: Exception, transient: tuple[type[Exception], ...]) -> ItpError:
    """Why an image could not be taken in, as its client hears it."""
    if isinstance(exc, ItpError):  # a full store (queue_full), one that cannot be written
        return exc
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return StoreFull(f"the blob store is full: {exc}")
    if isinstance(exc, OSError) and not isinstance(exc, transient):
        return InternalError(f"the image could not be stored: {exc}")
    return InternalError(f"the work queue (Redis) is unreachable or refused the image: {exc}",
                         retryable=True)
