"""The preprocess stage: cut model-ready crops around the glyph masks of textured blocks.

Only those masks plus a margin of context go through the model (a flat block's glyphs are
filled with its colour first, so the model sees erased bubbles beside the art, never their
text): on a webtoon slice that is a few percent of the pixels. A line whose mask lies in
parts far apart gets a crop per part when that is cheaper than one for the line. Crops
that overlap are merged (the model must see each pixel once), sides are rounded up to a
multiple of 16 so equal shapes batch together.

Each crop carries the scale at which a learned model may work on it, so its text lines are
at most MODEL_LINE_PX tall (and its long side at most MODEL_MAX_SIDE): the model's cost grows
with pixels, and filling a stroke 36 px wide needs no more detail than filling one 18 px
wide. A patch-copying model works at full size instead (`workers.inpaint.batched`). Only
masked pixels are pasted back, so the page outside the text keeps its full resolution.
"""

from __future__ import annotations

import cv2
import numpy as np

from workers.inpaint.fills import MASK_REACH, fill_page
from workers.types import (
    Block,
    Box,
    Crop,
    Image,
    Mask,
    PageLayout,
    SizeClass,
    box_area,
    intersection,
    overlaps,
    u8,
    union_box,
)

ROUND_TO = 16
# Above this long side a crop is a `long` one: batched separately, as it needs more memory.
SHORT_MAX = 512
# The model works at most at this long side; bigger crops are scaled down for it.
MODEL_MAX_SIDE = 1024
# Overlapping crops merge while their bounding box is at most this much bigger than both.
MERGE_SLACK = 1.25
# Text lines are scaled to at most this height for the model.
MODEL_LINE_PX = 28
# The hole handed to the model is grown by this much past the glyph mask: a patch-copying
# model takes its patches from the ring just outside the hole, and the last anti-aliased
# pixels of a letter there would come back inside it as pale fragments of the letter.
HOLE_GROW_PX = 2
# Pinholes in the mask (a letter's counter, a speck of its colour the mask did not take) up
# to this share of a line across are part of the hole, for the same reason.
PINHOLE_LINES = 0.5
# Parts of a line's mask further apart than this many line heights go to the model in
# crops of their own: the space between them is context no fill needs.
CLUSTER_GAP_LINES = 2.0
# What a crop costs besides its pixels, in model pixels: LaMa on ONNX Runtime takes about
# 30 ms a call however small (0.035 s at 16x16, 0.134 s at 64x64, 0.55 s at 192x192, two
# threads), so a line is cut into parts only when that saves more than this per part.
CROP_FIXED_PX = 64 * 64


def _margin(line_height: float) -> int:
    """Context around each line: a little over half a line. The glyphs' own gaps give the
    model most of its context; every extra row of margin costs a full crop width."""
    return int(min(64, max(8, 0.6 * line_height)))


def _merge(boxes: list[Box]) -> list[Box]:
    """Overlapping boxes become one when their union costs little more than the two: an
    L-shaped pair stays two crops (the overlap is inpainted twice, which is cheaper than
    the empty corner of their bounding box)."""
    merged = True
    while merged:
        merged = False
        out: list[Box] = []
        for box in boxes:
            for i, other in enumerate(out):
                if not overlaps(box, other):
                    continue
                union = union_box((box, other))
                inter = intersection(box, other)
                if box_area(union) <= MERGE_SLACK * (box_area(box) + box_area(other) - inter):
                    out[i] = union
                    merged = True
                    break
            else:
                out.append(box)
        boxes = out
    return boxes


def _round_up(box: Box, width: int, height: int) -> Box:
    """Grow the box to multiples of ROUND_TO (when the page allows), keeping it centred."""
    x0, y0, x1, y1 = box
    tw = min(width, -(-(x1 - x0) // ROUND_TO) * ROUND_TO)
    th = min(height, -(-(y1 - y0) // ROUND_TO) * ROUND_TO)
    x0 = max(0, min(x0 - (tw - (x1 - x0)) // 2, width - tw))
    y0 = max(0, min(y0 - (th - (y1 - y0)) // 2, height - th))
    return (x0, y0, x0 + tw, y0 + th)


def size_class(box: Box) -> SizeClass:
    return "long" if max(box[2] - box[0], box[3] - box[1]) > SHORT_MAX else "short"


def _line_boxes(block: Block, mask: Mask, width: int, height: int) -> list[Box]:
    """Boxes with their margin around each line's mask, where the model has something to
    fill. Per line, not per block: a block that chains several bubbles would otherwise take
    the empty art between them along into the model."""
    m = _margin(block.line_height)
    reach = round(MASK_REACH * block.line_height) + 2
    # A crop's fixed cost in page pixels, at the scale the model will work at.
    fixed = CROP_FIXED_PX / min(1.0, MODEL_LINE_PX / max(block.line_height, 1.0)) ** 2
    boxes = []
    for line in block.lines:
        x0, y0, x1, y1 = line.bbox
        # The crop takes the line's mask, wherever it reaches (outlined letters, a mark
        # beside the line) and only that (a line half on plain ground), with the margin.
        ax0, ay0 = max(0, x0 - reach), max(0, y0 - reach)
        parts = _clusters(mask[ay0: y1 + reach, ax0: x1 + reach],
                          round(CLUSTER_GAP_LINES * block.line_height), m)
        if len(parts) > 1:
            whole = union_box(parts)
            if sum(box_area(p) + fixed for p in parts) >= box_area(whole):
                parts = [whole]
        for bx0, by0, bx1, by1 in parts:
            boxes.append((max(0, ax0 + bx0), max(0, ay0 + by0),
                          min(width, ax0 + bx1), min(height, ay0 + by1)))
    return boxes


def _clusters(mask: Mask, gap: int, margin: int) -> list[Box]:
    """Boxes, in the mask's coordinates and `margin` wider all round (so they may reach
    past it), around the groups of mask pixels that lie within about `gap` of each other.
    With a gap of a line or more, a line's letters are one group, the box around all of
    them; a line of which the mask holds a few specks far apart (the letters that touch
    the art are kept) gets a small box around each, not the whole line's length of
    context."""
    ys, xs = np.nonzero(mask)
    if len(xs) == 0:
        return []
    x0, y0 = int(xs.min()), int(ys.min())
    x1, y1 = int(xs.max()) + 1, int(ys.max()) + 1
    if (x1 - x0) <= gap and (y1 - y0) <= gap:
        return [(x0 - margin, y0 - margin, x1 + margin, y1 + margin)]
    # A square of about a gap across around each pixel: the squares of two pixels touch
    # when the pixels lie within about a gap of each other on both axes.
    half = (gap + 1) // 2
    inner = cv2.copyMakeBorder(u8(mask[y0:y1, x0:x1] > 0) * np.uint8(255),
                               half, half, half, half, cv2.BORDER_CONSTANT, value=0)
    grown = cv2.dilate(inner, cv2.getStructuringElement(cv2.MORPH_RECT,
                                                        (2 * half + 1, 2 * half + 1)))
    count, labels = cv2.connectedComponents(grown, connectivity=8)
    group = labels[ys - y0 + half, xs - x0 + half]
    boxes = []
    for label in range(1, count):
        gx, gy = xs[group == label], ys[group == label]
        boxes.append((int(gx.min()) - margin, int(gy.min()) - margin,
                      int(gx.max()) + 1 + margin, int(gy.max()) + 1 + margin))
    return boxes


def plan_crops(image: Image, layout: PageLayout,
               filled: tuple[Image, Mask] | None = None) -> list[Crop]:
    """Crops around the glyph masks the model fills, cut from the page with its flat
    blocks already filled (the model sees the erased bubble next to the art, not text).
    `filled`: `fill_page`'s result for this page, where the caller has it."""
    height, width = image.shape[:2]
    filled_page, mask_all = filled or fill_page(image, layout)
    if not mask_all.any():
        return []
    boxes: list[Box] = []
    owners: list[set[int]] = []
    for block in layout.blocks:
        for box in _line_boxes(block, mask_all, width, height):
            boxes.append(box)
            owners.append({block.index})
    heights = {b.index: b.line_height for b in layout.blocks}
    crops = []
    for merged in _merge(boxes):
        box = _round_up(merged, width, height)
        x0, y0, x1, y1 = box
        mask = mask_all[y0:y1, x0:x1]
        if not mask.any():
            continue
        idx = tuple(sorted(i for b, o in zip(boxes, owners, strict=True) if overlaps(b, box)
                           for i in o))
        patch = filled_page[y0:y1, x0:x1].copy()
        line_px = min((heights[i] for i in idx), default=MODEL_LINE_PX) or MODEL_LINE_PX
        scale = min(1.0, MODEL_LINE_PX / line_px, MODEL_MAX_SIDE / max(x1 - x0, y1 - y0))
        model_box = (0, 0, round((x1 - x0) * scale), round((y1 - y0) * scale))
        crops.append(Crop(box, patch, mask.copy(), size_class(model_box), idx, scale))
    return crops


def solid(mask: Mask, pinhole_px: int) -> Mask:
    """The crop's hole without pinholes (enclosed gaps at most `pinhole_px` across), grown by
    HOLE_GROW_PX."""
    h, w = mask.shape
    gaps = (mask == 0).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(gaps, connectivity=4)
    x, y, gw, gh = (stats[:, i] for i in range(4))
    small = (np.maximum(gw, gh) <= pinhole_px) & (x > 0) & (y > 0) & (x + gw < w) & (y + gh < h)
    small[0] = False
    holes = small[labels] & (gaps > 0) if count > 1 else np.zeros((h, w), bool)
    grown = cv2.dilate(np.where(holes | (mask > 0), 255, 0).astype(np.uint8),
                       cv2.getStructuringElement(cv2.MORPH_ELLIPSE,
                                                 (2 * HOLE_GROW_PX + 1, 2 * HOLE_GROW_PX + 1)))
    return u8(grown)


def to_model_size(crop: Crop) -> tuple[Image, Mask, float]:
    """What the inpainter is given for a crop: its pixels, the hole to fill and the scale
    the model may work at (`InpaintItem`); the inpainter denoises and scales as its model
    needs. The hole is the mask made `solid`; only the mask itself is pasted back (`paste`),
    so the pixels around the glyphs keep their own values."""
    # Lines are at most MODEL_LINE_PX tall where the crop is not scaled, and that divided by
    # the scale where it is.
    line_px = MODEL_LINE_PX / crop.scale
    return crop.image, solid(crop.mask, round(PINHOLE_LINES * line_px)), crop.scale


def shrink(image: Image, mask: Mask, scale: float) -> tuple[Image, Mask]:
    """A crop as a learned model sees it: denoised (it would continue JPEG noise as texture)
    and scaled by `scale` (<= 1)."""
    image = u8(cv2.bilateralFilter(image, 5, 25, 5))
    if scale >= 1:
        return image, mask
    h, w = mask.shape
    size = (max(8, round(w * scale)), max(8, round(h * scale)))
    small = u8(cv2.resize(image, size, interpolation=cv2.INTER_AREA))
    # Any coverage counts: a thin stroke must not vanish from the smaller mask and come back
    # unfilled when the result is pasted at full size.
    small_mask = cv2.resize(mask, size, interpolation=cv2.INTER_AREA)
    return small, np.where(small_mask > 0, 255, 0).astype(np.uint8)


def paste(target: Image, crop: Crop, filled: Image) -> None:
    """Write the model's pixels back, only where the mask says text was."""
    x0, y0, x1, y1 = crop.box
    h, w = crop.mask.shape
    if filled.shape[:2] != (h, w):
        filled = u8(cv2.resize(filled, (w, h), interpolation=cv2.INTER_CUBIC))
    region = target[y0:y1, x0:x1]
    sel = crop.mask > 0
    region[sel] = filled[sel]
