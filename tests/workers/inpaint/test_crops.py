from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from workers.inpaint.base import InpaintItem
from workers.inpaint.crops import (
    MODEL_LINE_PX,
    MODEL_MAX_SIDE,
    ROUND_TO,
    paste,
    plan_crops,
    shrink,
    solid,
    to_model_size,
)
from workers.inpaint.erase import apply_fills, inpaint_crops
from workers.inpaint.opencv import OpenCVInpainter
from workers.types import Block, Image, Mask, PageLayout, TextLine


def layout_with(blocks: list[tuple[tuple[int, int, int, int], str]], size: tuple[int, int],
                ) -> PageLayout:
    h, w = size
    mask = np.zeros((h, w), np.uint8)
    out = []
    for i, ((x0, y0, x1, y1), erase) in enumerate(blocks):
        mask[y0:y1, x0:x1] = 255
        line = TextLine(((x0, y0), (x1, y0), (x1, y1), (x0, y1)), "T", 0.9, False)
        out.append(Block(i, (x0, y0, x1, y1), [line], "h", erase, (250, 250, 250)))  # type: ignore[arg-type]
    return PageLayout(w, h, out, mask, "en")


def test_crops_only_around_model_blocks_rounded_and_merged() -> None:
    # Art (noise) around the model blocks, a plain ground around the flat one.
    image = np.random.default_rng(2).integers(0, 255, (2000, 800, 3), dtype=np.uint8)
    image[1450:1600, 50:350] = 250
    layout = layout_with([((100, 100, 300, 140), "model"), ((120, 150, 320, 190), "model"),
                          ((100, 1500, 300, 1540), "fill")], (2000, 800))
    crops = plan_crops(image, layout)
    assert len(crops) == 1, "overlapping blocks share one crop; flat blocks need none"
    x0, y0, x1, y1 = crops[0].box
    assert (x1 - x0) % ROUND_TO == 0 and (y1 - y0) % ROUND_TO == 0
    assert x0 <= 100 and y0 <= 100 and x1 >= 320 and y1 >= 190
    assert (x1 - x0) * (y1 - y0) < 0.1 * 2000 * 800, "a small share of the page"
    assert crops[0].size_class == "short"


def test_fill_changes_only_masked_pixels_of_flat_blocks() -> None:
    image = np.full((200, 200, 3), 255, np.uint8)
    image[50:60, 50:150] = 0
    layout = layout_with([((45, 45, 155, 65), "fill")], (200, 200))
    layout.mask[:] = 0
    layout.mask[50:60, 50:150] = 255
    out = apply_fills(image, layout)
    assert out[50:60, 50:150].min() == 250
    assert np.array_equal(out[layout.mask == 0], image[layout.mask == 0])


def test_model_results_pasted_only_inside_mask() -> None:
    rng = np.random.default_rng(0)
    image: Image = rng.integers(0, 255, (300, 300, 3), dtype=np.uint8)
    layout = layout_with([((100, 100, 200, 130), "model")], (300, 300))
    crops = plan_crops(image, layout)
    target = image.copy()

    class Black:
        name = "black"

        def inpaint(self, items: Sequence[InpaintItem]) -> list[Image]:
            return [np.zeros_like(it.image) for it in items]

    inpaint_crops(target, crops, Black())
    assert target[100:130, 100:200].max() == 0
    outside = layout.mask == 0
    assert np.array_equal(target[outside], image[outside])


def test_crops_are_scaled_for_the_model_and_back() -> None:
    image = np.full((3000, 1500, 3), 200, np.uint8)
    layout = layout_with([((100, 100, 1400, 2900), "model")], (3000, 1500))
    # Fifty-six lines of 50 px: the model sees them at MODEL_LINE_PX, and never more than
    # MODEL_MAX_SIDE on the long side.
    layout.blocks[0].lines = [
        TextLine(((100, y), (1400, y), (1400, y + 50), (100, y + 50)), "T", 0.9, False)
        for y in range(100, 2900, 50)]
    crop = plan_crops(image, layout)[0]
    assert crop.size_class == "long"
    full, full_mask, scale = to_model_size(crop)
    x0, y0, x1, y1 = crop.box
    assert scale == crop.scale == min(MODEL_LINE_PX / 50, MODEL_MAX_SIDE / max(x1 - x0, y1 - y0))
    small, small_mask = shrink(full, full_mask, scale)
    assert max(small.shape[:2]) <= MODEL_MAX_SIDE and small_mask.shape == small.shape[:2]
    # A model that works small (LaMa) gets the small crop and hands back a full-size one.
    seen: list[tuple[int, ...]] = []

    class Small(OpenCVInpainter):
        full_resolution = False

        def run_batch(self, images: list[Image], masks: list[Mask],
                      on_cpu: bool) -> list[Image]:
            seen.extend(i.shape for i in images)
            return super().run_batch(images, masks, on_cpu)

    filled = Small().inpaint([InpaintItem(full, full_mask, scale)])[0]
    assert seen == [small.shape] and filled.shape == full.shape
    target = image.copy()
    paste(target, crop, filled)
    assert target.shape == image.shape


def test_small_text_is_scaled_to_the_model_line_height() -> None:
    image = np.full((400, 600, 3), 200, np.uint8)
    layout = layout_with([((100, 100, 500, 170), "model")], (400, 600))
    layout.blocks[0].lines = [
        TextLine(((100, 100), (500, 100), (500, 170), (100, 170)), "T", 0.9, False)]
    crop = plan_crops(image, layout)[0]
    assert crop.scale == MODEL_LINE_PX / 70
    assert crop.size_class == "short"


def test_letters_of_a_model_block_on_plain_ground_are_painted_not_inpainted() -> None:
    # A model block whose letters stand on one grey (grain aside): no crop, the paint is
    # the block's background; a letter on noise beside it still goes to the model.
    rng = np.random.default_rng(4)
    image = np.clip(120 + rng.normal(0, 4, (200, 400, 1)), 0, 255).repeat(3, 2).astype(np.uint8)
    image[:, 300:] = rng.integers(0, 255, (200, 100, 3), dtype=np.uint8)
    layout = layout_with([((40, 80, 380, 110), "model")], (200, 400))
    layout.blocks[0].background = (120, 120, 120)
    layout.mask[:] = 0
    layout.mask[88:102, 60:120] = 255   # a letter on the grey
    layout.mask[88:102, 330:360] = 255  # a letter on the noise
    out = apply_fills(image, layout)
    assert np.array_equal(out[88:102, 60:120], np.full((14, 60, 3), 120, np.uint8))
    assert np.array_equal(out[88:102, 330:360], image[88:102, 330:360])
    crops = plan_crops(image, layout)
    assert len(crops) == 1
    x0, _, x1, _ = crops[0].box
    assert x0 > 120 and x1 >= 360, "only the letter on the noise is inpainted"
    assert crops[0].mask.sum() == 255 * 14 * 30


def test_a_flat_block_off_a_bubble_leaves_the_letter_on_art_to_the_model() -> None:
    rng = np.random.default_rng(5)
    image = np.full((200, 400, 3), 250, np.uint8)
    image[:, 200:] = rng.integers(0, 255, (200, 200, 3), dtype=np.uint8)
    layout = layout_with([((40, 80, 360, 110), "fill")], (200, 400))
    layout.mask[:] = 0
    layout.mask[88:102, 60:120] = 255   # on the flat colour
    layout.mask[88:102, 260:320] = 255  # on the art beside it
    out = apply_fills(image, layout)
    assert (out[88:102, 60:120] == 250).all()
    assert np.array_equal(out[88:102, 260:320], image[88:102, 260:320]), "no flat smear on art"
    crops = plan_crops(image, layout)
    assert len(crops) == 1 and crops[0].box[0] > 120
    assert crops[0].mask.sum() == 255 * 14 * 60


def test_the_hole_is_the_mask_without_pinholes_and_grown_but_only_the_mask_is_pasted() -> None:
    mask = np.zeros((60, 80), np.uint8)
    mask[10:50, 10:70] = 255
    mask[28:32, 38:42] = 0      # a speck the glyph mask left inside a letter
    mask[15:45, 20:28] = 0      # a gap 30 px long: no pinhole at 10 px
    hole = solid(mask, 10)
    assert hole[28:32, 38:42].all(), "the pinhole is filled"
    assert not hole[25:35, 23:25].any(), "a gap longer than a pinhole stays"
    assert hole[10:50, 8].all() and not hole[10:50, 6].any(), "grown by two pixels"
    # The model fills the grown hole; the page takes its pixels inside the mask only.
    image = np.full((60, 80, 3), 200, np.uint8)
    layout = layout_with([((10, 10, 70, 50), "model")], (60, 80))
    layout.mask = mask
    crop = plan_crops(image, layout)[0]
    _, given, _ = to_model_size(crop)
    assert (given >= crop.mask).all() and (given > crop.mask).any()
    target = image.copy()
    paste(target, crop, np.zeros_like(crop.image))
    x0, y0, x1, y1 = crop.box
    assert ((target[y0:y1, x0:x1, 0] == 0) == (crop.mask > 0)).all()


def test_a_flat_blocks_letters_near_a_model_block_are_painted_not_inpainted() -> None:
    # A title on white (flat) just right of a column on noise (model): the column's crop
    # reaches over the title's first letter, which is still the title's, painted white.
    rng = np.random.default_rng(6)
    image = np.full((300, 500, 3), 250, np.uint8)
    image[:, :100] = rng.integers(0, 255, (300, 100, 3), dtype=np.uint8)
    layout = layout_with([((40, 40, 80, 260), "model"), ((110, 120, 400, 170), "fill")],
                         (300, 500))
    layout.blocks[0].background = (20, 20, 20)  # the column's ground: no plain white
    layout.mask[:] = 0
    layout.mask[60:240, 50:70] = 255    # the column's letters
    layout.mask[125:165, 112:140] = 255  # the title's first letter, 32 px from the column's line
    crops = plan_crops(image, layout)
    assert crops and all(c.mask[:, max(0, 112 - c.box[0]):].sum() == 0 for c in crops), \
        "the title's letter went to the model"
    out = apply_fills(image, layout)
    assert (out[125:165, 112:140] == 250).all()


def _line_mask_crops(spots: Sequence[int]) -> list[tuple[int, int, int, int]]:
    """The crops of one 30 px tall line 600 px long over noise, whose glyph mask is a
    10 px square at each of `spots` (x offsets along the line)."""
    image = np.random.default_rng(5).integers(0, 255, (300, 900, 3), dtype=np.uint8)
    layout = layout_with([((100, 100, 700, 130), "model")], (300, 900))
    layout.mask[:] = 0
    for x in spots:
        layout.mask[110:120, 100 + x: 110 + x] = 255
    return [c.box for c in plan_crops(image, layout)]


def test_specks_far_apart_on_one_line_get_a_crop_each() -> None:
    boxes = _line_mask_crops([0, 290, 590])
    assert len(boxes) == 3, "the art between them is no context the fill needs"
    for x0, _, x1, _ in boxes:
        assert x1 - x0 <= 64, "a speck and its margin, rounded up"
    spot_x = [100, 390, 690]
    assert all(any(x0 <= x and x + 10 <= x1 for x0, _, x1, _ in boxes) for x in spot_x)


def test_letters_of_a_line_share_one_crop() -> None:
    # Letters 40 px apart on a 30 px line (within two lines of each other), from x 100
    # to 660.
    boxes = _line_mask_crops(list(range(0, 600, 50)))
    assert len(boxes) == 1
    x0, _, x1, _ = boxes[0]
    assert x0 <= 100 - 8 and x1 >= 660 + 8, "the whole line with its margin"


def test_parts_not_worth_a_call_each_share_one_crop() -> None:
    # Two specks 70 px apart on a 30 px line: two parts, but two small model calls cost
    # more than one over both.
    boxes = _line_mask_crops([0, 80])
    assert len(boxes) == 1
    x0, _, x1, _ = boxes[0]
    assert x0 <= 100 and x1 >= 190
