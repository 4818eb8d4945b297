"""Test images with text drawn by the tests themselves (no third-party artwork)."""

from __future__ import annotations

import io
import shutil
import subprocess
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from workers.types import Image as Array


@cache
def font_path(lang: str = "en") -> Path | None:
    """A system font for the script, found through fontconfig; None when there is none."""
    if shutil.which("fc-match") is None:
        return None
    pattern = {"en": "DejaVu Sans:bold", "ja": ":lang=ja", "zh": ":lang=zh-cn",
               "ko": ":lang=ko"}[lang]
    out = subprocess.run(["fc-match", "-f", "%{file}", pattern], capture_output=True, text=True,
                         check=False).stdout.strip()
    if not out:
        return None
    if lang != "en" and "DejaVu" in out:
        return None
    return Path(out)


def load_font(size: int, lang: str = "en") -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = font_path(lang)
    if path is None:
        return ImageFont.load_default(size=size)
    return ImageFont.truetype(str(path), size)


def text_page(lines: list[tuple[str, tuple[int, int]]], size: tuple[int, int] = (640, 480),
              font_size: int = 36, bg: tuple[int, int, int] = (255, 255, 255),
              fg: tuple[int, int, int] = (0, 0, 0)) -> Array:
    """A page with each (text, (x, y)) drawn horizontally."""
    img = Image.new("RGB", size, bg)
    draw = ImageDraw.Draw(img)
    font = load_font(font_size)
    for text, xy in lines:
        draw.text(xy, text, fill=fg, font=font)
    return np.asarray(img, dtype=np.uint8).copy()


def vertical_page(columns: list[tuple[str, tuple[int, int]]], size: tuple[int, int],
                  font_size: int = 40) -> Array | None:
    """Japanese columns drawn top to bottom, one glyph under the other; None without a
    CJK font."""
    if font_path("ja") is None:
        return None
    img = Image.new("RGB", size, (255, 255, 255))
    draw = ImageDraw.Draw(img)
    font = load_font(font_size, "ja")
    for text, (x, y) in columns:
        for i, ch in enumerate(text):
            draw.text((x, y + i * int(font_size * 1.1)), ch, fill=(0, 0, 0), font=font)
    return np.asarray(img, dtype=np.uint8).copy()


def encode(image: Array, fmt: str = "PNG") -> bytes:
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, fmt)
    return buf.getvalue()
