"""Messages and opened images for the transport tests."""

from __future__ import annotations

from workers.transport.base import ImageInfo, Message, Transport


def msg(image_id: str, **refs: str) -> Message:
    return Message(image_id, "job", tuple(refs.items()))


async def opened(t: Transport, *images: str, queue: str = "ocr") -> None:
    for image in images:
        await t.open(ImageInfo(image, "job", "{}", 0, image), queue, msg(image, input=image))
