"""The broken-file corpus, made by the tests themselves: every kind of image a reader's page
can throw at us, from clean pages in each format to truncated, corrupted, lying and hostile
files.

Each case says which outcomes are acceptable: "ok" (a result of `size` pixels) and/or error
codes. Corruptions that may or may not break a decoder allow both; nothing allows `internal`.
"""

from __future__ import annotations

import io
import random
import struct
import zlib
from dataclasses import dataclass
from functools import cache

from PIL import Image, ImageDraw

OK = "ok"
BAD = "bad_image"
LARGE = "too_large"
PAGE = (160, 120)


@dataclass(frozen=True)
class Case:
    name: str
    data: bytes
    # Outcomes that are correct for this file: OK and/or error codes.
    allowed: frozenset[str]
    # The (width, height) a correct result has, when OK is allowed.
    size: tuple[int, int] | None = None
    # The suffix the file is saved under for `itp translate` (its name may lie).
    suffix: str = ".png"


def page(mode: str = "RGB", size: tuple[int, int] = PAGE, label: str = "HELLO") -> Image.Image:
    img = Image.new("RGB", size, (255, 255, 255))
    draw = ImageDraw.Draw(img)
    draw.rectangle((4, size[1] * 2 // 3, size[0] - 4, size[1] - 4), fill=(200, 80, 40))
    draw.text((10, 10), label, fill=(0, 0, 0), font_size=20)
    draw.text((10, 40), "WAIT!", fill=(0, 0, 0), font_size=20)
    return img.convert(mode)


def save(img: Image.Image, fmt: str, **options: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **options)
    return buf.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def png_claiming(width: int, height: int, bit_depth: int = 8, color: int = 2) -> bytes:
    """A PNG whose header claims a size; the pixel data is a tiny valid stream."""
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, color, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr)
            + _chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + _chunk(b"IEND", b""))


def png_bomb(side: int = 12_000) -> bytes:
    """A real, fully valid PNG of `side`² black pixels in 1-bit mode: a few kB on the wire,
    hundreds of MB once decoded to RGB."""
    row = b"\x00" + b"\x00" * ((side + 7) // 8)
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat)
            + _chunk(b"IEND", b""))


def gif_claiming(width: int, height: int) -> bytes:
    screen = struct.pack("<HHBBB", width, height, 0x80, 0, 0)
    palette = b"\x00\x00\x00\xff\xff\xff"
    descriptor = b"," + struct.pack("<HHHHB", 0, 0, width, height, 0)
    pixels = b"\x02\x02\x4c\x01\x00"
    return b"GIF89a" + screen + palette + descriptor + pixels + b";"


def jpeg_claiming(width: int, height: int) -> bytes:
    """A real JPEG with the frame header's dimensions rewritten."""
    data = bytearray(save(page(), "JPEG"))
    at = data.index(b"\xff\xc0")
    struct.pack_into(">HH", data, at + 5, height, width)
    return bytes(data)


def bmp_claiming(width: int, height: int) -> bytes:
    data = bytearray(save(page(), "BMP"))
    struct.pack_into("<ii", data, 18, width, height)
    return bytes(data)


def tiff_claiming(width: int, height: int) -> bytes:
    """A little-endian TIFF with one IFD naming the size and no strips worth decoding."""
    entries = [(256, 4, 1, width), (257, 4, 1, height), (258, 3, 1, 8), (259, 3, 1, 1),
               (262, 3, 1, 1), (273, 4, 1, 8), (277, 3, 1, 1), (278, 4, 1, height),
               (279, 4, 1, 1)]
    ifd = struct.pack("<H", len(entries)) + b"".join(
        struct.pack("<HHII", tag, kind, count, value) for tag, kind, count, value in entries)
    return b"II*\x00" + struct.pack("<I", 8) + ifd + b"\x00\x00\x00\x00"


def webp_claiming(width: int, height: int) -> bytes:
    """A VP8X (extended) WebP header whose canvas is `width` x `height`."""
    vp8x = b"VP8X" + struct.pack("<I", 10) + b"\x00\x00\x00\x00" + \
        (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    body = b"WEBP" + vp8x
    return b"RIFF" + struct.pack("<I", len(body)) + body


def exif_rotated_jpeg() -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display": the reader sees it upright
    return save(page(), "JPEG", exif=exif.tobytes())


def animated(fmt: str) -> bytes:
    frames = [page("RGB", label=f"FRAME {i}") for i in range(3)]
    if fmt == "GIF":
        frames = [f.convert("P") for f in frames]
    return save(frames[0], fmt, save_all=True, append_images=frames[1:], duration=80)


def valid_cases() -> list[Case]:
    w, h = PAGE
    rotated = (h, w)
    made = [
        ("png_rgb", save(page(), "PNG"), PAGE, ".png"),
        ("png_rgba", save(page("RGBA"), "PNG"), PAGE, ".png"),
        ("png_palette_transparency", save(page("P"), "PNG", transparency=0), PAGE, ".png"),
        ("png_la", save(page("LA"), "PNG"), PAGE, ".png"),
        ("png_16bit_gray", save(page("I;16"), "PNG"), PAGE, ".png"),
        ("png_1bit", save(page("1"), "PNG"), PAGE, ".png"),
        ("png_exif_rotated", save(page(), "PNG", exif=orientation(6)), rotated, ".png"),
        ("jpeg_baseline", save(page(), "JPEG"), PAGE, ".jpg"),
        ("jpeg_progressive", save(page(), "JPEG", progressive=True), PAGE, ".jpg"),
        ("jpeg_cmyk", save(page("CMYK"), "JPEG"), PAGE, ".jpg"),
        ("jpeg_gray", save(page("L"), "JPEG"), PAGE, ".jpg"),
        ("jpeg_exif_rotated", exif_rotated_jpeg(), rotated, ".jpg"),
        ("webp_lossy", save(page(), "WEBP"), PAGE, ".webp"),
        ("webp_lossless_alpha", save(page("RGBA"), "WEBP", lossless=True), PAGE, ".webp"),
        ("webp_animated", animated("WEBP"), PAGE, ".webp"),
        ("gif_palette", save(page("P"), "GIF"), PAGE, ".gif"),
        ("gif_animated", animated("GIF"), PAGE, ".gif"),
        ("bmp_rgb", save(page(), "BMP"), PAGE, ".bmp"),
        ("tiff_rgb", save(page(), "TIFF"), PAGE, ".tif"),
        ("tiff_cmyk_lzw", save(page("CMYK"), "TIFF", compression="tiff_lzw"), PAGE, ".tif"),
        ("tiff_16bit", save(page("I;16"), "TIFF"), PAGE, ".tif"),
        ("png_named_jpg", save(page(), "PNG"), PAGE, ".jpg"),
        ("one_pixel", save(Image.new("RGB", (1, 1), (9, 9, 9)), "PNG"), (1, 1), ".png"),
        ("thin_strip", save(Image.new("RGB", (2000, 3), (250, 250, 250)), "PNG"), (2000, 3),
         ".png"),
    ]
    return [Case(name, data, frozenset({OK}), size, suffix)
            for name, data, size, suffix in made]


def orientation(value: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = value
    return exif.tobytes()


def hostile_cases() -> list[Case]:
    svg = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" '
           b'height="10"><script>alert(1)</script></svg>')
    html = b"<!doctype html><html><body><h1>Please log in</h1></body></html>"
    made = [
        ("zero_bytes", b"", {BAD}),
        ("svg", svg, {BAD}),
        ("html", html, {BAD}),
        ("pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", {BAD}),
        ("text", b"just some words, no picture", {BAD}),
        ("magic_only_png", b"\x89PNG\r\n\x1a\n", {BAD}),
        ("magic_only_gif", b"GIF89a", {BAD}),
        ("magic_only_jpeg", b"\xff\xd8\xff", {BAD}),
        ("magic_only_webp", b"RIFF\x00\x00\x00\x00WEBP", {BAD}),
        ("magic_then_noise", b"\x89PNG\r\n\x1a\n" + random.Random(7).randbytes(500), {BAD}),
        ("png_zero_width", png_claiming(0, 100), {BAD}),
        ("png_huge_header", png_claiming(100_000, 100_000), {LARGE}),
        ("png_max_header", png_claiming(2**31 - 1, 2**31 - 1), {LARGE, BAD}),
        ("png_one_side_too_long", png_claiming(40_001, 1), {LARGE}),
        ("png_16bit_huge", png_claiming(30_000, 30_000, 16, 6), {LARGE}),
        ("png_bomb_real", png_bomb(), {LARGE}),
        ("gif_huge_header", gif_claiming(65_535, 65_535), {LARGE}),
        ("jpeg_huge_header", jpeg_claiming(65_000, 65_000), {LARGE}),
        ("bmp_huge_header", bmp_claiming(60_000, 60_000), {LARGE, BAD}),
        ("bmp_negative_width", bmp_claiming(-5, 10), {BAD, LARGE}),
        ("tiff_huge_header", tiff_claiming(100_000, 100_000), {LARGE}),
        ("tiff_no_pixels", tiff_claiming(64, 64), {BAD, OK}),
        ("webp_huge_canvas", webp_claiming(16_383, 16_383), {LARGE, BAD}),
    ]
    return [Case(name, data, frozenset(allowed), None) for name, data, allowed in made]


def damaged_cases(seed: int = 11) -> list[Case]:
    """Each format truncated at several points and corrupted in a few places. A cut or a flip
    that a decoder shrugs off is allowed to succeed (a flip may change the size the header
    names, so the size a result must have is the decoded one)."""
    rng = random.Random(seed)
    cases: list[Case] = []
    for base in valid_cases():
        if base.name not in ("png_rgb", "jpeg_baseline", "jpeg_progressive", "webp_lossy",
                             "gif_animated", "bmp_rgb", "tiff_cmyk_lzw", "png_16bit_gray"):
            continue
        data = base.data
        for cut in (1, 12, 40, len(data) // 3, len(data) // 2, len(data) - 8):
            cases.append(Case(f"{base.name}_cut{cut}", data[:cut], frozenset({BAD, OK}),
                              None, base.suffix))
        for i in range(3):
            broken = bytearray(data)
            for _ in range(4):
                broken[rng.randrange(16, len(broken))] = rng.randrange(256)
            cases.append(Case(f"{base.name}_flip{i}", bytes(broken), frozenset({BAD, OK}),
                              None, base.suffix))
    return cases


@cache
def corpus() -> tuple[Case, ...]:
    return (*valid_cases(), *hostile_cases(), *damaged_cases())


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One to four edits (byte flips, a cut, an insertion), half of them in the first 200
    bytes, where the headers a decoder trusts are."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        span = len(out) if rng.random() < 0.5 else min(len(out), 200)
        roll = rng.random()
        if roll < 0.6 and span > 0:
            out[rng.randrange(span)] = rng.randrange(256)
        elif roll < 0.75:
            del out[rng.randrange(len(out) + 1):]
        else:
            at = rng.randrange(span + 1)
            out[at:at] = rng.randbytes(rng.randint(1, 8))
    return bytes(out)


def mutants(seed: int, count: int) -> list[Case]:
    """`count` random mutations of the valid pages; a header edit may claim any size, so
    too_large is as correct as bad_image or a result."""
    rng = random.Random(seed)
    bases = valid_cases()
    made = []
    for i in range(count):
        base = bases[i % len(bases)]
        made.append(Case(f"mutant{seed}_{i}_{base.name}", mutate(base.data, rng),
                         frozenset({OK, BAD, LARGE}), None, base.suffix))
    return made
