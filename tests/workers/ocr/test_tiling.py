from __future__ import annotations

import itertools

from workers.ocr.tiling import Tile, keep_in_tile, merge_lines, needs_tiling, plan_tiles, shift_line
from workers.types import TextLine


def line(x0: float, y0: float, x1: float, y1: float, text: str = "HELLO",
         score: float = 0.9) -> TextLine:
    return TextLine(((x0, y0), (x1, y0), (x1, y1), (x0, y1)), text, score, False)


def test_pages_and_webtoon_slices_are_read_whole() -> None:
    assert not needs_tiling(800, 1200)
    assert not needs_tiling(800, 1654), "a slice the detector sees at over half scale"
    assert not needs_tiling(1200, 2300), "not taller than twice its width"
    assert needs_tiling(800, 3000) and needs_tiling(600, 2000)
    assert plan_tiles(800, 1654) == [Tile(0, 1654, False, False)]


def test_strip_tiles_cover_everything_with_overlap() -> None:
    width, height = 800, 40_000
    tiles = plan_tiles(width, height)
    assert len(tiles) > 20
    assert tiles[0].y0 == 0 and tiles[-1].y1 == height
    for a, b in itertools.pairwise(tiles):
        assert b.y0 < a.y1 - 150  # overlap taller than a speech line
        assert b.y0 > a.y0
    assert not tiles[0].top_is_cut and tiles[0].bottom_is_cut
    assert tiles[-1].top_is_cut and not tiles[-1].bottom_is_cut


def test_line_cut_by_the_tile_edge_is_left_to_the_neighbour() -> None:
    tile = plan_tiles(600, 3000)[0]
    assert keep_in_tile(line(10, 100, 200, 140), tile)
    assert not keep_in_tile(line(10, tile.y1 - 20, 200, tile.y1), tile)


def test_duplicates_from_two_tiles_merge_into_the_longer_reading() -> None:
    a = line(10, 1000, 300, 1040, "HELLO THERE", 0.95)
    b = shift_line(line(12, 0, 298, 41, "HELLO THER", 0.99), 1000)
    c = line(10, 1100, 300, 1140, "SECOND LINE")
    merged = merge_lines([[a, c], [b]])
    assert [m.text for m in merged] == ["HELLO THERE", "SECOND LINE"]


def test_a_small_line_under_a_big_one_of_the_same_tile_is_kept() -> None:
    # A subtitle reaching into a title's box: most of its own area overlaps the title's.
    title = line(10, 0, 600, 120)
    subtitle = line(200, 100, 370, 132)
    assert len(merge_lines([[title, subtitle]])) == 2
    assert len(merge_lines([[title], [subtitle]])) == 1
