"""Erasing beside the art: hatching, speed lines and borders next to the text keep their
pixels; handles and web addresses are names, left as the artist lettered them."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from tests.workers.process import pages
from tests.workers.process.pages import Bool, Page
from tests.workers.process.test_erase_pages import changed, erase, erased_share, near
from workers.types import TextLine


def _hairlines(page: Page, starts: list[tuple[int, int]], dx: int, dy: int) -> Bool:
    """One-pixel strokes from each start by (dx, dy), as hatching is drawn; their mask."""
    drawn = np.zeros(page.image.shape[:2], np.uint8)
    for x, y in starts:
        cv2.line(page.image, (x, y), (x + dx, y + dy), (0, 0, 0), 1, cv2.LINE_8)
        cv2.line(drawn, (x, y), (x + dx, y + dy), 255, 1, cv2.LINE_8)
    out: Bool = drawn > 0
    return out


def test_hatching_beside_the_text_in_a_bubble_is_not_taken_for_unread_marks() -> None:
    page = pages.blank(300, 460)
    pages.ellipse(page, (230, 150), (200, 120))
    line = pages.text(page, "HATCHED", (150, 160), scale=1.2, thickness=3)
    _, y0, x1, y1 = line.bbox
    # Short slanted strokes half a line beside the text: hatching, not punctuation OCR missed.
    strokes = _hairlines(page, [(x1 + 8 + 6 * i, y0 - 2) for i in range(4)], 14, 18)
    # A dot OCR did not read, as close: an unread mark, which goes with the lettering.
    cv2.circle(page.image, (x1 + 10, y1 + 14), 3, (0, 0, 0), -1, cv2.LINE_AA)
    dot = np.zeros(page.image.shape[:2], bool)
    dot[y1 + 12: y1 + 17, x1 + 8: x1 + 13] = True
    layout, out = erase(page)
    assert [b.kind for b in layout.blocks] == ["bubble"]
    assert np.array_equal(out[strokes], page.image[strokes]), "hatching erased"
    assert out[..., 0][dot].min() > 200, "the unread dot is left"
    assert erased_share(page, out) > 0.9


def test_hatching_reaching_into_an_open_lines_box_keeps_its_pixels() -> None:
    page = pages.blank(240, 460)
    line = pages.text(page, "SPEED UP", (100, 150), scale=1.3, thickness=3)
    x0, y0, x1, y1 = line.bbox
    # OCR's box runs on past the last letter, over the ends of a patch of hatching that
    # comes down at a slant from above it.
    page.lines[-1] = TextLine(((x0, y0), (x1 + 60, y0), (x1 + 60, y1), (x0, y1)),
                              line.text, 0.99, False)
    strokes = _hairlines(page, [(x1 + 8 + 7 * i, y0 - 4) for i in range(6)], 10, 13)
    _, out = erase(page)
    assert np.array_equal(out[strokes], page.image[strokes]), "hatching erased"
    assert erased_share(page, out) > 0.9


def _border_beside_text(page: Page, x: int) -> Bool:
    """A panel border with its inner side at `x`, the line "EDGE" beside it whose OCR box
    takes in the border's side; the border's mask."""
    border: Bool = np.zeros(page.image.shape[:2], bool)
    border[:, x - 6: x + 5] = page.image[:, x - 6: x + 5, 0] < 200
    line = pages.text(page, "EDGE", (x + 16, 150), scale=1.4, thickness=3)
    _, y0, x1, y1 = line.bbox
    page.lines[-1] = TextLine(((x - 2, y0), (x1, y0), (x1, y1), (x - 2, y1)), "EDGE", 0.99,
                              False)
    return border


def assert_border_kept(page: Page, border: Bool, what: str) -> None:
    layout, out = erase(page)
    assert not (layout.mask > 0)[border].any(), f"the border's {what} in the glyph mask"
    assert not (changed(page.image, out, 24) & border).any(), f"the border's {what} erased"
    assert erased_share(page, out) > 0.9


def test_a_panel_border_at_the_edge_of_the_texts_region_keeps_its_side() -> None:
    page = pages.blank(300, 460)
    # The border's core, and a grey side one pixel wide broken every 12 rows: the white
    # around the text starts at the side, whose pieces alone look like strokes of a letter.
    page.image[:, 24:30] = 0
    page.image[:, 30] = 110
    page.image[::12, 30] = 250
    assert_border_kept(page, _border_beside_text(page, 30), "side is")


def test_blobs_of_ink_on_a_panel_border_are_not_letters() -> None:
    page = pages.blank(300, 460)
    page.image[:, 54:60] = 0
    for y in range(5, page.image.shape[0], 11):
        page.image[y: y + 3, 60:65] = 30
    assert_border_kept(page, _border_beside_text(page, 60), "blobs are")


def test_a_handle_keeps_its_lettering_and_words_beside_it_are_erased() -> None:
    page = pages.blank(260, 640)
    pages.text(page, "MY_COMIC_DIARY", (40, 60), scale=1.0)
    # A lone word on the handle's row, at its size: the same artist's name on other sites.
    pages.text(page, "DIARIST", (460, 60), scale=1.0)
    pages.text(page, "@artist.name", (40, 120), scale=1.0)
    pages.text(page, "SEE YOU NEXT WEEK", (40, 190), scale=1.0)
    pages.text(page, "BYE", (460, 240), scale=1.0)
    layout, out = erase(page)
    kinds = {b.source_text: b.kind for b in layout.blocks}
    assert kinds["MY_COMIC_DIARY"] == "sfx" and kinds["@artist.name"] == "sfx"
    assert kinds["DIARIST"] == "sfx"
    assert kinds["SEE YOU NEXT WEEK"] != "sfx" and kinds["BYE"] != "sfx"
    top = np.zeros(page.image.shape[:2], bool)
    top[:140] = True
    assert not changed(page.image, out)[top].any(), "a handle was erased"
    bottom = page.glyphs & ~top if page.glyphs is not None else top
    assert (out[..., 0][bottom & (page.image[..., 0] < 100)] >= 160).mean() > 0.9


def test_an_ellipsis_running_on_past_the_text_is_erased_whole() -> None:
    page = pages.blank(300, 520)
    pages.ellipse(page, (230, 150), (170, 90))
    line = pages.text(page, "WELL", (120, 160), scale=1.2, thickness=3)
    _, y0, x1, y1 = line.bbox
    size = y1 - y0
    # Dots OCR did not read, running on to a line and a half past the word: the far ones
    # belong to the same ellipsis as the near ones.
    dots = np.zeros(page.image.shape[:2], bool)
    for i in range(4):
        x = x1 + 8 + i * 11
        cv2.circle(page.image, (x, y1 - 3), 3, (0, 0, 0), -1, cv2.LINE_AA)
        dots[y1 - 7: y1 + 1, x - 4: x + 5] = True
    assert x1 + 8 + 3 * 11 - 3 > x1 + size, "the dots must run past a line's reach"
    layout, out = erase(page)
    assert [b.kind for b in layout.blocks] == ["bubble"]
    assert out[..., 0][dots].min() > 200, "a dot of the ellipsis is left"


def test_unread_lettering_running_out_of_the_box_is_left_whole() -> None:
    page = pages.blank(260, 420)
    pages.rectangle(page, (40, 60, 330, 200), thickness=3)
    line = pages.text(page, "HEY", (232, 140), scale=1.2, thickness=3)
    _, y0, x1, _ = line.bbox
    assert page.outline is not None
    side = np.flatnonzero(page.outline[y0 + 9, x1:]) + x1
    inner, outer = int(side.min()), int(side.max())
    # A row of small marks (an aside OCR did not read) from beside the text on through the
    # box's side, never touching it: a pixel clear of it on either side, the marks' usual
    # spacing apart. (Placed by the side, not by the text's end: OpenCV's versions draw
    # "HEY" a few pixels wider or narrower.)
    inside = list(range(inner - 4, x1 + 5, -6))
    assert len(inside) >= 2
    marks = np.zeros(page.image.shape[:2], bool)
    for x in [*inside, outer + 2, outer + 8, outer + 14]:
        page.image[y0 + 8: y0 + 11, x: x + 3] = 0
        marks[y0 + 8: y0 + 11, x: x + 3] = True
    layout, out = erase(page)
    assert [b.kind for b in layout.blocks] == ["caption"]
    assert np.array_equal(out[marks], page.image[marks]), "half of the aside was erased"
    assert erased_share(page, out) > 0.9


@pytest.mark.parametrize("bubble", [False, True])
def test_speed_lines_a_lines_box_takes_in_keep_their_pixels(bubble: bool) -> None:
    page = pages.blank(300, 460)
    if bubble:
        pages.ellipse(page, (230, 150), (210, 120))
    # "III": three parallel strokes of a letter's thickness, which are lettering.
    line = pages.text(page, "III WAIT", (150, 160), scale=1.3, thickness=3)
    x0, y0, x1, y1 = line.bbox
    # OCR's box starts well before the text, over a comb of one-pixel speed lines.
    page.lines[-1] = TextLine(((x0 - 50, y0), (x1, y0), (x1, y1), (x0 - 50, y1)),
                              line.text, 0.99, False)
    strokes = _hairlines(page, [(x0 - 44 + 6 * i, y0 + 2) for i in range(6)], 0,
                         y1 - y0 - 4)
    _, out = erase(page)
    assert np.array_equal(out[strokes], page.image[strokes]), "speed lines erased"
    assert erased_share(page, out) > 0.9


@pytest.mark.parametrize("bubble", [False, True])
def test_hatching_in_short_dashes_under_a_bold_title_keeps_its_pixels(bubble: bool) -> None:
    page = pages.blank(300, 460)
    if bubble:
        pages.ellipse(page, (230, 150), (215, 125))
    line = pages.text(page, "GO    ON", (80, 180), scale=2.4, thickness=9)
    x0, y0, x1, y1 = line.bbox
    # Hatching drawn in short strokes at a slant (each 9 px long, 1 px thick, far shorter
    # than a quarter of this 50 px line), in rows across the line box and its margin, around
    # the letters and in the gap between the words.
    # (Only whole dashes clear of the letters: one touching a letter is a shape with it.)
    assert page.glyphs is not None
    clear = ~near(page.glyphs, 3)
    dashes = np.zeros(page.image.shape[:2], bool)
    for x in range(x0 - 2, x1 - 6, 9):
        for y in range(y0 - 10, y1 + 2, 8):
            dash = np.zeros(page.image.shape[:2], np.uint8)
            cv2.line(dash, (x, y), (x + 6, y + 6), 255, 1, cv2.LINE_8)
            if clear[dash > 0].all():
                dashes |= dash > 0
    assert dashes.sum() > 300
    page.image[dashes] = 0
    _, out = erase(page)
    # (A dash inside a letter's counter, or alone under a letter, may go with the letters.)
    kept = (out[dashes] == page.image[dashes]).all(axis=1).mean()
    assert kept > 0.9, f"only {kept:.0%} of the hatching's pixels kept"
    assert erased_share(page, out) > 0.9


def test_hatching_inside_a_bold_lines_box_keeps_its_pixels() -> None:
    page = pages.blank(240, 460)
    line = pages.text(page, "LOUDoo", (60, 150), scale=2.4, thickness=12)
    x1, y0 = line.bbox[2], line.bbox[1]
    assert page.glyphs is not None
    near_letters = cv2.dilate(page.glyphs.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    # Strokes of hatching over the lowercase letters, wholly inside the line's box: by
    # position alone they would be letters, and be filled white with them.
    apart = [s for s in (_hairlines(page, [(x1 - 62 + 9 * i, y0 + 2)], 7, 10) for i in range(6))
             if not (s & near_letters).any()]
    assert len(apart) >= 3
    _, out = erase(page)
    for stroke in apart:
        assert np.array_equal(out[stroke], page.image[stroke]), "hatching erased"
    assert erased_share(page, out) > 0.9


def test_thin_lettering_keeps_its_hairline_strokes() -> None:
    page = pages.blank(240, 460)
    # Letters drawn one pixel wide are all hairlines: none of them is dropped.
    pages.text(page, "THIN LINE", (100, 150), scale=1.6, thickness=1)
    _, out = erase(page)
    assert erased_share(page, out) > 0.9


def test_a_bold_letter_touching_a_line_of_the_art_is_erased_and_the_line_kept() -> None:
    page = pages.blank(300, 460)
    line = pages.text(page, "GO ON", (80, 180), scale=2.4, thickness=9)
    x1, y0, y1 = line.bbox[2], line.bbox[1], line.bbox[3]
    assert page.glyphs is not None
    letters = page.glyphs.copy()
    # A figure's outline, two pixels wide, comes down at a slant from far above the title,
    # runs through its last letter and on far below it: the "N" is one shape with it.
    arc = np.zeros(page.image.shape[:2], np.uint8)
    cx, cy = x1 - 8, (y0 + y1) // 2
    cv2.line(arc, (cx - 90, cy - 110), (cx + 90, cy + 110), 255, 2, cv2.LINE_8)
    page.image[arc > 0] = 0
    last = letters.copy()
    last[:, : x1 - 40] = False
    assert (near(last, 1) & (arc > 0)).any(), "the outline does not touch the last letter"
    away = (arc > 0) & ~near(letters, 6)
    _, out = erase(page)
    ink = last & (page.image[..., 0] < 100)
    assert (out[..., 0][ink] >= 160).mean() > 0.9, "the letter touching the line is left"
    assert np.array_equal(out[away], page.image[away]), "the outline was erased"
    assert erased_share(page, out) > 0.9
