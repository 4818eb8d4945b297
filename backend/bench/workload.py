"""The benchmark's workloads: the chapters users read, built from the sample images.

- `en-webtoon`: the stitched English webtoon episode cut into 23 equal slices of 800x1654,
  the way a webtoon site serves a chapter. Every bubble is flat: no inpainting model runs.
- `ko-webtoon`: the Korean sample strip (720x7700) cut into slices of about 1,280 px, as a
  Korean webtoon site serves them (800-1,600 px tall slices); Korean recognition runs.
- `manga`: the six Japanese sample pages with lettering on art (Blue Archive 01, 10, 12 and
  19, the colour page from manga-image-translator, mokuro's nyan 002a): their art blocks go
  through the inpainting model.

`--images PATH...` replaces them with any files or folders (the workload is then `images`).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from backend.inputs import collect

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples" / "images"
CUSTOM = "images"


@dataclass(frozen=True, slots=True)
class Workload:
    name: str
    describe: str
    # A strip to cut into `slices` equal slices, or pages read as they are.
    strip: str = ""
    slices: int = 0
    pages: tuple[str, ...] = ()


WORKLOADS: dict[str, Workload] = {w.name: w for w in (
    Workload("en-webtoon", "the English webtoon chapter: 23 slices of 800x1654",
             strip="en_strip_handjumper_ep000_stitched.jpg", slices=23),
    Workload("ko-webtoon", "the Korean webtoon strip: 6 slices of 720x1283",
             strip="ko_strip_basiccat_princess_hours.jpg", slices=6),
    Workload("manga", "six Japanese manga pages with lettering on art",
             pages=("ja_page_koharu_bluearchive_01.jpg", "ja_page_koharu_bluearchive_10.png",
                    "ja_page_koharu_bluearchive_12.png", "ja_page_koharu_bluearchive_19.png",
                    "ja_page_mit_original2_color.jpg", "ja_page_mokuro_nyan_002a.jpg")),
)}
DEFAULT = "en-webtoon"


def parse_names(values: Sequence[str] | None) -> list[str]:
    """`--workload` values (repeatable, or comma lists) in order, without repeats."""
    names: list[str] = []
    for value in values or [DEFAULT]:
        for name in (n.strip() for n in value.split(",")):
            if not name:
                continue
            if name not in WORKLOADS:
                raise SystemExit(f"itp bench: unknown workload {name!r} (known: "
                                 f"{', '.join(WORKLOADS)})")
            if name not in names:
                names.append(name)
    return names


def slice_strip(path: Path, n: int) -> list[tuple[str, bytes]]:
    """`n` equal-height JPEG slices of the strip (the last takes the remainder)."""
    with Image.open(path) as strip:
        rgb = strip.convert("RGB")
    n = max(1, min(n, rgb.height))
    height = rgb.height // n
    out = []
    for i in range(n):
        y1 = rgb.height if i == n - 1 else (i + 1) * height
        buf = io.BytesIO()
        rgb.crop((0, i * height, rgb.width, y1)).save(buf, "JPEG", quality=90)
        out.append((f"slice{i:02d}", buf.getvalue()))
    return out


def _sample(samples: Path, name: str) -> Path:
    path = samples / name
    if not path.is_file():
        raise SystemExit(f"itp bench: the sample {path} is missing (--samples DIR, or "
                         "--images PATH...)")
    return path


def workload_images(name: str, samples: Path = SAMPLES,
                    n: int | None = None) -> list[tuple[str, bytes]]:
    """The workload's images as (name, encoded bytes); `n`: only its first `n` (the strip is
    cut the same way whatever `n` is)."""
    found = WORKLOADS[name]
    if found.strip:
        return slice_strip(_sample(samples, found.strip), found.slices)[:n]
    pages = found.pages[:n] if n else found.pages
    return [(Path(p).stem, _sample(samples, p).read_bytes()) for p in pages]


def load_images(specs: Sequence[str]) -> list[tuple[str, bytes]]:
    items, problems = collect(list(specs))
    if problems:
        raise SystemExit("itp bench: " + "; ".join(problems))
    return [(it.stem, Path(it.source).read_bytes()) for it in items if not it.is_url]
