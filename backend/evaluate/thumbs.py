"""Thumbnails for the contact sheet: input, output, and the blocks drawn on a third copy."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

import numpy as np
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont

from backend.evaluate.dataset import GroundTruth
from backend.evaluate.page import PageRecord
from workers.types import Box, Image

MAX_WIDTH = 360
# Tall strips are shrunk to this height (the sheet links to the full-size output).
MAX_HEIGHT = 4800
QUALITY = 80
TRUTH = (0, 170, 0)
TEXT_BOX = (230, 0, 0)
FIT_BOX = (0, 90, 255)
KEPT_BOX = (150, 150, 150)


@dataclass(frozen=True, slots=True)
class Thumbs:
    """Base64 JPEGs, ready for a `data:` URI."""

    input: str
    output: str
    blocks: str
    scale: float


def scale_for(width: int, height: int) -> float:
    # Small crops are shown enlarged (up to 2x) so their text can be read on the sheet.
    return min(2.0, MAX_WIDTH / width, MAX_HEIGHT / height)


def resized(image: Image, scale: float) -> PILImage.Image:
    pil = PILImage.fromarray(image)
    if scale == 1.0:
        return pil
    size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
    return pil.resize(size, PILImage.Resampling.LANCZOS)


def jpeg_base64(image: PILImage.Image) -> str:
    buf = io.BytesIO()
    image.convert("RGB").save(buf, "JPEG", quality=QUALITY, optimize=True)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _scaled(box: Box, scale: float) -> tuple[float, float, float, float]:
    return (box[0] * scale, box[1] * scale, box[2] * scale - 1, box[3] * scale - 1)


def draw_blocks(base: PILImage.Image, scale: float, record: PageRecord,
                truth: GroundTruth | None) -> PILImage.Image:
    """Ground-truth regions in green, the pipeline's text boxes in red (grey when the
    lettering was kept) with their reading-order number, fitted boxes in blue."""
    view = base.convert("RGB")
    # Washed out, so the boxes stand out from the artwork.
    view = PILImage.blend(view, PILImage.new("RGB", view.size, (255, 255, 255)), 0.45)
    draw = ImageDraw.Draw(view)
    font = ImageFont.load_default(size=max(10, min(16, round(28 * scale))))
    if truth is not None:
        for region in truth.regions:
            if region.bbox is not None:
                draw.rectangle(_scaled(region.bbox, scale), outline=TRUTH, width=2)
    for row in record.blocks:
        if not row.kept:
            draw.rectangle(_scaled(row.fit_bbox, scale), outline=FIT_BOX, width=1)
        colour = KEPT_BOX if row.kept else TEXT_BOX
        x0, y0, _, _ = _scaled(row.bbox, scale)
        draw.rectangle(_scaled(row.bbox, scale), outline=colour, width=2)
        label = str(row.index + 1)
        left, top, right, bottom = draw.textbbox((x0, y0), label, font=font)
        draw.rectangle((left - 1, top - 1, right + 1, bottom + 1), fill=colour)
        draw.text((x0, y0), label, fill=(255, 255, 255), font=font)
    return view


def make_thumbs(source: Image, output: Image, record: PageRecord,
                truth: GroundTruth | None) -> Thumbs:
    scale = scale_for(source.shape[1], source.shape[0])
    small = resized(source, scale)
    out = resized(np.ascontiguousarray(output), scale)
    return Thumbs(jpeg_base64(small), jpeg_base64(out),
                  jpeg_base64(draw_blocks(small, scale, record, truth)), scale)


def input_thumb(source: Image) -> Thumbs:
    """A failed image: its input alone."""
    scale = scale_for(source.shape[1], source.shape[0])
    small = jpeg_base64(resized(source, scale))
    return Thumbs(small, "", "", scale)
