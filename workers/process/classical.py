"""The classical page analyser: no model weights. Bubbles are the enclosed flat regions
around the text, glyph masks come from the background model (off-colour pixels on a flat
region, top-hat strokes on art), kinds and erase plans follow (`workers.process.layout`)."""

from __future__ import annotations

from workers.process.layout import analyse_page
from workers.types import Image, PageLayout, PageText


class ClassicalAnalyser:
    name = "classical"

    def analyse(self, image: Image, text: PageText, source: str) -> PageLayout:
        return analyse_page(image, text, source)
