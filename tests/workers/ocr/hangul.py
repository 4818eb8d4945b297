"""Lines of hangul (and Japanese, Chinese) drawn by the tests with the system's Noto Sans CJK
faces (Debian's fonts-noto-cjk); None where no such font is installed."""

from __future__ import annotations

import shutil
import subprocess
from functools import cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from workers.types import Image as Array

PATTERNS = {"ko": ":lang=ko", "ja": ":lang=ja", "zh": ":lang=zh-cn"}


@cache
def cjk_font(lang: str, size: int) -> ImageFont.FreeTypeFont | None:
    """The face fontconfig picks for `lang` (e.g. Noto Sans CJK KR: face 1 of its .ttc)."""
    if shutil.which("fc-match") is None:
        return None
    out = subprocess.run(["fc-match", "-f", "%{file}\t%{index}", PATTERNS[lang]],
                         capture_output=True, text=True, check=False).stdout.strip()
    path, _, index = out.partition("\t")
    if not path or "DejaVu" in path:
        return None
    return ImageFont.truetype(path, size, index=int(index or 0))


def line_image(text: str, lang: str = "ko", size: int = 28, pad: int = 6,
               fg: tuple[int, int, int] = (0, 0, 0),
               bg: tuple[int, int, int] = (255, 255, 255)) -> Array | None:
    """One line of text, cut as a detector would box it (a few pixels of margin)."""
    font = cjk_font(lang, size)
    if font is None:
        return None
    x0, y0, x1, y1 = (round(v) for v in font.getbbox(text))
    img = Image.new("RGB", (x1 - x0 + 2 * pad, y1 - y0 + 2 * pad), bg)
    ImageDraw.Draw(img).text((pad - x0, pad - y0), text, fill=fg, font=font)
    return np.asarray(img, dtype=np.uint8).copy()


def bubble_lines(texts: list[str], lang: str = "ko", size: int = 28,
                 spacing: float = 1.25) -> tuple[Array, list[tuple[int, int, int, int]]] | None:
    """Lines set tightly one under the other, as in a webtoon bubble, and each line's box
    padded as PP-OCR's detector pads it (so each box takes in bits of its neighbours)."""
    font = cjk_font(lang, size)
    if font is None:
        return None
    width = max(round(font.getbbox(t)[2]) for t in texts) + 40
    step = round(size * spacing)
    img = Image.new("RGB", (width, step * len(texts) + 40), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    boxes = []
    for i, text in enumerate(texts):
        x0, y0, x1, y1 = (round(v) for v in font.getbbox(text))
        top = 20 + i * step
        draw.text((20 - x0, top - y0), text, fill=(0, 0, 0), font=font)
        grow = round(size * 0.45)
        boxes.append((20 - grow, top - grow, 20 + x1 - x0 + grow, top + y1 - y0 + grow))
    return np.asarray(img, dtype=np.uint8).copy(), boxes
