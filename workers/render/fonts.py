"""Choosing the font a translation is lettered in.

`find_font(target, text, override)` returns a face that has glyphs for the target language's
script and, where any installed font has them, for every character of `text` (a stray kana in
an English line makes the block use a CJK face, which carries Latin too). Characters that no
installed font has are reported by `missing_chars` and left out when drawing, rather than
drawn as empty boxes. `--font PATH` wins over discovery, but must cover the target script.

Everything is cached for the process: font discovery runs once per script, a font's character
coverage is read once, and Pillow font objects are kept per size (per thread, since one
FreeType face must not be used by two threads at once).
"""

from __future__ import annotations

import threading
import unicodedata
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

from workers.errors import FontMissing
from workers.render.cmap import EMPTY, Coverage, FontFileError, read_coverage
from workers.render.fontdb import FontFace, candidates, face_count, faces_in_file, ranked
from workers.render.scripts import Script, script_for, script_of_char

__all__ = ["FontFace", "covers", "emphasis_face", "find_font", "load_font", "missing_chars"]

# Characters that need no glyph of their own: spacing, controls, joiners.
_NO_GLYPH_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})


@lru_cache(maxsize=512)
def coverage(face: FontFace) -> Coverage:
    try:
        return read_coverage(face.path, face.index & 0xFFFF)
    except FontFileError:
        return EMPTY


def covers(face: FontFace, ch: str) -> bool:
    """Whether `face` can draw `ch` (spaces and joiners need no glyph)."""
    return (
        ch.isspace()
        or unicodedata.category(ch) in _NO_GLYPH_CATEGORIES
        or ord(ch) in coverage(face)
    )


def missing_chars(face: FontFace, text: str) -> str:
    """The distinct characters of `text` that `face` has no glyph for, in order of appearance."""
    cov = coverage(face)
    return "".join(ch for ch in _needed(text) if ord(ch) not in cov)


def _needed(text: str) -> str:
    return "".join(
        dict.fromkeys(
            ch
            for ch in text
            if not ch.isspace() and unicodedata.category(ch) not in _NO_GLYPH_CATEGORIES
        )
    )


def find_font(target: str, text: str = "", override: Path | None = None) -> FontFace:
    """The face to letter `text` in for target language `target`; raises `FontMissing`."""
    script = script_for(target)
    if override is not None:
        return _override_face(Path(override).expanduser(), script)
    return _discover(script, _needed(script.sample + text))


@lru_cache(maxsize=2048)
def _discover(script: Script, needed: str) -> FontFace:
    best: FontFace | None = None
    best_missing = needed
    for face in candidates(script):
        missing = missing_chars(face, needed)
        if not missing:
            return face
        if len(missing) < len(best_missing) and not missing_chars(face, script.sample):
            best, best_missing = face, missing
    if best is None:
        raise FontMissing(_no_font_message(script))
    # Text that mixes scripts: a face made for the other script may carry all of it.
    for other in dict.fromkeys(script_of_char(ch) for ch in best_missing):
        if other == script:
            continue
        for face in candidates(other):
            if not missing_chars(face, needed):
                return face
    return best


def _no_font_message(script: Script) -> str:
    return (
        f"no installed font has {script.name} glyphs (such as {script.sample!r}); pass "
        f"--font PATH naming a font that does, or {script.install_hint}"
    )


@lru_cache(maxsize=64)
def _override_face(path: Path, script: Script) -> FontFace:
    if not path.is_file():
        raise FontMissing(f"--font {path}: no such file")
    faces = faces_in_file(path)
    if not faces:
        raise FontMissing(f"--font {path}: not a TrueType/OpenType font or collection")
    for face in ranked(tuple(faces), script):
        if not missing_chars(face, script.sample):
            return face
    count = face_count(path)
    which = f"none of the {count} faces of {path}" if count > 1 else f"the font {path}"
    raise FontMissing(
        f"{which} has {script.name} glyphs (missing {missing_chars(faces[0], script.sample)!r});"
        f" pass --font PATH naming a font that does, or {script.install_hint}"
    )


@lru_cache(maxsize=256)
def emphasis_face(face: FontFace, target: str) -> FontFace:
    """The bold-italic cut of `face`'s family (comic lettering's emphasis), or `face` itself
    when the family has none installed or it lacks glyphs `face` has for the target."""
    script = script_for(target)
    family = face.family.casefold()
    for other in candidates(script):
        style = other.style.casefold()
        if (other.family.casefold() == family and "italic" in style and "bold" in style
                and not missing_chars(other, script.sample)):
            return other
    return face


_local = threading.local()


def load_font(face: FontFace, size: int) -> ImageFont.FreeTypeFont:
    """A Pillow font for `face` at `size` px, cached per thread."""
    cache: dict[tuple[FontFace, int], ImageFont.FreeTypeFont] | None = getattr(
        _local, "fonts", None
    )
    if cache is None:
        cache = {}
        _local.fonts = cache
    font = cache.get((face, size))
    if font is None:
        if len(cache) > 256:
            cache.clear()
        try:
            font = ImageFont.truetype(str(face.path), size, index=face.index)
        except OSError as exc:
            raise FontMissing(f"cannot load font {face.name}: {exc}") from exc
        cache[(face, size)] = font
    return font
