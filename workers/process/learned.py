"""The page analyser with a learned bubble detector: the detector's bubble boxes decide
which lines share a bubble and bound the search for each bubble's interior (an outline with
a gap no longer leaks); glyph masks, fills and kinds are then found as in the classical
analysis (`workers.process.layout`), which also handles the lines outside every detected
bubble.
"""

from __future__ import annotations

from pathlib import Path

from workers.models.download import resolve_weights
from workers.process.detector import ComicDetector
from workers.process.layout import analyse_page
from workers.types import Image, PageLayout, PageText

# The manifest entry holding the detector's weights.
MODEL_NAME = "comic_detector"


class DetectorAnalyser:
    name = "rtdetr"

    def __init__(self, detector: ComicDetector) -> None:
        self.detector = detector

    def analyse(self, image: Image, text: PageText, source: str) -> PageLayout:
        bubbles = [d.box for d in self.detector.detect(image) if d.label == "bubble"]
        return analyse_page(image, text, source, bubbles)


def load_detector_analyser(cache_dir: Path | None, allow_download: bool, threads: int = 0,
                           device: str = "cpu") -> DetectorAnalyser:
    """The analyser with the manifest's detector, from the cache or downloaded first when
    `allow_download`; ModelMissing when the weights cannot be had."""
    path = resolve_weights(MODEL_NAME, None, cache_dir, allow_download)
    return DetectorAnalyser(ComicDetector(path, threads=threads, device=device))
