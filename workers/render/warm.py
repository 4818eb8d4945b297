"""What the first page's lettering would otherwise wait for, loaded with the models.

The hyphenation patterns of a language take a seventh of a second to read and the font
search walks the system's fonts once: paid at start, not by the first image a reader waits
for. The default job's target is warmed; another target pays once, on its first page.
"""

from __future__ import annotations

from pathlib import Path

from workers.errors import FontMissing
from workers.render.fonts import find_font
from workers.render.hyphen import splitter


def warm_up(target: str, font: Path | None) -> None:
    points = splitter(target)
    if points is not None:
        points("hyphenation")
    try:
        find_font(target, override=font)
    except FontMissing:
        # Said where it matters: the job's own font check fails before any work.
        return
