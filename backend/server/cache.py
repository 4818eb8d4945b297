"""The results cache: finished images on disk, keyed by what produced them.

Key = sha256 of (sha256 of the input bytes, fingerprint of every setting that changes the
output). Files are `<key>.<etag>.<ext>` under the cache dir, so the index is rebuilt from a
directory listing after a restart; least recently used entries (by mtime, touched on every
hit) go first when the size cap is reached. Results are PNG, except for JPEG inputs: a JPEG
page (photographic, usually a long strip) is answered as JPEG quality 92 — PNG would make it
several times larger without being any closer to the original.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_cache_dir

from workers.config import JobSettings, MachineSettings
from workers.imageio import encode_image
from workers.types import Image

log = logging.getLogger("itp.server")

MEDIA_TYPES = {"png": "image/png", "jpg": "image/jpeg"}


def default_cache_dir(machine: MachineSettings) -> Path:
    root = machine.cache_dir or Path(user_cache_dir("itp"))
    return root / "results"


def fingerprint(job: JobSettings, used: Mapping[str, str], version: str) -> str:
    """Everything that changes the pixels of a result (not timeouts, threads or limits):
    the job's settings and the models that made it (`PageResult.used`, as the stages
    reported them: in distributed mode the workers' models, not the server's)."""
    t = job.translator
    glossary = hashlib.sha256(t.glossary.encode()).hexdigest()[:16] if t.glossary else ""
    parts = {
        "version": version, "source": job.source, "target": job.target,
        "translator": [t.name, t.model, t.url, glossary, list(t.extra)],
        "used": dict(sorted(used.items())),
    }
    blob = json.dumps(parts, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(blob).hexdigest()[:32]


def cache_key(data_sha256: str, settings_fingerprint: str) -> str:
    return hashlib.sha256(f"{data_sha256}:{settings_fingerprint}".encode()).hexdigest()


def encode_result(image: Image, input_format: str) -> tuple[bytes, str]:
    """(bytes, extension) of a finished page; see the module docstring for the choice."""
    if input_format == "JPEG":
        return encode_image(image, "JPEG", quality=92), "jpg"
    return encode_image(image, "PNG"), "png"


@dataclass(frozen=True, slots=True)
class Entry:
    key: str
    etag: str
    ext: str
    size: int

    @property
    def filename(self) -> str:
        return f"{self.key}.{self.etag}.{self.ext}"

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.ext]


class ResultCache:
    """The in-memory index is touched only on the event loop; file work runs in threads."""

    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self._index: OrderedDict[str, Entry] = OrderedDict()
        self.total = 0
        self.hits = 0
        self.misses = 0

    def load(self) -> None:
        """Blocking: rebuild the index from the directory, oldest first."""
        self.root.mkdir(parents=True, exist_ok=True)
        found: list[tuple[float, Entry]] = []
        for path in self.root.iterdir():
            parts = path.name.split(".")
            if path.name.endswith(".tmp"):
                path.unlink(missing_ok=True)  # a write cut short by a crash
                continue
            if len(parts) != 3 or parts[2] not in MEDIA_TYPES:
                continue
            with contextlib.suppress(FileNotFoundError):
                stat = path.stat()
                found.append((stat.st_mtime, Entry(parts[0], parts[1], parts[2], stat.st_size)))
        for _, entry in sorted(found, key=lambda item: item[0]):
            self._index[entry.key] = entry
            self.total += entry.size
        _unlink_all([self.root / e.filename for e in self._evict(keep=None)])

    def __len__(self) -> int:
        return len(self._index)

    def lookup(self, key: str) -> Entry | None:
        """The entry for `key`, counted as a hit or a miss."""
        entry = self._index.get(key)
        if entry is None:
            self.misses += 1
            return None
        self.hits += 1
        self._index.move_to_end(key)
        return entry

    def get(self, key: str) -> Entry | None:
        return self._index.get(key)

    async def read(self, entry: Entry) -> bytes | None:
        """The entry's bytes (and it becomes the most recently used), or None when gone."""
        path = self.root / entry.filename

        def _read() -> bytes:
            data = path.read_bytes()
            os.utime(path)
            return data

        try:
            data = await asyncio.to_thread(_read)
        except FileNotFoundError:
            self._drop(entry.key)
            return None
        if entry.key in self._index:
            self._index.move_to_end(entry.key)
        return data

    async def put(self, key: str, data: bytes, ext: str) -> Entry:
        etag = hashlib.sha256(data).hexdigest()[:32]
        entry = Entry(key, etag, ext, len(data))
        path = self.root / entry.filename
        tmp = self.root / f"{entry.filename}.{os.getpid()}.{id(data)}.tmp"

        def _write() -> None:
            self.root.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(data)
            os.replace(tmp, path)

        await asyncio.to_thread(_write)
        old = self._index.pop(key, None)
        if old is not None:
            self.total -= old.size
            if old.filename != entry.filename:
                await asyncio.to_thread((self.root / old.filename).unlink, missing_ok=True)
        self._index[key] = entry
        self.total += entry.size
        doomed = self._evict(keep=key)
        if doomed:
            await asyncio.to_thread(_unlink_all, [self.root / e.filename for e in doomed])
        return entry

    def _evict(self, keep: str | None) -> list[Entry]:
        """Drop least recently used entries over the cap, never `keep` (the newest result:
        its client is about to fetch it)."""
        doomed: list[Entry] = []
        for key in list(self._index):
            if self.total <= self.max_bytes:
                break
            if key == keep:
                continue
            entry = self._index.pop(key)
            self.total -= entry.size
            doomed.append(entry)
        return doomed

    def _drop(self, key: str) -> None:
        entry = self._index.pop(key, None)
        if entry is not None:
            self.total -= entry.size


def _unlink_all(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)
