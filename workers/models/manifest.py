"""The one list of model files itp may download: name, URL, sha256, size, licence.

Kept as data (`manifest.json` beside this file) so adding a model is a data change. A file is
trusted only when its sha256 matches the entry; `size_bytes` sizes the progress bar and the
`itp models list` column, and is exact only where `size_exact` says so (some hosts publish the
hash but only a rounded size).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources

from workers.errors import ModelMissing

_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class ModelEntry:
    """One downloadable model file."""

    name: str
    filename: str
    url: str
    sha256: str
    size_bytes: int
    licence: str
    description: str
    size_exact: bool = True
    # The environment variable and CLI flag that point at a local copy instead.
    env: str = ""
    flag: str = ""

    def __post_init__(self) -> None:
        if not _SHA256.fullmatch(self.sha256):
            raise ValueError(f"model {self.name}: sha256 must be 64 lowercase hex digits")
        if "/" in self.filename or "\\" in self.filename or self.filename.startswith("."):
            raise ValueError(f"model {self.name}: filename must be a plain file name")

    def local_hint(self) -> str:
        """How a user points itp at a copy they downloaded themselves ("" if they cannot)."""
        env = f"set {self.env}=/path/to/{self.filename}" if self.env else ""
        if env and self.flag:
            return f"{env} (or pass {self.flag})"
        return env or (f"pass {self.flag} /path/to/{self.filename}" if self.flag else "")


def load_manifest() -> dict[str, ModelEntry]:
    """Every entry of the packaged manifest, by name."""
    text = resources.files(__package__).joinpath("manifest.json").read_text(encoding="utf-8")
    raw = json.loads(text)
    entries = [ModelEntry(**item) for item in raw["models"]]
    return {e.name: e for e in entries}


def get_entry(name: str) -> ModelEntry:
    """The entry called `name`; ModelMissing listing the known names otherwise."""
    manifest = load_manifest()
    try:
        return manifest[name]
    except KeyError:
        known = ", ".join(sorted(manifest))
        raise ModelMissing(f"no model named {name!r} in the manifest (known: {known})") from None
