"""The flat fill: a block on one colour is erased by painting its glyph mask that colour.

Exact and free, and inside a bubble clipped to the bubble's interior: the mask grown over
the glyphs' anti-aliasing may reach the outline, the paint never does.

Off a bubble (text on an open flat area) a letter can stand half on the flat colour and
half on the art beside it (a translucent box over a drawing, a title crossing into a
panel). There each mask pixel takes the side of the page nearest to it: next to the
background colour it is painted, next to anything else it is left to the inpainter
(`fill_page`), which continues the art instead of smearing the flat colour over it.

A block on art may still have plain ground right around some letters (a caption box too
tight to be taken for a flat region, a sky): a letter whose surroundings are mostly the
block's background colour (grain and JPEG speckle aside) is painted that colour too, and
only the others go to the inpainter, which would otherwise copy the nearest border or
outline into the gap.
"""

from __future__ import annotations

from collections.abc import Iterator

import cv2
import numpy as np
import numpy.typing as npt

from workers.types import Block, Box, Image, Mask, PageLayout, grow_box

Bool = npt.NDArray[np.bool_]

# A pixel this close (per channel) to a block's background colour is background.
SAME_COLOUR = 40
# The background test is smoothed over a square this wide: paper grain and JPEG speckle
# next to a letter do not send it to the inpainter.
SMOOTH_PX = 5
# Unmasked islands of at most this many pixels inside a mask are specks in a letter.
SPECK_PX = 25
# A letter's surroundings: the pixels this close to it. They are plain ground when this
# share of them (lightly blurred: grain) lies within PLAIN_NOISE of the block's background
# colour (what surrounds its glyphs).
RING_PX = 3.0
PLAIN_SHARE = 0.7
PLAIN_NOISE = 24
# How far past its line box a glyph mask may reach, in line heights
# (`workers.process.glyphs` and `workers.process.keep`: the box's slack, a shape poking out
# of it, an outline around it and the anti-aliased edge, rounded up).
MASK_REACH = 1.25


def _beside_background(crop: Image, sel: Bool, colour: tuple[int, int, int]) -> Bool:
    """The pixels of `sel` whose nearest pixel outside it is the background colour."""
    # Specks left unmasked inside a letter are not the page beside it.
    _, labels, stats, _ = cv2.connectedComponentsWithStats((~sel).astype(np.uint8),
                                                           connectivity=4)
    speck = stats[:, cv2.CC_STAT_AREA] <= SPECK_PX
    speck[0] = False
    outside = ~sel & ~speck[labels]
    if not outside.any():
        return sel
    close = np.abs(crop.astype(np.int16) - np.array(colour, np.int16)).max(axis=2) \
        <= SAME_COLOUR
    share = cv2.blur(close.astype(np.float32), (SMOOTH_PX, SMOOTH_PX))
    _, labels = cv2.distanceTransformWithLabels((~outside).astype(np.uint8), cv2.DIST_L2,
                                                5, labelType=cv2.DIST_LABEL_PIXEL)
    # Each outside pixel has its own label; every pixel of `sel` the label of the outside
    # pixel nearest to it.
    table = np.zeros(int(labels.max()) + 1, bool)
    table[labels[outside]] = share[outside] >= 0.5
    out: Bool = sel & table[labels]
    return out


def _on_plain_ground(crop: Image, sel: Bool, colour: tuple[int, int, int]) -> Bool:
    """The shapes of `sel` (over `crop`) whose ring of surroundings is mostly `colour`."""
    _, labels = cv2.distanceTransformWithLabels((~sel).astype(np.uint8), cv2.DIST_L2, 5,
                                                labelType=cv2.DIST_LABEL_CCOMP)
    dist = cv2.distanceTransform((~sel).astype(np.uint8), cv2.DIST_L2, 5)
    ring = ~sel & (dist <= RING_PX)
    count = int(labels.max()) + 1
    which = labels[ring]
    # Lightly blurred: grain and JPEG speckle average out, screentone dots do not.
    soft = cv2.blur(crop, (3, 3))[ring].astype(np.int16)
    close = np.abs(soft - np.array(colour, np.int16)).max(axis=1) <= PLAIN_NOISE
    plain = np.bincount(which, close, minlength=count) \
        / np.maximum(np.bincount(which, minlength=count), 1) >= PLAIN_SHARE
    plain[0] = False
    out: Bool = sel & plain[labels]
    return out


def _reach(block: Block, width: int, height: int) -> Box:
    """Where the block's glyph mask can be: its box grown by MASK_REACH."""
    return grow_box(block.bbox, round(MASK_REACH * block.line_height) + 2, width, height)


def _nearest_model(layout: PageLayout, box: Box) -> Bool:
    """Over `box`: the line box nearest to each pixel is a `model` block's (the page is one
    mask; this says whose glyphs a masked pixel is). Where line boxes overlap, the model
    block's line wins: its letters there go to the model as before."""
    bx0, by0, bx1, by1 = box
    seeds = np.zeros((by1 - by0, bx1 - bx0), np.uint8)  # 0: no line, 1: a flat block's, 2: model
    for block in sorted(layout.blocks, key=lambda b: b.erase == "model"):
        for line in block.lines:
            x0, y0, x1, y1 = line.bbox
            seeds[max(0, y0 - by0):max(0, y1 - by0), max(0, x0 - bx0):max(0, x1 - bx0)] = \
                2 if block.erase == "model" else 1
    inside = seeds > 0
    _, nearest = cv2.distanceTransformWithLabels((~inside).astype(np.uint8), cv2.DIST_L2, 5,
                                                 labelType=cv2.DIST_LABEL_PIXEL)
    table = np.zeros(int(nearest.max()) + 1, bool)
    table[nearest[inside]] = seeds[inside] == 2
    out: Bool = table[nearest]
    return out


def model_pixels(layout: PageLayout) -> Mask:
    """The mask pixels of `model` blocks (near their lines, off flat bubbles). A glyph
    nearer to a flat block's lines is that block's, painted with its colour: a crop of
    the model's around a column on tone must not take in the letters of a title set on
    the white beside it (the model would fill them with the tone)."""
    height, width = layout.mask.shape
    area = np.zeros((height, width), bool)
    reach = 0
    for block in layout.blocks:
        if block.erase != "model":
            continue
        # Glyph masks reach at most MASK_REACH past their line boxes.
        pad = round(MASK_REACH * block.line_height) + 2
        reach = max(reach, pad)
        for line in block.lines:
            x0, y0, x1, y1 = line.bbox
            area[max(0, y0 - pad): y1 + pad, max(0, x0 - pad): x1 + pad] = True
    if area.any() and any(b.erase == "fill" for b in layout.blocks):
        # Every pixel of the area lies within `reach` of a model line on both axes, so a
        # line nearer to it lies within twice that of the area: the rest of the page (most
        # of it, and this runs three times per page) need not be looked at.
        x, y, w, h = cv2.boundingRect(area.astype(np.uint8))
        x0, y0, x1, y1 = box = grow_box((x, y, x + w, y + h), 2 * reach, width, height)
        area[y0:y1, x0:x1] &= _nearest_model(layout, box)
    for block in layout.blocks:
        if block.erase == "fill" and block.bubble is not None:
            x0, y0, x1, y1 = block.bubble.box
            area[y0:y1, x0:x1] &= block.bubble.interior == 0
    out: Mask = np.where(area, layout.mask, 0).astype(np.uint8)
    return out


def _plans(image: Image, layout: PageLayout,
           ) -> Iterator[tuple[Box, Bool, Bool, tuple[int, int, int]]]:
    """Per block: a box, its mask pixels there that the block erases, those painted, and
    the colour they are painted."""
    height, width = layout.mask.shape
    model = model_pixels(layout)
    for block in layout.blocks:
        if block.erase == "model":
            box = _reach(block, width, height)
            x0, y0, x1, y1 = box
            sel = model[y0:y1, x0:x1] > 0
            if sel.any():
                yield box, sel, _on_plain_ground(image[y0:y1, x0:x1], sel,
                                                 block.background), block.background
            continue
        if block.erase != "fill":
            continue
        if block.bubble is not None:
            box = block.bubble.box
            x0, y0, x1, y1 = box
            sel = (layout.mask[y0:y1, x0:x1] > 0) & (block.bubble.interior > 0)
            yield box, sel, sel, block.bubble.fill
            continue
        box = block.region(width, height)
        x0, y0, x1, y1 = box
        sel = layout.mask[y0:y1, x0:x1] > 0
        yield box, sel, _beside_background(image[y0:y1, x0:x1], sel, block.background), \
            block.background


def fill_page(image: Image, layout: PageLayout) -> tuple[Image, Mask]:
    """The page with its fills painted (`apply_fills`) and the mask pixels they leave to the
    inpainter (255), from one plan: working the plan out is most of the cost."""
    out = image.copy()
    left: Mask = np.zeros(layout.mask.shape, np.uint8)
    for (x0, y0, x1, y1), sel, painted, colour in _plans(image, layout):
        out[y0:y1, x0:x1][painted] = np.array(colour, np.uint8)
        left[y0:y1, x0:x1][sel & ~painted] = 255
    return out, left


def apply_fills(image: Image, layout: PageLayout) -> Image:
    """A copy of the page with every flat block's glyph mask set to its background colour
    (inside a bubble, clipped to the bubble's interior, so its outline is never touched),
    and the letters of other blocks that stand on plain ground painted that ground's."""
    return fill_page(image, layout)[0]
