"""`groundtruth`: translations read from annotated sample pages, for measuring the lettering.

The sample set's ground truth (`groundtruth/*.json`, see the samples' README) gives, for some
pages, each text region's transcription and professional translations
(`regions[].text`, `regions[].translations[target]`). This backend answers a page's blocks
with those translations, so lettering is judged on the text a human letterer had, not on a
machine translation's length and quality.

A translator sees texts, not boxes, so regions are matched to blocks by their text: the page is
the annotated page whose transcriptions share the most characters with the request's texts, and
each region goes to the block whose source text shares most of its characters (OCR errors cost
a few characters, not the match). A block given several regions (OCR grouped two bubbles into
one) gets their translations joined in the annotation's order; a block given none (an
unannotated sound effect) keeps its source text, which the pipeline reads as "leave the
artist's lettering".

`--translator-url` names the ground-truth folder (or one JSON file); by default it is the
samples' `groundtruth/` folder next to the repository (`../shared/samples/groundtruth`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

from workers.errors import TranslatorNotConfigured
from workers.translators.base import TranslationRequest
from workers.translators.common import BackendContext

DEFAULT_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "samples" / "groundtruth"
# Share of a region's characters that a block must contain to be given that region.
MIN_SHARE = 0.4


@dataclass(frozen=True, slots=True)
class Region:
    key: str  # letters, digits and CJK of the transcription, case-folded
    translation: str


@dataclass(frozen=True, slots=True)
class AnnotatedPage:
    name: str
    regions: tuple[Region, ...]


def letters(text: str) -> str:
    """What text matching compares: punctuation, spaces and case vary between readings."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def common_chars(a: str, b: str) -> int:
    """Characters of `a` and `b` that line up (sum of the matching blocks' sizes)."""
    if not a or not b:
        return 0
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    return sum(m.size for m in matcher.get_matching_blocks())


def load_pages(location: Path, target: str) -> list[AnnotatedPage]:
    """Every annotated page under `location` with translations into `target`."""
    files = [location] if location.is_file() else sorted(location.glob("*.json"))
    pages = []
    for path in files:
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            raw = record.get("regions") or []
        except (OSError, ValueError, AttributeError) as exc:
            raise TranslatorNotConfigured(f"groundtruth: cannot read {path}: {exc}") from exc
        regions = []
        for r in raw:
            if not isinstance(r, dict):
                continue
            translations = r.get("translations") or {}
            text = translations.get(target) if isinstance(translations, dict) else None
            if isinstance(text, str) and text.strip() and isinstance(r.get("text"), str):
                regions.append(Region(letters(r["text"]), " ".join(text.split())))
        if regions:
            pages.append(AnnotatedPage(path.stem, tuple(regions)))
    return pages


def assign(page: AnnotatedPage, keys: list[str]) -> list[list[int]]:
    """For each block key, the indices of the regions it is given (in annotation order)."""
    given: list[list[int]] = [[] for _ in keys]
    for r, region in enumerate(page.regions):
        scores = [common_chars(region.key, k) for k in keys]
        if not scores:
            break
        best = max(range(len(keys)), key=lambda i: scores[i])
        # Short regions ("あっ") must match whole: one shared kana is chance.
        need = len(region.key) if len(region.key) <= 2 else max(2, MIN_SHARE * len(region.key))
        if region.key and scores[best] >= need:
            given[best].append(r)
    return given


def translate_page(pages: list[AnnotatedPage], texts: list[str]) -> list[str]:
    keys = [letters(t) for t in texts]
    joined = "".join(keys)
    best = max(pages, key=lambda p: common_chars("".join(r.key for r in p.regions), joined),
               default=None)
    if best is None:
        return list(texts)
    given = assign(best, keys)
    return [" ".join(best.regions[r].translation for r in rs) if rs else text
            for text, rs in zip(texts, given, strict=True)]


class GroundTruthTranslator:
    name = "groundtruth"

    def __init__(self, location: Path) -> None:
        if not location.exists():
            raise TranslatorNotConfigured(
                f"groundtruth: no ground truth at {location}; set --translator-url / "
                "ITP_TRANSLATOR_URL to a folder of ground-truth JSON files")
        self.location = location
        self._pages: dict[str, list[AnnotatedPage]] = {}

    async def translate(self, request: TranslationRequest) -> list[str]:
        target = request.target.split("-")[0].lower()
        pages = self._pages.get(target)
        if pages is None:
            pages = load_pages(self.location, target)
            self._pages[target] = pages
        return translate_page(pages, [t.strip() for t in request.texts])

    async def aclose(self) -> None:
        return None


def build(ctx: BackendContext) -> GroundTruthTranslator:
    url = ctx.settings.url.strip()
    return GroundTruthTranslator(Path(url).expanduser() if url else DEFAULT_DIR)
