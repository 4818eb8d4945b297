"""Typed stage values as bytes, for the distributed transport's blobs.

One container format: a JSON header (the small values) followed by the raw bytes of the
arrays it lists (dtype, shape), so an image costs a copy, not an encode: `ITPB` + header
length (4 bytes, little-endian) + header + arrays. No pickle: a blob from a shared store can
only ever become data.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from workers.config import Limits, Settings, TranslatorSettings
from workers.errors import ERROR_CODES, InternalError, ItpError
from workers.types import Block, Crop, Image, PageLayout, PageResult, RenderedBlock, TextLine

MAGIC = b"ITPB"
Json = Any


def pack(meta: Json, arrays: Sequence[npt.NDArray[Any]] = ()) -> bytes:
    specs = [[a.dtype.str, list(a.shape)] for a in arrays]
    header = json.dumps({"meta": meta, "arrays": specs}, separators=(",", ":")).encode()
    parts = [MAGIC, len(header).to_bytes(4, "little"), header]
    parts += [np.ascontiguousarray(a).tobytes() for a in arrays]
    return b"".join(parts)


def unpack(data: bytes) -> tuple[Json, list[npt.NDArray[Any]]]:
    if data[:4] != MAGIC:
        raise ValueError("not an itp blob")
    size = int.from_bytes(data[4:8], "little")
    header = json.loads(data[8:8 + size])
    offset = 8 + size
    arrays = []
    for dtype, shape in header["arrays"]:
        dt = np.dtype(dtype)
        count = int(np.prod(shape)) if shape else 1
        end = offset + count * dt.itemsize
        # A copy: stages write into their arrays (the inpainter pastes in place).
        arrays.append(np.frombuffer(data[offset:end], dtype=dt).reshape(shape).copy())
        offset = end
    return header["meta"], arrays


def _u8(array: npt.NDArray[Any]) -> Image:
    return array.astype(np.uint8, copy=False)


# -- images and lines ------------------------------------------------------------------------

def dump_image(image: Image) -> bytes:
    return pack(None, [image])


def load_image(data: bytes) -> Image:
    return _u8(unpack(data)[1][0])


def _line(line: TextLine) -> Json:
    return [[list(p) for p in line.polygon], line.text, line.score, line.vertical]


def _parse_line(raw: Json) -> TextLine:
    polygon, text, score, vertical = raw
    return TextLine(tuple((float(x), float(y)) for x, y in polygon), text, float(score),
                    bool(vertical))


def dump_lines(lines: list[TextLine]) -> bytes:
    return pack([_line(line) for line in lines])


def load_lines(data: bytes) -> list[TextLine]:
    return [_parse_line(raw) for raw in unpack(data)[0]]


def dump_texts(texts: list[str]) -> bytes:
    return pack(list(texts))


def load_texts(data: bytes) -> list[str]:
    return [str(t) for t in unpack(data)[0]]


# -- layout and crops ------------------------------------------------------------------------

def dump_layout(layout: PageLayout) -> bytes:
    blocks = [{"index": b.index, "bbox": list(b.bbox), "lines": [_line(ln) for ln in b.lines],
               "direction": b.direction, "erase": b.erase, "background": list(b.background)}
              for b in layout.blocks]
    meta = {"width": layout.width, "height": layout.height, "source": layout.source_lang,
            "blocks": blocks}
    return pack(meta, [layout.mask])


def load_layout(data: bytes) -> PageLayout:
    meta, (mask,) = unpack(data)
    blocks = [Block(index=b["index"], bbox=_box(b["bbox"]),
                    lines=[_parse_line(ln) for ln in b["lines"]], direction=b["direction"],
                    erase=b["erase"], background=_rgb(b["background"]))
              for b in meta["blocks"]]
    return PageLayout(meta["width"], meta["height"], blocks, _u8(mask), meta["source"])


def dump_crops(crops: list[Crop]) -> bytes:
    meta = [{"box": list(c.box), "size_class": c.size_class,
             "blocks": list(c.block_indices)} for c in crops]
    arrays = [a for c in crops for a in (c.image, c.mask)]
    return pack(meta, arrays)


def load_crops(data: bytes) -> list[Crop]:
    meta, arrays = unpack(data)
    return [Crop(_box(m["box"]), _u8(arrays[2 * i]), _u8(arrays[2 * i + 1]), m["size_class"],
                 tuple(m["blocks"])) for i, m in enumerate(meta)]


# -- the finished page -----------------------------------------------------------------------

def dump_result(result: PageResult) -> bytes:
    meta = {"width": result.width, "height": result.height, "source": result.source,
            "target": result.target, "timings": result.timings,
            "blocks": [asdict(b) for b in result.blocks]}
    return pack(meta, [result.image])


def load_result(data: bytes) -> PageResult:
    meta, (image,) = unpack(data)
    blocks = [RenderedBlock(index=b["index"], bbox=_box(b["bbox"]), direction=b["direction"],
                            source_text=b["source_text"], translation=b["translation"],
                            font_size=b["font_size"], fg=_rgb(b["fg"]), erase=b["erase"],
                            outline=_rgb(b["outline"]) if b["outline"] is not None else None,
                            overflow=b["overflow"])
              for b in meta["blocks"]]
    return PageResult(_u8(image), meta["width"], meta["height"], meta["source"],
                      meta["target"], blocks, {k: float(v) for k, v in meta["timings"].items()})


def _box(raw: Json) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = (int(v) for v in raw)
    return (x0, y0, x1, y1)


def _rgb(raw: Json) -> tuple[int, int, int]:
    r, g, b = (int(v) for v in raw)
    return (r, g, b)


# -- settings and errors ---------------------------------------------------------------------

# Credentials stay on the machines that use them: a translate worker takes its own (its
# environment or config), never a secret read back from a shared Redis.
SECRET_EXTRAS = frozenset({"client_secret"})


def dump_settings(settings: Settings) -> str:
    raw = asdict(settings)
    raw["translator"]["api_key"] = ""
    raw["translator"]["extra"] = [[k, v] for k, v in settings.translator.extra
                                  if k not in SECRET_EXTRAS]
    return json.dumps(raw, default=str, sort_keys=True)


def load_settings(text: str) -> Settings:
    raw = json.loads(text)
    tr = raw.pop("translator", {})
    tr["extra"] = tuple((str(k), str(v)) for k, v in tr.get("extra", ()))
    tr["glossary"] = Path(tr["glossary"]) if tr.get("glossary") else None
    limits = Limits(**raw.pop("limits", {}))
    for name in ("font", "lama_weights", "cache_dir"):
        raw[name] = Path(raw[name]) if raw.get(name) else None
    known = {f.name for f in fields(Settings)}
    kwargs = {k: v for k, v in raw.items() if k in known}
    translator_known = {f.name for f in fields(TranslatorSettings)}
    translator = TranslatorSettings(**{k: v for k, v in tr.items() if k in translator_known})
    return Settings(**kwargs, translator=translator, limits=limits)


def _error_classes() -> dict[str, type[ItpError]]:
    found: dict[str, type[ItpError]] = {}
    pending: list[type[ItpError]] = ItpError.__subclasses__()
    while pending:
        cls = pending.pop(0)
        found.setdefault(cls.code, cls)
        pending += cls.__subclasses__()
    return {code: found[code] for code in ERROR_CODES if code in found}


def load_error(code: str, message: str, retryable: bool) -> ItpError:
    """The coded error a worker reported, as the class that carries that code."""
    cls = _error_classes().get(code, InternalError)
    return cls(message, retryable=retryable)
