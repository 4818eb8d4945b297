"""Time `render_page` on a generated 800x1654 page with six speech balloons.

    python -m workers.render.bench [--target en|ja] [--n 30] [--fresh]

Prints the first call (font discovery and metric caches cold) and the steady state (min and
median over `--n` calls). A measurement tool, not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

import numpy as np
from PIL import Image as PILImage
from PIL import ImageDraw

from workers.render.render import render_page
from workers.types import Block, Box, Image, PageLayout, TextLine

_BALLOONS: tuple[tuple[Box, str], ...] = (
    ((100, 80, 380, 420), "v"),
    ((450, 100, 750, 300), "h"),
    ((60, 600, 400, 800), "h"),
    ((450, 550, 760, 950), "v"),
    ((100, 1100, 700, 1300), "h"),
    ((200, 1400, 600, 1600), "h"),
)
TRANSLATIONS = {
    "en": [
        "Hello, world! How are you doing today?",
        "Long time no see, my friend.",
        "What happened?",
        "No way... that can't be true! It's impossible, I tell you.",
        "Where do you think we are going at this hour of the night?",
        "OK!",
    ],
    "ja": [
        "こんにちは、世界！今日はどう？",
        "久しぶりだね、友よ。",
        "何があったの？",
        "まさか…そんなはずはない！ありえないって言ってるだろ。",
        "こんな夜中に私たちはどこへ行くと思う？",
        "OK！",
    ],
}


def synthetic_page() -> tuple[Image, Image, PageLayout]:
    """Original (grey blocks stand in for the source lettering), erased page, and layout."""
    w, h = 800, 1654
    img = PILImage.new("RGB", (w, h), (150, 150, 150))
    draw = ImageDraw.Draw(img)
    mask = np.zeros((h, w), np.uint8)
    blocks = []
    for i, (e, direction) in enumerate(_BALLOONS):
        draw.ellipse(e, fill=(255, 255, 255), outline=(0, 0, 0), width=3)
        cx, cy = (e[0] + e[2]) // 2, (e[1] + e[3]) // 2
        bw, bh = (36, 220) if direction == "v" else (200, 30)
        box = (cx - bw // 2, cy - bh // 2, cx + bw // 2, cy + bh // 2)
        poly = ((box[0], box[1]), (box[2], box[1]), (box[2], box[3]), (box[0], box[3]))
        line = TextLine(tuple((float(x), float(y)) for x, y in poly), "x", 0.9, direction == "v")
        blocks.append(Block(i, box, [line], "v" if direction == "v" else "h", "fill"))
    erased = np.asarray(img).copy()
    original = erased.copy()
    for b in blocks:
        x0, y0, x1, y1 = b.bbox
        # Stripes of "glyph" pixels under the mask, like lettering.
        original[y0:y1:4, x0:x1] = (10, 10, 10)
        mask[y0:y1, x0:x1] = 255
    return original, erased, PageLayout(w, h, blocks, mask, "ja")


def _scrambled(text: str, rng: random.Random) -> str:
    return " ".join("".join(rng.sample(word, len(word))) for word in text.split(" "))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--target", default="en", choices=sorted(TRANSLATIONS))
    parser.add_argument("--n", type=int, default=30)
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="scramble the words on every call, so no word's width is cached",
    )
    args = parser.parse_args()
    original, erased, layout = synthetic_page()
    texts = TRANSLATIONS[args.target]
    t0 = time.perf_counter()
    render_page(original, erased, layout, texts, args.target)
    first = time.perf_counter() - t0
    times = []
    cpu = []
    rng = random.Random(0)
    for _ in range(args.n):
        if args.fresh:
            texts = [_scrambled(t, rng) for t in TRANSLATIONS[args.target]]
        t0, c0 = time.perf_counter(), time.process_time()
        render_page(original, erased, layout, texts, args.target)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    print(
        f"render_page 800x1654, {len(texts)} blocks, target {args.target}"
        f"{' (fresh words)' if args.fresh else ''}: "
        f"first {first * 1000:.1f} ms; then min {min(times) * 1000:.1f} ms, "
        f"median {statistics.median(times) * 1000:.1f} ms "
        f"(CPU median {statistics.median(cpu) * 1000:.1f} ms)"
    )


if __name__ == "__main__":
    main()
