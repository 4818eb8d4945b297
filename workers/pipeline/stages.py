"""The stages as plain functions over typed values: what both transports run.

No I/O and no queues here; the embedded pipeline and the Redis workers call these.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from workers.config import Limits
from workers.imageio import decode_image
from workers.inpaint.base import Inpainter
from workers.inpaint.crops import plan_crops
from workers.inpaint.erase import apply_fills, inpaint_crops
from workers.ocr.engine import OcrEngine
from workers.process import analyse
from workers.translators.base import TranslationRequest
from workers.types import Crop, Image, PageLayout, RenderedBlock, TextLine


def decode(data: bytes, limits: Limits) -> Image:
    return decode_image(data, limits)


def ocr(engine: OcrEngine, image: Image) -> list[TextLine]:
    return engine.read(image)


def process(image: Image, lines: Sequence[TextLine], source: str) -> PageLayout:
    return analyse(image, lines, source)


def translation_request(layout: PageLayout, target: str, job_id: str,
                        page_index: int) -> TranslationRequest:
    texts = tuple(b.source_text for b in layout.blocks)
    return TranslationRequest(texts=texts, source=layout.source_lang, target=target,
                              length_hints=tuple(len(t) for t in texts), job_id=job_id,
                              page_index=page_index)


def preprocess(image: Image, layout: PageLayout) -> tuple[Image, list[Crop]]:
    """Flat blocks filled now (cheap, exact); crops cut for the textured ones."""
    return apply_fills(image, layout), plan_crops(image, layout)


def inpaint(filled: Image, crops: Sequence[Crop], inpainter: Inpainter) -> Image:
    inpaint_crops(filled, crops, inpainter)
    return filled


def render(original: Image, erased: Image, layout: PageLayout, translations: Sequence[str],
           target: str, font: Path | None) -> tuple[Image, list[RenderedBlock]]:
    """Letter the translations in. A block whose "translation" is its source text (a page
    already in the target language, a name, a sound effect kept as is) gets its original
    pixels back instead: the artist's lettering beats ours."""
    from workers.render.render import render_page

    keep = [_same_text(b.source_text, t) for b, t in zip(layout.blocks, translations,
                                                          strict=True)]
    if any(keep):
        erased = restore_blocks(original, erased, layout, keep)
    to_draw = ["" if k else t for k, t in zip(keep, translations, strict=True)]
    image, blocks = render_page(original, erased, layout, to_draw, target, font)
    return image, [replace(b, translation=b.source_text) if k else b
                   for b, k in zip(blocks, keep, strict=True)]


def _same_text(source: str, translation: str) -> bool:
    def norm(text: str) -> str:
        return "".join(ch for ch in text.casefold() if ch.isalnum())
    return bool(norm(source)) and norm(source) == norm(translation)


def restore_blocks(original: Image, erased: Image, layout: PageLayout,
                   keep: Sequence[bool]) -> Image:
    out = erased.copy()
    height, width = layout.mask.shape
    for block, restore in zip(layout.blocks, keep, strict=True):
        if not restore:
            continue
        x0, y0, x1, y1 = block.region(width, height)
        sel = layout.mask[y0:y1, x0:x1] > 0
        out[y0:y1, x0:x1][sel] = original[y0:y1, x0:x1][sel]
    return out


def unrendered(layout: PageLayout) -> list[RenderedBlock]:
    """The sidecar's blocks when nothing is lettered (translator `none`)."""
    return [RenderedBlock(b.index, b.bbox, b.direction, b.source_text, "", 0, (0, 0, 0), b.erase)
            for b in layout.blocks]
