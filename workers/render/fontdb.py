"""The fonts installed on this machine, ranked for lettering one script.

Fontconfig knows the installed fonts and the languages they claim, so it is asked first. Where
it is absent (Windows, macOS without Homebrew) or finds nothing usable, the usual font folders
of Windows, macOS and Linux are scanned and each face is named by Pillow.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

from workers.render.scripts import Script

FONT_SUFFIXES = frozenset({".ttf", ".otf", ".ttc", ".otc"})
_MAX_SCANNED_FILES = 4000
_FC_TIMEOUT_S = 30.0


@dataclass(frozen=True, slots=True)
class FontFace:
    """One face of a font file; `index` selects the face inside a .ttc/.otc collection."""

    path: Path
    index: int = 0
    family: str = ""
    style: str = ""

    @property
    def name(self) -> str:
        label = f"{self.family} {self.style}".strip() or self.path.name
        return f"{label} ({self.path}" + (f", face {self.index})" if self.index else ")")


def font_dirs() -> list[Path]:
    """Where fonts live without fontconfig: Windows, then macOS, then Linux/BSD."""
    home = Path.home()
    return [
        Path("C:/Windows/Fonts"),
        home / "AppData" / "Local" / "Microsoft" / "Windows" / "Fonts",
        Path("/System/Library/Fonts"),
        Path("/Library/Fonts"),
        home / "Library" / "Fonts",
        Path("/usr/share/fonts"),
        Path("/usr/local/share/fonts"),
        home / ".local" / "share" / "fonts",
        home / ".fonts",
    ]


@lru_cache(maxsize=64)
def fontconfig_faces(fc_lang: str) -> tuple[FontFace, ...]:
    """Faces fontconfig says support `fc_lang`; empty when fontconfig is not installed."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return ()
    try:
        proc = subprocess.run(
            [
                fc_list,
                f":lang={fc_lang}",
                "--format",
                "%{file}|%{index}|%{family[0]}|%{style[0]}\n",
            ],
            capture_output=True,
            text=True,
            timeout=_FC_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ()
    if proc.returncode != 0:
        return ()
    faces: dict[tuple[Path, int], FontFace] = {}
    for line in proc.stdout.splitlines():
        parts = line.split("|")
        if len(parts) != 4 or not parts[1].isdigit():
            continue
        path = Path(parts[0])
        if path.suffix.lower() not in FONT_SUFFIXES:
            continue  # bitmap and Type 1 fonts
        key = (path, int(parts[1]))
        faces.setdefault(key, FontFace(path, key[1], parts[2], parts[3]))
    return tuple(faces.values())


@lru_cache(maxsize=1)
def scanned_faces() -> tuple[FontFace, ...]:
    """Every face in the usual font folders (opened once, cached for the process)."""
    faces: list[FontFace] = []
    files = 0
    for root in font_dirs():
        if not root.is_dir():
            continue
        for dirpath, _dirs, names in os.walk(root):
            for fname in sorted(names):
                path = Path(dirpath) / fname
                if path.suffix.lower() not in FONT_SUFFIXES:
                    continue
                files += 1
                if files > _MAX_SCANNED_FILES:
                    return tuple(faces)
                faces.extend(faces_in_file(path))
    return tuple(faces)


def faces_in_file(path: Path) -> list[FontFace]:
    """The faces of one font file, named; unreadable files give none."""
    out = []
    for index in range(face_count(path)):
        try:
            family, style = ImageFont.truetype(str(path), 12, index=index).getname()
        except OSError:
            continue
        out.append(FontFace(path, index, family or "", style or ""))
    return out


def face_count(path: Path) -> int:
    try:
        with path.open("rb") as f:
            head = f.read(12)
    except OSError:
        return 0
    if head[:4] == b"ttcf" and len(head) == 12:
        return max(0, min(int(struct.unpack(">I", head[8:12])[0]), 64))
    return 1


def ranked(faces: tuple[FontFace, ...], script: Script) -> list[FontFace]:
    return sorted(faces, key=lambda f: _rank_key(f, script))


def candidates(script: Script) -> Iterator[FontFace]:
    """Faces to try for `script`, best first: fontconfig's, then the scanned folders' (the
    folders are only scanned when fontconfig's faces run out)."""
    first = _ranked_fontconfig(script)
    yield from first
    seen = {(face.path, face.index) for face in first}
    for face in _ranked_scanned(script):
        if (face.path, face.index) not in seen:
            yield face


@lru_cache(maxsize=64)
def _ranked_fontconfig(script: Script) -> tuple[FontFace, ...]:
    return tuple(ranked(fontconfig_faces(script.fc_lang), script))


@lru_cache(maxsize=64)
def _ranked_scanned(script: Script) -> tuple[FontFace, ...]:
    return tuple(ranked(scanned_faces(), script))


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


_WEIGHTS: tuple[tuple[str, int], ...] = (
    ("extrabold", 1),
    ("ultrabold", 1),
    ("semibold", 2),
    ("demibold", 2),
    ("bold", 0),
    ("black", 1),
    ("heavy", 1),
    ("medium", 3),
    ("extralight", 7),
    ("ultralight", 7),
    ("light", 6),
    ("thin", 7),
)


def _rank_key(face: FontFace, script: Script) -> tuple[int, int, int, str, int]:
    family = _norm(face.family)
    prefs = [_norm(f) for f in script.families]
    fam_rank = prefs.index(family) if family in prefs else len(prefs)
    # Among families we do not know, sans/gothic faces letter comics; serif, mono and symbol
    # faces do not.
    lowered = face.family.lower()
    if any(w in lowered for w in ("mono", "serif", "math", "symbol", "emoji", "dingbat", "code")):
        kind = 2 if "sans serif" not in lowered else 0
    elif any(w in lowered for w in ("sans", "gothic", "hei", "dotum", "gulim")):
        kind = 0
    else:
        kind = 1
    style = _norm(face.style)
    weight = next((w for word, w in _WEIGHTS if word in style), 4)
    if "italic" in style or "oblique" in style:
        weight += 10
    if "condensed" in style or "narrow" in style:
        weight += 1
    return (fam_rank, kind, weight, str(face.path), face.index)
