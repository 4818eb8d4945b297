"""The text mask: glyph pixels inside each line box, dilated over anti-aliasing.

Masking whole line boxes would make the inpainter repaint art between the glyphs; masking the
glyphs alone leaves a faint halo. So: inside each box, pixels far from the box's border colour
(the local background) are text; the mask is that, dilated by a fraction of the glyph size.
"""

from __future__ import annotations

import cv2
import numpy as np

from workers.types import RGB, Box, Image, Mask, TextLine

# Below this colour distance a pixel is background even if Otsu says otherwise (flat pages).
MIN_TEXT_CONTRAST = 28
# When more of the box than this is "text", the split failed (text on busy art): take the box.
MAX_TEXT_SHARE = 0.65


def _expand(box: Box, pad: int, width: int, height: int) -> Box:
    x0, y0, x1, y1 = box
    return (max(0, x0 - pad), max(0, y0 - pad), min(width, x1 + pad), min(height, y1 + pad))


def flat_background(image: Image, line: TextLine) -> RGB | None:
    """The colour around a line when it is one flat colour (a bubble, a caption box), else
    None (art, screentone)."""
    height, width = image.shape[:2]
    x0, y0, x1, y1 = _expand(line.bbox, 2, width, height)
    if x1 - x0 < 3 or y1 - y0 < 3:
        return None
    crop = image[y0:y1, x0:x1]
    border = np.concatenate([crop[0], crop[-1], crop[:, 0], crop[:, -1]]).astype(np.int16)
    median = np.median(border, axis=0)
    if (np.abs(border - median).max(axis=1) <= MIN_TEXT_CONTRAST).mean() < 0.8:
        return None
    return (int(median[0]), int(median[1]), int(median[2]))


def line_text_pixels(crop: Image) -> Mask:
    """255 where the crop's pixel belongs to a glyph (or its outline)."""
    border = np.concatenate([crop[0], crop[-1], crop[:, 0], crop[:, -1]]).astype(np.int16)
    background = np.median(border, axis=0)
    diff = np.abs(crop.astype(np.int16) - background).max(axis=2).astype(np.uint8)
    otsu, _ = cv2.threshold(diff, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    text = diff > max(MIN_TEXT_CONTRAST, otsu * 0.6)
    if text.mean() > MAX_TEXT_SHARE or not text.any():
        return np.full(crop.shape[:2], 255, np.uint8)
    out: Mask = text.astype(np.uint8) * 255
    return out


def dilation_px(line: TextLine) -> int:
    return max(2, round(0.12 * line.height))


def build_mask(image: Image, lines: list[TextLine]) -> Mask:
    height, width = image.shape[:2]
    mask = np.zeros((height, width), np.uint8)
    for line in lines:
        x0, y0, x1, y1 = _expand(line.bbox, 2, width, height)
        if x1 - x0 < 3 or y1 - y0 < 3:
            continue
        text = line_text_pixels(image[y0:y1, x0:x1])
        r = dilation_px(line)
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
        # Dilate inside a padded canvas so the halo may reach just past the line box.
        padded = cv2.copyMakeBorder(text, r, r, r, r, cv2.BORDER_CONSTANT, value=0)
        grown = cv2.dilate(padded, kernel)
        gx0, gy0, gx1, gy1 = x0 - r, y0 - r, x1 + r, y1 + r
        cx0, cy0 = max(0, gx0), max(0, gy0)
        cx1, cy1 = min(width, gx1), min(height, gy1)
        region = grown[cy0 - gy0 : cy1 - gy0, cx0 - gx0 : cx1 - gx0]
        np.maximum(mask[cy0:cy1, cx0:cx1], region, out=mask[cy0:cy1, cx0:cx1])
    return mask
