"""One test per crash or hang the hardening suites found, at the level where it was fixed.

- workers/imageio.py: a GIF or TIFF whose later frame is corrupt raised IndexError,
  struct.error or TypeError from frame counting, and EXIF with a malformed rational a
  TypeError, instead of `bad_image` (the image failed as `internal`).
- backend/server/payloads.py: a job body nested thousands deep (RecursionError), holding an
  integer over 4300 digits (ValueError), or an image URL with a lone surrogate (the answer
  could not be encoded) was a 500.
- backend/server/ws.py: the same two JSON messages on the WebSocket broke the session (an
  unhandled error, closed without a close code); test_fuzz_ws.py covers them end to end.
- backend/inputs.py: `itp translate URL` waited as long as a host trickled bytes.
"""

from __future__ import annotations

import asyncio
import io
import random
import time

import pytest
from PIL import Image

from backend.inputs import Input, read_bytes
from backend.server.errors import ApiError
from backend.server.payloads import parse_job, parse_json
from tests.hardening.corpus import animated, mutate, orientation, page, save
from tests.hardening.support import TRICKLE_INTERVAL_S, image_host
from workers.config import JobSettings, Limits
from workers.errors import BadImage, FetchFailed, TooLarge
from workers.imageio import decode_image

LIMITS = Limits()


def two_page_tiff() -> bytes:
    buf = io.BytesIO()
    page().save(buf, "TIFF", save_all=True, append_images=[page("RGB", label="TWO")])
    return buf.getvalue()


def decodes_or_refuses(data: bytes) -> None:
    try:
        image = decode_image(data, LIMITS)
    except (BadImage, TooLarge):
        return
    assert image.ndim == 3 and image.shape[2] == 3


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("make", [lambda: animated("GIF"), two_page_tiff],
                         ids=["animated_gif", "two_page_tiff"])
def test_every_cut_and_flip_of_a_later_frame(make: object) -> None:
    assert callable(make)
    data: bytes = make()
    # About 400 offsets spread over the later half, where the second frame lives.
    step = max(1, len(data) // 800)
    for at in range(len(data) // 2, len(data), step):
        decodes_or_refuses(data[:at])
        flipped = bytearray(data)
        flipped[at] ^= 0xFF
        decodes_or_refuses(bytes(flipped))


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("seed", [7402, 10985])
def test_tiff_with_a_malformed_exif_rational(seed: int) -> None:
    """Mutations that leave EXIF orientation as a float or IFDRational where Pillow wants an
    int: a TypeError from applying the orientation."""
    decodes_or_refuses(mutate(save(page(), "TIFF", exif=orientation(6)), random.Random(seed)))


def test_first_frame_of_an_animation_is_still_the_page() -> None:
    frames = [page("RGB", label=f"FRAME {i}").convert("P") for i in range(2)]
    data = save(frames[0], "GIF", save_all=True, append_images=frames[1:])
    with Image.open(io.BytesIO(data)) as first:
        expected = first.convert("RGB").tobytes()
    assert decode_image(data, LIMITS).tobytes() == expected


@pytest.mark.parametrize("raw", [
    b"[" * 100_000 + b"]" * 100_000,
    b'{"images": ["http://a/x.png"], "n": 1' + b"0" * 5000 + b"}",
])
def test_job_bodies_json_refuses_are_bad_requests(raw: bytes) -> None:
    with pytest.raises(ApiError) as refused:
        parse_json(raw)
    assert refused.value.status == 400 and refused.value.code == "bad_request"


@pytest.mark.parametrize("image", [{"url": "http://a/\ud800.png"},
                                   {"url": "http://a/x.png", "referer": "http://\udfff/"}])
def test_lone_surrogates_in_urls_are_bad_requests(image: dict[str, str]) -> None:
    with pytest.raises(ApiError) as refused:
        parse_job({"images": [image]}, JobSettings(), max_images=10)
    assert refused.value.status == 400


async def test_a_trickling_host_is_cut_off_at_the_deadline() -> None:
    async with image_host() as host:
        item = Input(host.url("/trickle"), "trickle", ".png", True)
        started = time.monotonic()
        with pytest.raises(FetchFailed) as failed:
            await asyncio.to_thread(read_bytes, item, LIMITS, None, 1.0)
        spent = time.monotonic() - started
    assert "took over 1 s" in failed.value.message
    # The deadline is checked as bytes arrive: at most one trickle step late.
    assert spent < 1.0 + 10 * TRICKLE_INTERVAL_S
