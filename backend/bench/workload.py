"""The benchmark's images: "the chapter" by default — the stitched webtoon episode in the
samples cut into equal slices, the way a webtoon site serves a chapter."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from backend.inputs import collect

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples" / "images"
CHAPTER = SAMPLES / "en_strip_handjumper_ep000_stitched.jpg"


def chapter_slices(path: Path = CHAPTER, n: int = 23) -> list[tuple[str, bytes]]:
    """`n` equal-height JPEG slices of the strip (the last takes the remainder)."""
    if not path.is_file():
        raise SystemExit(f"itp bench: the default chapter {path} is missing; "
                         "pass --images PATH...")
    with Image.open(path) as strip:
        rgb = strip.convert("RGB")
    height = rgb.height // n
    out = []
    for i in range(n):
        y1 = rgb.height if i == n - 1 else (i + 1) * height
        buf = io.BytesIO()
        rgb.crop((0, i * height, rgb.width, y1)).save(buf, "JPEG", quality=90)
        out.append((f"slice{i:02d}", buf.getvalue()))
    return out


def load_images(specs: list[str]) -> list[tuple[str, bytes]]:
    items, problems = collect(specs)
    if problems:
        raise SystemExit("itp bench: " + "; ".join(problems))
    return [(it.stem, Path(it.source).read_bytes()) for it in items if not it.is_url]


def workload(images: list[str] | None, n: int) -> list[tuple[str, bytes]]:
    return load_images(images) if images else chapter_slices(n=n)
