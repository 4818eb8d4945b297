"""Collecting the inputs of `itp translate`: files, folders (recursively) and http(s) URLs."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

import httpx

from workers.config import Limits
from workers.errors import FetchFailed, TooLarge

# The whole download's limit: a host that trickles a byte at a time never trips the per-read
# timeout, and would otherwise hold `itp translate` for as long as it likes.
DOWNLOAD_DEADLINE_S = 120.0
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff"})
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) itp/0.1"


@dataclass(frozen=True, slots=True)
class Input:
    """One image to translate; `source` is a path or a URL, `stem` names the outputs."""

    source: str
    stem: str
    suffix: str
    is_url: bool


def _natural_key(path: Path) -> list[object]:
    # page2 before page10, as a reader numbers pages.
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", str(path))]


def collect(specs: list[str]) -> tuple[list[Input], list[str]]:
    """The inputs in reading order, and one error line per spec that names nothing usable."""
    found: list[Input] = []
    problems: list[str] = []
    for spec in specs:
        if spec.startswith(("http://", "https://")):
            name = Path(unquote(urlparse(spec).path)).name or "image"
            suffix = Path(name).suffix.lower()
            found.append(Input(spec, Path(name).stem or "image",
                               suffix if suffix in IMAGE_SUFFIXES else "", True))
            continue
        path = Path(spec)
        if path.is_dir():
            files = sorted((p for p in path.rglob("*")
                            if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES),
                           key=_natural_key)
            if not files:
                problems.append(f"{spec}: no images in this folder")
            found.extend(Input(str(p), p.stem, p.suffix.lower(), False) for p in files)
        elif path.is_file():
            found.append(Input(str(path), path.stem, path.suffix.lower(), False))
        else:
            problems.append(f"{spec}: no such file or folder")
    return _unique_stems(found), problems


def _unique_stems(inputs: list[Input]) -> list[Input]:
    """Two inputs named alike (page1.jpg in two folders) must not overwrite each other."""
    seen: dict[str, int] = {}
    out = []
    for item in inputs:
        n = seen.get(item.stem, 0)
        seen[item.stem] = n + 1
        stem = item.stem if n == 0 else f"{item.stem}-{n + 1}"
        out.append(Input(item.source, stem, item.suffix, item.is_url))
    return out


def read_bytes(item: Input, limits: Limits, client: httpx.Client | None = None,
               deadline_s: float = DOWNLOAD_DEADLINE_S) -> bytes:
    if not item.is_url:
        size = Path(item.source).stat().st_size
        if size > limits.max_bytes:
            raise TooLarge(f"{size} bytes is over the {limits.max_bytes} byte limit")
        return Path(item.source).read_bytes()
    own = client is None
    http = client or httpx.Client(timeout=30.0, follow_redirects=True,
                                  headers={"User-Agent": USER_AGENT})
    started = time.monotonic()
    try:
        with http.stream("GET", item.source) as resp:
            if resp.status_code != 200:
                raise FetchFailed(f"HTTP {resp.status_code} from {item.source}")
            data = bytearray()
            for chunk in resp.iter_bytes():
                data += chunk
                if len(data) > limits.max_bytes:
                    raise TooLarge(f"download is over the {limits.max_bytes} byte limit")
                if time.monotonic() - started > deadline_s:
                    raise FetchFailed(f"{item.source}: the download took over {deadline_s:g} s")
            return bytes(data)
    except httpx.HTTPError as exc:
        raise FetchFailed(f"{item.source}: {type(exc).__name__}: {exc}") from exc
    finally:
        if own:
            http.close()
