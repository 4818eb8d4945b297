from __future__ import annotations

from workers.process.grouping import make_blocks
from workers.types import TextLine


def hline(x0: int, y0: int, x1: int, y1: int, text: str) -> TextLine:
    return TextLine(((x0, y0), (x1, y0), (x1, y1), (x0, y1)), text, 0.99, False)


def vline(x0: int, y0: int, x1: int, y1: int, text: str) -> TextLine:
    return TextLine(((x0, y0), (x1, y0), (x1, y1), (x0, y1)), text, 0.99, True)


def test_horizontal_lines_group_into_bubbles_in_reading_order() -> None:
    lines = [
        # bubble B, right, same row as A
        hline(420, 40, 600, 70, "PLEASE FREE"), hline(430, 72, 590, 102, "ME NOW"),
        # bubble A, left
        hline(40, 30, 300, 60, "ADVENTURER, WAIT!"), hline(60, 62, 280, 92, "DON'T OPEN"),
        hline(90, 94, 250, 124, "THAT CHEST!"),
        # bubble C, far below
        hline(100, 400, 400, 440, "IT'S A MIMIC!"),
    ]
    blocks = make_blocks(lines, right_to_left=False)
    assert [b.source_text for b in blocks] == [
        "ADVENTURER, WAIT! DON'T OPEN THAT CHEST!", "PLEASE FREE ME NOW", "IT'S A MIMIC!"]
    assert all(b.direction == "h" for b in blocks)
    assert blocks[0].bbox == (40, 30, 300, 124)


def test_vertical_columns_read_right_to_left() -> None:
    lines = [
        # right bubble: two columns, the rightmost is read first
        vline(700, 20, 730, 200, "風船を"), vline(740, 20, 770, 180, "空気いれた"),
        # left bubble, same height on the page
        vline(300, 30, 330, 150, "こいつ"), vline(260, 30, 290, 120, "だし"),
    ]
    blocks = make_blocks(lines, right_to_left=True)
    assert [b.source_text for b in blocks] == ["空気いれた風船を", "こいつだし"]
    assert all(b.direction == "v" for b in blocks)


def test_different_sizes_and_far_lines_stay_apart() -> None:
    lines = [hline(10, 10, 200, 40, "small"), hline(10, 42, 400, 140, "HUGE TITLE"),
             hline(10, 400, 200, 430, "far away")]
    assert len(make_blocks(lines, right_to_left=False)) == 3


def test_caption_box_and_bubble_on_different_colours_stay_apart() -> None:
    caption = hline(40, 30, 300, 60, "THE FOLLOWING DAY")
    bubble = [hline(60, 64, 280, 94, "WHAT A MAN!"), hline(60, 96, 280, 126, "BOB, RIGHT?")]
    together = make_blocks([caption, *bubble], right_to_left=False)
    assert len(together) == 1, "without colours they read as one block"
    yellow, white = (250, 220, 90), (255, 255, 255)
    apart = make_blocks([caption, *bubble], right_to_left=False,
                        backgrounds=[yellow, white, white])
    assert [b.source_text for b in apart] == ["THE FOLLOWING DAY", "WHAT A MAN! BOB, RIGHT?"]
    # Lines over art (no flat colour) still group by geometry.
    assert len(make_blocks([caption, *bubble], False, [None, white, None])) == 1


def test_columns_of_two_bubbles_on_a_panel_stay_apart_when_they_start_apart() -> None:
    # Two texts whose balloons run together on a panel's white: "それは マズイ!!" and,
    # beside it and starting a line lower, "かといって ナナに返したら…" (mokuro nyan 002a).
    lines = [vline(309, 340, 345, 423, "それは"), vline(279, 340, 318, 446, "マズイ！！"),
             vline(236, 378, 277, 510, "かといって"), vline(212, 384, 245, 575, "ナナに返したら…")]
    on_panel = make_blocks(lines, right_to_left=True, panels=[0, 0, 0, 0])
    assert [b.source_text for b in on_panel] == ["それはマズイ！！", "かといってナナに返したら…"]
    # Off a panel, display lettering may be staggered on purpose: one text.
    assert [b.source_text for b in make_blocks(lines, right_to_left=True)] == [
        "それはマズイ！！かといってナナに返したら…"]
