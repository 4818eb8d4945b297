from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from backend.server.fetch import ACCEPT
from workers.config import Limits
from workers.errors import BadImage, TooLarge
from workers.imageio import AVIF_DECODES, decode_image, encode_image, sniff_format

LIMITS = Limits()


def save(img: Image.Image, fmt: str, **kw: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims a size; the pixel data is a tiny valid stream."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 16)) + chunk(b"IEND", b""))


def test_rgb_jpeg_roundtrip() -> None:
    img = Image.new("RGB", (40, 30), (200, 10, 10))
    arr = decode_image(save(img, "JPEG"), LIMITS)
    assert arr.shape == (30, 40, 3) and arr.dtype == np.uint8
    assert abs(int(arr[15, 20, 0]) - 200) < 8


@pytest.mark.parametrize("data, message", [
    (b"", "empty"),
    (b"<html><body>not an image</body></html>", "not a supported image"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", "not a supported image"),
])
def test_non_images_are_bad_image(data: bytes, message: str) -> None:
    with pytest.raises(BadImage, match=message):
        decode_image(data, LIMITS)


def test_truncated_jpeg_and_png_are_bad_image() -> None:
    rng = np.random.default_rng(0)
    img = Image.fromarray(rng.integers(0, 255, (200, 200, 3), dtype=np.uint8))
    for fmt in ("JPEG", "PNG"):
        data = save(img, fmt)
        with pytest.raises(BadImage):
            decode_image(data[: len(data) // 2], LIMITS)


def test_decompression_bomb_is_refused_before_decoding() -> None:
    with pytest.raises(TooLarge, match="decompression bomb"):
        decode_image(png_header_only(100_000, 100_000), LIMITS)
    # Under Pillow's own bomb limit but over ours: refused from the header alone.
    with pytest.raises(TooLarge, match="over the limit"):
        decode_image(png_header_only(10_000, 7_000), LIMITS)
    with pytest.raises(TooLarge, match="per side"):
        decode_image(png_header_only(50_000, 100), LIMITS)


def test_byte_cap() -> None:
    data = save(Image.new("RGB", (64, 64)), "PNG")
    with pytest.raises(TooLarge):
        decode_image(data, Limits(max_bytes=10))


def test_odd_modes_become_rgb() -> None:
    cmyk = Image.new("CMYK", (20, 10), (0, 0, 0, 255))
    gray16 = Image.fromarray(np.full((10, 20), 40000, np.uint16))
    pal = Image.new("P", (20, 10))
    rgba = Image.new("RGBA", (20, 10), (0, 0, 0, 0))  # fully transparent -> white page
    gray = Image.new("L", (20, 10), 128)
    for img, fmt in ((cmyk, "JPEG"), (gray16, "PNG"), (pal, "PNG"), (rgba, "PNG"),
                     (gray, "PNG")):
        arr = decode_image(save(img, fmt), LIMITS)
        assert arr.shape == (10, 20, 3), img.mode
    assert decode_image(save(rgba, "PNG"), LIMITS)[0, 0].tolist() == [255, 255, 255]
    assert decode_image(save(gray16, "PNG"), LIMITS)[0, 0, 0] == 40000 // 257


def test_animated_gif_uses_first_frame() -> None:
    frames = [Image.new("RGB", (16, 16), c) for c in ((255, 0, 0), (0, 0, 255))]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:])
    arr = decode_image(buf.getvalue(), LIMITS)
    assert arr[0, 0, 0] > 200 and arr[0, 0, 2] < 50


def test_exif_orientation_is_applied() -> None:
    img = Image.new("RGB", (40, 20))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° on display
    arr = decode_image(save(img, "JPEG", exif=exif), LIMITS)
    assert arr.shape == (40, 20, 3)


def test_encode_keeps_format() -> None:
    arr = np.zeros((8, 8, 3), np.uint8)
    for fmt in ("PNG", "JPEG", "WEBP", ".jpg", *(["AVIF"] if AVIF_DECODES else [])):
        assert sniff_format(encode_image(arr, fmt)) in ("PNG", "JPEG", "WEBP", "AVIF")


def test_avif_decodes_when_this_pillow_reads_it() -> None:
    """AVIF made here with Pillow's own encoder: sniffed, checked and decoded like the others;
    with a Pillow that cannot read AVIF it is refused as not supported."""
    if not AVIF_DECODES:
        data = bytes.fromhex("0000001c667479706176696600000000617669666d696631")
        assert sniff_format(data) is None
        with pytest.raises(BadImage, match="not a supported image"):
            decode_image(data + b"\x00" * 64, LIMITS)
        return
    rng = np.random.default_rng(3)
    img = Image.fromarray(rng.integers(0, 255, (48, 64, 3), dtype=np.uint8))
    img.paste((200, 10, 10), (0, 0, 32, 24))
    data = save(img, "AVIF", quality=95)
    assert sniff_format(data) == "AVIF"
    arr = decode_image(data, LIMITS)
    assert arr.shape == (48, 64, 3) and arr.dtype == np.uint8
    assert abs(int(arr[10, 10, 0]) - 200) < 16 and int(arr[10, 10, 1]) < 40
    with pytest.raises(BadImage):
        decode_image(data[: len(data) // 2], LIMITS)
    # HEIC shares the box (and the `mif1` brand) but not the codec.
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + data[32:]
    assert sniff_format(heic) is None


def test_every_image_type_the_server_asks_for_decodes() -> None:
    """The fetcher's Accept header must not offer a format the pipeline cannot read: a CDN
    that negotiates would send it."""
    offered = [part.split(";")[0] for part in ACCEPT.split(",")]
    concrete = [kind for kind in offered if kind.startswith("image/") and kind != "image/*"]
    assert ("image/avif" in concrete) == AVIF_DECODES
    pil_name = {"image/avif": "AVIF", "image/webp": "WEBP", "image/apng": "PNG"}
    img = Image.new("RGB", (24, 16), (10, 120, 240))
    for kind in concrete:
        arr = decode_image(save(img, pil_name[kind]), LIMITS)
        assert arr.shape == (16, 24, 3), kind
