from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from backend.evaluate.dataset import GroundTruth, Region, Sample
from backend.evaluate.page import evaluate_page, failed_page
from backend.evaluate.runner import Evaluated
from backend.evaluate.sheet import write_sheet
from backend.evaluate.thumbs import input_thumb, make_thumbs
from backend.evaluate.totals import totals
from tests.backend.evaluate.helpers import block, line, rendered
from tests.drawing import text_page
from workers.types import PageLayout, PageResult


def evaluated(name: str, height: int = 300) -> Evaluated:
    source = text_page([("HELLO <THERE>", (20, 20))], size=(400, height))
    output = np.full_like(source, 255)
    layout = PageLayout(400, height, [block(0, [line((20, 20, 300, 60), "HELLO <THERE>")])],
                        np.zeros((height, 400), np.uint8), "en")
    result = PageResult(output, 400, height, "en", "fr",
                        [rendered(0, (10, 10, 310, 70), "Bonjour & adieu", "HELLO <THERE>")],
                        {"ocr": 0.5, "render": 0.1})
    truth = GroundTruth("human_annotation", (Region((18, 18, 302, 62), "HELLO THERE"),))
    sample = Sample(Path(name), "en", "page", truth)
    record = evaluate_page(sample, layout, result, [])
    record.output = f"pages/{Path(name).stem}.png"
    return Evaluated(record, make_thumbs(source, output, record, truth))


def test_sheet_is_self_contained_and_names_every_image(tmp_path: Path) -> None:
    pages = [evaluated("first_page.png"), evaluated("tall_strip.png", height=3000)]
    broken = failed_page(Sample(Path("broken.jpg"), "", "", None), "bad_image: not an image")
    pages.append(Evaluated(broken, input_thumb(np.zeros((50, 50, 3), np.uint8))))
    (tmp_path / "pages").mkdir()
    for page in pages[:2]:
        (tmp_path / page.record.output).write_bytes(b"image")
    report = {"totals": totals([p.record for p in pages]), "settings": {}, "machine": {}}
    sheet = tmp_path / "index.html"
    write_sheet(sheet, report, pages)
    html = sheet.read_text(encoding="utf-8")
    for name in ("first_page.png", "tall_strip.png", "broken.jpg"):
        assert name in html
    assert "bad_image: not an image" in html
    # Text from the pages is escaped, never markup.
    assert "HELLO &lt;THERE&gt;" in html and "Bonjour &amp; adieu" in html
    sources = re.findall(r'\bsrc="([^"]*)"', html)
    assert len(sources) == 7 and all(s.startswith("data:image/jpeg;base64,") for s in sources)
    for href in re.findall(r'\bhref="([^"]*)"', html):
        if href.startswith("#"):
            continue
        assert "://" not in href and not href.startswith("/"), href
        assert (tmp_path / href).is_file(), href
    assert not re.search(r"<link|<script|@import|url\(", html)


def test_tall_strips_are_scaled_down(tmp_path: Path) -> None:
    page = evaluated("tall_strip.png", height=12000)
    assert page.thumbs is not None and page.thumbs.scale == 4800 / 12000
