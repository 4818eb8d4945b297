"""The pictures of the fake reader sites, drawn here: comic strips with English speech bubbles,
and the things around a comic that are not comic (ads, "next episode" thumbnails).

Every picture is made on first use and kept, so a site only pays for what its test shows.
"""

from __future__ import annotations

import io
from functools import cache

from PIL import Image, ImageDraw

from tests.drawing import load_font

STRIP = (600, 900)
TALL_STRIP = (600, 1300)

# Backgrounds the strips cycle through; bubbles sit on flat colour, as in webtoons.
PALETTE = [
    (186, 218, 240), (240, 214, 186), (206, 236, 200), (230, 200, 232), (250, 236, 170),
    (200, 220, 250), (236, 236, 236), (255, 220, 220), (214, 240, 232), (240, 230, 210),
]

# Sentences for generated pages; two lines per bubble.
WORDS = [
    ("WHERE ARE WE", "GOING TONIGHT?"), ("TO THE OLD", "LIGHTHOUSE"),
    ("I HEARD A", "NOISE DOWNSTAIRS"), ("DO NOT OPEN", "THAT DOOR"),
    ("THE KEY IS", "UNDER THE MAT"), ("ONLY MEMBERS", "CAN READ THIS"),
    ("SEE YOU IN THE", "NEXT CHAPTER"), ("THE END", "FOR NOW"),
    ("WHO LEFT THE", "LIGHTS ON?"), ("RUN BEFORE", "IT WAKES UP"),
]


def png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG", compress_level=1)
    return buf.getvalue()


def strip_image(lines: tuple[str, str], bg: tuple[int, int, int],
                size: tuple[int, int] = STRIP, caption: str = "") -> Image.Image:
    """A strip: a flat-coloured panel with two white speech bubbles of text."""
    w, h = size
    img = Image.new("RGB", (w, h), bg)
    draw = ImageDraw.Draw(img)
    font = load_font(34)
    draw.rectangle([20, 20, w - 20, h - 20], outline=(40, 40, 40), width=4)
    tops = (int(h * 0.09), int(h * 0.54))
    for i, (top, text) in enumerate(zip(tops, lines, strict=True)):
        box = (60 + 40 * i, top, w - 60 + 40 * i - 80, top + 220)
        draw.ellipse(box, fill=(255, 255, 255), outline=(0, 0, 0), width=3)
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        draw.text((cx, cy), text, font=font, fill=(0, 0, 0), anchor="mm")
    if caption:
        # Small print in a corner: tells generated pages apart (their bytes must differ).
        draw.text((w - 40, h - 40), caption, font=load_font(18), fill=(60, 60, 60), anchor="rb")
    return img


@cache
def strip(name: str, size: tuple[int, int] = STRIP) -> bytes:
    """The strip called `name` (its words and colour follow from the name) as PNG bytes."""
    return png(strip_picture(name, size))


def strip_picture(name: str, size: tuple[int, int] = STRIP) -> Image.Image:
    n = sum(ord(c) * (i + 1) for i, c in enumerate(name))
    return strip_image(WORDS[n % len(WORDS)], PALETTE[n % len(PALETTE)], size, caption=name)


@cache
def advert() -> bytes:
    """A 300×250 display ad: a picture, but not the comic."""
    img = Image.new("RGB", (300, 250), (255, 140, 0))
    draw = ImageDraw.Draw(img)
    draw.text((150, 110), "BUY NOW", font=load_font(40), fill=(255, 255, 255), anchor="mm")
    draw.text((150, 170), "50% OFF", font=load_font(28), fill=(20, 20, 20), anchor="mm")
    return png(img)


@cache
def thumbnail(n: int) -> bytes:
    """A "next episode" thumbnail, 200×280."""
    img = Image.new("RGB", (200, 280), PALETTE[n % len(PALETTE)])
    draw = ImageDraw.Draw(img)
    draw.text((100, 140), f"EP. {n}", font=load_font(30), fill=(0, 0, 0), anchor="mm")
    return png(img)


@cache
def icon() -> bytes:
    return png(Image.new("RGB", (32, 32), (250, 200, 0)))


# Canvas readers (GigaViewer style) serve each page cut into tiles and shuffled; the page's
# script puts the tiles back in order on a canvas. TILE_ORDER[i] is the tile shown at place i.
TILES = 4
TILE_ORDER = [5, 14, 2, 11, 0, 9, 15, 6, 12, 3, 8, 1, 10, 7, 4, 13]


@cache
def scrambled(name: str) -> bytes:
    """The strip `name` with its tiles shuffled: what a canvas reader downloads."""
    picture = strip_picture(name)
    w, h = picture.size
    tw, th = w // TILES, h // TILES
    out = Image.new("RGB", (w, h))
    for place, tile in enumerate(TILE_ORDER):
        # Tile `tile` of the picture is stored at position `place` of the download.
        sx, sy = (tile % TILES) * tw, (tile // TILES) * th
        dx, dy = (place % TILES) * tw, (place // TILES) * th
        out.paste(picture.crop((sx, sy, sx + tw, sy + th)), (dx, dy))
    return png(out)


XOR_KEY = 0x5A


@cache
def encrypted(name: str) -> bytes:
    """The strip `name` as a blob: reader downloads it: its PNG bytes XORed with a key."""
    return bytes(b ^ XOR_KEY for b in strip(name))
