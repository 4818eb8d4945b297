"""Text set on a panel's white is read block by block and lettered where it was, not taken
for one big bubble around all of it."""

from __future__ import annotations

import cv2
import numpy as np

from tests.workers.process.pages import Page, blank, ellipse, rectangle, text
from workers.inpaint.fills import apply_fills
from workers.process.bubbles import find_bubbles, is_panel, solidity, straight_sides
from workers.process.colours import line_fill
from workers.process.layout import analyse_page
from workers.render.render import render_page
from workers.types import PageText

POT = (210, 255)


PANEL_LINES = (("HELLO THERE", (26, 52)), ("MY FRIEND", (26, 86)),
               ("IT IS", (268, 52)), ("SO COLD", (268, 86)),
               ("SOUP", (26, 350)), ("IS READY", (26, 384)))


def _panel_page(height: int = 420,
                lines: tuple[tuple[str, tuple[int, int]], ...] = PANEL_LINES) -> Page:
    """A panel with a pot drawn into it from its bottom border, and `lines` (three
    separate groups on the panel's white by default)."""
    page = blank(height, 440)
    rectangle(page, (10, 10, 430, 410), thickness=3)
    cv2.circle(page.image, POT, 100, (0, 0, 0), -1)
    page.image[330:407, 185:235] = 0
    for words, origin in lines:
        text(page, words, origin, scale=1.1)
    return page


def test_a_panel_with_art_drawn_into_it_is_no_bubble() -> None:
    page = _panel_page()
    layout = analyse_page(page.image, PageText(page.lines), "en")
    assert sorted(b.source_text for b in layout.blocks) == \
        ["HELLO THERE MY FRIEND", "IT IS SO COLD", "SOUP IS READY"]
    for block in layout.blocks:
        assert block.kind == "art", block
        assert block.erase == "fill", "still on the panel's flat white"
        assert block.bubble is not None, "the erasing is clipped to the panel's interior"
    assert layout.mask[page.glyphs].min() == 255, "every letter is erased"
    erased = apply_fills(page.image, layout)
    assert (erased[page.glyphs] == 255).all()
    assert np.array_equal(erased[page.outline], page.image[page.outline]), "border kept"


def test_the_panels_lines_stay_out_of_blocks_outside_it() -> None:
    # A line just below the panel, set close under its last lines: by geometry alone it
    # would join them.
    page = _panel_page(470, (*PANEL_LINES[:4], ("SOUP", (26, 360)), ("IS READY", (26, 394)),
                             ("THE END", (26, 436))))
    layout = analyse_page(page.image, PageText(page.lines), "en")
    texts = sorted(b.source_text for b in layout.blocks)
    assert "THE END" in texts and "SOUP IS READY" in texts, texts


def test_a_bubble_holding_three_groups_of_lines_is_still_a_bubble() -> None:
    # The same lines in a round bubble: far apart, but nothing is drawn into it.
    page = blank(420, 440)
    ellipse(page, (220, 210), (210, 200))
    text(page, "HELLO THERE", (70, 110), scale=1.1)
    text(page, "MY FRIEND", (70, 144), scale=1.1)
    text(page, "IT IS", (290, 110), scale=1.1)
    text(page, "SO COLD", (290, 144), scale=1.1)
    text(page, "SOUP", (150, 320), scale=1.1)
    text(page, "IS READY", (150, 354), scale=1.1)
    fills = [line_fill(page.image, ln.bbox) for ln in page.lines]
    found = find_bubbles(page.image, page.lines, fills)
    assert found.panels == [] and len(found.regions) == 1
    assert is_panel(found.regions[0], page.lines) is False
    assert solidity(found.regions[0].interior) > 0.95


def test_the_panels_lettering_stays_off_the_art() -> None:
    page = _panel_page()
    layout = analyse_page(page.image, PageText(page.lines), "en")
    erased = apply_fills(page.image, layout)
    translations = ["Hello there, my good friend, how are you?", "It is so very cold out",
                    "The soup is ready at last"]
    out, rendered = render_page(page.image, erased, layout,
                                [translations[b.index] for b in layout.blocks], "en")
    pot = np.zeros(page.image.shape[:2], np.uint8)
    cv2.circle(pot, POT, 100, 255, -1)
    changed = np.abs(out.astype(np.int16) - erased.astype(np.int16)).max(axis=2) > 0
    assert changed.any()
    # The pot is black: lettering over it would show as light halo or outline pixels.
    assert not (changed & (pot > 0)).any(), "nothing lettered over the art"
    for r in rendered:
        assert r.kind == "art" and r.bubble is None, r


def test_a_bubble_on_a_panel_keeps_its_lines() -> None:
    # The panel is found first (its lines are the larger ones); the small line in a bubble
    # drawn on the panel still finds that bubble.
    page = blank(440, 600)
    rectangle(page, (10, 10, 590, 430), thickness=3)
    cv2.circle(page.image, (300, 295), 120, (0, 0, 0), -1)
    page.image[380:427, 280:320] = 0
    ellipse(page, (300, 95), (75, 48))
    for words, origin in (("HELLO THERE", (26, 52)), ("MY FRIEND", (26, 86)),
                          ("IT IS", (440, 52)), ("SO COLD", (440, 86)),
                          ("SOUP", (26, 350)), ("IS READY", (26, 384))):
        text(page, words, origin, scale=1.1)
    text(page, "OH NO", (262, 104), scale=0.8)
    layout = analyse_page(page.image, PageText(page.lines), "en")
    kinds = {b.source_text: b.kind for b in layout.blocks}
    assert kinds == {"HELLO THERE MY FRIEND": "art", "IT IS SO COLD": "art",
                     "SOUP IS READY": "art", "OH NO": "bubble"}, kinds


def _two_texts(page: Page) -> None:
    text(page, "WHAT ARE", (40, 60), scale=1.1)
    text(page, "YOU DOING", (40, 94), scale=1.1)
    text(page, "GO HOME", (40, 300), scale=1.1)
    text(page, "RIGHT NOW", (40, 334), scale=1.1)


def test_a_panel_with_two_texts_on_its_white_is_read_text_by_text() -> None:
    # A panel's corner: its border runs straight along two sides of the white around the
    # texts, and a figure is drawn into it from the right. Two texts, two blocks.
    page = blank(420, 440)
    rectangle(page, (10, 10, 430, 410), thickness=3)
    cv2.circle(page.image, (430, 200), 150, (0, 0, 0), -1)
    _two_texts(page)
    layout = analyse_page(page.image, PageText(page.lines), "en")
    assert sorted((b.source_text, b.kind) for b in layout.blocks) == \
        [("GO HOME RIGHT NOW", "art"), ("WHAT ARE YOU DOING", "art")]
    assert layout.mask[page.glyphs].min() == 255, "every letter is erased"


def test_a_balloon_with_two_texts_is_still_one_bubble() -> None:
    page = blank(420, 440)
    ellipse(page, (200, 205), (190, 200))
    for words, origin in (("WHAT ARE", (110, 90)), ("YOU DOING", (110, 124)),
                          ("GO HOME", (110, 290)), ("RIGHT NOW", (110, 324))):
        text(page, words, origin, scale=1.1)
    layout = analyse_page(page.image, PageText(page.lines), "en")
    assert [(b.source_text, b.kind) for b in layout.blocks] == \
        [("WHAT ARE YOU DOING GO HOME RIGHT NOW", "bubble")]


def test_straight_sides_are_a_boxs_not_a_balloons() -> None:
    box = np.zeros((200, 300), bool)
    box[20:180, 30:270] = True
    assert straight_sides(box) == 4
    cv2.circle(box.view(np.uint8), (270, 180), 90, 0, -1)
    assert straight_sides(box) == 2, "a figure drawn in from a corner leaves two sides"
    oval = np.zeros((200, 300), np.uint8)
    cv2.ellipse(oval, (150, 100), (120, 80), 0, 0, 360, 1, -1)
    assert straight_sides(oval.astype(bool)) == 0
