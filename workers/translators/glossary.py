"""Glossaries: fixed translations for names, places and recurring terms of a series.

File format (UTF-8 text, one entry per line):

    # comments start with '#'; blank lines are ignored
    ナルト = Naruto
    木ノ葉<TAB>Konoha
    "a = b" = "an equals sign inside quotes"

Each line is `source<TAB>target` or `source = target` (the first tab wins, else the first
` = `). Either side may be wrapped in double quotes to keep leading/trailing spaces or an
` = ` inside it. The glossary's version is a hash of the file's bytes, so editing the file
invalidates cached translations made with the old one.

How it is used: an LLM backend receives the entries whose source term occurs in the page; every
backend answers a text that *is* a glossary term (a name shouted alone, a sound effect) from
the glossary without asking the service. Machine-translation APIs get no partial substitution:
splicing terms into a sentence before translation breaks grammar more often than it helps.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from workers.errors import TranslatorNotConfigured


@dataclass(frozen=True, slots=True)
class Glossary:
    entries: Mapping[str, str] = field(default_factory=dict)
    version: str = ""

    def __len__(self) -> int:
        return len(self.entries)

    def exact(self, text: str) -> str | None:
        """The glossary's translation when the whole text is one term."""
        return self.entries.get(text.strip())

    def relevant(self, texts: Iterable[str]) -> dict[str, str]:
        """Entries whose source term occurs in any of `texts`, in file order."""
        joined = "\n".join(texts)
        return {src: dst for src, dst in self.entries.items() if src in joined}


EMPTY = Glossary()


def _unquote(s: str) -> str:
    s = s.strip()
    if len(s) >= 2 and s[0] == s[-1] == '"':
        return s[1:-1]
    return s


def _split(line: str) -> tuple[str, str] | None:
    if "\t" in line:
        src, _, dst = line.partition("\t")
        return _unquote(src), _unquote(dst)
    if line.startswith('"'):
        # A quoted source may itself contain " = ": split after its closing quote.
        end = line.find('"', 1)
        rest = line[end + 1 :] if end > 0 else ""
        if rest.lstrip().startswith("="):
            return line[1:end], _unquote(rest.lstrip()[1:])
    src, sep, dst = line.partition(" = ")
    if not sep:
        src, sep, dst = line.partition("=")
    if not sep:
        return None
    return _unquote(src), _unquote(dst)


def parse(text: str, *, origin: str = "glossary") -> Glossary:
    entries: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip("\r\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        pair = _split(line.strip(" "))
        if pair is None or not pair[0]:
            raise TranslatorNotConfigured(
                f"{origin}, line {number}: expected 'source = target' or 'source<TAB>target'"
            )
        entries[pair[0]] = pair[1]
    version = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16] if entries else ""
    return Glossary(entries=entries, version=version)


def read(path: Path) -> str:
    """A glossary file's text (TranslatorNotConfigured naming the file when unreadable)."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise TranslatorNotConfigured(
            f"glossary file not found: {path} (set by --glossary / ITP_GLOSSARY)"
        ) from None
    except (OSError, UnicodeDecodeError) as e:
        raise TranslatorNotConfigured(f"cannot read glossary {path}: {e}") from None


def load(path: Path | None) -> Glossary:
    """Read a glossary file; None gives the empty glossary."""
    if path is None:
        return EMPTY
    return parse(read(path), origin=str(path))
