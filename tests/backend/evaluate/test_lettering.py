"""The lettering figures, computed as ../shared/EVAL.md defines them."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from backend.evaluate.lettering import (
    Lettered,
    breaks,
    from_sidecar,
    lettering,
    lettering_totals,
    line_contrast,
)
from workers.render.fonts import find_font
from workers.types import Box

SQUARE = ((10, 10), (110, 10), (110, 110), (10, 110))


def _block(lines: tuple[tuple[str, Box], ...], *, size: int = 20, bubble: bool = True,
           translation: str = "", source: str = "src") -> Lettered:
    text = translation or " ".join(t for t, _ in lines)
    return Lettered(source, text, size, (0, 0, 0), SQUARE if bubble else None, lines)


def test_breaks_count_mid_word_and_hyphenated_separately() -> None:
    assert breaks("from the beginning.", ["from the", "beginning."]) == (0, 0)
    assert breaks("from the beginning.", ["fro", "m the", "beginning."]) == (1, 0)
    assert breaks("from the beginning.", ["from the be-", "ginning."]) == (0, 1)
    # A hyphen the translation already had is not a cut word.
    assert breaks("aikawa-san, yes?", ["aikawa-", "san, yes?"]) == (0, 0)
    # Japanese breaks between any two characters; Korean words must stay whole.
    assert breaks("どこへ行くの", ["どこへ", "行くの"]) == (0, 0)
    assert breaks("고마워요 선생님", ["고마", "워요 선생님"]) == (1, 0)


def test_inside_uses_the_bubble_polygon_with_two_pixels_of_slack() -> None:
    image = np.full((150, 150, 3), 255, np.uint8)
    ok = _block((("in", (20, 20, 100, 40)), ("edge", (9, 60, 111, 80))))
    out = _block((("out", (20, 20, 115, 40)),))
    free = _block((("anywhere", (120, 120, 149, 149)),), bubble=False)
    score = lettering(image, [ok, out, free])
    assert [b.inside for b in score.blocks] == [2, 0, 1]
    assert score.blocks[1].worst_out == pytest.approx(5.0)
    assert score.lines == 4 and score.inside == 3


def test_spread_floor_and_untranslated_blocks() -> None:
    image = np.full((1000, 1000, 3), 255, np.uint8)
    blocks = [_block((("a", (20, 20, 40, 40)),), size=20),
              _block((("b", (20, 20, 40, 40)),), size=25),
              _block((("c", (20, 20, 40, 40)),), size=12, bubble=False),
              _block((("same", (20, 20, 40, 40)),), size=8, translation="same", source="same")]
    score = lettering(image, blocks)
    assert len(score.blocks) == 3  # the kept block is not judged
    assert score.spread == pytest.approx(1.25)  # bubbles only
    assert score.floor_per_mille == pytest.approx(12.0)
    # A two-page spread: the floor is judged against one page, half the image.
    spread = lettering(np.full((1000, 3000, 3), 255, np.uint8), blocks)
    assert spread.floor_per_mille == pytest.approx(8.0)
    totals = lettering_totals([score, score])
    assert totals["spread_median"] == pytest.approx(1.25) and totals["lines"] == 6


def _drawn(bg: tuple[int, int, int], fg: tuple[int, int, int],
           stroke: tuple[int, int, int] | None) -> tuple[np.ndarray, Box]:
    face = find_font("en", "Hello")
    font = ImageFont.truetype(str(face.path), 30, index=face.index)
    img = Image.new("RGB", (240, 80), bg)
    ImageDraw.Draw(img).text((20, 20), "Hello", font=font, fill=fg,
                             stroke_width=3 if stroke else 0, stroke_fill=stroke)
    box = ImageDraw.Draw(img).textbbox((20, 20), "Hello", font=font, stroke_width=3)
    return np.asarray(img).copy(), (int(box[0]), int(box[1]), int(box[2]), int(box[3]))


def test_contrast_is_measured_right_behind_the_letters() -> None:
    image, box = _drawn((255, 255, 255), (0, 0, 0), None)
    assert line_contrast(image, box, (0, 0, 0), 30) == pytest.approx(21.0, abs=0.5)
    image, box = _drawn((120, 120, 120), (0, 0, 0), None)
    low = line_contrast(image, box, (0, 0, 0), 30)
    assert low is not None and low < 7
    # The same grey behind, with a white stroke: what is right behind the letters is white.
    image, box = _drawn((120, 120, 120), (0, 0, 0), (255, 255, 255))
    stroked = line_contrast(image, box, (0, 0, 0), 30)
    assert stroked is not None and stroked > 15


def test_from_sidecar_reads_the_written_fields() -> None:
    blocks = from_sidecar([{
        "source_text": "むぐっ", "translation": "mm hmm", "font_size": 18, "fg": [0, 0, 0],
        "bubble": [[10, 10], [110, 10], [110, 110]],
        "lines": [{"text": "mm", "bbox": [20, 20, 40, 40]}, {"text": "hmm", "bbox": [1, 2, 3, 4]}],
        "too_small": False}, {"source_text": "x", "translation": "", "font_size": 0}])
    assert blocks[0].bubble == ((10, 10), (110, 10), (110, 110))
    assert blocks[0].lines[1] == ("hmm", (1, 2, 3, 4))
    assert blocks[1].lines == () and blocks[1].bubble is None
