"""The page-analysis interface: what the process stage runs.

A page analyser turns the lines OCR read into the page's layout: blocks in reading order
(one bubble, caption, text on art or sound effect each), each with its kind, its bubble
(interior mask, polygon, fill colour) when it has one, its erase plan (`fill` inside a
flat interior, `model` for text on art), and the page's glyph mask. The classical analyser
is the default; a learned bubble/text detector plugs in behind the same call when its
weights are present (`workers.process.registry`).
"""

from __future__ import annotations

from typing import Protocol

from workers.types import Image, PageLayout, PageText


class PageAnalyser(Protocol):
    name: str

    def analyse(self, image: Image, text: PageText, source: str) -> PageLayout:
        """`source` is the job's source language ("auto" or a code); `text.lang` is what OCR
        decided for this page."""
