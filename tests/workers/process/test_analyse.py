from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from tests.drawing import load_font, text_page
from workers.process.classical import ClassicalAnalyser
from workers.types import PageText, TextLine


def box_line(x0: int, y0: int, x1: int, y1: int, text: str = "HELLO") -> TextLine:
    return TextLine(((x0, y0), (x1, y0), (x1, y1), (x0, y1)), text, 0.99, False)


def test_mask_covers_glyphs_not_the_whole_box() -> None:
    page = text_page([("HELLO", (50, 50))], size=(400, 200), font_size=48)
    line = box_line(40, 40, 230, 115)
    mask = ClassicalAnalyser().analyse(page, PageText([line]), "en").mask
    ink = np.all(page < 128, axis=2)
    assert mask[ink].min() == 255, "every glyph pixel is masked"
    x0, y0, x1, y1 = line.bbox
    share = (mask[y0:y1, x0:x1] > 0).mean()
    assert 0.15 < share < 0.9, share
    assert mask[150:, :].max() == 0 and mask[:, 300:].max() == 0


def test_flat_background_is_filled_and_art_needs_the_model() -> None:
    flat = text_page([("HELLO", (50, 50))], size=(400, 200), font_size=48)
    rng = np.random.default_rng(1)
    # Dark busy art: white letters on noise as bright as themselves are not found, and a
    # block whose mask misses its letters keeps its pixels (`layout._letters_found`).
    busy = Image.fromarray(rng.integers(0, 100, (200, 400, 3), dtype=np.uint8))
    ImageDraw.Draw(busy).text((50, 50), "HELLO", fill=(255, 255, 255), font=load_font(48))
    textured = np.asarray(busy, dtype=np.uint8).copy()
    line = box_line(40, 40, 230, 115)
    flat_layout = ClassicalAnalyser().analyse(flat, PageText([line]), "en")
    [block] = flat_layout.blocks
    assert block.erase == "fill" and min(block.background) > 240
    assert block.kind == "art", "white page, no outline: not a bubble"
    art_layout = ClassicalAnalyser().analyse(textured, PageText([line]), "en")
    [block] = art_layout.blocks
    assert block.erase == "model" and block.kind == "art"
    # On noise every pixel is a "stroke"; whatever is masked stays near the line.
    outside = art_layout.mask.copy()
    outside[25:130, 25:245] = 0
    assert not outside.any()


def test_analyse_detects_language_and_order() -> None:
    page = text_page([("HELLO", (50, 50))], size=(400, 200))
    lines = [box_line(40, 40, 230, 100, "HELLO")]
    layout = ClassicalAnalyser().analyse(page, PageText(lines), "auto")
    assert layout.source_lang == "en"
    assert layout.mask.shape == (200, 400)
    assert [b.index for b in layout.blocks] == [0]
    jp = [TextLine(((10, 10), (40, 10), (40, 150), (10, 150)), "こんにちは", 0.9, True)]
    assert ClassicalAnalyser().analyse(page, PageText(jp), "auto").source_lang == "ja"
