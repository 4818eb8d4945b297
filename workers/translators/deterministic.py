"""`deterministic`: the benchmark and test translator. No network: each request waits
`latency_s` (standing in for a real service's round trip) and answers a pseudo-translation.

Each text becomes real English words (so OCR can read the rendered result back) about as wide
as the source: a full-width CJK character counts as two Latin letters. The words are picked
by a hash of (source, target, text), so the same input always gives the same output, across
runs and processes.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import unicodedata

from workers.translators.base import TranslationRequest
from workers.translators.common import BackendContext

WORDS: tuple[str, ...] = (
    "the",
    "you",
    "we",
    "it",
    "can",
    "not",
    "this",
    "that",
    "what",
    "why",
    "now",
    "here",
    "there",
    "come",
    "go",
    "look",
    "wait",
    "stop",
    "run",
    "find",
    "take",
    "give",
    "know",
    "think",
    "want",
    "need",
    "help",
    "tell",
    "just",
    "never",
    "again",
    "right",
    "still",
    "today",
    "night",
    "time",
    "home",
    "door",
    "road",
    "city",
    "light",
    "dark",
    "fire",
    "water",
    "sword",
    "power",
    "friend",
    "enemy",
    "brother",
    "sister",
    "master",
    "king",
    "world",
    "heart",
    "dream",
    "story",
    "secret",
    "promise",
    "battle",
    "answer",
    "really",
    "maybe",
    "always",
    "together",
    "quickly",
    "careful",
    "strong",
    "brave",
    "quiet",
    "little",
    "great",
    "other",
    "every",
    "nothing",
    "someone",
    "hurry",
    "listen",
    "forget",
    "believe",
    "remember",
    "tomorrow",
    "morning",
    "window",
    "garden",
    "mountain",
    "river",
)
SHORT_WORDS: tuple[str, ...] = ("Oh", "Hey", "Huh", "Wow", "Bam", "Ah", "No", "Yes", "Go")


def visual_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _ending(text: str) -> str:
    tail = text.rstrip()[-1:] if text.strip() else ""
    if tail in "?？":
        return "?"
    if tail in "!！":
        return "!"
    if tail in "…" or text.rstrip().endswith(("...", "。。")):
        return "..."
    return "."


def pseudo_translate(text: str, source: str = "", target: str = "") -> str:
    text = text.strip()
    if not text:
        return ""
    seed = hashlib.sha256(f"{source}\x1f{target}\x1f{text}".encode()).digest()
    rng = random.Random(int.from_bytes(seed[:8], "big"))
    end = _ending(text)
    width = visual_width(text)
    if width <= 4:
        return rng.choice(SHORT_WORDS) + end
    words: list[str] = []
    length = 0
    while length + len(end) < width:
        word = rng.choice(WORDS)
        words.append(word)
        length += len(word) + (1 if len(words) > 1 else 0)
    return " ".join(words).capitalize() + end


class DeterministicTranslator:
    name = "deterministic"

    def __init__(self, latency_s: float) -> None:
        self.latency_s = latency_s

    async def translate(self, request: TranslationRequest) -> list[str]:
        if self.latency_s > 0:
            await asyncio.sleep(self.latency_s)
        return [pseudo_translate(t, request.source, request.target) for t in request.texts]

    async def aclose(self) -> None:
        return None


def build(ctx: BackendContext) -> DeterministicTranslator:
    return DeterministicTranslator(ctx.settings.latency_s)
