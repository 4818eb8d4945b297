"""Text comparison for OCR accuracy: normalisation and character error rate."""

from __future__ import annotations

import unicodedata


def normalize(text: str) -> str:
    """The text as compared: NFKC (full-width `！` and ASCII `!` are the same character to a
    reader, `…` becomes `...`), case-folded, whitespace and line breaks removed (ground truth
    and OCR break lines in different places)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if not ch.isspace())


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance: insertions, deletions and substitutions, each costing 1."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate of `hypothesis` against `reference`, both normalised: edits per
    reference character (can exceed 1 when much extra text is read). An empty reference
    scores 0 when nothing was read, else 1."""
    ref, hyp = normalize(reference), normalize(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    return edit_distance(ref, hyp) / len(ref)
